// Who is on duty, gaps, one person's shifts, local times and iCalendar — on plain TimeMs values.
#include "daemon/oncall/oncall.h"

#include <libical/ical.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/common/time_util.h"

using namespace vigil;

namespace {

constexpr TimeMs kHour = 3'600'000;
constexpr TimeMs kDay = 24 * kHour;
constexpr const char* kHcm = "Asia/Ho_Chi_Minh";
constexpr const char* kNewYork = "America/New_York";

// An instant written with its zone: "2026-01-05T01:00:00Z", "2026-02-14T00:00:00+07:00".
TimeMs T(const char* text) {
  auto t = ParseTimestamp(text);
  REQUIRE(t);
  return *t;
}

// Local wall time in a zone: "2026-01-05T08:00".
TimeMs Local(const char* text, const std::string& tz = kHcm) {
  auto t = ParseLocalTime(text, tz);
  REQUIRE(t);
  return *t;
}

Layer Rotation(std::string name, std::vector<std::string> members, TimeMs start,
               TimeMs shift_length, DutyRole role = DutyRole::kDutyOfficer) {
  Layer l;
  l.name = std::move(name);
  l.role = role;
  l.members = std::move(members);
  l.start = start;
  l.shift_length = shift_length;
  return l;
}

Layer RruleRotation(std::string name, std::vector<std::string> members, TimeMs start,
                    std::string rrule) {
  Layer l = Rotation(std::move(name), std::move(members), start, 0);
  l.rrule = std::move(rrule);
  return l;
}

Schedule Noc(std::vector<Layer> layers, std::string tz = kHcm) {
  Schedule s;
  s.id = "noc";
  s.name = "Trực NOC";
  s.time_zone = std::move(tz);
  s.layers = std::move(layers);
  return s;
}

Override Ov(OverrideKind kind, TimeMs start, TimeMs end, std::string person,
            std::string reason = "") {
  Override o;
  o.kind = kind;
  o.start = start;
  o.end = end;
  o.person = std::move(person);
  o.reason = std::move(reason);
  return o;
}

// The people holding `role`, in answer order.
std::vector<std::string> Holders(const std::vector<OnDuty>& who,
                                 DutyRole role = DutyRole::kDutyOfficer) {
  std::vector<std::string> out;
  for (const auto& d : who) {
    if (d.role == role) out.push_back(d.person);
  }
  return out;
}

std::vector<std::string> Holders(const Schedule& s, TimeMs at,
                                 const std::vector<HolidayRoster>& rosters = {},
                                 DutyRole role = DutyRole::kDutyOfficer) {
  return Holders(WhoIsOnDuty(s, rosters, at), role);
}

// The single answer for `role` at `at`.
OnDuty Only(const Schedule& s, TimeMs at, const std::vector<HolidayRoster>& rosters = {},
            DutyRole role = DutyRole::kDutyOfficer) {
  std::vector<OnDuty> mine;
  for (auto& d : WhoIsOnDuty(s, rosters, at)) {
    if (d.role == role) mine.push_back(d);
  }
  REQUIRE(mine.size() == 1);
  return mine[0];
}

using People = std::vector<std::string>;

}  // namespace

TEST_CASE("a rotation hands off exactly at the end of each shift", "[oncall]") {
  const TimeMs start = T("2026-01-05T01:00:00Z");
  const Schedule s = Noc({Rotation("Tuần", {"an", "binh", "chi"}, start, 7 * kDay)});

  CHECK(WhoIsOnDuty(s, {}, start - 1).empty());  // before the first hand-off: nobody
  const OnDuty first = Only(s, start);
  CHECK(first.person == "an");
  CHECK(first.schedule == "Trực NOC");
  CHECK(first.source_kind == "layer");
  CHECK(first.source == "Tuần");
  CHECK(first.from == start);
  CHECK(first.until == start + 7 * kDay);
  CHECK(Only(s, start + 7 * kDay - 1).person == "an");
  CHECK(Only(s, start + 7 * kDay).person == "binh");
  CHECK(Only(s, start + 7 * kDay + 1).person == "binh");
  CHECK(Only(s, start + 7 * kDay + 1).from == start + 7 * kDay);
  CHECK(Only(s, start + 14 * kDay).person == "chi");
  CHECK(Only(s, start + 21 * kDay).person == "an");  // wraps round
  CHECK(Holders(s, start, {}, DutyRole::kDutyLeader).empty());
  CHECK(WhoIsOnDuty(s, {}, INT64_MAX).size() == 1);  // the far future is still answered
  CHECK(WhoIsOnDuty(s, {}, INT64_MIN).empty());

  // Shifts that are not whole days are plain milliseconds.
  const Schedule twelve = Noc({Rotation("12 giờ", {"an", "binh"}, start, 12 * kHour)});
  CHECK(Only(twelve, start + 12 * kHour - 1).person == "an");
  CHECK(Only(twelve, start + 12 * kHour).person == "binh");
  CHECK(Only(twelve, start + 12 * kHour).until == start + 24 * kHour);
  CHECK(Only(twelve, start + 24 * kHour).person == "an");
}

TEST_CASE("a weekly rotation in Ho Chi Minh City hands off at 08:00 local, 01:00Z", "[oncall]") {
  const TimeMs start = Local("2026-01-05T08:00");
  CHECK(start == T("2026-01-05T01:00:00Z"));
  const Schedule s = Noc({Rotation("Tuần", {"an", "binh"}, start, 7 * kDay)});

  CHECK(Only(s, T("2026-01-12T00:59:59Z")).person == "an");
  const OnDuty d = Only(s, T("2026-01-12T01:00:00Z"));
  CHECK(d.person == "binh");
  CHECK(FormatLocalTime(d.from, kHcm) == "2026-01-12 08:00");
  CHECK(FormatLocalTime(d.until, kHcm) == "2026-01-19 08:00");
  // Far from the start the hand-off is still 08:00.
  CHECK(FormatLocalTime(Only(s, T("2026-09-02T12:00:00Z")).from, kHcm) == "2026-08-31 08:00");
}

TEST_CASE("a daily rotation in New York keeps its 09:00 hand-off across DST changes", "[oncall]") {
  const TimeMs start = Local("2026-03-06T09:00", kNewYork);
  CHECK(start == T("2026-03-06T14:00:00Z"));  // EST, UTC-5
  const Schedule s = Noc({Rotation("Ngày", {"an", "binh", "chi"}, start, kDay)}, kNewYork);

  // Clocks go forward on Sunday 8 March: Saturday's shift is 23 hours long.
  const OnDuty sat = Only(s, T("2026-03-08T12:59:59Z"));
  CHECK(sat.person == "binh");
  CHECK(sat.from == T("2026-03-07T14:00:00Z"));
  CHECK(sat.until == T("2026-03-08T13:00:00Z"));  // 09:00 EDT, UTC-4
  const OnDuty sun = Only(s, T("2026-03-08T13:00:00Z"));
  CHECK(sun.person == "chi");
  CHECK(sun.until == T("2026-03-09T13:00:00Z"));
  CHECK(FormatLocalTime(sun.from, kNewYork) == "2026-03-08 09:00");
  CHECK(FormatLocalTime(sun.until, kNewYork) == "2026-03-09 09:00");

  // And back on Sunday 1 November (day 240 since the start: an's turn, 25-hour Saturday).
  CHECK(Only(s, T("2026-11-01T13:30:00Z")).person == "chi");
  const OnDuty nov = Only(s, T("2026-11-01T14:00:00Z"));
  CHECK(nov.person == "an");
  CHECK(FormatLocalTime(nov.from, kNewYork) == "2026-11-01 09:00");
  CHECK(Only(s, T("2026-11-01T13:30:00Z")).from == T("2026-10-31T13:00:00Z"));
}

TEST_CASE("an RRULE rotation hands off at each occurrence, DTSTART counting first", "[oncall]") {
  const Schedule s = Noc({RruleRotation("Thứ Hai và thứ Năm", {"an", "binh"},
                                        Local("2026-01-05T08:00"), "FREQ=WEEKLY;BYDAY=MO,TH")});
  const OnDuty mon = Only(s, Local("2026-01-08T07:59:59"));
  CHECK(mon.person == "an");
  CHECK(mon.from == Local("2026-01-05T08:00"));
  CHECK(mon.until == Local("2026-01-08T08:00"));
  const OnDuty thu = Only(s, Local("2026-01-08T08:00"));
  CHECK(thu.person == "binh");
  CHECK(thu.source == "Thứ Hai và thứ Năm");
  CHECK(thu.until == Local("2026-01-12T08:00"));
  CHECK(Only(s, Local("2026-01-12T08:00")).person == "an");
  // Eight weeks on, Monday 2 March is the 17th hand-off: an again.
  CHECK(Only(s, Local("2026-03-02T09:00")).person == "an");
  CHECK(Only(s, Local("2026-03-05T09:00")).person == "binh");
  CHECK(WhoIsOnDuty(s, {}, Local("2026-01-05T07:59")).empty());

  SECTION("a DTSTART that is not itself an occurrence is still the first hand-off") {
    const Schedule wed = Noc({RruleRotation("R", {"an", "binh", "chi"}, Local("2026-01-07T08:00"),
                                            "FREQ=WEEKLY;BYDAY=MO,TH")});
    CHECK(Only(wed, Local("2026-01-07T12:00")).person == "an");
    CHECK(Only(wed, Local("2026-01-08T12:00")).person == "binh");
    CHECK(Only(wed, Local("2026-01-12T12:00")).person == "chi");
  }
  SECTION("when the rule ends the last member stays on") {
    const Schedule three =
        Noc({RruleRotation("R", {"an", "binh"}, Local("2026-01-05T08:00"), "FREQ=DAILY;COUNT=3")});
    const OnDuty last = Only(three, Local("2026-12-31T12:00"));
    CHECK(last.person == "an");  // the 3rd hand-off, 7 January
    CHECK(last.from == Local("2026-01-07T08:00"));
    CHECK(last.until == INT64_MAX);
    // UNTIL in UTC is honoured in the schedule's zone: hand-offs on the 5th and 6th only.
    const Schedule until = Noc({RruleRotation("R", {"an", "binh", "chi"}, Local("2026-01-05T08:00"),
                                              "FREQ=DAILY;UNTIL=20260106T010000Z")});
    CHECK(Only(until, Local("2026-01-09T12:00")).person == "binh");
  }
  SECTION("an unreadable rule puts nobody on duty and is reported as invalid") {
    const Schedule bad =
        Noc({RruleRotation("R", {"an"}, Local("2026-01-05T08:00"), "FREQ=FORTNIGHTLY")});
    CHECK(WhoIsOnDuty(bad, {}, Local("2026-01-06T08:00")).empty());
    CHECK_FALSE(IsValidRrule("FREQ=FORTNIGHTLY"));
    CHECK_FALSE(IsValidRrule("FREQ=MINUTELY"));  // not a rotation
    CHECK_FALSE(IsValidRrule(""));
    CHECK(IsValidRrule("FREQ=WEEKLY;BYDAY=MO,TH"));
    CHECK(IsValidRrule("RRULE:FREQ=DAILY;INTERVAL=2"));
  }
}

TEST_CASE("a long-running RRULE rotation answers the same as its fully expanded rule", "[oncall]") {
  // Weekly and daily rules are computed from one repeating period; an UNTIL far ahead forces
  // libical to expand every occurrence instead. Both must agree, DST changes included.
  for (const char* tz : {kNewYork, kHcm, "Australia/Sydney"}) {
    for (const char* rule : {"FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=DAILY;BYHOUR=8,20",
                             "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", "FREQ=DAILY;INTERVAL=3"}) {
      const TimeMs start = Local("2025-03-05T08:00", tz);  // a Wednesday
      const Schedule periodic = Noc({RruleRotation("R", {"an", "binh", "chi"}, start, rule)}, tz);
      const Schedule expanded = Noc({RruleRotation("R", {"an", "binh", "chi"}, start,
                                                   std::string(rule) + ";UNTIL=21001231T000000Z")},
                                    tz);
      int differ = 0;
      for (TimeMs at = start - kHour; at < start + 800 * kDay; at += 13 * kHour + 17 * 60'000) {
        const auto a = WhoIsOnDuty(periodic, {}, at), b = WhoIsOnDuty(expanded, {}, at);
        const bool same = a.size() == b.size() &&
                          (a.empty() || (a[0].person == b[0].person && a[0].from == b[0].from &&
                                         a[0].until == b[0].until));
        differ += !same;
      }
      INFO(tz << " " << rule);
      CHECK(differ == 0);
      const TimeMs from = Local("2026-10-20", tz), to = from + 30 * kDay;
      const auto sa = ShiftsOf(periodic, {}, "binh", from, to);
      const auto sb = ShiftsOf(expanded, {}, "binh", from, to);
      REQUIRE(sa.size() == sb.size());
      for (size_t i = 0; i < sa.size(); ++i) {
        CHECK(sa[i].from == sb[i].from);
        CHECK(sa[i].until == sb[i].until);
      }
    }
  }
}

TEST_CASE("a higher layer covering nights wins over the day rotation beneath it", "[oncall]") {
  Layer nights = Rotation("Đêm", {"chi", "dung"}, Local("2026-01-05T18:00"), kDay);
  nights.duty_length = 14 * kHour;  // 18:00 to 08:00
  const Schedule s =
      Noc({Rotation("Ngày", {"an", "binh"}, Local("2026-01-05T08:00"), 7 * kDay), nights});

  const OnDuty first_day = Only(s, Local("2026-01-05T10:00"));
  CHECK(first_day.person == "an");
  CHECK(first_day.until == Local("2026-01-05T18:00"));  // the night layer comes on
  const OnDuty night = Only(s, Local("2026-01-06T19:00"));
  CHECK(night.person == "dung");
  CHECK(night.source == "Đêm");
  CHECK(night.from == Local("2026-01-06T18:00"));
  CHECK(night.until == Local("2026-01-07T08:00"));
  CHECK(Only(s, Local("2026-01-06T07:59")).person == "chi");
  const OnDuty day = Only(s, Local("2026-01-06T10:00"));
  CHECK(day.person == "an");
  CHECK(day.source == "Ngày");
  CHECK(day.from == Local("2026-01-06T08:00"));
  CHECK(day.until == Local("2026-01-06T18:00"));
  CHECK(Only(s, Local("2026-01-12T10:00")).person == "binh");
  CHECK(
      FindGaps(s, {}, DutyRole::kDutyOfficer, Local("2026-01-05T08:00"), Local("2026-02-05T08:00"))
          .empty());
}

TEST_CASE("overrides replace, add and remove people for their window", "[oncall]") {
  Schedule s = Noc({Rotation("Tuần", {"an", "binh"}, Local("2026-01-05T08:00"), 7 * kDay)});
  s.overrides = {
      Ov(OverrideKind::kReplace, Local("2026-01-06T08:00"), Local("2026-01-06T20:00"), "chi",
         "Anh An đi công tác"),
      Ov(OverrideKind::kAdd, Local("2026-01-07T08:00"), Local("2026-01-07T12:00"), "dung",
         "Tăng cường"),
      Ov(OverrideKind::kRemove, Local("2026-01-08T00:00"), Local("2026-01-08T06:00"), "an",
         "Nghỉ ốm"),
  };

  const OnDuty replaced = Only(s, Local("2026-01-06T10:00"));
  CHECK(replaced.person == "chi");
  CHECK(replaced.source_kind == "override");
  CHECK(replaced.source == "Anh An đi công tác");
  CHECK(replaced.from == Local("2026-01-06T08:00"));
  CHECK(replaced.until == Local("2026-01-06T20:00"));

  const OnDuty back = Only(s, Local("2026-01-06T20:00"));
  CHECK(back.person == "an");
  CHECK(back.source_kind == "layer");
  CHECK(back.from == Local("2026-01-06T20:00"));
  CHECK(back.until == Local("2026-01-08T00:00"));  // the removal is next for an

  const auto both = WhoIsOnDuty(s, {}, Local("2026-01-07T09:00"));
  CHECK(Holders(both) == People{"an", "dung"});
  CHECK(both[1].source == "Tăng cường");
  CHECK(both[1].until == Local("2026-01-07T12:00"));

  CHECK(WhoIsOnDuty(s, {}, Local("2026-01-08T03:00")).empty());
  CHECK(Holders(s, Local("2026-01-08T06:00")) == People{"an"});
  // Overrides of one role leave the others alone.
  s.overrides[1].role = DutyRole::kBackup;
  CHECK(Holders(s, Local("2026-01-07T09:00")) == People{"an"});
  CHECK(Holders(s, Local("2026-01-07T09:00"), {}, DutyRole::kBackup) == People{"dung"});
}

TEST_CASE("a swap recorded with requested_by and approved_by shows as a swap", "[oncall]") {
  Schedule s = Noc({Rotation("Tuần", {"an", "chi"}, Local("2026-01-05T08:00"), 7 * kDay)});
  Override swap =
      Ov(OverrideKind::kReplace, Local("2026-01-06T08:00"), Local("2026-01-07T08:00"), "binh");
  swap.replaces = "an";
  swap.requested_by = "an";
  swap.approved_by = "lanh";
  s.overrides = {swap};

  const OnDuty d = Only(s, Local("2026-01-06T12:00"));
  CHECK(d.person == "binh");
  CHECK(d.source_kind == "override");
  CHECK(d.source == "swap");
  CHECK(d.from == Local("2026-01-06T08:00"));
  CHECK(d.until == Local("2026-01-07T08:00"));
  CHECK(Only(s, Local("2026-01-07T08:00")).person == "an");

  // A swap only swaps the person it names, and only while they are on duty.
  s.overrides[0].start = Local("2026-01-13T08:00");
  s.overrides[0].end = Local("2026-01-14T08:00");
  CHECK(Only(s, Local("2026-01-13T12:00")).person == "chi");
  // A reason, when given, is the source.
  s.overrides[0].replaces = "chi";
  s.overrides[0].reason = "Đổi ca với chị Chi";
  CHECK(Only(s, Local("2026-01-13T12:00")).source == "Đổi ca với chị Chi");
}

TEST_CASE("a holiday roster takes its role over from overrides and layers", "[oncall]") {
  Schedule s = Noc({Rotation("Tuần", {"an"}, Local("2026-01-05T08:00"), 7 * kDay),
                    Rotation("Lãnh đạo", {"lanh", "minh"}, Local("2026-01-05T08:00"), 7 * kDay,
                             DutyRole::kDutyLeader)});
  s.overrides = {Ov(OverrideKind::kReplace, Local("2026-02-14T08:00"), Local("2026-02-15T12:00"),
                    "chi", "Trực thay")};
  HolidayRoster tet;
  tet.name = "Lịch trực Tết Bính Ngọ";
  tet.schedule = "noc";
  tet.shifts = {{Local("2026-02-14"), Local("2026-02-15"), DutyRole::kDutyOfficer, "dung"},
                {Local("2026-02-14"), Local("2026-02-15"), DutyRole::kDutyOfficer, "em"}};
  HolidayRoster other;
  other.name = "Lịch trực đơn vị khác";
  other.schedule = "other";
  other.shifts = {{Local("2026-02-01"), Local("2026-03-01"), DutyRole::kDutyOfficer, "khac"}};
  const std::vector<HolidayRoster> rosters = {other, tet};

  const auto who = WhoIsOnDuty(s, rosters, Local("2026-02-14T10:00"));
  CHECK(Holders(who) == People{"dung", "em"});
  for (const auto& d : who) {
    if (d.role != DutyRole::kDutyOfficer) continue;
    CHECK(d.source_kind == "roster");
    CHECK(d.source == "Lịch trực Tết Bính Ngọ");
    CHECK(d.from == Local("2026-02-14"));
    CHECK(d.until == Local("2026-02-15"));
  }
  // The leader role has no roster shift: it still comes from its layer.
  CHECK(Holders(who, DutyRole::kDutyLeader) == People{"minh"});

  // After the roster shift the override is back in force, from the roster's edge.
  const OnDuty after = Only(s, Local("2026-02-15T10:00"), rosters);
  CHECK(after.person == "chi");
  CHECK(after.from == Local("2026-02-15"));
  CHECK(after.until == Local("2026-02-15T12:00"));
  // Before it, the layer answer ends where the roster (or without it, the override) begins.
  CHECK(Only(s, Local("2026-02-13T23:00"), rosters).until == Local("2026-02-14"));
  CHECK(Only(s, Local("2026-02-14T07:00")).until == Local("2026-02-14T08:00"));
}

TEST_CASE("gaps are found with exact boundaries and merged when adjacent", "[oncall]") {
  SECTION("a layer that starts late leaves the time before it uncovered") {
    const Schedule s = Noc({Rotation("Tuần", {"an"}, Local("2026-01-05T08:00"), 7 * kDay)});
    const auto gaps =
        FindGaps(s, {}, DutyRole::kDutyOfficer, Local("2026-01-01"), Local("2026-01-10"));
    REQUIRE(gaps.size() == 1);
    CHECK(gaps[0].start == Local("2026-01-01"));
    CHECK(gaps[0].end == Local("2026-01-05T08:00"));
    // A role nobody covers is one gap over the whole range.
    const auto leader =
        FindGaps(s, {}, DutyRole::kDutyLeader, Local("2026-01-01"), Local("2026-01-10"));
    REQUIRE(leader.size() == 1);
    CHECK(leader[0].end == Local("2026-01-10"));
  }
  SECTION("roster shifts with a hole between them leave it uncovered") {
    const Schedule s = Noc({Rotation("Tuần", {"an"}, Local("2026-01-05T08:00"), 7 * kDay)});
    HolidayRoster tet{"Lịch trực Tết", "noc", {}, 0};
    tet.shifts = {{Local("2026-02-14T08:00"), Local("2026-02-15T08:00"), DutyRole::kBackup, "em"},
                  {Local("2026-02-15T20:00"), Local("2026-02-16T08:00"), DutyRole::kBackup, "em"}};
    const auto gaps =
        FindGaps(s, {tet}, DutyRole::kBackup, Local("2026-02-14"), Local("2026-02-16T12:00"));
    REQUIRE(gaps.size() == 3);
    CHECK(gaps[0].start == Local("2026-02-14"));
    CHECK(gaps[0].end == Local("2026-02-14T08:00"));
    CHECK(gaps[1].start == Local("2026-02-15T08:00"));
    CHECK(gaps[1].end == Local("2026-02-15T20:00"));
    CHECK(gaps[2].start == Local("2026-02-16T08:00"));
    CHECK(gaps[2].end == Local("2026-02-16T12:00"));
    CHECK(FindGaps(s, {tet}, DutyRole::kDutyOfficer, Local("2026-02-14"), Local("2026-02-16T12:00"))
              .empty());
  }
  SECTION("removing the only person on duty makes a gap; back-to-back removals merge") {
    Schedule s = Noc({Rotation("Ngày", {"an", "binh"}, Local("2026-01-05T08:00"), kDay)});
    s.overrides = {
        Ov(OverrideKind::kRemove, Local("2026-01-06T10:00"), Local("2026-01-06T12:00"), "binh"),
        Ov(OverrideKind::kRemove, Local("2026-01-06T12:00"), Local("2026-01-07T08:00"), "binh"),
        Ov(OverrideKind::kRemove, Local("2026-01-07T08:00"), Local("2026-01-07T09:00"), "an"),
        Ov(OverrideKind::kRemove, Local("2026-01-08T08:00"), Local("2026-01-08T09:00"), "an")};
    const auto gaps =
        FindGaps(s, {}, DutyRole::kDutyOfficer, Local("2026-01-05"), Local("2026-01-09"));
    REQUIRE(gaps.size() == 2);
    CHECK(gaps[0].start == Local("2026-01-05"));
    CHECK(gaps[0].end == Local("2026-01-05T08:00"));
    CHECK(gaps[1].start == Local("2026-01-06T10:00"));
    CHECK(gaps[1].end == Local("2026-01-07T09:00"));  // binh's day, then an's first hour
    // (removing an on the 8th does nothing: it is binh's day)
  }
}

TEST_CASE("one person's shifts are merged where consecutive and split by role", "[oncall]") {
  SECTION("a one-person rotation is one stretch, clipped to the range") {
    const Schedule s = Noc({Rotation("Ngày", {"an"}, Local("2026-01-05T08:00"), kDay)});
    const auto shifts = ShiftsOf(s, {}, "an", Local("2026-01-06"), Local("2026-01-09"));
    REQUIRE(shifts.size() == 1);
    CHECK(shifts[0].from == Local("2026-01-06"));
    CHECK(shifts[0].until == Local("2026-01-09"));
    CHECK(shifts[0].source == "Ngày");
    CHECK(ShiftsOf(s, {}, "binh", Local("2026-01-06"), Local("2026-01-09")).empty());
  }
  SECTION("turns, swaps and roles make separate stretches") {
    Schedule s = Noc(
        {Rotation("Ngày", {"an", "binh"}, Local("2026-01-05T08:00"), kDay),
         Rotation("Lãnh đạo", {"an"}, Local("2026-01-10T08:00"), 7 * kDay, DutyRole::kDutyLeader)});
    Override swap =
        Ov(OverrideKind::kReplace, Local("2026-01-07T12:00"), Local("2026-01-07T14:00"), "binh");
    swap.replaces = "an";
    swap.requested_by = "an";
    s.overrides = {swap};
    const auto shifts = ShiftsOf(s, {}, "an", Local("2026-01-05"), Local("2026-01-11"));
    REQUIRE(shifts.size() == 5);
    CHECK(shifts[0].from == Local("2026-01-05T08:00"));
    CHECK(shifts[0].until == Local("2026-01-06T08:00"));
    CHECK(shifts[1].from == Local("2026-01-07T08:00"));
    CHECK(shifts[1].until == Local("2026-01-07T12:00"));
    CHECK(shifts[2].from == Local("2026-01-07T14:00"));
    CHECK(shifts[2].until == Local("2026-01-08T08:00"));
    CHECK(shifts[3].from == Local("2026-01-09T08:00"));
    CHECK(shifts[3].role == DutyRole::kDutyOfficer);
    CHECK(shifts[3].until == Local("2026-01-10T08:00"));
    CHECK(shifts[4].from == Local("2026-01-10T08:00"));
    CHECK(shifts[4].role == DutyRole::kDutyLeader);
    CHECK(shifts[4].until == Local("2026-01-11"));
    const auto binh = ShiftsOf(s, {}, "binh", Local("2026-01-07"), Local("2026-01-08"));
    REQUIRE(binh.size() == 2);  // the end of binh's own day, then the swap
    CHECK(binh[1].source == "swap");
  }
}

TEST_CASE("local times parse in the schedule's zone and format back", "[oncall]") {
  CHECK(Local("2026-04-30T07:30") == T("2026-04-30T00:30:00Z"));
  CHECK(Local("2026-04-30 07:30") == T("2026-04-30T00:30:00Z"));
  CHECK(Local("2026-04-30T07:30:15") == T("2026-04-30T00:30:15Z"));
  CHECK(Local("2026-04-30") == T("2026-04-29T17:00:00Z"));
  CHECK(Local("2026-07-01T09:00", kNewYork) == T("2026-07-01T13:00:00Z"));
  CHECK(Local("2026-04-30T08:00:00Z") == T("2026-04-30T08:00:00Z"));  // the text's zone wins
  CHECK(Local("2026-04-30T15:00:00+07:00", kNewYork) == T("2026-04-30T08:00:00Z"));
  CHECK(Local("2026-04-30T07:30", "Nowhere/City") == Local("2026-04-30T07:30"));  // fallback

  CHECK(FormatLocalTime(T("2026-04-30T00:30:00Z"), kHcm) == "2026-04-30 07:30");
  CHECK(FormatLocalTime(T("2026-04-30T00:30:00Z"), kNewYork) == "2026-04-29 20:30");
  for (const char* text : {"2026-01-01 00:00", "2026-03-08 03:15", "2026-11-01 23:59"}) {
    CHECK(FormatLocalTime(Local(text, kNewYork), kNewYork) == text);
    CHECK(FormatLocalTime(Local(text), kHcm) == text);
  }

  for (const char* bad : {"30/04/2026", "2026-02-30", "2026-04-30T25:00", "2026-04-30T07:3", "",
                          "2026-04-30T07:30Z9", "tomorrow"}) {
    auto r = ParseLocalTime(bad, kHcm);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_time");
    CHECK(r.error().message.find(std::string("\"") + bad + "\"") != std::string::npos);
    CHECK(r.error().message.find("YYYY-MM-DD") != std::string::npos);
    CHECK(r.error().field.empty());
  }

  CHECK(IsKnownTimeZone("Asia/Ho_Chi_Minh"));
  CHECK(IsKnownTimeZone("America/New_York"));
  CHECK(IsKnownTimeZone("UTC"));
  CHECK(IsKnownTimeZone("Asia/Saigon"));  // zoneinfo's older name for it
  CHECK_FALSE(IsKnownTimeZone("Mars/Olympus_Mons"));
  CHECK_FALSE(IsKnownTimeZone(""));
  CHECK_FALSE(IsKnownTimeZone("../../../etc/passwd"));
}

TEST_CASE("an unknown time zone falls back to Ho Chi Minh City", "[oncall]") {
  const Schedule s =
      Noc({Rotation("Ngày", {"an", "binh"}, Local("2026-01-05T08:00"), kDay)}, "Nowhere/City");
  CHECK(Only(s, Local("2026-01-06T07:59")).person == "an");
  CHECK(Only(s, Local("2026-01-06T08:00")).person == "binh");
}

namespace {
std::string ReadData(const char* name) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "data" / name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

TEST_CASE("the 2026 Vietnamese holiday calendar imports with whole local days", "[oncall]") {
  auto periods = ImportHolidaysIcs(ReadData("holidays-2026.ics"), kHcm);
  REQUIRE(periods);
  REQUIRE(periods->size() == 5);
  const auto& p = *periods;
  CHECK(p[0].name == "Tết Dương lịch");
  CHECK(p[1].name == "Tết Nguyên đán Bính Ngọ");
  CHECK(p[1].start == T("2026-02-14T00:00:00+07:00"));
  CHECK(p[1].end == T("2026-02-23T00:00:00+07:00"));  // DTEND is exclusive: all of the 22nd
  CHECK(p[2].name == "Giỗ Tổ Hùng Vương");
  CHECK(p[2].start == T("2026-04-26T00:00:00+07:00"));
  CHECK(p[2].end == T("2026-04-27T00:00:00+07:00"));
  CHECK(p[3].name == "Nghỉ lễ 30/4–1/5");
  CHECK(p[3].end - p[3].start == 2 * kDay);
  CHECK(p[4].name == "Quốc khánh 2/9");
  CHECK(p[4].start == T("2026-09-01T00:00:00+07:00"));
  CHECK(p[4].end == T("2026-09-03T00:00:00+07:00"));
  CHECK(p[1].line > p[0].line);
  CHECK_FALSE(p[1].heightened);
}

TEST_CASE("holiday import reads timed events, missing DTEND and reports bad input", "[oncall]") {
  const std::string ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//VI\r\n"
      "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=America/New_York:20260704T090000\r\n"
      "DTEND;TZID=America/New_York:20260704T170000\r\nSUMMARY:Độc lập Mỹ\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T000000Z\r\nDURATION:PT2H\r\n"
      "SUMMARY:Giao thừa\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:c\r\nDTSTART;VALUE=DATE:20260308\r\nSUMMARY:Quốc tế Phụ nữ\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  auto periods = ImportHolidaysIcs(ics, kHcm);
  REQUIRE(periods);
  REQUIRE(periods->size() == 3);
  CHECK((*periods)[0].name == "Giao thừa");
  CHECK((*periods)[0].end == T("2026-01-01T02:00:00Z"));
  CHECK((*periods)[1].name == "Quốc tế Phụ nữ");
  CHECK((*periods)[1].start == T("2026-03-08T00:00:00+07:00"));
  CHECK((*periods)[1].end == T("2026-03-09T00:00:00+07:00"));  // one day without DTEND
  CHECK((*periods)[2].start == T("2026-07-04T13:00:00Z"));
  CHECK((*periods)[2].end == T("2026-07-04T21:00:00Z"));

  auto garbage = ImportHolidaysIcs("this is not a calendar", kHcm);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == "invalid_ics");
  auto no_start = ImportHolidaysIcs(
      "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:Ok\nDTSTART;VALUE=DATE:20260101\n"
      "END:VEVENT\nBEGIN:VEVENT\nSUMMARY:Lỗi\nEND:VEVENT\nEND:VCALENDAR\n",
      kHcm);
  REQUIRE_FALSE(no_start);
  CHECK(no_start.error().code == "invalid_ics");
  CHECK(no_start.error().message.find("event 2 (line 7) \"Lỗi\"") != std::string::npos);
  CHECK(no_start.error().message.find("DTSTART") != std::string::npos);
}

namespace {
struct IcalFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
}  // namespace

TEST_CASE("the duty calendar parses back with one event per shift and stable UIDs", "[oncall]") {
  const Schedule s = Noc({Rotation("Ngày", {"an", "binh"}, Local("2026-01-05T08:00"), kDay)});
  const auto shifts = ShiftsOf(s, {}, "an", Local("2026-01-05"), Local("2026-01-15"));
  REQUIRE(shifts.size() == 5);
  const std::string ics = DutyCalendarIcs("Nguyễn Văn An", shifts);

  std::unique_ptr<icalcomponent, IcalFree> cal(icalparser_parse_string(ics.c_str()));
  REQUIRE(cal);
  REQUIRE(icalcomponent_isa(cal.get()) == ICAL_VCALENDAR_COMPONENT);
  CHECK(std::string(icalproperty_get_prodid(icalcomponent_get_first_property(
            cal.get(), ICAL_PRODID_PROPERTY))) == "-//Vigil//Duty//VI");
  CHECK(std::string(icalproperty_get_version(
            icalcomponent_get_first_property(cal.get(), ICAL_VERSION_PROPERTY))) == "2.0");
  std::string calname;
  for (auto* p = icalcomponent_get_first_property(cal.get(), ICAL_X_PROPERTY); p;
       p = icalcomponent_get_next_property(cal.get(), ICAL_X_PROPERTY)) {
    if (std::string(icalproperty_get_x_name(p)) == "X-WR-CALNAME") calname = icalproperty_get_x(p);
  }
  CHECK(calname == "Lịch trực — Nguyễn Văn An");

  std::vector<std::string> uids;
  size_t i = 0;
  for (auto* ev = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(cal.get(), ICAL_VEVENT_COMPONENT), ++i) {
    REQUIRE(i < shifts.size());
    uids.push_back(icalcomponent_get_uid(ev));
    CHECK(uids.back().ends_with("@vigil"));
    CHECK(std::string(icalcomponent_get_summary(ev)) == "Trực cán bộ trực — Trực NOC");
    CHECK(std::string(icalcomponent_get_description(ev)).find("Ngày") != std::string::npos);
    const icaltimetype start = icalcomponent_get_dtstart(ev);
    CHECK(icaltime_is_utc(start));
    CHECK(static_cast<TimeMs>(icaltime_as_timet(start)) * 1000 == shifts[i].from);
    CHECK(static_cast<TimeMs>(icaltime_as_timet(icalcomponent_get_dtend(ev))) * 1000 ==
          shifts[i].until);
  }
  CHECK(i == shifts.size());
  CHECK(std::set<std::string>(uids.begin(), uids.end()).size() == uids.size());

  // The same shifts give the same UIDs; our own importer reads the feed too.
  const std::string again = DutyCalendarIcs("Nguyễn Văn An", shifts);
  CHECK(again == ics);
  auto back = ImportHolidaysIcs(ics, kHcm);
  REQUIRE(back);
  CHECK(back->size() == shifts.size());
  CHECK((*back)[0].start == shifts[0].from);
  CHECK(DutyCalendarIcs("An", {}).find("BEGIN:VEVENT") == std::string::npos);
}

TEST_CASE("answers are the same when computed from many threads at once", "[oncall]") {
  std::vector<Schedule> schedules;
  for (const char* tz : {"Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo", kHcm}) {
    schedules.push_back(
        Noc({Rotation("Ngày", {"an", "binh", "chi"}, Local("2026-01-05T08:00", tz), kDay),
             RruleRotation("R", {"dung", "em"}, Local("2026-01-05T20:00", tz),
                           "FREQ=WEEKLY;BYDAY=TU,FR")},
            tz));
  }
  const TimeMs base = T("2026-01-05T00:00:00Z");  // Catch's macros stay on this thread
  auto answers = [&] {
    std::vector<std::string> out;
    for (int i = 0; i < 200; ++i) {
      const auto& s = schedules[i % schedules.size()];
      for (const auto& d : WhoIsOnDuty(s, {}, base + i * 7 * kHour)) {
        out.push_back(d.person + FormatLocalTime(d.from, s.time_zone));
      }
    }
    return out;
  };
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> threads;
  for (auto& g : got) threads.emplace_back([&] { g = answers(); });
  for (auto& t : threads) t.join();
  const auto want = answers();
  for (const auto& g : got) CHECK(g == want);
}
