#include <nlohmann/json.hpp>
#include <vector>
#include <zmq_addon.hpp>

#include "daemon/bus/bus.h"
#include "daemon/common/thread_name.h"
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

Result<void> Publisher::Start() {
  try {
    pull_ = zmq::socket_t(ctx_, zmq::socket_type::pull);
    pull_.set(zmq::sockopt::linger, 0);
    pull_.bind(kPublishEndpoint);
    pub_ = zmq::socket_t(ctx_, zmq::socket_type::pub);
    pub_.set(zmq::sockopt::linger, 0);
    pub_.set(zmq::sockopt::sndhwm, 100'000);
    pub_.bind(pub_endpoint_);
    bound_ = pub_.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Fail("bus_error", "cannot bind console endpoint " + pub_endpoint_ + ": " + e.what(),
                "bus.console", 500);
  }
  thread_ = std::thread([this] { Run(); });
  Log("bus")->info("console_publisher_started endpoint={}", bound_);
  return {};
}

void Publisher::Run() {
  NameThisThread("vigil-publish");
  std::vector<zmq::message_t> parts;
  for (;;) {
    parts.clear();
    if (!zmq::recv_multipart(pull_, std::back_inserter(parts))) continue;
    if (parts.size() == 1 && parts[0].to_string_view() == kTerm) break;
    if (parts.size() != 2) continue;
    pub_.send(parts[0], zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    pub_.send(parts[1], zmq::send_flags::dontwait);
  }
  pull_.unbind(kPublishEndpoint);  // free the address now, not on the reaper thread
  pull_.close();
  pub_.close();
}

void Publisher::Stop() {
  if (!thread_.joinable()) return;
  zmq::socket_t push(ctx_, zmq::socket_type::push);
  push.connect(kPublishEndpoint);
  push.send(zmq::buffer(std::string_view(kTerm)));
  thread_.join();
}

}  // namespace vigil
