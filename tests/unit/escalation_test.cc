// Escalation, re-paging and check-ins, end to end through the engine on a fake clock.
#include <algorithm>
#include <limits>
#include <set>

#include "tests/unit/engine_world.h"

using namespace vigil;
using vigil::testing::EngineWorld;
using vigil::testing::Job;

namespace {

// The Department's duty: An and Bình alternate weekly from Monday 29/12/2025 08:00 (An's week
// covers the fake clock's start, 01/01/2026 07:00 local); Dung leads. 5 → 10 → 15 minutes up
// to the ISP's NOC.
const std::string kSetup = R"(
time_zone: Asia/Ho_Chi_Minh
people:
  - {id: an, name: Nguyễn Văn An}
  - id: binh
    name: Trần Thị Bình
    contacts: {sms: "+84900000002"}
    notify: [{via: console, after: 0m}, {via: sms, after: 2m}]
  - {id: cuong, name: Lê Văn Cường}
  - {id: dung, name: Phạm Thị Dung}
contact_points:
  - {id: vnpt-noc, name: Trung tâm Điều hành mạng VNPT, phone: "18001091"}
schedules:
  - id: so
    name: Trực an toàn thông tin Sở
    layers:
      - {name: Tuần, role: duty_officer, members: [an, binh], start: "2025-12-29T08:00", shift: 1w}
      - {name: Lãnh đạo, role: duty_leader, members: [dung], start: "2025-12-29T08:00", shift: 4w}
policies:
  - id: std
    ack_timeout: 30m
    levels:
      - {timeout: 5m, targets: [{role: duty_officer}]}
      - {timeout: 10m, targets: [{role: duty_leader}]}
      - {timeout: 15m, targets: [{contact_point: vnpt-noc}]}
  - id: strict
    levels:
      - {timeout: 1m, targets: [{role: duty_officer}]}
      - {timeout: 2m, targets: [{role: duty_leader}, {person: cuong}]}
  - id: backup-first
    levels:
      - {timeout: 5m, targets: [{role: backup}]}
      - {timeout: 5m, targets: [{role: duty_officer}]}
routes:
  - {id: nobackup, match: {labels: {team: nobackup}}, schedule: so, policy: backup-first}
  - {id: all, default: true, schedule: so, policy: std, heightened_policy: strict}
)";

constexpr TimeMs kMin = 60'000;

std::vector<std::string> EventKinds(EngineWorld& w, std::int64_t alert_id) {
  auto events = w.reads().AlertEvents(alert_id);
  REQUIRE(events);
  std::vector<std::string> kinds;
  for (const auto& e : *events) kinds.push_back(e.kind);
  return kinds;
}

}  // namespace

TEST_CASE("an unacknowledged alert climbs every level up to the ISP's NOC", "[escalation]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "ddos");
  Job first = w.Page();
  CHECK(first.recipient == "an");
  CHECK(first.payload["level"] == 1);
  CHECK(first.payload["why"].get<std::string>().find("duty_officer") != std::string::npos);

  w.Advance(5 * kMin - 1);  // one millisecond early: nothing moves
  w.Advance(1);
  Job second = w.Page();
  CHECK(second.recipient == "dung");
  CHECK(second.payload["level"] == 2);

  w.Advance(10 * kMin);
  Job third = w.Page();
  CHECK(third.recipient == "all");
  CHECK(third.payload["type"] == "contact_point");
  CHECK(third.payload["contact_point"]["phone"] == "18001091");

  w.Advance(15 * kMin);
  CHECK(EventKinds(w, a.alert_id) ==
        std::vector<std::string>{"triggered", "routed", "escalated", "escalated",
                                 "contact_point_engaged", "escalated", "escalation_exhausted"});
  auto esc = w.reads().GetEscalation(a.alert_id);
  REQUIRE(esc);
  REQUIRE(esc->has_value());
  CHECK((*esc)->state == "exhausted");
  CHECK_FALSE((*esc)->next_at.has_value());
}

TEST_CASE("acknowledging at any level stops the climb", "[escalation]") {
  const int ack_at_level = GENERATE(1, 2, 3);
  EngineWorld w;
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "phishing");
  w.Page();
  if (ack_at_level >= 2) w.Advance(5 * kMin), w.Page();
  if (ack_at_level >= 3) w.Advance(10 * kMin), w.Page();
  REQUIRE(w.engine().Submit(AlertActionCommand{a.alert_id, AlertStatus::kAcknowledged,
                                               "user:an", "", {}}).get());
  w.Advance(29 * kMin);  // past every remaining level, short of the 30-minute ack timeout
  auto next = w.Send(EventAction::kTrigger, "probe");
  // The next page belongs to the probe: the acknowledged alert paged nobody more.
  Job after = w.Page();
  INFO("acknowledged at level " << ack_at_level << "; next page: " << after.payload.dump());
  CHECK(after.payload["alert"]["id"] == next.alert_id);
  auto esc = w.reads().GetEscalation(a.alert_id);
  REQUIRE(esc);
  CHECK((*esc)->state == "acknowledged");
}

TEST_CASE("an acknowledged alert nobody resolves pages again after the ack timeout",
          "[escalation]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "malware");
  w.Page();
  REQUIRE(w.engine().Submit(AlertActionCommand{a.alert_id, AlertStatus::kAcknowledged,
                                               "user:an", "", {}}).get());
  w.Advance(30 * kMin);
  Job again = w.Page();
  CHECK(again.recipient == "an");
  CHECK(again.payload["level"] == 1);
  CHECK(w.GetAlert(a.alert_id).status == AlertStatus::kTriggered);
  auto kinds = EventKinds(w, a.alert_id);
  CHECK(std::find(kinds.begin(), kinds.end(), "ack_timeout") != kinds.end());
}

TEST_CASE("promoting an alert into an incident acknowledges it and ends its escalation",
          "[escalation][incident]") {
  // The incident is where the alert is handled now: no further level, and no ack timeout
  // that would page the duty officer again about an alert someone is already working on.
  EngineWorld w;
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "ransomware");
  w.Page();
  Incident in;
  in.title = "Máy kế toán: tệp bị mã hoá";
  in.category = "ransomware";
  in.severity = 2;
  in.unit = "so";
  in.alert_ids = {a.alert_id};
  REQUIRE(w.engine().Submit(IncidentCommand{OpenIncident{in, std::nullopt}, "user:binh", {}})
              .get());
  CHECK(w.GetAlert(a.alert_id).status == AlertStatus::kAcknowledged);
  w.Advance(60 * kMin);  // past every level and the 30-minute ack timeout
  auto probe = w.Send(EventAction::kTrigger, "probe");
  for (int i = 0; i < 20; ++i) {  // pages about the incident may come first; none about the alert
    Job job = w.Page();
    const auto alert = job.payload.value("alert", nlohmann::json::object());
    CHECK(alert.value("id", std::int64_t{0}) != a.alert_id);
    if (alert.value("id", std::int64_t{0}) == probe.alert_id) break;
  }
  CHECK(w.GetAlert(a.alert_id).status == AlertStatus::kAcknowledged);
  auto esc = w.reads().GetEscalation(a.alert_id);
  REQUIRE(esc);
  REQUIRE(esc->has_value());
  CHECK((*esc)->state == "done");
  const auto kinds = EventKinds(w, a.alert_id);
  CHECK(std::find(kinds.begin(), kinds.end(), "ack_timeout") == kinds.end());
  auto events = w.reads().AlertEvents(a.alert_id);
  REQUIRE(events);
  REQUIRE(events->size() >= 2);
  CHECK((*events)[events->size() - 2].kind == "promoted");
  CHECK(events->back().kind == "acknowledged");
  CHECK(events->back().actor == "user:binh");
}

TEST_CASE("resolving stops everything", "[escalation]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "web");
  w.Page();
  CHECK(w.Send(EventAction::kResolve, "web").effect == Effect::kResolve);
  w.Advance(60 * kMin);
  auto esc = w.reads().GetEscalation(a.alert_id);
  REQUIRE(esc);
  CHECK((*esc)->state == "done");
  auto next = w.Send(EventAction::kTrigger, "probe");
  CHECK(w.Page().payload["alert"]["id"] == next.alert_id);
}

TEST_CASE("a restart mid-escalation resumes at its level, neither skipping nor repeating",
          "[escalation]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "outage");
  w.Page();
  w.Advance(5 * kMin);
  CHECK(w.Page().recipient == "dung");
  w.Restart();
  w.Configure(kSetup);  // vigild applies its config again on start
  w.Advance(10 * kMin);
  Job next = w.Page();
  CHECK(next.payload["type"] == "contact_point");  // level 3, not 1 or 2 again
  auto kinds = EventKinds(w, a.alert_id);
  CHECK(std::count(kinds.begin(), kinds.end(), "escalated") == 3);
}

TEST_CASE("an acknowledgement cancels the SMS still waiting for its delay", "[escalation]") {
  EngineWorld w;
  w.clock.Advance(7 * 24 * 60 * kMin);  // Bình's week
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "sms-test");
  CHECK(w.Page().recipient == "binh");  // the console at once
  REQUIRE(w.engine().Submit(AlertActionCommand{a.alert_id, AlertStatus::kAcknowledged,
                                               "user:binh", "", {}}).get());
  auto deliveries = w.reads().AlertDeliveries(a.alert_id);
  REQUIRE(deliveries);
  REQUIRE(deliveries->size() == 2);
  const OutboxRow& sms = (*deliveries)[1];
  CHECK(sms.channel == "sms");
  CHECK(sms.recipient == "+84900000002");
  CHECK(sms.cancelled_at == w.clock.Now());
  CHECK_FALSE(sms.delivered_at.has_value());
}

TEST_CASE("an SMS waits untried, not failing, until an SMS worker exists", "[escalation]") {
  EngineWorld w;
  w.clock.Advance(7 * 24 * 60 * kMin);  // Bình's week
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "no-sms-worker");
  w.Page();
  w.Advance(3 * kMin);  // the SMS fell due at 2 minutes
  w.Advance(30 * kMin);
  auto deliveries = w.reads().AlertDeliveries(a.alert_id);
  REQUIRE(deliveries);
  auto it = std::find_if(deliveries->begin(), deliveries->end(),
                         [](const OutboxRow& r) { return r.channel == "sms"; });
  REQUIRE(it != deliveries->end());
  const OutboxRow& sms = *it;
  CHECK(sms.attempts == 0);
  CHECK(sms.last_error == "no sms worker");
  CHECK_FALSE(sms.delivered_at.has_value());
}

TEST_CASE("escalation events name the people paged", "[escalation]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto a = w.Send(EventAction::kTrigger, "who");
  auto events = w.reads().AlertEvents(a.alert_id);
  REQUIRE(events);
  const auto detail = nlohmann::json::parse((*events)[2].detail);
  CHECK(detail["recipients"][0]["person"] == "an");
  CHECK(detail["level"] == 1);
}

TEST_CASE("a level with nobody on duty hands over to the next at once", "[escalation]") {
  EngineWorld w;
  w.Configure(kSetup);
  IngestEvent ev;
  ev.dedup_key = "nb";
  ev.summary = "x";
  ev.source = "s";
  ev.labels["team"] = "nobackup";
  auto r = w.Ingest({ev});
  REQUIRE(r);
  Job job = w.Page();  // no clock movement needed
  CHECK(job.recipient == "an");
  CHECK(job.payload["level"] == 2);
  auto kinds = EventKinds(w, r->front().alert_id);
  CHECK(std::find(kinds.begin(), kinds.end(), "nobody_on_duty") != kinds.end());
}

TEST_CASE("during a heightened holiday the route switches to its stricter policy",
          "[escalation]") {
  EngineWorld w;
  w.Configure(kSetup + R"(
holidays:
  - {name: "Tết Dương lịch", from: "2026-01-01", to: "2026-01-01", heightened: true}
)");
  auto a = w.Send(EventAction::kTrigger, "tet");
  w.Page();
  w.Advance(1 * kMin);  // strict: level 2 after one minute, not five
  Job a2 = w.Page(), b2 = w.Page();
  std::set<std::string> level2 = {a2.recipient, b2.recipient};
  CHECK(level2 == std::set<std::string>{"cuong", "dung"});
  auto events = w.reads().AlertEvents(a.alert_id);
  REQUIRE(events);
  CHECK((*events)[1].detail.find(R"("heightened":true)") != std::string::npos);
}

TEST_CASE("an alert no route takes pages every console and says why", "[escalation]") {
  EngineWorld w;
  std::string only_nobackup = kSetup.substr(0, kSetup.find("  - {id: all, default: true"));
  w.Configure(only_nobackup);
  auto a = w.Send(EventAction::kTrigger, "lost");
  CHECK(w.Page().recipient == "all");
  CHECK(EventKinds(w, a.alert_id) == std::vector<std::string>{"triggered", "unrouted"});
}

namespace {
// A holiday shift for Cường starting 10 minutes after the fake clock's start, Bình as backup.
std::string RosterSetup() {
  return kSetup + R"(
holiday_rosters:
  - name: Lịch trực lễ
    schedule: so
    shifts:
      - {start: "2026-01-01T07:10", end: "2026-01-01T19:10", duty_officer: cuong, backup: binh, duty_leader: dung}
checkin:
  within: 15m
)";
}
}  // namespace

TEST_CASE("a holiday shift reminds its duty officer to check in", "[checkin]") {
  EngineWorld w;
  w.Configure(RosterSetup());
  w.Advance(10 * kMin);
  Job reminder = w.Page();
  CHECK(reminder.recipient == "cuong");
  CHECK(reminder.payload["type"] == "checkin_reminder");
}

TEST_CASE("a missed check-in pages the backup and the duty leader", "[checkin]") {
  EngineWorld w;
  w.Configure(RosterSetup());
  w.Advance(10 * kMin);
  w.Page();  // the reminder
  w.Advance(15 * kMin);
  std::set<std::string> paged;
  for (int i = 0; i < 2; ++i) {
    Job j = w.Page();
    CHECK(j.payload["type"] == "checkin_missed");
    paged.insert(j.recipient);
  }
  CHECK(paged == std::set<std::string>{"binh", "dung"});
  auto board = w.reads().Checkins(0, std::numeric_limits<TimeMs>::max());
  REQUIRE(board);
  REQUIRE(board->size() == 1);
  CHECK(board->front().missed_at == w.clock.Now());
}

TEST_CASE("a check-in in time pages nobody", "[checkin]") {
  EngineWorld w;
  w.Configure(RosterSetup());
  w.Advance(10 * kMin);
  w.Page();
  auto done = w.engine().Submit(CheckInCommand{"cuong", "cli", {}}).get();
  REQUIRE(done);
  CHECK(done->size() == 1);
  const TimeMs first = *done->front().checked_in_at;
  w.clock.Advance(kMin);
  auto again = w.engine().Submit(CheckInCommand{"cuong", "api", {}}).get();  // harmless
  REQUIRE(again);
  CHECK(again->front().checked_in_at == first);
  CHECK(again->front().checked_in_via == "cli");
  w.Advance(30 * kMin);
  auto next = w.Send(EventAction::kTrigger, "probe");
  CHECK(w.Page().payload["alert"]["id"] == next.alert_id);
  auto off = w.engine().Submit(CheckInCommand{"an", "cli", {}}).get();
  REQUIRE_FALSE(off);
  CHECK(off.error().status == 404);
}

TEST_CASE("a delivery that keeps failing is given up and the next contact method paged",
          "[escalation]") {
  EngineWorld w({"sms"}, 2);  // an SMS worker exists; two attempts at most
  w.Configure(R"(
people:
  - id: ha
    name: Hoàng Thị Hà
    contacts: {sms: "+84900000009"}
    notify: [{via: sms, after: 0m}]
policies:
  - id: p
    levels: [{timeout: 1h, targets: [{person: ha}]}]
routes:
  - {id: all, default: true, policy: p}
)");
  auto a = w.Send(EventAction::kTrigger, "gateway-down");
  for (int attempt = 1; attempt <= 2; ++attempt) {
    Job sms = w.NextJobOn("sms");
    CHECK(sms.recipient == "+84900000009");
    w.Receipt(sms.outbox_id, "gateway answered 500");
    w.Sync();
    w.Advance(2 * EngineWorld::kRetry + EngineWorld::kRetry / 2);  // past any jittered retry
  }
  Job console = w.Page();  // the SMS was given up: her console is paged instead
  CHECK(console.recipient == "ha");
  auto deliveries = w.reads().AlertDeliveries(a.alert_id);
  REQUIRE(deliveries);
  REQUIRE(deliveries->size() == 2);
  CHECK((*deliveries)[0].failed_at.has_value());
  CHECK((*deliveries)[0].last_error == "gateway answered 500");
  auto kinds = EventKinds(w, a.alert_id);
  CHECK(std::find(kinds.begin(), kinds.end(), "delivery_failed") != kinds.end());
  CHECK(std::find(kinds.begin(), kinds.end(), "delivery_fallback") != kinds.end());
}
