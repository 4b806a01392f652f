#include "notifiers/console/console_channel.h"

#include <nlohmann/json.hpp>

#include "daemon/bus/bus.h"

namespace vigil {

ConsoleChannel::ConsoleChannel(zmq::context_t& ctx) : push_(ctx, zmq::socket_type::push) {
  push_.set(zmq::sockopt::linger, 0);
  push_.set(zmq::sockopt::sndhwm, 100'000);
  push_.connect(kPublishEndpoint);
}

Result<void> ConsoleChannel::Deliver(const DeliveryJob& job) {
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(job.payload);
  } catch (const nlohmann::json::exception& e) {
    return Fail("bad_payload", std::string("page payload is not JSON: ") + e.what());
  }
  body["idempotency_key"] = job.idempotency_key;
  const std::string topic = "page." + job.recipient;
  const std::string text = body.dump();
  if (!push_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
      !push_.send(zmq::buffer(text), zmq::send_flags::dontwait)) {
    return Fail("console_busy", "the console publisher is not accepting messages");
  }
  return {};
}

}  // namespace vigil
