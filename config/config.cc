#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/section.h"
#include "daemon/common/time_util.h"

namespace vigil {

std::string ConfigError::ToString() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

namespace {

using config_internal::Section;

void ReadListen(Section& root, Config& cfg) {
  auto n = root.Take("listen");
  if (!n) return;
  auto addr = ParseListenAddress(n.IsScalar() ? n.Scalar() : "");
  if (!addr) return root.Error(n, "listen must be ADDRESS:PORT, e.g. 127.0.0.1:7480");
  std::tie(cfg.listen_host, cfg.listen_port) = *addr;
}

void ReadBudget(Section& parent, const char* key, Config::GuessLimits::Budget& b) {
  Section s(parent.Take(key), parent.Path(key), parent.file(), parent.errors());
  if (!s.IsMap()) return;
  s.Int("failures", b.failures, 1, 1'000'000);
  s.Duration("per", b.per);
  if (b.per < 1000) s.Error(s.node(), s.Path("per") + " must be at least 1s");
  s.RejectUnknown();
}

void ReadGuessLimits(Section& root, Config& cfg) {
  Section g(root.Take("guess_limits"), "guess_limits", root.file(), root.errors());
  if (!g.IsMap()) return;
  ReadBudget(g, "per_sender", cfg.guess_limits.per_sender);
  ReadBudget(g, "per_key", cfg.guess_limits.per_key);
  ReadBudget(g, "per_address", cfg.guess_limits.per_address);
  g.Int("tracked_max", cfg.guess_limits.tracked_max, 100, 10'000'000);
  g.RejectUnknown();
}

void ReadIntegrations(Section& root, Config& cfg, const std::string& file,
                      std::vector<ConfigError>& errors) {
  auto list = root.Take("integrations");
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) return root.Error(list, "integrations must be a list");
  static const std::regex kHex("^[0-9a-f]{64}$");
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    Section s(list[i], "integrations[" + std::to_string(i) + "]", file, errors);
    if (!s.IsMap()) continue;
    IntegrationConfig ic;
    ic.line = list[i].Mark().line + 1;
    s.Str("name", ic.name);
    s.Str("kind", ic.kind);
    s.Str("key_sha256", ic.key_sha256);
    s.RejectUnknown();
    const std::string p = "integrations[" + std::to_string(i) + "]";
    if (ic.name.empty()) errors.push_back({file, ic.line, p + ".name is required"});
    if (!names.insert(ic.name).second) {
      errors.push_back({file, ic.line, p + ".name \"" + ic.name + "\" is used twice"});
    }
    if (ic.kind != "events_v2" && ic.kind != "alertmanager" && ic.kind != "sms_inbound" &&
        ic.kind != "any") {
      errors.push_back(
          {file, ic.line, p + ".kind must be events_v2, alertmanager, sms_inbound or any"});
    }
    if (!std::regex_match(ic.key_sha256, kHex)) {
      errors.push_back({file, ic.line,
                        p + ".key_sha256 must be 64 lowercase hex digits "
                            "(printf %s KEY | sha256sum)"});
    }
    cfg.integrations.push_back(std::move(ic));
  }
}

void ReadSections(Section& root, Config& cfg, const std::string& file,
                  std::vector<ConfigError>& errors) {
  ReadListen(root, cfg);
  root.Str("data_dir", cfg.data_dir);
  root.Str("log_level", cfg.log_level);
  root.Str("language", cfg.language);
  root.Str("public_url", cfg.public_url);
  root.Duration("link_ttl", cfg.link_ttl);
  Section http(root.Take("http"), "http", file, errors);
  if (http.IsMap()) {
    http.Int("io_threads", cfg.http.io_threads, 1, 64);
    http.Int("threads", cfg.http.threads, 1, 4096);
    http.Duration("keep_alive_timeout", cfg.http.keep_alive_timeout);
    http.Int("keep_alive_max_requests", cfg.http.keep_alive_max_requests, 1, 1'000'000'000);
    http.Int("listen_backlog", cfg.http.listen_backlog, 16, 65535);
    http.Int("max_connections", cfg.http.max_connections, 1, 1'000'000);
    http.RejectUnknown();
  }
  Section bus(root.Take("bus"), "bus", file, errors);
  if (bus.IsMap()) {
    bus.Str("console", cfg.bus.console);
    bus.Str("receipts", cfg.bus.receipts);
    bus.RejectUnknown();
  }
  Section engine(root.Take("engine"), "engine", file, errors);
  if (engine.IsMap()) {
    engine.Int("batch_max", cfg.engine.batch_max, 1, 1'000'000);
    engine.Int("max_queued", cfg.engine.max_queued, 1, 10'000'000);
    engine.Duration("delivery_retry", cfg.engine.delivery_retry);
    engine.Duration("delivery_retry_max", cfg.engine.delivery_retry_max);
    engine.RejectUnknown();
  }
  ReadIntegrations(root, cfg, file, errors);
  ReadGuessLimits(root, cfg);
  config_internal::ReadOnCall(root, cfg);
  config_internal::ReadChannels(root, cfg);
  config_internal::ReadLimits(root, cfg);
}

void Validate(const YAML::Node& root, Config& cfg, const std::string& file,
              std::vector<ConfigError>& errors) {
  auto line_of = [&](const char* a, const char* b = nullptr) {
    YAML::Node n = root[a];
    if (n && b && n.IsMap() && n[b]) n = n[b];
    return n ? n.Mark().line + 1 : 0;
  };
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn",
                                                "error", "critical", "off"};
  if (!kLevels.count(cfg.log_level)) {
    errors.push_back({file, line_of("log_level"),
                      "log_level must be one of trace, debug, info, warn, error, critical, off"});
  }
  if (cfg.language != "vi" && cfg.language != "en") {
    errors.push_back({file, line_of("language"), "language must be vi or en"});
  }
  if (cfg.data_dir.empty()) errors.push_back({file, line_of("data_dir"), "data_dir is empty"});
  if (!cfg.public_url.empty() && cfg.public_url.rfind("http://", 0) != 0 &&
      cfg.public_url.rfind("https://", 0) != 0) {
    errors.push_back({file, line_of("public_url"),
                      "public_url must start with http:// or https://"});
  }
  if (cfg.link_ttl < 60'000) {
    errors.push_back({file, line_of("link_ttl"), "link_ttl must be at least 1m"});
  }
  if (cfg.bus.console.rfind("tcp://", 0) != 0 && cfg.bus.console.rfind("ipc://", 0) != 0) {
    errors.push_back({file, line_of("bus", "console"),
                      "bus.console must be a tcp:// or ipc:// ZeroMQ endpoint"});
  }
  if (cfg.bus.receipts.rfind("tcp://127.0.0.1:", 0) != 0 &&
      cfg.bus.receipts.rfind("tcp://[::1]:", 0) != 0) {
    errors.push_back({file, line_of("bus", "receipts"),
                      "bus.receipts must be tcp://127.0.0.1:PORT or tcp://[::1]:PORT"});
  }
  if (cfg.engine.delivery_retry <= 0 ||
      cfg.engine.delivery_retry_max < cfg.engine.delivery_retry) {
    errors.push_back({file, line_of("engine", "delivery_retry_max"),
                      "engine.delivery_retry must be positive and at most delivery_retry_max"});
  }
}

}  // namespace

std::optional<std::pair<std::string, int>> ParseListenAddress(const std::string& text) {
  static const std::regex kAddr(R"(^([A-Za-z0-9_.\-]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})$)");
  std::smatch m;
  if (!std::regex_match(text, m, kAddr) || std::stoi(m[2]) > 65535) return std::nullopt;
  return std::pair<std::string, int>{m[1], std::stoi(m[2])};
}

ConfigResult ParseConfig(const std::string& text, const std::string& file) {
  std::vector<ConfigError> errors;
  if (int line = config_internal::FirstInvalidUtf8Line(text)) {
    return std::unexpected(std::vector<ConfigError>{
        {file, line, "the file is not valid UTF-8 here (save it as UTF-8)"}});
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return std::unexpected(std::vector<ConfigError>{{file, e.mark.line + 1, e.msg}});
  }
  Config cfg;
  cfg.source = file;
  if (root.IsNull()) return cfg;  // an empty file means "all defaults"
  Section top(root, "", file, errors);
  if (!top.IsMap()) return std::unexpected(std::move(errors));
  try {
    ReadSections(top, cfg, file, errors);
    top.RejectUnknown();
    Validate(root, cfg, file, errors);
  } catch (const YAML::Exception& e) {
    errors.push_back({file, e.mark.line + 1, e.msg});
  }
  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(),
                     [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
    return std::unexpected(std::move(errors));
  }
  return cfg;
}

ConfigResult LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(std::vector<ConfigError>{{path, 0, "cannot read the file"}});
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path);
}

}  // namespace vigil
