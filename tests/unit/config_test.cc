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
  CHECK(cfg->time_zone == defaults.time_zone);
  CHECK(cfg->oncall.checkin_within == defaults.oncall.checkin_within);
  CHECK(cfg->oncall.routes.empty());  // the default pages every console
  CHECK(cfg->oncall.people.empty());
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

TEST_CASE("on-call config mistakes are reported with file:line", "[config][oncall]") {
  const std::string text =
      "people:\n"                                                            // 1
      "  - {id: an, name: An}\n"                                             // 2
      "  - {id: binh, name: Bình}\n"                                         // 3
      "schedules:\n"                                                         // 4
      "  - id: so\n"                                                         // 5
      "    layers:\n"                                                        // 6
      "      - {members: [an, ghost], start: \"2026-01-05T08:00\", shift: 1w}\n"  // 7
      "holiday_rosters:\n"                                                   // 8
      "  - name: Lễ 30/4\n"                                                  // 9
      "    schedule: so\n"                                                   // 10
      "    shifts:\n"                                                        // 11
      "      - {start: \"2026-04-30T07:00\", end: \"2026-04-30T19:00\", duty_officer: an}\n"    // 12
      "      - {start: \"2026-04-30T18:00\", end: \"2026-05-01T07:00\", duty_officer: binh}\n"  // 13
      "policies:\n"                                                          // 14
      "  - id: empty\n"                                                      // 15
      "  - id: p\n"                                                          // 16
      "    levels:\n"                                                        // 17
      "      - {timeout: 5m, targets: [{person: nobody}]}\n"                 // 18
      "routes:\n"                                                            // 19
      "  - {id: r, default: true, policy: missing}\n";                       // 20
  auto cfg = ParseConfig(text, "so.yaml");
  REQUIRE_FALSE(cfg);
  const std::string all = Errors(cfg);
  INFO(all);
  CHECK(all.find("so.yaml:7: schedule so layer member: unknown person ghost") != std::string::npos);
  CHECK(all.find("so.yaml:13: holiday roster Lễ 30/4: this duty_officer shift overlaps the one "
                 "at line 12") != std::string::npos);
  CHECK(all.find("so.yaml:15: policy empty has no levels") != std::string::npos);
  CHECK(all.find("so.yaml:18: policy p target: unknown person nobody") != std::string::npos);
  CHECK(all.find("so.yaml:20: route r: unknown policy missing") != std::string::npos);
}

TEST_CASE("local times, zones and rules in the on-call config are checked", "[config][oncall]") {
  const std::string text =
      "time_zone: Mars/Olympus\n"                                            // 1
      "people: [{id: an}]\n"                                                 // 2
      "schedules:\n"                                                         // 3
      "  - id: so\n"                                                         // 4
      "    layers:\n"                                                        // 5
      "      - {members: [an], start: \"30/04/2026\", shift: 1d}\n"          // 6
      "      - {members: [an], start: \"2026-04-30\", rrule: \"FREQ=SOMETIMES\"}\n"  // 7
      "      - {members: [an], start: \"2026-04-30\"}\n";                    // 8
  auto cfg = ParseConfig(text, "c.yaml");
  REQUIRE_FALSE(cfg);
  const std::string all = Errors(cfg);
  INFO(all);
  CHECK(all.find("c.yaml:1: time_zone: unknown time zone Mars/Olympus") != std::string::npos);
  CHECK(all.find("c.yaml:6: schedules[0].layers[0].start:") != std::string::npos);
  CHECK(all.find("c.yaml:7: schedules[0].layers[1].rrule: not a valid RRULE") != std::string::npos);
  CHECK(all.find("c.yaml:8: schedules[0].layers[2] needs exactly one of shift") !=
        std::string::npos);
}

TEST_CASE("make-up working days (ngày làm bù) are weekend dates", "[config][oncall]") {
  // 2026-05-09 is a Saturday and 2026-05-10 a Sunday; 2026-05-06 is a Wednesday.
  auto ok = ParseConfig("makeup_workdays: [\"2026-05-09\", \"2026-05-10\"]\n", "ok.yaml");
  INFO(Errors(ok));
  REQUIRE(ok);
  REQUIRE(ok->oncall.makeup_workdays.size() == 2);
  CHECK(ok->oncall.makeup_workdays[1] - ok->oncall.makeup_workdays[0] == 1);
  auto bad = ParseConfig(
      "people: [{id: an}]\n"                                              // 1
      "makeup_workdays: [\"2026-05-06\", \"09/05/2026\", \"2026-02-30\"]\n",  // 2
      "c.yaml");
  REQUIRE_FALSE(bad);
  const std::string all = Errors(bad);
  INFO(all);
  CHECK(all.find("c.yaml:2: makeup_workdays[0]: 2026-05-06 is a weekday") != std::string::npos);
  CHECK(all.find("c.yaml:2: makeup_workdays[1]: \"09/05/2026\" is not a date YYYY-MM-DD") !=
        std::string::npos);
  CHECK(all.find("c.yaml:2: makeup_workdays[2]: \"2026-02-30\" is not a date") !=
        std::string::npos);
}

TEST_CASE("a full on-call config loads into a setup routes can use", "[config][oncall]") {
  const std::string text = R"(
units:
  - {id: so, name: Sở GD&ĐT}
  - {id: phong-a, name: Phòng GD&ĐT A, parent: so}
  - {id: thpt-1, name: Trường THPT số 1, parent: phong-a}
people:
  - id: an
    name: Nguyễn Văn An
    unit: so
    contacts: {sms: "+84900000001", email: an@so.example}
    notify: [{via: console, after: 0m}, {via: sms, after: 2m}]
contact_points:
  - {id: vnpt-noc, name: VNPT NOC, phone: "18001091"}
schedules:
  - id: so
    layers: [{members: [an], start: "2026-01-05T08:00", shift: 1w}]
holidays:
  - {name: "Nghỉ lễ 30/4–1/5", from: "2026-04-30", to: "2026-05-03", heightened: true}
policies:
  - id: p
    levels: [{timeout: 5m, targets: [{role: duty_officer}]}, {timeout: 10m, targets: [{contact_point: vnpt-noc}]}]
routes:
  - {id: schools, match: {unit: phong-a, severity: [critical]}, schedule: so, policy: p}
  - {id: rest, default: true, schedule: so, policy: p}
)";
  auto cfg = ParseConfig(text, "ok.yaml");
  INFO(Errors(cfg));
  REQUIRE(cfg);
  const OnCallSetup& o = cfg->oncall;
  REQUIRE(o.people.size() == 1);
  CHECK(o.people[0].notify.size() == 2);
  CHECK(o.people[0].FindContact("sms")->address == "+84900000001");
  CHECK(o.people[0].FindContact("console")->address == "an");
  REQUIRE(o.holidays.size() == 1);
  CHECK(o.holidays[0].start == *ParseLocalTime("2026-04-30", kDefaultTimeZone));
  CHECK(o.holidays[0].end == *ParseLocalTime("2026-05-04", kDefaultTimeZone));  // whole days
  CHECK(o.HeightenedAt(*ParseLocalTime("2026-05-03T23:59", kDefaultTimeZone)));
  CHECK(MatchRoute(o, {"x", "critical", {{"unit", "thpt-1"}}})->id == "schools");
  CHECK(MatchRoute(o, {"x", "warning", {{"unit", "thpt-1"}}})->id == "rest");
  CHECK(MatchRoute(o, {"x", "critical", {{"unit", "so"}}})->id == "rest");  // above phong-a
}

TEST_CASE("a key written twice is an error, not a silent choice", "[config]") {
  auto cfg = ParseConfig("language: en\nlog_level: info\nlanguage: vi\n", "dup.yaml");
  REQUIRE_FALSE(cfg);
  CHECK(Errors(cfg) == "dup.yaml:3: language appears twice (only one value is used)\n");
}

TEST_CASE("a config that is not UTF-8 is refused at the line at fault", "[config]") {
  auto cfg = ParseConfig("log_level: info\nlanguage: \xe1 vi\n", "latin1.yaml");
  REQUIRE_FALSE(cfg);
  CHECK(Errors(cfg) == "latin1.yaml:2: the file is not valid UTF-8 here (save it as UTF-8)\n");
}

TEST_CASE("answer link settings are checked", "[config]") {
  auto cfg = ParseConfig("public_url: vigil.sgd.vn\nlink_ttl: 10s\n", "l.yaml");
  REQUIRE_FALSE(cfg);
  const std::string all = Errors(cfg);
  CHECK(all.find("l.yaml:1: public_url must start with http:// or https://") != std::string::npos);
  CHECK(all.find("l.yaml:2: link_ttl must be at least 1m") != std::string::npos);
}

TEST_CASE("channels have per-contact rate limits with defaults, and may run as separate "
          "processes on loopback only", "[config]") {
  auto cfg = ParseConfig(R"(
channels:
  sms: {url: "http://127.0.0.1:9/send", reply_codes: true, inbound: {from_field: msisdn, text_field: message.body}}
  email: {url: "smtp://127.0.0.1:25", from: v@x.vn, rate_limit: {messages: 2, per: 30s}}
  webhook: {process: separate, endpoint: "tcp://127.0.0.1:9100"}
)", "c.yaml");
  INFO(Errors(cfg));
  REQUIRE(cfg);
  CHECK(cfg->channels.sms->rate_messages == 1);  // default: 1 SMS per minute per phone
  CHECK(cfg->channels.sms->rate_per == 60'000);
  CHECK(cfg->channels.sms->reply_codes);
  CHECK(cfg->channels.sms->inbound_from == "msisdn");
  CHECK(cfg->channels.sms->inbound_text == "message.body");
  CHECK_FALSE(cfg->channels.sms->separate);
  CHECK(cfg->channels.email->rate_messages == 2);
  CHECK(cfg->channels.email->rate_per == 30'000);
  CHECK(cfg->channels.webhook->separate);
  CHECK(cfg->channels.webhook->endpoint == "tcp://127.0.0.1:9100");
  CHECK(cfg->channels.webhook->rate_messages == 0);

  auto bad = ParseConfig(R"(
bus: {receipts: "tcp://0.0.0.0:7482"}
channels:
  webhook: {process: elsewhere, endpoint: "tcp://10.0.0.5:9100", rate_limit: {messages: -1, per: 10ms}}
)", "b.yaml");
  REQUIRE_FALSE(bad);
  const std::string all = Errors(bad);
  CHECK(all.find("b.yaml:2: bus.receipts must be tcp://127.0.0.1:PORT") != std::string::npos);
  CHECK(all.find("channels.webhook.process must be embedded or separate") != std::string::npos);
  CHECK(all.find("channels.webhook.endpoint must be tcp://127.0.0.1:PORT") != std::string::npos);
  CHECK(all.find("channels.webhook.rate_limit.messages must be a whole number") != std::string::npos);
  CHECK(all.find("channels.webhook.rate_limit.per must be at least 1s") != std::string::npos);
}
