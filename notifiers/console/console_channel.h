// The console channel: a page published on the console PUB socket under the topic
// "page.<recipient>", where `vigilctl watch` and desktop consoles subscribe.
#pragma once

#include <zmq.hpp>

#include "daemon/bus/bus.h"
#include "notifiers/channel.h"

namespace vigil {

// Owns a PUSH socket into the Publisher; used only from the worker thread.
class ConsoleChannel final : public Channel {
 public:
  explicit ConsoleChannel(zmq::context_t& ctx);
  std::string name() const override { return "console"; }
  Result<void> Deliver(const DeliveryJob& job) override;

 private:
  zmq::socket_t push_;
};

}  // namespace vigil
