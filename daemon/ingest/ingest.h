// Parsers for events from outside sources. They validate and normalise; they store nothing.
// Every failure is an Error naming the field at fault (a JSON path), status 400.
// Pure functions, thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

#include "daemon/alerts/alert.h"
#include "daemon/common/error.h"

namespace vigil {

inline constexpr size_t kMaxBodyBytes = 512 * 1024;  // PagerDuty's limit, and ours
inline constexpr int kMaxJsonDepth = 64;
inline constexpr size_t kMaxSummaryChars = 1024;
inline constexpr size_t kMaxDedupKeyBytes = 255;

// Parses a request body as a JSON object. Rejects invalid JSON or UTF-8 (with the byte
// offset), nesting deeper than kMaxJsonDepth, and non-object documents.
Result<nlohmann::json> ParseJsonObject(std::string_view body);

// The credential of a PagerDuty Events API v2 body ("routing_key"); empty when absent or
// not a string. The caller authenticates before calling ParseEventsV2.
std::string EventsV2RoutingKey(const nlohmann::json& body);

// Validates one Events API v2 event. A trigger without dedup_key gets a generated UUID.
// Unknown fields are kept in details_json; the routing key never is.
Result<IngestEvent> ParseEventsV2(const nlohmann::json& body);

// Validates an Alertmanager webhook (payload version 4) and returns one event per entry of
// alerts[]: firing → trigger, resolved → resolve, dedup key = the alert's fingerprint.
Result<std::vector<IngestEvent>> ParseAlertmanager(const nlohmann::json& body);

// Truncates UTF-8 text to at most `max_chars` code points, never splitting one.
std::string TruncateUtf8(std::string_view text, size_t max_chars);

}  // namespace vigil
