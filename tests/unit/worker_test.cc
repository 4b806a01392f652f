// NotifierWorker over real in-process ZeroMQ sockets: it delivers a job and sends a receipt,
// and it stops promptly even when nobody takes its receipts (vigild's engine has already
// stopped and closed its end when the workers are stopped).
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <zmq_addon.hpp>

#include "notifiers/channel.h"

using namespace vigil;

namespace {

class RecordingChannel : public Channel {
 public:
  explicit RecordingChannel(std::promise<DeliveryJob>& got) : got_(got) {}
  std::string name() const override { return "test"; }
  Result<void> Deliver(const DeliveryJob& job) override {
    if (!delivered_) got_.set_value(job);
    delivered_ = true;
    return {};
  }

 private:
  std::promise<DeliveryJob>& got_;
  bool delivered_ = false;
};

// Counts deliveries, so the test can see when the worker has stopped taking jobs.
class CountingChannel : public Channel {
 public:
  std::string name() const override { return "counting"; }
  Result<void> Deliver(const DeliveryJob&) override {
    {
      std::lock_guard lock(mu);
      ++delivered;
    }
    cv.notify_all();
    return {};
  }
  std::mutex mu;
  std::condition_variable cv;
  int delivered = 0;
};

void SendJob(zmq::socket_t& jobs, std::string_view id) {
  std::array<zmq::const_buffer, 4> parts = {zmq::buffer(id), zmq::str_buffer("vigil-n1"),
                                            zmq::str_buffer("all"), zmq::str_buffer("{}")};
  REQUIRE(zmq::send_multipart(jobs, parts));
}

}  // namespace

TEST_CASE("a worker delivers a job and sends its receipt back", "[worker]") {
  zmq::context_t ctx;
  zmq::socket_t jobs(ctx, zmq::socket_type::push), receipts(ctx, zmq::socket_type::pull);
  jobs.bind("inproc://worker-test.jobs.1");
  receipts.bind("inproc://worker-test.receipts.1");
  std::promise<DeliveryJob> got;
  NotifierWorker worker(ctx, std::make_unique<RecordingChannel>(got),
                        "inproc://worker-test.jobs.1", "inproc://worker-test.receipts.1");
  worker.Start();
  SendJob(jobs, "41");
  std::vector<zmq::message_t> receipt;
  REQUIRE(zmq::recv_multipart(receipts, std::back_inserter(receipt)));
  REQUIRE(receipt.size() == 2);
  CHECK(receipt[0].to_string() == "41");
  CHECK(receipt[1].to_string() == "ok");
  const DeliveryJob job = got.get_future().get();
  CHECK(job.idempotency_key == "vigil-n1");
  CHECK(worker.Stop(std::chrono::seconds(10)));
}

TEST_CASE("a worker whose receipts nobody takes still stops when asked", "[worker]") {
  // On the heap: a worker left running keeps the context busy, and both are then leaked.
  auto owned = std::make_unique<zmq::context_t>();
  zmq::context_t& ctx = *owned;
  zmq::socket_t jobs(ctx, zmq::socket_type::push), receipts(ctx, zmq::socket_type::pull);
  jobs.set(zmq::sockopt::sndhwm, 0);
  jobs.bind("inproc://worker-test.jobs.2");
  receipts.set(zmq::sockopt::rcvhwm, 1);
  receipts.bind("inproc://worker-test.receipts.2");  // and never read, like a stopped engine's
  auto channel = std::make_unique<CountingChannel>();
  CountingChannel& counter = *channel;
  auto worker = std::make_unique<NotifierWorker>(ctx, std::move(channel),
                                                 "inproc://worker-test.jobs.2",
                                                 "inproc://worker-test.receipts.2");
  worker->Start();
  // Jobs until the receipts queue is full and the worker is held in sending a receipt: the
  // next delivery does not come. (At most 5,000 jobs; the queue holds about 1,000 receipts.)
  bool held = false;
  for (int n = 1; n <= 5000 && !held; ++n) {
    SendJob(jobs, std::to_string(n));
    std::unique_lock lock(counter.mu);
    held = !counter.cv.wait_for(lock, std::chrono::milliseconds(300),
                                [&] { return counter.delivered == n; });
  }
  REQUIRE(held);
  const bool stopped = worker->Stop(std::chrono::seconds(10));
  if (!stopped) {  // left running: neither it nor the context may be destroyed (see Stop)
    jobs.close();
    receipts.close();
    (void)worker.release();
    (void)owned.release();
  }
  CHECK(stopped);
}
