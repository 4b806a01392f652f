#include "daemon/alerts/alert.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace vigil {

std::string JoinGroupDetails(const std::string& own, std::string_view key,
                             const std::string& group_json) {
  if (group_json.empty()) return own;
  // The common case needs no parse: `key` sorts before every member of `own` (Alertmanager's
  // own members all do), so it goes first. Members are dumped sorted, so the first member's
  // name tells; one needing escapes (a backslash) takes the slow path.
  const size_t name_end = own.size() > 2 ? own.find('"', 2) : std::string::npos;
  const bool empty = own == "{}";
  if (empty || (own.size() > 2 && own[0] == '{' && own[1] == '"' && name_end != std::string::npos &&
                own.find('\\', 2) > name_end &&
                std::string_view(own).substr(2, name_end - 2) > key)) {
    std::string out;
    out.reserve(own.size() + key.size() + group_json.size() + 4);
    out.append("{\"").append(key).append("\":").append(group_json);
    if (!empty) out.append(",").append(own, 1, std::string::npos);
    else out.push_back('}');
    return out;
  }
  auto doc = nlohmann::json::parse(own, nullptr, false);
  auto group = nlohmann::json::parse(group_json, nullptr, false);
  if (!doc.is_object() || group.is_discarded()) return own;
  doc[std::string(key)] = std::move(group);
  return doc.dump();
}

std::string_view ToString(Severity s) {
  switch (s) {
    case Severity::kCritical: return "critical";
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "info";
  }
  return "warning";
}

std::string_view ToString(AlertStatus s) {
  switch (s) {
    case AlertStatus::kTriggered: return "triggered";
    case AlertStatus::kAcknowledged: return "acknowledged";
    case AlertStatus::kResolved: return "resolved";
  }
  return "triggered";
}

std::string_view ToString(EventAction a) {
  switch (a) {
    case EventAction::kTrigger: return "trigger";
    case EventAction::kAcknowledge: return "acknowledge";
    case EventAction::kResolve: return "resolve";
  }
  return "trigger";
}

std::optional<Severity> ParseSeverity(std::string_view s) {
  if (s == "critical") return Severity::kCritical;
  if (s == "error") return Severity::kError;
  if (s == "warning") return Severity::kWarning;
  if (s == "info") return Severity::kInfo;
  return std::nullopt;
}

std::optional<AlertStatus> ParseAlertStatus(std::string_view s) {
  if (s == "triggered") return AlertStatus::kTriggered;
  if (s == "acknowledged") return AlertStatus::kAcknowledged;
  if (s == "resolved") return AlertStatus::kResolved;
  return std::nullopt;
}

Effect DecideEffect(EventAction action, std::optional<AlertStatus> open) {
  switch (action) {
    case EventAction::kTrigger:
      return open ? Effect::kRepeat : Effect::kCreate;
    case EventAction::kAcknowledge:
      return open == AlertStatus::kTriggered ? Effect::kAcknowledge : Effect::kNothing;
    case EventAction::kResolve:
      return open ? Effect::kResolve : Effect::kNothing;
  }
  return Effect::kNothing;
}

bool CanTransition(AlertStatus current, AlertStatus target) {
  if (current == AlertStatus::kResolved) return false;
  if (target == AlertStatus::kAcknowledged) return current == AlertStatus::kTriggered;
  return target == AlertStatus::kResolved;
}

void OpenAlertIndex::KeyInto(std::string& key, std::int64_t integration_id,
                             std::string_view dedup_key) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, integration_id);
  key.assign(digits, end).push_back('\x1f');
  key.append(dedup_key);
}

std::string OpenAlertIndex::Key(std::int64_t integration_id, std::string_view dedup_key) {
  std::string key;
  KeyInto(key, integration_id, dedup_key);
  return key;
}

const OpenAlertIndex::Entry* OpenAlertIndex::Find(std::int64_t integration_id,
                                                  std::string_view dedup_key) const {
  KeyInto(probe_, integration_id, dedup_key);
  auto it = map_.find(probe_);
  return it == map_.end() ? nullptr : &it->second;
}

OpenAlertIndex::Entry* OpenAlertIndex::Find(std::int64_t integration_id,
                                            std::string_view dedup_key) {
  KeyInto(probe_, integration_id, dedup_key);
  auto it = map_.find(probe_);
  return it == map_.end() ? nullptr : &it->second;
}

void OpenAlertIndex::Put(std::int64_t integration_id, std::string_view dedup_key, Entry e) {
  auto [it, inserted] = map_.try_emplace(Key(integration_id, dedup_key), e);
  if (inserted) return;
  if (it->second.id == e.id) {
    it->second.status = e.status;  // a status change: the repeats' log goes on
  } else {
    it->second = e;
  }
}

std::uint64_t DetailsHash(std::string_view details) {
  const std::uint64_t h = std::hash<std::string_view>{}(details);
  return h == 0 ? 1 : h;
}

RepeatLog DecideRepeatLog(OpenAlertIndex::Entry& open, std::string_view details,
                          std::int64_t max_logged) {
  if (open.repeats++ >= max_logged) return RepeatLog::kCountOnly;
  const std::uint64_t h = DetailsHash(details);
  if (h == open.details_hash) return RepeatLog::kUnchanged;
  open.details_hash = h;
  return RepeatLog::kWithDetails;
}

void OpenAlertIndex::Erase(std::int64_t integration_id, std::string_view dedup_key) {
  map_.erase(Key(integration_id, dedup_key));
}

}  // namespace vigil
