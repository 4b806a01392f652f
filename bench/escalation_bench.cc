// Engine benchmark for on-call escalation (issue 3), on the real engine, store and clock:
//  1. loads N open alerts (default 100,000), each under an escalation whose next level is
//     hours away;
//  2. times an engine pass with nothing due (a no-op command round trip: batch, commit, the
//     due-row check) — target < 5 ms;
//  3. opens M alerts (default 1,000) on a 2 s policy and measures how late each one's
//     level-2 escalation is published after its deadline — target within 1 s.
// Usage: vigil-bench-escalation [open_alerts] [timed_alerts]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "config/config.h"
#include "daemon/bus/bus.h"
#include "daemon/common/log.h"
#include "daemon/common/time_util.h"
#include "daemon/engine/engine.h"

using namespace vigil;
using Steady = std::chrono::steady_clock;

namespace {

const char* kSetup = R"(
people: [{id: an, name: An}, {id: dung, name: Dung}]
schedules:
  - id: so
    layers:
      - {role: duty_officer, members: [an], start: "2020-01-01T00:00", shift: 1w}
      - {role: duty_leader, members: [dung], start: "2020-01-01T00:00", shift: 1w}
policies:
  - id: quiet
    levels: [{timeout: 12h, targets: [{role: duty_officer}]}, {timeout: 12h, targets: [{role: duty_leader}]}]
  - id: fast
    levels: [{timeout: 2s, targets: [{role: duty_officer}]}, {timeout: 1h, targets: [{role: duty_leader}]}]
routes:
  - {id: fast, match: {labels: {bench: fast}}, schedule: so, policy: fast}
  - {id: quiet, default: true, schedule: so, policy: quiet}
)";

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

IngestEvent Event(const std::string& key, bool fast) {
  IngestEvent ev;
  ev.dedup_key = key;
  ev.summary = "Máy chủ trường " + key + " mất kết nối";
  ev.source = "truong-" + key;
  ev.severity = Severity::kCritical;
  ev.details_json = "{}";
  if (fast) ev.labels["bench"] = "fast";
  return ev;
}

}  // namespace

int main(int argc, char** argv) {
  const int open_alerts = argc > 1 ? std::atoi(argv[1]) : 100'000;
  const int timed = argc > 2 ? std::atoi(argv[2]) : 1'000;
  SetLogLevel("warn");
  const auto dir = std::filesystem::temp_directory_path() /
                   ("vigil-esc-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto store = WriteStore::Open((dir / "vigil.db").string());
  if (!store) return std::fprintf(stderr, "%s\n", store.error().message.c_str()), 1;
  SystemClock clock;
  Metrics metrics;
  IntegrationRegistry registry;
  SetupHolder holder;
  zmq::context_t ctx(1);
  zmq::socket_t events(ctx, zmq::socket_type::pull);  // stands in for the console publisher
  events.bind(kPublishEndpoint);
  zmq::socket_t jobs(ctx, zmq::socket_type::pull);  // and for the console worker (discards)
  EngineOptions options;
  options.delivery_retry = options.delivery_retry_max = 3'600'000;
  Engine engine(**store, clock, ctx, registry, holder, metrics, options);
  if (!engine.Start()) return 1;
  jobs.connect(JobsEndpoint("console"));
  auto cfg = ParseConfig(kSetup, "bench.yaml");
  if (!cfg) return std::fprintf(stderr, "%s\n", cfg.error()[0].ToString().c_str()), 1;
  engine.Submit(ApplyConfigCommand{{}, std::make_shared<const OnCallSetup>(cfg->oncall), {}}).get();
  auto in = engine.Submit(CreateIntegrationCommand{"bench", "any", {}}).get()->first;

  // Keep the sockets drained so nothing backs up while we measure.
  std::atomic<bool> stop{false};
  std::thread drain([&] {
    zmq::message_t m;
    jobs.set(zmq::sockopt::rcvtimeo, 100);
    while (!stop) (void)jobs.recv(m);
  });

  auto t0 = Steady::now();
  for (int i = 0; i < open_alerts; i += 1000) {
    std::vector<IngestEvent> batch;
    for (int j = i; j < std::min(open_alerts, i + 1000); ++j) {
      batch.push_back(Event("q" + std::to_string(j), false));
    }
    engine.Submit(IngestCommand{in, std::move(batch), {}}).get();
  }
  const double load_s = std::chrono::duration<double>(Steady::now() - t0).count();
  std::printf("loaded %d open alerts under escalation in %.1f s (%.0f alerts/s)\n", open_alerts,
              load_s, open_alerts / load_s);

  // 2. An engine pass with nothing due.
  std::vector<double> idle_ms;
  IngestEvent noop;  // an ack for no open alert: a full batch that changes nothing
  noop.action = EventAction::kAcknowledge;
  noop.dedup_key = "nothing";
  for (int i = 0; i < 2000; ++i) {
    auto s = Steady::now();
    engine.Submit(IngestCommand{in, {noop}, {}}).get();
    idle_ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - s).count());
  }
  std::printf("engine pass with nothing due (%d open escalations): p50 %.3f ms  p99 %.3f ms  "
              "max %.3f ms   target < 5 ms\n",
              open_alerts, Percentile(idle_ms, 0.5), Percentile(idle_ms, 0.99),
              Percentile(idle_ms, 1.0));

  // 3. Escalations on time: M alerts whose level 2 is due 2 s after each trigger.
  std::vector<TimeMs> due(timed);
  for (int i = 0; i < timed; ++i) {
    due[i] = clock.Now() + 2000;
    engine.Submit(IngestCommand{in, {Event("f" + std::to_string(i), true)}, {}}).get();
  }
  std::vector<double> late_ms;
  events.set(zmq::sockopt::rcvtimeo, 10'000);
  while (static_cast<int>(late_ms.size()) < timed) {
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(events, std::back_inserter(parts))) break;
    if (parts.size() != 2 || parts[0].to_string_view() != "alert.escalated") continue;
    const std::string body = parts[1].to_string();
    if (body.find(R"("level":2)") == std::string::npos) continue;
    const auto k = body.find(R"("dedup_key":"f)");
    if (k == std::string::npos) continue;
    const int idx = std::atoi(body.c_str() + k + 14);
    late_ms.push_back(static_cast<double>(clock.Now() - due[idx]));
  }
  std::printf("escalations fired after their deadline (%zu of %d): p50 %.0f ms  p99 %.0f ms  "
              "max %.0f ms   target within 1000 ms\n",
              late_ms.size(), timed, Percentile(late_ms, 0.5), Percentile(late_ms, 0.99),
              Percentile(late_ms, 1.0));
  stop = true;
  drain.join();
  engine.Stop();
  events.close();
  jobs.close();
  std::filesystem::remove_all(dir);
  return late_ms.size() == static_cast<size_t>(timed) ? 0 : 1;
}
