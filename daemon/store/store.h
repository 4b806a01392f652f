// Store: Vigil's SQLite database (WAL, synchronous=FULL) and the domain SQL over it.
//
// Two halves:
//  * WriteStore — the one write connection, owned by the engine thread. Its methods throw
//    StoreError; the engine's batch (Transaction) is the boundary that turns a failure into
//    an Error value and rolls the whole batch back.
//  * ReadStore — a pool of read-only connections for HTTP threads; thread-safe; its methods
//    return Result values.
// SQL never calls SQLite's clock: every time is bound from the caller's `now`.
#pragma once

#include <cstdint>
#include <memory>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <optional>
#include <string>
#include <vector>

#include "daemon/alerts/alert.h"
#include "daemon/common/error.h"
#include "daemon/store/sqlite.h"

namespace vigil {

using StoreError = sqlite::SqliteError;

struct IntegrationRow {
  std::int64_t id = 0;
  std::string name;
  std::string kind;        // events_v2 | alertmanager | any
  std::string key_sha256;  // hex
  std::string origin;      // "config" or "generated"
  TimeMs created_at = 0;
};

// One delivery of one message to one recipient over one channel. The row is the truth;
// the ZeroMQ job is only a wake-up, re-sent until a receipt arrives.
struct OutboxRow {
  std::int64_t id = 0;
  std::string channel;    // "console" until the notifiers issue adds more
  std::string recipient;  // "all" until routing exists
  std::optional<std::int64_t> alert_id;
  std::string payload;  // JSON the channel renders
  TimeMs created_at = 0;
  int attempts = 0;
  std::optional<TimeMs> due_at;
  std::optional<TimeMs> delivered_at;
  std::optional<TimeMs> cancelled_at;  // acknowledged or resolved before it went out
  std::string last_error;
  std::string person;  // whose page it is (empty for broadcasts and contact points)
  std::optional<TimeMs> failed_at;  // given up after the attempt cap
  std::optional<TimeMs> sent_at;    // first handed to its channel; rate limits count these
  // Held by a rate limit, then sent inside this bundle row (whose receipt confirms it too).
  std::optional<std::int64_t> bundled_into;
  // The payload is the plain console page of alert_id, which Engine::PayloadOf rebuilds from
  // the alert row: it is stored empty, the biggest part of a new alert's rows left unwritten.
  bool page_of_alert = false;
};

// A reply code sent in an SMS page: "<code>a" acknowledges, "<code>e" escalates, "<code>c"
// closes the alerts it names, when it comes back from the phone it was sent to.
struct ReplyCodeRow {
  std::int64_t id = 0;
  std::string phone;   // digits only (NormalizePhone)
  std::string code;    // 8 digits (kReplyCodeDigits)
  std::string person;
  std::string targets;  // JSON [[alert_id, level], ...]
  TimeMs created_at = 0, expires_at = 0;
  std::optional<TimeMs> used_at;
};

// "+84 90-123 4567", "0901234567", "84901234567" → "84901234567": digits only, a national
// leading 0 read as Vietnam's 84. Empty when there are no digits.
std::string NormalizePhone(std::string_view phone);

// The idempotency key every message carries; stable across re-sends of the row.
std::string IdempotencyKey(std::int64_t outbox_id);

struct AlertEventRow {
  std::int64_t id = 0;
  TimeMs at = 0;
  std::string kind;  // triggered, repeated, acknowledged, resolved
  std::string actor;
  std::string detail;  // JSON
};

// Where an alert stands in its escalation policy. The row is the timer: next_at is when the
// engine's cycle acts on it (the next level, or a re-page after an acknowledgement).
struct EscalationRow {
  std::int64_t alert_id = 0;
  std::string route, policy, schedule;
  int level = 0;  // index of the level last paged
  int pass = 0;   // 0 on the first pass over the levels; repeats count up
  std::string state;  // escalating, acknowledged, exhausted, done
  std::optional<TimeMs> next_at;
};

// A holiday shift's check-in: first a reminder at the shift start ("remind"), then the
// deadline by which the duty officer must confirm ("check"); missed pages the backup.
struct CheckinRow {
  std::int64_t id = 0;
  std::string schedule, person;
  TimeMs shift_start = 0, shift_end = 0;
  std::string phase;  // remind, check, done
  std::optional<TimeMs> due_at;
  std::optional<TimeMs> checked_in_at;
  std::string checked_in_via;
  std::optional<TimeMs> missed_at;
};

// The latest schema version this build knows; migrations bring older files up to it.
int SchemaVersion();

// Copies the WAL back into the database file on its own thread and connection, so the
// engine's commits never pay for a checkpoint. Woken by the write connection's WAL hook.
// Under steady load it never catches up with the writer by itself (new frames arrive while
// it copies), so the WAL would grow without end; WriteStore::RestartWalIfDue finishes the
// copy from the writer's side between transactions so that the WAL starts over.
class Checkpointer {
 public:
  explicit Checkpointer(std::string path);
  ~Checkpointer();  // stops the thread; the last connection's close checkpoints the rest
  void Nudge(int wal_pages);  // called from the writer's commit (only); cheap
  // One pass now, on the calling thread: the frames copied into the database file (-1 for
  // a file not in WAL mode). The thread runs it when nudged; tests call it directly, on a
  // checkpointer nothing nudges.
  int Pass();

 private:
  void Run();
  std::string path_;
  std::unique_ptr<sqlite::Db> db_;  // opened by the first pass
  std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false, stop_ = false;
  int next_pass_;  // WAL frames at which Nudge wakes the next pass (the writer's thread only)
  std::thread thread_;
};

class WriteStore {
 public:
  // Opens or creates `path`, applies pending migrations. Fails with a readable Error.
  static Result<std::unique_ptr<WriteStore>> Open(const std::string& path);
  ~WriteStore();

  void Begin();
  void Commit();
  void Rollback() noexcept;
  // A savepoint inside the open transaction, so that one part of it can be undone alone (the
  // engine's cycle undoes one module's work that threw, and keeps the others'). Release
  // keeps the part; RollbackToSavepoint undoes it and logs, never throws.
  void Savepoint();
  void ReleaseSavepoint();
  void RollbackToSavepoint() noexcept;
  // Call between transactions. Once the WAL holds kWalRestartPages frames, copies what the
  // background checkpointer has not yet (little: it runs from 1000 frames on) so the next
  // transaction writes the WAL from its start again. The WAL file then keeps its size: no
  // growth without bound under steady load, and no file-size change for every commit's
  // fdatasync to write out. Without readers in the way this takes a few pages and one sync.
  void RestartWalIfDue();
  int wal_pages() const { return wal_pages_; }  // frames in the WAL after the last commit

  std::int64_t InsertAlert(const Alert& a);
  void RepeatAlert(std::int64_t id, TimeMs now);
  void SetAlertStatus(std::int64_t id, AlertStatus s, TimeMs now, std::string_view actor);
  // An acknowledged alert nobody resolved in time goes back to triggered.
  void ReopenAlert(std::int64_t id, TimeMs now);
  void InsertAlertEvent(std::int64_t alert_id, TimeMs at, std::string_view kind,
                        std::string_view actor, std::string_view detail);
  // Stores a group's shared details once (a second call with the same SHA-256 does
  // nothing); alerts refer to it by Alert::group_sha256.
  void PutAlertGroup(const AlertGroup& group, TimeMs now);

  // The fields the engine needs to act on an alert and announce the change.
  struct AlertHead {
    std::int64_t integration_id;
    std::string integration;  // its name
    std::string dedup_key;
    AlertStatus status;
    Severity severity;
    std::string summary;
    std::string source;
  };
  std::optional<AlertHead> GetAlertHead(std::int64_t id);
  void LoadOpenAlerts(OpenAlertIndex& index);

  std::int64_t InsertOutbox(const OutboxRow& row);
  // Confirms the deliveries `outbox_ids` (one statement for a whole batch of receipts).
  void MarkDelivered(const std::vector<std::int64_t>& outbox_ids, TimeMs now);
  void RecordDeliveryError(std::int64_t outbox_id, std::string_view error);
  std::vector<OutboxRow> DueOutbox(TimeMs now, int limit);
  void Reschedule(std::int64_t outbox_id, TimeMs due_at, int attempts);
  // The first hand-out of a row: counted by rate limits from `now`.
  void MarkSent(std::int64_t outbox_id, TimeMs now, TimeMs due_at);
  // When messages were first sent to one contact after `since`, oldest first. Console pages
  // are never rate limited, and are not counted (schema 8 leaves them out of the index).
  std::vector<TimeMs> SentTimes(const std::string& channel, const std::string& recipient,
                                TimeMs since);
  // Rows for one contact waiting for their first hand-out and due at `now` (held by a rate
  // limit or at the end of a delay), oldest first. Never console rows (they are never held).
  std::vector<OutboxRow> WaitingFor(const std::string& channel, const std::string& recipient,
                                    TimeMs now);
  // Moves `members` into the bundle row `bundle_id`: they leave the schedule and are
  // confirmed or failed with it.
  void Bundle(std::int64_t bundle_id, const std::vector<std::int64_t>& members);
  std::vector<OutboxRow> BundleMembers(std::int64_t bundle_id);
  std::optional<OutboxRow> GetOutbox(std::int64_t outbox_id);
  // A job no worker took: the attempt is given back and why is recorded.
  void ReleaseAttempt(std::int64_t outbox_id, std::string_view why);
  std::optional<TimeMs> AlertCreatedAt(std::int64_t alert_id);
  // A row paging `person` about an alert on `channel` that waits for its first hand-out (a
  // later notification rule), if any.
  std::optional<std::int64_t> WaitingRow(std::int64_t alert_id, const std::string& person,
                                         const std::string& channel);

  // Reply codes (SMS answers).
  bool ReplyCodeActive(const std::string& phone, const std::string& code, TimeMs now);
  void InsertReplyCode(const ReplyCodeRow& row);
  std::vector<ReplyCodeRow> FindReplyCodes(const std::string& code);  // newest first
  void UseReplyCode(std::int64_t id, TimeMs now, const std::string& action);
  bool LinkUsed(const std::string& token_sha256);
  // Records an answer link as used; false when it already was (links are one-time).
  bool UseLink(const std::string& token_sha256, TimeMs now, std::int64_t alert_id,
               const std::string& person, const std::string& action);
  // Gives a delivery up (attempt cap reached): no more retries.
  void FailDelivery(std::int64_t outbox_id, TimeMs now);
  // The channels already used to page `person` about an alert.
  std::vector<std::string> ChannelsTried(std::int64_t alert_id, const std::string& person);
  std::optional<TimeMs> NextDue();  // earliest due delivery, escalation step or check-in
  // Stops every undelivered delivery of an alert (after an ack or resolve). Returns how many.
  int CancelPendingDeliveries(std::int64_t alert_id, TimeMs now);

  void PutEscalation(const EscalationRow& row);  // insert or replace
  std::optional<EscalationRow> GetEscalation(std::int64_t alert_id);
  std::vector<EscalationRow> DueEscalations(TimeMs now, int limit);

  // Adds the check-in of a roster shift unless it is already known. Returns true if new.
  bool AddCheckin(const CheckinRow& row);
  std::vector<CheckinRow> DueCheckins(TimeMs now, int limit);
  void UpdateCheckin(const CheckinRow& row);
  // Confirms every check-in of `person` whose shift runs at `now` (or starts within `early`).
  // Returns those shifts' rows; one already confirmed keeps its first confirmation.
  std::vector<CheckinRow> CheckIn(const std::string& person, TimeMs now, TimeMs early,
                                  const std::string& via);
  int RequeueUndelivered(TimeMs now);  // after a restart: re-send everything unconfirmed

  std::vector<IntegrationRow> ListIntegrations();
  std::int64_t UpsertIntegration(const IntegrationRow& row);  // by name
  // Disables (empties the key of) config integrations whose names are not in `keep`.
  void DisableConfigIntegrationsExcept(const std::vector<std::string>& keep);

  // The write connection, for components with their own SQL (incidents). Engine thread only.
  sqlite::Db& db() { return db_; }

 private:
  explicit WriteStore(const std::string& path);
  void PrepareStatements();

  sqlite::Db db_;
  std::unique_ptr<Checkpointer> checkpointer_;
  int wal_pages_ = 0;     // from the WAL hook
  int restart_at_ = 0;    // RestartWalIfDue's next try, in WAL frames (set on first use)
  bool restart_deferred_ = false;  // logged that readers hold the WAL, since it last restarted
  sqlite::Stmt savepoint_, release_, rollback_to_;
  sqlite::Stmt begin_, commit_, rollback_, insert_alert_, repeat_alert_, ack_alert_,
      resolve_alert_, insert_event_, alert_key_, insert_outbox_, delivered_, delivered_members_, delivery_error_,
      due_, reschedule_, next_due_, cancel_, put_escalation_, get_escalation_,
      due_escalations_, put_group_;
};

// Filters for listing alerts; empty fields match everything.
struct AlertFilter {
  std::optional<AlertStatus> status;
  bool open_only = false;  // triggered or acknowledged
  std::string source;
  std::optional<Severity> severity;
  std::optional<TimeMs> since;  // created at or after
  std::optional<std::int64_t> before_id;
  int limit = 50;
};

// Which part of an alert's event log to read: the newest `limit` entries (0: all) with an id
// below `before_id` (the trigger, id 0, counts as the oldest entry, below every id).
struct EventPage {
  std::optional<std::int64_t> before_id;
  int limit = 0;
};

class ReadStore {
 public:
  // `path` must already exist (WriteStore::Open created it). Connections open lazily.
  explicit ReadStore(std::string path) : path_(std::move(path)) {}

  Result<std::vector<Alert>> ListAlerts(const AlertFilter& f);
  Result<std::optional<Alert>> GetAlert(std::int64_t id);
  // An alert's event log, oldest first: its "triggered" event (id 0, the alert row itself)
  // and then its rows; `page` may take only the newest of them.
  Result<std::vector<AlertEventRow>> AlertEvents(std::int64_t alert_id, EventPage page = {});
  Result<std::vector<OutboxRow>> AlertDeliveries(std::int64_t alert_id);
  Result<std::optional<EscalationRow>> GetEscalation(std::int64_t alert_id);
  // Check-ins whose shifts overlap [from, to), for the check-in board.
  Result<std::vector<CheckinRow>> Checkins(TimeMs from, TimeMs to);
  struct Counts {
    std::int64_t triggered = 0, acknowledged = 0, resolved = 0, outbox_pending = 0;
  };
  Result<Counts> CountAlerts();
  Result<std::vector<IntegrationRow>> ListIntegrations();
  // Runs `query` on a pooled read-only connection, for components with their own SQL
  // (incidents); a store failure becomes a 503 Error value.
  Result<void> Read(const std::function<void(sqlite::Db&)>& query);

 private:
  class Lease;  // a connection borrowed from the pool for one call
  // Runs `query` on a pooled connection; a store failure becomes a 503 Error value.
  template <class F>
  auto WithDb(F query) -> Result<std::invoke_result_t<F, sqlite::Db&>>;
  std::unique_ptr<sqlite::Db> Acquire();
  void Release(std::unique_ptr<sqlite::Db> db);

  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<sqlite::Db>> idle_;
};

}  // namespace vigil
