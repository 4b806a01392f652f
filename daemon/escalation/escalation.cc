#include "daemon/escalation/escalation.h"

#include <algorithm>

namespace vigil {
namespace {
template <class T>
const T* FindById(const std::vector<T>& items, std::string_view id) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.id == id; });
  return it == items.end() ? nullptr : &*it;
}
}  // namespace

const Contact* Person::FindContact(std::string_view kind) const {
  for (const auto& c : contacts) {
    if (c.kind == kind) return &c;
  }
  return nullptr;
}

std::string Target::Describe() const {
  switch (kind) {
    case Kind::kPerson: return "person:" + ref;
    case Kind::kRole:
      return "role:" + std::string(ToString(role)) + (schedule.empty() ? "" : "@" + schedule);
    case Kind::kSchedule: return "schedule:" + ref;
    case Kind::kContactPoint: return "contact_point:" + ref;
    case Kind::kWebhook: return "webhook";
  }
  return "?";
}

const Person* OnCallSetup::FindPerson(std::string_view id) const { return FindById(people, id); }
const Schedule* OnCallSetup::FindSchedule(std::string_view id) const {
  return FindById(schedules, id);
}
const EscalationPolicy* OnCallSetup::FindPolicy(std::string_view id) const {
  return FindById(policies, id);
}
const ContactPoint* OnCallSetup::FindContactPoint(std::string_view id) const {
  return FindById(contact_points, id);
}

std::vector<HolidayRoster> OnCallSetup::RostersFor(std::string_view schedule_id) const {
  std::vector<HolidayRoster> out;
  for (const auto& r : rosters) {
    if (r.schedule == schedule_id) out.push_back(r);
  }
  return out;
}

const HolidayPeriod* OnCallSetup::HeightenedAt(TimeMs at) const {
  for (const auto& h : holidays) {
    if (h.heightened && h.start <= at && at < h.end) return &h;
  }
  return nullptr;
}

bool OnCallSetup::UnitWithin(std::string_view unit, std::string_view ancestor) const {
  std::string_view u = unit;
  for (size_t hops = 0; !u.empty() && hops <= units.size(); ++hops) {
    if (u == ancestor) return true;
    const Unit* found = FindById(units, u);
    if (!found) return false;
    u = found->parent;
  }
  return false;
}

bool GlobMatch(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi, ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++, mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1, ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

namespace {
bool Matches(const OnCallSetup& setup, const RouteMatch& m, const AlertFacts& a) {
  if (!m.sources.empty() &&
      std::none_of(m.sources.begin(), m.sources.end(),
                   [&](const std::string& g) { return GlobMatch(g, a.source); })) {
    return false;
  }
  if (!m.severities.empty() &&
      std::find(m.severities.begin(), m.severities.end(), a.severity) == m.severities.end()) {
    return false;
  }
  for (const auto& [k, v] : m.labels) {
    auto it = a.labels.find(k);
    if (it == a.labels.end() || it->second != v) return false;
  }
  if (!m.unit.empty()) {
    auto it = a.labels.find("unit");
    if (it == a.labels.end() || !setup.UnitWithin(it->second, m.unit)) return false;
  }
  return true;
}
}  // namespace

const Route* MatchRoute(const OnCallSetup& setup, const AlertFacts& alert) {
  const Route* fallback = nullptr;
  for (const auto& r : setup.routes) {
    if (r.is_default) {
      if (!fallback) fallback = &r;
      continue;
    }
    if (Matches(setup, r.match, alert)) return &r;
  }
  return fallback;
}

const EscalationPolicy* PolicyFor(const OnCallSetup& setup, const Route& route, TimeMs at) {
  if (!route.heightened_policy.empty() && setup.HeightenedAt(at)) {
    if (auto* p = setup.FindPolicy(route.heightened_policy)) return p;
  }
  return setup.FindPolicy(route.policy);
}

namespace {
void AddPerson(std::vector<Recipient>& out, const std::string& person, std::string why) {
  for (const auto& r : out) {
    if (r.person == person) return;
  }
  out.push_back({person, "", "", std::move(why)});
}

void AddOnDuty(const OnCallSetup& setup, std::vector<Recipient>& out, const std::string& sched,
               std::optional<DutyRole> role, TimeMs at) {
  const Schedule* s = setup.FindSchedule(sched);
  if (!s) return;
  for (const auto& d : WhoIsOnDuty(*s, setup.RostersFor(sched), at)) {
    if (role && d.role != *role) continue;
    AddPerson(out, d.person,
              std::string(ToString(d.role)) + "@" + sched + " via " + d.source_kind + " " +
                  d.source);
  }
}
}  // namespace

std::vector<Recipient> ResolveLevel(const OnCallSetup& setup, const EscalationLevel& level,
                                    const std::string& route_schedule, TimeMs at) {
  std::vector<Recipient> out;
  for (const auto& t : level.targets) {
    switch (t.kind) {
      case Target::Kind::kPerson:
        AddPerson(out, t.ref, "person:" + t.ref);
        break;
      case Target::Kind::kRole:
        AddOnDuty(setup, out, t.schedule.empty() ? route_schedule : t.schedule, t.role, at);
        break;
      case Target::Kind::kSchedule:
        AddOnDuty(setup, out, t.ref, std::nullopt, at);
        break;
      case Target::Kind::kContactPoint:
        out.push_back({"", t.ref, "", "contact_point:" + t.ref});
        break;
      case Target::Kind::kWebhook:
        out.push_back({"", "", t.ref, "webhook"});
        break;
    }
  }
  return out;
}

}  // namespace vigil
