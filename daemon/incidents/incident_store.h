// IncidentStore: the incident tables (incidents, anchors, linked alerts, playbook steps,
// timeline) over one SQLite connection. The engine uses it on the write connection inside its
// batch transaction; HTTP threads use it on a read-only connection (ReadStore::Read).
// Methods throw StoreError like the rest of the store; the caller's boundary maps them.
// Not thread-safe: one IncidentStore per connection and thread, for one call or batch.
#pragma once

#include <optional>
#include <vector>

#include "daemon/incidents/incident.h"
#include "daemon/store/store.h"

namespace vigil {

// Filters for listing incidents; empty fields match everything.
struct IncidentFilter {
  std::string state;  // a state, or "open" for every state that is not final
  std::string unit, category, assignee;
  std::optional<TimeMs> since;  // opened at or after
  int limit = 50;
};

class IncidentStore {
 public:
  // `db` must outlive the store.
  explicit IncidentStore(sqlite::Db& db) : db_(db) {}

  // Inserts the ticket with its anchors and linked alerts; returns its id.
  std::int64_t Insert(const Incident& in);
  std::optional<Incident> Get(std::int64_t id);
  std::vector<Incident> List(const IncidentFilter& f);
  // Incidents open at some time within [from, to) (opened before `to`, not finished before
  // `from`), oldest first, with anchors and linked alerts.
  std::vector<Incident> ActiveBetween(TimeMs from, TimeMs to);

  void SetState(std::int64_t id, IncidentState s, std::optional<std::int64_t> duplicate_of,
                TimeMs now);
  void SetAssignee(std::int64_t id, const std::string& person, TimeMs now);
  // Stamps an anchor once; returns false when it was already stamped (the first time stands).
  bool StampAnchor(std::int64_t id, const std::string& anchor, TimeMs at);
  std::map<std::string, TimeMs> Anchors(std::int64_t id);

  // Returns false when the alert was already linked to this incident.
  bool LinkAlert(std::int64_t id, std::int64_t alert_id, TimeMs at);
  // The open incident an alert is linked to, if any.
  std::optional<std::int64_t> OpenIncidentOfAlert(std::int64_t alert_id);
  // The incident a request with this Idempotency-Key opened, if one did, and that request's
  // fingerprint (OpenIncident::request_sha256).
  struct KeptRequest {
    std::int64_t incident_id = 0;
    std::string request_sha256;
  };
  std::optional<KeptRequest> IncidentOfRequest(const std::string& key);
  void RememberRequest(const std::string& key, const std::string& request_sha256,
                       std::int64_t id, TimeMs at);

  void SavePlan(std::int64_t id, const PlaybookPlan& plan, TimeMs now);
  std::optional<PlaybookPlan> Plan(std::int64_t id);

  void InsertStep(const IncidentStep& s);
  void UpdateStep(const IncidentStep& s);
  std::vector<IncidentStep> Steps(std::int64_t incident_id);
  std::optional<IncidentStep> Step(std::int64_t incident_id, const std::string& step_id);
  // Steps whose timer (escalate_at) is due at `now`, oldest first.
  std::vector<IncidentStep> DueSteps(TimeMs now, int limit);
  // Stops every step timer of an incident (it was closed or set aside).
  void StopTimers(std::int64_t incident_id);

  std::int64_t AddTimeline(std::int64_t incident_id, TimeMs at, std::string_view kind,
                           std::string_view actor, const nlohmann::json& detail);
  std::vector<TimelineEntry> Timeline(std::int64_t incident_id);
  // Every incident's entries within [from, to), in order.
  std::vector<TimelineEntry> TimelineBetween(TimeMs from, TimeMs to);

 private:
  sqlite::Db& db_;
};

}  // namespace vigil
