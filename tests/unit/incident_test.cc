// Incident tickets worked against playbooks, end to end through the engine on a fake clock:
// lifecycle, validation, overdue steps escalating, contact points, reports.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "daemon/common/time_util.h"
#include "daemon/incidents/from_playbook.h"
#include "daemon/incidents/report.h"
#include "notifiers/templates.h"
#include "tests/unit/engine_world.h"

using namespace vigil;
using nlohmann::json;
using vigil::testing::EngineWorld;
using vigil::testing::Job;

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // PlanStep{.id = ..., ...}

namespace {

constexpr TimeMs kMin = 60'000;
constexpr TimeMs kHour = 60 * kMin;

// The Department (so) with a district office below it; An is the duty officer this week,
// Dung the duty leader; the ISP's NOC and the provincial response team are outside parties.
const std::string kSetup = R"(
time_zone: Asia/Ho_Chi_Minh
units:
  - {id: so, name: Sở GD&ĐT tỉnh Bình Minh}
  - {id: phong-tp, name: Phòng GD&ĐT thành phố, parent: so}
people:
  - {id: an, name: Nguyễn Văn An, unit: so}
  - {id: dung, name: Phạm Thị Dung, unit: so}
  - {id: cuong, name: Lê Văn Cường, unit: phong-tp}
contact_points:
  - {id: vnpt-noc, name: Trung tâm Điều hành mạng VNPT, phone: "18001091", email: noc@vnpt.example}
  - {id: doi-ung-cuu, name: Đội ứng cứu sự cố tỉnh, phone: "02203000115"}
schedules:
  - id: truc-so
    name: Trực ATTT Sở
    unit: so
    layers:
      - {name: Tuần, role: duty_officer, members: [an], start: "2025-12-29T08:00", shift: 1w}
      - {name: Lãnh đạo, role: duty_leader, members: [dung], start: "2025-12-29T08:00", shift: 4w}
)";

Result<std::int64_t> Do(EngineWorld& w, IncidentOp op, const std::string& actor = "user:an") {
  auto f = w.engine().Submit(IncidentCommand{std::move(op), actor, {}});
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return f.get();
}

IncidentRecord Load(EngineWorld& w, std::int64_t id) {
  std::optional<IncidentRecord> rec;
  auto ok = w.reads().Read([&](sqlite::Db& db) {
    IncidentStore s(db);
    if (auto in = s.Get(id)) rec = IncidentRecord{*in, s.Plan(id), s.Steps(id), s.Timeline(id), {}};
  });
  REQUIRE(ok);
  REQUIRE(rec);
  return *rec;
}

int CountIncidents(EngineWorld& w) {
  int n = 0;
  REQUIRE(w.reads().Read(
      [&](sqlite::Db& db) { n = static_cast<int>(IncidentStore(db).List({}).size()); }));
  return n;
}

std::vector<std::string> Kinds(const IncidentRecord& r) {
  std::vector<std::string> k;
  for (const auto& e : r.timeline) k.push_back(e.kind);
  return k;
}

const IncidentStep& StepOf(const IncidentRecord& r, const std::string& id) {
  auto it =
      std::find_if(r.steps.begin(), r.steps.end(), [&](const auto& s) { return s.step_id == id; });
  REQUIRE(it != r.steps.end());
  return *it;
}

Incident Ticket(std::string title = "Cổng thông tin điện tử của Sở bị tấn công từ chối dịch vụ",
                std::string category = "ddos") {
  Incident in;
  in.title = std::move(title);
  in.category = std::move(category);
  in.severity = 2;
  in.unit = "so";
  in.systems = {{"Cổng TTĐT sgddt.binhminh.example", 3}};
  in.assignee = "an";
  in.source = "phone";
  in.reporter = "Trần Văn Bảo, 0912000200";
  in.description = "Lưu lượng tăng đột biến, cổng không truy cập được.";
  return in;
}

playbooks::IsoDuration Iso(const char* text) {
  auto d = playbooks::ParseIsoDuration(text);
  REQUIRE(d);
  return *d;
}

// A small DDoS playbook as the loader would give it: acknowledge within 15 min (overdue:
// duty officer, then the duty leader 10 min later, then the ISP's NOC 10 min after that),
// engage the ISP, contain within 2 h of acknowledgement, report.
playbooks::Playbook DdosPlaybook() {
  playbooks::Playbook pb;
  pb.id = "ddos";
  pb.version = 3;
  pb.title = {"Ứng cứu tấn công từ chối dịch vụ", "DDoS response"};
  pb.categories = {"ddos"};
  pb.min_severity = 3;
  pb.roles = {{"truc", {"Cán bộ trực", "Duty officer"}, "duty_officer", 0},
              {"lanh-dao", {"Lãnh đạo trực", "Duty leader"}, "duty_leader", 0}};
  playbooks::Step ack;
  ack.id = "tiep-nhan";
  ack.phase = "phat-hien";
  ack.role = "truc";
  ack.title = {"Tiếp nhận và xác minh", "Acknowledge and verify"};
  ack.mandatory = true;
  ack.due = playbooks::DueRule{"opened", Iso("PT15M"), false, 0};
  ack.form = {{"xac-minh",
               playbooks::FieldType::kChoice,
               true,
               {"Kết quả xác minh", "Verified"},
               {{"that", {"Thật", "Real"}}, {"nham", {"Nhầm", "False"}}},
               "",
               0},
              {"luu-luong-gbps",
               playbooks::FieldType::kNumber,
               false,
               {"Lưu lượng (Gbps)", "Traffic (Gbps)"},
               {},
               "",
               0}};
  playbooks::Step isp;
  isp.id = "bao-isp";
  isp.role = "truc";
  isp.title = {"Đề nghị nhà mạng lọc lưu lượng", "Ask the ISP to filter traffic"};
  isp.mandatory = true;
  isp.contact_point = "vnpt-noc";
  isp.request = {"Đề nghị lọc lưu lượng tấn công tới cổng thông tin",
                 "Please filter attack traffic"};
  isp.due = playbooks::DueRule{"acknowledged", Iso("PT30M"), false, 0};
  isp.form = {{"ma-phieu",
               playbooks::FieldType::kText,
               true,
               {"Mã phiếu nhà mạng", "ISP ticket"},
               {},
               "",
               0}};
  playbooks::Step contain;
  contain.id = "ngan-chan";
  contain.role = "truc";
  contain.title = {"Ngăn chặn", "Contain"};
  contain.mandatory = true;
  contain.due = playbooks::DueRule{"acknowledged", Iso("PT2H"), false, 0};
  playbooks::Step report;
  report.id = "bao-cao";
  report.role = "lanh-dao";
  report.title = {"Báo cáo ban đầu", "Initial report"};
  report.mandatory = true;
  report.produces_report = "initial_report";
  report.form = {{"de-nghi-ho-tro",
                  playbooks::FieldType::kText,
                  false,
                  {"Đề nghị hỗ trợ", "Help requested"},
                  {},
                  "",
                  0}};
  pb.steps = {ack, isp, contain, report};
  playbooks::EscalationChain chain;
  chain.id = "mac-dinh";
  playbooks::EscalationStep l1, l2, l3;
  l1.after = Iso("PT0M");
  l1.role = "truc";
  l2.after = Iso("PT10M");
  l2.role = "lanh-dao";
  l3.after = Iso("PT10M");
  l3.contact_point = "vnpt-noc";
  chain.levels = {l1, l2, l3};
  pb.escalations = {chain};
  pb.escalation = "mac-dinh";
  playbooks::PlaybookClock clock;
  clock.id = "bao-cao-5-ngay";
  clock.title = {"Báo cáo ban đầu trong 5 ngày làm việc", "Initial report within 5 working days"};
  clock.due = playbooks::DueRule{"detected", Iso("P5D"), true, 0};
  clock.stops_at = "reported";
  pb.clocks = {clock};
  return pb;
}

playbooks::Regime TestRegime() {
  playbooks::Regime r;
  r.id = "tt20-2017";
  r.version = 1;
  playbooks::ReportForm f;
  f.id = "initial_report";
  f.title = {"BÁO CÁO BAN ĐẦU SỰ CỐ (Mẫu 02)", "INITIAL INCIDENT REPORT (Form 02)"};
  f.basis = {"Thông tư 20/2017/TT-BTTTT, Phụ lục 2", "Circular 20/2017/TT-BTTTT, Annex 2"};
  f.fields = {{"ten-su-co",
               playbooks::FieldType::kText,
               true,
               {"Tên sự cố", "Incident"},
               {},
               "incident.title",
               0},
              {"thoi-diem-phat-hien",
               playbooks::FieldType::kText,
               true,
               {"Thời điểm phát hiện", "Detected"},
               {},
               "incident.detected_at",
               0},
              {"thoi-diem-ngan-chan",
               playbooks::FieldType::kText,
               false,
               {"Ngăn chặn lúc", "Contained"},
               {},
               "anchor.contained",
               0},
              {"ma-phieu-isp",
               playbooks::FieldType::kText,
               false,
               {"Mã phiếu nhà mạng", "ISP ticket"},
               {},
               "step.bao-isp.ma-phieu",
               0},
              {"de-nghi-ho-tro",
               playbooks::FieldType::kText,
               false,
               {"Đề nghị hỗ trợ", "Help requested"},
               {},
               "",
               0}};
  r.report_forms = {f};
  return r;
}

}  // namespace

TEST_CASE("an incident moves along its lifecycle and each transition stamps its anchor",
          "[incident]") {
  EngineWorld w;
  w.Configure(kSetup);
  const TimeMs opened = w.clock.Now();
  auto id = Do(w, OpenIncident{Ticket(), std::nullopt});
  REQUIRE(id);
  std::map<std::string, TimeMs> expected = {{"opened", opened}, {"detected", opened}};
  for (const char* state :
       {"acknowledged", "triaged", "contained", "recovered", "reported", "closed"}) {
    w.clock.Advance(7 * kMin);
    auto r = Do(w, TransitionIncident{*id, state, std::nullopt, ""});
    INFO(state << ": " << (r ? "" : r.error().message));
    REQUIRE(r);
    expected[state] = w.clock.Now();
  }
  const auto rec = Load(w, *id);
  CHECK(rec.incident.state == IncidentState::kClosed);
  CHECK(rec.incident.anchors == expected);
  const auto kinds = Kinds(rec);
  CHECK(std::count(kinds.begin(), kinds.end(), "transition") == 6);
  CHECK(rec.timeline.back().detail["from"] == "reported");
  CHECK(rec.timeline.back().detail["to"] == "closed");
  CHECK(rec.timeline.back().actor == "user:an");
}

TEST_CASE("illegal transitions are refused with a 409 naming the states", "[incident]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto id = Do(w, OpenIncident{Ticket(), std::nullopt});
  REQUIRE(id);
  const size_t before = Load(w, *id).timeline.size();

  auto skip = Do(w, TransitionIncident{*id, "contained", std::nullopt, ""});
  REQUIRE_FALSE(skip);
  CHECK(skip.error().status == 409);
  CHECK(skip.error().code == "illegal_transition");
  CHECK(skip.error().field == "state");
  CHECK(skip.error().message.find("from new to contained") != std::string::npos);
  CHECK(skip.error().message.find("acknowledged, false_positive, duplicate") != std::string::npos);

  auto bogus = Do(w, TransitionIncident{*id, "solved", std::nullopt, ""});
  REQUIRE_FALSE(bogus);
  CHECK(bogus.error().status == 400);
  CHECK(bogus.error().field == "state");

  auto dup = Do(w, TransitionIncident{*id, "duplicate", std::nullopt, ""});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().field == "duplicate_of");

  REQUIRE(Do(w, TransitionIncident{*id, "false_positive", std::nullopt, "máy quét hợp lệ"}));
  auto after = Do(w, TransitionIncident{*id, "acknowledged", std::nullopt, ""});
  REQUIRE_FALSE(after);
  CHECK(after.error().status == 409);
  CHECK(after.error().message.find("nothing (it is final)") != std::string::npos);

  const auto rec = Load(w, *id);
  CHECK(rec.incident.state == IncidentState::kFalsePositive);
  CHECK(rec.timeline.size() == before + 1);  // only the false_positive transition
  CHECK(rec.incident.anchors.count("false_positive") == 1);
  CHECK(rec.incident.anchors.count("acknowledged") == 0);
}

TEST_CASE("bad ticket fields are refused naming the field and nothing is stored", "[incident]") {
  EngineWorld w;
  w.Configure(kSetup);
  struct Case {
    std::function<void(Incident&)> spoil;
    std::string field;
    int status;
  };
  const std::vector<Case> cases = {
      {[](Incident& in) { in.title.clear(); }, "title", 400},
      {[](Incident& in) { in.category = "hacking"; }, "category", 400},
      {[](Incident& in) { in.severity = 5; }, "severity", 400},
      {[](Incident& in) { in.unit = "truong-khong-co"; }, "unit", 400},
      {[](Incident& in) { in.assignee = "nobody"; }, "assignee", 400},
      {[](Incident& in) { in.source = "fax"; }, "source", 400},
      {[](Incident& in) {
         in.systems.push_back({"Máy chủ", 7});
       },
       "systems[1].level", 400},
      {[](Incident& in) { in.alert_ids = {424242}; }, "alert_ids[0]", 404},
  };
  for (const auto& c : cases) {
    Incident in = Ticket();
    c.spoil(in);
    auto r = Do(w, OpenIncident{in, std::nullopt});
    INFO(c.field);
    REQUIRE_FALSE(r);
    CHECK(r.error().field == c.field);
    CHECK(r.error().status == c.status);
  }
  CHECK(CountIncidents(w) == 0);
}

TEST_CASE("a request retried under its Idempotency-Key opens one incident", "[incident]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto keyed = [](const std::string& key, const std::string& sha, std::shared_ptr<bool> flag) {
    return OpenIncident{Ticket(), std::nullopt, key, sha, std::move(flag)};
  };
  auto first_flag = std::make_shared<bool>(false);
  auto first = Do(w, keyed("retry-7f3a", "sha-a", first_flag));
  REQUIRE(first);
  CHECK_FALSE(*first_flag);
  auto again_flag = std::make_shared<bool>(false);
  auto again = Do(w, keyed("retry-7f3a", "sha-a", again_flag));  // the reply was lost
  REQUIRE(again);
  CHECK(*again == *first);
  CHECK(*again_flag);  // the HTTP layer answers 200 Idempotent-Replayed
  CHECK(CountIncidents(w) == 1);
  auto reused = Do(w, keyed("retry-7f3a", "sha-b", nullptr));  // another request, same key
  REQUIRE_FALSE(reused);
  CHECK(reused.error().code == "idempotency_key_reused");
  CHECK(reused.error().status == 422);
  CHECK(reused.error().field == "Idempotency-Key");
  auto other = Do(w, keyed("retry-8b41", "sha-a", nullptr));
  auto none = Do(w, OpenIncident{Ticket(), std::nullopt});  // no key: always a new one
  REQUIRE(other);
  REQUIRE(none);
  CHECK(*other != *first);
  CHECK(CountIncidents(w) == 3);
  CHECK(Kinds(Load(w, *first)) == std::vector<std::string>{"opened"});  // nothing added
}

TEST_CASE("promoted alerts are linked once and logged on the alert", "[incident]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto a1 = w.Send(EventAction::kTrigger, "ddos-1", "Cổng TTĐT: lưu lượng vào 9 Gbps");
  auto a2 = w.Send(EventAction::kTrigger, "ddos-2", "Cổng TTĐT không phản hồi");
  Incident in = Ticket();
  in.alert_ids = {a1.alert_id};
  auto id = Do(w, OpenIncident{in, std::nullopt});
  REQUIRE(id);
  REQUIRE(Do(w, LinkAlerts{*id, {a2.alert_id}}));
  CHECK(Load(w, *id).incident.alert_ids == std::vector<std::int64_t>{a1.alert_id, a2.alert_id});
  auto again = Do(w, OpenIncident{in, std::nullopt});  // a1 already belongs to an open incident
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "already_promoted");
  CHECK(again.error().status == 409);
  auto events = w.reads().AlertEvents(a1.alert_id);
  REQUIRE(events);
  REQUIRE(events->size() >= 2);
  const auto& promoted = (*events)[events->size() - 2];
  CHECK(promoted.kind == "promoted");
  CHECK(json::parse(promoted.detail)["incident_id"] == *id);
  CHECK(events->back().kind == "acknowledged");  // handled in the incident from now on
}

TEST_CASE("a full incident from opening to closure, with one overdue step escalated",
          "[incident][playbook]") {
  EngineWorld w;
  w.Configure(kSetup);
  const auto plan = PlanOf(DdosPlaybook(), nullptr);
  auto alert = w.Send(EventAction::kTrigger, "portal-ddos", "Cổng TTĐT: lưu lượng vào 9 Gbps");
  w.Page();  // the alert's own page to every console
  Incident in = Ticket();
  in.alert_ids = {alert.alert_id};
  const TimeMs opened = w.clock.Now();
  auto id = Do(w, OpenIncident{in, plan});
  REQUIRE(id);
  auto rec = Load(w, *id);
  REQUIRE(rec.steps.size() == 5);  // four steps and the legal clock
  CHECK(StepOf(rec, "tiep-nhan").due_at == opened + 15 * kMin);
  CHECK_FALSE(StepOf(rec, "ngan-chan").due_at);  // counts from "acknowledged", not yet stamped

  // Nobody acknowledges: at 15 min the duty officer is paged, at 25 min the duty leader.
  w.Advance(15 * kMin - 1);
  w.Advance(1);
  Job first = w.Page();
  CHECK(first.recipient == "an");
  CHECK(first.payload["type"] == "incident_step_overdue");
  CHECK(first.payload["incident"]["id"] == *id);
  CHECK(first.payload["step"]["id"] == "tiep-nhan");
  CHECK(first.payload["level"] == 1);
  w.Advance(10 * kMin);
  Job second = w.Page();
  CHECK(second.recipient == "dung");
  CHECK(second.payload["level"] == 2);

  // Now it is acknowledged: the steps counting from "acknowledged" get their due times.
  REQUIRE(Do(w, StepAction{*id,
                           "tiep-nhan",
                           false,
                           "đã xác minh với trường",
                           {{"xac-minh", "that"}, {"luu-luong-gbps", 9.5}}}));
  REQUIRE(Do(w, TransitionIncident{*id, "acknowledged", std::nullopt, ""}));
  const TimeMs acked = w.clock.Now();
  rec = Load(w, *id);
  CHECK(StepOf(rec, "tiep-nhan").state == "done");
  CHECK_FALSE(StepOf(rec, "tiep-nhan").escalate_at);  // done: no more pages
  CHECK(StepOf(rec, "ngan-chan").due_at == acked + 2 * kHour);
  CHECK(StepOf(rec, "bao-isp").due_at == acked + 30 * kMin);

  REQUIRE(Do(w, ContactAction{*id, "vnpt-noc", "bao-isp", "Đề nghị lọc lưu lượng tới 203.0.113.10",
                              "", ""}));
  w.Page();  // the request shown on every console
  REQUIRE(Do(w, StepAction{*id, "bao-isp", false, "", {{"ma-phieu", "VNPT-2026-0042"}}}));
  REQUIRE(Do(w, TransitionIncident{*id, "triaged", std::nullopt, ""}));
  REQUIRE(Do(w, StepAction{*id, "ngan-chan", false, "nhà mạng đã lọc", json::object()}));
  REQUIRE(Do(w, TransitionIncident{*id, "contained", std::nullopt, ""}));
  REQUIRE(Do(w, TransitionIncident{*id, "recovered", std::nullopt, ""}));
  // Closing with a mandatory step pending is refused, naming it.
  REQUIRE(Do(w, TransitionIncident{*id, "reported", std::nullopt, ""}));
  auto early = Do(w, TransitionIncident{*id, "closed", std::nullopt, ""});
  REQUIRE_FALSE(early);
  CHECK(early.error().code == "steps_pending");
  CHECK(early.error().message.find("bao-cao") != std::string::npos);
  REQUIRE(Do(w, StepAction{*id, "bao-cao", false, "", {{"de-nghi-ho-tro", "Không"}}}, "user:dung"));
  REQUIRE(Do(w, TransitionIncident{*id, "closed", std::nullopt, "kết thúc ứng cứu"}));

  rec = Load(w, *id);
  CHECK(rec.incident.state == IncidentState::kClosed);
  CHECK(StepOf(rec, "clock:bao-cao-5-ngay").state == "done");  // met when "reported" was stamped
  const auto kinds = Kinds(rec);
  CHECK(std::count(kinds.begin(), kinds.end(), "step_overdue") == 1);
  CHECK(std::count(kinds.begin(), kinds.end(), "step_escalated") == 2);
  CHECK(std::count(kinds.begin(), kinds.end(), "step_done") == 4);
  CHECK(std::count(kinds.begin(), kinds.end(), "clock_met") == 1);
  CHECK(kinds.front() == "opened");
  CHECK(kinds[1] == "alert_linked");
  CHECK(kinds[2] == "playbook_attached");
  CHECK(kinds.back() == "transition");
  // Closed: a later cycle pages nobody (the next job is the probe alert's own page).
  w.Advance(3 * kHour);
  auto probe = w.Send(EventAction::kTrigger, "probe");
  CHECK(w.Page().payload["alert"]["id"] == probe.alert_id);
}

TEST_CASE("an overdue DDoS step climbs to the ISP's NOC, and the NOC's answer is recorded",
          "[incident][playbook]") {
  EngineWorld w({"email"});
  w.Configure(kSetup);
  auto id = Do(w, OpenIncident{Ticket(), PlanOf(DdosPlaybook(), nullptr)});
  REQUIRE(id);
  w.Advance(15 * kMin);
  CHECK(w.Page().recipient == "an");
  w.Advance(10 * kMin);
  CHECK(w.Page().recipient == "dung");
  w.Advance(10 * kMin);
  Job noc = w.Page();  // level 3: the contact point, on every console ...
  CHECK(noc.recipient == "all");
  CHECK(noc.payload["type"] == "incident_contact");
  CHECK(noc.payload["contact_point"]["id"] == "vnpt-noc");
  CHECK(noc.payload["contact_point"]["phone"] == "18001091");
  CHECK(noc.payload["level"] == 3);
  Job mail = w.NextJobOn("email");  // ... and by e-mail to the NOC
  CHECK(mail.recipient == "noc@vnpt.example");
  CHECK(mail.payload["incident"]["id"] == *id);

  // The last level was paged: no more pages for this step.
  w.Advance(kHour);
  auto rec = Load(w, *id);
  CHECK_FALSE(StepOf(rec, "tiep-nhan").escalate_at);
  CHECK(StepOf(rec, "tiep-nhan").escalation_level == 3);

  REQUIRE(Do(w, ContactAction{*id, "vnpt-noc", "bao-isp", "", "VNPT-2026-0042",
                              "Đã bật lọc sạch lưu lượng"}));
  rec = Load(w, *id);
  const auto& last = rec.timeline.back();
  CHECK(last.kind == "contact_answered");
  CHECK(last.detail["ticket"] == "VNPT-2026-0042");
  CHECK(last.detail["answer"] == "Đã bật lọc sạch lưu lượng");
  CHECK(last.detail["contact_point"]["id"] == "vnpt-noc");
  auto unknown = Do(w, ContactAction{*id, "viettel-noc", "", "giúp", "", ""});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().field == "contact_point");
}

TEST_CASE("step input is checked against the step's form, naming the field",
          "[incident][playbook]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto id = Do(w, OpenIncident{Ticket(), PlanOf(DdosPlaybook(), nullptr)});
  REQUIRE(id);
  auto bad = [&](json input, const std::string& field, const std::string& code) {
    auto r = Do(w, StepAction{*id, "tiep-nhan", false, "", std::move(input)});
    INFO(field);
    REQUIRE_FALSE(r);
    CHECK(r.error().field == field);
    CHECK(r.error().code == code);
    CHECK(r.error().status == 400);
  };
  bad(json::object(), "input.xac-minh", "missing_field");
  bad({{"xac-minh", "co-le"}}, "input.xac-minh", "invalid_field");
  bad({{"xac-minh", "that"}, {"luu-luong-gbps", "nhiều"}}, "input.luu-luong-gbps", "invalid_field");
  bad({{"xac-minh", "that"}, {"luu-luong-gbps", "12"}}, "input.luu-luong-gbps", "invalid_field");
  bad({{"xac-minh", "that"}, {"mat-khau", "x"}}, "input.mat-khau", "unknown_field");
  auto skip = Do(w, StepAction{*id, "tiep-nhan", true, "", json::object()});
  REQUIRE_FALSE(skip);
  CHECK(skip.error().field == "note");
  auto missing = Do(w, StepAction{*id, "khong-co", false, "", json::object()});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().status == 404);
  CHECK(missing.error().field == "step");
  CHECK(StepOf(Load(w, *id), "tiep-nhan").state == "pending");  // nothing stored half-way
  REQUIRE(Do(
      w, StepAction{*id, "tiep-nhan", false, "", {{"xac-minh", "that"}, {"luu-luong-gbps", 12}}}));
  auto twice = Do(w, StepAction{*id, "tiep-nhan", false, "", {{"xac-minh", "that"}}});
  REQUIRE_FALSE(twice);
  CHECK(twice.error().status == 409);
}

namespace {
// A malware plan: triage asks whether one machine or many are hit, and its `next` rules lead
// to isolating the machine (cach-ly-may) or the network (cach-ly-mang).
PlaybookPlan IsolationPlan(std::vector<NextRule> next) {
  PlaybookPlan plan;
  plan.id = "ma-doc";
  plan.version = "1";
  PlanStep triage{.id = "phan-loai", .anchor = "opened", .due_after = "PT30M"};
  triage.form = {{"pham-vi", "choice", true, {"mot-may", "nhieu-may"}, "Phạm vi", "Scope"}};
  triage.next = std::move(next);
  PlanStep one{.id = "cach-ly-may", .anchor = "opened", .due_after = "PT1H"};
  PlanStep many{.id = "cach-ly-mang", .anchor = "opened", .due_after = "PT1H"};
  plan.steps = {triage, one, many};
  return plan;
}
}  // namespace

TEST_CASE("a conditional next step: the chosen branch becomes due, the other does not apply",
          "[incident][playbook]") {
  EngineWorld w;
  w.Configure(kSetup);
  const auto plan = IsolationPlan({{"pham-vi", "==", "mot-may", "cach-ly-may"},
                                   {"pham-vi", "==", "nhieu-may", "cach-ly-mang"}});
  auto id = Do(w, OpenIncident{Ticket("Máy tính phòng kế toán nhiễm mã độc", "malware"), plan});
  REQUIRE(id);
  auto rec = Load(w, *id);
  CHECK(StepOf(rec, "cach-ly-may").state == "waiting");
  CHECK_FALSE(StepOf(rec, "cach-ly-may").due_at);
  auto early = Do(w, StepAction{*id, "cach-ly-mang", false, "", json::object()});
  REQUIRE_FALSE(early);
  CHECK(early.error().message.find("waiting") != std::string::npos);
  REQUIRE(Do(w, StepAction{*id, "phan-loai", false, "", {{"pham-vi", "nhieu-may"}}}));
  rec = Load(w, *id);
  CHECK(StepOf(rec, "cach-ly-mang").state == "pending");
  CHECK(StepOf(rec, "cach-ly-mang").due_at == rec.incident.anchors.at("opened") + kHour);
  CHECK(StepOf(rec, "cach-ly-may").state == "not_applicable");
}

TEST_CASE("an unconditional next rule listed first is the fallback: a condition after it wins",
          "[incident][playbook]") {
  EngineWorld w;
  w.Configure(kSetup);
  const auto plan = IsolationPlan(
      {{"", "==", "", "cach-ly-may"}, {"pham-vi", "==", "nhieu-may", "cach-ly-mang"}});
  auto id = Do(w, OpenIncident{Ticket("Nhiều máy nhiễm mã độc", "malware"), plan});
  REQUIRE(id);
  CHECK(StepOf(Load(w, *id), "cach-ly-mang").state == "waiting");
  REQUIRE(Do(w, StepAction{*id, "phan-loai", false, "", {{"pham-vi", "nhieu-may"}}}));
  auto rec = Load(w, *id);
  CHECK(StepOf(rec, "cach-ly-mang").state == "pending");
  CHECK(StepOf(rec, "cach-ly-mang").due_at == rec.incident.anchors.at("opened") + kHour);
  CHECK(std::ranges::any_of(rec.timeline, [](const TimelineEntry& e) {
    return e.kind == "next_step" && e.detail.value("step", "") == "cach-ly-mang";
  }));
}

TEST_CASE("reports carry the incident's facts field by field", "[incident][report]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto setup = w.setup.Get();
  const auto regime = TestRegime();
  auto id = Do(w, OpenIncident{Ticket(), PlanOf(DdosPlaybook(), &regime)});
  REQUIRE(id);
  const TimeMs opened = w.clock.Now();  // 2026-01-01 07:00 local
  w.clock.Advance(5 * kMin);
  REQUIRE(Do(w, StepAction{*id, "tiep-nhan", false, "", {{"xac-minh", "that"}}}));
  REQUIRE(Do(w, TransitionIncident{*id, "acknowledged", std::nullopt, ""}));
  REQUIRE(Do(w, ContactAction{*id, "vnpt-noc", "bao-isp", "Đề nghị lọc lưu lượng", "", ""}));
  REQUIRE(Do(w, StepAction{*id, "bao-isp", false, "", {{"ma-phieu", "VNPT-2026-0042"}}}));
  REQUIRE(
      Do(w, StepAction{*id, "bao-cao", false, "", {{"de-nghi-ho-tro", "Hỗ trợ phân tích log"}}}));
  auto rec = Load(w, *id);
  const TimeMs now = opened + 10 * kMin;

  const ReportDoc initial = IncidentReport(rec, ReportKind::kInitial, *setup, Lang::kVi, now);
  CHECK(initial.title == "BÁO CÁO BAN ĐẦU SỰ CỐ (Mẫu 02)");
  CHECK(initial.basis == "Thông tư 20/2017/TT-BTTTT, Phụ lục 2");
  auto field = [&](const ReportDoc& d, const std::string& key) {
    const ReportField* f = d.Field(key);
    INFO(key);
    REQUIRE(f);
    return f->value;
  };
  // The regime form's fields first, in its order, valued from the incident and the steps.
  REQUIRE(initial.fields.size() > 5);
  CHECK(initial.fields[0].key == "ten-su-co");
  CHECK(field(initial, "ten-su-co") == "Cổng thông tin điện tử của Sở bị tấn công từ chối dịch vụ");
  CHECK(field(initial, "thoi-diem-phat-hien") == "2026-01-01 07:00");
  CHECK(field(initial, "thoi-diem-ngan-chan") == "");
  CHECK(field(initial, "ma-phieu-isp") == "VNPT-2026-0042");
  CHECK(field(initial, "de-nghi-ho-tro") == "Hỗ trợ phân tích log");
  // Then the incident's own facts.
  CHECK(field(initial, "incident_id") == "#" + std::to_string(*id));
  CHECK(field(initial, "unit") == "Sở GD&ĐT tỉnh Bình Minh (so)");
  CHECK(field(initial, "category") == "Tấn công từ chối dịch vụ (DDoS)");
  CHECK(field(initial, "severity") == "P2");
  CHECK(field(initial, "systems") == "Cổng TTĐT sgddt.binhminh.example (cấp độ 3)");
  CHECK(field(initial, "opened_at") == "2026-01-01 07:00");
  CHECK(field(initial, "source") == "điện thoại");
  CHECK(field(initial, "reporter") == "Trần Văn Bảo, 0912000200");
  CHECK(field(initial, "state") == "đã tiếp nhận");
  CHECK(field(initial, "assignee") == "Nguyễn Văn An (an)");
  CHECK(field(initial, "playbook") == "Ứng cứu tấn công từ chối dịch vụ (ddos v3)");
  CHECK(field(initial, "actions") ==
        "Tiếp nhận và xác minh; Đề nghị nhà mạng lọc lưu lượng; Báo cáo ban đầu");
  CHECK(field(initial, "contacts") ==
        "Đề nghị hỗ trợ gửi Trung tâm Điều hành mạng VNPT: Đề nghị lọc lưu lượng");
  CHECK(field(initial, "report_time") == "2026-01-01 07:10");
  CHECK(initial.Field("recovered_at") == nullptr);  // final report only

  const std::string md = ToMarkdown(initial);
  CHECK(md.find("# BÁO CÁO BAN ĐẦU SỰ CỐ (Mẫu 02)") == 0);
  CHECK(md.find("| Mã phiếu nhà mạng | VNPT-2026-0042 |") != std::string::npos);
  CHECK(md.find("| Loại sự cố | Tấn công từ chối dịch vụ (DDoS) |") != std::string::npos);

  REQUIRE(Do(w, TransitionIncident{*id, "triaged", std::nullopt, ""}));
  w.clock.Advance(55 * kMin);
  REQUIRE(Do(w, TransitionIncident{*id, "contained", std::nullopt, ""}));
  w.clock.Advance(kHour);
  REQUIRE(Do(w, TransitionIncident{*id, "recovered", std::nullopt, ""}));
  rec = Load(w, *id);
  const ReportDoc final_en =
      IncidentReport(rec, ReportKind::kFinal, *setup, Lang::kEn, w.clock.Now());
  CHECK(final_en.title == "FINAL CYBERSECURITY INCIDENT REPORT");  // no final form in the regime
  CHECK(field(final_en, "category") == "Denial of service (DDoS)");
  CHECK(field(final_en, "contained_at") == "2026-01-01 08:00");
  CHECK(field(final_en, "recovered_at") == "2026-01-01 09:00");
  CHECK(field(final_en, "duration") == FormatAge(2 * kHour));
  CHECK(field(final_en, "state") == "recovered");
  CHECK(field(final_en, "overdue_steps") == "0");
  REQUIRE(final_en.tables.size() == 2);
  CHECK(final_en.tables[0].rows.size() == 5);  // every step and the clock
  CHECK(final_en.tables[0].rows[0][0] == "Acknowledge and verify");
  CHECK(final_en.tables[0].rows[0][1] == "done");
}

TEST_CASE("categories and states read the same words in reports and in vigilctl",
          "[incident][report]") {
  CHECK(CategoryLabel(Lang::kVi, "ddos") == "Tấn công từ chối dịch vụ (DDoS)");
  CHECK(CategoryLabel(Lang::kEn, "data_leak") == "Personal-data leak");
  CHECK(CategoryLabel(Lang::kVi, "data_leak", LabelStyle::kShort) == "lộ lọt dữ liệu");
  CHECK(CategoryLabel(Lang::kEn, "hacking") == "hacking");  // unknown: as it is
  CHECK(StateLabel(Lang::kVi, "false_positive") == "báo động nhầm");
  CHECK(StateLabel(Lang::kEn, "not_applicable") == "not applicable");
  CHECK(StateLabel(Lang::kVi, "paused") == "paused");
}

TEST_CASE("the printable HTML report escapes what people typed", "[incident][report]") {
  ReportDoc d;
  d.title = "BÁO CÁO <b>";
  d.fields = {{"title", "Tên sự cố", "Trang chủ bị chèn <script>alert(1)</script> & \"x\""}};
  d.tables = {{"Diễn biến", {"Lúc", "Nội dung"}, {{"07:00", "<img src=x onerror=1>"}}}};
  const std::string html = ToHtml(d, Lang::kVi);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;") !=
        std::string::npos);
  CHECK(html.find("<meta charset=\"utf-8\">") != std::string::npos);
  CHECK(html.find("@page { size: A4") != std::string::npos);
  CHECK(html.find("<html lang=\"vi\">") != std::string::npos);
  CHECK(html.find("BÁO CÁO &lt;b&gt;") != std::string::npos);
}

TEST_CASE("the shift handover lists the shift's alerts, actions and open items",
          "[incident][report]") {
  EngineWorld w;
  w.Configure(kSetup);
  const TimeMs from = w.clock.Now();
  auto id = Do(w, OpenIncident{Ticket(), PlanOf(DdosPlaybook(), nullptr)});
  REQUIRE(id);
  w.clock.Advance(20 * kMin);
  REQUIRE(Do(w, AddNote{*id, "Đã gọi điện cho nhà trường"}));
  ShiftData d;
  d.from = from;
  d.to = from + 8 * kHour;
  d.who = "Nguyễn Văn An (an)";
  d.incidents.push_back(Load(w, *id));
  const ReportDoc doc = ShiftHandover(d, *w.setup.Get(), Lang::kVi, d.to);
  CHECK(doc.Field("on_duty")->value == "Nguyễn Văn An (an)");
  CHECK(doc.Field("incidents")->value == "1");
  REQUIRE(doc.tables.size() == 4);
  const auto& actions = doc.tables[2].rows;
  CHECK(std::any_of(actions.begin(), actions.end(), [](const auto& r) {
    return r[3] == "Ghi chú: Đã gọi điện cho nhà trường" && r[2] == "Nguyễn Văn An";
  }));
  const auto& open = doc.tables[3].rows;  // the four pending steps and the clock
  CHECK(open.size() == 5);
  CHECK(doc.Field("open_items")->value == "5");
}

TEST_CASE("a deadline in working days skips the weekend and the holidays", "[incident]") {
  playbooks::WorkCalendar cal;  // Asia/Ho_Chi_Minh
  auto tet = ParseLocalTime("2026-02-16", cal.time_zone);
  auto tet_end = ParseLocalTime("2026-02-23", cal.time_zone);
  REQUIRE(tet);
  REQUIRE(tet_end);
  cal.holidays.push_back({"Tết Nguyên đán", *tet, *tet_end, true, 0});
  PlanStep step{.id = "bao-cao", .anchor = "detected", .due_after = "P2D", .working_days = true};
  auto friday = ParseLocalTime("2026-02-13T10:00", cal.time_zone);
  REQUIRE(friday);
  auto due = DueAt(step, {{"detected", *friday}}, cal);
  REQUIRE(due);
  CHECK(FormatLocalTime(*due, cal.time_zone) == "2026-02-24 10:00");  // Fri + Mon 23 → Tue 24
  CHECK_FALSE(DueAt(step, {{"opened", *friday}}, cal));  // its anchor is not stamped yet
}

TEST_CASE("a step that stamps the next lifecycle state moves the ticket there",
          "[incident][playbook]") {
  EngineWorld w;
  w.Configure(kSetup);
  PlaybookPlan plan;
  plan.id = "p";
  plan.version = "1";
  PlanStep contain{.id = "ngan-chan", .anchor = "triaged", .due_after = "PT1H"};
  contain.sets_anchor = "contained";
  plan.steps = {contain};
  auto id = Do(w, OpenIncident{Ticket(), plan});
  REQUIRE(id);
  CHECK_FALSE(StepOf(Load(w, *id), "ngan-chan").due_at);  // "triaged" not stamped yet
  REQUIRE(Do(w, TransitionIncident{*id, "acknowledged", std::nullopt, ""}));
  w.clock.Advance(kMin);
  REQUIRE(Do(w, TransitionIncident{*id, "triaged", std::nullopt, ""}));
  auto rec = Load(w, *id);
  CHECK(StepOf(rec, "ngan-chan").due_at == w.clock.Now() + kHour);  // re-timed at the stamp
  REQUIRE(Do(w, StepAction{*id, "ngan-chan", false, "", json::object()}, "user:dung"));
  rec = Load(w, *id);
  CHECK(rec.incident.state == IncidentState::kContained);
  CHECK(rec.incident.anchors.at("contained") == w.clock.Now());
  CHECK(rec.timeline.back().kind == "transition");
  CHECK(rec.timeline.back().detail["step"] == "ngan-chan");
  CHECK(rec.timeline.back().actor == "user:dung");
  CHECK(DescribeEntry(Lang::kVi, rec.timeline.back(), &*rec.plan) ==
        "đã phân loại → đã ngăn chặn (theo bước: ngan-chan)");
}

TEST_CASE("an overdue step left by a restart is paged by the next engine", "[incident][playbook]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto id = Do(w, OpenIncident{Ticket(), PlanOf(DdosPlaybook(), nullptr)});
  REQUIRE(id);
  w.Restart();
  w.Configure(kSetup);
  w.Advance(15 * kMin);  // the due time is a row: the new engine finds it
  Job page = w.Page();
  CHECK(page.recipient == "an");
  CHECK(page.payload["step"]["id"] == "tiep-nhan");
}

TEST_CASE("a playbook snapshot survives its JSON round trip", "[incident][playbook]") {
  const auto regime = TestRegime();
  const PlaybookPlan plan = PlanOf(DdosPlaybook(), &regime);
  auto back = PlanFromJson(ToJson(plan));
  REQUIRE(back);
  CHECK(ToJson(*back) == ToJson(plan));
  REQUIRE(back->Find("bao-isp"));
  CHECK(back->Find("bao-isp")->contact_point == "vnpt-noc");
  CHECK(back->chains.at("mac-dinh").size() == 3);
  CHECK(back->chains.at("mac-dinh")[1].targets == std::vector<std::string>{"role:duty_leader"});
  CHECK(back->chains.at("mac-dinh")[2].targets ==
        std::vector<std::string>{"contact_point:vnpt-noc"});
  CHECK(back->Find("clock:bao-cao-5-ngay")->is_clock);
  CHECK(back->Find("clock:bao-cao-5-ngay")->working_days);
  CHECK(back->report_forms.contains("initial_report"));
  auto bad = PlanFromJson({{"id", "x"}, {"steps", {{{"id", "a"}, {"due_after", "2 giờ"}}}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "plan.steps[0].due_after");
}

TEST_CASE(
    "the shipped DDoS playbook engages the ISP's NOC of the example config when the ISP "
    "step is overdue",
    "[incident][playbook]") {
  std::ifstream f(std::string(VIGIL_SOURCE_DIR) + "/config/examples/so-gddt.yaml");
  const std::string example((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(!example.empty());
  EngineWorld w;
  w.Configure(example);
  auto setup = w.setup.Get();
  auto lib = playbooks::LoadLibrary(std::string(VIGIL_SOURCE_DIR) + "/playbooks",
                                    playbooks::References::FromOnCall(*setup));
  if (!lib) {
    for (const auto& e : lib.error()) UNSCOPED_INFO(e.ToString());
  }
  REQUIRE(lib);
  auto pb = ChoosePlaybook(*lib, "", "ddos", 1);
  REQUIRE(pb);
  REQUIRE((*pb)->id == "ddos");
  const auto plan = PlanOf(**pb, RegimeOf(*lib, (*pb)->regime));
  auto start = ParseLocalTime("2026-03-10T21:00", setup->time_zone);  // a Tuesday night
  REQUIRE(start);
  w.clock.Set(*start);
  Incident in = Ticket();
  in.assignee = "hai";
  auto id = Do(w, OpenIncident{in, plan}, "user:hai");
  REQUIRE(id);
  REQUIRE(Do(w, TransitionIncident{*id, "acknowledged", std::nullopt, ""}, "user:hai"));
  REQUIRE(Do(
      w, StepAction{*id, "triage", false, "", {{"kind", "volumetric"}, {"target", "203.0.113.10"}}},
      "user:hai"));
  auto rec = Load(w, *id);
  CHECK(rec.incident.state == IncidentState::kTriaged);  // triage sets "triaged"
  CHECK(StepOf(rec, "call_isp").state == "pending");     // volumetric: the ISP branch
  CHECK(StepOf(rec, "call_isp").due_at == w.clock.Now() + 30 * kMin);

  w.Advance(30 * kMin);  // the ISP step's own chain starts at the NOC
  Job noc = w.Page();
  CHECK(noc.recipient == "all");
  CHECK(noc.payload["type"] == "incident_contact");
  CHECK(noc.payload["contact_point"]["id"] == "vnpt-noc");
  CHECK(noc.payload["contact_point"]["phone"] == "18001091");
  CHECK(noc.payload["step"]["id"] == "call_isp");
  CHECK(noc.payload["incident"]["id"] == *id);

  REQUIRE(Do(w, ContactAction{*id, "vnpt-noc", "call_isp", "", "VNPT-2026-0042", "Đã bật lọc sạch"},
             "user:hai"));
  REQUIRE(Do(w,
             StepAction{*id,
                        "call_isp",
                        false,
                        "",
                        {{"isp_ticket", "VNPT-2026-0042"}, {"isp_action", "scrubbing"}}},
             "user:hai"));
  rec = Load(w, *id);
  const auto kinds = Kinds(rec);
  CHECK(std::count(kinds.begin(), kinds.end(), "step_escalated") == 1);
  CHECK(rec.timeline.back().kind == "step_done");
  const ReportDoc initial =
      IncidentReport(rec, ReportKind::kInitial, *setup, Lang::kVi, w.clock.Now());
  CHECK(initial.Field("category"));
  const ReportField* system = initial.fields.empty() ? nullptr : &initial.fields[0];
  REQUIRE(system);
  CHECK(system->value == "Sở GD&ĐT tỉnh Bình Minh (so)");  // the regime form's first field
  CHECK(initial.Field("security_level")->value == "3");
}

TEST_CASE("the Markdown report keeps what people typed as text", "[incident][report]") {
  ReportDoc d;
  d.title = "BÁO CÁO";
  d.subtitle = "Sự cố #1: <img src=x onerror=alert(1)>";
  d.fields = {{"title", "Tên | sự cố", "a|b <script>x</script> & c\ndòng 2"}};
  const std::string md = ToMarkdown(d);
  CHECK(md.find("<img") == std::string::npos);
  CHECK(md.find("<script>") == std::string::npos);
  CHECK(md.find("**Sự cố #1: &lt;img src=x onerror=alert(1)&gt;**") != std::string::npos);
  CHECK(md.find("| Tên \\| sự cố | a\\|b &lt;script&gt;x&lt;/script&gt; & c<br>dòng 2 |") !=
        std::string::npos);
}

TEST_CASE("a contact-point step sends its own request to its own party", "[incident][playbook]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto id = Do(w, OpenIncident{Ticket(), PlanOf(DdosPlaybook(), nullptr)});
  REQUIRE(id);
  REQUIRE(Do(w, ContactAction{*id, "", "bao-isp", "", "", ""}));
  Job request = w.Page();
  CHECK(request.recipient == "all");
  CHECK(request.payload["type"] == "incident_contact");
  CHECK(request.payload["contact_point"]["id"] == "vnpt-noc");
  CHECK(request.payload["message"] == "Đề nghị lọc lưu lượng tấn công tới cổng thông tin");
  CHECK(request.payload["step"] == "bao-isp");
  const auto rec = Load(w, *id);
  CHECK(rec.timeline.back().kind == "contact_requested");
  CHECK(rec.timeline.back().detail["message"] ==
        "Đề nghị lọc lưu lượng tấn công tới cổng thông tin");
  auto none = Do(w, ContactAction{*id, "", "", "", "", ""});
  REQUIRE_FALSE(none);
  CHECK(none.error().field == "contact_point");
  auto nostep = Do(w, ContactAction{*id, "", "khong-co", "", "", ""});
  REQUIRE_FALSE(nostep);
  CHECK(nostep.error().field == "step");
}

TEST_CASE("incident pages read well on SMS and e-mail", "[incident][notify]") {
  EngineWorld w;
  w.Configure(kSetup);
  auto id = Do(w, OpenIncident{Ticket(), PlanOf(DdosPlaybook(), nullptr)});
  REQUIRE(id);
  w.Advance(15 * kMin);
  Job overdue = w.Page();
  const auto sms = RenderMessage(overdue.payload, Lang::kVi, w.clock.Now());
  CHECK(sms.sms.find("[QUÁ HẠN] #" + std::to_string(*id) + " Tiếp nhận và xác minh") == 0);
  CHECK(sms.subject.find("bước quá hạn — Tiếp nhận và xác minh") != std::string::npos);
  CHECK(sms.text.find("vigilctl incident show " + std::to_string(*id)) != std::string::npos);
  REQUIRE(
      Do(w, ContactAction{*id, "vnpt-noc", "", "Đề nghị lọc lưu lượng tới 203.0.113.10", "", ""}));
  Job contact = w.Page();
  const auto en = RenderMessage(contact.payload, Lang::kEn, w.clock.Now());
  CHECK(en.subject == "[OUTSIDE CONTACT] Help requested with incident #" + std::to_string(*id) +
                          ": Trung tâm Điều hành mạng VNPT — 18001091");
  CHECK(en.text.find("Đề nghị lọc lưu lượng tới 203.0.113.10") != std::string::npos);
  CHECK(en.html.find("<script") == std::string::npos);
}
