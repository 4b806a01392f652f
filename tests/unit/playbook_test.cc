// Playbook loading and validation: every problem reported with its file:line; the shipped
// playbooks and regime all pass against the example on-call config.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "config/config.h"
#include "playbooks/src/playbook.h"
#include "playbooks/src/rules.h"

using namespace vigil;
using namespace vigil::playbooks;
using nlohmann::json;

namespace {

const char* kRegime = R"(id: test-regime
version: 1
title: {vi: Quy định thử, en: Test regime}
effective_from: "2026-01-01"
deadlines:
  - id: notify
    title: {vi: Thông báo, en: Notification}
    basis: {vi: Điều 1, en: Article 1}
    due: {anchor: detected, after: PT72H}
    report: notice
report_forms:
  - id: notice
    title: {vi: Thông báo, en: Notice}
    fields:
      - {id: unit, type: text, required: true, label: {vi: Đơn vị, en: Unit}}
)";

std::vector<Regime> Regimes() {
  auto r = ParseRegime(kRegime, "regime.yaml");
  if (!r) FAIL(r.error().front().ToString());
  return {*r};
}

References KnownContactPoints() {
  References refs;
  refs.contact_points = std::set<std::string>{"vnpt-noc"};
  return refs;
}

// The message of the error on `line` containing `text`, or "" when there is none.
bool HasError(const Errors& errors, int line, const std::string& text) {
  return std::ranges::any_of(errors, [&](const ConfigError& e) {
    return e.file == "bad.yaml" && e.line == line && e.message.find(text) != std::string::npos;
  });
}

std::string All(const Errors& errors) {
  std::string out;
  for (const auto& e : errors) out += e.ToString() + "\n";
  return out;
}

// A valid playbook; the tests below break it one way at a time, or many ways at once.
const char* kGood = R"(id: ddos-test
version: 2
title: {vi: Tấn công từ chối dịch vụ, en: Denial of service}
applies_to: {categories: [ddos], min_severity: P2}
regime: test-regime
phases:
  - {id: detect, title: {vi: Phát hiện, en: Detect}}
  - {id: contain, title: {vi: Ngăn chặn, en: Contain}}
roles:
  - {id: officer, oncall_role: duty_officer, title: {vi: Cán bộ trực, en: Duty officer}}
escalation: overdue
escalations:
  - id: overdue
    levels:
      - {after: PT0M, role: officer}
      - {after: PT30M, contact_point: vnpt-noc}
clocks:
  - {id: legal, title: {vi: Hạn báo cáo, en: Report due}, deadline: notify, stops_at: notified}
  - id: internal
    title: {vi: Nội bộ, en: Internal}
    due: {anchor: detected, after: P2D, working_days: true}
steps:
  - id: triage
    phase: detect
    role: officer
    mandatory: true
    title: {vi: Phân loại, en: Triage}
    instructions: {vi: Xem lưu lượng, en: Look at the traffic}
    do_not:
      - {vi: Không khởi động lại tường lửa, en: Do not reboot the firewall}
    due: {anchor: acknowledged, after: PT15M}
    form:
      - id: volumetric
        type: choice
        required: true
        label: {vi: Loại tấn công, en: Attack kind}
        choices:
          - {value: volumetric, label: {vi: Lưu lượng, en: Volumetric}}
          - {value: application, label: {vi: Ứng dụng, en: Application}}
    next:
      - {if: "volumetric == volumetric", step: call-isp}
      - {step: block}
  - id: call-isp
    phase: contain
    role: officer
    mandatory: false
    title: {vi: Gọi nhà mạng, en: Call the ISP}
    instructions: {vi: Gọi NOC, en: Call the NOC}
    contact_point: vnpt-noc
    request: {vi: Đề nghị lọc lưu lượng, en: Please filter the traffic}
    form:
      - {id: ticket, type: text, required: true, label: {vi: Mã yêu cầu, en: Ticket}}
    next: block
  - id: block
    phase: contain
    role: officer
    mandatory: true
    title: {vi: Chặn nguồn, en: Block sources}
    instructions: {vi: Chặn IP, en: Block the IPs}
    due: {anchor: triaged, after: PT1H}
    sets_anchor: notified
    produces_report: notice
)";

PlaybookResult Parse(const std::string& text, const References& refs = KnownContactPoints()) {
  return ParsePlaybook(text, "bad.yaml", Regimes(), refs);
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a valid playbook loads with every part in place") {
  auto p = Parse(kGood);
  INFO((p ? "" : All(p.error())));
  REQUIRE(p);
  CHECK(p->id == "ddos-test");
  CHECK(p->version == 2);
  CHECK(p->title.In(Lang::kEn) == "Denial of service");
  CHECK(p->AppliesTo("ddos", 1));
  CHECK(p->AppliesTo("ddos", 2));
  CHECK_FALSE(p->AppliesTo("ddos", 3));
  CHECK_FALSE(p->AppliesTo("malware", 1));
  REQUIRE(p->steps.size() == 3);
  const Step& triage = p->steps[0];
  CHECK(triage.do_not.at(0).vi == "Không khởi động lại tường lửa");
  REQUIRE(triage.due);
  CHECK(triage.due->anchor == "acknowledged");
  CHECK(triage.due->after.FixedMs() == 15 * 60'000);
  REQUIRE(triage.next.size() == 2);
  CHECK(triage.next[0].field == "volumetric");
  CHECK(triage.next[0].op == "==");
  CHECK(triage.next[0].value == "volumetric");
  CHECK(triage.next[0].step == "call-isp");
  CHECK_FALSE(triage.next[1].conditional());
  CHECK(triage.form.at(0).choices.size() == 2);
  CHECK(p->steps[1].contact_point == "vnpt-noc");
  CHECK(p->steps[1].next.at(0).step == "block");
  CHECK(p->steps[2].sets_anchor == "notified");
  CHECK(p->Anchors().count("notified"));
  // A clock naming a regime deadline gets the regime's rule.
  REQUIRE(p->clocks.size() == 2);
  REQUIRE(p->clocks[0].due);
  CHECK(p->clocks[0].due->anchor == "detected");
  CHECK(p->clocks[0].due->after.text == "PT72H");
  CHECK(p->clocks[1].due->working_days);
  CHECK(p->FindEscalation("overdue")->levels[1].contact_point == "vnpt-noc");
}

TEST_CASE("every problem in a playbook is reported, each with its line") {
  // One file, many mistakes, each reported at the line of the key or value at fault.
  std::string bad = kGood;
  bad = Replace(bad, "categories: [ddos]", "categories: [ddos, flood]");
  bad = Replace(bad, "      - {after: PT30M, contact_point: vnpt-noc}",
                "      - {after: PT30M, contact_point: viettel-noc}");
  bad = Replace(bad, "deadline: notify,", "deadline: notice-72h,");
  bad = Replace(bad, "after: P2D, working_days", "after: P2DT, working_days");
  bad = Replace(bad, "    role: officer\n    mandatory: true\n    title: {vi: Phân loại",
                "    role: officr\n    mandatory: true\n    title: {vi: Phân loại");
  bad = Replace(bad, "after: PT15M}", "after: PT15M}\n    colour: red");
  bad = Replace(bad, "{if: \"volumetric == volumetric\"", "{if: \"kind == volumetric\"");
  bad = Replace(bad, "{step: block}", "{step: blok}");
  bad = Replace(bad, "phase: contain\n    role: officer\n    mandatory: false",
                "phase: contian\n    role: officer\n    mandatory: false");
  bad = Replace(bad, "title: {vi: Gọi nhà mạng, en: Call the ISP}", "title: {vi: Gọi nhà mạng}");
  bad = Replace(bad, "anchor: triaged, after: PT1H", "anchor: isolated, after: PT1H");
  auto p = Parse(bad);
  REQUIRE_FALSE(p);
  const Errors& e = p.error();
  INFO(All(e));
  CHECK(HasError(e, 4, "unknown category \"flood\""));
  CHECK(HasError(e, 16, "unknown contact point \"viettel-noc\""));
  CHECK(HasError(e, 18, "unknown regime deadline \"notice-72h\""));
  CHECK(HasError(e, 21, "\"P2DT\" is not an ISO-8601 duration"));
  CHECK(HasError(e, 25, "steps[triage].role \"officr\" is not declared in roles"));
  CHECK(HasError(e, 32, "unknown key steps[triage].colour"));
  CHECK(HasError(e, 42, "field \"kind\", which is not in the step's form"));
  CHECK(HasError(e, 43, "unknown step \"blok\""));
  CHECK(HasError(e, 45, "steps[call-isp].phase \"contian\" is not declared in phases"));
  CHECK(HasError(e, 48, "steps[call-isp].title.en: the English text is missing"));
  CHECK(HasError(e, 61, "unknown anchor \"isolated\""));
  CHECK(e.size() == 11);
  CHECK(std::ranges::is_sorted(e, {}, &ConfigError::line));
}

TEST_CASE("a cycle in next is reported at the rule that closes it") {
  const std::string bad = Replace(kGood, "    produces_report: notice\n",
                                  "    produces_report: notice\n    next: triage\n");
  auto p = Parse(bad);
  REQUIRE_FALSE(p);
  INFO(All(p.error()));
  CHECK(HasError(p.error(), 63, "makes a cycle: triage → call-isp → block → triage"));
}

TEST_CASE("a mandatory step no path reaches is reported") {
  // triage always goes to call-isp, which ends the work: block is never reached.
  std::string bad = Replace(kGood, "      - {step: block}\n", "      - {step: call-isp}\n");
  bad = Replace(bad, "    next: block\n", "    next: end\n");
  auto p = Parse(bad);
  REQUIRE_FALSE(p);
  INFO(All(p.error()));
  CHECK(HasError(p.error(), 54, "steps[block]: mandatory step cannot be reached"));
  CHECK(p.error().size() == 1);
}

TEST_CASE("duplicate step ids, missing Vietnamese, bad conditions and levels are reported") {
  std::string bad = Replace(kGood, "  - id: block\n", "  - id: triage\n");
  bad = Replace(bad, "instructions: {vi: Xem lưu lượng, en: Look at the traffic}",
                "instructions: {en: Look at the traffic}");
  bad = Replace(bad, "{if: \"volumetric == volumetric\"", "{if: \"volumetric == ddos\"");
  bad = Replace(bad, "      - {after: PT0M, role: officer}",
                "      - {after: PT0M, role: officer, person: an}");
  auto p = Parse(bad);
  REQUIRE_FALSE(p);
  const Errors& e = p.error();
  INFO(All(e));
  CHECK(HasError(e, 15, "needs exactly one of role, person, policy, contact_point"));
  CHECK(HasError(e, 28, "steps[triage].instructions.vi: the Vietnamese text is missing"));
  CHECK(HasError(e, 41, "cannot hold the value \"ddos\""));
  CHECK(HasError(e, 54, "steps: id \"triage\" is used twice (first at line 23)"));
}

TEST_CASE("contact points are checked only against a known set") {
  const std::string other = Replace(kGood, "contact_point: vnpt-noc\n    request",
                                    "contact_point: fpt-noc\n    request");
  auto unchecked = Parse(other, References{});
  CHECK(unchecked);
  auto checked = Parse(other);
  REQUIRE_FALSE(checked);
  CHECK(HasError(checked.error(), 49, "steps[call-isp].contact_point: unknown contact point \"fpt-noc\""));
}

TEST_CASE("a playbook naming an unknown regime or report form is refused") {
  std::string bad = Replace(kGood, "regime: test-regime", "regime: vn-1999");
  auto p = Parse(bad);
  REQUIRE_FALSE(p);
  INFO(All(p.error()));
  CHECK(HasError(p.error(), 1, "unknown regime \"vn-1999\" (loaded: test-regime)"));
  CHECK(HasError(p.error(), 18, "unknown regime deadline \"notify\""));
  CHECK(HasError(p.error(), 62, "report form \"notice\" is not in regime \"vn-1999\""));
}

TEST_CASE("messages are in Vietnamese when asked, Section's wording included") {
  const std::string bad = Replace(kGood, "after: PT15M}", "after: PT15M}\n    colour: red");
  auto p = ParsePlaybook(bad, "bad.yaml", Regimes(), KnownContactPoints(), Lang::kVi);
  REQUIRE_FALSE(p);
  CHECK(HasError(p.error(), 32, "khoá lạ steps[triage].colour"));
}

TEST_CASE("YAML that is not UTF-8 or not YAML is one clear error") {
  auto p = Parse("id: x\ntitle: \xff\xfe\n");
  REQUIRE_FALSE(p);
  CHECK(HasError(p.error(), 2, "not valid UTF-8"));
  auto q = Parse("id: [unclosed\n");
  REQUIRE_FALSE(q);
  CHECK(q.error().size() == 1);
  CHECK(q.error()[0].message.find("YAML") != std::string::npos);
}

TEST_CASE("a regime's problems are reported with their lines") {
  std::string bad = Replace(kRegime, "report: notice", "report: notise");
  bad = Replace(bad, "anchor: detected", "anchor: notified");
  bad = Replace(bad, "effective_from: \"2026-01-01\"", "effective_from: \"1/1/2026\"");
  bad = Replace(bad, "{id: unit, type: text,", "{id: unit, type: text, source: Incident.Unit,");
  auto r = ParseRegime(bad, "bad.yaml");
  REQUIRE_FALSE(r);
  INFO(All(r.error()));
  CHECK(HasError(r.error(), 1, "effective_from must be a date YYYY-MM-DD"));
  CHECK(HasError(r.error(), 9, "\"notified\" is not an incident anchor"));
  CHECK(HasError(r.error(), 6, "no such report form"));
  CHECK(HasError(r.error(), 15, "source \"Incident.Unit\" must read incident.<field>"));
}

TEST_CASE("a config with no on-call ids leaves those references unchecked; one with ids checks them") {
  const std::string root = VIGIL_SOURCE_DIR;
  const References none = References::FromOnCall(OnCallSetup{});
  CHECK(none.Unchecked() == "contact_points,people,policies");
  auto lib = LoadLibrary(root + "/playbooks", none);
  INFO((lib ? "" : All(lib.error())));
  CHECK(lib);  // what `make run` does: the embedded default config defines no contact points

  OnCallSetup other;
  other.contact_points.push_back(ContactPoint{});
  other.contact_points.back().id = "some-other-noc";
  const References some = References::FromOnCall(other);
  CHECK(some.Unchecked() == "people,policies");
  auto refused = LoadLibrary(root + "/playbooks", some);
  REQUIRE_FALSE(refused);
  CHECK(All(refused.error()).find("unknown contact point \"vnpt-noc\"") != std::string::npos);
}

TEST_CASE("the shipped playbooks and regime pass against the example on-call config") {
  const std::string root = VIGIL_SOURCE_DIR;
  auto cfg = LoadConfigFile(root + "/config/examples/so-gddt.yaml");
  REQUIRE(cfg);
  auto lib = LoadLibrary(root + "/playbooks", References::FromOnCall(cfg->oncall));
  INFO((lib ? "" : All(lib.error())));
  REQUIRE(lib);
  CHECK(lib->playbooks.size() >= 8);
  REQUIRE(lib->FindRegime("vn-2026"));
  CHECK(lib->FindRegime("vn-2026")->FindDeadline("data_breach_notification")->due.after.text ==
        "PT72H");
  for (const char* category : {"malware", "ransomware", "defacement", "ddos", "phishing",
                               "account_compromise", "data_leak", "vuln_exploitation"}) {
    INFO(category);
    CHECK_FALSE(lib->Matching(category, 1).empty());
  }
  // The DDoS playbook engages the ISP NOC of the example config.
  const Playbook* ddos = lib->Matching("ddos", 1).at(0);
  CHECK(std::ranges::any_of(ddos->steps, [](const Step& s) { return s.contact_point == "vnpt-noc"; }));
  // The data-leak playbook runs the 72-hour clock.
  const Playbook* leak = lib->Matching("data_leak", 1).at(0);
  CHECK(std::ranges::any_of(leak->clocks, [](const PlaybookClock& k) {
    return k.deadline == "data_breach_notification" && k.due && k.due->after.text == "PT72H";
  }));
  // Every shipped step has both languages.
  for (const auto& p : lib->playbooks) {
    for (const auto& s : p.steps) {
      INFO(p.id + "/" + s.id);
      CHECK_FALSE(s.title.vi.empty());
      CHECK_FALSE(s.instructions.en.empty());
    }
  }
}

TEST_CASE("a regime deadline for other categories cannot be used") {
  std::string regime = Replace(kRegime, "    report: notice\n", "    report: notice\n    categories: [data_leak]\n");
  auto r = ParseRegime(regime, "regime.yaml");
  REQUIRE(r);
  auto p = ParsePlaybook(kGood, "bad.yaml", {*r}, KnownContactPoints());
  REQUIRE_FALSE(p);
  CHECK(HasError(p.error(), 18, "clocks[legal].deadline \"notify\" applies to other categories"));
}

TEST_CASE("due times follow the anchors stamped so far") {
  auto p = Parse(kGood);
  REQUIRE(p);
  WorkCalendar cal;
  AnchorTimes anchors = {{"detected", 1'800'000'000'000}};
  const DueRule& triage = *p->steps[0].due;  // acknowledged + 15 min
  CHECK_FALSE(DueOf(triage, anchors, cal));
  anchors["acknowledged"] = 1'800'000'060'000;
  CHECK(DueOf(triage, anchors, cal) == 1'800'000'060'000 + 15 * 60'000);
  CHECK(DueOf(*p->clocks[0].due, anchors, cal) == 1'800'000'000'000 + 72 * 3'600'000);
}

TEST_CASE("the first conditional next rule that holds is chosen, else the unconditional one") {
  auto p = Parse(kGood);
  REQUIRE(p);
  const auto& triage = p->steps[0].next;  // volumetric == volumetric → call-isp; else block
  CHECK(ChooseNext(triage, {{"volumetric", "volumetric"}})->step == "call-isp");
  CHECK(ChooseNext(triage, {{"volumetric", "application"}})->step == "block");
  CHECK(ChooseNext(triage, json::object())->step == "block");  // a missing value never equals
  CHECK(ChooseNext(p->steps[1].next, json::object())->step == "block");  // next: block
  CHECK(ChooseNext(p->steps[2].next, json::object()) == nullptr);  // none: the following step
  auto ends = Parse(Replace(kGood, "    next: block\n", "    next: end\n"));
  REQUIRE(ends);
  CHECK(ChooseNext(ends->steps[1].next, json::object())->step == kEndStep);
}

TEST_CASE("an unconditional next rule listed before a conditional one is only the fallback") {
  auto p = Parse(Replace(kGood,
                         "      - {if: \"volumetric == volumetric\", step: call-isp}\n"
                         "      - {step: block}\n",
                         "      - {step: block}\n"
                         "      - {if: \"volumetric == volumetric\", step: call-isp}\n"));
  REQUIRE(p);
  const auto& triage = p->steps[0].next;
  REQUIRE_FALSE(triage[0].conditional());
  CHECK(ChooseNext(triage, {{"volumetric", "volumetric"}})->step == "call-isp");
  CHECK(ChooseNext(triage, {{"volumetric", "application"}})->step == "block");
}

TEST_CASE("a next condition compares a value's JSON text; a missing value matches only !=") {
  NextRule big, no_ticket;
  big.field = "peak_mbps";
  big.op = "==";
  big.value = "12";
  big.step = "call-isp";
  no_ticket.field = "ticket";
  no_ticket.op = "!=";
  no_ticket.value = "none";
  no_ticket.step = "escalate";
  const std::vector<NextRule> rules = {big, no_ticket};
  CHECK(ChooseNext(rules, {{"peak_mbps", 12}, {"ticket", "none"}})->step == "call-isp");
  CHECK(ChooseNext(rules, {{"peak_mbps", "12"}, {"ticket", "none"}})->step == "call-isp");
  CHECK(ChooseNext(rules, {{"peak_mbps", 13}})->step == "escalate");
  CHECK(ChooseNext(rules, {{"peak_mbps", 13}, {"ticket", nullptr}})->step == "escalate");
  CHECK(ChooseNext(rules, {{"peak_mbps", 13}, {"ticket", "none"}}) == nullptr);
}

TEST_CASE("form input is checked field by field, each problem naming input.<field>") {
  auto p = Parse(kGood);
  REQUIRE(p);
  const auto& form = p->steps[0].form;
  CHECK(FormProblems(form, {{"volumetric", "application"}}, Lang::kEn).empty());
  auto problems = FormProblems(form, {{"volumetric", "big"}, {"colour", "red"}}, Lang::kEn);
  REQUIRE(problems.size() == 2);  // unknown keys first, then the fields in form order
  CHECK(problems[0].code == "unknown_field");
  CHECK(problems[0].field == "input.colour");
  CHECK(problems[0].message == "this step's form has no field \"colour\" (fields: volumetric)");
  CHECK(problems[1].code == "invalid_field");
  CHECK(problems[1].field == "input.volumetric");
  CHECK(problems[1].message == "volumetric must be one of: volumetric, application");
  auto missing = FormProblems(p->steps[1].form, {{"ticket", ""}}, Lang::kVi);
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].code == "missing_field");
  CHECK(missing[0].field == "input.ticket");
  CHECK(missing[0].message == "ticket là bắt buộc ở bước này");
  auto not_object = FormProblems(form, json::array(), Lang::kEn);
  REQUIRE(not_object.size() == 1);
  CHECK(not_object[0].field == "input");
}

TEST_CASE("a number field takes a JSON number: \"12\" as a string is refused") {
  FormField peak, up;
  peak.id = "peak_mbps";
  peak.type = FieldType::kNumber;
  up.id = "up";
  up.type = FieldType::kBool;
  const std::vector<FormField> form = {peak, up};
  CHECK(FormProblems(form, {{"peak_mbps", 12}, {"up", true}}, Lang::kEn).empty());
  CHECK(FormProblems(form, {{"peak_mbps", -9.5}}, Lang::kEn).empty());
  auto text = FormProblems(form, {{"peak_mbps", "12"}, {"up", "true"}}, Lang::kEn);
  REQUIRE(text.size() == 2);
  CHECK(text[0].code == "invalid_field");
  CHECK(text[0].field == "input.peak_mbps");
  CHECK(text[0].message == "peak_mbps must be a number");
  CHECK(text[1].message == "up must be true or false");
  auto vi = FormProblems(form, {{"peak_mbps", "12"}}, Lang::kVi);
  REQUIRE(vi.size() == 1);
  CHECK(vi[0].message == "peak_mbps phải là một số");
}

namespace {
// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("vigil-playbooks-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path / "regime");
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};
}  // namespace

TEST_CASE("a directory loads its regimes and playbooks, and two playbooks may not share an id") {
  TempDir dir("dup");
  dir.Write("regime/test.yaml", kRegime);
  dir.Write("a.yaml", kGood);
  dir.Write("notes.txt", "not a playbook");
  auto lib = LoadLibrary(dir.path.string(), KnownContactPoints());
  INFO((lib ? "" : All(lib.error())));
  REQUIRE(lib);
  CHECK(lib->playbooks.size() == 1);
  CHECK(lib->Find("ddos-test"));
  dir.Write("b.yaml", kGood);
  auto dup = LoadLibrary(dir.path.string(), KnownContactPoints());
  REQUIRE_FALSE(dup);
  REQUIRE(dup.error().size() == 1);
  CHECK(dup.error()[0].message.find("playbook id \"ddos-test\" is already used in") == 0);
}

TEST_CASE("playbooks of a broken regime are not checked, the regime's errors are shown") {
  TempDir dir("broken");
  dir.Write("regime/test.yaml", Replace(kRegime, "after: PT72H", "after: 72h"));
  dir.Write("a.yaml", kGood);
  auto lib = LoadLibrary((dir.path / "a.yaml").string(), KnownContactPoints());
  REQUIRE_FALSE(lib);
  INFO(All(lib.error()));
  REQUIRE(lib.error().size() == 2);
  CHECK(lib.error()[0].line == 9);
  CHECK(lib.error()[0].message.find("\"72h\" is not an ISO-8601 duration") != std::string::npos);
  CHECK(lib.error()[1].message == "not checked: regime \"test-regime\" has errors (see above)");
}

TEST_CASE("the complete example in docs/playbooks.md passes against the shipped regime") {
  const std::string root = VIGIL_SOURCE_DIR;
  std::ifstream in(root + "/docs/playbooks.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto start = doc.find("```yaml\nid: portal-ddos");
  REQUIRE(start != std::string::npos);
  const auto body = start + 8;
  const std::string yaml = doc.substr(body, doc.find("```", body) - body);
  auto cfg = LoadConfigFile(root + "/config/examples/so-gddt.yaml");
  REQUIRE(cfg);
  std::ifstream rin(root + "/playbooks/regime/vn-2026.yaml");
  const std::string rtext((std::istreambuf_iterator<char>(rin)), std::istreambuf_iterator<char>());
  auto regime = ParseRegime(rtext, "vn-2026.yaml");
  REQUIRE(regime);
  auto p = ParsePlaybook(yaml, "docs/playbooks.md", {*regime}, References::FromOnCall(cfg->oncall));
  INFO((p ? "" : All(p.error())));
  REQUIRE(p);
  CHECK(p->steps.size() == 4);
}

TEST_CASE("an empty or plain item where a mapping belongs is reported, not skipped") {
  std::string bad = Replace(kGood, "phases:\n", "phases:\n  -\n");
  bad = Replace(bad, "roles:\n", "roles:\n  - duty_officer\n");
  bad = Replace(bad, "title: {vi: Tấn công từ chối dịch vụ, en: Denial of service}",
                "title: Denial of service");
  auto p = Parse(bad);
  REQUIRE_FALSE(p);
  INFO(All(p.error()));
  CHECK(HasError(p.error(), 3, "title must give both languages: {vi: ..., en: ...}"));
  // yaml-cpp places an empty item at the next token: the line after the lone "-".
  CHECK(HasError(p.error(), 8, "phases[0] is empty"));
  CHECK(HasError(p.error(), 11, "roles[0] must be a mapping"));
  CHECK(p.error().size() == 3);
}

TEST_CASE("a step due after its own anchor and a clock stopped by its start are refused") {
  std::string bad = Replace(kGood, "anchor: triaged, after: PT1H", "anchor: notified, after: PT1H");
  bad = Replace(bad, "due: {anchor: detected, after: P2D, working_days: true}",
                "due: {anchor: detected, after: P2D, working_days: true}\n    stops_at: detected");
  auto p = Parse(bad);
  REQUIRE_FALSE(p);
  INFO(All(p.error()));
  CHECK(HasError(p.error(), 22, "clocks[internal].stops_at \"detected\" is also the anchor it counts from"));
  CHECK(HasError(p.error(), 61, "steps[block].due.anchor \"notified\" is set by this very step"));
  CHECK(p.error().size() == 2);
}
