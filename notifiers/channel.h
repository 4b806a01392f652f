// The channel interface every notifier implements, and the worker actor that drives one.
// A worker pulls jobs from the engine, delivers each through its channel and pushes a
// receipt back. One worker per channel, so a hung channel never blocks another or the engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "daemon/common/error.h"

namespace vigil {

struct DeliveryJob {
  std::int64_t outbox_id = 0;
  std::string idempotency_key;  // receivers deduplicate on it; stable across re-sends
  std::string recipient;
  std::string payload;  // JSON written by the engine
};

// Abstract so tests can substitute a channel. Called from the worker's thread only.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual std::string name() const = 0;
  // Delivers one job. An error is recorded on the outbox row and the job is retried later.
  virtual Result<void> Deliver(const DeliveryJob& job) = 0;
};

// Runs one Channel on its own thread. Start/Stop from one owning thread.
// Inside vigild it connects to the engine's in-process endpoints; in a vigil-notifier process
// to the engine's tcp://127.0.0.1 jobs and receipts endpoints (ZeroMQ reconnects by itself
// while vigild restarts).
class NotifierWorker {
 public:
  // Empty endpoints: JobsEndpoint(channel name) and kReceiptsEndpoint (in-process).
  NotifierWorker(zmq::context_t& ctx, std::unique_ptr<Channel> channel,
                 std::string jobs_endpoint = {}, std::string receipts_endpoint = {})
      : ctx_(ctx),
        channel_(std::move(channel)),
        jobs_endpoint_(std::move(jobs_endpoint)),
        receipts_endpoint_(std::move(receipts_endpoint)) {}
  ~NotifierWorker() { Stop(); }
  void Start();
  // Asks the worker to stop and waits for it at most `wait`. A worker stuck in a delivery
  // (a hung SMTP server, until the channel's own timeout) is left running, detached, and
  // false is returned: the owner must then never destroy this object nor close the ZeroMQ
  // context (both are still in use); it should leak them and exit the process.
  bool Stop(std::chrono::milliseconds wait = std::chrono::milliseconds::max());

 private:
  void Run();
  Result<void> DeliverGuarded(const DeliveryJob& job);
  bool SendReceipt(std::span<const zmq::const_buffer> parts);
  zmq::context_t& ctx_;
  std::unique_ptr<Channel> channel_;
  std::string jobs_endpoint_, receipts_endpoint_;
  zmq::socket_t jobs_, receipts_;
  zmq::socket_t control_;  // bound by the worker itself, so Stop works whoever else is gone
  std::thread thread_;
  std::shared_ptr<std::promise<void>> finished_;  // set when Run returns
};

}  // namespace vigil
