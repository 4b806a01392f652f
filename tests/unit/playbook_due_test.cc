// Playbook clocks: ISO-8601 durations, calendar days and working days across weekends and Tết.
// Pure functions of fixed instants; no clock is read.
#include <catch2/catch.hpp>

#include "playbooks/src/due.h"

using namespace vigil;
using namespace vigil::playbooks;

namespace {

constexpr const char* kZone = "Asia/Ho_Chi_Minh";

TimeMs Local(const char* text) {
  auto t = ParseLocalTime(text, kZone);
  REQUIRE(t);
  return *t;
}

std::string Show(std::optional<TimeMs> t) { return t ? FormatLocalTime(*t, kZone) : "none"; }

IsoDuration D(const char* text) {
  auto d = ParseIsoDuration(text);
  REQUIRE(d);
  return *d;
}

// Tết Nguyên đán Đinh Mùi: mùng 1 Tết is Saturday 6 February 2027. The days off below
// (Saturday 6 to Sunday 14 February, nine days as for Tết 2026) are this test's assumption;
// the government announces the real ones each year.
WorkCalendar Tet2027() {
  WorkCalendar c;
  c.time_zone = kZone;
  c.holidays.push_back({"Tết Nguyên đán Đinh Mùi", Local("2027-02-06"), Local("2027-02-15"), true, 0});
  return c;
}

WorkCalendar NoHolidays() {
  WorkCalendar c;
  c.time_zone = kZone;
  return c;
}

}  // namespace

TEST_CASE("ISO-8601 durations are read part by part") {
  auto d = D("P1Y2M3W4DT5H6M7S");
  CHECK(d.years == 1);
  CHECK(d.months == 2);
  CHECK(d.weeks == 3);
  CHECK(d.days == 4);
  CHECK(d.hours == 5);
  CHECK(d.minutes == 6);
  CHECK(d.seconds == 7);
  CHECK(D("PT2H").FixedMs() == 2 * 3'600'000);
  CHECK(D("P2D").FixedMs() == 2 * 86'400'000);
  CHECK(D("P1DT12H").FixedMs() == 36 * 3'600'000);
  CHECK(D("PT72H").FixedMs() == 72 * 3'600'000);
  CHECK_FALSE(D("P1M").FixedMs());
  CHECK(D("PT0M").FixedMs() == 0);
}

TEST_CASE("malformed ISO-8601 durations are refused") {
  for (const char* bad : {"", "P", "PT", "P1DT", "2H", "PT2", "P2H", "PT2D", "-P1D", "P1.5D",
                          "p1d", "P2D1Y", "PT1S2M", "P1D1D", "P 1D", "P1DT2H ", "PT9999999H",
                          "P1W1Y", "PT2h"}) {
    INFO(bad);
    CHECK_FALSE(ParseIsoDuration(bad));
  }
}

TEST_CASE("2 working days from the Friday before Tết land after Tết") {
  const TimeMs friday = Local("2027-02-05T10:00");
  CHECK(Show(Due(friday, D("P2D"), true, Tet2027())) == "2027-02-16 10:00");
  // Without the holiday only the weekend is skipped.
  CHECK(Show(Due(friday, D("P2D"), true, NoHolidays())) == "2027-02-09 10:00");
  // Calendar days do not care about Tết.
  CHECK(Show(Due(friday, D("P2D"), false, Tet2027())) == "2027-02-07 10:00");
}

TEST_CASE("a working-day count that starts inside Tết starts on the first working day after") {
  const TimeMs mung5 = Local("2027-02-10T15:00");
  CHECK_FALSE(Tet2027().IsWorkingDay(mung5));
  CHECK(Tet2027().IsWorkingDay(Local("2027-02-15T00:00")));
  // One working day = all of Monday 15/2: due at its end.
  CHECK(Show(Due(mung5, D("P1D"), true, Tet2027())) == "2027-02-16 00:00");
  CHECK(Show(Due(mung5, D("PT4H"), true, Tet2027())) == "2027-02-15 04:00");
  CHECK(Show(Due(mung5, D("PT0S"), true, Tet2027())) == "2027-02-15 00:00");
}

TEST_CASE("weekends are skipped by working days, not by calendar days") {
  const TimeMs friday = Local("2026-11-20T10:00");
  CHECK(Show(Due(friday, D("P1D"), true, NoHolidays())) == "2026-11-23 10:00");
  CHECK(Show(Due(friday, D("P5D"), true, NoHolidays())) == "2026-11-27 10:00");
  CHECK(Show(Due(friday, D("P1D"), false, NoHolidays())) == "2026-11-21 10:00");
  // Working hours carry over the weekend: Friday 20:00 + 8 h = 4 h on Friday, 4 h on Monday.
  CHECK(Show(Due(Local("2026-11-20T20:00"), D("PT8H"), true, NoHolidays())) == "2026-11-23 04:00");
  // Saturday afternoon: the count starts Monday 00:00.
  CHECK(Show(Due(Local("2026-11-21T15:00"), D("P1D"), true, NoHolidays())) == "2026-11-24 00:00");
}

TEST_CASE("a Saturday worked to make up for a bridge holiday (ngày làm bù) counts") {
  // Say Friday 1 May 2026 is bridged to Monday 4 May and Saturday 9 May is worked instead.
  WorkCalendar c = NoHolidays();
  c.holidays.push_back({"Nghỉ lễ 30/4–1/5 (nghỉ bù)", Local("2026-04-30"), Local("2026-05-05"),
                        true, 0});
  const TimeMs friday = Local("2026-05-08T10:00");
  CHECK(Show(Due(friday, D("P1D"), true, c)) == "2026-05-11 10:00");  // without the make-up day
  c.makeup_workdays.push_back(20582);  // 2026-05-09, days since 1970-01-01
  REQUIRE(c.IsWorkingDay(Local("2026-05-09T12:00")));
  CHECK_FALSE(c.IsWorkingDay(Local("2026-05-10T12:00")));  // Sunday stays a day off
  CHECK(Show(Due(friday, D("P1D"), true, c)) == "2026-05-09 10:00");
  CHECK(Show(Due(friday, D("P2D"), true, c)) == "2026-05-11 10:00");
  CHECK(Show(Due(friday, D("P1D"), false, c)) == "2026-05-09 10:00");  // calendar days: as ever
}

TEST_CASE("a working-day count ending at the end of a working day is that instant") {
  // Friday 00:00 + 1 working day = the end of Friday (Saturday 00:00), not Monday.
  CHECK(Show(Due(Local("2026-11-20T00:00"), D("P1D"), true, NoHolidays())) == "2026-11-21 00:00");
}

TEST_CASE("a holiday period counts for a day only when it covers the day's midday") {
  WorkCalendar c = NoHolidays();
  // An evening-to-morning heightened watch does not make Wednesday or Thursday a day off.
  c.holidays.push_back({"Trực tăng cường", Local("2026-11-25T17:00"), Local("2026-11-26T08:00"), true, 0});
  CHECK(c.IsWorkingDay(Local("2026-11-25T09:00")));
  CHECK(c.IsWorkingDay(Local("2026-11-26T09:00")));
  c.holidays.push_back({"Nghỉ bù", Local("2026-11-27"), Local("2026-11-28"), false, 0});
  CHECK_FALSE(c.IsWorkingDay(Local("2026-11-27T23:59")));
  CHECK(Show(Due(Local("2026-11-26T10:00"), D("P1D"), true, c)) == "2026-11-30 10:00");
}

TEST_CASE("calendar durations add local dates, then elapsed time") {
  const WorkCalendar c = NoHolidays();
  CHECK(Show(Due(Local("2027-02-05T10:00"), D("PT72H"), false, c)) == "2027-02-08 10:00");
  CHECK(Show(Due(Local("2027-01-31T09:00"), D("P1M"), false, c)) == "2027-02-28 09:00");
  CHECK(Show(Due(Local("2028-01-31T09:00"), D("P1M"), false, c)) == "2028-02-29 09:00");
  CHECK(Show(Due(Local("2026-12-31T23:00"), D("P1Y"), false, c)) == "2027-12-31 23:00");
  CHECK(Show(Due(Local("2026-11-20T10:00"), D("P1W"), false, c)) == "2026-11-27 10:00");
  CHECK(Show(Due(Local("2026-11-20T22:30"), D("P1DT2H"), false, c)) == "2026-11-22 00:30");
}

TEST_CASE("working days refuse years, months and weeks") {
  CHECK_FALSE(Due(Local("2026-11-20T10:00"), D("P1M"), true, NoHolidays()));
  CHECK_FALSE(Due(Local("2026-11-20T10:00"), D("P1W"), true, NoHolidays()));
}

TEST_CASE("durations read as people say them") {
  CHECK(DescribeDuration(D("PT2H"), Lang::kVi) == "2 giờ");
  CHECK(DescribeDuration(D("P1DT12H"), Lang::kEn) == "1 day 12 h");
  CHECK(DescribeDuration(D("P5D"), Lang::kEn) == "5 days");
}

TEST_CASE("a holiday period of many years is skipped at once") {
  WorkCalendar c = NoHolidays();
  c.holidays.push_back({"Đóng cửa", Local("2027-01-01"), Local("4027-01-01T15:00"), false, 0});
  // The period covers midday of 1 January 4027 too; the next working day is the 4th (Monday).
  CHECK(Show(Due(Local("2026-12-31T10:00"), D("P1D"), true, c)) == "4027-01-04 10:00");
}
