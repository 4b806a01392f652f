#include <algorithm>

#include "daemon/common/time_util.h"
#include "daemon/store/rows.h"
#include "daemon/store/store.h"

namespace vigil {
namespace {

constexpr std::string_view kAlertColumns =
    "a.id,a.integration_id,coalesce(i.name,''),a.dedup_key,a.status,a.severity,a.summary,"
    "a.source,a.details,a.count,a.created_at,a.updated_at,a.acknowledged_at,"
    "coalesce(a.acknowledged_by,''),a.resolved_at,coalesce(a.resolved_by,''),a.detected_at,"
    "coalesce(a.group_sha256,''),coalesce(g.name,''),coalesce(g.details,'')";
// An alert with its integration and the group details it shares (schema 10).
constexpr std::string_view kAlertFrom =
    " FROM alerts a LEFT JOIN integrations i ON i.id=a.integration_id"
    " LEFT JOIN alert_groups g ON g.sha256=a.group_sha256";

Alert ReadAlert(const sqlite::Stmt& st) {
  Alert a;
  a.id = st.Int(0);
  a.integration_id = st.Int(1);
  a.integration = st.Text(2);
  a.dedup_key = st.Text(3);
  a.status = ParseAlertStatus(st.Text(4)).value_or(AlertStatus::kTriggered);
  a.severity = ParseSeverity(st.Text(5)).value_or(Severity::kWarning);
  a.summary = st.Text(6);
  a.source = st.Text(7);
  a.details_json = st.Text(8);
  a.count = st.Int(9);
  a.created_at = st.Int(10);
  a.updated_at = st.Int(11);
  a.acknowledged_at = st.OptInt(12);
  a.acknowledged_by = st.Text(13);
  a.resolved_at = st.OptInt(14);
  a.resolved_by = st.Text(15);
  a.detected_at = st.OptInt(16);
  a.group_sha256 = st.Text(17);
  if (!a.group_sha256.empty()) {
    a.details_json = JoinGroupDetails(a.details_json, st.Text(18), st.Text(19));
  }
  return a;
}

Error ReadError(const StoreError& e) {
  return Error{"storage_error", std::string("database read failed: ") + e.what(), "", 503};
}

}  // namespace

// Borrows a pooled connection and returns it when the call ends.
class ReadStore::Lease {
 public:
  explicit Lease(ReadStore& rs) : rs_(rs), db_(rs.Acquire()) {}
  ~Lease() { rs_.Release(std::move(db_)); }
  sqlite::Db& db() { return *db_; }

 private:
  ReadStore& rs_;
  std::unique_ptr<sqlite::Db> db_;
};

template <class F>
auto ReadStore::WithDb(F query) -> Result<std::invoke_result_t<F, sqlite::Db&>> {
  try {
    Lease lease(*this);
    return query(lease.db());
  } catch (const StoreError& e) {
    return std::unexpected(ReadError(e));
  }
}

std::unique_ptr<sqlite::Db> ReadStore::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return db;
    }
  }
  return std::make_unique<sqlite::Db>(path_, false, false);
}

void ReadStore::Release(std::unique_ptr<sqlite::Db> db) {
  if (!db) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < 8) idle_.push_back(std::move(db));
}

Result<std::vector<Alert>> ReadStore::ListAlerts(const AlertFilter& f) {
  return WithDb([&](sqlite::Db& db) -> std::vector<Alert> {
    std::string sql = "SELECT " + std::string(kAlertColumns) + std::string(kAlertFrom) +
                      " WHERE (?1 IS NULL OR a.status=?1) AND (?2=0 OR a.status<>'resolved')"
                      " AND (?3='' OR a.source=?3) AND (?4 IS NULL OR a.severity=?4)"
                      " AND (?5 IS NULL OR a.created_at>=?5) AND (?6 IS NULL OR a.id<?6)"
                      " ORDER BY a.id DESC LIMIT ?7";
    auto st = db.Prepare(sql);
    if (f.status) st.Bind(1, ToString(*f.status));
    st.Bind(2, static_cast<std::int64_t>(f.open_only)).Bind(3, f.source);
    if (f.severity) st.Bind(4, ToString(*f.severity));
    st.Bind(5, f.since).Bind(6, f.before_id).Bind(7, static_cast<std::int64_t>(f.limit));
    std::vector<Alert> out;
    while (st.Step()) out.push_back(ReadAlert(st));
    return out;
  });
}

Result<std::optional<Alert>> ReadStore::GetAlert(std::int64_t id) {
  return WithDb([&](sqlite::Db& db) -> std::optional<Alert> {
    auto st = db.Prepare("SELECT " + std::string(kAlertColumns) + std::string(kAlertFrom) +
                         " WHERE a.id=?");
    st.Bind(1, id);
    if (!st.Step()) return std::optional<Alert>();
    return std::optional<Alert>(ReadAlert(st));
  });
}

Result<std::vector<AlertEventRow>> ReadStore::AlertEvents(std::int64_t alert_id,
                                                         EventPage page) {
  return WithDb([&](sqlite::Db& db) -> std::vector<AlertEventRow> {
    std::vector<AlertEventRow> out;
    auto st = db.Prepare(
        "SELECT id,at,kind,actor,detail FROM alert_events WHERE alert_id=?1 "
        "AND (?2 IS NULL OR id<?2) ORDER BY id DESC LIMIT ?3");
    st.Bind(1, alert_id).Bind(2, page.before_id);
    st.Bind(3, static_cast<std::int64_t>(page.limit > 0 ? page.limit : -1));
    while (st.Step()) out.push_back({st.Int(0), st.Int(1), st.Text(2), st.Text(3), st.Text(4)});
    std::reverse(out.begin(), out.end());
    if (page.limit > 0 && out.size() >= static_cast<size_t>(page.limit)) return out;
    // The first event, "triggered", is the alert row itself (schema 7); it has no event id.
    auto first = db.Prepare(
        "SELECT a.created_at, 'integration:' || coalesce(i.name,''), a.detected_at FROM alerts a "
        "LEFT JOIN integrations i ON i.id=a.integration_id WHERE a.id=?");
    first.Bind(1, alert_id);
    if (first.Step()) {
      const auto detected = first.OptInt(2);
      out.insert(out.begin(),
                 {0, first.Int(0), "triggered", first.Text(1),
                  detected ? R"({"detected_at":")" + FormatTimestamp(*detected) + "\"}"
                           : std::string("{}")});
    }
    return out;
  });
}

Result<std::vector<OutboxRow>> ReadStore::AlertDeliveries(std::int64_t alert_id) {
  return WithDb([&](sqlite::Db& db) -> std::vector<OutboxRow> {
    auto st = db.Prepare(
        "SELECT id,channel,recipient,created_at,attempts,due_at,delivered_at,cancelled_at,"
        "coalesce(last_error,''),coalesce(person,''),failed_at,sent_at,bundled_into FROM outbox "
        "WHERE alert_id=? ORDER BY id");
    st.Bind(1, alert_id);
    std::vector<OutboxRow> out;
    while (st.Step()) {
      OutboxRow r;
      r.id = st.Int(0);
      r.channel = st.Text(1);
      r.recipient = st.Text(2);
      r.alert_id = alert_id;
      r.created_at = st.Int(3);
      r.attempts = static_cast<int>(st.Int(4));
      r.due_at = st.OptInt(5);
      r.delivered_at = st.OptInt(6);
      r.cancelled_at = st.OptInt(7);
      r.last_error = st.Text(8);
      r.person = st.Text(9);
      r.failed_at = st.OptInt(10);
      r.sent_at = st.OptInt(11);
      r.bundled_into = st.OptInt(12);
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<std::optional<EscalationRow>> ReadStore::GetEscalation(std::int64_t alert_id) {
  return WithDb([&](sqlite::Db& db) -> std::optional<EscalationRow> {
    auto st = db.Prepare("SELECT " + std::string(store_internal::kEscalationColumns) +
                                 " FROM escalations WHERE alert_id=?");
    st.Bind(1, alert_id);
    if (!st.Step()) return std::optional<EscalationRow>();
    return std::optional<EscalationRow>(store_internal::ReadEscalation(st));
  });
}

Result<std::vector<CheckinRow>> ReadStore::Checkins(TimeMs from, TimeMs to) {
  return WithDb([&](sqlite::Db& db) -> std::vector<CheckinRow> {
    auto st = db.Prepare("SELECT " + std::string(store_internal::kCheckinColumns) +
                                 " FROM checkins WHERE shift_end>? AND shift_start<? "
                                 "ORDER BY shift_start, schedule, person");
    st.Bind(1, from).Bind(2, to);
    std::vector<CheckinRow> rows;
    while (st.Step()) rows.push_back(store_internal::ReadCheckin(st));
    return rows;
  });
}

Result<ReadStore::Counts> ReadStore::CountAlerts() {
  return WithDb([&](sqlite::Db& db) -> ReadStore::Counts {
    Counts c;
    auto st = db.Prepare("SELECT status, count(*) FROM alerts GROUP BY status");
    while (st.Step()) {
      auto s = ParseAlertStatus(st.Text(0));
      if (s == AlertStatus::kTriggered) c.triggered = st.Int(1);
      if (s == AlertStatus::kAcknowledged) c.acknowledged = st.Int(1);
      if (s == AlertStatus::kResolved) c.resolved = st.Int(1);
    }
    auto ob = db.Prepare("SELECT count(*) FROM outbox WHERE delivered_at IS NULL");
    ob.Step();
    c.outbox_pending = ob.Int(0);
    return c;
  });
}

Result<std::vector<IntegrationRow>> ReadStore::ListIntegrations() {
  return WithDb([&](sqlite::Db& db) -> std::vector<IntegrationRow> {
    std::vector<IntegrationRow> rows;
    auto st = db.Prepare(std::string(store_internal::kListIntegrations));
    while (st.Step()) rows.push_back(store_internal::ReadIntegration(st));
    return rows;
  });
}

Result<void> ReadStore::Read(const std::function<void(sqlite::Db&)>& query) {
  auto done = WithDb([&](sqlite::Db& db) -> bool {
    query(db);
    return true;
  });
  if (!done) return std::unexpected(done.error());
  return {};
}

}  // namespace vigil
