// JSON views of domain objects for the API (the shapes docs/openapi.yaml describes).
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/alerts/alert.h"
#include "daemon/store/store.h"

namespace vigil {

// An alert; `with_details` adds the source's own fields ("details").
nlohmann::json AlertView(const Alert& a, bool with_details);
nlohmann::json EventView(const AlertEventRow& e);
nlohmann::json DeliveryView(const OutboxRow& r);
// Where an alert stands in its policy: level and pass are 1-based as people count them.
nlohmann::json EscalationView(const EscalationRow& r);

}  // namespace vigil
