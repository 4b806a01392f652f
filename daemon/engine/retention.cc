// The engine's retention step: one small batch of pruning when the task's row is due.
#include "daemon/common/log.h"
#include "daemon/engine/batch.h"
#include "daemon/engine/engine.h"

namespace vigil {

void Engine::CycleRetention(Batch& b) {
  const RetentionPolicy& policy = options_.retention;
  sqlite::Db& db = store_.db();
  if (!RetentionDue(db, b.now)) return;
  const PruneResult r = PruneStep(db, policy, b.now);
  // While a pass still finds full batches it comes back soon (the commands waiting go
  // first); once nothing is left, after the interval.
  ScheduleRetention(db, b.now + (r.more ? policy.step_gap : policy.interval));
  for (const auto& [table, rows] : {std::pair{"alert_events", r.alert_events},
                                    std::pair{"reply_codes", r.reply_codes},
                                    std::pair{"used_links", r.used_links}}) {
    if (rows > 0) Log("engine")->info("retention_pruned table={} rows={}", table, rows);
  }
}

}  // namespace vigil
