// Internal to the engine: the JSON messages it stores in the outbox and publishes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daemon/alerts/alert.h"
#include "daemon/common/time_util.h"
#include "daemon/store/store.h"

namespace vigil::engine_internal {

using nlohmann::json;

// The alert as consoles and subscribers see it.
inline std::string AlertJson(std::int64_t id, std::string_view integration, std::string_view dedup_key,
                      AlertStatus status, Severity severity, std::string_view summary,
                      std::string_view source, TimeMs at) {
  return json{{"id", id},
              {"integration", integration},
              {"dedup_key", dedup_key},
              {"status", ToString(status)},
              {"severity", ToString(severity)},
              {"summary", summary},
              {"source", source},
              {"at", FormatTimestamp(at)}}
      .dump();
}

// {"type": type, "alert": {...}[, "by": actor]} without re-serialising the alert.
inline std::string Envelope(std::string_view type, const std::string& alert_json,
                     std::string_view by = {}) {
  std::string s = R"({"type":")";
  s.append(type).append(R"(","alert":)").append(alert_json);
  if (!by.empty()) s.append(R"(,"by":)").append(json(by).dump());
  s.append("}");
  return s;
}

// The alert from its stored head, as it stands (`status`) at `now`.
inline std::string AlertJsonOf(std::int64_t id, const WriteStore::AlertHead& h,
                               AlertStatus status, TimeMs now) {
  return AlertJson(id, h.integration, h.dedup_key, status, h.severity, h.summary, h.source, now);
}

}  // namespace vigil::engine_internal
