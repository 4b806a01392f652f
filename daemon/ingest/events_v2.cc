// PagerDuty Events API v2 (alert events), as documented in ../shared/FORMATS.md.
#include "daemon/common/json_text.h"
#include "daemon/common/secrets.h"
#include "daemon/common/time_util.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

using nlohmann::json;

Result<std::string> RequiredString(const json& obj, const char* key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return Fail("missing_field", path + " is required", path);
  }
  if (!it->is_string()) return Fail("invalid_field", path + " must be a string", path);
  if (it->get_ref<const std::string&>().empty()) {
    return Fail("invalid_field", path + " must not be empty", path);
  }
  return it->get<std::string>();
}

// Checks optional fields whose type PagerDuty fixes; their values stay in details_json.
Result<void> CheckOptional(const json& body, const json* payload) {
  if (payload) {
    for (const char* key : {"component", "group", "class"}) {
      auto it = payload->find(key);
      if (it != payload->end() && !it->is_null() && !it->is_string()) {
        return Fail("invalid_field", std::string("payload.") + key + " must be a string",
                    std::string("payload.") + key);
      }
    }
  }
  for (auto [key, required] : {std::pair{"images", "src"}, std::pair{"links", "href"}}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_array()) return Fail("invalid_field", std::string(key) + " must be a list", key);
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      const std::string path = std::string(key) + "[" + std::to_string(i) + "]." + required;
      if (!item.is_object() || !item.contains(required) || !item[required].is_string()) {
        return Fail("invalid_field", path + " is required and must be a string", path);
      }
    }
  }
  return {};
}

// component, group and class become labels, so they are capped like labels; string
// custom_details become labels too, but only up to the limits (they stay in the details).
Result<void> TakeLabels(const json& p, IngestEvent& ev, const IngestLimits& limits) {
  for (const char* key : {"component", "group", "class"}) {
    auto it = p.find(key);
    if (it == p.end() || !it->is_string()) continue;
    if (it->get_ref<const std::string&>().size() > limits.max_label_bytes) {
      return std::unexpected(LimitExceeded(std::string("payload.") + key, "bytes",
                                           "ingest.max_label_bytes", limits.max_label_bytes));
    }
    ev.labels[key] = *it;
  }
  auto cd = p.find("custom_details");
  if (cd == p.end() || !cd->is_object()) return {};
  for (auto kv = cd->begin(); kv != cd->end() && ev.labels.size() < limits.max_labels; ++kv) {
    if (!kv.value().is_string() || kv.key().size() > limits.max_label_bytes) continue;
    if (kv.value().get_ref<const std::string&>().size() > limits.max_label_bytes) continue;
    ev.labels[kv.key()] = kv.value().get<std::string>();
  }
  return {};
}

Result<void> ParseTriggerPayload(const json& body, IngestEvent& ev, const IngestLimits& limits) {
  auto pit = body.find("payload");
  if (pit == body.end() || pit->is_null()) {
    return Fail("missing_field", "payload is required for a trigger", "payload");
  }
  if (!pit->is_object()) return Fail("invalid_field", "payload must be an object", "payload");
  const json& p = *pit;
  auto summary = RequiredString(p, "summary", "payload.summary");
  if (!summary) return std::unexpected(summary.error());
  auto source = RequiredString(p, "source", "payload.source");
  if (!source) return std::unexpected(source.error());
  auto severity = RequiredString(p, "severity", "payload.severity");
  if (!severity) return std::unexpected(severity.error());
  auto sev = ParseSeverity(*severity);
  if (!sev) {
    return Fail("invalid_field",
                "payload.severity must be critical, error, warning or info (got \"" +
                    TruncateUtf8(*severity, 32) + "\")",
                "payload.severity");
  }
  if (auto ok = TakeLabels(p, ev, limits); !ok) return ok;
  ev.summary = TruncateUtf8(*summary, kMaxSummaryChars);
  ev.source = TruncateUtf8(*source, kMaxSummaryChars);
  ev.severity = *sev;
  if (auto ts = p.find("timestamp"); ts != p.end() && !ts->is_null()) {
    auto t = ts->is_string() ? ParseTimestamp(ts->get_ref<const std::string&>()) : std::nullopt;
    if (!t) {
      return Fail("invalid_field", "payload.timestamp must be an ISO 8601 date-time with a zone",
                  "payload.timestamp");
    }
    ev.timestamp = *t;
  }
  return CheckOptional(body, &p);
}

// `obj.dump()` without its member `skip` (the routing key, a secret), byte for byte, and
// without copying the whole tree first: each member is dumped in the object's own order.
std::string DumpWithout(const json& obj, std::string_view skip) {
  std::string out = "{";
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it.key() == skip) continue;
    if (out.size() > 1) out += ',';
    AppendJsonString(out, it.key());  // escapes as nlohmann's dump() does
    out += ':';
    out += it.value().dump();
  }
  out += '}';
  return out;
}

// The member of the body (or of its payload) that makes the details too large.
std::string LargestField(const json& body) {
  std::string name;
  size_t most = 0;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "routing_key") continue;
    const size_t n = it.value().dump().size();
    if (n > most) most = n, name = it.key();
  }
  auto p = body.find("payload");
  if (name != "payload" || !p->is_object()) return name;
  return "payload." + LargestField(*p);
}

}  // namespace

std::string EventsV2RoutingKey(const json& body) {
  auto it = body.find("routing_key");
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<IngestEvent> ParseEventsV2(const json& body, const IngestLimits& limits) {
  IngestEvent ev;
  auto action = RequiredString(body, "event_action", "event_action");
  if (!action) return std::unexpected(action.error());
  if (*action == "trigger") {
    ev.action = EventAction::kTrigger;
  } else if (*action == "acknowledge") {
    ev.action = EventAction::kAcknowledge;
  } else if (*action == "resolve") {
    ev.action = EventAction::kResolve;
  } else {
    return Fail("invalid_field", "event_action must be trigger, acknowledge or resolve",
                "event_action");
  }
  if (auto it = body.find("dedup_key"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return Fail("invalid_field", "dedup_key must be a string", "dedup_key");
    ev.dedup_key = it->get<std::string>();
    if (ev.dedup_key.size() > kMaxDedupKeyBytes) {
      return Fail("invalid_field", "dedup_key is longer than 255 characters", "dedup_key");
    }
  }
  if (ev.action == EventAction::kTrigger) {
    if (auto ok = ParseTriggerPayload(body, ev, limits); !ok) return std::unexpected(ok.error());
    if (ev.dedup_key.empty()) {
      ev.dedup_key = RandomUuid();
      ev.dedup_key_generated = true;
    }
  } else if (ev.dedup_key.empty()) {
    return Fail("missing_field", "dedup_key is required to " + *action + " an alert",
                "dedup_key");
  }
  ev.details_json = DumpWithout(body, "routing_key");
  if (ev.details_json.size() > limits.max_event_details_bytes) {
    return std::unexpected(LimitExceeded(LargestField(body), "bytes of details",
                                         "ingest.max_event_details_bytes",
                                         limits.max_event_details_bytes));
  }
  return ev;
}

}  // namespace vigil
