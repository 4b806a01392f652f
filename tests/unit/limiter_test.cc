// FailureLimiter: refusing a guesser, on the fake clock.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "config/config.h"
#include "daemon/auth/auth.h"
#include "daemon/auth/limiter.h"
#include "daemon/common/secrets.h"

using namespace vigil;

namespace {
constexpr TimeMs kMinute = 60'000;
}

TEST_CASE("a sender is refused after 5 failures until 15 minutes after its first", "[limiter]") {
  FakeClock clock;
  FailureLimiter limiter(clock, {5, 15 * kMinute});
  for (int i = 1; i <= 4; ++i) {
    CHECK(limiter.RetryAfterMs("+84901000002") == 0);
    CHECK_FALSE(limiter.RecordFailure("+84901000002"));
    clock.Advance(kMinute);
  }
  CHECK(limiter.RetryAfterMs("+84901000002") == 0);
  CHECK(limiter.RecordFailure("+84901000002"));  // the fifth spends the budget
  // First failure at t0, now t0+4m: refused for the 11 minutes left of the window.
  CHECK(limiter.RetryAfterMs("+84901000002") == 11 * kMinute);
  CHECK(RetryAfterSeconds(limiter.RetryAfterMs("+84901000002")) == 660);
  CHECK(limiter.RetryAfterMs("+84909999999") == 0);  // another sender is not affected
}

TEST_CASE("the window passes on the clock and the sender may try again", "[limiter]") {
  FakeClock clock;
  FailureLimiter limiter(clock, {3, 2'000});
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("k");
  CHECK(limiter.RetryAfterMs("k") == 2'000);
  clock.Advance(1'999);
  CHECK(limiter.RetryAfterMs("k") == 1);
  CHECK(RetryAfterSeconds(1) == 1);  // never "Retry-After: 0" while refused
  clock.Advance(1);
  CHECK(limiter.RetryAfterMs("k") == 0);
  // A fresh window: three more failures before the next refusal.
  CHECK_FALSE(limiter.RecordFailure("k"));
  CHECK_FALSE(limiter.RecordFailure("k"));
  CHECK(limiter.RecordFailure("k"));
  CHECK(limiter.RetryAfterMs("k") == 2'000);
}

TEST_CASE("memory stays bounded however many keys fail", "[limiter]") {
  FakeClock clock;
  FailureLimiter limiter(clock, {2, 15 * kMinute}, 100);
  limiter.RecordFailure("victim");
  limiter.RecordFailure("victim");
  REQUIRE(limiter.RetryAfterMs("victim") > 0);
  for (int i = 0; i < 10'000; ++i) {
    clock.Advance(1);
    limiter.RecordFailure("addr-" + std::to_string(i));
    REQUIRE(limiter.tracked() <= 100);
  }
  CHECK(limiter.tracked() == 100);
  // The oldest windows were forgotten first; the newest are still counted.
  CHECK(limiter.RetryAfterMs("victim") == 0);
  limiter.RecordFailure("addr-9999");
  CHECK(limiter.RetryAfterMs("addr-9999") > 0);
  // Expired windows are dropped as the clock passes them.
  clock.Advance(15 * kMinute);
  limiter.RecordFailure("late");
  CHECK(limiter.tracked() == 1);
}

TEST_CASE("many threads counting one key refuse it exactly once", "[limiter]") {
  FakeClock clock;
  FailureLimiter limiter(clock, {400, kMinute});
  std::atomic<int> spent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) spent += limiter.RecordFailure("key") ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(spent == 1);
  CHECK(limiter.RetryAfterMs("key") == kMinute);
}

TEST_CASE("a key of kind any does not answer for inbound SMS", "[limiter][auth]") {
  IntegrationRegistry registry;
  registry.Add(Sha256Hex("default-key"), {1, "default", "any"});
  registry.Add(Sha256Hex("gateway-key"), {2, "sms-gateway", "sms_inbound"});
  CHECK(registry.Authenticate("default-key", "events_v2"));
  CHECK(registry.Authenticate("default-key", "alertmanager"));
  auto refused = registry.Authenticate("default-key", "sms_inbound");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().status == 403);
  CHECK(refused.error().code == "wrong_integration_kind");
  CHECK(registry.Authenticate("gateway-key", "sms_inbound"));
  CHECK_FALSE(registry.Authenticate("gateway-key", "events_v2"));
}

TEST_CASE("guess_limits come from the config; the embedded default documents them",
          "[limiter][config]") {
  auto def = ParseConfig(EmbeddedDefaultConfig(), "<embedded default>");
  REQUIRE(def);
  CHECK(def->guess_limits == Config::GuessLimits{});
  CHECK(def->guess_limits.per_sender == Config::GuessLimits::Budget{5, 15 * kMinute});
  CHECK(def->guess_limits.per_key == Config::GuessLimits::Budget{50, 15 * kMinute});
  CHECK(def->guess_limits.per_address == Config::GuessLimits::Budget{20, 15 * kMinute});
  auto cfg = ParseConfig(R"(
guess_limits:
  per_sender: {failures: 3, per: 1h}
  tracked_max: 500
)", "v.yaml");
  REQUIRE(cfg);
  CHECK(cfg->guess_limits.per_sender == Config::GuessLimits::Budget{3, 60 * kMinute});
  CHECK(cfg->guess_limits.per_key.failures == 50);  // untouched keys keep their defaults
  CHECK(cfg->guess_limits.tracked_max == 500);
  auto bad = ParseConfig("guess_limits:\n  per_key: {failures: 0, per: 10ms}\n", "b.yaml");
  REQUIRE_FALSE(bad);
  REQUIRE(bad.error().size() == 2);
  CHECK(bad.error()[0].ToString().find("b.yaml:2: guess_limits.per_key.failures") == 0);
  CHECK(bad.error()[1].message.find("guess_limits.per_key.per must be at least 1s") == 0);
}
