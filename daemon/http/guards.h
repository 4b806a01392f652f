// Refusing guessers at the HTTP front: one FailureLimiter (daemon/auth/limiter.h) per thing a
// caller could guess — SMS reply codes (per sending phone and per integration key), answer
// links, duty.ics feed tokens and the Telegram webhook secret (per client address) — and the
// helpers the routes share to answer 429 with Retry-After and to log when a budget is spent.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "daemon/auth/limiter.h"
#include "daemon/common/clock.h"
#include "daemon/common/error.h"
#include "daemon/common/i18n.h"
#include "daemon/http/message.h"

namespace vigil {

// The limiters, built from the config's guess_limits. `clock` must outlive them. Thread-safe.
struct GuessLimiters {
  GuessLimiters(const Clock& clock, const Config::GuessLimits& limits);
  FailureLimiter sms_sender, sms_key, links, feeds, telegram;
};

// Who made a request, for per-address limits: the socket's peer, or, when the peer is a proxy
// on this machine (127.0.0.1, ::1), the last address in its X-Forwarded-For header.
std::string ClientAddress(const HttpRequest& req);

// When `limiter` refuses `key`: sets Retry-After (seconds) on `res`, logs nothing (the
// refusal was logged when the budget was spent) and returns the 429 Error to answer with;
// `who` says whom in the message ("this phone"). Otherwise (or with no limiter) nullopt.
std::optional<Error> Refusal(const FailureLimiter* limiter, const std::string& key,
                             HttpResponse& res, Lang lang, const std::string& who);

// Counts a failed attempt by `key`; when it spends the budget logs
// `guess_limit_reached limiter=<name> key=<key> failures=N per_s=S` once (component "http").
// `key` must be an id (a phone, an integration, an address), never the guessed secret.
// No limiter: nothing.
void CountFailure(FailureLimiter* limiter, const std::string& key, const char* name);

}  // namespace vigil
