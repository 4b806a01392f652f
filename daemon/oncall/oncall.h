// On duty: schedules (rotation layers, overrides and swaps), holiday periods and holiday duty
// rosters, and the pure calculators that answer "who is on duty at T, and why".
//
// Precedence for each role at an instant: holiday roster > override > rotation layer.
// Within the layers of one schedule a later layer wins over an earlier one where it has
// someone on duty (PagerDuty's "higher layer" rule). Time zones and RRULEs go through libical.
// Everything here is a value or a pure function of its arguments (`now` included): no I/O,
// no clock, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/common/clock.h"
#include "daemon/common/error.h"

namespace vigil {

inline constexpr const char* kDefaultTimeZone = "Asia/Ho_Chi_Minh";

enum class DutyRole { kDutyOfficer, kDutyLeader, kBackup };
std::string_view ToString(DutyRole r);                  // duty_officer, duty_leader, backup
std::optional<DutyRole> ParseDutyRole(std::string_view s);

// One rotation layer: members take turns, handing off at fixed intervals from `start` or at
// the occurrences of an RRULE whose DTSTART is `start`, in the schedule's time zone.
struct Layer {
  std::string name;
  DutyRole role = DutyRole::kDutyOfficer;
  std::vector<std::string> members;  // person ids, in turn order; never empty once validated
  TimeMs start = 0;                  // the first hand-off (an instant; config writes local time)
  TimeMs shift_length = 0;  // fixed shifts; whole days count calendar days in the time zone
  std::string rrule;        // instead of shift_length: "FREQ=WEEKLY;BYDAY=MO" (libical)
  // On duty only for this long from each hand-off, as wall-clock time in the time zone
  // (e.g. 14h of a 1d rotation handing off at 18:00 = nights to 08:00); nobody from this
  // layer for the rest of the shift, so lower layers show through. 0 = the whole shift.
  TimeMs duty_length = 0;
  int line = 0;             // config line, for error messages
};

enum class OverrideKind { kReplace, kAdd, kRemove };

// A one-off change for [start, end). A swap is a kReplace with requested_by/approved_by set.
struct Override {
  TimeMs start = 0, end = 0;
  OverrideKind kind = OverrideKind::kReplace;
  DutyRole role = DutyRole::kDutyOfficer;
  std::string person;    // who comes on (kReplace, kAdd) or goes off (kRemove)
  std::string replaces;  // kReplace: who is replaced; empty replaces everyone in the role
  std::string requested_by, approved_by, reason;
  int line = 0;
};

struct Schedule {
  std::string id, name, unit;
  std::string time_zone = kDefaultTimeZone;
  std::vector<Layer> layers;
  std::vector<Override> overrides;
  int line = 0;
};

// A named period such as "Nghỉ lễ 30/4–1/5": [start, end). Heightened periods may switch
// routes to a stricter policy.
struct HolidayPeriod {
  std::string name;
  TimeMs start = 0, end = 0;
  bool heightened = false;
  int line = 0;
};

// The paper "lịch trực lễ" as data: explicit shifts for one schedule.
struct RosterShift {
  TimeMs start = 0, end = 0;
  DutyRole role = DutyRole::kDutyOfficer;
  std::string person;
  int line = 0;
};
struct HolidayRoster {
  std::string name;
  std::string schedule;  // the schedule it takes precedence over
  std::vector<RosterShift> shifts;
  int line = 0;
};

// One person on duty, and why.
struct OnDuty {
  std::string schedule;  // the schedule's name (its id when it has no name)
  std::string person;
  DutyRole role = DutyRole::kDutyOfficer;
  std::string source_kind;  // "roster", "override" or "layer"
  std::string source;       // roster name, override reason/"swap", or layer name
  TimeMs from = 0, until = 0;  // the stretch this answer holds for (until: next change,
                               // INT64_MAX when none is due)
};

// Who is on duty for `schedule` at `at`, every role, with reasons. `rosters` are those for
// this schedule (others are ignored). An unknown time zone falls back to kDefaultTimeZone.
std::vector<OnDuty> WhoIsOnDuty(const Schedule& schedule, const std::vector<HolidayRoster>& rosters,
                                TimeMs at);

// Intervals within [from, to) where nobody holds `role` for the schedule.
struct Gap {
  TimeMs start = 0, end = 0;
};
std::vector<Gap> FindGaps(const Schedule& schedule, const std::vector<HolidayRoster>& rosters,
                          DutyRole role, TimeMs from, TimeMs to);

// Every stretch within [from, to) that `person` is on duty in `schedule`, merged where
// consecutive in the same role (for the per-person duty.ics feed); a merged stretch keeps the
// source it began with. Clipped to [from, to).
std::vector<OnDuty> ShiftsOf(const Schedule& schedule, const std::vector<HolidayRoster>& rosters,
                             const std::string& person, TimeMs from, TimeMs to);

// Local wall time in a time zone → instant. "2026-04-30T07:30" or "2026-04-30" (midnight).
// Fails with a readable Error naming the text.
Result<TimeMs> ParseLocalTime(std::string_view text, const std::string& time_zone);
// Instant → "2026-04-30 07:30" in the time zone.
std::string FormatLocalTime(TimeMs t, const std::string& time_zone);
bool IsKnownTimeZone(const std::string& time_zone);
// Whether `rrule` ("FREQ=WEEKLY;BYDAY=MO,TH"; an "RRULE:" prefix is allowed) is a layer hand-off
// rule libical can expand: a valid recurrence no finer than hourly. For config validation; a
// layer whose rule fails this has nobody on duty.
bool IsValidRrule(const std::string& rrule);

// Holiday periods from an iCalendar file's text (VEVENTs: SUMMARY, DTSTART, DTEND; all-day
// events span whole local days). Fails naming the line/event that cannot be read.
Result<std::vector<HolidayPeriod>> ImportHolidaysIcs(std::string_view ics_text,
                                                     const std::string& time_zone);

// A VCALENDAR with one VEVENT per shift, stable UIDs, for phones to subscribe to.
std::string DutyCalendarIcs(const std::string& person_name, const std::vector<OnDuty>& shifts);

}  // namespace vigil
