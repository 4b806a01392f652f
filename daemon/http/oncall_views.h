// JSON views of the on-call setup and its answers for the API (who is on duty, gaps, people,
// units, contact points, policies, routes, check-ins). Pure functions of their arguments;
// thread-safe. Times are RFC 3339 UTC; an open end ("until" with no change due) is null.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/escalation/escalation.h"
#include "daemon/store/store.h"

namespace vigil {

// An instant, or null for the open ends the calculators use (INT64_MIN / INT64_MAX).
nlohmann::json TimeOrNull(TimeMs t);

// The holiday period in force at `at` (a heightened one first), or null.
nlohmann::json HolidayAt(const OnCallSetup& setup, TimeMs at);

// {"id","name","unit","on_duty":[{"role","person":{"id","name"},"source_kind","source",
// "from","until"}]} for one schedule at `at`.
nlohmann::json ScheduleOnDutyView(const OnCallSetup& setup, const Schedule& s, TimeMs at);

nlohmann::json PersonView(const Person& p);
nlohmann::json UnitView(const Unit& u);
nlohmann::json ContactPointView(const ContactPoint& c);
nlohmann::json PolicyView(const EscalationPolicy& p);
nlohmann::json RouteView(const Route& r);

// A check-in row with its state: pending, checked_in or missed. `setup` supplies the name.
nlohmann::json CheckinView(const OnCallSetup& setup, const CheckinRow& r);

}  // namespace vigil
