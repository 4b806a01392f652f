// iCalendar through libical: RRULE hand-offs for rotation layers (memoised), holiday import
// and the per-person duty calendar.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <unordered_map>

#include "daemon/oncall/oncall.h"
#include "daemon/oncall/zone.h"

namespace vigil {
namespace oncall_internal {
namespace {

struct ComponentFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using ComponentPtr = std::unique_ptr<icalcomponent, ComponentFree>;

std::string StripRrulePrefix(const std::string& rrule) {
  if (rrule.size() >= 6 && strncasecmp(rrule.c_str(), "RRULE:", 6) == 0) return rrule.substr(6);
  return rrule;
}

// Parses an RRULE the way the layers use it: a known frequency no finer than hourly, that
// libical's iterator accepts.
std::optional<icalrecurrencetype> ReadRule(const std::string& rrule) {
  InitIcal();
  icalerror_clear_errno();
  const std::string text = StripRrulePrefix(rrule);
  icalrecurrencetype r = icalrecurrencetype_from_string(text.c_str());
  bool ok = !text.empty() && icalerrno == ICAL_NO_ERROR && r.freq != ICAL_NO_RECURRENCE &&
            r.freq != ICAL_SECONDLY_RECURRENCE && r.freq != ICAL_MINUTELY_RECURRENCE;
  if (ok) {
    const LocalTime monday{2026, 1, 5, 8, 0, 0};
    icalrecur_iterator* it = icalrecur_iterator_new(r, monday.ToIcal());
    ok = it != nullptr;
    if (it) icalrecur_iterator_free(it);
  }
  icalerror_clear_errno();
  if (!ok) return std::nullopt;
  return r;
}

constexpr TimeMs kExpandAhead = 180 * kDayMs;  // expand this far past what was asked
constexpr size_t kMaxOccurrences = 500'000;    // a runaway rule stops here (treated as ended)
constexpr size_t kMaxCachedRules = 4'096;
constexpr long long kDaySeconds = 86'400;

TimeMs SaturatingAdd(TimeMs a, TimeMs b) { return a > kForever - b ? kForever : a + b; }

bool Empty(const short* by) { return by[0] == ICAL_RECURRENCE_ARRAY_MAX; }

// The wall-clock period in days after which a DAILY or WEEKLY rule repeats itself, or 0 when
// it may not (other frequencies, month/year parts, set positions, COUNT, UNTIL, RSCALE).
long long PeriodDays(const icalrecurrencetype& r) {
  if (r.count != 0 || !icaltime_is_null_time(r.until) || (r.rscale && *r.rscale) ||
      !Empty(r.by_month_day) || !Empty(r.by_year_day) || !Empty(r.by_week_no) ||
      !Empty(r.by_month) || !Empty(r.by_set_pos)) {
    return 0;
  }
  for (int i = 0; i < ICAL_BY_DAY_SIZE && r.by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; ++i) {
    if (icalrecurrencetype_day_position(r.by_day[i]) != 0) return 0;  // "1MO": not weekly
  }
  const long long interval = std::max<short>(r.interval, 1);
  if (r.freq == ICAL_WEEKLY_RECURRENCE) return 7 * interval;
  if (r.freq != ICAL_DAILY_RECURRENCE) return 0;
  return Empty(r.by_day) ? interval : std::lcm(interval, 7LL);
}

// Runs libical's iterator from `first` (DTSTART), calling `take` with each occurrence after
// it until `take` returns false. Returns whether the rule ended.
template <class Fn>
bool Iterate(const icalrecurrencetype& rule, const LocalTime& first, Fn take) {
  const icaltimetype dtstart = first.ToIcal();
  icalrecur_iterator* it = icalrecur_iterator_new(rule, dtstart);
  if (!it) return true;
  bool ended = false;
  for (;;) {
    const icaltimetype o = icalrecur_iterator_next(it);
    if (icaltime_is_null_time(o)) {
      ended = true;
      break;
    }
    if (icaltime_compare(o, dtstart) <= 0) continue;  // DTSTART is already the first
    if (!take(LocalTime::FromIcal(o))) break;
  }
  icalrecur_iterator_free(it);
  return ended;
}

// Three periods of a periodic rule, checked to repeat; nullopt if they do not.
std::optional<Handoffs::Period> FindPeriod(const icalrecurrencetype& rule, const LocalTime& first,
                                           long long days) {
  const long long period = days * kDaySeconds, stop = first.Seconds() + 4 * period;
  std::vector<LocalTime> occ;
  const bool ended = Iterate(rule, first, [&](const LocalTime& l) {
    occ.push_back(l);
    return l.Seconds() <= stop && occ.size() < 10'000;
  });
  if (ended || occ.empty()) return std::nullopt;
  size_t m = 0;
  while (m < occ.size() && occ[m].Seconds() < occ[0].Seconds() + period) ++m;
  if (occ.size() < 2 * m + 1) return std::nullopt;
  for (size_t i = 0; i + m < occ.size(); ++i) {
    if (occ[i + m].Seconds() != occ[i].Seconds() + period) return std::nullopt;
  }
  occ.resize(m);
  return Handoffs::Period{std::move(occ), days};
}

std::shared_ptr<const Handoffs> Expand(const std::string& rrule, TimeMs start, const Zone& zone,
                                       TimeMs through) {
  auto rule = ReadRule(rrule);
  if (!rule) return nullptr;
  const LocalTime first = zone.ToLocal(start);
  const TimeMs frac = MillisOf(start);
  if (const long long days = PeriodDays(*rule)) {
    if (auto period = FindPeriod(*rule, first, days)) {
      return std::make_shared<Handoffs>(zone, frac, std::vector<TimeMs>{start}, false,
                                        std::move(period));
    }
  }
  // A UTC UNTIL is compared with floating local occurrences: bring it into the zone.
  if (!icaltime_is_null_time(rule->until) && !rule->until.is_date && rule->until.zone) {
    rule->until = zone.ToLocal(IcalToInstant(rule->until, zone)).ToIcal();
  }
  std::vector<TimeMs> at{start};
  const TimeMs horizon = SaturatingAdd(through, kExpandAhead);
  bool capped = false;
  bool ended = Iterate(*rule, first, [&](const LocalTime& l) {
    const TimeMs t = zone.ToInstant(l) + frac;
    if (t > at.back()) at.push_back(t);  // else a wall time repeated by a DST change
    capped = at.size() >= kMaxOccurrences;
    return t <= horizon && !capped;
  });
  return std::make_shared<Handoffs>(zone, frac, std::move(at), ended || capped, std::nullopt);
}

struct RuleCache {
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const Handoffs>> entries;
};
RuleCache& Cache() {
  static auto* cache = new RuleCache();
  return *cache;
}

bool Covers(const Handoffs& h, TimeMs through) {
  return h.Count() == SIZE_MAX || h.At(h.Count() - 1) > through || h.ended();
}

}  // namespace

Handoffs::Handoffs(Zone zone, TimeMs frac, std::vector<TimeMs> at, bool ended,
                   std::optional<Period> period)
    : zone_(zone), frac_(frac), at_(std::move(at)), ended_(ended), period_(std::move(period)) {}

size_t Handoffs::Count() const { return period_ ? SIZE_MAX : at_.size(); }

TimeMs Handoffs::At(size_t n) const {
  if (!period_ || n == 0) return at_[n];
  const size_t m = period_->first.size(), q = (n - 1) / m, r = (n - 1) % m;
  return zone_.ToInstant(period_->first[r].PlusDays(static_cast<long long>(q) * period_->days)) +
         frac_;
}

size_t Handoffs::IndexAt(TimeMs t) const {
  if (!period_) {
    return static_cast<size_t>(std::upper_bound(at_.begin(), at_.end(), t) - at_.begin()) - 1;
  }
  if (t < At(1)) return 0;
  const size_t m = period_->first.size();
  const long long since = zone_.ToLocal(t).Seconds() - period_->first[0].Seconds();
  const auto q = static_cast<size_t>(std::max(0LL, since / (period_->days * kDaySeconds)));
  size_t n = 1 + q * m + (m - 1);  // the last hand-off of that period, then adjust
  while (n > 0 && At(n) > t) --n;
  while (At(n + 1) <= t) ++n;
  return n;
}

std::shared_ptr<const Handoffs> ExpandRrule(const std::string& rrule, TimeMs start,
                                            const Zone& zone, TimeMs through) {
  std::string key = zone.name();
  key += '\n';
  key += std::to_string(start);
  key += '\n';
  key += rrule;
  auto& cache = Cache();
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    auto it = cache.entries.find(key);
    if (it != cache.entries.end() && (!it->second || Covers(*it->second, through))) {
      return it->second;
    }
  }
  auto hand = Expand(rrule, start, zone, through);  // outside the lock: may take a while
  std::lock_guard<std::mutex> lock(cache.mu);
  if (cache.entries.size() >= kMaxCachedRules) cache.entries.clear();
  auto& slot = cache.entries[key];
  if (!slot || !hand || hand->Count() > slot->Count()) slot = hand;  // keep the longer one
  return hand;
}

}  // namespace oncall_internal

using namespace oncall_internal;

bool IsValidRrule(const std::string& rrule) { return ReadRule(rrule).has_value(); }

// ---------------------------------------------------------------------------------------------
// Holiday import.

namespace {

// 1-based line of each "BEGIN:VEVENT" in `text`, in order (libical keeps no line numbers).
std::vector<int> EventLines(const std::string& text) {
  std::vector<int> lines;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((i == 0 || text[i - 1] == '\n') && text.compare(i, 12, "BEGIN:VEVENT") == 0) {
      lines.push_back(line);
    }
    if (text[i] == '\n') ++line;
  }
  return lines;
}

// Resolves a TZID: a VTIMEZONE in the calendar, else a zone libical knows by name
// (with or without libical's "/freeassociation.sourceforge.net/" prefix).
icaltimezone* FindTzid(icalcomponent* calendar, const char* tzid) {
  if (icaltimezone* z = icalcomponent_get_timezone(calendar, tzid)) return z;
  std::string name = tzid;
  if (auto z = Zone::Lookup(name)) return z->ical();
  const std::string prefix = "/freeassociation.sourceforge.net/";
  if (name.rfind(prefix, 0) == 0) {
    if (auto z = Zone::Lookup(name.substr(prefix.size()))) return z->ical();
  }
  return nullptr;
}

// DTSTART/DTEND of an event as an icaltimetype with its zone attached; nullopt + message.
Result<icaltimetype> ReadTime(icalcomponent* calendar, icalproperty* p) {
  icaltimetype t = icalproperty_isa(p) == ICAL_DTEND_PROPERTY ? icalproperty_get_dtend(p)
                                                              : icalproperty_get_dtstart(p);
  if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t)) {
    return Fail("invalid_ics", std::string(icalproperty_get_property_name(p)) + " cannot be read");
  }
  if (icalparameter* tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) {
    const char* tzid = icalparameter_get_tzid(tz);
    icaltimezone* zone = FindTzid(calendar, tzid);
    if (!zone) {
      return Fail("invalid_ics", std::string(icalproperty_get_property_name(p)) +
                                     " names an unknown time zone " + tzid);
    }
    t.zone = zone;
  }
  return t;
}

Result<HolidayPeriod> ReadEvent(icalcomponent* calendar, icalcomponent* ev, const Zone& zone) {
  HolidayPeriod h;
  if (icalproperty* s = icalcomponent_get_first_property(ev, ICAL_SUMMARY_PROPERTY)) {
    h.name = icalproperty_get_summary(s);
  }
  if (icalproperty* e = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY)) {
    return Fail("invalid_ics", icalproperty_get_xlicerror(e));
  }
  icalproperty* ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
  if (!ps) return Fail("invalid_ics", "no DTSTART");
  auto start = ReadTime(calendar, ps);
  if (!start) return std::unexpected(start.error());
  h.start = IcalToInstant(*start, zone);
  if (icalproperty* pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY)) {
    auto end = ReadTime(calendar, pe);
    if (!end) return std::unexpected(end.error());
    h.end = IcalToInstant(*end, zone);
  } else if (icalproperty* pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY)) {
    const icaldurationtype d = icalproperty_get_duration(pd);
    if (d.is_neg) return Fail("invalid_ics", "DURATION is negative");
    if (start->is_date) {  // whole days stay whole local days
      const LocalTime day = LocalTime::FromIcal(*start).PlusDays(d.weeks * 7 + d.days);
      h.end = zone.ToInstant(day) + ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000LL;
    } else {
      h.end = h.start + icaldurationtype_as_int(d) * 1000LL;
    }
  } else {
    // RFC 5545 3.6.1: an all-day event without DTEND lasts one day, a timed one no time.
    h.end = start->is_date ? zone.ToInstant(LocalTime::FromIcal(*start).PlusDays(1)) : h.start;
  }
  if (h.end < h.start) return Fail("invalid_ics", "DTEND is before DTSTART");
  return h;
}

}  // namespace

Result<std::vector<HolidayPeriod>> ImportHolidaysIcs(std::string_view ics_text,
                                                     const std::string& time_zone) {
  const std::string text(ics_text);
  const Zone zone = Zone::Find(time_zone);
  InitIcal();
  ComponentPtr root(text.find("BEGIN:VCALENDAR") == std::string::npos
                        ? nullptr
                        : icalparser_parse_string(text.c_str()));
  std::vector<icalcomponent*> calendars;
  if (root && icalcomponent_isa(root.get()) == ICAL_VCALENDAR_COMPONENT) {
    calendars.push_back(root.get());
  } else if (root && icalcomponent_isa(root.get()) == ICAL_XROOT_COMPONENT) {
    for (auto* c = icalcomponent_get_first_component(root.get(), ICAL_VCALENDAR_COMPONENT); c;
         c = icalcomponent_get_next_component(root.get(), ICAL_VCALENDAR_COMPONENT)) {
      calendars.push_back(c);
    }
  }
  if (calendars.empty()) {
    return Fail("invalid_ics", "not an iCalendar file: expected BEGIN:VCALENDAR ... END:VCALENDAR");
  }
  const std::vector<int> lines = EventLines(text);
  std::vector<HolidayPeriod> out;
  size_t n = 0;
  for (icalcomponent* cal : calendars) {
    for (auto* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), ++n) {
      const int line = n < lines.size() ? lines[n] : 0;
      auto h = ReadEvent(cal, ev, zone);
      if (!h) {
        std::string where = "event " + std::to_string(n + 1);
        if (line > 0) where += " (line " + std::to_string(line) + ")";
        if (auto* s = icalcomponent_get_first_property(ev, ICAL_SUMMARY_PROPERTY)) {
          where += std::string(" \"") + icalproperty_get_summary(s) + "\"";
        }
        return Fail("invalid_ics", where + ": " + h.error().message);
      }
      h->line = line;
      out.push_back(std::move(*h));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const HolidayPeriod& a, const HolidayPeriod& b) {
    return a.start < b.start;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Duty calendar.

namespace {

const char* RoleVi(DutyRole r) {
  switch (r) {
    case DutyRole::kDutyOfficer:
      return "cán bộ trực";
    case DutyRole::kDutyLeader:
      return "lãnh đạo trực";
    case DutyRole::kBackup:
      return "trực dự phòng";
  }
  return "";
}

std::string SourceVi(const OnDuty& d) {
  std::string kind = d.source_kind == "roster"     ? "lịch trực lễ"
                     : d.source_kind == "override" ? "điều chỉnh lịch"
                                                   : "xoay ca";
  std::string source = d.source == "swap" ? "đổi ca" : d.source;
  return "Nguồn: " + kind + (source.empty() ? "" : " — " + source) + " (" + d.source_kind + ")";
}

// Stable for the same shift: FNV-1a over schedule, person, role and start.
std::string Uid(const OnDuty& d) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0x1f) * 1099511628211ULL;
  };
  mix(d.schedule);
  mix(d.person);
  mix(ToString(d.role));
  mix(std::to_string(d.from));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx@vigil", static_cast<unsigned long long>(h));
  return buf;
}

icaltimetype UtcTime(TimeMs t) {
  icaltimetype out = LocalTime::FromSeconds(FloorDiv(t, 1000)).ToIcal();
  out.zone = icaltimezone_get_utc_timezone();  // initialised by InitIcal()
  return out;
}

std::string OneLine(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return s;
}

// One VEVENT. DTSTAMP is the shift's start rather than "now", so the same shifts always give
// the same text (feeds can be cached and compared).
icalcomponent* ShiftEvent(const OnDuty& d) {
  constexpr TimeMs kLongest = 366 * kDayMs;  // an open-ended answer is shown for a year
  const TimeMs until =
      d.until < d.from || d.until - kLongest > d.from ? d.from + kLongest : d.until;
  const std::string summary = std::string("Trực ") + RoleVi(d.role) + " — " + d.schedule;
  return icalcomponent_vanew(
      ICAL_VEVENT_COMPONENT, icalproperty_new_uid(Uid(d).c_str()),
      icalproperty_new_dtstamp(UtcTime(d.from)), icalproperty_new_dtstart(UtcTime(d.from)),
      icalproperty_new_dtend(UtcTime(until)), icalproperty_new_summary(summary.c_str()),
      icalproperty_new_description(SourceVi(d).c_str()),
      icalproperty_new_transp(ICAL_TRANSP_OPAQUE), nullptr);
}

}  // namespace

std::string DutyCalendarIcs(const std::string& person_name, const std::vector<OnDuty>& shifts) {
  InitIcal();
  ComponentPtr cal(
      icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT, icalproperty_new_prodid("-//Vigil//Duty//VI"),
                          icalproperty_new_version("2.0"), icalproperty_new_calscale("GREGORIAN"),
                          icalproperty_new_method(ICAL_METHOD_PUBLISH), nullptr));
  icalproperty* name = icalproperty_new_x(OneLine("Lịch trực — " + person_name).c_str());
  icalproperty_set_x_name(name, "X-WR-CALNAME");
  icalcomponent_add_property(cal.get(), name);
  for (const OnDuty& d : shifts) icalcomponent_add_component(cal.get(), ShiftEvent(d));
  char* text = icalcomponent_as_ical_string_r(cal.get());
  std::string out = text ? text : "";
  icalmemory_free_buffer(text);
  return out;
}

}  // namespace vigil
