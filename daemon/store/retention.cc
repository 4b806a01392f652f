#include "daemon/store/retention.h"

#include <vector>

namespace vigil {
namespace {

// Up to `batch` rows of the event logs of alerts resolved before `cutoff`, after the cursor.
std::int64_t PruneAlertEvents(sqlite::Db& db, const RetentionPolicy& p, TimeMs cutoff,
                              bool& more) {
  auto cursor = db.Prepare("SELECT cursor_at, cursor_id FROM maintenance WHERE task='retention'");
  if (!cursor.Step()) return 0;
  const TimeMs at = cursor.Int(0);
  const std::int64_t id = cursor.Int(1);
  cursor.Reset();
  auto alerts = db.Prepare(
      "SELECT id, resolved_at FROM alerts WHERE resolved_at IS NOT NULL AND resolved_at < ?1 "
      "AND (resolved_at > ?2 OR (resolved_at = ?2 AND id > ?3)) ORDER BY resolved_at, id "
      "LIMIT ?4");
  alerts.Bind(1, cutoff).Bind(2, at).Bind(3, id).Bind(4, static_cast<std::int64_t>(p.batch));
  std::vector<std::pair<std::int64_t, TimeMs>> done;
  while (alerts.Step()) done.emplace_back(alerts.Int(0), alerts.Int(1));
  alerts.Reset();
  if (done.empty()) return 0;
  // At most `batch` rows in all, whatever one alert's log holds (a database from before
  // repeats were bounded may have many thousands for one alert): the cursor passes an alert
  // only once its log is empty, so a long log takes several steps, a second apart.
  std::int64_t rows = 0, budget = p.batch;
  const std::pair<std::int64_t, TimeMs>* emptied = nullptr;
  auto del = db.Prepare(
      "DELETE FROM alert_events WHERE id IN "
      "(SELECT id FROM alert_events WHERE alert_id=?1 ORDER BY id LIMIT ?2)");
  for (const auto& entry : done) {
    del.Bind(1, entry.first).Bind(2, budget).Run();
    const std::int64_t n = db.Changes();
    rows += n;
    budget -= n;
    if (budget <= 0) {  // this alert's log may hold more: the next step goes on with it
      more = true;
      break;
    }
    emptied = &entry;
  }
  if (emptied) {
    auto move = db.Prepare(
        "UPDATE maintenance SET cursor_at=?, cursor_id=? WHERE task='retention'");
    move.Bind(1, emptied->second).Bind(2, emptied->first).Run();
  }
  more = more || done.size() == static_cast<size_t>(p.batch);
  return rows;
}

// Up to `batch` rows of `table` for which `where` (binding ?1 = cutoff) holds.
std::int64_t PruneRows(sqlite::Db& db, const char* table, const char* key, const char* where,
                       TimeMs cutoff, int batch, bool& more) {
  auto st = db.Prepare(std::string("DELETE FROM ") + table + " WHERE " + key + " IN (SELECT " +
                       key + " FROM " + table + " WHERE " + where + " LIMIT ?2)");
  st.Bind(1, cutoff).Bind(2, static_cast<std::int64_t>(batch)).Run();
  const std::int64_t rows = db.Changes();
  more = more || rows == batch;
  return rows;
}

}  // namespace

bool RetentionDue(sqlite::Db& db, TimeMs now) {
  auto st = db.Prepare("SELECT next_at FROM maintenance WHERE task='retention'");
  return st.Step() && st.Int(0) <= now;
}

PruneResult PruneStep(sqlite::Db& db, const RetentionPolicy& p, TimeMs now) {
  PruneResult r;
  if (p.batch <= 0) return r;
  if (p.alert_events > 0) r.alert_events = PruneAlertEvents(db, p, now - p.alert_events, r.more);
  if (p.reply_codes > 0) {
    r.reply_codes = PruneRows(db, "reply_codes", "id", "expires_at < ?1",
                              now - p.reply_codes, p.batch, r.more);
  }
  if (p.used_links > 0) {
    r.used_links = PruneRows(db, "used_links", "token_sha256", "used_at < ?1",
                             now - p.link_ttl - p.used_links, p.batch, r.more);
  }
  return r;
}

void ScheduleRetention(sqlite::Db& db, TimeMs next_at) {
  auto st = db.Prepare("UPDATE maintenance SET next_at=? WHERE task='retention'");
  st.Bind(1, next_at).Run();
}

}  // namespace vigil
