// The playbook model's helpers: look-ups, categories, severities, field types, anchors.
#include "playbooks/src/playbook.h"

#include <algorithm>

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

std::optional<FieldType> ParseFieldType(std::string_view s) {
  for (auto t : {FieldType::kText, FieldType::kNumber, FieldType::kBool, FieldType::kChoice,
                 FieldType::kDatetime}) {
    if (ToString(t) == s) return t;
  }
  return std::nullopt;
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
