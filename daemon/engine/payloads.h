// Internal to the engine: the JSON messages it stores in the outbox and publishes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daemon/alerts/alert.h"
#include "daemon/common/json_text.h"
#include "daemon/common/time_util.h"
#include "daemon/store/store.h"

namespace vigil::engine_internal {

using nlohmann::json;

// The alert as consoles and subscribers see it. Written by hand: it is built for every new
// alert, and an nlohmann tree (a std::map per object) cost more than the rest of the work.
inline std::string AlertJson(std::int64_t id, std::string_view integration, std::string_view dedup_key,
                      AlertStatus status, Severity severity, std::string_view summary,
                      std::string_view source, TimeMs at) {
  std::string s;
  s.reserve(160 + dedup_key.size() + summary.size() + source.size());
  s += R"({"id":)";
  s += std::to_string(id);
  s += R"(,"integration":)";
  AppendJsonString(s, integration);
  s += R"(,"dedup_key":)";
  AppendJsonString(s, dedup_key);
  s += R"(,"status":")";
  s += ToString(status);
  s += R"(","severity":")";
  s += ToString(severity);
  s += R"(","summary":)";
  AppendJsonString(s, summary);
  s += R"(,"source":)";
  AppendJsonString(s, source);
  s += R"(,"at":")";
  s += FormatTimestamp(at);
  s += R"("})";
  return s;
}

// {"type": type, "alert": {...}[, "by": actor]} without re-serialising the alert.
inline std::string Envelope(std::string_view type, const std::string& alert_json,
                     std::string_view by = {}) {
  std::string s = R"({"type":")";
  s.append(type).append(R"(","alert":)").append(alert_json);
  if (!by.empty()) {
    s.append(R"(,"by":)");
    AppendJsonString(s, by);
  }
  s.append("}");
  return s;
}

// The alert from its stored head, as it stands (`status`) at `now`.
inline std::string AlertJsonOf(std::int64_t id, const WriteStore::AlertHead& h,
                               AlertStatus status, TimeMs now) {
  return AlertJson(id, h.integration, h.dedup_key, status, h.severity, h.summary, h.source, now);
}

}  // namespace vigil::engine_internal
