// vigil-bench-latency: helper for bench/run.sh.
//
//   latency mode (default): an open-loop sender posts single PD v2 trigger events to
//     POST /v2/enqueue at a fixed rate over --conns keep-alive connections (one thread each),
//     every event a NEW alert (dedup_key "lat-<run>-<seq>", never reused). A SUB socket on the
//     console endpoint receives the "page.*" messages; POST→page latency is the time from
//     just before the request is written to the moment the page is received, matched by
//     dedup_key. Request (POST→202) latency is reported too. A page that never arrives
//     counts as infinitely late, so losses show up in the percentiles.
//
//   fill mode (--fill N): posts N new alerts in batches of --batch over --conns connections,
//     either as Alertmanager webhooks to vigild (--target vigil) or as a JSON array to
//     Alertmanager's POST /api/v2/alerts (--target alertmanager). Used for the RSS-per-alert
//     figure.
//
// Output: human-readable lines plus one "RESULT key=value ..." line that run.sh parses.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace {

using Clock = std::chrono::steady_clock;
using Ns = std::int64_t;

Ns NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string key;
  std::string console;
  double rate = 10;
  double duration = 10;
  double warmup = 1;
  int conns = 4;
  long fill = 0;
  long offset = 0;
  int batch = 100;
  std::string target = "vigil";
};

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: vigil-bench-latency --port P --key KEY --console tcp://H:P "
               "[--rate R] [--duration S] [--warmup S] [--conns N]\n"
               "       vigil-bench-latency --port P --fill N [--batch B] [--conns N] "
               "[--offset K] [--target vigil|alertmanager] [--key KEY]\n");
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (a == "--host") o.host = next();
    else if (a == "--port") o.port = std::stoi(next());
    else if (a == "--key") o.key = next();
    else if (a == "--console") o.console = next();
    else if (a == "--rate") o.rate = std::stod(next());
    else if (a == "--duration") o.duration = std::stod(next());
    else if (a == "--warmup") o.warmup = std::stod(next());
    else if (a == "--conns") o.conns = std::stoi(next());
    else if (a == "--fill") o.fill = std::stol(next());
    else if (a == "--offset") o.offset = std::stol(next());
    else if (a == "--batch") o.batch = std::stoi(next());
    else if (a == "--target") o.target = next();
    else Usage();
  }
  if (o.port <= 0 || o.conns <= 0 || o.rate <= 0 || o.batch <= 0) Usage();
  return o;
}

std::unique_ptr<httplib::Client> MakeClient(const Options& o) {
  auto c = std::make_unique<httplib::Client>(o.host, o.port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(30, 0);
  c->set_write_timeout(30, 0);
  return c;
}

// Nearest-rank percentile in milliseconds; +inf samples print as "inf".
double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

std::string Ms(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string EventBody(const std::string& key, const std::string& dedup) {
  return R"({"routing_key":")" + key + R"(","event_action":"trigger","dedup_key":")" + dedup +
         R"(","payload":{"summary":"bench latency probe )" + dedup +
         R"(","source":"bench-host","severity":"critical"}})";
}

// ---------------------------------------------------------------------------------------------
int RunLatency(const Options& o) {
  if (o.key.empty() || o.console.empty()) Usage();
  const std::string run = std::to_string(::getpid()) + "x" + std::to_string(NowNs() % 1000000);
  const long warm_n = std::lround(o.rate * o.warmup);
  const long meas_n = std::max(1L, std::lround(o.rate * o.duration));
  const long total = warm_n + meas_n;

  std::vector<std::atomic<Ns>> sent(total);
  std::vector<std::atomic<Ns>> got(total);
  for (long i = 0; i < total; ++i) sent[i] = 0, got[i] = 0;
  std::vector<double> http_ms(total, std::numeric_limits<double>::infinity());
  std::vector<double> slip_ms(total, 0);
  std::vector<Ns> due_ns(total, 0);
  std::atomic<long> http_errors{0};
  std::atomic<bool> stop_rx{false};
  std::atomic<long> probe_seen{0};

  zmq::context_t ctx(1);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::rcvhwm, 0);
  sub.set(zmq::sockopt::rcvtimeo, 100);
  sub.set(zmq::sockopt::subscribe, "page.");
  sub.connect(o.console);

  const std::string marker = "\"dedup_key\":\"lat-" + run + "-";
  const std::string probe_marker = "\"dedup_key\":\"probe-" + run + "-";
  std::thread rx([&] {
    std::vector<zmq::message_t> parts;
    while (!stop_rx.load(std::memory_order_relaxed)) {
      parts.clear();
      auto r = zmq::recv_multipart(sub, std::back_inserter(parts));
      if (!r) continue;
      const Ns t = NowNs();
      if (parts.size() < 2) continue;
      std::string_view body = parts[1].to_string_view();
      auto pos = body.find(marker);
      if (pos == std::string_view::npos) {
        if (body.find(probe_marker) != std::string_view::npos) probe_seen.fetch_add(1);
        continue;
      }
      long seq = std::strtol(body.data() + pos + marker.size(), nullptr, 10);
      if (seq < 0 || seq >= total) continue;
      Ns expected = 0;
      got[seq].compare_exchange_strong(expected, t);  // first page for this alert wins
    }
  });

  // Handshake: the SUB connection must be up before timing starts (ZeroMQ slow joiner).
  {
    auto cli = MakeClient(o);
    bool ok = false;
    for (int i = 0; i < 50 && !ok; ++i) {
      auto res = cli->Post("/v2/enqueue", EventBody(o.key, "probe-" + run + "-" + std::to_string(i)),
                           "application/json");
      if (!res || res->status != 202) {
        std::fprintf(stderr, "probe POST failed: %s\n",
                     res ? std::to_string(res->status).c_str() : httplib::to_string(res.error()).c_str());
      }
      for (int w = 0; w < 10 && probe_seen.load() == 0; ++w) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ok = probe_seen.load() > 0;
    }
    if (!ok) {
      std::fprintf(stderr, "no page reached the subscriber at %s within 5 s\n", o.console.c_str());
      stop_rx = true;
      rx.join();
      return 1;
    }
  }

  // Open loop: event i is due at t0 + i/rate whatever happened to earlier events.
  std::atomic<long> next{0};
  const Ns t0 = NowNs() + 50'000'000;
  const double period_ns = 1e9 / o.rate;
  std::vector<std::thread> senders;
  for (int c = 0; c < o.conns; ++c) {
    senders.emplace_back([&] {
      auto cli = MakeClient(o);
      for (;;) {
        const long i = next.fetch_add(1);
        if (i >= total) break;
        const Ns due = t0 + static_cast<Ns>(static_cast<double>(i) * period_ns);
        Ns now = NowNs();
        if (now < due) {
          std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
          now = NowNs();
        }
        slip_ms[i] = static_cast<double>(now - due) / 1e6;
        due_ns[i] = due;
        const std::string body = EventBody(o.key, "lat-" + run + "-" + std::to_string(i));
        const Ns start = NowNs();
        sent[i].store(start);
        auto res = cli->Post("/v2/enqueue", body, "application/json");
        const Ns end = NowNs();
        if (!res || res->status != 202) {
          http_errors.fetch_add(1);
          sent[i].store(0);  // not accepted: no page expected
        } else {
          http_ms[i] = static_cast<double>(end - start) / 1e6;
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  const double send_secs = static_cast<double>(NowNs() - t0) / 1e9;

  // Give the last pages up to 3 s to arrive.
  const Ns deadline = NowNs() + 3'000'000'000;
  for (;;) {
    long missing = 0;
    for (long i = warm_n; i < total; ++i) {
      if (sent[i].load() != 0 && got[i].load() == 0) ++missing;
    }
    if (missing == 0 || NowNs() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop_rx = true;
  rx.join();

  std::vector<double> page, http, slip, sched;
  long lost = 0, accepted = 0, late_sends = 0;
  for (long i = warm_n; i < total; ++i) {
    slip.push_back(slip_ms[i]);
    if (slip_ms[i] > 1.0) ++late_sends;
    http.push_back(http_ms[i]);
    const Ns s = sent[i].load();
    if (s == 0) continue;
    ++accepted;
    const Ns g = got[i].load();
    if (g == 0) {
      ++lost;
      page.push_back(std::numeric_limits<double>::infinity());
      sched.push_back(std::numeric_limits<double>::infinity());
    } else {
      page.push_back(static_cast<double>(g - s) / 1e6);
      sched.push_back(static_cast<double>(g - due_ns[i]) / 1e6);
    }
  }
  const double p50 = Percentile(page, 0.50), p99 = Percentile(page, 0.99),
               p999 = Percentile(page, 0.999), pmax = page.empty() ? NAN : page.back();
  const double h50 = Percentile(http, 0.50), h99 = Percentile(http, 0.99);
  const double s99 = Percentile(slip, 0.99);
  // Latency counted from when each event was due (includes the sender's own delays, i.e. no
  // coordinated omission when the load generator falls behind).
  const double d50 = Percentile(sched, 0.50), d99 = Percentile(sched, 0.99);
  std::printf(
      "latency: rate=%.0f/s measured=%ld (after %ld warm-up) conns=%d achieved=%.0f/s\n"
      "  POST->page  p50 %s ms  p99 %s ms  p99.9 %s ms  max %s ms  lost %ld\n"
      "  POST->202   p50 %s ms  p99 %s ms  http errors %ld\n"
      "  sender slip p99 %s ms, %ld sends >1 ms behind schedule;"
      " due->page p50 %s ms p99 %s ms\n",
      o.rate, meas_n, warm_n, o.conns, static_cast<double>(total) / send_secs, Ms(p50).c_str(),
      Ms(p99).c_str(), Ms(p999).c_str(), Ms(pmax).c_str(), lost, Ms(h50).c_str(), Ms(h99).c_str(),
      http_errors.load(), Ms(s99).c_str(), late_sends, Ms(d50).c_str(), Ms(d99).c_str());
  std::printf(
      "RESULT rate=%.0f measured=%ld accepted=%ld lost=%ld http_errors=%ld page_p50_ms=%s "
      "page_p99_ms=%s page_max_ms=%s http_p50_ms=%s http_p99_ms=%s slip_p99_ms=%s late_sends=%ld due_p99_ms=%s\n",
      o.rate, meas_n, accepted, lost, http_errors.load(), Ms(p50).c_str(), Ms(p99).c_str(),
      Ms(pmax).c_str(), Ms(h50).c_str(), Ms(h99).c_str(), Ms(s99).c_str(), late_sends,
      Ms(d99).c_str());
  return 0;
}

// ---------------------------------------------------------------------------------------------
std::string VigilWebhook(long first, int n) {
  std::string s =
      R"({"version":"4","groupKey":"{}:{bench=\"fill\"}","status":"firing","receiver":"r",)"
      R"("groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://x","alerts":[)";
  char fp[24];
  for (int i = 0; i < n; ++i) {
    const long id = first + i;
    std::snprintf(fp, sizeof fp, "%016lx", static_cast<unsigned long>(id) * 2654435761UL + 1);
    if (i) s += ',';
    s += R"({"status":"firing","labels":{"alertname":"BenchFill","instance":"h)" +
         std::to_string(id) +
         R"(","severity":"critical"},"annotations":{"summary":"bench fill alert )" +
         std::to_string(id) +
         R"("},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z",)"
         R"("generatorURL":"","fingerprint":")" + fp + R"("})";
  }
  return s + "]}";
}

std::string AlertmanagerArray(long first, int n) {
  // Still firing for a day, so Alertmanager holds every alert while RSS is read.
  const std::time_t t = std::time(nullptr);
  char starts[32], ends[32];
  std::strftime(starts, sizeof starts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  const std::time_t e = t + 86400;
  std::strftime(ends, sizeof ends, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&e));
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    const long id = first + i;
    if (i) s += ',';
    s += R"({"labels":{"alertname":"BenchFill","instance":"h)" + std::to_string(id) +
         R"(","severity":"critical"},"annotations":{"summary":"bench fill alert )" +
         std::to_string(id) + R"("},"startsAt":")" + starts + R"(","endsAt":")" + ends +
         R"(","generatorURL":""})";
  }
  return s + "]";
}

int RunFill(const Options& o) {
  const bool am = o.target == "alertmanager";
  if (!am && o.key.empty()) Usage();
  const long batches = (o.fill + o.batch - 1) / o.batch;
  std::atomic<long> next{0}, errors{0}, posted{0};
  const Ns t0 = NowNs();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.conns; ++c) {
    threads.emplace_back([&] {
      auto cli = MakeClient(o);
      httplib::Headers h;
      if (!am) h.emplace("Authorization", "Bearer " + o.key);
      for (;;) {
        const long b = next.fetch_add(1);
        if (b >= batches) break;
        const long first = b * o.batch;
        const int n = static_cast<int>(std::min<long>(o.batch, o.fill - first));
        const long id0 = o.offset + first;  // alert ids offset..offset+fill-1, never reused
        const std::string body = am ? AlertmanagerArray(id0, n) : VigilWebhook(id0, n);
        auto res = cli->Post(am ? "/api/v2/alerts" : "/api/v1/integrations/alertmanager", h, body,
                             "application/json");
        if (!res || res->status / 100 != 2) {
          if (errors.fetch_add(1) < 3) {
            std::fprintf(stderr, "fill POST failed: %s %s\n",
                         res ? std::to_string(res->status).c_str()
                             : httplib::to_string(res.error()).c_str(),
                         res ? res->body.substr(0, 200).c_str() : "");
          }
        } else {
          posted.fetch_add(n);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = static_cast<double>(NowNs() - t0) / 1e9;
  std::printf("fill: %ld alerts posted to %s in %.2f s (%.0f/s), %ld failed requests\n",
              posted.load(), o.target.c_str(), secs, static_cast<double>(posted.load()) / secs,
              errors.load());
  std::printf("RESULT posted=%ld errors=%ld seconds=%.3f\n", posted.load(), errors.load(), secs);
  return errors.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  return o.fill > 0 ? RunFill(o) : RunLatency(o);
}
