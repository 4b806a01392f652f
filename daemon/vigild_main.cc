// vigild: wires config, store, engine, notifier workers, bus and HTTP together, then waits
// for signals. SIGTERM/SIGINT: finish in-flight requests, commit, close, exit 0.
// SIGHUP: reload the config file; a bad one is refused and the running config kept.
#include <fmt/format.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "config/config.h"
#include "daemon/auth/auth.h"
#include "daemon/bus/bus.h"
#include "daemon/common/i18n.h"
#include "daemon/common/log.h"
#include "daemon/common/metrics.h"
#include "daemon/common/secrets.h"
#include "daemon/engine/engine.h"
#include "daemon/http/server.h"
#include "daemon/store/store.h"
#include "notifiers/module/channels_module.h"

namespace vigil {
namespace {

constexpr const char* kVersion = "0.1.0";

struct Flags {
  std::string config, data_dir, listen, log_level, check_config;
  std::string playbooks = "playbooks";  // incident playbooks: a directory of *.yaml
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
    auto addr = ParseListenAddress(f.listen);
    if (!addr) {
      return std::unexpected(std::vector<ConfigError>{
          {"--listen", 0, "must be ADDRESS:PORT, e.g. 127.0.0.1:7480"}});
    }
    std::tie(cfg->listen_host, cfg->listen_port) = *addr;
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

IngestLimits IngestLimitsOf(const Config& cfg) {
  const auto& c = cfg.ingest;
  IngestLimits l;
  l.max_alerts = static_cast<size_t>(c.max_alerts_per_request);
  l.max_alert_details_bytes = static_cast<size_t>(c.max_alert_details_bytes);
  l.max_event_details_bytes = static_cast<size_t>(c.max_event_details_bytes);
  l.max_labels = static_cast<size_t>(c.max_labels);
  l.max_label_bytes = static_cast<size_t>(c.max_label_bytes);
  l.max_annotation_bytes = static_cast<size_t>(c.max_annotation_bytes);
  l.max_group_field_bytes = static_cast<size_t>(c.max_group_field_bytes);
  return l;
}

RetentionPolicy RetentionOf(const Config& cfg) {
  RetentionPolicy p;
  p.alert_events = cfg.retention.alert_events;
  p.reply_codes = cfg.retention.reply_codes;
  p.used_links = cfg.retention.used_links;
  p.link_ttl = cfg.link_ttl;
  p.batch = cfg.retention.batch;
  p.interval = cfg.retention.interval;
  return p;
}

// Makes `cfg`'s integrations and on-call setup current in the engine.
Result<void> ApplyConfig(Engine& engine, const Config& cfg) {
  return engine
      .Submit(ApplyConfigCommand{cfg.integrations, std::make_shared<const OnCallSetup>(cfg.oncall),
                                 {}})
      .get();
}

// Where each channel runs and its rate limit, as text, to tell whether a reload changed them.
std::string ChannelRoutingOf(const Config& cfg) {
  std::string out;
  auto add = [&](const char* name, const auto& c) {
    if (!c) return;
    out += fmt::format("{} {} {} {} {};", name, c->separate, c->endpoint, c->rate_messages,
                       c->rate_per);
  };
  add("email", cfg.channels.email);
  add("sms", cfg.channels.sms);
  add("telegram", cfg.channels.telegram);
  add("webhook", cfg.channels.webhook);
  if (cfg.channels.sms) {
    out += fmt::format("codes {} {} {};", cfg.channels.sms->reply_codes,
                       cfg.channels.sms->inbound_from, cfg.channels.sms->inbound_text);
  }
  return out;
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
  const auto& n = *next;
  const bool restart_needed =
      n.listen_host != running.listen_host || n.listen_port != running.listen_port ||
      n.data_dir != running.data_dir || n.bus.console != running.bus.console ||
      n.language != running.language || n.http.threads != running.http.threads ||
      n.http.keep_alive_timeout != running.http.keep_alive_timeout ||
      n.http.keep_alive_max_requests != running.http.keep_alive_max_requests ||
      n.http.listen_backlog != running.http.listen_backlog ||
      n.http.max_connections != running.http.max_connections ||
      n.engine.batch_max != running.engine.batch_max ||
      n.engine.max_queued != running.engine.max_queued ||
      n.engine.delivery_retry != running.engine.delivery_retry ||
      n.engine.delivery_retry_max != running.engine.delivery_retry_max ||
      n.public_url != running.public_url || n.link_ttl != running.link_ttl ||
      n.guess_limits != running.guess_limits || n.ingest != running.ingest ||
      n.retention != running.retention ||
      n.channels.max_attempts != running.channels.max_attempts ||
      n.channels.email.has_value() != running.channels.email.has_value() ||
      n.channels.sms.has_value() != running.channels.sms.has_value() ||
      n.channels.telegram.has_value() != running.channels.telegram.has_value() ||
      n.channels.webhook.has_value() != running.channels.webhook.has_value() ||
      ChannelRoutingOf(n) != ChannelRoutingOf(running) || n.bus.receipts != running.bus.receipts;
  if (restart_needed) {
    log->warn(
        "reload_partial reason=\"only log_level, integrations and the on-call setup change on "
        "reload; listen, data_dir, language, http, bus, engine, channels, public_url, "
        "link_ttl, guess_limits, ingest and retention take effect after a restart\"");
  }
  if (auto ok = ApplyConfig(engine, *next); !ok) {
    log->error("reload_failed error=\"{}\"", ok.error().message);
    return;
  }
  running.log_level = next->log_level;
  running.integrations = next->integrations;
  running.oncall = next->oncall;
  log->info("config_reloaded file={} integrations={} people={} schedules={} routes={}",
            flags.config, next->integrations.size(), next->oncall.people.size(),
            next->oncall.schedules.size(), next->oncall.routes.size());
}

// Where answer links point: the configured public URL, else this daemon's own address.
std::string PublicUrl(const Config& cfg) {
  if (!cfg.public_url.empty()) {
    std::string url = cfg.public_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  return "http://" + cfg.listen_host + ":" + std::to_string(cfg.listen_port);
}

// What the answer routes need: the inbound-SMS body layout and the Telegram webhook secret.
Result<AnswerOptions> Answers(const Config& cfg) {
  AnswerOptions a;
  if (const auto& sms = cfg.channels.sms) {
    a.sms_inbound = true;
    a.sms_from_field = sms->inbound_from;
    a.sms_text_field = sms->inbound_text;
  }
  if (const auto& tg = cfg.channels.telegram; tg && !tg->webhook_secret_file.empty()) {
    auto secret = ReadSecretFile(tg->webhook_secret_file, "channels.telegram.webhook_secret_file");
    if (!secret) return std::unexpected(secret.error());
    if (secret->size() < 16) {  // it is all that guards the callback URL
      return Fail("invalid_secret",
                  "channels.telegram.webhook_secret_file must hold at least 16 characters "
                  "(e.g. openssl rand -hex 16)",
                  "channels.telegram.webhook_secret_file", 500);
    }
    a.telegram_secret = *secret;
  }
  return a;
}

// Where each configured channel runs, and how often it may page one contact.
void ChannelRouting(const Config& cfg, EngineOptions& o) {
  auto add = [&](const char* name, const Config::Channels::Common& c) {
    o.channels.push_back(name);
    o.rate_limits[name] = {c.rate_messages, c.rate_per};
    if (c.separate) o.remote_jobs[name] = c.endpoint;
  };
  const auto& c = cfg.channels;
  if (c.email) add("email", *c.email);
  if (c.sms) add("sms", *c.sms);
  if (c.telegram) add("telegram", *c.telegram);
  if (c.webhook) add("webhook", *c.webhook);
  if (!o.remote_jobs.empty()) o.remote_receipts = cfg.bus.receipts;
  o.sms_reply_codes = c.sms && c.sms->reply_codes;
}

// The running daemon: every component, started in dependency order, stopped in reverse.
class Daemon {
 public:
  Daemon(const Flags& flags, Config cfg, std::string exe_dir)
      : flags_(flags), cfg_(std::move(cfg)), exe_dir_(std::move(exe_dir)) {}

  // Opens the store and starts every component. On failure logs why and returns false.
  bool Start(const std::string& ctl);
  // Waits for signals: SIGHUP reloads, SIGTERM/SIGINT returns.
  void WaitForStop();
  void Stop();
  // After Stop: a worker stuck in a delivery was left running; the caller must _Exit (the
  // ZeroMQ context cannot be closed under it).
  bool hung_workers() const { return hung_workers_; }

 private:
  bool Fail(const Error& e) {
    Log("vigild")->critical("start_failed error=\"{}\"", e.message);
    return false;
  }
  bool LockDataDir();
  bool OpenStorage();
  bool StartEngine();  // constructs publisher, console worker, engine and HTTP server
  // Loads and validates the playbooks against the on-call config and makes them current;
  // on failure the running library stays.
  Result<void> LoadPlaybooks();

  const Flags& flags_;
  Config cfg_;
  std::string exe_dir_;  // where the channels module is looked for first
  SystemClock clock_;
  Metrics metrics_;
  IntegrationRegistry registry_;
  SetupHolder setup_;
  PlaybookHolder playbooks_;  // incident playbooks (loaded at start)
  zmq::context_t ctx_{1};
  std::unique_ptr<WriteStore> store_;
  std::optional<AdminToken> admin_;
  std::optional<LinkSigner> links_;
  std::unique_ptr<ReadStore> reads_;
  std::string console_endpoint_;  // the console PUB socket as bound (the engine owns it)
  std::vector<std::unique_ptr<NotifierWorker>> workers_;  // one per configured channel
  std::unique_ptr<Engine> engine_;
  std::optional<GuessLimiters> guesses_;  // failed guesses, in memory (a restart forgets)
  std::unique_ptr<HttpServer> http_;
  std::thread server_;
  int lock_fd_ = -1;  // held (flock) for the life of the process
  bool hung_workers_ = false;
};

// One vigild per data directory: two would each keep their own dedup index and open
// duplicate alerts. The lock dies with the process, kill -9 included.
bool Daemon::LockDataDir() {
  const std::string path = cfg_.data_dir + "/vigild.lock";
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return Fail({"io_error", "cannot open " + path, "", 500});
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    [[maybe_unused]] auto n = ::pread(lock_fd_, pid, sizeof pid - 1, 0);
    return Fail({"data_dir_locked",
                 "another vigild (pid " + std::string(pid[0] ? pid : "?") + ") is using " +
                     cfg_.data_dir + "; stop it first or pick another --data-dir",
                 "", 500});
  }
  const std::string mine = std::to_string(::getpid());
  [[maybe_unused]] auto t = ::ftruncate(lock_fd_, 0);
  [[maybe_unused]] auto w = ::pwrite(lock_fd_, mine.data(), mine.size(), 0);
  return true;
}

bool Daemon::OpenStorage() {
  std::error_code ec;
  std::filesystem::create_directories(cfg_.data_dir, ec);
  ::chmod(cfg_.data_dir.c_str(), 0700);
  if (!LockDataDir()) return false;
  auto store = WriteStore::Open(cfg_.data_dir + "/vigil.db");
  if (!store) return Fail(store.error());
  store_ = std::move(*store);
  auto admin = AdminToken::LoadOrCreate(cfg_.data_dir);
  if (!admin) return Fail(admin.error());
  admin_ = std::move(*admin);
  auto links = LinkSigner::LoadOrCreate(cfg_.data_dir);
  if (!links) return Fail(links.error());
  links_ = std::move(*links);
  reads_ = std::make_unique<ReadStore>(cfg_.data_dir + "/vigil.db");
  return true;
}

bool Daemon::StartEngine() {
  // Bound first: a taken console port fails here, before anything else is started.
  auto console = BindConsole(ctx_, cfg_.bus.console);
  if (!console) return Fail(console.error());
  console_endpoint_ = console->endpoint;
  // Console pages are published by the engine itself (EngineOptions::console_inline): no
  // console worker thread, no receipt round trip.
  // Only channels that run embedded need the module (and libcurl) in this process.
  auto channels = LoadChannelsModule(cfg_, clock_, EmbeddedModuleChannels(cfg_), exe_dir_);
  if (!channels) return Fail(channels.error());
  for (auto& ch : *channels) {
    workers_.push_back(std::make_unique<NotifierWorker>(ctx_, std::move(ch)));
    workers_.back()->Start();
  }
  EngineOptions options;
  options.batch_max = cfg_.engine.batch_max;
  options.max_queued = cfg_.engine.max_queued;
  options.delivery_retry = cfg_.engine.delivery_retry;
  options.delivery_retry_max = cfg_.engine.delivery_retry_max;
  options.max_attempts = cfg_.channels.max_attempts;
  options.links = &*links_;
  options.public_url = PublicUrl(cfg_);
  options.link_ttl = cfg_.link_ttl;
  options.console_inline = true;
  options.repeat_events_max = cfg_.retention.repeat_events_per_alert;
  options.retention = RetentionOf(cfg_);
  ChannelRouting(cfg_, options);
  engine_ = std::make_unique<Engine>(*store_, clock_, ctx_, registry_, setup_, metrics_,
                                     std::move(options));
  engine_->PublishOn(std::move(console->pub));
  auto answers = Answers(cfg_);
  if (!answers) return Fail(answers.error());
  guesses_.emplace(clock_, cfg_.guess_limits);
  http_ = std::make_unique<HttpServer>(
      HttpDeps{*engine_, *reads_, setup_, registry_, *admin_, metrics_, clock_,
               console_endpoint_, kVersion, &*links_, ParseLang(cfg_.language), *answers,
               &playbooks_, &*guesses_, IngestLimitsOf(cfg_)},
      cfg_.http);
  return true;
}

Result<void> Daemon::LoadPlaybooks() {
  std::error_code ec;
  if (!std::filesystem::exists(flags_.playbooks, ec)) {
    Log("vigild")->info("playbooks_absent path={}", flags_.playbooks);
    return {};
  }
  const auto refs = playbooks::References::FromOnCall(cfg_.oncall);
  auto lib = playbooks::LoadLibrary(flags_.playbooks, refs, ParseLang(cfg_.language));
  if (!lib) {
    for (const auto& e : lib.error()) Log("vigild")->error("playbook_invalid {}", e.ToString());
    return vigil::Fail("playbooks_invalid",
                       std::to_string(lib.error().size()) + " problem(s) in the playbooks of " +
                           flags_.playbooks + " (vigilctl playbook check " + flags_.playbooks + ")",
                       "", 500);
  }
  Log("vigild")->info("playbooks_loaded path={} playbooks={} regimes={}", flags_.playbooks,
                      lib->playbooks.size(), lib->regimes.size());
  if (const std::string unchecked = refs.Unchecked(); !unchecked.empty()) {
    Log("vigild")->warn(
        "playbooks_references_unchecked kinds={} reason=\"the config defines none; the playbooks' "
        "steps and escalations that name them reach nobody until they are configured\"",
        unchecked);
  }
  playbooks_.Set(std::make_shared<const playbooks::Library>(std::move(*lib)));
  return {};
}

bool Daemon::Start(const std::string& ctl) {
  if (auto ok = LoadPlaybooks(); !ok) return Fail(ok.error());
  if (!OpenStorage() || !StartEngine()) return false;
  auto port = http_->Bind(cfg_.listen_host, cfg_.listen_port);
  if (!port) return Fail(port.error());
  // Only now, with every address bound, is a first key created: a start that fails
  // earlier must not swallow the one chance to print it.
  std::string first_key;
  if (cfg_.integrations.empty()) {
    auto key = engine_->CreateDefaultIntegrationIfNone();
    if (!key) return Fail(key.error());
    first_key = *key;
  }
  // The cycle that runs as soon as the engine starts must already see the on-call setup
  // (overdue escalations and check-ins are acted on at once); ApplyConfig then seeds rows.
  setup_.Set(std::make_shared<const OnCallSetup>(cfg_.oncall));
  if (auto ok = engine_->Start(); !ok) return Fail(ok.error());
  if (auto ok = ApplyConfig(*engine_, cfg_); !ok) return Fail(ok.error());
  const std::string url = fmt::format("http://{}:{}", cfg_.listen_host, *port);
  WriteRuntimeFile(cfg_.data_dir, url, console_endpoint_);
  server_ = std::thread([this] { http_->Serve(); });
  Log("vigild")->info("started version={} http={} console={} data_dir={}", kVersion, url,
                      console_endpoint_, cfg_.data_dir);
  PrintWelcome(cfg_, ParseLang(cfg_.language), url, console_endpoint_, first_key, ctl);
  return true;
}

void Daemon::WaitForStop() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGHUP) {
      Log("vigild")->info("stopping signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      return;
    }
    Reload(flags_, cfg_, *engine_);
    if (auto ok = LoadPlaybooks(); !ok) {  // incidents already under way keep their snapshot
      Log("vigild")->error("playbooks_reload_refused error=\"{}\" keeping=running_playbooks",
                           ok.error().message);
    }
  }
}

// Reverse order of Start; safe after a partial start.
void Daemon::Stop() {
  if (server_.joinable()) {
    http_->Stop();  // stop accepting; in-flight requests finish and get replies
    server_.join();
  }
  if (engine_) engine_->Stop();  // commits everything already submitted
  for (auto& w : workers_) {
    // A channel stuck in a delivery (a hung SMTP server) must not hold up the stop: the
    // engine has committed everything; what it was sending is re-sent after the restart.
    if (!w->Stop(std::chrono::seconds(2))) {
      w.release();  // still running on its thread: leaked, and the process exits at once
      hung_workers_ = true;
    }
  }
  std::error_code ec;
  if (engine_) std::filesystem::remove(cfg_.data_dir + "/runtime.json", ec);
  if (hung_workers_) {
    engine_.reset();
    store_.reset();  // close the database cleanly before the process exits without unwinding
  }
  Log("vigild")->info("stopped{}", hung_workers_ ? " hung_workers=left_running" : "");
}

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) {
  using namespace vigil;
  // Block the signals we handle before any thread starts, so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // SQLite's memory statistics take a process-wide mutex on every allocation; vigild never
  // reads them. Must come before any other SQLite call.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);

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
  app.add_option("--playbooks", flags.playbooks,
                 "directory of incident playbooks (*.yaml, regimes in regime/); default ./playbooks, "
                 "skipped when absent");
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
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  Daemon daemon(flags, std::move(*cfg), ec ? self.string() : exe.parent_path().string());
  const bool started = daemon.Start(ctl);
  if (started) daemon.WaitForStop();
  daemon.Stop();
  if (daemon.hung_workers()) std::_Exit(started ? 0 : 1);  // see Daemon::hung_workers
  return started ? 0 : 1;
}
