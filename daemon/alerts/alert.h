// The alert domain: what an alert is, its states, and the pure rules that move it.
// No I/O here; the engine applies these decisions to the store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/common/clock.h"

namespace vigil {

enum class Severity { kCritical, kError, kWarning, kInfo };
enum class AlertStatus { kTriggered, kAcknowledged, kResolved };
enum class EventAction { kTrigger, kAcknowledge, kResolve };

std::string_view ToString(Severity s);
std::string_view ToString(AlertStatus s);
std::string_view ToString(EventAction a);
std::optional<Severity> ParseSeverity(std::string_view s);  // exact, case-sensitive
std::optional<AlertStatus> ParseAlertStatus(std::string_view s);

// What the alerts of one Alertmanager webhook share (receiver, groupKey, externalURL,
// groupLabels): stored once per distinct content (table alert_groups, keyed by the SHA-256
// of `details_json`) and joined back into each alert's details on every read.
struct AlertGroup {
  std::string sha256;        // hex SHA-256 of details_json
  std::string details_json;  // {"externalURL":…,"groupKey":…,…}
  std::string key;           // the member name it takes in each alert's details
};

// An alert's own details with its group's put back under `group.key`, exactly as if the key
// were set on the parsed object and it were dumped (keys sorted, a member of that name in
// `own` replaced). `own` must be a JSON object as nlohmann dumps it. Empty `group_json`:
// `own` as it is.
std::string JoinGroupDetails(const std::string& own, std::string_view key,
                             const std::string& group_json);

// One event from a source, validated by an ingest parser, not yet applied.
struct IngestEvent {
  EventAction action = EventAction::kTrigger;
  std::string dedup_key;  // never empty once parsed (generated for keyless triggers)
  bool dedup_key_generated = false;
  std::string summary;
  std::string source;
  Severity severity = Severity::kWarning;
  std::optional<TimeMs> timestamp;  // when the source detected it, if it said
  std::string details_json;         // the rest of the event, kept verbatim as a JSON object
  // What this event shares with the others of its request (Alertmanager's group), stored
  // once; details_json then holds only the alert's own fields (JoinGroupDetails joins them).
  std::shared_ptr<const AlertGroup> group;
  // What routes match on: Alertmanager labels; for PagerDuty events component, group, class
  // and the string fields of custom_details. "unit" names the unit the alert concerns.
  std::map<std::string, std::string> labels;
};

// An alert as stored.
struct Alert {
  std::int64_t id = 0;
  std::int64_t integration_id = 0;
  std::string integration;  // integration name, filled by reads
  std::string dedup_key;
  AlertStatus status = AlertStatus::kTriggered;
  Severity severity = Severity::kWarning;
  std::string summary;
  std::string source;
  // Reads return the alert's details whole (its group's joined back in); a write stores
  // the alert's own fields here and its group under group_sha256 (alert_groups).
  std::string details_json = "{}";
  std::string group_sha256;  // empty: no shared group details
  std::int64_t count = 1;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  std::optional<TimeMs> detected_at;  // the source's own time of the event, when it sent one
  std::optional<TimeMs> acknowledged_at;
  std::optional<TimeMs> resolved_at;
  std::string acknowledged_by;
  std::string resolved_by;
};

// What an incoming event does, given the open alert with its dedup key (if any).
enum class Effect {
  kCreate,       // no open alert: open a new one and page
  kRepeat,       // already open: count rises, nobody is paged again
  kAcknowledge,  // open and triggered: acknowledge it
  kResolve,      // open: resolve it
  kNothing,      // ack/resolve for no open alert, or ack of an acknowledged one
};
Effect DecideEffect(EventAction action, std::optional<AlertStatus> open_status);

// Whether a person's ack/resolve of an alert in `current` state changes it.
// Returns false when there is nothing to do (already in that state or resolved).
bool CanTransition(AlertStatus current, AlertStatus target);

// Open (not resolved) alerts by (integration, dedup key), held in memory by the engine so
// deduplication needs no database index. Not thread-safe: owned by the engine thread.
class OpenAlertIndex {
 public:
  struct Entry {
    std::int64_t id;
    AlertStatus status;
    // Repeats of the alert so far (its count - 1), and a hash of the details its event log
    // last recorded (0: unknown, after a restart): what bounds the repeats' log (RepeatLog).
    std::int64_t repeats = 0;
    std::uint64_t details_hash = 0;
  };
  const Entry* Find(std::int64_t integration_id, std::string_view dedup_key) const;
  Entry* Find(std::int64_t integration_id, std::string_view dedup_key);
  // Inserts or replaces; an entry for the same alert id keeps its repeat bookkeeping.
  void Put(std::int64_t integration_id, std::string_view dedup_key, Entry e);
  void Erase(std::int64_t integration_id, std::string_view dedup_key);
  void Clear() { map_.clear(); }
  size_t size() const { return map_.size(); }

 private:
  // "<integration id>\x1f<dedup key>", written into `key` (whose capacity it reuses).
  static void KeyInto(std::string& key, std::int64_t integration_id, std::string_view dedup_key);
  static std::string Key(std::int64_t integration_id, std::string_view dedup_key);
  std::unordered_map<std::string, Entry> map_;
  mutable std::string probe_;  // Find's key, reused: a lookup allocates nothing
};

// What the event log keeps of one repeat of an open alert. The first `max_logged` repeats
// get an event, with the repeat's details only when they differ from the details last
// recorded (by hash); later repeats only raise the alert's count. Updates `open`'s
// bookkeeping (repeats, details_hash) for the repeat.
enum class RepeatLog { kWithDetails, kUnchanged, kCountOnly };
RepeatLog DecideRepeatLog(OpenAlertIndex::Entry& open, std::string_view details,
                          std::int64_t max_logged);

// The hash DecideRepeatLog compares details by (never 0).
std::uint64_t DetailsHash(std::string_view details);

}  // namespace vigil
