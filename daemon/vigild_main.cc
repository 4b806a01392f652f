// vigild: wires config, store, engine, notifier workers, bus and HTTP together, then waits
// for signals. SIGTERM/SIGINT: finish in-flight requests, commit, close, exit 0.
// SIGHUP: reload the config file; a bad one is refused and the running config kept.
#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "config/config.h"
#include "daemon/auth/auth.h"
#include "daemon/bus/bus.h"
#include "daemon/common/i18n.h"
#include "daemon/common/log.h"
#include "daemon/common/metrics.h"
#include "daemon/engine/engine.h"
#include "daemon/http/server.h"
#include "daemon/store/store.h"
#include "notifiers/console/console_channel.h"

namespace vigil {
namespace {

constexpr const char* kVersion = "0.1.0";

struct Flags {
  std::string config, data_dir, listen, log_level, check_config;
};

int CheckConfig(const std::string& path) {
  auto cfg = LoadConfigFile(path);
  if (!cfg) {
    for (const auto& e : cfg.error()) std::cerr << e.ToString() << "\n";
    std::cerr << cfg.error().size() << " problem(s) in " << path << "\n";
    return 1;
  }
  std::cout << path << ": OK\n";
  return 0;
}

ConfigResult LoadEffectiveConfig(const Flags& f) {
  auto cfg = f.config.empty() ? ParseConfig(EmbeddedDefaultConfig(), "<embedded default>")
                              : LoadConfigFile(f.config);
  if (!cfg) return cfg;
  if (!f.data_dir.empty()) cfg->data_dir = f.data_dir;
  if (!f.log_level.empty()) cfg->log_level = f.log_level;
  if (!f.listen.empty()) {
    static const std::regex kAddr(R"(^([A-Za-z0-9_.\-]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})$)");
    std::smatch m;
    if (!std::regex_match(f.listen, m, kAddr) || std::stoi(m[2]) > 65535) {
      return std::unexpected(std::vector<ConfigError>{
          {"--listen", 0, "must be ADDRESS:PORT, e.g. 127.0.0.1:7480"}});
    }
    cfg->listen_host = m[1];
    cfg->listen_port = std::stoi(m[2]);
  }
  if (!SetLogLevel(cfg->log_level)) {
    return std::unexpected(std::vector<ConfigError>{{"--log-level", 0, "unknown level"}});
  }
  return cfg;
}

void WriteRuntimeFile(const std::string& dir, const std::string& http, const std::string& console) {
  const std::string path = dir + "/runtime.json";
  {
    std::ofstream out(path + ".tmp");
    out << nlohmann::json{{"http", http}, {"console", console}, {"pid", ::getpid()}}.dump(2)
        << "\n";
  }
  std::filesystem::rename(path + ".tmp", path);
}

void PrintWelcome(const Config& cfg, Lang lang, const std::string& url, const std::string& console,
                  const std::string& new_key, const std::string& ctl) {
  std::string out = fmt::format("\n{}\n  API:     {}\n  Console: {}\n  {}: {}\n",
                                Tr(lang, "vigild đang chạy.", "vigild is running."), url, console,
                                Tr(lang, "Dữ liệu", "Data"), cfg.data_dir);
  if (!new_key.empty()) {
    out += fmt::format(
        "\n{}\n  {}\n\n{}\n  curl -sS -X POST {}/v2/enqueue -H 'Content-Type: application/json' "
        "-d '{{\"routing_key\":\"{}\",\"event_action\":\"trigger\",\"payload\":{{\"summary\":"
        "\"{}\",\"source\":\"may-chu-truong-01\",\"severity\":\"critical\"}}}}'\n",
        Tr(lang, "Khoá tích hợp đầu tiên (\"default\") — chỉ hiện MỘT lần, hãy lưu lại:",
           "First integration key (\"default\") — shown ONCE, keep it:"),
        new_key, Tr(lang, "Gửi cảnh báo đầu tiên:", "Send a first alert:"), url, new_key,
        Tr(lang, "Thử nghiệm: máy chủ trường mất kết nối", "Test: school server unreachable"));
  } else {
    out += fmt::format("\n{}\n  {} --data-dir {} integrations add demo\n",
                       Tr(lang, "Tạo khoá tích hợp mới để gửi cảnh báo:",
                          "Create an integration key to send alerts:"),
                       ctl, cfg.data_dir);
  }
  out += fmt::format("\n{}\n  {} --data-dir {} watch\n  {} --data-dir {} alerts\n\n",
                     Tr(lang, "Xem cảnh báo đến (cửa sổ khác):",
                        "Watch alerts arrive (another terminal):"),
                     ctl, cfg.data_dir, ctl, cfg.data_dir);
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
}

Result<void> SyncIntegrations(Engine& engine, const Config& cfg) {
  return engine.Submit(SyncIntegrationsCommand{cfg.integrations, {}}).get();
}

// Re-reads the config file on SIGHUP. Only hot-reloadable keys take effect.
void Reload(const Flags& flags, Config& running, Engine& engine) {
  auto log = Log("vigild");
  if (flags.config.empty()) {
    log->info("reload_skipped reason=\"running on the embedded default; nothing to re-read\"");
    return;
  }
  auto next = LoadEffectiveConfig(flags);
  if (!next) {
    for (const auto& e : next.error()) log->error("reload_refused {}", e.ToString());
    SetLogLevel(running.log_level);
    log->error("reload_refused errors={} keeping=running_config", next.error().size());
    return;
  }
  if (next->listen_host != running.listen_host || next->listen_port != running.listen_port ||
      next->data_dir != running.data_dir || next->bus.console != running.bus.console) {
    log->warn("reload_partial reason=\"listen, data_dir and bus take effect after a restart\"");
  }
  if (auto ok = SyncIntegrations(engine, *next); !ok) {
    log->error("reload_failed error=\"{}\"", ok.error().message);
    return;
  }
  running.log_level = next->log_level;
  running.integrations = next->integrations;
  log->info("config_reloaded file={} integrations={}", flags.config, next->integrations.size());
}

int Serve(const Flags& flags, Config cfg, const std::string& ctl) {
  auto log = Log("vigild");
  const Lang lang = ParseLang(cfg.language);
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  ::chmod(cfg.data_dir.c_str(), 0700);
  auto store = WriteStore::Open(cfg.data_dir + "/vigil.db");
  if (!store) {
    log->critical("start_failed error=\"{}\"", store.error().message);
    return 1;
  }
  auto admin = AdminToken::LoadOrCreate(cfg.data_dir);
  if (!admin) {
    log->critical("start_failed error=\"{}\"", admin.error().message);
    return 1;
  }
  SystemClock clock;
  Metrics metrics;
  IntegrationRegistry registry;
  zmq::context_t ctx(1);
  Publisher publisher(ctx, cfg.bus.console);
  if (auto ok = publisher.Start(); !ok) {
    log->critical("start_failed error=\"{}\"", ok.error().message);
    return 1;
  }
  NotifierWorker console(ctx, std::make_unique<ConsoleChannel>(ctx));
  console.Start();
  Engine engine(**store, clock, ctx, registry, metrics,
                {cfg.engine.batch_max, cfg.engine.delivery_retry, cfg.engine.delivery_retry_max});
  std::string first_key;
  if (cfg.integrations.empty()) {
    auto key = engine.CreateDefaultIntegrationIfNone();
    if (!key) return log->critical("start_failed error=\"{}\"", key.error().message), 1;
    first_key = *key;
  }
  if (auto ok = engine.Start(); !ok) {
    log->critical("start_failed error=\"{}\"", ok.error().message);
    return 1;
  }
  if (auto ok = SyncIntegrations(engine, cfg); !ok) {
    log->critical("start_failed error=\"{}\"", ok.error().message);
    return 1;
  }
  ReadStore reads(cfg.data_dir + "/vigil.db");
  HttpServer http({engine, reads, registry, *admin, metrics, clock, publisher.endpoint(), kVersion},
                  cfg.http);
  auto port = http.Bind(cfg.listen_host, cfg.listen_port);
  if (!port) {
    log->critical("start_failed error=\"{}\"", port.error().message);
    engine.Stop();
    return 1;
  }
  const std::string url = fmt::format("http://{}:{}", cfg.listen_host, *port);
  WriteRuntimeFile(cfg.data_dir, url, publisher.endpoint());
  std::thread server([&http] { http.Serve(); });
  log->info("started version={} http={} console={} data_dir={}", kVersion, url,
            publisher.endpoint(), cfg.data_dir);
  PrintWelcome(cfg, lang, url, publisher.endpoint(), first_key, ctl);

  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig == SIGHUP) {
      Reload(flags, cfg, engine);
      continue;
    }
    log->info("stopping signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  http.Stop();  // stop accepting; in-flight requests finish and get their replies
  server.join();
  engine.Stop();  // commits everything submitted
  console.Stop();
  publisher.Stop();
  std::filesystem::remove(cfg.data_dir + "/runtime.json", ec);
  log->info("stopped");
  return 0;
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) {
  using namespace vigil;
  mallopt(M_ARENA_MAX, 2);  // many HTTP threads, little memory: share malloc arenas
  // Block the signals we handle before any thread starts, so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{"vigild — Vigil on-call and incident response daemon"};
  app.footer(
      "With no options vigild runs on its embedded default config (HTTP on 127.0.0.1:7480, "
      "data in ./vigil-data).\nSignals: SIGHUP reloads the config file, SIGTERM stops "
      "cleanly.\nExample config with every key: config/vigil.example.yaml");
  Flags flags;
  app.add_option("--config,-c", flags.config, "YAML config file (default: embedded)")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir,-d", flags.data_dir, "directory for the database and tokens");
  app.add_option("--listen,-l", flags.listen, "HTTP address ADDR:PORT (port 0: any free port)");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error, critical, off");
  app.add_option("--check-config", flags.check_config,
                 "validate FILE, print each problem as file:line, exit non-zero if any");
  app.set_version_flag("--version", std::string("vigild ") + kVersion);
  CLI11_PARSE(app, argc, argv);

  if (!flags.check_config.empty()) return CheckConfig(flags.check_config);
  auto cfg = LoadEffectiveConfig(flags);
  if (!cfg) {
    for (const auto& e : cfg.error()) std::cerr << e.ToString() << "\n";
    return 2;
  }
  const auto self = std::filesystem::path(argv[0]).parent_path();
  const std::string ctl = (self.empty() ? std::filesystem::path(".") : self) / "vigilctl";
  return Serve(flags, *cfg, ctl);
}
