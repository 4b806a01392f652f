// Parsing and formatting of times and durations as users write them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/common/clock.h"

namespace vigil {

// "2026-04-30T08:00:00Z", "2015-07-17T08:42:58.315+0000", "2026-04-30T15:00:00+07:00".
// Returns nullopt when the text is not an RFC 3339 / ISO 8601 date-time with a zone.
std::optional<TimeMs> ParseTimestamp(std::string_view text);

// Formats as RFC 3339 UTC with milliseconds: "2026-04-30T08:00:00.000Z".
std::string FormatTimestamp(TimeMs t);

// Durations as config and CLI users write them: "90s", "10m", "2h", "1d", "1h30m", "250ms".
// A bare number is rejected (the unit must be explicit). Returns milliseconds.
std::optional<TimeMs> ParseDuration(std::string_view text);

// "3m", "2h05m", "4d" — the short human form used in tables ("age").
std::string FormatAge(TimeMs ms);

}  // namespace vigil
