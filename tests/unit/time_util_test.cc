#include <catch2/catch.hpp>

#include "daemon/common/time_util.h"

using namespace vigil;

TEST_CASE("durations read the way people write them", "[time]") {
  CHECK(ParseDuration("90s") == 90'000);
  CHECK(ParseDuration("10m") == 600'000);
  CHECK(ParseDuration("2h") == 7'200'000);
  CHECK(ParseDuration("1d") == 86'400'000);
  CHECK(ParseDuration("1h30m") == 5'400'000);
  CHECK(ParseDuration("250ms") == 250);
  CHECK_FALSE(ParseDuration("10").has_value());  // the unit is required
  CHECK_FALSE(ParseDuration("").has_value());
  CHECK_FALSE(ParseDuration("5x").has_value());
  CHECK_FALSE(ParseDuration("m").has_value());
}

TEST_CASE("timestamps parse with any zone and format as UTC", "[time]") {
  CHECK(ParseTimestamp("1970-01-01T00:00:00Z") == 0);
  CHECK(ParseTimestamp("2026-04-30T15:00:00+07:00") == ParseTimestamp("2026-04-30T08:00:00Z"));
  // PagerDuty's own example uses a zone without a colon and milliseconds.
  CHECK(ParseTimestamp("2015-07-17T08:42:58.315+0000") == 1437122578315);
  CHECK(FormatTimestamp(1437122578315) == "2015-07-17T08:42:58.315Z");
  CHECK_FALSE(ParseTimestamp("2026-13-01T00:00:00Z").has_value());
  CHECK_FALSE(ParseTimestamp("2026-04-30T08:00:00").has_value());  // no zone: ambiguous
  CHECK_FALSE(ParseTimestamp("yesterday").has_value());
}

TEST_CASE("ages are short and readable", "[time]") {
  CHECK(FormatAge(59'000) == "59s");
  CHECK(FormatAge(61'000) == "1m");
  CHECK(FormatAge(2 * 3'600'000 + 5 * 60'000) == "2h05m");
  CHECK(FormatAge(-5) == "0s");
}
