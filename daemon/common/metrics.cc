#include "daemon/common/metrics.h"

#include <prometheus/text_serializer.h>

namespace vigil {
namespace {
using namespace prometheus;
Counter& OneCounter(Registry& r, const char* name, const char* help) {
  return BuildCounter().Name(name).Help(help).Register(r).Add({});
}
}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<Registry>()),
      accepted_(BuildCounter()
                    .Name("vigil_events_accepted_total")
                    .Help("Events committed, by the kind of the integration that sent them (events_v2, alertmanager or any)")
                    .Register(*registry_)),
      rejected_(BuildCounter()
                    .Name("vigil_events_rejected_total")
                    .Help("Ingest requests refused, by error code")
                    .Register(*registry_)),
      alerts_created(OneCounter(*registry_, "vigil_alerts_created_total", "Alerts opened")),
      alerts_repeated(OneCounter(*registry_, "vigil_alerts_repeated_total",
                                 "Triggers folded into an open alert by dedup key")),
      deliveries_sent(OneCounter(*registry_, "vigil_deliveries_sent_total",
                                 "Delivery jobs handed to notifier workers, re-sends included")),
      deliveries_confirmed(OneCounter(*registry_, "vigil_deliveries_confirmed_total",
                                      "Deliveries confirmed by a receipt")),
      escalations(OneCounter(*registry_, "vigil_escalation_levels_paged_total",
                             "Escalation levels paged (first levels included)")),
      checkins_missed(OneCounter(*registry_, "vigil_checkins_missed_total",
                                 "Holiday shifts whose duty officer did not check in in time")),
      batches_isolated(OneCounter(*registry_, "vigil_engine_batches_isolated_total",
                                  "Batches re-applied one command at a time after one threw")),
      open_alerts(BuildGauge()
                      .Name("vigil_open_alerts")
                      .Help("Alerts triggered or acknowledged, not resolved")
                      .Register(*registry_)
                      .Add({})),
      batch_commands(BuildHistogram()
                         .Name("vigil_engine_batch_commands")
                         .Help("Commands committed per engine transaction")
                         .Register(*registry_)
                         .Add({}, Histogram::BucketBoundaries{1, 4, 16, 64, 256, 1024, 4096})),
      commit_seconds(BuildHistogram()
                         .Name("vigil_engine_commit_seconds")
                         .Help("Time to apply and durably commit one batch")
                         .Register(*registry_)
                         .Add({}, Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01,
                                                              0.025, 0.05, 0.1, 0.5})) {}

Counter& Metrics::Labelled(prometheus::Family<Counter>& family, const char* label,
                           const std::string& value) {
  std::string key = label;
  key += '\n';
  key += value;
  std::lock_guard lock(mu_);
  auto [it, added] = cache_.try_emplace(std::move(key), nullptr);
  if (added) it->second = &family.Add({{label, value}});
  return *it->second;
}

Counter& Metrics::EventsAccepted(const std::string& kind) { return Labelled(accepted_, "kind", kind); }
Counter& Metrics::EventsRejected(const std::string& code) { return Labelled(rejected_, "code", code); }

std::string Metrics::Render() const { return TextSerializer().Serialize(registry_->Collect()); }

}  // namespace vigil
