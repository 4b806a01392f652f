#include "daemon/incidents/incident.h"

#include <algorithm>
#include <array>
#include <set>

namespace vigil {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<IncidentState, std::string_view>, 9> kStates = {{
    {IncidentState::kNew, "new"},
    {IncidentState::kAcknowledged, "acknowledged"},
    {IncidentState::kTriaged, "triaged"},
    {IncidentState::kContained, "contained"},
    {IncidentState::kRecovered, "recovered"},
    {IncidentState::kReported, "reported"},
    {IncidentState::kClosed, "closed"},
    {IncidentState::kFalsePositive, "false_positive"},
    {IncidentState::kDuplicate, "duplicate"},
}};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view ToString(IncidentState s) {
  for (const auto& [state, name] : kStates) {
    if (state == s) return name;
  }
  return "new";
}

std::optional<IncidentState> ParseIncidentState(std::string_view s) {
  for (const auto& [state, name] : kStates) {
    if (name == s) return state;
  }
  return std::nullopt;
}

bool IsFinal(IncidentState s) {
  return s == IncidentState::kClosed || s == IncidentState::kFalsePositive ||
         s == IncidentState::kDuplicate;
}

std::vector<IncidentState> NextStates(IncidentState from) {
  using S = IncidentState;
  switch (from) {
    case S::kNew:
      return {S::kAcknowledged, S::kFalsePositive, S::kDuplicate};
    case S::kAcknowledged:
      return {S::kTriaged, S::kFalsePositive, S::kDuplicate};
    case S::kTriaged:
      return {S::kContained, S::kFalsePositive, S::kDuplicate};
    case S::kContained:
      return {S::kRecovered};
    case S::kRecovered:
      return {S::kReported};
    case S::kReported:
      return {S::kClosed};
    default:
      return {};
  }
}

bool CanTransition(IncidentState from, IncidentState to) {
  const auto next = NextStates(from);
  return std::find(next.begin(), next.end(), to) != next.end();
}

std::string AnchorOf(IncidentState s) { return std::string(ToString(s)); }

const std::vector<std::string>& IncidentCategories() {
  static const std::vector<std::string> kCategories = {
      "malware",   "ransomware",        "defacement", "ddos", "phishing", "account_compromise",
      "data_leak", "vuln_exploitation", "other"};
  return kCategories;
}

bool IsIncidentCategory(std::string_view s) {
  const auto& c = IncidentCategories();
  return std::find(c.begin(), c.end(), s) != c.end();
}

std::optional<int> ParsePriority(std::string_view s) {
  if (s.size() == 2 && (s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '4') {
    return s[1] - '0';
  }
  return std::nullopt;
}

std::string PriorityText(int p) { return "P" + std::to_string(p); }

bool IsIncidentSource(std::string_view s) {
  for (const char* k : {"api", "cli", "web", "alert", "phone", "letter"}) {
    if (s == k) return true;
  }
  return false;
}

const PlanStep* PlaybookPlan::Find(std::string_view step_id) const {
  for (const auto& s : steps) {
    if (s.id == step_id) return &s;
  }
  return nullptr;
}

json ToJson(const FormField& f) {
  return {{"name", f.name},       {"type", f.type},         {"required", f.required},
          {"choices", f.choices}, {"label_vi", f.label_vi}, {"label_en", f.label_en}};
}

json ToJson(const PlaybookPlan& p) {
  json steps = json::array();
  for (const auto& s : p.steps) {
    json form = json::array(), next = json::array();
    for (const auto& f : s.form) form.push_back(ToJson(f));
    for (const auto& n : s.next) {
      next.push_back({{"field", n.field}, {"op", n.op}, {"value", n.value}, {"step", n.step}});
    }
    steps.push_back({{"id", s.id},
                     {"phase", s.phase},
                     {"role", s.role},
                     {"title_vi", s.title_vi},
                     {"title_en", s.title_en},
                     {"instructions_vi", s.instructions_vi},
                     {"instructions_en", s.instructions_en},
                     {"donts_vi", s.donts_vi},
                     {"donts_en", s.donts_en},
                     {"mandatory", s.mandatory},
                     {"anchor", s.anchor},
                     {"due_after", s.due_after},
                     {"working_days", s.working_days},
                     {"is_clock", s.is_clock},
                     {"stops_at", s.stops_at},
                     {"form", form},
                     {"next", next},
                     {"sets_anchor", s.sets_anchor},
                     {"produces_report", s.produces_report},
                     {"escalation", s.escalation},
                     {"contact_point", s.contact_point},
                     {"request_vi", s.request_vi},
                     {"request_en", s.request_en}});
  }
  json chains = json::object();
  for (const auto& [id, levels] : p.chains) {
    json ls = json::array();
    for (const auto& l : levels) ls.push_back({{"after_ms", l.after}, {"targets", l.targets}});
    chains[id] = ls;
  }
  return {{"id", p.id},
          {"version", p.version},
          {"title_vi", p.title_vi},
          {"title_en", p.title_en},
          {"steps", steps},
          {"chains", chains},
          {"default_chain", p.default_chain},
          {"regime", p.regime},
          {"regime_version", p.regime_version},
          {"report_forms", p.report_forms}};
}

Result<PlaybookPlan> PlanFromJson(const json& j) {
  if (!j.is_object()) return Fail("invalid_field", "the playbook plan must be an object", "plan");
  PlaybookPlan p;
  p.id = Str(j, "id");
  p.version = Str(j, "version");
  p.title_vi = Str(j, "title_vi");
  p.title_en = Str(j, "title_en");
  p.default_chain = Str(j, "default_chain");
  p.regime = Str(j, "regime");
  p.regime_version = Str(j, "regime_version");
  if (j.contains("report_forms") && j["report_forms"].is_object())
    p.report_forms = j["report_forms"];
  if (p.id.empty()) return Fail("missing_field", "the playbook plan has no id", "plan.id");
  const json steps = j.value("steps", json::array());
  std::set<std::string> ids;
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& s = steps[i];
    const std::string where = "plan.steps[" + std::to_string(i) + "]";
    if (!s.is_object() || Str(s, "id").empty()) {
      return Fail("missing_field", "a playbook step has no id", where + ".id");
    }
    PlanStep st;
    st.id = Str(s, "id");
    if (!ids.insert(st.id).second) {
      return Fail("invalid_field", "step id \"" + st.id + "\" is used twice", where + ".id");
    }
    st.phase = Str(s, "phase");
    st.role = Str(s, "role");
    st.title_vi = Str(s, "title_vi");
    st.title_en = Str(s, "title_en");
    st.instructions_vi = Str(s, "instructions_vi");
    st.instructions_en = Str(s, "instructions_en");
    st.donts_vi = Strings(s, "donts_vi");
    st.donts_en = Strings(s, "donts_en");
    st.mandatory = s.value("mandatory", true);
    if (auto a = Str(s, "anchor"); !a.empty()) st.anchor = a;
    st.due_after = Str(s, "due_after");
    if (!st.due_after.empty() && !playbooks::ParseIsoDuration(st.due_after)) {
      return Fail("invalid_field", "due_after must be an ISO-8601 duration such as PT2H",
                  where + ".due_after");
    }
    st.working_days = s.value("working_days", false);
    st.is_clock = s.value("is_clock", false);
    st.stops_at = Str(s, "stops_at");
    st.sets_anchor = Str(s, "sets_anchor");
    st.produces_report = Str(s, "produces_report");
    st.escalation = Str(s, "escalation");
    st.contact_point = Str(s, "contact_point");
    st.request_vi = Str(s, "request_vi");
    st.request_en = Str(s, "request_en");
    for (const auto& f : s.value("form", json::array())) {
      FormField ff;
      ff.name = Str(f, "name");
      if (auto t = Str(f, "type"); !t.empty()) ff.type = t;
      ff.required = f.value("required", false);
      ff.choices = Strings(f, "choices");
      ff.label_vi = Str(f, "label_vi");
      ff.label_en = Str(f, "label_en");
      st.form.push_back(std::move(ff));
    }
    for (const auto& n : s.value("next", json::array())) {
      NextRule r;
      r.field = Str(n, "field");
      r.op = Str(n, "op");
      if (r.op.empty()) r.op = "==";
      r.value = Str(n, "value");
      r.step = Str(n, "step");
      st.next.push_back(std::move(r));
    }
    p.steps.push_back(std::move(st));
  }
  const json chains = j.value("chains", json::object());  // items() must not outlive it
  for (const auto& [id, levels] : chains.items()) {
    std::vector<PlanLevel> ls;
    for (const auto& l : levels)
      ls.push_back({l.value("after_ms", TimeMs{0}), Strings(l, "targets")});
    p.chains[id] = std::move(ls);
  }
  return p;
}

std::vector<std::string> BranchTargets(const PlaybookPlan& p) {
  std::vector<std::string> out;
  for (const auto& s : p.steps) {
    for (const auto& n : s.next) {
      if (!n.field.empty() && !n.step.empty() &&
          std::find(out.begin(), out.end(), n.step) == out.end()) {
        out.push_back(n.step);
      }
    }
  }
  return out;
}

std::optional<TimeMs> DueAt(const PlanStep& step, const std::map<std::string, TimeMs>& anchors,
                            const playbooks::WorkCalendar& calendar) {
  if (step.due_after.empty()) return std::nullopt;
  auto after = playbooks::ParseIsoDuration(step.due_after);
  if (!after) return std::nullopt;
  playbooks::DueRule rule;
  rule.anchor = step.anchor;
  rule.after = std::move(*after);
  rule.working_days = step.working_days;
  return playbooks::DueOf(rule, anchors, calendar);
}

Result<void> ValidateForm(const std::vector<FormField>& form, const json& input) {
  std::vector<playbooks::FormField> fields;
  for (const auto& f : form) {
    playbooks::FormField field;
    field.id = f.name;
    field.type = playbooks::ParseFieldType(f.type).value_or(playbooks::FieldType::kText);
    field.required = f.required;
    field.label = {f.label_vi, f.label_en};
    for (const auto& c : f.choices) field.choices.push_back({c, {}});
    fields.push_back(std::move(field));
  }
  auto problems = playbooks::FormProblems(fields, input, Lang::kEn);
  if (problems.empty()) return {};
  auto& first = problems.front();
  return Fail(std::move(first.code), std::move(first.message), std::move(first.field));
}

}  // namespace vigil
