#include "daemon/alerts/alert.h"

#include <charconv>

namespace vigil {

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

void OpenAlertIndex::Put(std::int64_t integration_id, std::string_view dedup_key, Entry e) {
  map_.insert_or_assign(Key(integration_id, dedup_key), e);
}

void OpenAlertIndex::Erase(std::int64_t integration_id, std::string_view dedup_key) {
  map_.erase(Key(integration_id, dedup_key));
}

}  // namespace vigil
