// Playbook clocks: ISO-8601 durations and due-time arithmetic in calendar days or working days
// (weekends and the holiday calendar skipped), in the on-call time zone (Asia/Ho_Chi_Minh).
// Pure functions of their arguments: no I/O, no clock; thread-safe.
//
// "N working days after T" (docs/playbooks.md, "Working days"):
//   A working day is a local calendar day (00:00–24:00 in the calendar's zone) that is not a
//   Saturday or Sunday (unless it is a make-up working day, ngày làm bù) and whose midday
//   (12:00 local) no holiday period covers. A working-day
//   duration is an amount of working time: P2D = 48 hours, PT8H = 8 hours, counted only while
//   the local clock is inside a working day. So:
//   - T inside a working day: the count starts at T; "2 working days after Friday 10:00" is
//     the next-but-one working day at 10:00 (Tuesday 10:00 when Monday is a working day).
//   - T inside a non-working day (weekend, holiday): the count starts at 00:00 of the next
//     working day; "P1D after Saturday 15:00" is Tuesday 00:00, i.e. the end of Monday.
//   - A count that ends exactly at the end of a working day gives that instant (24:00 of it,
//     shown as 00:00 of the next day), never a later one.
//   Working-day durations use days, hours, minutes and seconds; years, months and weeks are
//   refused (ambiguous).
// Calendar durations: years and months add to the local date (the day clamped to the month's
// length), weeks and days add local calendar days keeping the wall-clock time, then hours,
// minutes and seconds add elapsed time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/common/clock.h"
#include "daemon/common/i18n.h"
#include "daemon/escalation/escalation.h"
#include "daemon/oncall/oncall.h"

namespace vigil::playbooks {

// An ISO-8601 duration "PnYnMnWnDTnHnMnS" (whole numbers, no sign). At least one part.
struct IsoDuration {
  int years = 0, months = 0, weeks = 0, days = 0;
  long long hours = 0, minutes = 0, seconds = 0;
  std::string text;  // as written, for messages and display

  // The duration as elapsed milliseconds when it has no years/months (weeks = 7 days,
  // days = 24 h); nullopt otherwise.
  std::optional<TimeMs> FixedMs() const;
  bool HasYearsOrMonths() const { return years != 0 || months != 0; }
};

// Parses "PT2H", "P2D", "P1DT12H", "P1W", "P1Y2M"; nullopt for anything else (empty parts,
// "P", "PT", a trailing "T", signs, fractions, lower case, out-of-range numbers).
std::optional<IsoDuration> ParseIsoDuration(std::string_view text);

// "2 giờ", "1 ngày 12 giờ" / "2 h", "1 day 12 h": the duration for people to read.
std::string DescribeDuration(const IsoDuration& d, Lang lang);

// Which days are working days: weekends (Saturday and Sunday, but for make-up working days)
// and holiday periods are not. A value; holds copies of the periods. Thread-safe to share
// read-only.
struct WorkCalendar {
  std::string time_zone = kDefaultTimeZone;
  std::vector<HolidayPeriod> holidays;  // from OnCallSetup::holidays (config or .ics import)
  std::vector<long long> makeup_workdays;  // OnCallSetup::makeup_workdays: local day numbers

  // A calendar from the on-call config's zone and holidays.
  static WorkCalendar FromOnCall(const OnCallSetup& setup);
  // Whether the local day containing `t` is a working day.
  bool IsWorkingDay(TimeMs t) const;
};

// The due time `duration` after `anchor_time`. With `working_days`, counts working time as
// defined above (a duration with years, months or weeks is refused: nullopt). Without,
// calendar arithmetic in the calendar's zone. nullopt also when the result would leave years
// 1..9999.
std::optional<TimeMs> Due(TimeMs anchor_time, const IsoDuration& duration, bool working_days,
                          const WorkCalendar& calendar);

}  // namespace vigil::playbooks
