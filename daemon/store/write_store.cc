#include <algorithm>
#include <array>

#include "daemon/common/log.h"
#include "daemon/common/thread_name.h"
#include "daemon/store/incident_schema.h"
#include "daemon/store/rows.h"
#include "daemon/store/store.h"

namespace vigil {
using store_internal::kCheckinColumns;
using store_internal::kEscalationColumns;
using store_internal::ReadCheckin;
using store_internal::ReadEscalation;

namespace {

constexpr std::string_view kOutboxColumns =
    "id,channel,recipient,alert_id,payload,created_at,attempts,due_at,coalesce(person,''),"
    "sent_at,bundled_into";

OutboxRow ReadOutbox(const sqlite::Stmt& st) {
  OutboxRow r;
  r.id = st.Int(0);
  r.channel = st.Text(1);
  r.recipient = st.Text(2);
  r.alert_id = st.OptInt(3);
  r.payload = st.Text(4);
  r.created_at = st.Int(5);
  r.attempts = static_cast<int>(st.Int(6));
  r.due_at = st.OptInt(7);
  r.person = st.Text(8);
  r.sent_at = st.OptInt(9);
  r.bundled_into = st.OptInt(10);
  return r;
}

// Each entry moves the schema one version up. Never edit a shipped entry; append a new one.
constexpr std::array<std::string_view, 10> kMigrations = {
    R"sql(
CREATE TABLE integrations(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  key_sha256 TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE alerts(
  id INTEGER PRIMARY KEY,
  integration_id INTEGER NOT NULL,
  dedup_key TEXT NOT NULL,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  summary TEXT NOT NULL,
  source TEXT NOT NULL,
  details TEXT NOT NULL,
  count INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  resolved_at INTEGER,
  resolved_by TEXT);
CREATE INDEX alerts_open ON alerts(id) WHERE status <> 'resolved';
CREATE TABLE alert_events(
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX alert_events_by_alert ON alert_events(alert_id, id);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  alert_id INTEGER,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  due_at INTEGER,
  delivered_at INTEGER,
  last_error TEXT);
CREATE INDEX outbox_due ON outbox(due_at) WHERE delivered_at IS NULL;
CREATE INDEX outbox_by_alert ON outbox(alert_id);
)sql",
    // 2: on duty and escalation (issue 3).
    R"sql(
CREATE TABLE escalations(
  alert_id INTEGER PRIMARY KEY,
  route TEXT NOT NULL,
  policy TEXT NOT NULL,
  schedule TEXT NOT NULL,
  level INTEGER NOT NULL,
  pass INTEGER NOT NULL,
  state TEXT NOT NULL,
  next_at INTEGER);
CREATE INDEX escalations_due ON escalations(next_at) WHERE next_at IS NOT NULL;
CREATE TABLE checkins(
  id INTEGER PRIMARY KEY,
  schedule TEXT NOT NULL,
  person TEXT NOT NULL,
  shift_start INTEGER NOT NULL,
  shift_end INTEGER NOT NULL,
  phase TEXT NOT NULL,
  due_at INTEGER,
  checked_in_at INTEGER,
  checked_in_via TEXT,
  missed_at INTEGER,
  UNIQUE(schedule, person, shift_start));
CREATE INDEX checkins_due ON checkins(due_at) WHERE due_at IS NOT NULL;
ALTER TABLE outbox ADD COLUMN cancelled_at INTEGER;
)sql",
    // 3: notifier channels (issue 4): whose delivery it is, and when it was given up.
    R"sql(
ALTER TABLE outbox ADD COLUMN person TEXT;
ALTER TABLE outbox ADD COLUMN failed_at INTEGER;
)sql",
    // 4: answer links are one-time.
    R"sql(
CREATE TABLE used_links(
  token_sha256 TEXT PRIMARY KEY,
  used_at INTEGER NOT NULL,
  alert_id INTEGER NOT NULL,
  person TEXT NOT NULL,
  action TEXT NOT NULL);
)sql",
    // 5: rate limits with bundling, SMS reply codes (issue 4).
    R"sql(
ALTER TABLE outbox ADD COLUMN sent_at INTEGER;
ALTER TABLE outbox ADD COLUMN bundled_into INTEGER;
CREATE INDEX outbox_by_contact ON outbox(channel, recipient, sent_at);
CREATE INDEX outbox_by_bundle ON outbox(bundled_into) WHERE bundled_into IS NOT NULL;
CREATE TABLE reply_codes(
  id INTEGER PRIMARY KEY,
  phone TEXT NOT NULL,
  code TEXT NOT NULL,
  person TEXT NOT NULL,
  targets TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  used_action TEXT);
CREATE INDEX reply_codes_by_code ON reply_codes(code, phone);
)sql",
    // 6: incident tickets, their playbook steps and timeline (issue 5).
    store_internal::kIncidentSchema,
    // 7: an alert's "triggered" event is its row (created_at, integration, detected_at), no
    // longer a row of alert_events: one insert less for every new alert. Reads put it back.
    R"sql(
ALTER TABLE alerts ADD COLUMN detected_at INTEGER;
UPDATE alerts SET detected_at = (
  SELECT CAST(round((julianday(json_extract(e.detail, '$.detected_at')) - 2440587.5) * 86400000)
              AS INTEGER)
  FROM alert_events e WHERE e.alert_id = alerts.id AND e.kind = 'triggered'
    AND json_valid(e.detail))
WHERE id IN (SELECT alert_id FROM alert_events WHERE kind = 'triggered');
DELETE FROM alert_events WHERE kind = 'triggered';
)sql",
    // 8: console pages are never rate limited, so they need no place in the per-contact
    // index: one index entry less for every new alert. Queries add "channel <> 'console'".
    R"sql(
DROP INDEX outbox_by_contact;
CREATE INDEX outbox_by_contact ON outbox(channel, recipient, sent_at) WHERE channel <> 'console';
)sql",
    // 9: the Idempotency-Key of each POST that opened an incident, with the SHA-256 of its
    // route and body: a client that retries (a timeout, a lost reply) gets the incident it
    // opened the first time, not a second one; the same key on another request is refused.
    R"sql(
CREATE TABLE incident_requests(
  key TEXT PRIMARY KEY,
  request_sha256 TEXT NOT NULL,
  incident_id INTEGER NOT NULL,
  at INTEGER NOT NULL);
)sql",
    // 10: cost in proportion to input (issue 11). What the alerts of one Alertmanager group
    // share is stored once, keyed by its SHA-256, and joined back into each alert's details
    // on reads (alerts.details keeps the alert's own fields; older rows keep theirs whole,
    // group_sha256 NULL). Retention: resolved alerts by resolution time, for pruning their
    // event logs, and one row per periodic task (its next run is a deadline like any other).
    R"sql(
CREATE TABLE alert_groups(
  sha256 TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  details TEXT NOT NULL,
  created_at INTEGER NOT NULL);
ALTER TABLE alerts ADD COLUMN group_sha256 TEXT;
CREATE INDEX alerts_resolved ON alerts(resolved_at, id) WHERE resolved_at IS NOT NULL;
CREATE TABLE maintenance(
  task TEXT PRIMARY KEY,
  next_at INTEGER NOT NULL,
  cursor_at INTEGER NOT NULL,
  cursor_id INTEGER NOT NULL);
INSERT INTO maintenance(task, next_at, cursor_at, cursor_id) VALUES('retention', 0, 0, 0);
)sql",
};

void Migrate(sqlite::Db& db) {
  auto get = db.Prepare("PRAGMA user_version");
  get.Step();
  const int have = static_cast<int>(get.Int(0));
  get.Reset();
  if (have > static_cast<int>(kMigrations.size())) {
    throw StoreError(SQLITE_ERROR, "database schema version " + std::to_string(have) +
                                       " is newer than this vigild (" +
                                       std::to_string(kMigrations.size()) + ")");
  }
  for (int v = have; v < static_cast<int>(kMigrations.size()); ++v) {
    db.Exec("BEGIN IMMEDIATE");
    try {
      db.Exec(kMigrations[v]);
      db.Exec("PRAGMA user_version = " + std::to_string(v + 1));
      db.Exec("COMMIT");
    } catch (...) {
      db.Exec("ROLLBACK");
      throw;
    }
    Log("store")->info("schema_migrated version={}", v + 1);
  }
}

}  // namespace

int SchemaVersion() { return static_cast<int>(kMigrations.size()); }

std::string IdempotencyKey(std::int64_t outbox_id) { return "vigil-n" + std::to_string(outbox_id); }

std::string NormalizePhone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits += c;
  }
  if (digits.size() > 1 && digits[0] == '0' && digits[1] != '0') return "84" + digits.substr(1);
  if (digits.rfind("00", 0) == 0) return digits.substr(2);  // 0084...: international prefix
  return digits;
}

constexpr int kCheckpointPages = 1000;    // ~4 MiB of WAL: the background copy starts
constexpr int kWalRestartPages = 4000;    // ~16 MiB: the writer finishes it (RestartWalIfDue)
constexpr int kWalSizeLimit = 64 << 20;   // a WAL grown past this is cut back on restart

Checkpointer::Checkpointer(std::string path)
    : path_(std::move(path)), next_pass_(kCheckpointPages), thread_([this] { Run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Checkpointer::Nudge(int wal_pages) {
  // One pass per kCheckpointPages new frames, not one per commit: each pass syncs the
  // database file, and back-to-back passes would keep the disk busy for the WAL's syncs.
  if (wal_pages < next_pass_ - kCheckpointPages) next_pass_ = kCheckpointPages;  // WAL restarted
  if (wal_pages < next_pass_) return;
  next_pass_ = wal_pages + kCheckpointPages;
  {
    std::lock_guard lock(mu_);
    due_ = true;
  }
  cv_.notify_one();
}

void Checkpointer::Run() {
  NameThisThread("vigil-wal");
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return due_ || stop_; });
      if (stop_) return;
      due_ = false;
    }
    try {  // the thread's boundary: a failed pass is logged and the next nudge tries again
      Pass();
    } catch (const std::exception& e) {
      db_.reset();  // a broken connection is opened afresh by the next pass
      Log("store")->warn("checkpoint_failed error=\"{}\"", e.what());
    }
  }
}

int Checkpointer::Pass() {
  if (!db_) {
    auto db = std::make_unique<sqlite::Db>(path_, true, false);
    // A connection knows the file is in WAL mode only once it has read it; until then a
    // checkpoint does nothing at all (and says so only by returning -1 frames).
    db->Exec("SELECT count(*) FROM sqlite_master");
    db_ = std::move(db);
  }
  int wal = 0, copied = 0;
  // PASSIVE never blocks the writer; what it cannot copy now, the next nudge does.
  const int rc =
      sqlite3_wal_checkpoint_v2(db_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal, &copied);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) throw StoreError(rc, sqlite3_errstr(rc));
  return copied;
}

WriteStore::WriteStore(const std::string& path) : db_(path, true, true) {}

WriteStore::~WriteStore() {
  if (db_.raw()) sqlite3_wal_hook(db_.raw(), nullptr, nullptr);
  checkpointer_.reset();
}

Result<std::unique_ptr<WriteStore>> WriteStore::Open(const std::string& path) {
  try {
    std::unique_ptr<WriteStore> s(new WriteStore(path));
    s->db_.Exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;"
        "PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY;"
        "PRAGMA journal_size_limit=" + std::to_string(kWalSizeLimit) + ";");
    Migrate(s->db_);
    s->PrepareStatements();
    // Checkpoints move off the engine thread: no auto-checkpoint inside a commit.
    s->db_.Exec("PRAGMA wal_autocheckpoint=0");
    s->checkpointer_ = std::make_unique<Checkpointer>(path);
    sqlite3_wal_hook(
        s->db_.raw(),
        [](void* self, sqlite3*, const char*, int pages) {
          auto* store = static_cast<WriteStore*>(self);
          store->wal_pages_ = pages;
          store->checkpointer_->Nudge(pages);
          return SQLITE_OK;
        },
        s.get());
    return s;
  } catch (const StoreError& e) {
    return Fail("storage_error", std::string("cannot open database: ") + e.what(), path, 500);
  }
}

void WriteStore::PrepareStatements() {
  begin_ = db_.Prepare("BEGIN IMMEDIATE");
  commit_ = db_.Prepare("COMMIT");
  rollback_ = db_.Prepare("ROLLBACK");
  savepoint_ = db_.Prepare("SAVEPOINT part");
  release_ = db_.Prepare("RELEASE SAVEPOINT part");
  rollback_to_ = db_.Prepare("ROLLBACK TO SAVEPOINT part");
  insert_alert_ = db_.Prepare(
      "INSERT INTO alerts(integration_id,dedup_key,status,severity,summary,source,details,"
      "count,created_at,updated_at,detected_at,group_sha256) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  put_group_ = db_.Prepare(
      "INSERT INTO alert_groups(sha256,name,details,created_at) VALUES(?,?,?,?) "
      "ON CONFLICT(sha256) DO NOTHING");
  repeat_alert_ = db_.Prepare("UPDATE alerts SET count=count+1, updated_at=? WHERE id=?");
  ack_alert_ = db_.Prepare(
      "UPDATE alerts SET status='acknowledged', acknowledged_at=?, acknowledged_by=?, "
      "updated_at=? WHERE id=?");
  resolve_alert_ = db_.Prepare(
      "UPDATE alerts SET status='resolved', resolved_at=?, resolved_by=?, updated_at=? "
      "WHERE id=?");
  insert_event_ = db_.Prepare(
      "INSERT INTO alert_events(alert_id,at,kind,actor,detail) VALUES(?,?,?,?,?)");
  alert_key_ = db_.Prepare(
      "SELECT a.integration_id, coalesce(i.name,''), a.dedup_key, a.status, a.severity, "
      "a.summary, a.source FROM alerts a LEFT JOIN integrations i ON i.id=a.integration_id "
      "WHERE a.id=?");
  insert_outbox_ = db_.Prepare(
      "INSERT INTO outbox(channel,recipient,alert_id,payload,created_at,attempts,due_at,person,"
      "sent_at) VALUES(?,?,?,?,?,?,?,?,?)");
  delivered_ = db_.Prepare(
      "UPDATE outbox SET delivered_at=?1, due_at=NULL "
      "WHERE id IN (SELECT value FROM json_each(?2)) AND delivered_at IS NULL");
  delivered_members_ = db_.Prepare(
      "UPDATE outbox SET delivered_at=?1 WHERE bundled_into IN (SELECT value FROM json_each(?2)) "
      "AND delivered_at IS NULL");
  delivery_error_ = db_.Prepare("UPDATE outbox SET last_error=? WHERE id=?");
  due_ = db_.Prepare(
      "SELECT " + std::string(kOutboxColumns) + " FROM outbox WHERE delivered_at IS NULL AND "
      "due_at<=? ORDER BY due_at LIMIT ?");
  reschedule_ = db_.Prepare("UPDATE outbox SET due_at=?, attempts=? WHERE id=?");
  next_due_ = db_.Prepare(
      "SELECT min(t) FROM ("
      " SELECT min(due_at) AS t FROM outbox WHERE delivered_at IS NULL"
      " UNION ALL SELECT min(next_at) FROM escalations WHERE next_at IS NOT NULL"
      " UNION ALL SELECT min(due_at) FROM checkins WHERE due_at IS NOT NULL"
      " UNION ALL SELECT min(escalate_at) FROM incident_steps WHERE escalate_at IS NOT NULL"
      " UNION ALL SELECT min(next_at) FROM maintenance)");
  cancel_ = db_.Prepare(
      "UPDATE outbox SET due_at=NULL, cancelled_at=? WHERE alert_id=? AND delivered_at IS NULL "
      "AND cancelled_at IS NULL");
  put_escalation_ = db_.Prepare(
      "INSERT OR REPLACE INTO escalations(alert_id,route,policy,schedule,level,pass,state,"
      "next_at) VALUES(?,?,?,?,?,?,?,?)");
  get_escalation_ = db_.Prepare("SELECT " + std::string(kEscalationColumns) +
                                " FROM escalations WHERE alert_id=?");
  due_escalations_ = db_.Prepare("SELECT " + std::string(kEscalationColumns) +
                                 " FROM escalations WHERE next_at<=? ORDER BY next_at LIMIT ?");
}

void WriteStore::Begin() { begin_.Run(); }

void WriteStore::RestartWalIfDue() {
  if (wal_pages_ < kWalRestartPages) {
    restart_at_ = kWalRestartPages;
    restart_deferred_ = false;
    return;
  }
  if (wal_pages_ < restart_at_) return;
  int log = 0, copied = 0;
  // PASSIVE: SQLITE_BUSY at once while the background pass runs; the next call tries again.
  const int rc = sqlite3_wal_checkpoint_v2(db_.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log,
                                           &copied);
  if (rc == SQLITE_OK && copied == log) {
    wal_pages_ = 0;  // the next write starts the WAL over
  } else if (rc == SQLITE_OK) {
    // A reader (an API read, a .backup) still needs older frames: try again 1000 frames on,
    // not after every batch.
    restart_at_ = wal_pages_ + kCheckpointPages;
    if (!restart_deferred_) {  // once until the WAL starts over: not on every retry
      restart_deferred_ = true;
      Log("store")->info("wal_restart_deferred wal_frames={} copied={} reason=readers", log,
                         copied);
    }
  } else if (rc != SQLITE_BUSY) {
    restart_at_ = wal_pages_ + kCheckpointPages;
    Log("store")->warn("wal_restart_failed error=\"{}\"", sqlite3_errstr(rc));
  }
}
void WriteStore::Commit() { commit_.Run(); }
void WriteStore::Savepoint() { savepoint_.Run(); }
void WriteStore::ReleaseSavepoint() { release_.Run(); }
void WriteStore::RollbackToSavepoint() noexcept {
  try {
    rollback_to_.Run();  // undoes the part; the savepoint stays open, so release it too
    release_.Run();
  } catch (const StoreError& e) {
    Log("store")->error("rollback_to_savepoint_failed error=\"{}\"", e.what());
  }
}
void WriteStore::Rollback() noexcept {
  try {
    if (!sqlite3_get_autocommit(db_.raw())) rollback_.Run();
  } catch (const StoreError& e) {
    Log("store")->error("rollback_failed error=\"{}\"", e.what());
  }
}

std::int64_t WriteStore::InsertAlert(const Alert& a) {
  insert_alert_.Bind(1, a.integration_id)
      .Bind(2, a.dedup_key)
      .Bind(3, ToString(a.status))
      .Bind(4, ToString(a.severity))
      .Bind(5, a.summary)
      .Bind(6, a.source)
      .Bind(7, a.details_json)
      .Bind(8, a.count)
      .Bind(9, a.created_at)
      .Bind(10, a.updated_at)
      .Bind(11, a.detected_at);
  if (a.group_sha256.empty()) {
    insert_alert_.BindNull(12);
  } else {
    insert_alert_.Bind(12, a.group_sha256);
  }
  insert_alert_.Run();
  return db_.LastInsertId();
}

void WriteStore::PutAlertGroup(const AlertGroup& g, TimeMs now) {
  put_group_.Bind(1, g.sha256).Bind(2, g.key).Bind(3, g.details_json).Bind(4, now).Run();
}

void WriteStore::RepeatAlert(std::int64_t id, TimeMs now) {
  repeat_alert_.Bind(1, now).Bind(2, id).Run();
}

void WriteStore::SetAlertStatus(std::int64_t id, AlertStatus s, TimeMs now,
                                std::string_view actor) {
  auto& st = s == AlertStatus::kAcknowledged ? ack_alert_ : resolve_alert_;
  st.Bind(1, now).Bind(2, actor).Bind(3, now).Bind(4, id).Run();
}

void WriteStore::ReopenAlert(std::int64_t id, TimeMs now) {
  auto st = db_.Prepare(
      "UPDATE alerts SET status='triggered', acknowledged_at=NULL, acknowledged_by=NULL, "
      "updated_at=? WHERE id=? AND status='acknowledged'");
  st.Bind(1, now).Bind(2, id).Run();
}

void WriteStore::InsertAlertEvent(std::int64_t alert_id, TimeMs at, std::string_view kind,
                                  std::string_view actor, std::string_view detail) {
  insert_event_.Bind(1, alert_id).Bind(2, at).Bind(3, kind).Bind(4, actor).Bind(5, detail).Run();
}

std::optional<WriteStore::AlertHead> WriteStore::GetAlertHead(std::int64_t id) {
  alert_key_.Bind(1, id);
  std::optional<AlertHead> key;
  if (alert_key_.Step()) {
    key = AlertHead{alert_key_.Int(0),
                    alert_key_.Text(1),
                    alert_key_.Text(2),
                    ParseAlertStatus(alert_key_.Text(3)).value_or(AlertStatus::kTriggered),
                    ParseSeverity(alert_key_.Text(4)).value_or(Severity::kWarning),
                    alert_key_.Text(5),
                    alert_key_.Text(6)};
  }
  alert_key_.Reset();
  return key;
}

void WriteStore::LoadOpenAlerts(OpenAlertIndex& index) {
  index.Clear();
  auto st = db_.Prepare(
      "SELECT id, integration_id, dedup_key, status, count FROM alerts INDEXED BY alerts_open "
      "WHERE status <> 'resolved'");
  while (st.Step()) {  // the details last logged are not known: the next repeat logs its own
    index.Put(st.Int(1), st.Text(2),
              {st.Int(0), ParseAlertStatus(st.Text(3)).value_or(AlertStatus::kTriggered),
               st.Int(4) - 1, 0});
  }
}

std::int64_t WriteStore::InsertOutbox(const OutboxRow& r) {
  insert_outbox_.Bind(1, r.channel)
      .Bind(2, r.recipient)
      .Bind(3, r.alert_id)
      .Bind(4, r.page_of_alert ? std::string_view("") : std::string_view(r.payload))
      .Bind(5, r.created_at)
      .Bind(6, static_cast<std::int64_t>(r.attempts))
      .Bind(7, r.due_at);
  if (r.person.empty()) {
    insert_outbox_.BindNull(8);
  } else {
    insert_outbox_.Bind(8, r.person);
  }
  insert_outbox_.Bind(9, r.sent_at);
  insert_outbox_.Run();
  return db_.LastInsertId();
}

void WriteStore::MarkDelivered(const std::vector<std::int64_t>& outbox_ids, TimeMs now) {
  if (outbox_ids.empty()) return;
  std::string ids = "[";
  for (std::int64_t id : outbox_ids) {
    if (ids.size() > 1) ids += ',';
    ids += std::to_string(id);
  }
  ids += ']';
  delivered_.Bind(1, now).Bind(2, ids).Run();
  // Pages a rate limit held and sent inside a bundle are confirmed with it.
  delivered_members_.Bind(1, now).Bind(2, ids).Run();
}

void WriteStore::RecordDeliveryError(std::int64_t outbox_id, std::string_view error) {
  delivery_error_.Bind(1, error).Bind(2, outbox_id).Run();
}

std::vector<OutboxRow> WriteStore::DueOutbox(TimeMs now, int limit) {
  std::vector<OutboxRow> rows;
  due_.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit));
  while (due_.Step()) rows.push_back(ReadOutbox(due_));
  due_.Reset();
  return rows;
}

void WriteStore::MarkSent(std::int64_t outbox_id, TimeMs now, TimeMs due_at) {
  auto st = db_.Prepare("UPDATE outbox SET attempts=1, sent_at=?, due_at=?, last_error=NULL "
                        "WHERE id=?");
  st.Bind(1, now).Bind(2, due_at).Bind(3, outbox_id).Run();
}

std::vector<TimeMs> WriteStore::SentTimes(const std::string& channel, const std::string& recipient,
                                          TimeMs since) {
  auto st = db_.Prepare(
      "SELECT sent_at FROM outbox WHERE channel=? AND recipient=? AND sent_at>? "
      "AND channel <> 'console' ORDER BY sent_at");
  st.Bind(1, channel).Bind(2, recipient).Bind(3, since);
  std::vector<TimeMs> out;
  while (st.Step()) out.push_back(st.Int(0));
  return out;
}

std::vector<OutboxRow> WriteStore::WaitingFor(const std::string& channel,
                                              const std::string& recipient, TimeMs now) {
  auto st = db_.Prepare("SELECT " + std::string(kOutboxColumns) +
                        " FROM outbox WHERE channel=? AND recipient=? AND channel <> 'console' "
                        "AND attempts=0 AND "
                        "delivered_at IS NULL AND due_at<=? ORDER BY id");
  st.Bind(1, channel).Bind(2, recipient).Bind(3, now);
  std::vector<OutboxRow> rows;
  while (st.Step()) rows.push_back(ReadOutbox(st));
  return rows;
}

void WriteStore::Bundle(std::int64_t bundle_id, const std::vector<std::int64_t>& members) {
  auto st = db_.Prepare("UPDATE outbox SET bundled_into=?, due_at=NULL, last_error=NULL "
                        "WHERE id=?");
  for (auto id : members) {
    st.Bind(1, bundle_id).Bind(2, id).Run();
    st.Reset();
  }
}

std::vector<OutboxRow> WriteStore::BundleMembers(std::int64_t bundle_id) {
  auto st = db_.Prepare("SELECT " + std::string(kOutboxColumns) +
                        " FROM outbox WHERE bundled_into=? ORDER BY id");
  st.Bind(1, bundle_id);
  std::vector<OutboxRow> rows;
  while (st.Step()) rows.push_back(ReadOutbox(st));
  return rows;
}

std::optional<OutboxRow> WriteStore::GetOutbox(std::int64_t outbox_id) {
  auto st = db_.Prepare("SELECT " + std::string(kOutboxColumns) + " FROM outbox WHERE id=?");
  st.Bind(1, outbox_id);
  if (!st.Step()) return std::nullopt;
  return ReadOutbox(st);
}

void WriteStore::ReleaseAttempt(std::int64_t outbox_id, std::string_view why) {
  auto st = db_.Prepare(
      "UPDATE outbox SET attempts=max(attempts-1,1), last_error=? WHERE id=? AND "
      "delivered_at IS NULL");
  st.Bind(1, why).Bind(2, outbox_id).Run();
}

std::optional<TimeMs> WriteStore::AlertCreatedAt(std::int64_t alert_id) {
  auto st = db_.Prepare("SELECT created_at FROM alerts WHERE id=?");
  st.Bind(1, alert_id);
  if (!st.Step()) return std::nullopt;
  return st.Int(0);
}

std::optional<std::int64_t> WriteStore::WaitingRow(std::int64_t alert_id, const std::string& person,
                                                   const std::string& channel) {
  auto st = db_.Prepare(
      "SELECT id FROM outbox WHERE alert_id=? AND person=? AND channel=? AND attempts=0 AND "
      "delivered_at IS NULL AND due_at IS NOT NULL ORDER BY id LIMIT 1");
  st.Bind(1, alert_id).Bind(2, person).Bind(3, channel);
  if (!st.Step()) return std::nullopt;
  return st.Int(0);
}

bool WriteStore::ReplyCodeActive(const std::string& phone, const std::string& code, TimeMs now) {
  auto st = db_.Prepare(
      "SELECT 1 FROM reply_codes WHERE code=? AND phone=? AND used_at IS NULL AND expires_at>?");
  st.Bind(1, code).Bind(2, phone).Bind(3, now);
  return st.Step();
}

void WriteStore::InsertReplyCode(const ReplyCodeRow& r) {
  auto st = db_.Prepare(
      "INSERT INTO reply_codes(phone,code,person,targets,created_at,expires_at) "
      "VALUES(?,?,?,?,?,?)");
  st.Bind(1, r.phone).Bind(2, r.code).Bind(3, r.person).Bind(4, r.targets);
  st.Bind(5, r.created_at).Bind(6, r.expires_at).Run();
}

std::vector<ReplyCodeRow> WriteStore::FindReplyCodes(const std::string& code) {
  auto st = db_.Prepare(
      "SELECT id,phone,code,person,targets,created_at,expires_at,used_at FROM reply_codes "
      "WHERE code=? ORDER BY id DESC LIMIT 100");
  st.Bind(1, code);
  std::vector<ReplyCodeRow> rows;
  while (st.Step()) {
    rows.push_back({st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4), st.Int(5),
                    st.Int(6), st.OptInt(7)});
  }
  return rows;
}

void WriteStore::UseReplyCode(std::int64_t id, TimeMs now, const std::string& action) {
  auto st = db_.Prepare("UPDATE reply_codes SET used_at=?, used_action=? WHERE id=?");
  st.Bind(1, now).Bind(2, action).Bind(3, id).Run();
}

bool WriteStore::LinkUsed(const std::string& token_sha256) {
  auto st = db_.Prepare("SELECT 1 FROM used_links WHERE token_sha256=?");
  st.Bind(1, token_sha256);
  return st.Step();
}

bool WriteStore::UseLink(const std::string& token_sha256, TimeMs now, std::int64_t alert_id,
                         const std::string& person, const std::string& action) {
  auto st = db_.Prepare(
      "INSERT OR IGNORE INTO used_links(token_sha256,used_at,alert_id,person,action) "
      "VALUES(?,?,?,?,?)");
  st.Bind(1, token_sha256).Bind(2, now).Bind(3, alert_id).Bind(4, person).Bind(5, action).Run();
  return db_.Changes() > 0;
}

void WriteStore::FailDelivery(std::int64_t outbox_id, TimeMs now) {
  auto st = db_.Prepare("UPDATE outbox SET due_at=NULL, failed_at=? WHERE id=?");
  st.Bind(1, now).Bind(2, outbox_id).Run();
}

std::vector<std::string> WriteStore::ChannelsTried(std::int64_t alert_id,
                                                   const std::string& person) {
  auto st = db_.Prepare("SELECT DISTINCT channel FROM outbox WHERE alert_id=? AND person=?");
  st.Bind(1, alert_id).Bind(2, person);
  std::vector<std::string> out;
  while (st.Step()) out.push_back(st.Text(0));
  return out;
}

void WriteStore::Reschedule(std::int64_t outbox_id, TimeMs due_at, int attempts) {
  reschedule_.Bind(1, due_at).Bind(2, static_cast<std::int64_t>(attempts)).Bind(3, outbox_id).Run();
}


int WriteStore::CancelPendingDeliveries(std::int64_t alert_id, TimeMs now) {
  cancel_.Bind(1, now).Bind(2, alert_id).Run();
  return db_.Changes();
}

void WriteStore::PutEscalation(const EscalationRow& r) {
  put_escalation_.Bind(1, r.alert_id)
      .Bind(2, r.route)
      .Bind(3, r.policy)
      .Bind(4, r.schedule)
      .Bind(5, static_cast<std::int64_t>(r.level))
      .Bind(6, static_cast<std::int64_t>(r.pass))
      .Bind(7, r.state)
      .Bind(8, r.next_at)
      .Run();
}

std::optional<EscalationRow> WriteStore::GetEscalation(std::int64_t alert_id) {
  get_escalation_.Bind(1, alert_id);
  std::optional<EscalationRow> row;
  if (get_escalation_.Step()) row = ReadEscalation(get_escalation_);
  get_escalation_.Reset();
  return row;
}

std::vector<EscalationRow> WriteStore::DueEscalations(TimeMs now, int limit) {
  std::vector<EscalationRow> rows;
  due_escalations_.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit));
  while (due_escalations_.Step()) rows.push_back(ReadEscalation(due_escalations_));
  due_escalations_.Reset();
  return rows;
}

bool WriteStore::AddCheckin(const CheckinRow& r) {
  auto st = db_.Prepare(
      "INSERT OR IGNORE INTO checkins(schedule,person,shift_start,shift_end,phase,due_at) "
      "VALUES(?,?,?,?,?,?)");
  st.Bind(1, r.schedule).Bind(2, r.person).Bind(3, r.shift_start).Bind(4, r.shift_end);
  st.Bind(5, r.phase).Bind(6, r.due_at).Run();
  return db_.Changes() > 0;
}

std::vector<CheckinRow> WriteStore::DueCheckins(TimeMs now, int limit) {
  auto st = db_.Prepare("SELECT " + std::string(kCheckinColumns) +
                        " FROM checkins WHERE due_at<=? ORDER BY due_at LIMIT ?");
  st.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit));
  std::vector<CheckinRow> rows;
  while (st.Step()) rows.push_back(ReadCheckin(st));
  return rows;
}

void WriteStore::UpdateCheckin(const CheckinRow& r) {
  auto st = db_.Prepare(
      "UPDATE checkins SET phase=?, due_at=?, checked_in_at=?, checked_in_via=?, missed_at=? "
      "WHERE id=?");
  st.Bind(1, r.phase).Bind(2, r.due_at).Bind(3, r.checked_in_at).Bind(4, r.checked_in_via);
  st.Bind(5, r.missed_at).Bind(6, r.id).Run();
}

std::vector<CheckinRow> WriteStore::CheckIn(const std::string& person, TimeMs now, TimeMs early,
                                            const std::string& via) {
  auto st = db_.Prepare("SELECT " + std::string(kCheckinColumns) +
                        " FROM checkins WHERE person=? AND shift_start<=? AND ?<shift_end");
  st.Bind(1, person).Bind(2, now + early).Bind(3, now);
  std::vector<CheckinRow> rows;
  while (st.Step()) rows.push_back(ReadCheckin(st));
  for (auto& r : rows) {
    if (r.checked_in_at) continue;  // checking in twice is harmless: the first time stands
    r.checked_in_at = now;
    r.checked_in_via = via;
    r.phase = "done";
    r.due_at.reset();
    UpdateCheckin(r);
  }
  return rows;
}

std::optional<TimeMs> WriteStore::NextDue() {
  next_due_.Step();
  auto v = next_due_.OptInt(0);
  next_due_.Reset();
  return v;
}

int WriteStore::RequeueUndelivered(TimeMs now) {
  // Only what was already handed out and never confirmed; rows waiting for a delay keep it,
  // cancelled rows stay cancelled.
  auto st = db_.Prepare(
      "UPDATE outbox SET due_at=? WHERE delivered_at IS NULL AND cancelled_at IS NULL "
      "AND failed_at IS NULL AND attempts>0");
  st.Bind(1, now).Run();
  return db_.Changes();
}

std::vector<IntegrationRow> WriteStore::ListIntegrations() {
  std::vector<IntegrationRow> rows;
  auto st = db_.Prepare(std::string(store_internal::kListIntegrations));
  while (st.Step()) rows.push_back(store_internal::ReadIntegration(st));
  return rows;
}

std::int64_t WriteStore::UpsertIntegration(const IntegrationRow& r) {
  auto st = db_.Prepare(
      "INSERT INTO integrations(name,kind,key_sha256,origin,created_at) VALUES(?,?,?,?,?) "
      "ON CONFLICT(name) DO UPDATE SET kind=excluded.kind, key_sha256=excluded.key_sha256, "
      "origin=excluded.origin RETURNING id");
  st.Bind(1, r.name).Bind(2, r.kind).Bind(3, r.key_sha256).Bind(4, r.origin).Bind(5, r.created_at);
  st.Step();
  std::int64_t id = st.Int(0);
  st.Reset();
  return id;
}

void WriteStore::DisableConfigIntegrationsExcept(const std::vector<std::string>& keep) {
  for (const auto& row : ListIntegrations()) {
    if (row.origin != "config" || row.key_sha256.empty()) continue;
    if (std::find(keep.begin(), keep.end(), row.name) != keep.end()) continue;
    auto st = db_.Prepare("UPDATE integrations SET key_sha256='' WHERE id=?");
    st.Bind(1, row.id).Run();
    Log("store")->info("integration_disabled name={} reason=removed_from_config", row.name);
  }
}

}  // namespace vigil
