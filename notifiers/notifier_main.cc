// vigil-notifier: runs one channel (e-mail, sms, telegram or webhook) in its own process.
// It reads the same config file as vigild, builds the channel named by --channel (which must
// have process: separate there), pulls jobs from the engine's tcp://127.0.0.1 jobs endpoint
// and pushes receipts to bus.receipts. Killing or restarting it never touches vigild: jobs it
// lost stay due in the outbox and the engine re-sends them once it is back.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "config/config.h"
#include "daemon/common/log.h"
#include "notifiers/channel.h"
#include "notifiers/module/channels_module.h"

int main(int argc, char** argv) {
  using namespace vigil;
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{"vigil-notifier — one Vigil channel in its own process"};
  std::string config_path, channel, log_level;
  app.add_option("--config,-c", config_path, "the vigild config file")->required()
      ->check(CLI::ExistingFile);
  app.add_option("--channel", channel, "email, sms, telegram or webhook")->required();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical, off");
  CLI11_PARSE(app, argc, argv);

  auto cfg = LoadConfigFile(config_path);
  if (!cfg) {
    for (const auto& e : cfg.error()) std::cerr << e.ToString() << "\n";
    return 2;
  }
  SetLogLevel(log_level.empty() ? cfg->log_level : log_level);
  auto log = Log("notifier");
  const auto& c = cfg->channels;
  using Common = Config::Channels::Common;
  const Common* common = nullptr;
  if (channel == "email" && c.email) common = &*c.email;
  if (channel == "sms" && c.sms) common = &*c.sms;
  if (channel == "telegram" && c.telegram) common = &*c.telegram;
  if (channel == "webhook" && c.webhook) common = &*c.webhook;
  if (!common) {
    std::cerr << "channels." << channel << " is not configured in " << config_path << "\n";
    return 2;
  }
  if (!common->separate) {
    std::cerr << "channels." << channel << ".process must be separate for vigil-notifier "
              << "(otherwise vigild runs it itself)\n";
    return 2;
  }
  SystemClock clock;
  ChannelList built;
  Error error;
  if (!vigil_build_channels(&*cfg, &clock, channel.c_str(), &built, &error) || built.empty()) {
    std::cerr << error.message << "\n";
    return 1;
  }
  zmq::context_t ctx(1);
  NotifierWorker worker(ctx, std::move(built.front()), common->endpoint, cfg->bus.receipts);
  worker.Start();
  log->info("notifier_started channel={} jobs={} receipts={} pid={}", channel, common->endpoint,
            cfg->bus.receipts, ::getpid());
  int sig = 0;
  sigwait(&set, &sig);
  log->info("notifier_stopping channel={}", channel);
  if (!worker.Stop(std::chrono::seconds(2))) {
    // Stuck in a delivery: its job was never confirmed, so the engine re-sends it later.
    log->warn("notifier_stopped channel={} hung_delivery=abandoned", channel);
    std::_Exit(0);
  }
  log->info("notifier_stopped channel={}", channel);
  return 0;
}
