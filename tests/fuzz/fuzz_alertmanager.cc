// Fuzz target: an Alertmanager webhook body, as POST /api/v1/integrations/alertmanager
// receives it. Invariants checked on every accepted input; a violation aborts.
#include <cstdint>
#include <cstdlib>

#include "daemon/ingest/ingest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  auto doc = ParseJsonObject(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!doc) return 0;
  auto events = ParseAlertmanager(*doc);
  if (!events) {
    if (events.error().status != 400 || events.error().field.empty()) std::abort();
    return 0;
  }
  for (const auto& ev : *events) {
    if (ev.dedup_key.empty() || ev.summary.empty() || ev.source.empty()) std::abort();
    (void)nlohmann::json::parse(ev.details_json);
  }
  return 0;
}
