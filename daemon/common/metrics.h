// Process metrics exposed at GET /metrics (Prometheus text format, prometheus-cpp).
// Every member is thread-safe (prometheus-cpp metrics are atomic).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>

namespace vigil {

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;
  std::string Render() const;  // the text exposition of every metric

  // Events accepted by kind of source ("events_v2", "alertmanager"), rejected by error code.
  prometheus::Counter& EventsAccepted(const std::string& source_kind);
  prometheus::Counter& EventsRejected(const std::string& code);

 private:
  // The labelled counter for `value`, looked up by string instead of building a label map
  // for prometheus-cpp on every event.
  prometheus::Counter& Labelled(prometheus::Family<prometheus::Counter>& family,
                                const char* label, const std::string& value);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& accepted_;
  prometheus::Family<prometheus::Counter>& rejected_;
  std::mutex mu_;  // guards cache_
  std::unordered_map<std::string, prometheus::Counter*> cache_;  // "<family>\n<value>"

 public:
  prometheus::Counter& alerts_created;
  prometheus::Counter& alerts_repeated;
  prometheus::Counter& deliveries_sent;
  prometheus::Counter& deliveries_confirmed;
  prometheus::Counter& escalations;      // levels paged, first levels included
  prometheus::Counter& checkins_missed;
  prometheus::Counter& batches_isolated;  // a command threw; its batch ran command by command
  prometheus::Gauge& open_alerts;
  prometheus::Histogram& batch_commands;
  prometheus::Histogram& commit_seconds;
};

}  // namespace vigil
