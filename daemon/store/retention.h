// Retention: prunes the rows nobody needs any more (old alert event logs, expired SMS reply
// codes, used answer links), a small batch at a time, so that no pass holds the engine up.
//
// The engine's cycle runs it on its write connection, inside the cycle's transaction: the
// task's next run is a row (maintenance.task = 'retention', included in WriteStore::NextDue),
// so a restart or a clock jump heals itself. Every time is bound from the caller's `now`,
// never SQLite's clock. Not thread-safe: the engine thread only. Functions throw StoreError.
#pragma once

#include <cstdint>

#include "daemon/common/clock.h"
#include "daemon/store/sqlite.h"

namespace vigil {

// How long rows are kept (config `retention:`). A zero age keeps that table's rows for ever.
struct RetentionPolicy {
  TimeMs alert_events = 90 * 86'400'000LL;  // the event log of an alert resolved this long ago
  TimeMs reply_codes = 7 * 86'400'000LL;    // a reply code this long after it expired
  TimeMs used_links = 7 * 86'400'000LL;     // a used link this long after it could expire
  TimeMs link_ttl = 86'400'000LL;  // how long links live (a used one is remembered so long)
  int batch = 500;                 // rows (alerts, for event logs) per table and step at most
  TimeMs interval = 3'600'000LL;   // between passes once nothing is left to prune
  TimeMs step_gap = 1'000;         // between steps while a pass still has rows to prune
};

// What one step pruned. `more`: a batch was full, so run again soon.
struct PruneResult {
  std::int64_t alert_events = 0, reply_codes = 0, used_links = 0;
  bool more = false;
};

// Whether the retention task's row is due at `now`.
bool RetentionDue(sqlite::Db& db, TimeMs now);

// One step at `now`: at most `batch` rows of each table, oldest first. The event logs of
// alerts resolved before now - alert_events go alert by alert (a cursor in the task's row
// remembers where the pass stands, so no step scans what earlier ones pruned).
PruneResult PruneStep(sqlite::Db& db, const RetentionPolicy& policy, TimeMs now);

// Sets the task's next run.
void ScheduleRetention(sqlite::Db& db, TimeMs next_at);

}  // namespace vigil
