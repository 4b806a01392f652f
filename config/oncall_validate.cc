// Cross-reference checks of the on-call config: unique ids, references that resolve, rosters
// that do not overlap. Each problem names its file:line.
#include <algorithm>
#include <set>

#include "config/section.h"

namespace vigil::config_internal {
namespace {

class Validator {
 public:
  Validator(const OnCallSetup& o, const std::string& file, std::vector<ConfigError>& errors)
      : o_(o), file_(file), errors_(errors) {}

  void Run() {
    Unique(o_.units, "unit");
    Unique(o_.people, "person");
    Unique(o_.contact_points, "contact point");
    Unique(o_.schedules, "schedule");
    Unique(o_.policies, "policy");
    Unique(o_.routes, "route");
    for (const auto& u : o_.units) {
      if (!u.parent.empty()) Unit(u.parent, u.line, "unit " + u.id + " parent");
    }
    for (const auto& p : o_.people) {
      if (!p.unit.empty()) Unit(p.unit, p.line, "person " + p.id + " unit");
    }
    for (const auto& s : o_.schedules) Schedule(s);
    for (const auto& r : o_.rosters) Roster(r);
    for (const auto& p : o_.policies) Policy(p);
    for (const auto& r : o_.routes) Route(r);
    if (std::count_if(o_.routes.begin(), o_.routes.end(),
                      [](const auto& r) { return r.is_default; }) > 1) {
      Err(0, "more than one route is marked default");
    }
  }

 private:
  void Err(int line, std::string msg) { errors_.push_back({file_, line, std::move(msg)}); }

  template <class T>
  void Unique(const std::vector<T>& items, const char* what) {
    std::set<std::string> seen;
    for (const auto& x : items) {
      if (x.id.empty()) Err(x.line, std::string(what) + " needs an id");
      else if (!seen.insert(x.id).second) Err(x.line, std::string(what) + " id " + x.id + " is used twice");
    }
  }

  void Unit(const std::string& id, int line, const std::string& what) {
    if (!std::any_of(o_.units.begin(), o_.units.end(), [&](const auto& u) { return u.id == id; })) {
      Err(line, what + ": unknown unit " + id);
    }
  }
  void Person(const std::string& id, int line, const std::string& what) {
    if (!o_.FindPerson(id)) Err(line, what + ": unknown person " + id);
  }

  void Schedule(const vigil::Schedule& s) {
    if (!s.unit.empty()) Unit(s.unit, s.line, "schedule " + s.id + " unit");
    for (const auto& l : s.layers) {
      for (const auto& m : l.members) Person(m, l.line, "schedule " + s.id + " layer member");
    }
    for (const auto& ov : s.overrides) {
      Person(ov.person, ov.line, "schedule " + s.id + " override");
      if (!ov.replaces.empty()) Person(ov.replaces, ov.line, "schedule " + s.id + " override replaces");
      for (const auto* who : {&ov.requested_by, &ov.approved_by}) {
        if (!who->empty()) Person(*who, ov.line, "schedule " + s.id + " override");
      }
    }
  }

  void Roster(const HolidayRoster& r) {
    if (!o_.FindSchedule(r.schedule)) Err(r.line, "holiday roster " + r.name + ": unknown schedule " + r.schedule);
    for (size_t i = 0; i < r.shifts.size(); ++i) {
      const auto& a = r.shifts[i];
      Person(a.person, a.line, "holiday roster " + r.name);
      for (size_t j = 0; j < i; ++j) {
        const auto& b = r.shifts[j];
        if (a.role == b.role && a.start < b.end && b.start < a.end) {
          Err(a.line, "holiday roster " + r.name + ": this " + std::string(ToString(a.role)) +
                          " shift overlaps the one at line " + std::to_string(b.line));
        }
      }
    }
  }

  void Policy(const EscalationPolicy& p) {
    for (const auto& level : p.levels) {
      for (const auto& t : level.targets) {
        const std::string what = "policy " + p.id + " target";
        if (t.kind == Target::Kind::kPerson) Person(t.ref, level.line, what);
        if (t.kind == Target::Kind::kContactPoint && !o_.FindContactPoint(t.ref)) {
          Err(level.line, what + ": unknown contact point " + t.ref);
        }
        const std::string& sched = t.kind == Target::Kind::kSchedule ? t.ref : t.schedule;
        if (!sched.empty() && !o_.FindSchedule(sched)) {
          Err(level.line, what + ": unknown schedule " + sched);
        }
      }
    }
  }

  void Route(const vigil::Route& r) {
    const std::string what = "route " + r.id;
    for (const auto* id : {&r.policy, &r.heightened_policy}) {
      if (!id->empty() && !o_.FindPolicy(*id)) Err(r.line, what + ": unknown policy " + *id);
    }
    if (!r.schedule.empty() && !o_.FindSchedule(r.schedule)) {
      Err(r.line, what + ": unknown schedule " + r.schedule);
    }
    if (!r.match.unit.empty()) Unit(r.match.unit, r.line, what + " match.unit");
    const auto* policy = o_.FindPolicy(r.policy);
    if (policy && r.schedule.empty()) {
      for (const auto& level : policy->levels) {
        for (const auto& t : level.targets) {
          if (t.kind == Target::Kind::kRole && t.schedule.empty()) {
            return Err(r.line, what + ": policy " + r.policy +
                                   " pages a role, so the route needs a schedule");
          }
        }
      }
    }
  }

  const OnCallSetup& o_;
  const std::string& file_;
  std::vector<ConfigError>& errors_;
};

}  // namespace

void ValidateOnCall(const OnCallSetup& o, const std::string& file,
                    std::vector<ConfigError>& errors) {
  Validator(o, file, errors).Run();
}

}  // namespace vigil::config_internal
