#!/usr/bin/env python3
"""notify_bench: notifications per second from the engine through a channel worker to a local
webhook receiver, and the engine's commit / page latency while another channel hangs.

  python3 bench/notify_bench.py [--vigild build/daemon/vigild] [--alerts 2000] [--latency 300]

Phase 1 (throughput): vigild with the webhook channel embedded (no rate limit), one person
whose only contact is a webhook on 127.0.0.1; N new alerts are posted from 8 client threads;
the figure is webhook deliveries per second at the receiver, from the first to the last.
Phase 2 (hung channel): the same person also has an e-mail contact whose SMTP server accepts
the connection and never says a word (so the e-mail worker is stuck in every delivery until its
timeout). M alerts are posted one after another; for each: the POST's latency (202 comes after
the commit) and the page latency (POST sent → webhook page received). Phase 2b: the same
without the e-mail channel, as the baseline.

Bounded: every wait has a deadline; traffic only on 127.0.0.1; every process it starts is
killed by PID at exit (tests/e2e/harness.py).
"""
import argparse
import http.server
import json
import os
import socket
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import harness as h  # noqa: E402


class Receiver:
    """Webhook receiver: records the arrival time of each alert's first page."""

    def __init__(self):
        self.lock = threading.Lock()
        self.first = {}  # dedup_key -> monotonic time
        self.count = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                t = time.monotonic()
                dedup = json.loads(body).get("alert", {}).get("dedup_key", "")
                with outer.lock:
                    outer.count += 1
                    outer.first.setdefault(dedup, t)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class SilentSmtp:
    """Accepts connections and never answers: a hung SMTP server."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def start_vigild(args, tmp, name, receiver, smtp=None):
    key, digest = h.new_key()
    contacts = f'webhook: "http://127.0.0.1:{receiver.port}/hook"'
    notify = "[{via: webhook, after: 0m}]"
    channels = "  webhook: {rate_limit: {messages: 0}}\n"
    if smtp:
        contacts += ", email: an@truong.example.vn"
        notify = "[{via: email, after: 0m}, {via: webhook, after: 0m}]"
        channels += (f"  email: {{url: 'smtp://127.0.0.1:{smtp.port}', starttls: false, "
                     "from: vigil@sgd.example.vn, timeout: 30s, rate_limit: {messages: 0}}\n")
    cfg = os.path.join(tmp.path, name + ".yaml")
    with open(cfg, "w") as f:
        f.write(h.vigil_config(h.free_port(), [("pd", "events_v2", digest)], f"""
log_level: warn
people:
  - {{id: an, name: Nguyễn Văn An, contacts: {{{contacts}}}, notify: {notify}}}
policies:
  - {{id: p, levels: [{{timeout: 1h, targets: [{{person: an}}]}}]}}
routes:
  - {{id: all, default: true, policy: p}}
channels:
{channels}""").replace("log_level: info\n", "", 1))
    v = h.Vigild(args.vigild, os.path.join(tmp.path, "data-" + name), cfg, tmp.path)
    v.start()
    return v, key


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def throughput(args, tmp):
    rx = Receiver()
    v, key = start_vigild(args, tmp, "throughput", rx)
    run = h.uid("t-")
    n = args.alerts
    t0 = time.monotonic()

    def post(i):
        r = v.trigger(key, f"{run}-{i}", summary=f"bench {i}", source="bench")
        return r.status

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(post, range(n)))
    t_ingest = time.monotonic() - t0
    bad = [s for s in statuses if s != 202]
    h.wait_until(lambda: len(rx.first) >= n, args.deadline, f"{n} webhook pages")
    times = sorted(rx.first.values())
    span = times[-1] - times[0]
    v.terminate()
    rx.close()
    return {"alerts": n, "ingest_per_s": n / t_ingest, "notifications_per_s": (n - 1) / span,
            "end_to_end_s": times[-1] - t0, "non_202": len(bad), "deliveries": rx.count}


def latency(args, tmp, hung):
    rx = Receiver()
    smtp = SilentSmtp() if hung else None
    v, key = start_vigild(args, tmp, "hung" if hung else "baseline", rx, smtp)
    run = h.uid("l-")
    commit, page = [], []
    for i in range(args.latency):
        dedup = f"{run}-{i}"
        t0 = time.monotonic()
        r = v.trigger(key, dedup, summary=f"bench {i}", source="bench")
        t1 = time.monotonic()
        if r.status != 202:
            raise SystemExit(f"POST answered {r.status}: {r.raw[:200]}")
        commit.append((t1 - t0) * 1000)
        arrived = h.wait_until(lambda: rx.first.get(dedup), 10, f"page {dedup}", interval=0.0005)
        page.append((arrived - t0) * 1000)
    stuck = None
    if hung:  # how many e-mail deliveries are stuck behind the silent server
        st = v.status()
        stuck = st.get("deliveries_pending")
    v.terminate()
    rx.close()
    if smtp:
        smtp.close()
    return {"posts": args.latency,
            "commit_p50_ms": pct(commit, 50), "commit_p99_ms": pct(commit, 99),
            "page_p50_ms": pct(page, 50), "page_p99_ms": pct(page, 99),
            "email_pending_at_end": stuck}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vigild", default=os.path.join(HERE, "..", "build", "daemon", "vigild"))
    p.add_argument("--alerts", type=int, default=2000)
    p.add_argument("--latency", type=int, default=300)
    p.add_argument("--deadline", type=float, default=120)
    args = p.parse_args()
    args.vigild = os.path.abspath(args.vigild)
    tmp = h.TempDir("vigil-notify-bench-")
    try:
        res = {"throughput": throughput(args, tmp),
               "latency_hung_email": latency(args, tmp, True),
               "latency_baseline": latency(args, tmp, False)}
    finally:
        tmp.cleanup()
    print(json.dumps(res, indent=2))
    t, hu, b = res["throughput"], res["latency_hung_email"], res["latency_baseline"]
    print(f"\nwebhook notifications/s (engine → worker → receiver): {t['notifications_per_s']:.0f} "
          f"({t['alerts']} alerts, ingest {t['ingest_per_s']:.0f}/s)")
    for name, r in (("e-mail channel hung", hu), ("baseline", b)):
        print(f"{name:20s} commit p50 {r['commit_p50_ms']:.2f} ms p99 {r['commit_p99_ms']:.2f} ms | "
              f"page p50 {r['page_p50_ms']:.2f} ms p99 {r['page_p99_ms']:.2f} ms")


if __name__ == "__main__":
    main()
