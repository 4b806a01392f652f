// Cost in proportion to input (issue 11): what a group's alerts share is stored once and read
// back whole, repeats are logged within a bound, old rows are pruned on the fake clock, and
// an alert's event log is read a page at a time.
#include <sqlite3.h>

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "daemon/ingest/ingest.h"
#include "daemon/store/retention.h"
#include "tests/unit/engine_world.h"
#include "tests/unit/sqlite_file.h"

using namespace vigil;
using nlohmann::json;
using vigil::testing::EngineWorld;

namespace {

constexpr TimeMs kDay = 86'400'000;

std::int64_t Count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const std::int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// An Alertmanager webhook of `n` firing alerts under one group with a long externalURL.
json Webhook(int n, size_t url_bytes, const std::string& prefix = "fp") {
  json body = {{"version", "4"},
               {"groupKey", "{}:{alertname=\"DDoS\"}"},
               {"receiver", "vigil"},
               {"groupLabels", {{"alertname", "DDoS"}}},
               {"externalURL", "http://am.so.example.vn/" + std::string(url_bytes, 'u')},
               {"alerts", json::array()}};
  for (int i = 0; i < n; ++i) {
    body["alerts"].push_back({{"status", "firing"},
                              {"labels", {{"alertname", "DDoS"}, {"instance", "t" + std::to_string(i)}}},
                              {"annotations", {{"summary", "Lưu lượng bất thường"}}},
                              {"fingerprint", prefix + std::to_string(i)}});
  }
  return body;
}

// What the old code stored as an alert's details: the alert with the group under
// "alertmanager", dumped with sorted keys.
std::string OldDetails(const json& body, size_t i) {
  json expected = body["alerts"][i];
  expected["alertmanager"] = {{"groupKey", body["groupKey"]},
                              {"receiver", body["receiver"]},
                              {"externalURL", body["externalURL"]},
                              {"groupLabels", body["groupLabels"]}};
  return expected.dump();
}

}  // namespace

TEST_CASE("a group's shared details are stored once and every alert reads them back whole",
          "[cost]") {
  EngineWorld w;
  const json body = Webhook(200, 4000);
  auto events = ParseAlertmanager(body);
  REQUIRE(events);
  auto done = w.Ingest(std::move(*events));
  REQUIRE(done);
  REQUIRE(done->size() == 200);
  CHECK(Count(w.db_path(), "SELECT count(*) FROM alert_groups") == 1);
  // The 4 KB URL is on disk once, not 200 times.
  CHECK(Count(w.db_path(), "SELECT sum(length(details)) FROM alerts") < 200 * 300);
  for (size_t i : {size_t{0}, size_t{77}, size_t{199}}) {
    INFO("alert " << i);
    CHECK(w.GetAlert((*done)[i].alert_id).details_json == OldDetails(body, i));
  }
  // The same group again (its next notification): still one row.
  auto again = ParseAlertmanager(Webhook(3, 4000, "other"));
  REQUIRE(w.Ingest(std::move(*again)));
  CHECK(Count(w.db_path(), "SELECT count(*) FROM alert_groups") == 1);
}

TEST_CASE("the joined details equal the old ones for every key order", "[cost]") {
  // Keys that sort before "alertmanager" (uppercase, "_", "aa…") and "alertmanager" itself
  // take the slow path; the result is the same text either way.
  const std::string group = R"({"externalURL":"x","groupKey":"g"})";
  for (const char* own : {R"({})", R"({"labels":{"a":"b"},"status":"firing"})",
                          R"({"Zone":"HN","labels":{}})", R"({"_x":1,"aardvark":[1,2]})",
                          R"({"alertmanager":"theirs","b":1})", R"({"a\"b":1})"}) {
    INFO(own);
    json expected = json::parse(own);
    expected["alertmanager"] = json::parse(group);
    CHECK(JoinGroupDetails(own, "alertmanager", group) == expected.dump());
  }
  CHECK(JoinGroupDetails(R"({"a":1})", "alertmanager", "") == R"({"a":1})");
}

TEST_CASE("repeats of an alert are logged within a bound; the count still rises", "[cost]") {
  EngineWorld w({}, 5, [](EngineOptions& o) { o.repeat_events_max = 3; });
  auto first = w.Send(EventAction::kTrigger, "disk-full");
  for (int i = 0; i < 10; ++i) w.Send(EventAction::kTrigger, "disk-full");
  auto a = w.GetAlert(first.alert_id);
  CHECK(a.count == 11);
  auto events = w.reads().AlertEvents(first.alert_id);
  REQUIRE(events);
  int repeated = 0;
  for (const auto& e : *events) {
    if (e.kind != "repeated") continue;
    ++repeated;
    CHECK(e.detail == R"({"unchanged":true})");  // the same details as the trigger's
  }
  CHECK(repeated == 3);
}

TEST_CASE("a repeat's details are logged when they changed, and only then", "[cost]") {
  EngineWorld w;
  IngestEvent ev;
  ev.dedup_key = "cpu";
  ev.summary = "CPU";
  ev.source = "s";
  ev.details_json = R"({"load":1})";
  auto first = w.Ingest({ev});
  REQUIRE(first);
  w.Ingest({ev});
  ev.details_json = R"({"load":2})";
  w.Ingest({ev});
  w.Ingest({ev});
  auto events = w.reads().AlertEvents(first->front().alert_id);
  REQUIRE(events);
  REQUIRE(events->size() == 4);
  CHECK((*events)[1].detail == R"({"unchanged":true})");
  CHECK((*events)[2].detail == R"({"load":2})");
  CHECK((*events)[3].detail == R"({"unchanged":true})");
}

TEST_CASE("retention prunes old event logs, reply codes and used links on the fake clock",
          "[cost]") {
  EngineWorld w({}, 5, [](EngineOptions& o) {
    o.retention.alert_events = 90 * kDay;
    o.retention.reply_codes = 7 * kDay;
    o.retention.used_links = 7 * kDay;
    o.retention.link_ttl = kDay;
    o.retention.batch = 2;  // small batches: the pass takes several steps
  });
  std::vector<std::int64_t> old_ids;
  for (int i = 0; i < 3; ++i) {
    auto a = w.Send(EventAction::kTrigger, "old-" + std::to_string(i));
    w.Send(EventAction::kTrigger, "old-" + std::to_string(i));  // a repeat event
    w.Send(EventAction::kResolve, "old-" + std::to_string(i));
    old_ids.push_back(a.alert_id);
  }
  const TimeMs t0 = w.clock.Now();
  vigil::testing::ExecOn(w.db_path(), fmt::format(R"sql(
    INSERT INTO reply_codes(phone, code, person, targets, created_at, expires_at)
      VALUES('84901234567', '1234', 'an', '[]', {0}, {1}), ('84901234567', '5678', 'an', '[]', {0}, {2});
    INSERT INTO used_links(token_sha256, used_at, alert_id, person, action)
      VALUES('aa', {0}, 1, 'an', 'ack'), ('bb', {3}, 1, 'an', 'ack');)sql",
      t0, t0 + 3'600'000, t0 + 30 * kDay, t0 + 20 * kDay));
  auto recent = w.Send(EventAction::kTrigger, "recent");
  w.Send(EventAction::kTrigger, "recent");
  const std::int64_t events_before = Count(w.db_path(), "SELECT count(*) FROM alert_events");
  REQUIRE(events_before == 3 * 2 + 1);

  w.Advance(10 * kDay);  // codes expired 10 days ago, link used 10 days ago: past 7 + 1 days
  for (int i = 0; i < 5; ++i) w.Advance(1'000);
  CHECK(Count(w.db_path(), "SELECT count(*) FROM reply_codes") == 1);
  CHECK(Count(w.db_path(), "SELECT count(*) FROM used_links") == 1);
  CHECK(Count(w.db_path(), "SELECT count(*) FROM used_links WHERE token_sha256='bb'") == 1);
  CHECK(Count(w.db_path(), "SELECT count(*) FROM alert_events") == events_before);

  w.Advance(81 * kDay);  // the old alerts were resolved 91 days ago
  for (int i = 0; i < 5; ++i) w.Advance(1'000);
  CHECK(Count(w.db_path(), "SELECT count(*) FROM alert_events") == 1);  // the open one's repeat
  for (auto id : old_ids) {
    auto events = w.reads().AlertEvents(id);
    REQUIRE(events);
    REQUIRE(events->size() == 1);  // the trigger: the alert row itself stays
  }
  CHECK(Count(w.db_path(), "SELECT count(*) FROM alerts") == 4);
  auto r = w.reads().AlertEvents(recent.alert_id);
  REQUIRE(r);
  CHECK(r->size() == 2);
}

TEST_CASE("an alert's event log is read a page at a time, newest first", "[cost]") {
  EngineWorld w;
  IngestEvent ev;
  ev.dedup_key = "flap";
  ev.summary = "flap";
  ev.source = "s";
  std::int64_t id = 0;
  for (int i = 0; i < 8; ++i) {  // a trigger and 7 repeats, each with new details
    ev.details_json = "{\"n\":" + std::to_string(i) + "}";
    auto r = w.Ingest({ev});
    REQUIRE(r);
    id = r->front().alert_id;
  }
  auto page = w.reads().AlertEvents(id, {std::nullopt, 3});
  REQUIRE(page);
  REQUIRE(page->size() == 3);
  CHECK(page->back().detail == R"({"n":7})");
  CHECK(page->front().detail == R"({"n":5})");
  auto older = w.reads().AlertEvents(id, {page->front().id, 3});
  REQUIRE(older);
  REQUIRE(older->size() == 3);
  CHECK(older->back().detail == R"({"n":4})");
  auto last = w.reads().AlertEvents(id, {older->front().id, 3});
  REQUIRE(last);
  REQUIRE(last->size() == 2);
  CHECK(last->front().kind == "triggered");
  CHECK(last->back().detail == R"({"n":1})");
  auto all = w.reads().AlertEvents(id);
  REQUIRE(all);
  CHECK(all->size() == 8);
}

TEST_CASE("migrating to schema 10 keeps old alerts' details and stores new groups once",
          "[cost][store]") {
  std::string dir = (std::filesystem::temp_directory_path() / "vigil-cost-XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  const std::string path = dir + "/vigil.db";
  REQUIRE(WriteStore::Open(path));  // the current schema, made a version 9 one
  const std::string old_details = OldDetails(Webhook(1, 100), 0);
  vigil::testing::ExecOn(path, R"sql(
    DROP TABLE alert_groups;
    DROP TABLE maintenance;
    DROP INDEX alerts_resolved;
    ALTER TABLE alerts DROP COLUMN group_sha256;
    INSERT INTO integrations VALUES(1, 'am', 'any', 'ab', 'config', 0);
    INSERT INTO alerts(id, integration_id, dedup_key, status, severity, summary, source, details,
                       count, created_at, updated_at, resolved_at)
      VALUES(1, 1, 'fp0', 'resolved', 'critical', 's', 'src', ')sql" + old_details + R"sql(',
             1, 1000, 1000, 2000);
    INSERT INTO alert_events(alert_id, at, kind, actor, detail)
      VALUES(1, 2000, 'resolved', 'integration:am', '{}');
    PRAGMA user_version = 9;)sql");
  {
    auto store = WriteStore::Open(path);  // migrates 9 -> 10
    REQUIRE(store);
    (*store)->Begin();
    auto events = ParseAlertmanager(Webhook(2, 100, "new"));
    REQUIRE(events);
    (*store)->PutAlertGroup(*(*events)[0].group, 5000);
    Alert a;
    a.integration_id = 1;
    a.dedup_key = "new0";
    a.details_json = (*events)[0].details_json;
    a.group_sha256 = (*events)[0].group->sha256;
    a.created_at = a.updated_at = 5000;
    CHECK((*store)->InsertAlert(a) == 2);
    (*store)->Commit();
  }
  ReadStore reads(path);
  auto old_alert = reads.GetAlert(1);
  REQUIRE(old_alert);
  REQUIRE(*old_alert);
  CHECK((*old_alert)->details_json == old_details);  // read as it was stored
  auto new_alert = reads.GetAlert(2);
  REQUIRE(new_alert);
  REQUIRE(*new_alert);
  CHECK((*new_alert)->details_json == OldDetails(Webhook(2, 100, "new"), 0));
  // Retention sees the migrated alert: resolved long ago, its log goes, the alert stays.
  {
    sqlite::Db db(path, true, false);
    RetentionPolicy p;
    CHECK(RetentionDue(db, 100 * kDay));
    auto r = PruneStep(db, p, 100 * kDay);
    CHECK(r.alert_events == 1);
    CHECK_FALSE(r.more);
  }
  CHECK(Count(path, "SELECT count(*) FROM alerts") == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("ingest limits and retention are read from the config, checked, and documented",
          "[cost][config]") {
  auto cfg = ParseConfig(
      "ingest:\n  max_alerts_per_request: 200\nretention:\n  alert_events: 30d\n"
      "  reply_codes: 0s\n",
      "t.yaml");
  REQUIRE(cfg);
  CHECK(cfg->ingest.max_alerts_per_request == 200);
  CHECK(cfg->retention.alert_events == 30 * kDay);
  CHECK(cfg->retention.reply_codes == 0);
  auto bad = ParseConfig("retention:\n  alert_events: 5m\n", "t.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error()[0].ToString() ==
        "t.yaml:2: retention.alert_events must be 0s (keep for ever) or at least 1h");
  auto unknown = ParseConfig("ingest:\n  max_alerts: 5\n", "t.yaml");
  REQUIRE_FALSE(unknown);
  // The example config is the embedded default: its values are the defaults in the code.
  auto defaults = ParseConfig(EmbeddedDefaultConfig(), "<embedded>");
  REQUIRE(defaults);
  CHECK(defaults->ingest == Config::Ingest{});
  CHECK(defaults->retention == Config::Retention{});
  const IngestLimits limits;
  CHECK(static_cast<size_t>(defaults->ingest.max_alerts_per_request) == limits.max_alerts);
  CHECK(static_cast<size_t>(defaults->ingest.max_event_details_bytes) ==
        limits.max_event_details_bytes);
}
