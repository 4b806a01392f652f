// The ZeroMQ bus inside vigild: in-process endpoints between the engine, the notifier
// workers and the console publisher, and the Publisher actor that owns the PUB socket
// consoles subscribe to.
//
// Wire formats (multipart messages, UTF-8 JSON bodies):
//   publish   (PUSH → Publisher):   [topic, body]            topic "page.<recipient>" or
//                                                            "alert.<change>"
//   job       (engine PUSH → worker PULL): [outbox_id, idempotency_key, recipient, payload]
//   receipt   (worker PUSH → engine PULL): [outbox_id, "ok"] or [outbox_id, "error", message]
//   stop      any actor's PULL:    ["$TERM"]
#pragma once

#include <string>
#include <thread>
#include <zmq.hpp>

#include "daemon/common/error.h"

namespace vigil {

inline constexpr const char* kPublishEndpoint = "inproc://vigil.publish";
inline constexpr const char* kReceiptsEndpoint = "inproc://vigil.receipts";
inline std::string JobsEndpoint(const std::string& channel) {
  return "inproc://vigil.jobs." + channel;
}
inline constexpr const char* kTerm = "$TERM";

// `payload` (a JSON object) with "idempotency_key": `key` added.
Result<std::string> WithIdempotencyKey(std::string_view payload, std::string_view key);

// Publishes a console page: [ "page.<recipient>", payload + idempotency_key ] on `push` (a
// PUSH into the Publisher), without waiting. Fails when the payload is not a JSON object or
// the Publisher is not taking messages; the caller retries later.
Result<void> PublishPage(zmq::socket_t& push, std::string_view recipient,
                         std::string_view payload, std::string_view key);

// Owns the console PUB socket; forwards every [topic, body] pushed to kPublishEndpoint.
// Start/Stop from one thread; the actor thread owns both sockets while running.
class Publisher {
 public:
  Publisher(zmq::context_t& ctx, std::string pub_endpoint)
      : ctx_(ctx), pub_endpoint_(std::move(pub_endpoint)) {}
  ~Publisher() { Stop(); }

  // Binds both sockets (so a taken port fails here, in the caller) and starts the actor.
  Result<void> Start();
  void Stop();
  // The endpoint subscribers should connect to (port resolved when configured as :0).
  const std::string& endpoint() const { return bound_; }

 private:
  void Run();

  zmq::context_t& ctx_;
  std::string pub_endpoint_;
  std::string bound_;
  zmq::socket_t pull_, pub_;
  std::thread thread_;
};

}  // namespace vigil
