#include "daemon/http/oncall_views.h"

#include <cstdint>
#include <limits>

#include "daemon/common/time_util.h"

namespace vigil {
namespace {

using nlohmann::json;

// Whole minutes as an integer, anything finer as a fraction ("after: 90s" is 1.5).
json Minutes(TimeMs ms) {
  if (ms % 60'000 == 0) return ms / 60'000;
  return static_cast<double>(ms) / 60'000.0;
}

json Opt(const std::optional<TimeMs>& t) { return t ? json(FormatTimestamp(*t)) : json(); }

std::string PersonName(const OnCallSetup& setup, const std::string& id) {
  const Person* p = setup.FindPerson(id);
  return p && !p->name.empty() ? p->name : id;
}

std::string_view TargetKind(Target::Kind k) {
  switch (k) {
    case Target::Kind::kPerson:
      return "person";
    case Target::Kind::kRole:
      return "role";
    case Target::Kind::kSchedule:
      return "schedule";
    case Target::Kind::kContactPoint:
      return "contact_point";
    case Target::Kind::kWebhook:
      return "webhook";
  }
  return "role";
}

json TargetView(const Target& t) {
  json j = {{"kind", TargetKind(t.kind)}, {"describe", t.Describe()}};
  if (t.kind == Target::Kind::kRole) {
    j["role"] = ToString(t.role);
    j["schedule"] = t.schedule.empty() ? json() : json(t.schedule);
  } else {
    j["ref"] = t.ref;
  }
  return j;
}

}  // namespace

json TimeOrNull(TimeMs t) {
  if (t == std::numeric_limits<TimeMs>::max() || t == std::numeric_limits<TimeMs>::min()) {
    return json();
  }
  return FormatTimestamp(t);
}

json HolidayAt(const OnCallSetup& setup, TimeMs at) {
  const HolidayPeriod* found = setup.HeightenedAt(at);
  for (const auto& h : setup.holidays) {
    if (found) break;
    if (h.start <= at && at < h.end) found = &h;
  }
  if (!found) return json();
  return {{"name", found->name},
          {"heightened", found->heightened},
          {"start", FormatTimestamp(found->start)},
          {"end", FormatTimestamp(found->end)}};
}

json ScheduleOnDutyView(const OnCallSetup& setup, const Schedule& s, TimeMs at) {
  json on = json::array();
  for (const auto& d : WhoIsOnDuty(s, setup.RostersFor(s.id), at)) {
    on.push_back({{"role", ToString(d.role)},
                  {"person", {{"id", d.person}, {"name", PersonName(setup, d.person)}}},
                  {"source_kind", d.source_kind},
                  {"source", d.source},
                  {"from", TimeOrNull(d.from)},
                  {"until", TimeOrNull(d.until)}});
  }
  return {{"id", s.id},
          {"name", s.name},
          {"unit", s.unit},
          {"time_zone", s.time_zone},
          {"on_duty", on}};
}

json PersonView(const Person& p) {
  json contacts = json::array(), notify = json::array();
  for (const auto& c : p.contacts) contacts.push_back({{"kind", c.kind}, {"address", c.address}});
  for (const auto& n : p.notify) {
    notify.push_back({{"via", n.via}, {"after_minutes", Minutes(n.after)}});
  }
  return {{"id", p.id},       {"name", p.name},       {"unit", p.unit},
          {"roles", p.roles}, {"contacts", contacts}, {"notify", notify}};
}

json UnitView(const Unit& u) {
  return {{"id", u.id}, {"name", u.name}, {"parent", u.parent.empty() ? json() : json(u.parent)}};
}

json ContactPointView(const ContactPoint& c) {
  return {
      {"id", c.id}, {"name", c.name}, {"phone", c.phone}, {"email", c.email}, {"notes", c.notes}};
}

json PolicyView(const EscalationPolicy& p) {
  json levels = json::array();
  for (const auto& l : p.levels) {
    json targets = json::array();
    for (const auto& t : l.targets) targets.push_back(TargetView(t));
    levels.push_back({{"timeout_minutes", Minutes(l.timeout)}, {"targets", targets}});
  }
  return {{"id", p.id},
          {"name", p.name},
          {"levels", levels},
          {"repeat", p.repeat},
          {"ack_timeout_minutes", p.ack_timeout > 0 ? Minutes(p.ack_timeout) : json()}};
}

json RouteView(const Route& r) {
  auto opt = [](const std::string& s) { return s.empty() ? json() : json(s); };
  return {{"id", r.id},
          {"default", r.is_default},
          {"match",
           {{"sources", r.match.sources},
            {"severities", r.match.severities},
            {"labels", r.match.labels},
            {"unit", opt(r.match.unit)}}},
          {"schedule", opt(r.schedule)},
          {"policy", r.policy},
          {"heightened_policy", opt(r.heightened_policy)}};
}

json CheckinView(const OnCallSetup& setup, const CheckinRow& r) {
  const char* state = r.checked_in_at ? "checked_in" : r.missed_at ? "missed" : "pending";
  return {{"schedule", r.schedule},
          {"person", r.person},
          {"person_name", PersonName(setup, r.person)},
          {"shift_start", FormatTimestamp(r.shift_start)},
          {"shift_end", FormatTimestamp(r.shift_end)},
          {"state", state},
          {"checked_in_at", Opt(r.checked_in_at)},
          {"checked_in_via", r.checked_in_via.empty() ? json() : json(r.checked_in_via)},
          {"missed_at", Opt(r.missed_at)}};
}

}  // namespace vigil
