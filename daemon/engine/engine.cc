#include "daemon/engine/engine.h"
#include "daemon/engine/batch.h"

#include <sodium.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <zmq_addon.hpp>

#include "daemon/bus/bus.h"
#include "daemon/common/log.h"
#include "daemon/common/thread_name.h"
#include "daemon/common/secrets.h"
#include "daemon/common/time_util.h"
#include "daemon/engine/payloads.h"

namespace vigil {

using nlohmann::json;
using engine_internal::AlertJson;
using engine_internal::Envelope;


Engine::Engine(WriteStore& store, const Clock& clock, zmq::context_t& ctx,
               IntegrationRegistry& registry, SetupHolder& setup, Metrics& metrics,
               EngineOptions options)
    : store_(store),
      clock_(clock),
      ctx_(ctx),
      registry_(registry),
      setup_(setup),
      metrics_(metrics),
      options_(options),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Engine::~Engine() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Result<void> Engine::Start() {
  try {
    store_.LoadOpenAlerts(open_);
    store_.Begin();
    const int requeued = store_.RequeueUndelivered(clock_.Now());
    store_.Commit();
    next_due_ = store_.NextDue();
    ReloadRegistry();
    Log("engine")->info("engine_started open_alerts={} undelivered_requeued={}", open_.size(),
                        requeued);
  } catch (const StoreError& e) {
    store_.Rollback();
    return Fail("storage_error", std::string("cannot load state: ") + e.what(), "", 500);
  }
  metrics_.open_alerts.Set(static_cast<double>(open_.size()));
  try {
    std::vector<std::string> channels = options_.channels;
    if (!options_.console_inline) channels.push_back("console");
    for (const auto& ch : channels) {
      zmq::socket_t push(ctx_, zmq::socket_type::push);
      push.set(zmq::sockopt::linger, 0);
      push.set(zmq::sockopt::sndhwm, 100'000);
      push.bind(JobsEndpointOf(ch));
      jobs_[ch] = std::move(push);
    }
    receipts_ = zmq::socket_t(ctx_, zmq::socket_type::pull);
    receipts_.set(zmq::sockopt::linger, 0);
    receipts_.bind(kReceiptsEndpoint);
    if (!options_.remote_jobs.empty()) receipts_.bind(options_.remote_receipts);
    if (!publish_) {  // no console socket given (PublishOn): unit tests read a PULL there
      publish_ = zmq::socket_t(ctx_, zmq::socket_type::push);
      publish_.set(zmq::sockopt::linger, 0);
      publish_.set(zmq::sockopt::sndhwm, 100'000);
      publish_.connect(kPublishEndpoint);
    }
  } catch (const zmq::error_t& e) {
    return Fail("bus_error", std::string("engine sockets (a tcp port of bus.receipts or a "
                                         "channel endpoint may be taken): ") + e.what(), "", 500);
  }
  {
    std::lock_guard lock(mu_);
    accepting_ = true;
  }
  thread_ = std::thread([this] { Run(); });
  return {};
}

void Engine::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!accepting_ && !thread_.joinable()) return;
    accepting_ = false;
  }
  Wake();
  if (thread_.joinable()) thread_.join();
  // Unbind first: close() frees an inproc address only later, on ZeroMQ's reaper thread, and
  // an engine started right after (a restart in tests) must be able to bind it again.
  for (auto& [ch, push] : jobs_) {
    try {
      push.unbind(JobsEndpointOf(ch));
    } catch (const zmq::error_t&) {  // a tcp endpoint's resolved name differs; close frees it
    }
    push.close();
  }
  jobs_.clear();
  if (receipts_) {
    receipts_.unbind(kReceiptsEndpoint);
    if (!options_.remote_jobs.empty()) {
      try {
        receipts_.unbind(options_.remote_receipts);  // free the port now for a restart
      } catch (const zmq::error_t&) {
      }
    }
  }
  receipts_.close();
  publish_.close();
}

void Engine::PublishOn(zmq::socket_t pub) { publish_ = std::move(pub); }

void Engine::Wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void Engine::Enqueue(Command command) {
  bool was_empty = false;
  std::optional<Error> refused;
  {
    std::lock_guard lock(mu_);
    if (!accepting_) {
      refused = Error{"shutting_down", "vigild is shutting down; retry shortly", "", 503};
    } else if (queue_.size() >= static_cast<size_t>(options_.max_queued)) {
      // Full: refused at once (the client retries) rather than queued without bound.
      if (refused_full_++ % 1000 == 0) {
        Log("engine")->warn("engine_queue_full queued={} refused={}", queue_.size(),
                            refused_full_);
      }
      refused = Error{"engine_busy", "vigild has too many requests waiting; retry shortly", "",
                      503};
    } else {
      was_empty = queue_.empty();
      queue_.push_back(std::move(command));
    }
  }
  if (refused) {  // outside the lock: a Reply callback runs here, on the caller's thread
    std::visit([&](auto& c) { c.done.set_value(std::unexpected(*refused)); }, command);
    return;
  }
  if (was_empty) Wake();
}

int Engine::PollTimeoutMs() const {
  if (!inline_receipts_.empty()) return 0;  // pages just published: confirm them now
  if (!next_due_) return 1000;
  const TimeMs wait = *next_due_ - clock_.Now();
  return static_cast<int>(std::clamp<TimeMs>(wait, 0, 1000));
}

void Engine::Run() {
  NameThisThread("vigil-engine");
  zmq_pollitem_t items[] = {{nullptr, wake_fd_, ZMQ_POLLIN, 0},
                            {receipts_.handle(), 0, ZMQ_POLLIN, 0}};
  std::vector<Command> commands;
  for (;;) {
    zmq::poll(items, 2, std::chrono::milliseconds(PollTimeoutMs()));
    std::uint64_t counter;
    [[maybe_unused]] auto n = ::read(wake_fd_, &counter, sizeof counter);
    bool last = false;
    commands.clear();
    {
      std::lock_guard lock(mu_);
      while (!queue_.empty() && commands.size() < static_cast<size_t>(options_.batch_max)) {
        commands.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (!queue_.empty()) Wake();  // more than one batch waiting: come straight back
      last = !accepting_ && queue_.empty();
    }
    // The thread's boundary: nothing that throws here may end vigild. ProcessBatch answers
    // every command itself; this only catches what escapes the rest (a socket, a cycle).
    try {
      Batch batch;
      batch.now = clock_.Now();
      batch.setup = setup_.Get();
      DrainReceipts(batch);
      for (auto& receipt : inline_receipts_) batch.receipts.push_back(std::move(receipt));
      inline_receipts_.clear();
      if (!commands.empty() || !batch.receipts.empty()) ProcessBatch(commands, batch);
      RunCycle();
    } catch (const std::exception& e) {
      Log("engine")->error("engine_loop_exception error=\"{}\"", e.what());
      next_due_ = clock_.Now() + 1000;
    } catch (...) {
      Log("engine")->error("engine_loop_exception error=\"unknown\"");
      next_due_ = clock_.Now() + 1000;
    }
    if (last) break;
  }
  Log("engine")->info("engine_stopped");
}

void Engine::DrainReceipts(Batch& batch) {
  std::vector<zmq::message_t> parts;
  for (int i = 0; i < 100'000; ++i) {
    parts.clear();
    if (!zmq::recv_multipart(receipts_, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
      break;
    }
    if (parts.size() < 2) continue;
    std::int64_t id = 0;
    auto sv = parts[0].to_string_view();
    std::from_chars(sv.data(), sv.data() + sv.size(), id);
    std::string error;
    if (parts[1].to_string_view() != "ok") {
      error = parts.size() > 2 ? parts[2].to_string() : "delivery failed";
    }
    batch.receipts.emplace_back(id, std::move(error));
  }
}

void Engine::ProcessBatch(std::vector<Command>& commands, Batch& batch) {
  const auto t0 = std::chrono::steady_clock::now();
  Result<void> committed = CommitBatch(commands, batch);
  metrics_.batch_commands.Observe(static_cast<double>(commands.size()));
  metrics_.commit_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!committed && committed.error().status == 500 && commands.size() > 1) {
    // Not the disk: one command threw. Each goes again alone, so only that one fails (500)
    // and the others in its batch are committed as if it had not been there.
    // The delivery receipts first, in a transaction of their own: whichever command fails,
    // a confirmed page is not sent again.
    Log("engine")->warn("batch_isolating commands={}", commands.size());
    metrics_.batches_isolated.Increment();
    auto alone = [&](std::vector<Command> cmds, std::vector<std::pair<std::int64_t, std::string>> receipts) {
      Batch b;
      b.now = batch.now;
      b.setup = batch.setup;
      b.receipts = std::move(receipts);
      const Result<void> done = CommitBatch(cmds, b);
      Finish(cmds, b, done);
    };
    if (!batch.receipts.empty()) alone({}, std::move(batch.receipts));
    for (auto& cmd : commands) {
      std::vector<Command> one;
      one.push_back(std::move(cmd));
      alone(std::move(one), {});
    }
  } else {
    Finish(commands, batch, committed);
  }
  store_.RestartWalIfDue();  // after the replies: a WAL restart never delays them
}

Result<void> Engine::CommitBatch(std::vector<Command>& commands, Batch& batch) {
  try {
    store_.Begin();
    for (auto& cmd : commands) std::visit([&](auto& c) { Apply(c, batch); }, cmd);
    std::vector<std::int64_t> delivered;
    for (const auto& [id, error] : batch.receipts) {
      if (error.empty()) {
        delivered.push_back(id);
      } else {
        store_.RecordDeliveryError(id, error);
      }
    }
    store_.MarkDelivered(delivered, batch.now);
    store_.Commit();
    return {};
  } catch (const std::exception& e) {  // a store error, or anything unexpected: all or nothing
    store_.Rollback();
    const bool disk = dynamic_cast<const StoreError*>(&e) != nullptr;
    Log("engine")->error("batch_failed commands={} cause={} error=\"{}\"", commands.size(),
                         disk ? "storage" : "internal", e.what());
    UndoMemory(batch);
    if (disk) {
      return std::unexpected(
          Error{"storage_error", "the database could not commit the event; retry", "", 503});
    }
    return std::unexpected(Error{"internal", "internal error; see the vigild log", "", 500});
  }
}

// After a rollback: the batch's in-memory changes are undone and nothing of it is announced.
void Engine::UndoMemory(Batch& batch) {
  batch.finishers.clear();
  batch.publications.clear();
  batch.jobs.clear();
  ReloadIndex();
}

// The open-alert index read again from the database, after a rollback undid what it held.
void Engine::ReloadIndex() {
  try {
    store_.LoadOpenAlerts(open_);
  } catch (const std::exception& e) {
    Log("engine")->critical("index_reload_failed error=\"{}\"", e.what());
  }
}

void Engine::Finish(std::vector<Command>& commands, Batch& batch, const Result<void>& committed) {
  metrics_.open_alerts.Set(static_cast<double>(open_.size()));
  if (!committed) {
    // Nothing of the batch is on disk: every command in it fails, including those whose
    // Apply never ran to the end, so no waiting HTTP thread is left without a reply.
    for (auto& cmd : commands) {
      std::visit([&](auto& c) { c.done.set_value(std::unexpected(committed.error())); }, cmd);
    }
    return;
  }
  for (auto& finish : batch.finishers) {
    try {
      finish();
    } catch (const std::exception& e) {  // committed; a failed reply is logged, not fatal
      Log("engine")->error("finisher_failed error=\"{}\"", e.what());
    }
  }
  for (const auto& [id, error] : batch.receipts) {
    if (error.empty()) metrics_.deliveries_confirmed.Increment();
  }
  Flush(batch);
}

void Engine::Flush(Batch& batch) {
  for (const auto& [topic, body] : batch.publications) Publish(topic, body);
  for (auto& row : batch.jobs) SendJob(row);
  try {
    next_due_ = store_.NextDue();
  } catch (const StoreError& e) {
    next_due_ = batch.now + 1000;  // look again in a second
    Log("engine")->error("next_due_failed error=\"{}\"", e.what());
  }
}

void Engine::Apply(IngestCommand& c, Batch& b) {
  auto outcomes = std::make_shared<std::vector<IngestOutcome>>(c.events.size());
  for (size_t i = 0; i < c.events.size(); ++i) {
    ApplyEvent(c.integration, c.events[i], b, (*outcomes)[i]);
  }
  b.finishers.push_back([this, &c, outcomes] {
    metrics_.EventsAccepted(c.integration.kind).Increment(static_cast<double>(outcomes->size()));
    c.done.set_value(std::move(*outcomes));
  });
}

void Engine::ApplyEvent(const Integration& in, const IngestEvent& ev, Batch& b,
                        IngestOutcome& out) {
  OpenAlertIndex::Entry* open = open_.Find(in.id, ev.dedup_key);
  const std::optional<AlertStatus> open_status =
      open ? std::optional(open->status) : std::nullopt;
  out.dedup_key = ev.dedup_key;
  out.effect = DecideEffect(ev.action, open_status);
  out.alert_id = open ? open->id : 0;
  const std::string actor = "integration:" + in.name;
  switch (out.effect) {
    case Effect::kCreate:
      return CreateAlert(in, ev, b, out);
    case Effect::kRepeat:
      store_.RepeatAlert(out.alert_id, b.now);
      LogRepeat(*open, ev, actor, b);
      metrics_.alerts_repeated.Increment();
      b.publications.emplace_back(
          "alert.repeated",
          Envelope("alert.repeated", AlertJson(out.alert_id, in.name, ev.dedup_key,
                                               open->status, ev.severity, ev.summary, ev.source,
                                               b.now)));
      return;
    case Effect::kAcknowledge:
    case Effect::kResolve: {
      auto head = store_.GetAlertHead(out.alert_id);
      if (!head) return;  // index and table disagree: nothing safe to do
      const auto target = out.effect == Effect::kResolve ? AlertStatus::kResolved
                                                         : AlertStatus::kAcknowledged;
      return ChangeStatus(out.alert_id, *head, target, actor, "{}", b);
    }
    case Effect::kNothing:
      return;
  }
}

// The first repeats are logged, their details only when they changed; later ones are
// only counted (RepeatAlert): an alert re-sent every minute for a month keeps a short log.
void Engine::LogRepeat(OpenAlertIndex::Entry& open, const IngestEvent& ev,
                       const std::string& actor, Batch& b) {
  switch (DecideRepeatLog(open, ev.details_json, options_.repeat_events_max)) {
    case RepeatLog::kWithDetails:
      return store_.InsertAlertEvent(open.id, b.now, "repeated", actor, ev.details_json);
    case RepeatLog::kUnchanged:
      return store_.InsertAlertEvent(open.id, b.now, "repeated", actor, R"({"unchanged":true})");
    case RepeatLog::kCountOnly:
      return;
  }
}

void Engine::CreateAlert(const Integration& in, const IngestEvent& ev, Batch& b,
                         IngestOutcome& out) {
  Alert a;
  a.integration_id = in.id;
  a.dedup_key = ev.dedup_key;
  a.severity = ev.severity;
  a.summary = ev.summary;
  a.source = ev.source;
  a.details_json = ev.details_json.empty() ? "{}" : ev.details_json;
  a.created_at = a.updated_at = b.now;
  a.detected_at = ev.timestamp;
  if (ev.group) {
    a.group_sha256 = ev.group->sha256;
    if (b.stored_group != ev.group.get()) {  // once per request (Batch::stored_group)
      store_.PutAlertGroup(*ev.group, b.now);
      b.stored_group = ev.group.get();
    }
  }
  out.alert_id = store_.InsertAlert(a);  // its "triggered" event is this row (AlertEvents)
  open_.Put(in.id, ev.dedup_key,
            {out.alert_id, AlertStatus::kTriggered, 0, DetailsHash(a.details_json)});
  const std::string alert = AlertJson(out.alert_id, in.name, ev.dedup_key,
                                      AlertStatus::kTriggered, ev.severity, ev.summary, ev.source,
                                      b.now);
  StartEscalation(out.alert_id, ev, alert, b);
  b.publications.emplace_back("alert.triggered", Envelope("alert.triggered", alert));
  metrics_.alerts_created.Increment();
}

void Engine::ChangeStatus(std::int64_t id, const WriteStore::AlertHead& head, AlertStatus target,
                          const std::string& actor, const std::string& detail, Batch& b,
                          bool end_escalation) {
  store_.SetAlertStatus(id, target, b.now, actor);
  store_.InsertAlertEvent(id, b.now, ToString(target), actor, detail);
  if (target == AlertStatus::kResolved) {
    open_.Erase(head.integration_id, head.dedup_key);
  } else {
    open_.Put(head.integration_id, head.dedup_key, {id, target});
  }
  StopEscalation(id, target, b, end_escalation);
  const std::string type = std::string("alert.") + std::string(ToString(target));
  b.publications.emplace_back(
      type, Envelope(type, engine_internal::AlertJsonOf(id, head, target, b.now), actor));
}

Result<AlertStatus> Engine::ActOn(std::int64_t alert_id, AlertStatus target,
                                  const std::string& actor, const std::string& note, Batch& b) {
  auto head = store_.GetAlertHead(alert_id);
  if (!head) {
    return Fail("not_found", "alert " + std::to_string(alert_id) + " does not exist", "id", 404);
  }
  if (head->status == target || !CanTransition(head->status, target)) {
    if (head->status == AlertStatus::kResolved && target != AlertStatus::kResolved) {
      return Fail("already_resolved",
                  "alert " + std::to_string(alert_id) + " is already resolved", "id", 409);
    }
    return head->status;  // already in that state: nothing to change
  }
  const std::string detail = note.empty() ? "{}" : json{{"note", note}}.dump();
  ChangeStatus(alert_id, *head, target, actor, detail, b);
  return target;
}

void Engine::Apply(AlertActionCommand& c, Batch& b) {
  Result<AlertStatus> result = ActOn(c.alert_id, c.target, c.actor, c.note, b);
  b.finishers.push_back([&c, result] { c.done.set_value(result); });
}

void Engine::Apply(CreateIntegrationCommand& c, Batch& b) {
  static const std::regex kName("^[A-Za-z0-9_.\\-]{1,64}$");
  std::optional<Error> error;
  if (!std::regex_match(c.name, kName)) {
    error = Error{"invalid_field", "name must be 1-64 letters, digits, '.', '_' or '-'", "name"};
  } else if (c.kind != "events_v2" && c.kind != "alertmanager" && c.kind != "sms_inbound" &&
             c.kind != "any") {
    error = Error{"invalid_field", "kind must be events_v2, alertmanager, sms_inbound or any",
                  "kind"};
  } else {
    for (const auto& row : store_.ListIntegrations()) {
      if (row.name == c.name) {
        error = Error{"conflict", "integration \"" + c.name + "\" already exists", "name", 409};
      }
    }
  }
  if (error) {
    b.finishers.push_back([&c, e = *error] { c.done.set_value(std::unexpected(e)); });
    return;
  }
  const std::string key = RandomHex(16);
  IntegrationRow row{0, c.name, c.kind, Sha256Hex(key), "generated", b.now};
  Integration in{store_.UpsertIntegration(row), c.name, c.kind};
  b.finishers.push_back([this, &c, in, key, hash = row.key_sha256] {
    registry_.Add(hash, in);
    Log("engine")->info("integration_created name={} kind={}", in.name, in.kind);
    c.done.set_value(std::pair{in, key});
  });
}

void Engine::Apply(ApplyConfigCommand& c, Batch& b) {
  std::vector<std::string> names;
  for (const auto& ic : c.integrations) {
    store_.UpsertIntegration({0, ic.name, ic.kind, ic.key_sha256, "config", b.now});
    names.push_back(ic.name);
  }
  store_.DisableConfigIntegrationsExcept(names);
  if (c.oncall) SeedCheckins(*c.oncall, b.now);
  b.finishers.push_back([this, &c] {
    ReloadRegistry();
    if (c.oncall) setup_.Set(c.oncall);
    c.done.set_value({});
  });
}

void Engine::ReloadRegistry() {
  std::unordered_map<std::string, Integration> by_hash;
  for (const auto& row : store_.ListIntegrations()) {
    if (!row.key_sha256.empty()) by_hash[row.key_sha256] = {row.id, row.name, row.kind};
  }
  registry_.Replace(std::move(by_hash));
}

Result<std::string> Engine::CreateDefaultIntegrationIfNone() {
  try {
    if (!store_.ListIntegrations().empty()) return std::string();
    const std::string key = RandomHex(16);
    store_.Begin();
    store_.UpsertIntegration({0, "default", "any", Sha256Hex(key), "generated", clock_.Now()});
    store_.Commit();
    return key;
  } catch (const StoreError& e) {
    store_.Rollback();
    return Fail("storage_error", std::string("cannot create the first integration: ") + e.what(),
                "", 500);
  }
}

TimeMs Engine::Backoff(int attempts) const {
  TimeMs d = options_.delivery_retry;
  for (int i = 1; i < attempts && d < options_.delivery_retry_max; ++i) d *= 2;
  d = std::min(d, options_.delivery_retry_max);
  // ±10% jitter so many retries due together do not fire in one burst.
  const TimeMs spread = d / 5;
  if (spread > 0) d += static_cast<TimeMs>(jitter_() % static_cast<std::uint32_t>(spread)) - spread / 2;
  return d;
}

void Engine::RunCycle() {
  const TimeMs now = clock_.Now();
  if (!next_due_ || *next_due_ > now) return;
  Batch b;
  b.now = now;
  b.setup = setup_.Get();
  using Step = void (Engine::*)(Batch&);
  static constexpr std::pair<const char*, Step> kSteps[] = {
      {"outbox", &Engine::CycleOutbox},
      {"escalations", &Engine::CycleEscalations},
      {"checkins", &Engine::CycleCheckins},
      {"incidents", &Engine::CycleIncidents},
      {"retention", &Engine::CycleRetention}};
  bool failed = false;
  try {
    store_.Begin();
    // Each step in a savepoint of its own: a row that makes one step throw undoes that step
    // only, so a poisoned check-in never stops escalations.
    for (const auto& [name, step] : kSteps) {
      const size_t jobs = b.jobs.size(), pubs = b.publications.size(),
                   fins = b.finishers.size();
      store_.Savepoint();
      try {
        (this->*step)(b);
        store_.ReleaseSavepoint();
      } catch (const StoreError&) {
        throw;  // the disk: the whole cycle goes
      } catch (const std::exception& e) {
        store_.RollbackToSavepoint();
        b.jobs.resize(jobs);
        b.publications.resize(pubs);
        b.finishers.resize(fins);
        failed = true;
        Log("engine")->error("cycle_step_failed step={} error=\"{}\"", name, e.what());
      }
    }
    store_.Commit();
  } catch (const std::exception& e) {
    store_.Rollback();
    Log("engine")->error("cycle_failed error=\"{}\"", e.what());
    UndoMemory(b);
    next_due_ = now + 1000;  // try again in a second
    return;
  }
  if (failed) ReloadIndex();  // a step undone in SQL is undone in memory too
  Flush(b);
  // The row that threw is still due: look again in a second, not in a busy loop.
  if (failed && next_due_ && *next_due_ < now + 1000) next_due_ = now + 1000;
}

void Engine::SendJob(OutboxRow& row) {
  if (options_.console_inline && row.channel == "console") {
    auto sent = PublishPage(publish_, row.recipient, PayloadOf(row), IdempotencyKey(row.id));
    if (sent) metrics_.deliveries_sent.Increment();
    inline_receipts_.emplace_back(row.id, sent ? std::string() : sent.error().message);
    return;
  }
  auto socket = jobs_.find(row.channel);
  if (socket == jobs_.end()) return;  // no worker: the row waits in the outbox (CycleOutbox)
  const std::string id = std::to_string(row.id);
  const std::string key = IdempotencyKey(row.id);
  std::array<zmq::const_buffer, 4> parts = {zmq::buffer(id), zmq::buffer(key),
                                            zmq::buffer(row.recipient), zmq::buffer(PayloadOf(row))};
  if (zmq::send_multipart(socket->second, parts, zmq::send_flags::dontwait)) {
    metrics_.deliveries_sent.Increment();
  } else {
    // No worker connected (a separate vigil-notifier is down): the row stays due and the
    // cycle re-sends it; the attempt is given back so waiting for it never gives it up.
    unsent_.push_back(row.id);
  }
}

bool Engine::HasWorker(const std::string& channel) const {
  return jobs_.count(channel) > 0 || (options_.console_inline && channel == "console");
}

std::string Engine::JobsEndpointOf(const std::string& channel) const {
  auto remote = options_.remote_jobs.find(channel);
  return remote == options_.remote_jobs.end() ? JobsEndpoint(channel) : remote->second;
}

void Engine::Publish(const std::string& topic, const std::string& body) {
  std::array<zmq::const_buffer, 2> parts = {zmq::buffer(topic), zmq::buffer(body)};
  zmq::send_multipart(publish_, parts, zmq::send_flags::dontwait);
}

}  // namespace vigil
