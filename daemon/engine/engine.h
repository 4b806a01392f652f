// The engine: the one thread that owns every write.
//
// HTTP threads Submit() commands and wait on the returned future. The engine drains every
// waiting command, applies them in ONE SQLite transaction (group commit), commits with
// synchronous=FULL, and only then fulfils the futures — so a 2xx is never sent for an event
// that is not on disk. After each batch it publishes alert changes, hands new deliveries to
// notifier workers, and runs one idempotent cycle over the outbox rows that are due at `now`
// (re-sends of unconfirmed deliveries). Due times are rows; a restart heals itself.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <random>
#include <nlohmann/json.hpp>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>
#include <zmq.hpp>

#include "config/config.h"
#include "daemon/alerts/alert.h"
#include "daemon/auth/auth.h"
#include "daemon/auth/links.h"
#include "daemon/common/clock.h"
#include "daemon/common/metrics.h"
#include "daemon/escalation/escalation.h"
#include "daemon/incidents/work.h"
#include "daemon/store/retention.h"
#include "daemon/store/store.h"

namespace vigil {

// The engine's answer to one command: a future for threads that wait (API handlers), or a
// callback for the event-driven HTTP front (ingest), which must not block a thread. The
// callback runs on the engine thread after the commit, so it must only hand the result on.
template <class T>
class Reply {
 public:
  using Callback = std::function<void(Result<T>)>;
  Reply() = default;
  explicit Reply(Callback cb) : cb_(std::move(cb)) {}
  std::future<Result<T>> get_future() { return promise_.emplace().get_future(); }
  void set_value(Result<T> r) {
    if (cb_) {
      auto cb = std::move(cb_);
      cb_ = nullptr;
      cb(std::move(r));
    } else if (promise_) {
      promise_->set_value(std::move(r));
    }
  }

 private:
  Callback cb_;
  std::optional<std::promise<Result<T>>> promise_;  // made by get_future()
};

// What one ingested event did.
struct IngestOutcome {
  std::string dedup_key;
  std::int64_t alert_id = 0;  // 0 when the event changed nothing
  Effect effect = Effect::kNothing;
};

struct IngestCommand {
  Integration integration;
  std::vector<IngestEvent> events;
  Reply<std::vector<IngestOutcome>> done;
};

// A person acknowledges or resolves an alert by id (API, CLI, console).
struct AlertActionCommand {
  std::int64_t alert_id = 0;
  AlertStatus target = AlertStatus::kAcknowledged;
  std::string actor;
  std::string note;
  // The status after the command; 404 not_found, 409 already_resolved.
  Reply<AlertStatus> done;
};

// Someone answered a page through a signed link (already verified by the HTTP side).
// 409 link_used when the link was used before.
struct LinkActionCommand {
  std::string token_sha256;
  LinkClaims claims;
  Reply<AlertStatus> done;
};

// Creates an integration with a fresh key; the reply carries the key, shown once.
struct CreateIntegrationCommand {
  std::string name;
  std::string kind;
  Reply<std::pair<Integration, std::string>> done;
};

// Makes a config current (at start and after a reload): its integrations and its on-call
// setup, whose holiday roster shifts get their check-in rows.
struct ApplyConfigCommand {
  std::vector<IntegrationConfig> integrations;
  std::shared_ptr<const OnCallSetup> oncall;
  Reply<void> done;
};

// A duty officer confirms "on duty" for the holiday shift they are in (or about to start).
// 404 no_shift when they have none now.
struct CheckInCommand {
  std::string person;
  std::string via;  // api, cli, console
  Reply<std::vector<CheckinRow>> done;
};

// What an answer from a message did: the action and the alerts it acted on.
struct AnswerOutcome {
  std::string action;  // ack, escalate, resolve
  std::string person;  // whom the answered message was sent to
  std::vector<std::pair<std::int64_t, AlertStatus>> alerts;  // id, status after the answer
};

// Digits in an SMS reply code. 8 digits are 90,000,000 codes (10000000-99999999); a code
// answers only from the phone it was sent to, and guess_limits lets that phone fail 5 times
// per 15 minutes: 480 guesses in a code's default life (link_ttl 1d), so the chance of hitting
// one live code is 480 / 9e7, about 1 in 187,000 (a phone holding 20 live codes at once:
// 1 in 9,400 per day of guessing). With 4 digits and no limit it was certainty.
constexpr int kReplyCodeDigits = 8;

// Someone answered a page from the message itself (already parsed by the HTTP side):
//  * via "sms": `sender` is the phone the reply came from, `code` the 8 digits and `action`
//    what the letter asked. The code must have been sent to that phone (403 wrong_sender),
//    be unused (409 code_used) and unexpired (410 code_expired); 404 unknown_code otherwise.
//  * via "telegram": a button press on the message of outbox row `outbox_id`; `sender` is
//    the Telegram user and `chat` the chat it was pressed in, which must both be the chat the
//    message went to (403 wrong_sender). Pressing again is harmless.
struct AnswerCommand {
  std::string via;
  std::string sender, chat;
  std::string code;
  std::string action;  // ack, escalate, resolve
  std::int64_t outbox_id = 0;
  Reply<AnswerOutcome> done;
};

using Command = std::variant<IngestCommand, AlertActionCommand, CreateIntegrationCommand,
                             ApplyConfigCommand, CheckInCommand, LinkActionCommand,
                             AnswerCommand, IncidentCommand>;

struct EngineOptions {
  int batch_max = 8192;
  // Commands waiting for the engine at most; past it Submit/SubmitAsync answer 503
  // engine_busy at once (on the caller's thread) instead of queueing.
  int max_queued = 10'000;
  TimeMs delivery_retry = 30'000;
  TimeMs delivery_retry_max = 600'000;
  int max_attempts = 5;  // then the delivery fails and the person's next contact is paged
  // Channels with a worker, besides the console (a worker too, unless console_inline).
  std::vector<std::string> channels;
  // Answer links in pages to people (null: none). Must outlive the engine.
  const LinkSigner* links = nullptr;
  std::string public_url;  // how people's phones reach vigild, e.g. https://vigil.sgd.vn
  TimeMs link_ttl = 24 * 3'600'000;
  // Per channel: at most `messages` messages to one contact (channel + address) in any
  // `per`; more are held and go out as one bundle when the window allows. 0: no limit.
  struct RateLimit {
    int messages = 0;
    TimeMs per = 60'000;
  };
  std::map<std::string, RateLimit> rate_limits;
  // Channels run by separate vigil-notifier processes: their jobs PUSH binds this
  // tcp://127.0.0.1 endpoint instead of an in-process one.
  std::map<std::string, std::string> remote_jobs;
  std::string remote_receipts;  // receipts PULL also binds this when remote_jobs is not empty
  bool sms_reply_codes = false;  // SMS pages about alerts carry a reply code
  // Repeats of one alert that get an event in its log (with their details when they
  // changed); later repeats only raise its count (DecideRepeatLog).
  std::int64_t repeat_events_max = 20;
  // Pruning old rows in the cycle (daemon/store/retention.h); all zero: nothing is pruned.
  RetentionPolicy retention;
  // The engine publishes console pages itself (PublishPage, after the commit) and confirms
  // them in its next transaction, instead of handing them to a console worker thread and
  // waiting for its receipt. vigild does; the worker path stays for tests of the outbox.
  bool console_inline = false;
};

class Engine {
 public:
  // `store`, `clock`, `ctx`, `registry`, `setup` and `metrics` must outlive the engine.
  // The engine is the only writer of `setup` (through ApplyConfigCommand).
  Engine(WriteStore& store, const Clock& clock, zmq::context_t& ctx, IntegrationRegistry& registry,
         SetupHolder& setup, Metrics& metrics, EngineOptions options);
  ~Engine();

  // Before Start(): publish alert changes and console pages on `pub` (the console PUB socket,
  // bound by the caller) instead of pushing them to kPublishEndpoint. The engine owns and
  // closes it.
  void PublishOn(zmq::socket_t pub);
  // Loads open alerts and integrations, schedules unconfirmed deliveries for re-sending,
  // binds the engine's sockets and starts the thread.
  Result<void> Start();
  // Finishes every command already submitted, then stops. Later submissions fail with 503.
  void Stop();

  // Thread-safe. The future is ready once the command's batch is committed (or failed).
  template <class C>
  auto Submit(C command) {
    auto future = command.done.get_future();
    Enqueue(Command(std::move(command)));
    return future;
  }
  // Thread-safe. For a command built with a Reply callback: nothing waits, the callback
  // runs on the engine thread once the batch is committed (or failed, or refused).
  template <class C>
  void SubmitAsync(C command) {
    Enqueue(Command(std::move(command)));
  }

  // Makes the engine re-read the clock and run its cycle now (tests advance a FakeClock,
  // then call Wake). Thread-safe.
  void Wake();

  // The first start of a database with no integrations at all: creates "default" and
  // returns its key (to print once). Call before Start(). Empty when integrations exist.
  Result<std::string> CreateDefaultIntegrationIfNone();

 private:
  struct Batch;  // the work of one transaction
  void Enqueue(Command command);
  void Run();
  void DrainReceipts(Batch& batch);
  void ProcessBatch(std::vector<Command>& commands, Batch& batch);
  // One transaction for `commands`: 503 storage_error when the disk failed, 500 internal when
  // a command threw (then the caller runs each alone); rolled back and undone in memory then.
  Result<void> CommitBatch(std::vector<Command>& commands, Batch& batch);
  void UndoMemory(Batch& batch);
  void ReloadIndex();  // open_ from the store again; logs (critical) if that fails
  void Apply(IngestCommand& c, Batch& b);
  void Apply(AlertActionCommand& c, Batch& b);
  void Apply(CreateIntegrationCommand& c, Batch& b);
  void Apply(ApplyConfigCommand& c, Batch& b);
  void Apply(CheckInCommand& c, Batch& b);
  void Apply(LinkActionCommand& c, Batch& b);
  void Apply(AnswerCommand& c, Batch& b);  // answers.cc
  // Pages the level after `level` now, if the alert is still escalating at that level.
  Result<AlertStatus> EscalateFrom(std::int64_t alert_id, int level, const std::string& actor,
                                   Batch& b);
  // Acts on each [alert_id, level] of `targets` for `answer`.
  Result<AnswerOutcome> AnswerAll(const nlohmann::json& targets, const std::string& action,
                                  const std::string& actor, Batch& b);
  // Incidents (incidents.cc): operations, and overdue playbook steps in the cycle.
  class IncidentPagerImpl;
  void Apply(IncidentCommand& c, Batch& b);
  void CycleIncidents(Batch& b);
  // Acknowledges or resolves an alert for a person (API, console, link).
  Result<AlertStatus> ActOn(std::int64_t alert_id, AlertStatus target, const std::string& actor,
                            const std::string& note, Batch& b);
  // {"ack": url, "resolve": url, "escalate": url} for `person`, or null without links.
  // `level` (1-based) is the level the page comes from.
  nlohmann::json LinksFor(std::int64_t alert_id, const std::string& person, int level,
                          TimeMs now) const;
  // Escalation (escalate.cc).
  void StartEscalation(std::int64_t alert_id, const IngestEvent& ev, const std::string& alert,
                       Batch& b);
  void PageLevel(EscalationRow& row, const EscalationPolicy& policy, const std::string& alert,
                 Batch& b);
  void NotifyPerson(const Person& person, std::int64_t alert_id, const std::string& payload,
                    Batch& b);
  void AddDelivery(OutboxRow row, TimeMs delay, Batch& b);
  void Broadcast(std::int64_t alert_id, const std::string& payload, Batch& b);
  static std::string AlertPage(const std::string& alert_json, TimeMs created_at);
  // The row's payload; a page stored empty (OutboxRow::page_of_alert) is rebuilt first.
  const std::string& PayloadOf(OutboxRow& row);
  // Pending pages are cancelled; an acknowledged alert's escalation waits for the policy's
  // ack timeout unless `for_good`, anything else ends.
  void StopEscalation(std::int64_t alert_id, AlertStatus status, Batch& b, bool for_good = false);
  // IncidentPager::AlertPromoted: logs the promotion, acknowledges a triggered alert and
  // ends its escalation for good.
  void TakeIntoIncident(std::int64_t alert_id, std::int64_t incident_id, const std::string& actor,
                        Batch& b);
  void CycleEscalations(Batch& b);
  void AdvanceEscalation(EscalationRow& row, Batch& b);
  void CycleCheckins(Batch& b);
  void SeedCheckins(const OnCallSetup& setup, TimeMs now);
  // Outbox (outbox.cc).
  void CycleOutbox(Batch& b);
  // When the contact's rate limit frees, if it is reached at `now`; nullopt if there is room.
  std::optional<TimeMs> RateLimitedUntil(const std::string& channel, const std::string& recipient,
                                         TimeMs now);
  // How many more messages the contact's rate limit allows at `now` (SIZE_MAX: no limit).
  size_t RateRoom(const std::string& channel, const std::string& recipient, TimeMs now);
  void SendWaiting(OutboxRow& first, Batch& b, std::set<std::int64_t>& done);
  std::string WithReplyCode(const OutboxRow& row, Batch& b);
  // A fresh 8-digit code (kReplyCodeDigits) for `recipient` (a phone) answering for `targets`; "" if none.
  std::string IssueReplyCode(const std::string& recipient, const std::string& person,
                             const nlohmann::json& targets, Batch& b);
  void ReleaseUnsent();  // gives back the attempts of jobs no worker took
  // Gives a delivery up after the attempt cap and pages the person's next contact method.
  void GiveUp(OutboxRow& row, Batch& b);
  void CommitCycle(Batch& b);
  void ApplyEvent(const Integration& in, const IngestEvent& ev, Batch& b, IngestOutcome& out);
  // `end_escalation`: StopEscalation for good (an acknowledgement that has no ack timeout).
  void ChangeStatus(std::int64_t id, const WriteStore::AlertHead& head, AlertStatus target,
                    const std::string& actor, const std::string& detail, Batch& b,
                    bool end_escalation = false);
  void CreateAlert(const Integration& in, const IngestEvent& ev, Batch& b, IngestOutcome& out);
  void LogRepeat(OpenAlertIndex::Entry& open, const IngestEvent& ev, const std::string& actor,
                 Batch& b);
  void CycleRetention(Batch& b);  // retention.cc: one small batch of pruning when it is due
  void Finish(std::vector<Command>& commands, Batch& batch, const Result<void>& committed);
  void Flush(Batch& batch);  // after a commit: publish, hand out jobs, find the next due time
  void RunCycle();
  void SendJob(OutboxRow& row);
  std::string JobsEndpointOf(const std::string& channel) const;  // inproc, or a notifier's tcp
  // Something delivers this channel's rows: its worker, or the engine itself (console_inline).
  bool HasWorker(const std::string& channel) const;
  void Publish(const std::string& topic, const std::string& body);
  void ReloadRegistry();
  TimeMs Backoff(int attempts) const;
  // Spreads retries (Backoff's jitter): no secret, so not a getrandom() call per delivery.
  mutable std::minstd_rand jitter_{std::random_device{}()};
  int PollTimeoutMs() const;

  WriteStore& store_;
  const Clock& clock_;
  zmq::context_t& ctx_;
  IntegrationRegistry& registry_;
  SetupHolder& setup_;
  Metrics& metrics_;
  const EngineOptions options_;

  std::mutex mu_;  // guards queue_ and accepting_
  std::deque<Command> queue_;
  std::uint64_t refused_full_ = 0;  // commands refused for a full queue (guarded by mu_)
  bool accepting_ = false;
  int wake_fd_ = -1;  // eventfd: commands waiting or Wake()

  // Owned by the engine thread once started.
  OpenAlertIndex open_;
  std::optional<TimeMs> next_due_;
  std::map<std::string, zmq::socket_t> jobs_;  // one PUSH per channel with a worker
  std::vector<std::int64_t> unsent_;  // jobs no worker took: their attempt is given back
  // Console pages published inline since the last batch: confirmed (or their error recorded)
  // with the next one, like a worker's receipts.
  std::vector<std::pair<std::int64_t, std::string>> inline_receipts_;
  zmq::socket_t receipts_, publish_;
  std::thread thread_;
  bool stopping_ = false;
};

}  // namespace vigil
