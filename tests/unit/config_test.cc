#include <catch2/catch.hpp>

#include "config/config.h"

using namespace vigil;

namespace {
std::string Errors(const ConfigResult& r) {
  std::string out;
  if (!r) {
    for (const auto& e : r.error()) out += e.ToString() + "\n";
  }
  return out;
}
}  // namespace

TEST_CASE("the embedded default is the example file and matches the built-in defaults",
          "[config]") {
  auto cfg = ParseConfig(EmbeddedDefaultConfig(), "vigil.example.yaml");
  INFO(Errors(cfg));
  REQUIRE(cfg);
  const Config defaults;
  CHECK(cfg->listen_host == defaults.listen_host);
  CHECK(cfg->listen_port == defaults.listen_port);
  CHECK(cfg->data_dir == defaults.data_dir);
  CHECK(cfg->log_level == defaults.log_level);
  CHECK(cfg->language == defaults.language);
  CHECK(cfg->http.threads == defaults.http.threads);
  CHECK(cfg->http.keep_alive_timeout == defaults.http.keep_alive_timeout);
  CHECK(cfg->http.keep_alive_max_requests == defaults.http.keep_alive_max_requests);
  CHECK(cfg->http.listen_backlog == defaults.http.listen_backlog);
  CHECK(cfg->bus.console == defaults.bus.console);
  CHECK(cfg->engine.batch_max == defaults.engine.batch_max);
  CHECK(cfg->engine.delivery_retry == defaults.engine.delivery_retry);
  CHECK(cfg->engine.delivery_retry_max == defaults.engine.delivery_retry_max);
  CHECK(cfg->integrations.empty());
}

TEST_CASE("every config problem is reported with its file and line", "[config]") {
  const std::string text =
      "listen: 127.0.0.1:7480\n"       // 1
      "lisen: 1\n"                     // 2: typo
      "http:\n"                        // 3
      "  keep_alive_timeout: 5\n"      // 4: no unit
      "  threads: many\n"              // 5
      "engine:\n"                      // 6
      "  delivery_retry: 10m\n"        // 7
      "  delivery_retry_max: 1m\n";    // 8: below delivery_retry
  auto cfg = ParseConfig(text, "vigil.yaml");
  REQUIRE_FALSE(cfg);
  const std::string all = Errors(cfg);
  INFO(all);
  CHECK(all.find("vigil.yaml:2: unknown key lisen") != std::string::npos);
  CHECK(all.find("vigil.yaml:4: http.keep_alive_timeout must be a duration") != std::string::npos);
  CHECK(all.find("vigil.yaml:5: http.threads must be a whole number") != std::string::npos);
  CHECK(all.find("vigil.yaml:8: engine.delivery_retry") != std::string::npos);
  CHECK(cfg.error().size() == 4);
}

TEST_CASE("integrations need a name, a known kind and a SHA-256, never a raw key", "[config]") {
  const std::string text =
      "integrations:\n"
      "  - name: prometheus\n"
      "    kind: alertmanager\n"
      "    key_sha256: " + std::string(64, 'a') + "\n"
      "  - name: prometheus\n"
      "    kind: zabbix\n"
      "    key: secret\n";
  auto cfg = ParseConfig(text, "c.yaml");
  REQUIRE_FALSE(cfg);
  const std::string all = Errors(cfg);
  INFO(all);
  CHECK(all.find("c.yaml:7: unknown key integrations[1].key") != std::string::npos);
  CHECK(all.find("c.yaml:5: integrations[1].name \"prometheus\" is used twice") !=
        std::string::npos);
  CHECK(all.find("c.yaml:5: integrations[1].kind must be") != std::string::npos);
  CHECK(all.find("c.yaml:5: integrations[1].key_sha256 must be 64 lowercase hex") !=
        std::string::npos);
}

TEST_CASE("a YAML syntax error names its line", "[config]") {
  auto cfg = ParseConfig("http:\n  threads: [1, 2\n", "bad.yaml");
  REQUIRE_FALSE(cfg);
  CHECK(cfg.error().front().file == "bad.yaml");
  CHECK(cfg.error().front().line >= 2);
}

TEST_CASE("an empty file means every default", "[config]") {
  auto cfg = ParseConfig("", "empty.yaml");
  REQUIRE(cfg);
  CHECK(cfg->listen_port == 7480);
}

TEST_CASE("a listen address must have a port", "[config]") {
  auto cfg = ParseConfig("listen: localhost\n", "c.yaml");
  REQUIRE_FALSE(cfg);
  CHECK(Errors(cfg) == "c.yaml:1: listen must be ADDRESS:PORT, e.g. 127.0.0.1:7480\n");
}
