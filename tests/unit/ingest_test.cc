#include <catch2/catch.hpp>

#include "daemon/common/secrets.h"
#include "daemon/common/time_util.h"
#include "daemon/ingest/ingest.h"

using namespace vigil;
using nlohmann::json;

namespace {
json Trigger() {
  return json::parse(R"({
    "routing_key": "k", "event_action": "trigger", "dedup_key": "ddos-portal",
    "payload": {"summary": "Tấn công DDoS vào cổng thông tin", "source": "portal.sgd.edu.vn",
                "severity": "critical", "timestamp": "2015-07-17T08:42:58.315+0000",
                "component": "nginx", "custom_details": {"pps": 120000}},
    "links": [{"href": "https://example.com", "text": "x"}], "client": "Zabbix",
    "vendor_field": 7})");
}
std::string FieldOf(const json& body) {
  auto r = ParseEventsV2(body);
  return r ? std::string("<ok>") : r.error().field;
}
}  // namespace

TEST_CASE("a PagerDuty v2 trigger keeps every field but the routing key", "[ingest]") {
  auto ev = ParseEventsV2(Trigger());
  REQUIRE(ev);
  CHECK(ev->action == EventAction::kTrigger);
  CHECK(ev->dedup_key == "ddos-portal");
  CHECK(ev->summary == "Tấn công DDoS vào cổng thông tin");
  CHECK(ev->source == "portal.sgd.edu.vn");
  CHECK(ev->severity == Severity::kCritical);
  CHECK(ev->timestamp == 1437122578315);
  auto details = json::parse(ev->details_json);
  CHECK_FALSE(details.contains("routing_key"));
  CHECK(details["payload"]["custom_details"]["pps"] == 120000);
  CHECK(details["links"][0]["href"] == "https://example.com");
  CHECK(details["vendor_field"] == 7);  // unknown fields are tolerated and kept
}

TEST_CASE("a v2 event's details are the body's dump without the routing key, byte for byte",
          "[ingest]") {
  // Keys before and after "routing_key", keys and values that need escaping, and no
  // routing key at all: the stored text must be what dumping a copy without it gives.
  auto body = Trigger();
  body["\"quoted\tkey\u0001"] = "line\nbreak \\ \u001f \u00e9 đ";
  body["aaa_first"] = json::array({1, "x", nullptr, json::object()});
  body["zzz_last"] = {{"nested", {{"k", "v\"w"}}}};
  for (const bool with_key : {true, false}) {
    if (!with_key) body.erase("routing_key");
    auto ev = ParseEventsV2(body);
    REQUIRE(ev);
    json expected = body;
    expected.erase("routing_key");
    CHECK(ev->details_json == expected.dump());
  }
  json only_key = {{"routing_key", "k"}, {"event_action", "resolve"}, {"dedup_key", "d"}};
  auto ev = ParseEventsV2(only_key);
  REQUIRE(ev);
  CHECK(ev->details_json == R"({"dedup_key":"d","event_action":"resolve"})");
}

TEST_CASE("a trigger without a dedup key gets a generated one", "[ingest]") {
  auto body = Trigger();
  body.erase("dedup_key");
  auto a = ParseEventsV2(body), b = ParseEventsV2(body);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->dedup_key_generated);
  CHECK(a->dedup_key.size() == 36);
  CHECK(a->dedup_key != b->dedup_key);
}

TEST_CASE("each missing or wrong field is named", "[ingest]") {
  auto b = Trigger();
  b["payload"].erase("summary");
  CHECK(FieldOf(b) == "payload.summary");
  b = Trigger();
  b["payload"]["severity"] = "high";
  CHECK(FieldOf(b) == "payload.severity");
  b = Trigger();
  b["payload"]["source"] = 42;
  CHECK(FieldOf(b) == "payload.source");
  b = Trigger();
  b["event_action"] = "escalate";
  CHECK(FieldOf(b) == "event_action");
  b = Trigger();
  b.erase("payload");
  CHECK(FieldOf(b) == "payload");
  b = Trigger();
  b["payload"]["timestamp"] = "last tuesday";
  CHECK(FieldOf(b) == "payload.timestamp");
  b = Trigger();
  b["links"] = json::array({json{{"text", "no href"}}});
  CHECK(FieldOf(b) == "links[0].href");
  b = Trigger();
  b["images"] = "x";
  CHECK(FieldOf(b) == "images");
  b = Trigger();
  b["dedup_key"] = std::string(256, 'k');
  CHECK(FieldOf(b) == "dedup_key");
  b = json{{"routing_key", "k"}, {"event_action", "resolve"}};
  CHECK(FieldOf(b) == "dedup_key");
}

TEST_CASE("ack and resolve need only the dedup key", "[ingest]") {
  auto ev = ParseEventsV2(json{{"event_action", "acknowledge"}, {"dedup_key", "x"}});
  REQUIRE(ev);
  CHECK(ev->action == EventAction::kAcknowledge);
}

TEST_CASE("an over-long summary is cut on a character boundary, not refused", "[ingest]") {
  auto b = Trigger();
  std::string long_vi;
  for (int i = 0; i < 600; ++i) long_vi += "ấ";  // 3 bytes in UTF-8
  long_vi += long_vi;
  b["payload"]["summary"] = long_vi;
  auto ev = ParseEventsV2(b);
  REQUIRE(ev);
  CHECK(ev->summary.size() == 1024 * std::string("ấ").size());
}

TEST_CASE("request bodies must be JSON objects within limits", "[ingest]") {
  CHECK(ParseJsonObject("").error().code == "invalid_json");
  CHECK(ParseJsonObject("[1]").error().code == "invalid_json");
  auto bad = ParseJsonObject("{\"a\": tru}");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("byte") != std::string::npos);
  CHECK_FALSE(ParseJsonObject(std::string(100, '[') + std::string(100, ']')));
  CHECK_FALSE(ParseJsonObject("{\"a\":\"\xff\"}"));  // not UTF-8
  CHECK(ParseJsonObject(R"({"a":{"b":[1,"]]]"]}})"));
}

// Found by fuzz_http: nlohmann refuses a number too large for a double with out_of_range,
// not parse_error, and it escaped ParseJsonObject as a 500 (tests/fuzz/corpus/http).
TEST_CASE("a number too large for a double is a 400, not an exception", "[ingest]") {
  for (const char* body : {R"({"n": 7777e7777})", "[20000000000000000000e955]",
                           R"({"routing_key":"k","payload":{"x":-1e400}})"}) {
    auto bad = ParseJsonObject(body);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == "invalid_json");
    CHECK(bad.error().status == 400);
    CHECK(bad.error().message.find("out of range") != std::string::npos);
  }
}

TEST_CASE("an Alertmanager alert keeps its own JSON plus the group's, keys in order",
          "[ingest]") {
  // Alertmanager's own keys, an empty alert, and keys that sort before "alertmanager"
  // (uppercase, "_", "aa…") or are "alertmanager" itself: the stored details are exactly the
  // alert with "alertmanager" set to the group's fields, dumped with sorted keys.
  auto body = json::parse(R"({
    "version": "4", "groupKey": "g", "receiver": "vigil", "groupLabels": {"a": "b"},
    "externalURL": "http://am:9093",
    "alerts": [
      {"status": "firing", "labels": {"alertname": "X"}, "annotations": {"summary": "Ổ đĩa"},
       "fingerprint": "f1"},
      {"status": "firing", "labels": {"alertname": "Y"}, "Zone": "HN", "fingerprint": "f2"},
      {"status": "firing", "labels": {"alertname": "Z"}, "_x": 1, "aardvark": [1, 2],
       "fingerprint": "f3"},
      {"status": "firing", "labels": {"alertname": "W"}, "alertmanager": "theirs",
       "fingerprint": "f4"}
    ]})");
  auto evs = ParseAlertmanager(body);
  REQUIRE(evs);
  REQUIRE(evs->size() == 4);
  const json group = {{"groupKey", "g"}, {"receiver", "vigil"},
                      {"externalURL", "http://am:9093"}, {"groupLabels", {{"a", "b"}}}};
  for (size_t i = 0; i < evs->size(); ++i) {
    json expected = body["alerts"][i];
    expected["alertmanager"] = group;
    INFO("alert " << i);
    // Each event keeps the alert as sent; the group is one object they share, and joined
    // back the text is what was stored before groups were stored once.
    const auto& ev = (*evs)[i];
    REQUIRE(ev.group);
    CHECK(ev.group.get() == (*evs)[0].group.get());
    CHECK(ev.details_json == body["alerts"][i].dump());
    CHECK(JoinGroupDetails(ev.details_json, ev.group->key, ev.group->details_json) ==
          expected.dump());
  }
  CHECK((*evs)[0].group->sha256 == Sha256Hex(group.dump()));
}

TEST_CASE("an Alertmanager webhook becomes one event per alert, keyed by fingerprint",
          "[ingest]") {
  auto body = json::parse(R"({
    "version": "4", "groupKey": "{}:{alertname=\"DDoS\"}", "status": "firing",
    "receiver": "vigil", "groupLabels": {"alertname": "DDoS"}, "commonLabels": {},
    "commonAnnotations": {}, "externalURL": "http://am:9093", "truncatedAlerts": 0,
    "alerts": [
      {"status": "firing", "labels": {"alertname": "DDoS", "instance": "portal:443",
       "severity": "critical"}, "annotations": {"summary": "Lưu lượng bất thường"},
       "startsAt": "2026-04-30T01:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
       "generatorURL": "http://prom/graph", "fingerprint": "a1b2c3"},
      {"status": "resolved", "labels": {"alertname": "DiskFull", "job": "node",
       "severity": "page"}, "annotations": {}, "startsAt": "2026-04-30T01:00:00Z",
       "endsAt": "2026-04-30T02:00:00Z", "fingerprint": "d4e5f6"},
      {"status": "firing", "labels": {"alertname": "Odd", "severity": "whatever"},
       "fingerprint": "0f0f"}
    ]})");
  auto evs = ParseAlertmanager(body);
  REQUIRE(evs);
  REQUIRE(evs->size() == 3);
  const auto& a = (*evs)[0];
  CHECK(a.action == EventAction::kTrigger);
  CHECK(a.dedup_key == "a1b2c3");
  CHECK(a.summary == "Lưu lượng bất thường");
  CHECK(a.source == "portal:443");
  CHECK(a.severity == Severity::kCritical);
  CHECK(a.timestamp == ParseTimestamp("2026-04-30T01:00:00Z"));
  CHECK(json::parse(a.group->details_json)["groupKey"] == body["groupKey"]);
  const auto& b = (*evs)[1];
  CHECK(b.action == EventAction::kResolve);
  CHECK(b.summary == "DiskFull");  // no annotation: the alert name
  CHECK(b.source == "node");
  CHECK(b.severity == Severity::kCritical);  // "page" maps to critical
  CHECK((*evs)[2].severity == Severity::kWarning);
  CHECK((*evs)[2].source == "vigil");  // no instance or job: the receiver
}

TEST_CASE("a bad Alertmanager payload names the alert and field at fault", "[ingest]") {
  auto err = [](const char* text) {
    auto r = ParseAlertmanager(json::parse(text));
    return r ? std::string("<ok>") : r.error().field;
  };
  CHECK(err(R"({"version":"4"})") == "alerts");
  CHECK(err(R"({"version":"3","alerts":[]})") == "version");
  CHECK(err(R"({"alerts":[{"status":"firing","labels":{}},{"status":"gone","labels":{}}]})") ==
        "alerts[1].status");
  CHECK(err(R"({"alerts":[{"status":"firing"}]})") == "alerts[0].labels");
  CHECK(err(R"({"alerts":[{"status":"firing","labels":{"a":1}}]})") == "alerts[0].labels.a");
  CHECK(err(R"({"alerts":[{"status":"firing","labels":{},"annotations":[]}]})") ==
        "alerts[0].annotations");
  CHECK(err(R"({"alerts":[]})") == "<ok>");
}

TEST_CASE("an alert without a fingerprint is keyed by its labels", "[ingest]") {
  auto body = json::parse(R"({"alerts":[{"status":"firing","labels":{"alertname":"X"}}]})");
  auto a = ParseAlertmanager(body), b = ParseAlertmanager(body);
  REQUIRE(a);
  CHECK((*a)[0].dedup_key.size() == 16);
  CHECK((*a)[0].dedup_key == (*b)[0].dedup_key);
}

namespace {
// The field and code a refused request names, or "<ok>".
template <class R>
std::string Refused(const R& r) {
  if (r) return "<ok>";
  CHECK(r.error().status == 413);
  CHECK(r.error().code == "limit_exceeded");
  return r.error().field;
}
json Alerts(int n) {
  json body = {{"version", "4"}, {"alerts", json::array()}};
  for (int i = 0; i < n; ++i) {
    body["alerts"].push_back(
        {{"status", "firing"}, {"labels", {{"alertname", "X"}}}, {"fingerprint", std::to_string(i)}});
  }
  return body;
}
}  // namespace

TEST_CASE("an Alertmanager webhook over a limit is refused whole, naming the field and limit",
          "[ingest][cost]") {
  IngestLimits limits;
  limits.max_alerts = 10;
  CHECK(Refused(ParseAlertmanager(Alerts(10), limits)) == "<ok>");
  auto many = ParseAlertmanager(Alerts(11), limits);
  CHECK(Refused(many) == "alerts");
  CHECK(many.error().message.find("ingest.max_alerts_per_request") != std::string::npos);
  CHECK(many.error().message.find("10") != std::string::npos);
  CHECK(Refused(ParseAlertmanager(Alerts(1001))) == "alerts");  // the default: 1,000

  auto body = Alerts(2);
  body["externalURL"] = "http://am/" + std::string(8 * 1024, 'u');
  auto url = ParseAlertmanager(body);
  CHECK(Refused(url) == "externalURL");
  CHECK(url.error().message.find("ingest.max_group_field_bytes") != std::string::npos);
  body["externalURL"] = "http://am/" + std::string(7 * 1024, 'u');
  CHECK(Refused(ParseAlertmanager(body)) == "<ok>");
  body["groupKey"] = std::string(9000, 'g');
  CHECK(Refused(ParseAlertmanager(body)) == "groupKey");

  body = Alerts(3);
  body["alerts"][2]["annotations"] = {{"description", std::string(17 * 1024, 'd')}};
  CHECK(Refused(ParseAlertmanager(body)) == "alerts[2].annotations.description");
  body["alerts"][2]["annotations"] = json::object();
  body["alerts"][2]["labels"]["instance"] = std::string(1025, 'i');
  CHECK(Refused(ParseAlertmanager(body)) == "alerts[2].labels.instance");
  body["alerts"][2]["labels"] = json::object();
  for (int i = 0; i < 65; ++i) body["alerts"][2]["labels"]["l" + std::to_string(i)] = "v";
  CHECK(Refused(ParseAlertmanager(body)) == "alerts[2].labels");
  body["alerts"][2]["labels"] = {{"alertname", "X"}};
  body["alerts"][2]["generatorURL"] = std::string(70 * 1024, 'x');
  CHECK(Refused(ParseAlertmanager(body)) == "alerts[2].generatorURL");
}

TEST_CASE("an Events v2 event over a limit is refused, naming the field", "[ingest][cost]") {
  IngestLimits limits;
  limits.max_event_details_bytes = 4096;
  auto b = Trigger();
  CHECK(Refused(ParseEventsV2(b, limits)) == "<ok>");
  b["payload"]["custom_details"] = {{"log", std::string(5000, 'x')}};
  auto big = ParseEventsV2(b, limits);
  CHECK(Refused(big) == "payload.custom_details");
  CHECK(big.error().message.find("ingest.max_event_details_bytes") != std::string::npos);
  b = Trigger();
  b["links"] = json::array({{{"href", std::string(5000, 'h')}}});
  CHECK(Refused(ParseEventsV2(b, limits)) == "links");
  b = Trigger();
  b["payload"]["component"] = std::string(1025, 'c');
  CHECK(Refused(ParseEventsV2(b)) == "payload.component");
  // String custom_details become labels only within the limits; all stay in the details.
  b = Trigger();
  b["payload"]["custom_details"] = json::object();
  for (int i = 0; i < 100; ++i) b["payload"]["custom_details"]["k" + std::to_string(i)] = "v";
  b["payload"]["custom_details"]["big"] = std::string(2000, 'b');
  auto ev = ParseEventsV2(b);
  REQUIRE(ev);
  CHECK(ev->labels.size() <= 64);
  CHECK_FALSE(ev->labels.count("big"));
  CHECK(json::parse(ev->details_json)["payload"]["custom_details"].size() == 101);
}
