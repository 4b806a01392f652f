#include "notifiers/console/console_channel.h"

#include "daemon/bus/bus.h"

namespace vigil {

ConsoleChannel::ConsoleChannel(zmq::context_t& ctx) : push_(ctx, zmq::socket_type::push) {
  push_.set(zmq::sockopt::linger, 0);
  push_.set(zmq::sockopt::sndhwm, 100'000);
  push_.connect(kPublishEndpoint);
}

Result<void> ConsoleChannel::Deliver(const DeliveryJob& job) {
  return PublishPage(push_, job.recipient, job.payload, job.idempotency_key);
}

}  // namespace vigil
