// ISO-8601 durations and due times in calendar or working days (see due.h for the rules).
#include "playbooks/src/due.h"

#include <algorithm>
#include <cctype>

#include "daemon/oncall/zone.h"

namespace vigil::playbooks {

using oncall_internal::DaysInMonth;
using oncall_internal::FloorDiv;
using oncall_internal::kFirstInstant;
using oncall_internal::kLastInstant;
using oncall_internal::LocalTime;
using oncall_internal::MillisOf;
using oncall_internal::Zone;

namespace {

constexpr long long kMaxNumber = 999'999;          // per part: enough for any real deadline
constexpr TimeMs kMaxFixedMs = 200LL * 366 * 86'400'000;  // about 200 years

// Reads digits at text[i...]; false when there are none or too many.
bool ReadNumber(std::string_view text, size_t& i, long long& out) {
  const size_t start = i;
  out = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    out = out * 10 + (text[i] - '0');
    if (out > kMaxNumber) return false;
    ++i;
  }
  return i > start;
}

}  // namespace

std::optional<TimeMs> IsoDuration::FixedMs() const {
  if (HasYearsOrMonths()) return std::nullopt;
  return ((((weeks * 7LL + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
}

std::optional<IsoDuration> ParseIsoDuration(std::string_view text) {
  if (text.size() < 3 || text[0] != 'P') return std::nullopt;
  IsoDuration d;
  d.text = std::string(text);
  size_t i = 1;
  bool in_time = false, any = false, any_time = false;
  const std::string_view date_units = "YMWD", time_units = "HMS";
  size_t last_unit = 0;  // index into the current unit list + 1: units must come in order
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return std::nullopt;
      in_time = true;
      last_unit = 0;
      ++i;
      continue;
    }
    long long n = 0;
    if (!ReadNumber(text, i, n) || i >= text.size()) return std::nullopt;
    const std::string_view units = in_time ? time_units : date_units;
    const size_t u = units.find(text[i]);
    if (u == std::string_view::npos || u + 1 <= last_unit) return std::nullopt;
    last_unit = u + 1;
    ++i;
    any = true;
    if (in_time) {
      any_time = true;
      (u == 0 ? d.hours : u == 1 ? d.minutes : d.seconds) = n;
    } else {
      (u == 0 ? d.years : u == 1 ? d.months : u == 2 ? d.weeks : d.days) = static_cast<int>(n);
    }
  }
  if (!any || (in_time && !any_time)) return std::nullopt;
  const TimeMs fixed = ((((d.weeks * 7LL + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 +
                        d.seconds) * 1000;
  if (fixed > kMaxFixedMs || d.years > 200 || d.months > 2400) return std::nullopt;
  return d;
}

std::string DescribeDuration(const IsoDuration& d, Lang lang) {
  const bool en = lang == Lang::kEn;
  struct Part {
    long long n;
    const char *vi, *one, *many;
  };
  const Part parts[] = {{d.years, "năm", "year", "years"},   {d.months, "tháng", "month", "months"},
                        {d.weeks, "tuần", "week", "weeks"},  {d.days, "ngày", "day", "days"},
                        {d.hours, "giờ", "h", "h"},          {d.minutes, "phút", "min", "min"},
                        {d.seconds, "giây", "s", "s"}};
  std::string out;
  for (const auto& p : parts) {
    if (p.n == 0) continue;
    if (!out.empty()) out += ' ';
    out += std::to_string(p.n) + ' ' + (en ? (p.n == 1 ? p.one : p.many) : p.vi);
  }
  return out.empty() ? (en ? "0 min" : "0 phút") : out;
}

WorkCalendar WorkCalendar::FromOnCall(const OnCallSetup& setup) {
  WorkCalendar c;
  c.time_zone = setup.time_zone;
  c.holidays = setup.holidays;
  c.makeup_workdays = setup.makeup_workdays;
  return c;
}

namespace {

// Whether `day` (its date) is a working day. When a holiday period makes it a day off,
// `*holiday_end` is set to that period's end, so callers can skip the period at once.
bool WorkingLocalDay(const WorkCalendar& c, const Zone& zone, const LocalTime& day,
                     TimeMs* holiday_end = nullptr) {
  const int wd = oncall_internal::WeekdayOf(day.Days());
  if ((wd == 0 || wd == 6) && std::find(c.makeup_workdays.begin(), c.makeup_workdays.end(),
                                        day.Days()) == c.makeup_workdays.end()) {
    return false;  // a weekend day, not one worked to make up for a bridge holiday
  }
  LocalTime noon = day;
  noon.hour = 12;
  noon.minute = noon.second = 0;
  const TimeMs at = zone.ToInstant(noon);
  for (const auto& h : c.holidays) {
    if (h.start <= at && at < h.end) {
      if (holiday_end) *holiday_end = h.end;
      return false;
    }
  }
  return true;
}

LocalTime Midnight(LocalTime t) {
  t.hour = t.minute = t.second = 0;
  return t;
}

std::optional<TimeMs> DueWorking(TimeMs t, TimeMs remaining, const WorkCalendar& c) {
  const Zone zone = Zone::Find(c.time_zone);
  // Bounded: a calendar cannot hold more than this many non-working days in a row.
  for (long long guard = 0; guard < 4'000'000; ++guard) {
    if (t < kFirstInstant || t > kLastInstant) return std::nullopt;
    const LocalTime local = zone.ToLocal(t);
    const TimeMs next_day = zone.ToInstant(Midnight(local.PlusDays(1)));
    TimeMs holiday_end = 0;
    if (WorkingLocalDay(c, zone, local, &holiday_end)) {
      const TimeMs available = next_day - t;
      if (remaining <= available) return t + remaining;
      remaining -= available;
    }
    // Skip a long holiday period in one go: to the start of the day its end falls in (that
    // day is looked at again: the period may still cover its midday).
    const TimeMs skip_to = holiday_end > next_day && holiday_end <= kLastInstant
                               ? zone.ToInstant(Midnight(zone.ToLocal(holiday_end)))
                               : next_day;
    t = std::max(next_day, skip_to);
  }
  return std::nullopt;
}

std::optional<TimeMs> DueCalendar(TimeMs t, const IsoDuration& d, const WorkCalendar& c) {
  if (t < kFirstInstant || t > kLastInstant) return std::nullopt;
  if (d.years || d.months || d.weeks || d.days) {
    const Zone zone = Zone::Find(c.time_zone);
    LocalTime local = zone.ToLocal(t);
    const long long months = (local.year + static_cast<long long>(d.years)) * 12 +
                             (local.month - 1) + d.months;
    local.year = static_cast<int>(FloorDiv(months, 12));
    local.month = static_cast<int>(months - local.year * 12LL) + 1;
    if (local.year > 9999) return std::nullopt;
    local.day = std::min(local.day, DaysInMonth(local.year, local.month));
    local = local.PlusDays(d.weeks * 7LL + d.days);
    if (local.year > 9999) return std::nullopt;
    t = zone.ToInstant(local) + MillisOf(t);
  }
  t += ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
  if (t > kLastInstant) return std::nullopt;
  return t;
}

}  // namespace

bool WorkCalendar::IsWorkingDay(TimeMs t) const {
  const Zone zone = Zone::Find(time_zone);
  return WorkingLocalDay(*this, zone, zone.ToLocal(t));
}

std::optional<TimeMs> Due(TimeMs anchor_time, const IsoDuration& duration, bool working_days,
                          const WorkCalendar& calendar) {
  if (!working_days) return DueCalendar(anchor_time, duration, calendar);
  if (duration.HasYearsOrMonths() || duration.weeks != 0) return std::nullopt;
  return DueWorking(anchor_time, *duration.FixedMs(), calendar);
}

}  // namespace vigil::playbooks
