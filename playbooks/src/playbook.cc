// The playbook model's helpers: look-ups, categories, severities, anchors, and the pure
// functions that work a playbook (due times, next step, form checks).
#include "playbooks/src/playbook.h"

#include <algorithm>
#include <regex>

#include "daemon/common/time_util.h"

namespace vigil::playbooks {

namespace {
template <class T>
const T* FindById(const std::vector<T>& items, std::string_view id) {
  for (const auto& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}
}  // namespace

bool IsCategory(std::string_view s) {
  return std::ranges::find(kCategories, s) != std::end(kCategories);
}

bool IsLifecycleAnchor(std::string_view s) {
  return std::ranges::find(kLifecycleAnchors, s) != std::end(kLifecycleAnchors);
}

int ParseSeverity(std::string_view s) {
  if (s.size() == 2 && s[0] == 'P' && s[1] >= '1' && s[1] <= '4') return s[1] - '0';
  return 0;
}

std::string_view ToString(FieldType t) {
  switch (t) {
    case FieldType::kText: return "text";
    case FieldType::kNumber: return "number";
    case FieldType::kBool: return "bool";
    case FieldType::kChoice: return "choice";
    case FieldType::kDatetime: return "datetime";
  }
  return "text";
}

const Step* Playbook::FindStep(std::string_view id) const { return FindById(steps, id); }
const Role* Playbook::FindRole(std::string_view id) const { return FindById(roles, id); }
const EscalationChain* Playbook::FindEscalation(std::string_view id) const {
  return FindById(escalations, id);
}

bool Playbook::AppliesTo(std::string_view category, int severity) const {
  return severity >= 1 && severity <= min_severity &&
         std::ranges::find(categories, category) != categories.end();
}

std::set<std::string> Playbook::Anchors() const {
  std::set<std::string> out(std::begin(kLifecycleAnchors), std::end(kLifecycleAnchors));
  for (const auto& s : steps) {
    if (!s.sets_anchor.empty()) out.insert(s.sets_anchor);
  }
  return out;
}

const RegimeDeadline* Regime::FindDeadline(std::string_view id) const {
  return FindById(deadlines, id);
}
const ReportForm* Regime::FindReportForm(std::string_view id) const {
  return FindById(report_forms, id);
}

References References::FromOnCall(const OnCallSetup& setup) {
  // A kind the config defines none of (a fresh install on the embedded default config) is
  // left unchecked: the shipped playbooks must load before anyone has configured on-call.
  // Once the config defines any, every reference of that kind must name one of them.
  References r;
  auto ids = [](const auto& items) {
    std::set<std::string> out;
    for (const auto& item : items) out.insert(item.id);
    return out;
  };
  if (!setup.contact_points.empty()) r.contact_points = ids(setup.contact_points);
  if (!setup.people.empty()) r.people = ids(setup.people);
  if (!setup.policies.empty()) r.policies = ids(setup.policies);
  return r;
}

std::string References::Unchecked() const {
  std::string out;
  auto add = [&](bool unchecked, const char* name) {
    if (!unchecked) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  add(!contact_points, "contact_points");
  add(!people, "people");
  add(!policies, "policies");
  return out;
}

const Playbook* Library::Find(std::string_view id) const { return FindById(playbooks, id); }
const Regime* Library::FindRegime(std::string_view id) const { return FindById(regimes, id); }

std::vector<const Playbook*> Library::Matching(std::string_view category, int severity) const {
  std::vector<const Playbook*> out;
  for (const auto& p : playbooks) {
    if (p.AppliesTo(category, severity)) out.push_back(&p);
  }
  std::ranges::stable_sort(out, [](const Playbook* a, const Playbook* b) {
    if (a->categories.size() != b->categories.size()) {
      return a->categories.size() < b->categories.size();
    }
    return a->id < b->id;
  });
  return out;
}

}  // namespace vigil::playbooks

namespace vigil::playbooks {

std::optional<TimeMs> DueOf(const DueRule& rule, const AnchorTimes& anchors,
                            const WorkCalendar& calendar) {
  const auto it = anchors.find(rule.anchor);
  if (it == anchors.end()) return std::nullopt;
  return Due(it->second, rule.after, rule.working_days, calendar);
}

const Step* NextStep(const Playbook& p, const Step& step, const FormValues& values) {
  for (const auto& r : step.next) {
    if (r.conditional()) {
      const auto it = values.find(r.field);
      const bool equal = it != values.end() && it->second == r.value;
      if (equal != (r.op == "==")) continue;
    }
    return r.step == kEndStep ? nullptr : p.FindStep(r.step);
  }
  for (size_t i = 0; i + 1 < p.steps.size(); ++i) {
    if (&p.steps[i] == &step) return &p.steps[i + 1];
  }
  return nullptr;
}

namespace {

bool IsNumber(const std::string& v) {
  static const std::regex kNumber(R"(^-?[0-9]+(\.[0-9]+)?$)");
  return std::regex_match(v, kNumber);
}

// The type problem of one present, non-empty value, or "".
std::string ValueProblem(const FormField& f, const std::string& v, Lang l) {
  switch (f.type) {
    case FieldType::kNumber:
      if (!IsNumber(v)) return Tr(l, " phải là một số", " must be a number");
      break;
    case FieldType::kBool:
      if (v != "true" && v != "false") return Tr(l, " phải là true hoặc false", " must be true or false");
      break;
    case FieldType::kDatetime:
      if (!ParseTimestamp(v)) {
        return Tr(l, " phải là thời điểm RFC 3339 (2027-02-05T10:00:00+07:00)",
                  " must be an RFC 3339 time (2027-02-05T10:00:00+07:00)");
      }
      break;
    case FieldType::kChoice:
      if (std::ranges::none_of(f.choices, [&](const Choice& c) { return c.value == v; })) {
        std::string offered;
        for (const auto& c : f.choices) offered += (offered.empty() ? "" : ", ") + c.value;
        return Tr(l, " phải là một trong: ", " must be one of: ") + offered;
      }
      break;
    case FieldType::kText:
      break;
  }
  return "";
}

}  // namespace

std::vector<std::string> FormProblems(const std::vector<FormField>& fields,
                                      const FormValues& values, Lang l) {
  std::vector<std::string> out;
  for (const auto& f : fields) {
    const auto it = values.find(f.id);
    if (it == values.end() || it->second.empty()) {
      if (f.required) out.push_back(f.id + Tr(l, ": bắt buộc (", ": required (") + f.label.In(l) + ")");
    } else if (std::string p = ValueProblem(f, it->second, l); !p.empty()) {
      out.push_back(f.id + p);
    }
  }
  for (const auto& [key, value] : values) {
    if (std::ranges::none_of(fields, [&](const FormField& f) { return f.id == key; })) {
      out.push_back(key + Tr(l, ": không có trường này", ": no such field"));
    }
  }
  return out;
}

}  // namespace vigil::playbooks
