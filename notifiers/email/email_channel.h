// The e-mail channel: one page rendered (notifiers/templates.h) as a MIME multipart/alternative
// message (text/plain + text/html, UTF-8, base64) and sent over SMTP with libcurl.
//
// A re-sent job is recognisably the same message: its Message-ID is built from the job's
// idempotency key (<vigil-n12@sgd.example.vn>) and the key is also in X-Vigil-Idempotency-Key.
#pragma once

#include <string>
#include <string_view>

#include "daemon/common/clock.h"
#include "daemon/common/i18n.h"
#include "notifiers/channel.h"
#include "notifiers/templates.h"

namespace vigil {

// Filled by the config loader; immutable once the channel is built.
struct EmailOptions {
  std::string url;            // "smtp://mail.sgd.example.vn:587" or "smtps://...:465"
  bool starttls = false;      // with smtp://: require STARTTLS (fail rather than send in clear)
  std::string username;       // empty: no AUTH
  std::string password;       // read from the password file by the loader; never logged
  std::string from_address;   // "vigil@sgd.example.vn"
  std::string from_name;      // "Vigil Sở GD&ĐT" (any UTF-8; encoded per RFC 2047)
  long timeout_ms = 30'000;   // the whole SMTP exchange
  Lang lang = Lang::kVi;      // language of the messages
};

// Builds the full RFC 5322 message (CRLF line ends) for `job` rendered as `msg`, dated `now`.
// Pure; exposed for tests. `job.recipient` must already be a valid address (see
// CheckEmailAddress).
std::string ComposeEmail(const EmailOptions& options, const DeliveryJob& job,
                         const RenderedMessage& msg, TimeMs now);

// `text` as a header value: unchanged when it is printable ASCII, otherwise RFC 2047
// encoded-words (=?UTF-8?B?...?=) of at most 75 characters each, never splitting a UTF-8
// character, joined by CRLF + space (folding). Exposed for tests.
std::string EncodeHeaderText(std::string_view text);

// Fails (code "bad_recipient", field "recipient") unless `address` is a plain ASCII
// local@domain without spaces, angle brackets, commas or control characters, so it can be put
// in an SMTP command and a header without injecting anything.
Result<void> CheckEmailAddress(std::string_view address);

// Sends through one SMTP server. Used from its worker's thread only; Deliver blocks for at
// most timeout_ms. `clock` must outlive the channel (dates and ages in messages).
class EmailChannel final : public Channel {
 public:
  EmailChannel(EmailOptions options, const Clock& clock);
  std::string name() const override { return "email"; }
  // Errors: "bad_payload" (not JSON), "bad_recipient", "bad_sender", "smtp_failed" (curl's
  // message and the server's last 4xx/5xx reply; never the password). The worker retries
  // failed jobs later.
  Result<void> Deliver(const DeliveryJob& job) override;

 private:
  Result<void> Send(const std::string& recipient, const std::string& message);

  EmailOptions options_;
  const Clock& clock_;
};

}  // namespace vigil
