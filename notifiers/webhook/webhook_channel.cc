#include "notifiers/webhook/webhook_channel.h"

#include <httplib.h>

#include "notifiers/http_common.h"
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "daemon/common/log.h"
#include "daemon/common/secrets.h"
#include "notifiers/templates.h"

namespace vigil {

namespace {

using nlohmann::json;


// "https://host:port/path?q" → origin "https://host:port", target "/path?q".
struct UrlParts {
  std::string origin;
  std::string target;
};

Result<UrlParts> SplitUrl(std::string_view url) {
  const size_t sep = url.find("://");
  const std::string_view scheme = sep == std::string_view::npos ? "" : url.substr(0, sep);
  const std::string_view rest = sep == std::string_view::npos ? "" : url.substr(sep + 3);
  const size_t slash = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, slash);
  const bool printable =
      std::all_of(url.begin(), url.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
  if ((scheme != "http" && scheme != "https") || authority.empty() ||
      authority.find('@') != std::string_view::npos || !printable) {
    return Fail("bad_url",
                "the webhook recipient is not an http:// or https:// URL with a host "
                "(and no credentials or spaces in it)",
                "recipient");
  }
  std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (target[0] != '/') target.insert(0, "/");
  if (const size_t hash = target.find('#'); hash != std::string::npos) target.resize(hash);
  return UrlParts{std::string(url.substr(0, sep + 3 + authority.size())), target};
}

// The body for `job`: Vigil's signed JSON, or the chat preset's {"text": ...}.
Result<std::string> Body(const WebhookOptions& o, const DeliveryJob& job, TimeMs now) {
  json payload = json::parse(job.payload, nullptr, false);
  if (!payload.is_object()) return Fail("bad_payload", "the page payload is not a JSON object");
  if (!payload.contains("type") && payload.contains("id")) {  // a bare alert: page for it
    payload = json{{"type", "page"}, {"alert", std::move(payload)}};
  }
  const RenderedMessage m = RenderMessage(payload, o.lang, now);
  if (!o.preset.empty()) return json{{"text", m.subject + "\n" + m.text}}.dump();
  json body = std::move(payload);
  body["idempotency_key"] = job.idempotency_key;
  body["message"] = {{"subject", m.subject}, {"text", m.text}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Result<void> CheckWebhookOptions(const WebhookOptions& o) {
  if (o.preset != "" && o.preset != "slack" && o.preset != "mattermost") {
    return Fail("bad_preset", "webhook preset must be empty, slack or mattermost, not " + o.preset,
                "preset");
  }
  if (o.timeout_ms <= 0) return Fail("bad_timeout", "timeout_ms must be positive", "timeout_ms");
  return {};
}

std::string WebhookSignature(std::string_view secret, std::string_view body) {
  InitCrypto();
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return std::string("sha256=") + hex;
}

WebhookChannel::WebhookChannel(WebhookOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

Result<void> WebhookChannel::Deliver(const DeliveryJob& job) {
  if (auto ok = CheckWebhookOptions(options_); !ok) return ok;
  auto url = SplitUrl(job.recipient);
  if (!url) return std::unexpected(url.error());
  const TimeMs now = clock_.Now();
  auto body = Body(options_, job, now);
  if (!body) return std::unexpected(body.error());

  httplib::Headers headers{{"User-Agent", "vigil"},
                           {"X-Vigil-Idempotency-Key", job.idempotency_key},
                           {"X-Vigil-Timestamp", std::to_string(now / 1000)}};
  if (!options_.secret.empty()) {
    headers.emplace("X-Vigil-Signature", WebhookSignature(options_.secret, *body));
  }
  httplib::Client client(url->origin);
  const auto timeout = std::chrono::milliseconds(options_.timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_url_encode(false);
  httplib::Result res = client.Post(url->target, headers, *body, "application/json");
  if (!res) {
    return Fail(
        "webhook_network",
        "webhook " + url->origin + ": " + DescribeNetworkError(res.error(), options_.timeout_ms),
        "recipient", 502);
  }
  if (res->status < 200 || res->status > 299) {
    return Fail("webhook_status",
                "webhook " + url->origin + " answered " + std::to_string(res->status) + ": " +
                    OneLineSnippet(res->body),
                "recipient", 502);
  }
  Log("notifier")->debug("webhook_delivered outbox_id={} status={}", job.outbox_id, res->status);
  return {};
}

}  // namespace vigil
