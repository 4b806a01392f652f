// The playbook model's small helpers: look-ups, categories, severities, anchors.
#include <algorithm>

#include "playbooks/src/playbook.h"

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
  References r;
  r.contact_points.emplace();
  r.people.emplace();
  r.policies.emplace();
  for (const auto& c : setup.contact_points) r.contact_points->insert(c.id);
  for (const auto& p : setup.people) r.people->insert(p.id);
  for (const auto& p : setup.policies) r.policies->insert(p.id);
  return r;
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
