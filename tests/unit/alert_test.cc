#include <catch2/catch.hpp>

#include "daemon/alerts/alert.h"

using namespace vigil;

TEST_CASE("what an event does depends on the open alert with its dedup key", "[alerts]") {
  using A = EventAction;
  using S = AlertStatus;
  CHECK(DecideEffect(A::kTrigger, std::nullopt) == Effect::kCreate);
  CHECK(DecideEffect(A::kTrigger, S::kTriggered) == Effect::kRepeat);
  CHECK(DecideEffect(A::kTrigger, S::kAcknowledged) == Effect::kRepeat);  // no re-page
  CHECK(DecideEffect(A::kAcknowledge, S::kTriggered) == Effect::kAcknowledge);
  CHECK(DecideEffect(A::kAcknowledge, S::kAcknowledged) == Effect::kNothing);
  CHECK(DecideEffect(A::kAcknowledge, std::nullopt) == Effect::kNothing);  // dropped
  CHECK(DecideEffect(A::kResolve, S::kTriggered) == Effect::kResolve);
  CHECK(DecideEffect(A::kResolve, S::kAcknowledged) == Effect::kResolve);
  CHECK(DecideEffect(A::kResolve, std::nullopt) == Effect::kNothing);
}

TEST_CASE("people can acknowledge a triggered alert and resolve an open one", "[alerts]") {
  CHECK(CanTransition(AlertStatus::kTriggered, AlertStatus::kAcknowledged));
  CHECK(CanTransition(AlertStatus::kTriggered, AlertStatus::kResolved));
  CHECK(CanTransition(AlertStatus::kAcknowledged, AlertStatus::kResolved));
  CHECK_FALSE(CanTransition(AlertStatus::kAcknowledged, AlertStatus::kAcknowledged));
  CHECK_FALSE(CanTransition(AlertStatus::kResolved, AlertStatus::kAcknowledged));
  CHECK_FALSE(CanTransition(AlertStatus::kResolved, AlertStatus::kResolved));
}

TEST_CASE("the open-alert index keys by integration and dedup key", "[alerts]") {
  OpenAlertIndex idx;
  idx.Put(1, "disk-full", {10, AlertStatus::kTriggered});
  idx.Put(2, "disk-full", {11, AlertStatus::kTriggered});
  REQUIRE(idx.Find(1, "disk-full"));
  CHECK(idx.Find(1, "disk-full")->id == 10);
  CHECK(idx.Find(2, "disk-full")->id == 11);
  CHECK_FALSE(idx.Find(3, "disk-full"));
  // An integration id followed by a key must not collide with another split of the same text.
  idx.Put(1, "2x", {12, AlertStatus::kTriggered});
  CHECK_FALSE(idx.Find(12, "x"));
  idx.Erase(1, "disk-full");
  CHECK_FALSE(idx.Find(1, "disk-full"));
  CHECK(idx.size() == 2);
}

TEST_CASE("severities and statuses round-trip and reject unknown words", "[alerts]") {
  for (auto s : {Severity::kCritical, Severity::kError, Severity::kWarning, Severity::kInfo}) {
    CHECK(ParseSeverity(ToString(s)) == s);
  }
  CHECK_FALSE(ParseSeverity("Critical").has_value());  // case-sensitive, as PagerDuty
  CHECK_FALSE(ParseAlertStatus("open").has_value());
}
