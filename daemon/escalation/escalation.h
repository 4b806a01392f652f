// The organisation (units, people, external contact points), escalation policies and routes,
// and the pure functions that pick a route for an alert and expand a policy level into the
// people and contact points to page at `now`.
//
// All of it is parsed from config, validated, then immutable; shared read-only between the
// engine and HTTP threads. Functions are pure and thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/common/clock.h"
#include "daemon/oncall/oncall.h"

namespace vigil {

struct Unit {
  std::string id, name, parent;  // parent empty at the top (the Department)
  int line = 0;
};

// How a person is reached: kind is console, email, sms, telegram or webhook.
struct Contact {
  std::string kind;
  std::string address;  // the person's id for console; e-mail, phone, chat id or URL otherwise
};

// "console at 0 min, SMS at 2 min": each rule pages one contact kind after a delay.
struct NotificationRule {
  std::string via;  // a contact kind the person has
  TimeMs after = 0;
};

struct Person {
  std::string id, name, unit;
  std::vector<std::string> roles;  // informational: duty_officer, duty_leader, coordinator...
  std::vector<Contact> contacts;
  std::vector<NotificationRule> notify;  // defaults to console at 0 min
  int line = 0;
  const Contact* FindContact(std::string_view kind) const;
};

// An outside party (ISP NOC, provincial incident response team, vendor), not a user account.
struct ContactPoint {
  std::string id, name, phone, email, notes;
  int line = 0;
};

// Whom one level pages.
struct Target {
  enum class Kind { kPerson, kRole, kSchedule, kContactPoint, kWebhook };
  Kind kind = Kind::kRole;
  std::string ref;       // person id, schedule id, contact point id or webhook URL
  DutyRole role = DutyRole::kDutyOfficer;  // kRole
  std::string schedule;  // kRole: which schedule; empty means the route's
  std::string Describe() const;  // "role:duty_officer", "contact_point:vnpt-noc", ...
};

struct EscalationLevel {
  TimeMs timeout = 0;  // no acknowledgement by then: the next level
  std::vector<Target> targets;
  int line = 0;
};

struct EscalationPolicy {
  std::string id, name;
  std::vector<EscalationLevel> levels;  // never empty once validated
  int repeat = 0;          // extra passes over all levels after the last one
  TimeMs ack_timeout = 0;  // acknowledged but unresolved this long: page again (0: never)
  int line = 0;
};

// Which alerts a route takes. Empty fields match everything.
struct RouteMatch {
  std::vector<std::string> sources;     // globs: "portal*", "*.sgd.edu.vn"
  std::vector<std::string> severities;  // critical, error, warning, info
  std::map<std::string, std::string> labels;  // exact values
  std::string unit;  // the alert's "unit" label equals this unit or one below it
};

struct Route {
  std::string id;
  RouteMatch match;
  bool is_default = false;
  std::string schedule;           // whose duty roles the policy's role targets mean
  std::string policy;
  std::string heightened_policy;  // used instead during a heightened holiday period
  int line = 0;
};

// Everything on-call: parsed from config, validated, then read-only.
struct OnCallSetup {
  std::vector<Unit> units;
  std::vector<Person> people;
  std::vector<ContactPoint> contact_points;
  std::vector<Schedule> schedules;
  std::vector<HolidayPeriod> holidays;
  // Saturdays and Sundays worked to make up for a bridge holiday (ngày làm bù), as local
  // day numbers (LocalTime::Days()): working days for playbook deadlines.
  std::vector<long long> makeup_workdays;
  std::vector<HolidayRoster> rosters;
  std::vector<EscalationPolicy> policies;
  std::vector<Route> routes;
  TimeMs checkin_within = 15 * 60'000;  // a holiday shift's duty officer confirms within this
  std::string time_zone = kDefaultTimeZone;  // how local times are read and shown

  const Person* FindPerson(std::string_view id) const;
  const Schedule* FindSchedule(std::string_view id) const;
  const EscalationPolicy* FindPolicy(std::string_view id) const;
  const ContactPoint* FindContactPoint(std::string_view id) const;
  std::vector<HolidayRoster> RostersFor(std::string_view schedule_id) const;
  // The heightened holiday period covering `at`, if any.
  const HolidayPeriod* HeightenedAt(TimeMs at) const;
  // True when `unit` is `ancestor` or lies below it.
  bool UnitWithin(std::string_view unit, std::string_view ancestor) const;
};

// The current on-call setup, replaced whole when the config is reloaded. Readers keep the
// snapshot they got for as long as they need it. Thread-safe.
class SetupHolder {
 public:
  SetupHolder() : setup_(std::make_shared<const OnCallSetup>()) {}
  std::shared_ptr<const OnCallSetup> Get() const {
    std::lock_guard lock(mu_);
    return setup_;
  }
  void Set(std::shared_ptr<const OnCallSetup> setup) {
    std::lock_guard lock(mu_);
    setup_ = std::move(setup);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const OnCallSetup> setup_;
};

// What routing looks at in an alert.
struct AlertFacts {
  std::string source;
  std::string severity;
  std::map<std::string, std::string> labels;  // "unit" selects the unit
};

// The first route whose match holds, else the default route, else none.
const Route* MatchRoute(const OnCallSetup& setup, const AlertFacts& alert);

// The policy a route uses at `at` (its heightened policy during a heightened period).
const EscalationPolicy* PolicyFor(const OnCallSetup& setup, const Route& route, TimeMs at);

// One recipient of a level: a person (with why) or an external contact point.
struct Recipient {
  std::string person;         // set for people
  std::string contact_point;  // set for contact points
  std::string webhook;        // set for webhook targets
  std::string why;            // "role:duty_officer via layer Tuần", "person:an", ...
};

// Expands a level's targets at `at`: people on duty by role or schedule, named people,
// contact points and webhooks; each person at most once.
std::vector<Recipient> ResolveLevel(const OnCallSetup& setup, const EscalationLevel& level,
                                    const std::string& route_schedule, TimeMs at);

// Shell-style glob with * and ? (no brackets), as used in route source matching.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace vigil
