// The webhook channel: a page POSTed as signed JSON to the recipient URL (an ISP's ticketing
// endpoint, a unit's own system), or, with a preset, as a Slack/Mattermost incoming-webhook
// message.
//
// Vigil's format (preset ""): the page payload with the idempotency key and a rendered message,
//   {"idempotency_key":"vigil-n42", "type":"page", "alert":{...}, "level":1, "why":"...",
//    "message":{"subject":"...", "text":"..."}}
// with the headers
//   X-Vigil-Signature: sha256=<hex HMAC-SHA256(secret, body)>   (when a secret is set)
//   X-Vigil-Idempotency-Key: vigil-n42
//   X-Vigil-Timestamp: <Unix seconds>
// Preset "slack" / "mattermost": {"text":"<subject>\n<text>"}, with the same headers.
#pragma once

#include <string>
#include <string_view>

#include "daemon/common/clock.h"
#include "daemon/common/i18n.h"
#include "notifiers/channel.h"

namespace vigil {

struct WebhookOptions {
  std::string secret;        // HMAC key for X-Vigil-Signature; empty: no signature header
  std::string preset;        // "" (Vigil's JSON), "slack" or "mattermost"
  long timeout_ms = 10'000;  // connect, send and wait for the answer, each
  Lang lang = Lang::kVi;
};

// Checks the preset and the timeout; the error names the option at fault.
Result<void> CheckWebhookOptions(const WebhookOptions& options);

// "sha256=" + lowercase hex HMAC-SHA256 of `body` under `secret` (any length). Thread-safe.
std::string WebhookSignature(std::string_view secret, std::string_view body);

// One HTTP request per delivery; no state is kept between deliveries. Used from one thread
// (the worker's). `clock` must remain live while the channel is in use.
class WebhookChannel final : public Channel {
 public:
  WebhookChannel(WebhookOptions options, const Clock& clock);
  std::string name() const override { return "webhook"; }

  // POSTs the page in job.payload to the URL in job.recipient. A payload that is a bare alert
  // object (no "type") is sent as a page of that alert. Fails with "bad_payload",
  // "bad_url" (not http(s)), "webhook_network" (unreachable or no answer within timeout_ms)
  // or "webhook_status" (an answer other than 2xx: status and the start of the answer).
  // Messages name the receiver by scheme and host only: chat webhook paths are credentials.
  Result<void> Deliver(const DeliveryJob& job) override;

 private:
  WebhookOptions options_;
  const Clock& clock_;
};

}  // namespace vigil
