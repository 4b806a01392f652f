// The ZeroMQ bus inside vigild: in-process endpoints between the engine and the notifier
// workers, and the console PUB socket consoles subscribe to (the engine publishes on it).
//
// Wire formats (multipart messages, UTF-8 JSON bodies):
//   publish   (engine PUB → consoles; in unit tests PUSH → kPublishEndpoint):
//                                   [topic, body]            topic "page.<recipient>" or
//                                                            "alert.<change>"
//   job       (engine PUSH → worker PULL): [outbox_id, idempotency_key, recipient, payload]
//   receipt   (worker PUSH → engine PULL): [outbox_id, "ok"] or [outbox_id, "error", message]
//   stop      any actor's PULL:    ["$TERM"]
#pragma once

#include <string>
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

// Publishes a console page: [ "page.<recipient>", payload + idempotency_key ] on `push` (the
// console PUB socket, or a PUSH in tests), without waiting. Fails when the payload is not a
// JSON object or the socket is not taking messages; the caller retries later.
Result<void> PublishPage(zmq::socket_t& push, std::string_view recipient,
                         std::string_view payload, std::string_view key);

// The console PUB socket consoles subscribe to, bound to `endpoint` (a taken port fails here,
// naming bus.console). vigild hands it to the engine (Engine::PublishOn), which publishes
// every [topic, body] on it from its own thread, with no forwarding thread in between.
struct ConsoleSocket {
  zmq::socket_t pub;
  std::string endpoint;  // as bound: a port given as :0 or * resolved
};
Result<ConsoleSocket> BindConsole(zmq::context_t& ctx, const std::string& endpoint);

}  // namespace vigil
