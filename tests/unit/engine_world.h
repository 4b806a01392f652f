// A realistic world for engine scenario tests: a real SQLite file in a temp dir, real
// in-process ZeroMQ sockets standing in for the notifier worker and the publisher, and a
// FakeClock. Nothing sleeps: tests wait on futures and on messages with a deadline.
#pragma once

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "daemon/bus/bus.h"
#include "config/config.h"
#include "daemon/engine/engine.h"

namespace vigil::testing {

struct Job {
  std::int64_t outbox_id;
  std::string key;
  std::string recipient;
  nlohmann::json payload;
};

class EngineWorld {
 public:
  static constexpr TimeMs kRetry = 30'000;

  // `tweak` adjusts the engine's options (rate limits, reply codes) before it starts.
  explicit EngineWorld(std::vector<std::string> channels = {}, int max_attempts = 5,
                       std::function<void(EngineOptions&)> tweak = {})
      : dir_(MakeTempDir()),
        channels_(std::move(channels)),
        max_attempts_(max_attempts),
        tweak_(std::move(tweak)) {
    store_ = std::move(*WriteStore::Open(db_path()));
    reads_ = std::make_unique<ReadStore>(db_path());
    events_ = zmq::socket_t(ctx_, zmq::socket_type::pull);
    events_.bind(kPublishEndpoint);
    events_.set(zmq::sockopt::rcvtimeo, 5000);
    StartEngine();
    auto made = engine_->Submit(CreateIntegrationCommand{"zabbix", "any", {}}).get();
    REQUIRE(made);
    integration_ = made->first;
  }
  ~EngineWorld() {
    engine_->Stop();
    jobs_.close();
    receipts_.close();
    events_.close();
    channel_jobs_.clear();
    std::filesystem::remove_all(dir_);
  }

  FakeClock clock;
  Metrics metrics;
  IntegrationRegistry registry;
  SetupHolder setup;
  LinkSigner links{std::string(64, 'k')};  // answer links in pages point at https://vigil.test

  std::string db_path() const { return dir_ + "/vigil.db"; }
  Engine& engine() { return *engine_; }
  ReadStore& reads() { return *reads_; }
  const Integration& integration() const { return integration_; }

  // Submits events from the test integration and waits for their commit.
  Result<std::vector<IngestOutcome>> Ingest(std::vector<IngestEvent> events) {
    auto f = engine_->Submit(IngestCommand{integration_, std::move(events), {}});
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return f.get();
  }
  IngestOutcome Send(EventAction action, const std::string& dedup_key,
                     const std::string& summary = "Máy chủ trường mất kết nối") {
    IngestEvent ev;
    ev.action = action;
    ev.dedup_key = dedup_key;
    ev.summary = summary;
    ev.source = "truong-thpt-01";
    ev.severity = Severity::kCritical;
    ev.details_json = "{}";
    auto r = Ingest({ev});
    INFO((r ? "" : r.error().message));
    REQUIRE(r);
    return r->front();
  }

  Alert GetAlert(std::int64_t id) {
    auto a = reads_->GetAlert(id);
    REQUIRE(a);
    REQUIRE(a->has_value());
    return **a;
  }

  // The next delivery job handed to the console worker (fails the test after 5 s).
  Job NextJob() {
    std::vector<zmq::message_t> parts;
    REQUIRE(zmq::recv_multipart(jobs_, std::back_inserter(parts)));
    REQUIRE(parts.size() == 4);
    return {std::stoll(parts[0].to_string()), parts[1].to_string(), parts[2].to_string(),
            nlohmann::json::parse(parts[3].to_string())};
  }

  // The next job for a channel other than the console (the test stands in for its worker).
  Job NextJobOn(const std::string& channel) {
    auto& sock = channel_jobs_.at(channel);  // connected at start, as a worker would be
    std::vector<zmq::message_t> parts;
    REQUIRE(zmq::recv_multipart(sock, std::back_inserter(parts)));
    REQUIRE(parts.size() == 4);
    return {std::stoll(parts[0].to_string()), parts[1].to_string(), parts[2].to_string(),
            nlohmann::json::parse(parts[3].to_string())};
  }

  // True when no job for `channel` is waiting. Jobs are handed out (in-process) right after
  // the commit, before the engine's next reply, so after Sync() this needs no waiting.
  bool NoJobOn(const std::string& channel, int ms = 0) {
    auto& sock = channel_jobs_.at(channel);
    zmq::pollitem_t item{sock.handle(), 0, ZMQ_POLLIN, 0};
    return zmq::poll(&item, 1, std::chrono::milliseconds(ms)) == 0;
  }

  // The next [topic, body] the engine published.
  std::pair<std::string, nlohmann::json> NextPublication() {
    std::vector<zmq::message_t> parts;
    REQUIRE(zmq::recv_multipart(events_, std::back_inserter(parts)));
    REQUIRE(parts.size() == 2);
    return {parts[0].to_string(), nlohmann::json::parse(parts[1].to_string())};
  }

  void Receipt(std::int64_t outbox_id, const std::string& error = "") {
    std::vector<std::string> parts = {std::to_string(outbox_id), error.empty() ? "ok" : "error"};
    if (!error.empty()) parts.push_back(error);
    std::vector<zmq::const_buffer> bufs;
    for (auto& p : parts) bufs.push_back(zmq::buffer(p));
    REQUIRE(zmq::send_multipart(receipts_, bufs));
  }

  // Loads an on-call setup from config YAML (as vigild does on start and reload).
  void Configure(const std::string& yaml) {
    auto cfg = ParseConfig(yaml, "test.yaml");
    if (!cfg) {
      for (const auto& e : cfg.error()) UNSCOPED_INFO(e.ToString());
    }
    REQUIRE(cfg);
    auto setup = std::make_shared<const OnCallSetup>(cfg->oncall);
    REQUIRE(engine_->Submit(ApplyConfigCommand{{}, setup, {}}).get());
  }

  // The next job, confirmed as the console worker would, and only returned once the engine
  // has recorded the receipt — so a later clock jump cannot race it into a re-send.
  Job Page() {
    Job job = NextJob();
    Receipt(job.outbox_id);
    for (int i = 0; i < 1000 && !Delivered(job.outbox_id); ++i) Sync();
    REQUIRE(Delivered(job.outbox_id));
    return job;
  }

  bool Delivered(std::int64_t outbox_id) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT delivered_at IS NOT NULL FROM outbox WHERE id=?", -1, &st,
                       nullptr);
    sqlite3_bind_int64(st, 1, outbox_id);
    const bool delivered = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return delivered;
  }

  // Moves the fake clock on and lets the engine's cycle act on whatever fell due.
  void Advance(TimeMs ms) {
    clock.Advance(ms);
    engine_->Wake();
    Sync();
  }

  // Waits until the engine has run a batch and the timed cycle after it. A command's reply
  // comes before its loop's cycle, so the second round trip is the proof the cycle ran.
  void Sync() {
    for (int i = 0; i < 2; ++i) {
      Send(EventAction::kAcknowledge, "no-such-alert-" + std::to_string(++syncs_));
    }
  }

  void Restart() {
    engine_->Stop();
    jobs_.close();
    receipts_.close();
    channel_jobs_.clear();
    engine_.reset();
    StartEngine();
  }

 private:
  static std::string MakeTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    return tmpl;
  }
  void StartEngine() {
    EngineOptions options;
    options.delivery_retry = kRetry;
    options.delivery_retry_max = 8 * kRetry;
    options.max_attempts = max_attempts_;
    options.channels = channels_;
    options.links = &links;
    options.public_url = "https://vigil.test";
    if (tweak_) tweak_(options);
    engine_ = std::make_unique<Engine>(*store_, clock, ctx_, registry, setup, metrics,
                                       std::move(options));
    REQUIRE(engine_->Start());
    jobs_ = zmq::socket_t(ctx_, zmq::socket_type::pull);
    jobs_.set(zmq::sockopt::rcvtimeo, 5000);
    jobs_.connect(JobsEndpoint("console"));
    receipts_ = zmq::socket_t(ctx_, zmq::socket_type::push);
    receipts_.connect(kReceiptsEndpoint);
    for (const auto& channel : channels_) {
      zmq::socket_t sock(ctx_, zmq::socket_type::pull);
      sock.set(zmq::sockopt::rcvtimeo, 5000);
      sock.connect(JobsEndpoint(channel));
      channel_jobs_[channel] = std::move(sock);
    }
  }

  std::string dir_;
  std::vector<std::string> channels_;
  int max_attempts_;
  std::function<void(EngineOptions&)> tweak_;
  zmq::context_t ctx_{1};
  std::unique_ptr<WriteStore> store_;
  std::unique_ptr<ReadStore> reads_;
  std::unique_ptr<Engine> engine_;
  zmq::socket_t jobs_, receipts_, events_;
  std::map<std::string, zmq::socket_t> channel_jobs_;
  Integration integration_;
  int syncs_ = 0;
};

}  // namespace vigil::testing
