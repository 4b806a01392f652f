#include <array>
#include <charconv>
#include <chrono>
#include <span>
#include <vector>
#include <zmq_addon.hpp>

#include "daemon/bus/bus.h"
#include "daemon/common/thread_name.h"
#include "daemon/common/log.h"
#include "notifiers/channel.h"

namespace vigil {

namespace {
std::string ControlEndpoint(const Channel& c) { return "inproc://vigil.control." + c.name(); }
}  // namespace

void NotifierWorker::Start() {
  control_ = zmq::socket_t(ctx_, zmq::socket_type::pull);
  control_.set(zmq::sockopt::linger, 0);
  control_.bind(ControlEndpoint(*channel_));
  jobs_ = zmq::socket_t(ctx_, zmq::socket_type::pull);
  jobs_.set(zmq::sockopt::linger, 0);
  jobs_.connect(jobs_endpoint_.empty() ? JobsEndpoint(channel_->name()) : jobs_endpoint_);
  receipts_ = zmq::socket_t(ctx_, zmq::socket_type::push);
  receipts_.set(zmq::sockopt::linger, 0);
  receipts_.connect(receipts_endpoint_.empty() ? std::string(kReceiptsEndpoint)
                                              : receipts_endpoint_);
  finished_ = std::make_shared<std::promise<void>>();
  thread_ = std::thread([this, done = finished_] {
    NameThisThread("vigil-n-" + channel_->name());
    try {  // the thread's boundary: a socket error ends this worker, logged, not vigild
      Run();
    } catch (const std::exception& e) {
      Log("notifier")->error("worker_exception channel={} error=\"{}\"", channel_->name(),
                             e.what());
    }
    done->set_value();
  });
}

// The channel's Deliver behind the thread's boundary: an exception from a channel (a library
// it wraps, a payload it did not expect) fails this delivery, which is retried like any
// other failure, and never ends the worker or the process.
Result<void> NotifierWorker::DeliverGuarded(const DeliveryJob& job) {
  try {
    return channel_->Deliver(job);
  } catch (const std::exception& e) {
    Log("notifier")->error("deliver_exception channel={} outbox_id={} error=\"{}\"",
                           channel_->name(), job.outbox_id, e.what());
  } catch (...) {
    Log("notifier")->error("deliver_exception channel={} outbox_id={} error=\"unknown\"",
                           channel_->name(), job.outbox_id);
  }
  return std::unexpected(Error{"internal", "the channel failed unexpectedly", "", 500});
}

void NotifierWorker::Run() {
  auto log = Log("notifier");
  std::vector<zmq::message_t> parts;
  zmq::pollitem_t items[] = {{control_.handle(), 0, ZMQ_POLLIN, 0},
                             {jobs_.handle(), 0, ZMQ_POLLIN, 0}};
  for (;;) {
    zmq::poll(items, 2, std::chrono::milliseconds(-1));
    if (items[0].revents & ZMQ_POLLIN) break;  // $TERM
    parts.clear();
    if (!zmq::recv_multipart(jobs_, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
      continue;
    }
    if (parts.size() != 4) continue;
    DeliveryJob job;
    auto id = parts[0].to_string_view();
    std::from_chars(id.data(), id.data() + id.size(), job.outbox_id);
    job.idempotency_key = parts[1].to_string();
    job.recipient = parts[2].to_string();
    job.payload = parts[3].to_string();
    Result<void> result = DeliverGuarded(job);
    std::array<zmq::const_buffer, 3> receipt = {
        zmq::buffer(id), zmq::str_buffer("ok"), zmq::const_buffer()};
    size_t n = 2;
    std::string error;
    if (!result) {
      error = result.error().message;
      receipt[1] = zmq::str_buffer("error");
      receipt[2] = zmq::buffer(error);
      n = 3;
      log->warn("delivery_failed channel={} outbox_id={} error=\"{}\"", channel_->name(),
                job.outbox_id, error);
    }
    if (!SendReceipt(std::span(receipt.data(), n))) break;  // $TERM while waiting
  }
  control_.unbind(ControlEndpoint(*channel_));  // free the address now, not on the reaper
  jobs_.close();
  receipts_.close();
  control_.close();
}

// A receipt waits while the engine is not taking them (its queue is full, or it has stopped
// and closed its end), but never past $TERM: a blocking send there would hang vigild's stop.
// A receipt that is not sent is harmless: the outbox row stays unconfirmed and is sent again.
bool NotifierWorker::SendReceipt(std::span<const zmq::const_buffer> parts) {
  for (;;) {
    if (zmq::send_multipart(receipts_, parts, zmq::send_flags::dontwait)) return true;
    zmq::pollitem_t items[] = {{control_.handle(), 0, ZMQ_POLLIN, 0},
                               {receipts_.handle(), 0, ZMQ_POLLOUT, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(-1));
    if (items[0].revents & ZMQ_POLLIN) return false;
  }
}

bool NotifierWorker::Stop(std::chrono::milliseconds wait) {
  if (!thread_.joinable()) return true;
  {
    zmq::socket_t push(ctx_, zmq::socket_type::push);
    push.set(zmq::sockopt::linger, 1000);
    push.connect(ControlEndpoint(*channel_));
    push.send(zmq::buffer(std::string_view(kTerm)));
  }
  auto done = finished_->get_future();
  if (wait != std::chrono::milliseconds::max() &&
      done.wait_for(wait) != std::future_status::ready) {
    Log("notifier")->warn("worker_hung channel={} reason=\"still in a delivery; left running\"",
                          channel_->name());
    thread_.detach();  // the owner must keep this object alive (leak it) and exit
    return false;
  }
  thread_.join();
  return true;
}

}  // namespace vigil
