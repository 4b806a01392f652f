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

// What one request may make vigild store (config `ingest:`; defaults here). Over a limit,
// the parsers refuse the whole request (nothing is stored) with 413 "limit_exceeded", the
// field at fault, and a message naming the limit's config key. Summaries and sources are
// cut (kMaxSummaryChars) instead; dedup keys over kMaxDedupKeyBytes are refused (400).
struct IngestLimits {
  size_t max_alerts = 1000;                 // alerts[] per Alertmanager request
  size_t max_alert_details_bytes = 64 * 1024;  // one Alertmanager alert's own details
  // One Events v2 event's details (the body without routing_key). PagerDuty's own payload
  // limit by default: every event PagerDuty takes is taken here.
  size_t max_event_details_bytes = kMaxBodyBytes;
  size_t max_labels = 64;                   // labels, and annotations, of one alert
  size_t max_label_bytes = 1024;            // one label's name or value (and a v2 component…)
  size_t max_annotation_bytes = 16 * 1024;  // one annotation's value
  size_t max_group_field_bytes = 8 * 1024;  // groupKey, receiver, externalURL, groupLabels
};

// Parses a request body as a JSON object. Rejects invalid JSON or UTF-8 (with the byte
// offset), nesting deeper than kMaxJsonDepth, and non-object documents.
Result<nlohmann::json> ParseJsonObject(std::string_view body);

// The credential of a PagerDuty Events API v2 body ("routing_key"); empty when absent or
// not a string. The caller authenticates before calling ParseEventsV2.
std::string EventsV2RoutingKey(const nlohmann::json& body);

// Validates one Events API v2 event. A trigger without dedup_key gets a generated UUID.
// Unknown fields are kept in details_json; the routing key never is. Over `limits`: the
// details (field: their largest member, e.g. payload.custom_details), component, group or
// class. String custom_details become labels only up to max_labels of max_label_bytes.
Result<IngestEvent> ParseEventsV2(const nlohmann::json& body, const IngestLimits& limits = {});

// Validates an Alertmanager webhook (payload version 4) and returns one event per entry of
// alerts[]: firing → trigger, resolved → resolve, dedup key = the alert's fingerprint.
// Each event's details_json is the alert as sent; what the alerts share (the group's
// receiver, groupKey, externalURL, groupLabels) is one AlertGroup they all point to, joined
// back under "alertmanager" by JoinGroupDetails. Over `limits`: 413 naming the field.
Result<std::vector<IngestEvent>> ParseAlertmanager(const nlohmann::json& body,
                                                   const IngestLimits& limits = {});

// The error for `field` over a limit: 413 limit_exceeded, naming the config key `limit`.
Error LimitExceeded(const std::string& field, const std::string& what, const char* limit,
                    size_t max);

// Truncates UTF-8 text to at most `max_chars` code points, never splitting one.
std::string TruncateUtf8(std::string_view text, size_t max_chars);

}  // namespace vigil
