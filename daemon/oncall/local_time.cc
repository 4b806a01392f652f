// Local wall time ↔ instants in named time zones, through libical's builtin zones (read from
// the system zoneinfo). All libical zone calls are serialised by one lock; see zone.h.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <unordered_map>

#include "daemon/common/time_util.h"
#include "daemon/oncall/oncall.h"
#include "daemon/oncall/zone.h"

namespace vigil {
namespace oncall_internal {
namespace {

std::mutex& ZoneMutex() {
  static std::mutex mu;
  return mu;
}

// Zones resolved so far, by name. Guarded by ZoneMutex().
struct ZoneEntry {
  icaltimezone* zone = nullptr;
  std::unique_ptr<std::string> name;
};
std::unordered_map<std::string, ZoneEntry>& ZoneTable() {
  static auto* table = new std::unordered_map<std::string, ZoneEntry>();
  return *table;
}

icaltimezone* UtcZoneLocked() { return icaltimezone_get_utc_timezone(); }

}  // namespace

long long DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void CivilFromDays(long long z, int& y, int& m, int& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(static_cast<long long>(yoe) + era * 400 + (m <= 2));
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

LocalTime LocalTime::FromSeconds(long long seconds) {
  LocalTime out;
  const long long days = FloorDiv(seconds, 86'400), rest = seconds - days * 86'400;
  CivilFromDays(days, out.year, out.month, out.day);
  out.hour = static_cast<int>(rest / 3'600);
  out.minute = static_cast<int>(rest / 60 % 60);
  out.second = static_cast<int>(rest % 60);
  return out;
}

LocalTime LocalTime::PlusDays(long long days) const {
  LocalTime t = *this;
  CivilFromDays(Days() + days, t.year, t.month, t.day);
  return t;
}

icaltimetype LocalTime::ToIcal() const {
  icaltimetype t = icaltime_null_time();
  t.year = year;
  t.month = month;
  t.day = day;
  t.hour = hour;
  t.minute = minute;
  t.second = second;
  t.is_date = 0;
  return t;
}

LocalTime LocalTime::FromIcal(const icaltimetype& t) {
  return {t.year,
          t.month,
          t.day,
          t.is_date ? 0 : t.hour,
          t.is_date ? 0 : t.minute,
          t.is_date ? 0 : t.second};
}

std::unique_lock<std::mutex> LockIcalZones() { return std::unique_lock<std::mutex>(ZoneMutex()); }

void InitIcal() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto lock = LockIcalZones();
    UtcZoneLocked();
  });
}

namespace {

// An IANA name such as "Asia/Ho_Chi_Minh", "Etc/GMT+7" or "UTC". libical opens
// <zoneinfo>/<name> for names outside zone.tab, so nothing path-like gets that far.
bool LooksLikeZoneName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' ||
      name.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-' || c == '+';
  });
}

}  // namespace

std::optional<Zone> Zone::Lookup(const std::string& name) {
  if (!LooksLikeZoneName(name)) return std::nullopt;
  auto lock = LockIcalZones();
  auto& table = ZoneTable();
  auto it = table.find(name);
  if (it == table.end()) {
    // libical knows zone.tab's locations, other zoneinfo files by path, and "UTC".
    icaltimezone* zone = icaltimezone_get_builtin_timezone(name.c_str());
    if (!zone) return std::nullopt;  // unknown names are not remembered
    it = table.emplace(name, ZoneEntry{zone, std::make_unique<std::string>(name)}).first;
  }
  return Zone(it->second.zone, it->second.name.get());
}

Zone Zone::Find(const std::string& name) {
  if (auto z = Lookup(name)) return *z;
  if (auto z = Lookup(kDefaultTimeZone)) return *z;
  return *Lookup("UTC");
}

namespace {

// libical grows a zone's table of changes up to any year asked for; beyond these years the
// offset in force at the edge is used instead (so "until forever" formats without cost).
constexpr long long kTableFrom = -2'208'988'800LL;  // 1900-01-01T00:00:00Z
constexpr long long kTableTo = 7'258'118'400LL;     // 2200-01-01T00:00:00Z

// Seconds east of UTC in `zone` at `utc_secs` (within the table years). Lock held.
long long OffsetLocked(icaltimezone* zone, long long utc_secs) {
  const auto l =
      LocalTime::FromIcal(icaltime_from_timet_with_zone(static_cast<time_t>(utc_secs), 0, zone));
  return l.Seconds() - utc_secs;
}

}  // namespace

TimeMs Zone::ToInstant(const LocalTime& t) const {
  const long long local = t.Seconds();
  auto lock = LockIcalZones();
  if (zone_ == UtcZoneLocked()) return local * 1000;
  if (local < kTableFrom + 86'400 || local > kTableTo - 86'400) {
    return (local - OffsetLocked(zone_, std::clamp(local, kTableFrom, kTableTo))) * 1000;
  }
  return static_cast<TimeMs>(icaltime_as_timet_with_zone(t.ToIcal(), zone_)) * 1000;
}

LocalTime Zone::ToLocal(TimeMs t) const {
  const long long secs = FloorDiv(std::clamp(t, kFirstInstant, kLastInstant), 1000);
  auto lock = LockIcalZones();
  if (zone_ == UtcZoneLocked()) return LocalTime::FromSeconds(secs);
  if (secs < kTableFrom || secs > kTableTo) {
    return LocalTime::FromSeconds(secs +
                                  OffsetLocked(zone_, std::clamp(secs, kTableFrom, kTableTo)));
  }
  return LocalTime::FromIcal(icaltime_from_timet_with_zone(static_cast<time_t>(secs), 0, zone_));
}

TimeMs IcalToInstant(const icaltimetype& t, const Zone& fallback) {
  if (t.is_date) return fallback.ToInstant(LocalTime::FromIcal(t));
  {
    auto lock = LockIcalZones();
    if (t.zone == UtcZoneLocked()) {
      return (DaysFromCivil(t.year, t.month, t.day) * 86'400 + t.hour * 3'600 + t.minute * 60 +
              t.second) *
             1000;
    }
    if (t.zone) {
      icaltimetype floating = t;
      floating.zone = nullptr;
      return static_cast<TimeMs>(
                 icaltime_as_timet_with_zone(floating, const_cast<icaltimezone*>(t.zone))) *
             1000;
    }
  }
  return fallback.ToInstant(LocalTime::FromIcal(t));
}

}  // namespace oncall_internal

using oncall_internal::LocalTime;
using oncall_internal::Zone;

namespace {

bool ReadNumber(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return true;
}

// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS", with ' ' allowed for 'T'.
std::optional<LocalTime> ReadLocal(std::string_view s) {
  LocalTime t;
  if (!ReadNumber(s, 0, 4, t.year) || s.size() < 10 || s[4] != '-' ||
      !ReadNumber(s, 5, 2, t.month) || s[7] != '-' || !ReadNumber(s, 8, 2, t.day)) {
    return std::nullopt;
  }
  if (t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > oncall_internal::DaysInMonth(t.year, t.month)) {
    return std::nullopt;
  }
  if (s.size() == 10) return t;
  if (s.size() != 16 && s.size() != 19) return std::nullopt;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !ReadNumber(s, 11, 2, t.hour) ||
      s[13] != ':' || !ReadNumber(s, 14, 2, t.minute)) {
    return std::nullopt;
  }
  if (s.size() == 19 && (s[16] != ':' || !ReadNumber(s, 17, 2, t.second))) return std::nullopt;
  if (t.hour > 23 || t.minute > 59 || t.second > 59) return std::nullopt;
  return t;
}

}  // namespace

Result<TimeMs> ParseLocalTime(std::string_view text, const std::string& time_zone) {
  if (auto instant = ParseTimestamp(text)) return *instant;  // the zone in the text wins
  auto local = ReadLocal(text);
  if (!local) {
    return Fail("invalid_time",
                "\"" + std::string(text) +
                    "\" is not a time; write YYYY-MM-DD, YYYY-MM-DDTHH:MM, YYYY-MM-DDTHH:MM:SS, "
                    "YYYY-MM-DD HH:MM, or an instant with its zone such as "
                    "2026-04-30T08:00:00+07:00");
  }
  return Zone::Find(time_zone).ToInstant(*local);
}

std::string FormatLocalTime(TimeMs t, const std::string& time_zone) {
  const LocalTime l = Zone::Find(time_zone).ToLocal(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day, l.hour,
                l.minute);
  return buf;
}

bool IsKnownTimeZone(const std::string& time_zone) { return Zone::Lookup(time_zone).has_value(); }

}  // namespace vigil
