#include "notifiers/console/console_channel.h"

#include <nlohmann/json.hpp>

#include "daemon/bus/bus.h"
#include "daemon/common/json_text.h"

namespace vigil {

ConsoleChannel::ConsoleChannel(zmq::context_t& ctx) : push_(ctx, zmq::socket_type::push) {
  push_.set(zmq::sockopt::linger, 0);
  push_.set(zmq::sockopt::sndhwm, 100'000);
  push_.connect(kPublishEndpoint);
}

// The page with "idempotency_key" added. The engine writes every page as one JSON object,
// so the key is spliced in before its closing brace instead of parsing and re-serialising
// the page for every delivery; anything else is parsed (and refused if it is not an object).
Result<std::string> WithIdempotencyKey(std::string_view payload, std::string_view key) {
  const size_t open = payload.find_first_not_of(" \t\r\n");
  const size_t close = payload.find_last_not_of(" \t\r\n");
  if (open == std::string_view::npos || payload[open] != '{' || payload[close] != '}') {
    nlohmann::json body;
    try {
      body = nlohmann::json::parse(payload);
    } catch (const nlohmann::json::exception& e) {
      return Fail("bad_payload", std::string("page payload is not JSON: ") + e.what());
    }
    if (!body.is_object()) return Fail("bad_payload", "page payload is not a JSON object");
    body["idempotency_key"] = key;
    return body.dump();
  }
  const bool empty = payload.find_first_not_of(" \t\r\n", open + 1) == close;
  std::string text(payload.substr(0, close));
  text += empty ? "" : ",";
  text += R"("idempotency_key":)";
  AppendJsonString(text, key);
  text += '}';
  return text;
}

Result<void> ConsoleChannel::Deliver(const DeliveryJob& job) {
  auto text = WithIdempotencyKey(job.payload, job.idempotency_key);
  if (!text) return std::unexpected(text.error());
  const std::string topic = "page." + job.recipient;
  if (!push_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
      !push_.send(zmq::buffer(*text), zmq::send_flags::dontwait)) {
    return Fail("console_busy", "the console publisher is not accepting messages");
  }
  return {};
}

}  // namespace vigil
