// The on-call part of the config: organisation, schedules, holidays, rosters, escalation
// policies and routes. Every problem is a ConfigError with its file:line.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/section.h"
#include "daemon/alerts/alert.h"
#include "daemon/oncall/zone.h"

namespace vigil::config_internal {
namespace {

// Reads each item of a list section with `read`, which gets a Section for the item.
template <class Fn>
void EachItem(Section& root, const char* key, Fn read) {
  auto list = root.Take(key);
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) return root.Error(list, std::string(key) + " must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    Section item(list[i], root.Path(key) + "[" + std::to_string(i) + "]", root.file(),
                 root.errors());
    if (!item.IsMap()) continue;
    read(item);
    item.RejectUnknown();
  }
}

class Reader {
 public:
  Reader(Section& root, Config& cfg) : root_(root), cfg_(cfg), o_(cfg.oncall) {}
  void Read();

 private:
  void Err(int line, std::string msg) { root_.errors().push_back({root_.file(), line, msg}); }
  TimeMs Local(Section& s, const char* key, const std::string& tz, bool required);
  // Sets `out` from the role text read at `key`, or reports the line.
  void Role(Section& s, const std::string& text, DutyRole& out);
  void ReadPerson(Section& s);
  void ReadSchedule(Section& s);
  void ReadLayer(Section& s, Schedule& sched);
  void ReadOverride(Section& s, Schedule& sched);
  void ReadHoliday(Section& s);
  void ReadCalendars();
  void ReadMakeupWorkdays();
  void ReadRoster(Section& s);
  void ReadPolicy(Section& s);
  void ReadTarget(Section& s, EscalationLevel& level);
  void ReadRoute(Section& s);

  Section& root_;
  Config& cfg_;
  OnCallSetup& o_;
};

TimeMs Reader::Local(Section& s, const char* key, const std::string& tz, bool required) {
  std::string text;
  s.Str(key, text);
  if (text.empty()) {
    if (required) Err(s.Line(), s.Path(key) + " is required");
    return 0;
  }
  auto t = ParseLocalTime(text, tz);
  if (!t) {
    Err(s.Line(key), s.Path(key) + ": " + t.error().message);
    return 0;
  }
  return *t;
}

void Reader::Role(Section& s, const std::string& text, DutyRole& out) {
  if (auto r = ParseDutyRole(text)) {
    out = *r;
  } else {
    Err(s.Line("role"), s.Path("role") + " must be duty_officer, duty_leader or backup");
  }
}

void Reader::ReadPerson(Section& s) {
  Person p;
  p.line = s.Line();
  s.Str("id", p.id);
  s.Str("name", p.name);
  s.Str("unit", p.unit);
  s.StrList("roles", p.roles);
  std::map<std::string, std::string> contacts;
  s.StrMap("contacts", contacts);
  p.contacts.push_back({"console", p.id});  // everyone can be paged on a console
  static const std::set<std::string> kKinds = {"email", "sms", "telegram", "webhook"};
  for (const auto& [kind, address] : contacts) {
    if (!kKinds.count(kind)) {
      Err(s.Line("contacts"), s.Path("contacts") + "." + kind +
                                  ": unknown contact kind (email, sms, telegram, webhook)");
    } else {
      p.contacts.push_back({kind, address});
    }
  }
  EachItem(s, "notify", [&](Section& r) {
    NotificationRule rule;
    r.Str("via", rule.via);
    r.Duration("after", rule.after);
    if (!p.FindContact(rule.via)) {
      Err(r.Line(), r.Path("via") + ": " + p.id + " has no " + rule.via + " contact");
    }
    p.notify.push_back(rule);
  });
  if (p.notify.empty()) p.notify.push_back({"console", 0});
  o_.people.push_back(std::move(p));
}

void Reader::ReadLayer(Section& s, Schedule& sched) {
  Layer l;
  l.line = s.Line();
  s.Str("name", l.name);
  std::string role = "duty_officer";
  s.Str("role", role);
  Role(s, role, l.role);
  s.StrList("members", l.members);
  if (l.members.empty()) Err(l.line, s.Path("members") + " needs at least one person");
  l.start = Local(s, "start", sched.time_zone, true);
  s.Duration("shift", l.shift_length);
  s.Str("rrule", l.rrule);
  s.Duration("duty_length", l.duty_length);
  if ((l.shift_length > 0) == !l.rrule.empty()) {
    Err(l.line, s.path() + " needs exactly one of shift (e.g. 1w) or rrule");
  } else if (!l.rrule.empty() && !IsValidRrule(l.rrule)) {
    Err(s.Line("rrule"), s.Path("rrule") + ": not a valid RRULE (e.g. FREQ=WEEKLY;BYDAY=MO)");
  }
  sched.layers.push_back(std::move(l));
}

void Reader::ReadOverride(Section& s, Schedule& sched) {
  Override ov;
  ov.line = s.Line();
  std::string kind = "replace", role = "duty_officer";
  s.Str("kind", kind);
  s.Str("role", role);
  if (kind == "replace") ov.kind = OverrideKind::kReplace;
  else if (kind == "add") ov.kind = OverrideKind::kAdd;
  else if (kind == "remove") ov.kind = OverrideKind::kRemove;
  else Err(s.Line("kind"), s.Path("kind") + " must be replace, add or remove");
  Role(s, role, ov.role);
  ov.start = Local(s, "start", sched.time_zone, true);
  ov.end = Local(s, "end", sched.time_zone, true);
  s.Str("person", ov.person);
  s.Str("replaces", ov.replaces);
  s.Str("requested_by", ov.requested_by);
  s.Str("approved_by", ov.approved_by);
  s.Str("reason", ov.reason);
  if (ov.end <= ov.start) Err(ov.line, s.Path("end") + " must be after start");
  sched.overrides.push_back(std::move(ov));
}

void Reader::ReadSchedule(Section& s) {
  Schedule sched;
  sched.line = s.Line();
  sched.time_zone = cfg_.time_zone;
  s.Str("id", sched.id);
  s.Str("name", sched.name);
  s.Str("unit", sched.unit);
  s.Str("time_zone", sched.time_zone);
  if (!IsKnownTimeZone(sched.time_zone)) {
    Err(s.Line("time_zone"), s.Path("time_zone") + ": unknown time zone " + sched.time_zone);
    sched.time_zone = kDefaultTimeZone;
  }
  EachItem(s, "layers", [&](Section& l) { ReadLayer(l, sched); });
  EachItem(s, "overrides", [&](Section& ov) { ReadOverride(ov, sched); });
  if (sched.layers.empty()) Err(sched.line, s.Path("layers") + " needs at least one layer");
  o_.schedules.push_back(std::move(sched));
}

void Reader::ReadHoliday(Section& s) {
  HolidayPeriod h;
  h.line = s.Line();
  s.Str("name", h.name);
  s.Bool("heightened", h.heightened);
  // Either whole days "from"/"to" (both inclusive) or instants "start"/"end" (end exclusive).
  if (s.node()["from"]) {
    h.start = Local(s, "from", cfg_.time_zone, true);
    h.end = Local(s, "to", cfg_.time_zone, true) + 86'400'000;
  } else {
    h.start = Local(s, "start", cfg_.time_zone, true);
    h.end = Local(s, "end", cfg_.time_zone, true);
  }
  if (h.end <= h.start) Err(h.line, s.path() + " ends before it starts");
  o_.holidays.push_back(std::move(h));
}

void Reader::ReadCalendars() {
  std::vector<std::string> files;
  root_.StrList("holiday_calendars", files);
  const auto base = std::filesystem::path(cfg_.source).parent_path();
  for (const auto& f : files) {
    const auto path = std::filesystem::path(f).is_absolute() ? std::filesystem::path(f) : base / f;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto periods = in ? ImportHolidaysIcs(text.str(), cfg_.time_zone)
                      : Result<std::vector<HolidayPeriod>>(std::unexpected(
                            Error{"io_error", "cannot read the file", "", 400}));
    if (!periods) {
      Err(root_.Line("holiday_calendars"),
          "holiday_calendars: " + path.string() + ": " + periods.error().message);
      continue;
    }
    for (auto& p : *periods) o_.holidays.push_back(std::move(p));
  }
}

// makeup_workdays: ["2026-05-09", ...], the Saturdays and Sundays worked to make up for a
// bridge holiday (ngày làm bù). A weekday is refused: it is a working day already, so it is
// most likely a wrong date.
void Reader::ReadMakeupWorkdays() {
  const int line = root_.Line("makeup_workdays");
  std::vector<std::string> dates;
  root_.StrList("makeup_workdays", dates);
  for (size_t i = 0; i < dates.size(); ++i) {
    const std::string where = "makeup_workdays[" + std::to_string(i) + "]";
    const std::string& text = dates[i];
    int y = 0, m = 0, d = 0;
    char rest = 0;
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &rest) != 3 ||
        !ParseLocalTime(text, cfg_.time_zone)) {
      Err(line, where + ": \"" + text + "\" is not a date YYYY-MM-DD");
      continue;
    }
    const long long days = oncall_internal::DaysFromCivil(y, m, d);
    const int weekday = oncall_internal::WeekdayOf(days);  // 0 = Sunday
    if (weekday != 0 && weekday != 6) {
      Err(line, where + ": " + text +
                    " is a weekday, a working day already; list only the Saturdays and Sundays "
                    "worked to make up for a bridge holiday");
      continue;
    }
    o_.makeup_workdays.push_back(days);
  }
}

void Reader::ReadRoster(Section& s) {
  HolidayRoster r;
  r.line = s.Line();
  s.Str("name", r.name);
  s.Str("schedule", r.schedule);
  const Schedule* sched = o_.FindSchedule(r.schedule);
  const std::string tz = sched ? sched->time_zone : cfg_.time_zone;
  EachItem(s, "shifts", [&](Section& sh) {
    const TimeMs start = Local(sh, "start", tz, true), end = Local(sh, "end", tz, true);
    if (end <= start) Err(sh.Line(), sh.Path("end") + " must be after start");
    bool any = false;
    for (const char* role : {"duty_officer", "duty_leader", "backup"}) {
      std::vector<std::string> people;
      sh.StrList(role, people);
      for (auto& p : people) {
        r.shifts.push_back({start, end, *ParseDutyRole(role), std::move(p), sh.Line()});
        any = true;
      }
    }
    if (!any) Err(sh.Line(), sh.path() + " names nobody (duty_officer, duty_leader, backup)");
  });
  o_.rosters.push_back(std::move(r));
}

void Reader::ReadTarget(Section& t, EscalationLevel& level) {
  Target target;
  std::string role;
  t.Str("role", role);
  t.Str("schedule", target.schedule);
  std::string person, contact_point, webhook;
  t.Str("person", person);
  t.Str("contact_point", contact_point);
  t.Str("webhook", webhook);
  const int kinds = !role.empty() + !person.empty() + !contact_point.empty() + !webhook.empty();
  if (!role.empty()) {
    target.kind = Target::Kind::kRole;
    Role(t, role, target.role);
  } else if (!person.empty()) {
    target = {Target::Kind::kPerson, person};
  } else if (!contact_point.empty()) {
    target = {Target::Kind::kContactPoint, contact_point};
  } else if (!webhook.empty()) {
    target = {Target::Kind::kWebhook, webhook};
  } else if (!target.schedule.empty()) {
    target = {Target::Kind::kSchedule, target.schedule};
  }
  if (kinds > 1 || (kinds == 0 && target.schedule.empty())) {
    Err(t.Line(), t.path() +
                      " needs exactly one of role, person, schedule, contact_point or webhook");
  }
  level.targets.push_back(std::move(target));
}

void Reader::ReadPolicy(Section& s) {
  EscalationPolicy p;
  p.line = s.Line();
  s.Str("id", p.id);
  s.Str("name", p.name);
  s.Int("repeat", p.repeat, 0, 100);
  s.Duration("ack_timeout", p.ack_timeout);
  EachItem(s, "levels", [&](Section& l) {
    EscalationLevel level;
    level.line = l.Line();
    l.Duration("timeout", level.timeout);
    if (level.timeout <= 0) Err(level.line, l.path() + ".timeout is required (e.g. 5m)");
    EachItem(l, "targets", [&](Section& t) { ReadTarget(t, level); });
    if (level.targets.empty()) Err(level.line, l.path() + " pages nobody: add targets");
    p.levels.push_back(std::move(level));
  });
  if (p.levels.empty()) Err(p.line, "policy " + p.id + " has no levels");
  o_.policies.push_back(std::move(p));
}

void Reader::ReadRoute(Section& s) {
  Route r;
  r.line = s.Line();
  s.Str("id", r.id);
  s.Bool("default", r.is_default);
  s.Str("schedule", r.schedule);
  s.Str("policy", r.policy);
  s.Str("heightened_policy", r.heightened_policy);
  Section m(s.Take("match"), s.Path("match"), root_.file(), root_.errors());
  if (m.IsMap()) {
    m.StrList("source", r.match.sources);
    m.StrList("severity", r.match.severities);
    m.StrMap("labels", r.match.labels);
    m.Str("unit", r.match.unit);
    m.RejectUnknown();
  }
  for (const auto& sev : r.match.severities) {
    if (!ParseSeverity(sev)) {
      Err(r.line, s.Path("match.severity") + ": " + sev +
                      " is not critical, error, warning or info");
    }
  }
  if (r.policy.empty()) Err(r.line, s.Path("policy") + " is required");
  o_.routes.push_back(std::move(r));
}

void Reader::Read() {
  root_.Str("time_zone", cfg_.time_zone);
  if (!IsKnownTimeZone(cfg_.time_zone)) {
    Err(root_.Line("time_zone"), "time_zone: unknown time zone " + cfg_.time_zone);
    cfg_.time_zone = kDefaultTimeZone;
  }
  o_.time_zone = cfg_.time_zone;
  EachItem(root_, "units", [&](Section& s) {
    Unit u;
    u.line = s.Line();
    s.Str("id", u.id);
    s.Str("name", u.name);
    s.Str("parent", u.parent);
    o_.units.push_back(std::move(u));
  });
  EachItem(root_, "people", [&](Section& s) { ReadPerson(s); });
  EachItem(root_, "contact_points", [&](Section& s) {
    ContactPoint c;
    c.line = s.Line();
    for (auto [key, out] : {std::pair{"id", &c.id}, {"name", &c.name}, {"phone", &c.phone},
                            {"email", &c.email}, {"notes", &c.notes}}) {
      s.Str(key, *out);
    }
    o_.contact_points.push_back(std::move(c));
  });
  EachItem(root_, "schedules", [&](Section& s) { ReadSchedule(s); });
  EachItem(root_, "holidays", [&](Section& s) { ReadHoliday(s); });
  ReadCalendars();
  ReadMakeupWorkdays();
  EachItem(root_, "holiday_rosters", [&](Section& s) { ReadRoster(s); });
  EachItem(root_, "policies", [&](Section& s) { ReadPolicy(s); });
  EachItem(root_, "routes", [&](Section& s) { ReadRoute(s); });
  Section checkin(root_.Take("checkin"), "checkin", root_.file(), root_.errors());
  if (checkin.IsMap()) {
    checkin.Duration("within", o_.checkin_within);
    checkin.RejectUnknown();
  }
}

}  // namespace

void ReadOnCall(Section& root, Config& cfg) {
  Reader(root, cfg).Read();
  ValidateOnCall(cfg.oncall, root.file(), root.errors());
}

}  // namespace vigil::config_internal
