// Signed answer links: "acknowledge / resolve / escalate this alert as this person", put in
// e-mail, SMS and Telegram messages. A link is a short token (claims and a truncated
// HMAC-SHA256 under the link key, ~45 characters so it fits an SMS); it names the alert, the
// person it was sent to, the action and an expiry (whole seconds). The HTTP side shows a confirm page on GET and acts only on POST (so link previewers
// cannot acknowledge), once: the engine records each used token.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/common/clock.h"
#include "daemon/common/error.h"

namespace vigil {

struct LinkClaims {
  std::int64_t alert_id = 0;
  std::string person;
  std::string action;  // ack, resolve, escalate
  TimeMs expires_at = 0;
  int level = 0;  // escalate: the level the page came from (a stale link must not skip one)
};

// Signs and verifies link tokens with one key. Thread-safe (immutable after construction).
class LinkSigner {
 public:
  // Reads `dir`/link.key (32 random bytes, hex), creating it (mode 0600) when absent.
  // Deleting the file and restarting revokes every link ever sent.
  static Result<LinkSigner> LoadOrCreate(const std::string& dir);
  explicit LinkSigner(std::string key) : key_(std::move(key)) {}

  std::string Sign(const LinkClaims& claims) const;
  // Checks the signature and the expiry. 403 bad_link for a forged or damaged token,
  // 410 link_expired after its expiry.
  Result<LinkClaims> Verify(const std::string& token, TimeMs now) const;

 private:
  std::string key_;
};

}  // namespace vigil
