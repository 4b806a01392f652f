// Fuzz target: a PagerDuty Events v2 request body, as POST /v2/enqueue receives it.
// Invariants checked on every accepted input; a violation aborts (a finding).
#include <cstdint>
#include <cstdlib>

#include "daemon/ingest/ingest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  auto doc = ParseJsonObject(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!doc) return 0;
  (void)EventsV2RoutingKey(*doc);
  auto ev = ParseEventsV2(*doc);
  if (!ev) {
    if (ev.error().status != 400 || ev.error().message.empty()) std::abort();
    return 0;
  }
  if (ev->dedup_key.empty() || ev->dedup_key.size() > kMaxDedupKeyBytes) std::abort();
  if (ev->action == EventAction::kTrigger && (ev->summary.empty() || ev->source.empty())) {
    std::abort();
  }
  auto details = nlohmann::json::parse(ev->details_json);  // must round-trip
  if (details.contains("routing_key")) std::abort();       // the secret is never kept
  return 0;
}
