// The SMS channel: a page sent as one short text through an HTTP SMS gateway (a carrier's or
// an aggregator's API). The gateway is described entirely by options — URL, method, headers
// and a body template — so any gateway that takes one HTTP request per message fits.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/common/clock.h"
#include "daemon/common/i18n.h"
#include "notifiers/channel.h"

namespace vigil {

// How to reach one SMS gateway. `url`, header values and `body_template` may hold placeholders,
// each replaced in one pass (a value is never expanded again):
//   {{to}}         the recipient (job.recipient, e.g. "+84900000002"), as is
//   {{to_url}}     the recipient percent-encoded ("%2B84900000002"), for URLs and form bodies
//   {{to_json}}    the recipient JSON-escaped, without the quotes
//   {{text}}       the message, as is (UTF-8)
//   {{text_json}}  the message JSON-escaped, without the quotes: "{\"msg\":\"{{text_json}}\"}"
//   {{text_url}}   the message percent-encoded (RFC 3986 unreserved kept, space → %20)
//   {{id}}         the idempotency key, stable across re-sends of one message
// Unknown {{names}} are left as written. The message is RenderMessage(...).sms, folded to
// ASCII with FoldVietnamese when `fold_diacritics`, then cut to `max_chars` with FitSms.
struct SmsOptions {
  std::string url;              // http:// or https://; sent as written after expansion
  std::string method = "POST";  // "POST" or "GET" (GET sends no body)
  // Sent as given after expansion. Every value is treated as a secret: it never appears in
  // an error or a log line, nor does the URL's path or query.
  std::vector<std::pair<std::string, std::string>> headers;
  // POST body. Its Content-Type is the Content-Type header if one is given, otherwise
  // application/json when the template starts with '{' or '[', otherwise
  // application/x-www-form-urlencoded.
  std::string body_template;
  bool fold_diacritics = true;  // "Đồng Nai" → "Dong Nai" so the text stays in GSM-7
  size_t max_chars = 160;       // one GSM-7 SMS
  long timeout_ms = 10'000;     // connect, send and wait for the answer, each
  Lang lang = Lang::kVi;
};

// Checks options once, before any delivery: the URL scheme, the method, no credentials in the
// URL (use a header), {{text}}/{{text_json}} not in the URL (use {{text_url}}), max_chars >= 4
// and timeout_ms > 0. The error names the option at fault ("url", "method", ...).
Result<void> CheckSmsOptions(const SmsOptions& options);

// The values the placeholders stand for.
struct SmsFields {
  std::string to;
  std::string text;
  std::string id;
};

// `tmpl` with every placeholder above replaced from `fields`. Pure, thread-safe.
std::string ExpandSmsTemplate(std::string_view tmpl, const SmsFields& fields);

// RFC 3986 percent-encoding: A-Z a-z 0-9 - . _ ~ kept, every other byte as %XX (uppercase).
std::string PercentEncode(std::string_view s);

// The inside of a JSON string for `s` (quotes, backslashes and control characters escaped;
// UTF-8 kept; invalid UTF-8 replaced by U+FFFD).
std::string JsonEscape(std::string_view s);

// One HTTP request per delivery; no state is kept between deliveries. Used from one thread
// (the worker's). `clock` must remain live while the channel is in use.
class SmsChannel final : public Channel {
 public:
  // `options` should have passed CheckSmsOptions; if not, every delivery fails with its error.
  SmsChannel(SmsOptions options, const Clock& clock);
  std::string name() const override { return "sms"; }

  // Sends the page in job.payload to job.recipient. Fails with "bad_payload" if the payload
  // is not JSON, "sms_network" if the gateway cannot be reached or does not answer within
  // timeout_ms, and "sms_gateway" if it answers other than 2xx (the message holds the status
  // and the start of the answer, with every header value redacted).
  Result<void> Deliver(const DeliveryJob& job) override;

 private:
  SmsOptions options_;
  const Clock& clock_;
  std::vector<std::string> secrets_;  // redacted from every error message
};

}  // namespace vigil
