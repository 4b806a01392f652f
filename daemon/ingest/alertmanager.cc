// Prometheus Alertmanager webhook_config payload, version 4 (see ../shared/FORMATS.md).
#include "daemon/common/secrets.h"
#include "daemon/common/time_util.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

using nlohmann::json;

std::string Label(const json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return {};
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      return it->get<std::string>();
    }
  }
  return {};
}

// Alertmanager users name severities freely; map the common spellings.
Severity MapSeverity(const std::string& s) {
  struct Name {
    const char* name;
    Severity severity;
  };
  static constexpr Name kNames[] = {
      {"critical", Severity::kCritical}, {"crit", Severity::kCritical},
      {"page", Severity::kCritical},     {"emergency", Severity::kCritical},
      {"fatal", Severity::kCritical},    {"p1", Severity::kCritical},
      {"error", Severity::kError},       {"err", Severity::kError},
      {"high", Severity::kError},        {"major", Severity::kError},
      {"p2", Severity::kError},          {"warning", Severity::kWarning},
      {"warn", Severity::kWarning},      {"medium", Severity::kWarning},
      {"minor", Severity::kWarning},     {"p3", Severity::kWarning},
      {"info", Severity::kInfo},         {"informational", Severity::kInfo},
      {"low", Severity::kInfo},          {"none", Severity::kInfo},
      {"notice", Severity::kInfo},       {"p4", Severity::kInfo},
      {"p5", Severity::kInfo},
  };
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const auto& n : kNames) {
    if (lower == n.name) return n.severity;
  }
  return Severity::kWarning;  // unknown or absent: shown, not escalated as critical
}

// A map of strings: at most max_labels entries, names within max_label_bytes and values
// within `max_value` bytes (`value_limit` names that limit).
Result<void> CheckStringMap(const json& a, const char* key, const std::string& path,
                            bool required, const IngestLimits& limits, size_t max_value,
                            const char* value_limit) {
  auto it = a.find(key);
  const std::string p = path + "." + key;
  if (it == a.end() || it->is_null()) {
    if (!required) return {};
    return Fail("missing_field", p + " is required", p);
  }
  if (!it->is_object()) return Fail("invalid_field", p + " must be an object", p);
  if (it->size() > limits.max_labels) {
    return std::unexpected(LimitExceeded(p, "entries", "ingest.max_labels", limits.max_labels));
  }
  for (auto kv = it->begin(); kv != it->end(); ++kv) {
    const std::string at = p + "." + kv.key();
    if (!kv.value().is_string()) return Fail("invalid_field", at + " must be a string", at);
    if (kv.key().size() > limits.max_label_bytes) {
      return std::unexpected(
          LimitExceeded(at, "bytes of name", "ingest.max_label_bytes", limits.max_label_bytes));
    }
    if (kv.value().get_ref<const std::string&>().size() > max_value) {
      return std::unexpected(LimitExceeded(at, "bytes", value_limit, max_value));
    }
  }
  return {};
}

// The largest member of an object, to name what made it too big.
std::string LargestMember(const json& obj) {
  std::string name;
  size_t most = 0;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const size_t n = it.value().dump().size();
    if (n > most) most = n, name = it.key();
  }
  return name;
}

// What every alert of one webhook call shares: {"externalURL":…,"groupKey":…,…}, dumped and
// hashed once per request, stored once (alert_groups). Each field is capped.
Result<std::shared_ptr<const AlertGroup>> GroupOf(const json& body, const IngestLimits& limits) {
  json group = json::object();
  for (const char* key : {"groupKey", "receiver", "externalURL", "groupLabels"}) {
    json& field = group[key] = body.value(key, json());
    if (field.dump().size() > limits.max_group_field_bytes) {
      return std::unexpected(LimitExceeded(key, "bytes", "ingest.max_group_field_bytes",
                                           limits.max_group_field_bytes));
    }
    if (field.is_object() && field.size() > limits.max_labels) {
      return std::unexpected(LimitExceeded(key, "entries", "ingest.max_labels",
                                           limits.max_labels));
    }
  }
  auto g = std::make_shared<AlertGroup>();
  g->details_json = group.dump();
  g->sha256 = Sha256Hex(g->details_json);
  g->key = "alertmanager";
  return std::shared_ptr<const AlertGroup>(std::move(g));
}

Result<void> CheckMaps(const json& a, const std::string& path, const IngestLimits& limits) {
  if (auto ok = CheckStringMap(a, "labels", path, true, limits, limits.max_label_bytes,
                               "ingest.max_label_bytes");
      !ok) {
    return ok;
  }
  return CheckStringMap(a, "annotations", path, false, limits, limits.max_annotation_bytes,
                        "ingest.max_annotation_bytes");
}

Result<IngestEvent> ParseOne(const json& a, const json& group,
                             const std::shared_ptr<const AlertGroup>& shared, size_t i,
                             const IngestLimits& limits) {
  const std::string path = "alerts[" + std::to_string(i) + "]";
  if (!a.is_object()) return Fail("invalid_field", path + " must be an object", path);
  auto st = a.find("status");
  if (st == a.end() || !st->is_string()) {
    return Fail("missing_field", path + ".status is required (firing or resolved)",
                path + ".status");
  }
  IngestEvent ev;
  if (*st == "firing") {
    ev.action = EventAction::kTrigger;
  } else if (*st == "resolved") {
    ev.action = EventAction::kResolve;
  } else {
    return Fail("invalid_field", path + ".status must be firing or resolved", path + ".status");
  }
  if (auto ok = CheckMaps(a, path, limits); !ok) return std::unexpected(ok.error());
  const json& labels = a["labels"];
  const json annotations = a.value("annotations", json::object());
  for (auto kv = labels.begin(); kv != labels.end(); ++kv) {
    ev.labels[kv.key()] = kv.value().get<std::string>();
  }
  ev.dedup_key = Label(a, {"fingerprint"});
  if (ev.dedup_key.empty()) ev.dedup_key = Sha256Hex(labels.dump()).substr(0, 16);
  if (ev.dedup_key.size() > kMaxDedupKeyBytes) {
    return Fail("invalid_field", path + ".fingerprint is too long", path + ".fingerprint");
  }
  std::string summary = Label(annotations, {"summary", "description", "message", "title"});
  if (summary.empty()) summary = Label(labels, {"alertname"});
  ev.summary = TruncateUtf8(summary.empty() ? "Alertmanager alert" : summary, kMaxSummaryChars);
  std::string source = Label(labels, {"instance", "job", "service", "host"});
  ev.source = TruncateUtf8(source.empty() ? Label(group, {"receiver"}) : source, kMaxSummaryChars);
  if (ev.source.empty()) ev.source = "alertmanager";
  ev.severity = MapSeverity(Label(labels, {"severity", "priority", "level"}));
  if (auto t = ParseTimestamp(Label(a, {"startsAt"}))) ev.timestamp = *t;
  ev.details_json = a.dump();  // the group's fields join it on reads (JoinGroupDetails)
  if (ev.details_json.size() > limits.max_alert_details_bytes) {
    return std::unexpected(LimitExceeded(path + "." + LargestMember(a), "bytes of details",
                                         "ingest.max_alert_details_bytes",
                                         limits.max_alert_details_bytes));
  }
  ev.group = shared;
  return ev;
}

}  // namespace

Error LimitExceeded(const std::string& field, const std::string& what, const char* limit,
                    size_t max) {
  return Error{"limit_exceeded",
               field + " is over the limit of " + std::to_string(max) + " " + what + " (" +
                   limit + ")",
               field, 413};
}

Result<std::vector<IngestEvent>> ParseAlertmanager(const json& body, const IngestLimits& limits) {
  if (auto v = body.find("version"); v != body.end() && !v->is_null()) {
    if (!v->is_string() || *v != "4") {
      return Fail("invalid_field", "version must be \"4\" (Alertmanager webhook payload v4)",
                  "version");
    }
  }
  auto alerts = body.find("alerts");
  if (alerts == body.end() || alerts->is_null()) {
    return Fail("missing_field", "alerts is required", "alerts");
  }
  if (!alerts->is_array()) return Fail("invalid_field", "alerts must be a list", "alerts");
  if (alerts->size() > limits.max_alerts) {
    return std::unexpected(LimitExceeded("alerts", "alerts per request",
                                         "ingest.max_alerts_per_request", limits.max_alerts));
  }
  auto group = GroupOf(body, limits);
  if (!group) return std::unexpected(group.error());
  std::vector<IngestEvent> events;
  events.reserve(alerts->size());
  for (size_t i = 0; i < alerts->size(); ++i) {
    auto ev = ParseOne((*alerts)[i], body, *group, i, limits);
    if (!ev) return std::unexpected(ev.error());
    events.push_back(std::move(*ev));
  }
  return events;
}

}  // namespace vigil
