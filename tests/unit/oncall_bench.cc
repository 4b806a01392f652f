// vigil_oncall_bench: how long WhoIsOnDuty and FindGaps take over 1,000 realistic schedules
// (fixed and RRULE layers, night layers, overrides, holiday rosters; several time zones).
// Not a test: prints figures. Usage: vigil_oncall_bench [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "daemon/common/time_util.h"
#include "daemon/oncall/oncall.h"

using namespace vigil;

namespace {

constexpr TimeMs kHour = 3'600'000;
constexpr TimeMs kDay = 24 * kHour;
const TimeMs kYearStart = *ParseTimestamp("2026-01-01T00:00:00+07:00");

struct World {
  std::vector<Schedule> schedules;
  std::vector<HolidayRoster> rosters;
};

std::string Person(std::mt19937_64& rng) { return "p" + std::to_string(rng() % 400); }

std::vector<std::string> Members(std::mt19937_64& rng) {
  std::vector<std::string> m(3 + rng() % 6);
  for (auto& p : m) p = Person(rng);
  return m;
}

Layer MakeLayer(std::mt19937_64& rng, const std::string& tz, int kind, DutyRole role) {
  static const char* kRules[] = {"FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=DAILY",
                                 "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "FREQ=MONTHLY;BYMONTHDAY=1,15",
                                 "FREQ=DAILY;BYHOUR=8,20"};
  Layer l;
  l.name = "layer" + std::to_string(kind);
  l.role = role;
  l.members = Members(rng);
  // Started some time in the two years before 2026, at 08:00 or 18:00 local.
  const TimeMs day = kYearStart - static_cast<TimeMs>(rng() % 730) * kDay;
  const std::string date = FormatLocalTime(day, tz).substr(0, 10);
  l.start = *ParseLocalTime(date + (kind == 3 ? "T18:00" : "T08:00"), tz);
  switch (kind) {
    case 0:
      l.shift_length = 7 * kDay;
      break;
    case 1:
      l.shift_length = kDay;
      break;
    case 2:
      l.shift_length = 12 * kHour;
      break;
    case 3:  // nights
      l.shift_length = kDay;
      l.duty_length = 14 * kHour;
      break;
    default:
      l.rrule = kRules[rng() % 5];
      break;
  }
  return l;
}

World Build(std::mt19937_64& rng) {
  static const char* kZones[] = {"Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh",
                                 "Asia/Ho_Chi_Minh", "America/New_York", "Europe/Berlin",
                                 "Australia/Sydney"};
  World w;
  for (int i = 0; i < 1000; ++i) {
    Schedule s;
    s.id = "s" + std::to_string(i);
    s.name = "Lịch trực " + std::to_string(i);
    s.time_zone = kZones[rng() % 7];
    s.layers.push_back(
        MakeLayer(rng, s.time_zone, static_cast<int>(rng() % 5), DutyRole::kDutyOfficer));
    if (rng() % 3 == 0) s.layers.push_back(MakeLayer(rng, s.time_zone, 3, DutyRole::kDutyOfficer));
    if (rng() % 2 == 0) {
      s.layers.push_back(MakeLayer(rng, s.time_zone, rng() % 2 ? 0 : 4, DutyRole::kDutyLeader));
    }
    if (rng() % 4 == 0) s.layers.push_back(MakeLayer(rng, s.time_zone, 1, DutyRole::kBackup));
    for (int k = static_cast<int>(rng() % 11); k > 0; --k) {
      Override ov;
      ov.start = kYearStart + static_cast<TimeMs>(rng() % 365) * kDay + 8 * kHour;
      ov.end = ov.start + static_cast<TimeMs>(1 + rng() % 48) * kHour;
      ov.kind = static_cast<OverrideKind>(rng() % 3);
      ov.person = Person(rng);
      if (ov.kind == OverrideKind::kReplace && rng() % 2) {
        ov.replaces = s.layers[0].members[0];
        ov.requested_by = ov.replaces;
      }
      s.overrides.push_back(ov);
    }
    if (rng() % 5 == 0) {  // a Tết roster: day and night shifts, officer and leader
      HolidayRoster r{"Lịch trực Tết " + s.id, s.id, {}, 0};
      const TimeMs tet = *ParseTimestamp("2026-02-14T08:00:00+07:00");
      for (int d = 0; d < 18; ++d) {
        const TimeMs a = tet + d * 12 * kHour;
        r.shifts.push_back({a, a + 12 * kHour, DutyRole::kDutyOfficer, Person(rng), 0});
        if (d % 2 == 0)
          r.shifts.push_back({a, a + 24 * kHour, DutyRole::kDutyLeader, Person(rng), 0});
      }
      w.rosters.push_back(std::move(r));
    }
    w.schedules.push_back(std::move(s));
  }
  return w;
}

void Report(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  const double mean = std::accumulate(us.begin(), us.end(), 0.0) / us.size();
  auto pct = [&](double p) {
    return us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))];
  };
  std::printf("%-44s n=%-6zu mean=%8.2f us  p50=%8.2f  p99=%8.2f  max=%9.2f\n", what, us.size(),
              mean, pct(0.50), pct(0.99), us.back());
}

template <class Fn>
double TimeUs(Fn fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(2, std::atoi(argv[1])) : 10;
  std::mt19937_64 rng(20260214);
  // Loading a zone from the system zoneinfo is a once-per-process cost; report it apart.
  const double zones_us = TimeUs([] {
    for (const char* z :
         {"Asia/Ho_Chi_Minh", "America/New_York", "Europe/Berlin", "Australia/Sydney"}) {
      FormatLocalTime(kYearStart, z);
    }
  });
  std::printf("loading 4 time zones (once per process): %.1f ms\n", zones_us / 1000);
  const World w = Build(rng);
  size_t answers = 0;
  auto instant = [&] { return kYearStart + static_cast<TimeMs>(rng() % (365 * kDay)); };

  std::vector<double> cold, warm;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& s : w.schedules) {
      const TimeMs at = instant();
      (r == 0 ? cold : warm).push_back(TimeUs([&] {
        answers += WhoIsOnDuty(s, w.rosters, at).size();
      }));
    }
  }
  std::printf("1,000 schedules, %zu holiday rosters, %d rounds (%zu answers)\n", w.rosters.size(),
              rounds, answers);
  Report("WhoIsOnDuty, first call per schedule", cold);
  Report("WhoIsOnDuty, later calls (warm)", warm);

  std::vector<double> gaps;
  size_t found = 0;
  const double total = TimeUs([&] {
    for (const auto& s : w.schedules) {
      const TimeMs from = instant();
      gaps.push_back(TimeUs([&] {
        found += FindGaps(s, w.rosters, DutyRole::kDutyOfficer, from, from + 30 * kDay).size();
      }));
    }
  });
  Report("FindGaps over 30 days, per schedule", gaps);
  std::printf("FindGaps over 30 days for all 1,000 schedules: %.1f ms (%zu gaps)\n", total / 1000,
              found);
  return 0;
}
