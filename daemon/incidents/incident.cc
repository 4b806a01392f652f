#include "daemon/incidents/incident.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <set>

#include "daemon/common/time_util.h"
#include "daemon/oncall/oncall.h"

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

std::optional<std::chrono::year_month_day> ParseDate(std::string_view s) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (s.size() != 10 || std::sscanf(std::string(s).c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::string DateText(std::chrono::year_month_day ymd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
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
    case S::kNew: return {S::kAcknowledged, S::kFalsePositive, S::kDuplicate};
    case S::kAcknowledged: return {S::kTriaged, S::kFalsePositive, S::kDuplicate};
    case S::kTriaged: return {S::kContained, S::kFalsePositive, S::kDuplicate};
    case S::kContained: return {S::kRecovered};
    case S::kRecovered: return {S::kReported};
    case S::kReported: return {S::kClosed};
    default: return {};
  }
}

bool CanTransition(IncidentState from, IncidentState to) {
  const auto next = NextStates(from);
  return std::find(next.begin(), next.end(), to) != next.end();
}

std::string AnchorOf(IncidentState s) { return std::string(ToString(s)); }

const std::vector<std::string>& IncidentCategories() {
  static const std::vector<std::string> kCategories = {
      "malware", "ransomware",        "defacement", "ddos",  "phishing", "account_compromise",
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

json ToJson(const PlaybookPlan& p) {
  json steps = json::array();
  for (const auto& s : p.steps) {
    json form = json::array(), next = json::array();
    for (const auto& f : s.form) {
      form.push_back({{"name", f.name}, {"type", f.type}, {"required", f.required},
                      {"choices", f.choices}, {"label_vi", f.label_vi}, {"label_en", f.label_en}});
    }
    for (const auto& n : s.next) {
      next.push_back({{"field", n.field}, {"equals", n.equals}, {"step", n.step}});
    }
    steps.push_back({{"id", s.id}, {"phase", s.phase}, {"role", s.role},
                     {"title_vi", s.title_vi}, {"title_en", s.title_en},
                     {"instructions_vi", s.instructions_vi}, {"instructions_en", s.instructions_en},
                     {"donts_vi", s.donts_vi}, {"donts_en", s.donts_en},
                     {"mandatory", s.mandatory}, {"anchor", s.anchor},
                     {"due_after_ms", s.due_after}, {"working_days", s.working_days},
                     {"form", form}, {"next", next}, {"sets_anchor", s.sets_anchor},
                     {"produces_report", s.produces_report}, {"escalation", s.escalation},
                     {"contact_point", s.contact_point}});
  }
  json chains = json::object();
  for (const auto& [id, levels] : p.chains) {
    json ls = json::array();
    for (const auto& l : levels) ls.push_back({{"after_ms", l.after}, {"targets", l.targets}});
    chains[id] = ls;
  }
  return {{"id", p.id}, {"version", p.version}, {"title_vi", p.title_vi},
          {"title_en", p.title_en}, {"steps", steps}, {"chains", chains},
          {"default_chain", p.default_chain}, {"holidays", p.holidays},
          {"time_zone", p.time_zone}, {"report_forms", p.report_forms}};
}

Result<PlaybookPlan> PlanFromJson(const json& j) {
  if (!j.is_object()) return Fail("invalid_field", "the playbook plan must be an object", "plan");
  PlaybookPlan p;
  p.id = Str(j, "id");
  p.version = Str(j, "version");
  p.title_vi = Str(j, "title_vi");
  p.title_en = Str(j, "title_en");
  p.default_chain = Str(j, "default_chain");
  p.holidays = Strings(j, "holidays");
  if (auto tz = Str(j, "time_zone"); !tz.empty()) p.time_zone = tz;
  if (j.contains("report_forms") && j["report_forms"].is_object()) p.report_forms = j["report_forms"];
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
    st.due_after = s.value("due_after_ms", TimeMs{0});
    st.working_days = s.value("working_days", false);
    st.sets_anchor = Str(s, "sets_anchor");
    st.produces_report = Str(s, "produces_report");
    st.escalation = Str(s, "escalation");
    st.contact_point = Str(s, "contact_point");
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
      st.next.push_back({Str(n, "field"), Str(n, "equals"), Str(n, "step")});
    }
    p.steps.push_back(std::move(st));
  }
  for (const auto& [id, levels] : j.value("chains", json::object()).items()) {
    std::vector<PlanLevel> ls;
    for (const auto& l : levels) ls.push_back({l.value("after_ms", TimeMs{0}), Strings(l, "targets")});
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

TimeMs AddWorkingDays(TimeMs start, int days, const std::vector<std::string>& holidays,
                      const std::string& time_zone) {
  using namespace std::chrono;
  const std::string local = FormatLocalTime(start, time_zone);  // "YYYY-MM-DD HH:MM"
  auto date = ParseDate(std::string_view(local).substr(0, 10));
  if (!date) return start + static_cast<TimeMs>(days) * 86'400'000;
  const std::set<std::string> off(holidays.begin(), holidays.end());
  auto working = [&](sys_days d) {
    const weekday wd{d};
    return wd != Saturday && wd != Sunday && !off.count(DateText(year_month_day{d}));
  };
  sys_days d{*date};
  for (int left = days; left > 0;) {
    d += std::chrono::days(1);
    if (working(d)) --left;
  }
  const std::string hhmm = local.size() >= 16 ? local.substr(11, 5) : "00:00";
  auto at = ParseLocalTime(DateText(year_month_day{d}) + "T" + hhmm, time_zone);
  if (!at) return start + static_cast<TimeMs>(days) * 86'400'000;
  const auto minute_start = ParseLocalTime(local.substr(0, 10) + "T" + hhmm, time_zone);
  return *at + (minute_start ? start - *minute_start : 0);
}

std::optional<TimeMs> DueAt(const PlaybookPlan& plan, const PlanStep& step,
                            const std::map<std::string, TimeMs>& anchors) {
  if (step.due_after <= 0) return std::nullopt;
  auto it = anchors.find(step.anchor);
  if (it == anchors.end()) return std::nullopt;
  if (step.working_days) {
    const int days = static_cast<int>((step.due_after + 86'399'999) / 86'400'000);
    return AddWorkingDays(it->second, days, plan.holidays, plan.time_zone);
  }
  return it->second + step.due_after;
}

Result<void> ValidateForm(const std::vector<FormField>& form, const json& input) {
  if (!input.is_object()) return Fail("invalid_field", "input must be a JSON object", "input");
  for (const auto& [key, value] : input.items()) {
    const bool known = std::any_of(form.begin(), form.end(),
                                   [&](const FormField& f) { return f.name == key; });
    if (!known) {
      std::string names;
      for (const auto& f : form) names += (names.empty() ? "" : ", ") + f.name;
      return Fail("unknown_field",
                  "this step's form has no field \"" + key + "\"" +
                      (names.empty() ? " (it takes no input)" : " (fields: " + names + ")"),
                  "input." + key);
    }
  }
  for (const auto& f : form) {
    const std::string where = "input." + f.name;
    auto it = input.find(f.name);
    if (it == input.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
      if (f.required) return Fail("missing_field", f.name + " is required by this step", where);
      continue;
    }
    const json& v = *it;
    if (f.type == "number" && !v.is_number()) {
      return Fail("invalid_field", f.name + " must be a number", where);
    }
    if (f.type == "bool" && !v.is_boolean()) {
      return Fail("invalid_field", f.name + " must be true or false", where);
    }
    if ((f.type == "text" || f.type == "choice" || f.type == "datetime") && !v.is_string()) {
      return Fail("invalid_field", f.name + " must be a string", where);
    }
    if (f.type == "datetime" && !ParseTimestamp(v.get<std::string>())) {
      return Fail("invalid_field", f.name + " must be an RFC 3339 date-time", where);
    }
    if (f.type == "choice" &&
        std::find(f.choices.begin(), f.choices.end(), v.get<std::string>()) == f.choices.end()) {
      std::string list;
      for (const auto& c : f.choices) list += (list.empty() ? "" : ", ") + c;
      return Fail("invalid_field", f.name + " must be one of: " + list, where);
    }
    if (f.type == "text" && v.get<std::string>().size() > 10'000) {
      return Fail("invalid_field", f.name + " is longer than 10000 bytes", where);
    }
  }
  return {};
}

std::string ChooseNext(const PlanStep& step, const json& input) {
  std::string fallback;
  for (const auto& n : step.next) {
    if (n.field.empty()) {
      fallback = n.step;
      continue;
    }
    auto it = input.find(n.field);
    if (it == input.end()) continue;
    const std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    if (value == n.equals) return n.step;
  }
  return fallback;
}

}  // namespace vigil
