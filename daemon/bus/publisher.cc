#include <nlohmann/json.hpp>
#include <vector>
#include <zmq_addon.hpp>

#include "daemon/bus/bus.h"
#include "daemon/common/json_text.h"
#include "daemon/common/log.h"

namespace vigil {

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

Result<void> PublishPage(zmq::socket_t& push, std::string_view recipient,
                         std::string_view payload, std::string_view key) {
  auto text = WithIdempotencyKey(payload, key);
  if (!text) return std::unexpected(text.error());
  std::string topic = "page.";
  topic.append(recipient);
  if (!push.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
      !push.send(zmq::buffer(*text), zmq::send_flags::dontwait)) {
    return Fail("console_busy", "the console publisher is not accepting messages");
  }
  return {};
}

Result<ConsoleSocket> BindConsole(zmq::context_t& ctx, const std::string& endpoint) {
  ConsoleSocket out{zmq::socket_t(ctx, zmq::socket_type::pub), {}};
  try {
    out.pub.set(zmq::sockopt::linger, 0);
    out.pub.set(zmq::sockopt::sndhwm, 100'000);  // per subscriber; beyond it ZeroMQ drops
    out.pub.bind(endpoint);
    out.endpoint = out.pub.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Fail("bus_error", "cannot bind console endpoint " + endpoint + ": " + e.what(),
                "bus.console", 500);
  }
  Log("bus")->info("console_publisher_started endpoint={}", out.endpoint);
  return out;
}

}  // namespace vigil
