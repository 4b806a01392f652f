// Private to vigil::oncall: time zones and RRULE hand-offs over libical, shared by
// schedule.cc, local_time.cc and ics.cc. Not part of the team contract (that is oncall.h).
//
// libical keeps process-wide, unsynchronised caches in its time zone code (the builtin zone
// list, each zone's table of UTC offset changes, which grows on demand). Every call into that
// code goes through LockIcalZones(); Zone does so itself. Do not call
// icaltimezone_free_builtin_timezones() anywhere in the process: Zone holds builtin zones.
#pragma once

#include <libical/ical.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/common/clock.h"

namespace vigil::oncall_internal {

inline constexpr TimeMs kDayMs = 86'400'000;
inline constexpr TimeMs kForever = INT64_MAX;  // "until": no next change
// Instants with a wall time anywhere: years 1 to 9999. Calculators clamp their inputs to it.
inline constexpr TimeMs kFirstInstant = -62'135'596'800'000LL;  // 0001-01-01T00:00:00Z
inline constexpr TimeMs kLastInstant = 253'402'300'799'999LL;   // 9999-12-31T23:59:59.999Z

inline long long FloorDiv(long long a, long long b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
// The milliseconds within the second, 0..999 (wall times are kept to the second).
inline TimeMs MillisOf(TimeMs t) { return t - FloorDiv(t, 1000) * 1000; }

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
long long DaysFromCivil(int y, int m, int d);
void CivilFromDays(long long days, int& y, int& m, int& d);
int DaysInMonth(int y, int m);
// The weekday of a day number: 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday).
inline int WeekdayOf(long long days) {
  return static_cast<int>(days + 4 - 7 * FloorDiv(days + 4, 7));
}

// A wall-clock reading in some zone, to the second.
struct LocalTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  LocalTime PlusDays(long long days) const;
  long long Days() const { return DaysFromCivil(year, month, day); }
  // Wall-clock seconds since 1970-01-01 00:00 of the same clock, and back.
  long long Seconds() const { return ((Days() * 24 + hour) * 60 + minute) * 60 + second; }
  static LocalTime FromSeconds(long long seconds);
  icaltimetype ToIcal() const;  // floating (no zone)
  static LocalTime FromIcal(const icaltimetype& t);
};

// Initialises libical's builtin zone list (UTC included) once, under the lock. Call before
// parsing anything with libical: its parser looks the UTC zone up for "...Z" times, and that
// first look-up fills the list without synchronisation. Cheap after the first call.
void InitIcal();

// Holds the libical time zone lock for its lifetime. Not recursive: Zone's methods take it
// themselves, so do not call them while holding one.
[[nodiscard]] std::unique_lock<std::mutex> LockIcalZones();

// A resolved time zone. Cheap to copy; the icaltimezone is libical's builtin one and lives
// for the whole process. Thread-safe.
class Zone {
 public:
  // The zone named `name` ("Asia/Ho_Chi_Minh", "UTC"), or nullopt when libical (the system
  // zoneinfo's zone.tab) does not know it.
  static std::optional<Zone> Lookup(const std::string& name);
  // Like Lookup, falling back to kDefaultTimeZone (and to UTC if even that is missing).
  static Zone Find(const std::string& name);

  // Local wall time → instant. A time skipped or repeated by a DST change resolves as
  // libical does (to a valid instant near it).
  TimeMs ToInstant(const LocalTime& t) const;
  // Instant → local wall time; milliseconds are dropped.
  LocalTime ToLocal(TimeMs t) const;

  // For calls into libical made while holding LockIcalZones().
  icaltimezone* ical() const { return zone_; }
  const std::string& name() const { return *name_; }

 private:
  Zone(icaltimezone* zone, const std::string* name) : zone_(zone), name_(name) {}
  icaltimezone* zone_;
  const std::string* name_;  // interned; lives for the process
};

// Converts a time read from an iCalendar property: UTC ("Z") as such, a zoned time in its zone,
// floating times and dates (midnight) in `fallback`. Takes the lock itself.
TimeMs IcalToInstant(const icaltimetype& t, const Zone& fallback);

// The hand-offs of an RRULE layer, numbered from 0 (DTSTART, the layer's start, whether or
// not it matches the rule) in ascending order. Immutable once built; thread-safe.
class Handoffs {
 public:
  // A rule that repeats every `period_seconds` of wall-clock time (DAILY and WEEKLY rules
  // without month, year-day, week-number, set-position, COUNT or UNTIL parts, as checked by
  // expanding three periods) keeps one period and computes the rest.
  struct Period {
    std::vector<LocalTime> first;  // wall times of hand-offs 1..m
    long long days = 0;            // the period, a whole number of days
  };

  Handoffs(Zone zone, TimeMs frac, std::vector<TimeMs> at, bool ended,
           std::optional<Period> period);

  // How many hand-offs there are; SIZE_MAX when the rule never ends.
  size_t Count() const;
  // The instant of hand-off n (n < Count(); n < explicit count unless periodic).
  TimeMs At(size_t n) const;
  // The last hand-off at or before `t` (t >= At(0)).
  size_t IndexAt(TimeMs t) const;
  bool periodic() const { return period_.has_value(); }
  bool ended() const { return ended_; }  // explicit hand-offs: the rule has no more

 private:
  Zone zone_;
  TimeMs frac_;             // the start's milliseconds, kept by every hand-off
  std::vector<TimeMs> at_;  // explicit: all of them, or those up to past `through`
  bool ended_;
  std::optional<Period> period_;
};

// Expands `rrule` (an "RRULE:" prefix is allowed) with DTSTART = `start` as local time in
// `zone`. A non-periodic rule is expanded at least to the first hand-off after `through` (or
// to its end). nullptr when libical cannot read the rule or its frequency is finer than hourly.
// Results are memoised process-wide (bounded), so repeated look-ups cost a map probe;
// thread-safe.
std::shared_ptr<const Handoffs> ExpandRrule(const std::string& rrule, TimeMs start,
                                            const Zone& zone, TimeMs through);

}  // namespace vigil::oncall_internal
