#include <vector>
#include <zmq_addon.hpp>

#include "daemon/bus/bus.h"
#include "daemon/common/thread_name.h"
#include "daemon/common/log.h"

namespace vigil {

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
