// Clock: the only way Vigil code reads the current time.
// Production uses SystemClock; tests use FakeClock and advance it by hand, so no test sleeps.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace vigil {

// Milliseconds since the Unix epoch, UTC. Stored as INTEGER in SQLite.
using TimeMs = std::int64_t;

// Abstract so it can be faked in tests. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs Now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimeMs start = 1'767'225'600'000)  // 2026-01-01T00:00:00Z
      : now_(start) {}
  TimeMs Now() const override { return now_.load(); }
  void Set(TimeMs t) { now_.store(t); }
  void Advance(TimeMs delta_ms) { now_.fetch_add(delta_ms); }

 private:
  std::atomic<TimeMs> now_;
};

}  // namespace vigil
