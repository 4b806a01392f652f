#include "daemon/auth/limiter.h"

#include <algorithm>

namespace vigil {

FailureLimiter::FailureLimiter(const Clock& clock, FailureBudget budget, size_t max_keys)
    : clock_(clock),
      budget_{std::max(budget.failures, 1), std::max<TimeMs>(budget.per, 1)},
      max_keys_(std::max<size_t>(max_keys, 1)) {}

TimeMs FailureLimiter::RetryAfterMs(const std::string& key) const {
  const TimeMs now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.failures < budget_.failures) return 0;
  const TimeMs end = it->second.window_start + budget_.per;
  return end > now ? end - now : 0;
}

int FailureLimiter::Failures(const std::string& key) const {
  const TimeMs now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.window_start + budget_.per <= now) return 0;
  return it->second.failures;
}

bool FailureLimiter::RecordFailure(const std::string& key) {
  const TimeMs now = clock_.Now();
  std::lock_guard lock(mu_);
  DropExpired(now);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {  // forget the oldest window to make room
      entries_.erase(by_start_.front());
      by_start_.pop_front();
    }
    by_start_.push_back(key);
    it = entries_.emplace(key, Entry{0, now}).first;
  }
  return ++it->second.failures == budget_.failures;
}

// Windows start in the order keys are added (an expired key is dropped, not restarted), so
// the expired ones are at the front of by_start_.
void FailureLimiter::DropExpired(TimeMs now) {
  while (!by_start_.empty()) {
    auto it = entries_.find(by_start_.front());
    if (it->second.window_start + budget_.per > now) break;
    entries_.erase(it);
    by_start_.pop_front();
  }
}

size_t FailureLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

long RetryAfterSeconds(TimeMs ms) { return std::max<long>(1, static_cast<long>((ms + 999) / 1000)); }

}  // namespace vigil
