#include "daemon/http/views.h"

#include "daemon/common/time_util.h"

namespace vigil {
namespace {
nlohmann::json OptTime(const std::optional<TimeMs>& t) {
  return t ? nlohmann::json(FormatTimestamp(*t)) : nlohmann::json();
}
nlohmann::json ParseOrString(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(text) : j;
}
}  // namespace

nlohmann::json AlertView(const Alert& a, bool with_details) {
  nlohmann::json j = {{"id", a.id},
                      {"integration", a.integration},
                      {"dedup_key", a.dedup_key},
                      {"status", ToString(a.status)},
                      {"severity", ToString(a.severity)},
                      {"summary", a.summary},
                      {"source", a.source},
                      {"count", a.count},
                      {"created_at", FormatTimestamp(a.created_at)},
                      {"updated_at", FormatTimestamp(a.updated_at)},
                      {"acknowledged_at", OptTime(a.acknowledged_at)},
                      {"acknowledged_by", a.acknowledged_by},
                      {"resolved_at", OptTime(a.resolved_at)},
                      {"resolved_by", a.resolved_by}};
  if (with_details) j["details"] = ParseOrString(a.details_json);
  return j;
}

nlohmann::json EventView(const AlertEventRow& e) {
  return {{"id", e.id},
          {"at", FormatTimestamp(e.at)},
          {"kind", e.kind},
          {"actor", e.actor},
          {"detail", ParseOrString(e.detail)}};
}

nlohmann::json DeliveryView(const OutboxRow& r) {
  return {{"id", r.id},
          {"idempotency_key", IdempotencyKey(r.id)},
          {"channel", r.channel},
          {"recipient", r.recipient},
          {"attempts", r.attempts},
          {"created_at", FormatTimestamp(r.created_at)},
          {"next_attempt_at", OptTime(r.delivered_at ? std::nullopt : r.due_at)},
          {"delivered_at", OptTime(r.delivered_at)},
          {"cancelled_at", OptTime(r.cancelled_at)},
          {"failed_at", OptTime(r.failed_at)},
          {"person", r.person},
          {"sent_at", OptTime(r.sent_at)},
          // Held by the rate limit, then sent inside that bundle (its idempotency key).
          {"bundled_into", r.bundled_into ? nlohmann::json(*r.bundled_into) : nlohmann::json()},
          {"last_error", r.last_error}};
}

nlohmann::json EscalationView(const EscalationRow& r) {
  return {{"route", r.route},   {"policy", r.policy},   {"schedule", r.schedule},
          {"level", r.level + 1}, {"pass", r.pass + 1}, {"state", r.state},
          {"next_at", OptTime(r.next_at)}};
}

}  // namespace vigil
