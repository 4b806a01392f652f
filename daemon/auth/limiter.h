// FailureLimiter: refuses a caller who keeps guessing. It counts failed attempts (a wrong SMS
// reply code, a forged answer link, a wrong calendar feed token) per key — a sender's phone,
// an integration, a client address — and once a key has spent its budget in a window, says
// how long until it may try again (the caller answers 429 with Retry-After).
//
// The window is fixed and starts at a key's first failure: at most `failures` failures in
// any window, so at most failures * ceil(T / per) in a time T. Successes are not counted and
// do not reset the count; a refused attempt is not a failure (it was never checked), so a
// key that keeps trying while refused does not push its window further out.
//
// State is in memory only: a restart forgets every count (documented; restarting vigild is
// not something a guesser can make happen). Memory is bounded: at most `max_keys` keys are
// tracked; past that the key whose window started first is forgotten (the one nearest to its
// end anyway). Time comes from the injected Clock. Thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "daemon/common/clock.h"

namespace vigil {

// How many failures a key may have in a window.
struct FailureBudget {
  int failures = 5;         // at least 1
  TimeMs per = 15 * 60'000;  // the window, at least 1 ms
};

class FailureLimiter {
 public:
  // `clock` must outlive the limiter. `max_keys` is at least 1.
  FailureLimiter(const Clock& clock, FailureBudget budget, size_t max_keys = 10'000);

  // 0 when `key` may try now; otherwise the milliseconds until its window ends.
  TimeMs RetryAfterMs(const std::string& key) const;
  // Counts one failure for `key`. True when this failure spends the budget: the key is
  // refused from now until its window ends (the caller logs that, once).
  bool RecordFailure(const std::string& key);
  // Failures `key` has in its current window (0 when none or the window has passed).
  int Failures(const std::string& key) const;

  size_t tracked() const;  // keys held now (expired ones may still be counted)
  const FailureBudget& budget() const { return budget_; }

 private:
  struct Entry {
    int failures = 0;
    TimeMs window_start = 0;
  };
  void DropExpired(TimeMs now);  // under mu_

  const Clock& clock_;
  const FailureBudget budget_;
  const size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> by_start_;  // keys by window start, oldest first
};

// Whole seconds for a Retry-After header: rounded up, at least 1.
long RetryAfterSeconds(TimeMs ms);

}  // namespace vigil
