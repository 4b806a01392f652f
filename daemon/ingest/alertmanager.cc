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

Result<void> CheckStringMap(const json& a, const char* key, const std::string& path,
                            bool required) {
  auto it = a.find(key);
  if (it == a.end() || it->is_null()) {
    if (!required) return {};
    return Fail("missing_field", path + "." + key + " is required", path + "." + key);
  }
  if (!it->is_object()) {
    return Fail("invalid_field", path + "." + key + " must be an object", path + "." + key);
  }
  for (auto kv = it->begin(); kv != it->end(); ++kv) {
    if (!kv.value().is_string()) {
      const std::string p = path + "." + key + "." + kv.key();
      return Fail("invalid_field", p + " must be a string", p);
    }
  }
  return {};
}

// What every alert of one webhook call keeps of the call: {"groupKey":…,…}, dumped once.
std::string GroupDetails(const json& group) {
  return json{{"groupKey", group.value("groupKey", json())},
              {"receiver", group.value("receiver", json())},
              {"externalURL", group.value("externalURL", json())},
              {"groupLabels", group.value("groupLabels", json())}}
      .dump();
}

// The alert as sent, plus "alertmanager": the group's details. The same text as adding the
// key to a copy of `a` and dumping it (keys sorted), without copying the tree: "alertmanager"
// goes first when it sorts before every key of `a`, as it does for Alertmanager's own keys.
std::string AlertDetails(const json& a, const std::string& group_details) {
  const bool first = a.empty() || a.begin().key() > "alertmanager";
  if (!first) {
    json details = a;
    details["alertmanager"] = json::parse(group_details);
    return details.dump();
  }
  std::string s = a.dump();
  std::string head = R"({"alertmanager":)" + group_details;
  if (s.size() > 2) head += ',';
  return head + s.substr(1);
}

Result<IngestEvent> ParseOne(const json& a, const json& group, const std::string& group_details,
                             size_t i) {
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
  if (auto ok = CheckStringMap(a, "labels", path, true); !ok) return std::unexpected(ok.error());
  if (auto ok = CheckStringMap(a, "annotations", path, false); !ok) {
    return std::unexpected(ok.error());
  }
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
  ev.details_json = AlertDetails(a, group_details);
  return ev;
}

}  // namespace

Result<std::vector<IngestEvent>> ParseAlertmanager(const json& body) {
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
  std::vector<IngestEvent> events;
  events.reserve(alerts->size());
  const std::string group_details = GroupDetails(body);
  for (size_t i = 0; i < alerts->size(); ++i) {
    auto ev = ParseOne((*alerts)[i], body, group_details, i);
    if (!ev) return std::unexpected(ev.error());
    events.push_back(std::move(*ev));
  }
  return events;
}

}  // namespace vigil
