#include "daemon/http/guards.h"

#include "daemon/common/log.h"

namespace vigil {

namespace {
FailureBudget BudgetOf(const Config::GuessLimits::Budget& b) { return {b.failures, b.per}; }
}  // namespace

GuessLimiters::GuessLimiters(const Clock& clock, const Config::GuessLimits& g)
    : sms_sender(clock, BudgetOf(g.per_sender), g.tracked_max),
      sms_key(clock, BudgetOf(g.per_key), g.tracked_max),
      links(clock, BudgetOf(g.per_address), g.tracked_max),
      feeds(clock, BudgetOf(g.per_address), g.tracked_max),
      telegram(clock, BudgetOf(g.per_address), g.tracked_max) {}

std::string ClientAddress(const HttpRequest& req) {
  if (req.remote != "127.0.0.1" && req.remote != "::1" && req.remote != "::ffff:127.0.0.1") {
    return req.remote;
  }
  const std::string xff = req.get_header_value("X-Forwarded-For");
  const size_t comma = xff.rfind(',');
  std::string last = comma == std::string::npos ? xff : xff.substr(comma + 1);
  const size_t b = last.find_first_not_of(" \t"), e = last.find_last_not_of(" \t");
  last = b == std::string::npos ? "" : last.substr(b, e - b + 1);
  // Only what can be an IPv4 or IPv6 address becomes a limiter key (and reaches the log).
  const bool address = !last.empty() && last.size() <= 45 &&
                       last.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos;
  return address ? last : req.remote;
}

std::optional<Error> Refusal(const FailureLimiter* limiter, const std::string& key,
                             HttpResponse& res, Lang l, const std::string& who) {
  const TimeMs wait = limiter ? limiter->RetryAfterMs(key) : 0;
  if (wait <= 0) return std::nullopt;
  const long s = RetryAfterSeconds(wait);
  res.set_header("Retry-After", std::to_string(s));
  return Error{"too_many_failures",
               Tr(l, "Quá nhiều lần thử sai từ ", "Too many failed attempts from ") + who +
                   Tr(l, "; thử lại sau ", "; try again in ") + std::to_string(s) + " s",
               "", 429};
}

void CountFailure(FailureLimiter* limiter, const std::string& key, const char* name) {
  if (!limiter || !limiter->RecordFailure(key)) return;
  Log("http")->warn("guess_limit_reached limiter={} key={} failures={} per_s={}", name, key,
                    limiter->budget().failures, limiter->budget().per / 1000);
}

}  // namespace vigil
