#!/usr/bin/env python3
"""A channel in a separate vigil-notifier process, killed with SIGKILL mid-delivery.

vigild runs the webhook channel as `process: separate` (jobs over tcp://127.0.0.1 to a
vigil-notifier, receipts back) and the SMS channel embedded. The webhook receiver holds one
request open so the notifier is killed in the middle of delivering it. Meanwhile vigild keeps
taking events (202 at once) and the SMS channel keeps delivering; the webhook rows wait
(visible in the API); when the notifier is started again every webhook page is delivered,
the interrupted one again under the same idempotency key (at least once, nothing lost).
"""
import http.server
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


class Receiver:
    """A webhook receiver on 127.0.0.1; holds requests for `hold_key` until released."""

    def __init__(self, answer_status=200):
        self.lock = threading.Lock()
        self.got = []  # (dedup_key, idempotency key)
        self.hold_key = None
        self.release = threading.Event()
        self.status = answer_status
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                dedup = body.get("alert", {}).get("dedup_key") or body.get("to", "")
                with outer.lock:
                    outer.got.append((dedup, self.headers.get("X-Vigil-Idempotency-Key")))
                if dedup and dedup == outer.hold_key:
                    outer.release.wait(30)
                try:
                    self.send_response(outer.status)
                    self.end_headers()
                    self.wfile.write(b'{"ok":true}')
                except OSError:
                    pass  # the notifier is gone

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys_for(self, dedup):
        with self.lock:
            return [k for d, k in self.got if d == dedup]

    def close(self):
        self.release.set()
        self.server.shutdown()


def main():
    notifier_bin = None
    if "--notifier" in sys.argv:
        i = sys.argv.index("--notifier")
        notifier_bin = os.path.abspath(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    args = h.parse_args()
    if not notifier_bin:
        notifier_bin = os.path.join(os.path.dirname(args.vigild), "vigil-notifier")
    run = h.Runner("test_notifier")
    tmp = h.TempDir("vigil-e2e-notifier-", keep=args.keep)
    hook = Receiver()
    gw = Receiver()
    key, digest = h.new_key()
    cfg = os.path.join(tmp.path, "vigil.yaml")
    jobs_port, receipts_port = h.free_port(), h.free_port()
    text = h.vigil_config(h.free_port(), [("pd", "events_v2", digest)], f"""
engine: {{delivery_retry: 300ms, delivery_retry_max: 600ms}}
people:
  - id: ha
    name: Hoàng Thị Hà
    contacts: {{webhook: "http://127.0.0.1:{hook.port}/hook", sms: "+84900000009"}}
    notify: [{{via: webhook, after: 0m}}, {{via: sms, after: 0m}}]
policies:
  - {{id: p, levels: [{{timeout: 1h, targets: [{{person: ha}}]}}]}}
routes:
  - {{id: all, default: true, policy: p}}
channels:
  webhook:
    process: separate
    endpoint: tcp://127.0.0.1:{jobs_port}
  sms:
    url: http://127.0.0.1:{gw.port}/send
    body: '{{"to":"{{{{to_json}}}}","text":"{{{{text_json}}}}","alert":{{"dedup_key":"{{{{id}}}}"}}}}'
    rate_limit: {{messages: 0}}
""")
    # The engine binds bus.receipts for the notifier's receipts (loopback only).
    text = text.replace("bus:\n", f"bus:\n  receipts: tcp://127.0.0.1:{receipts_port}\n", 1)
    with open(cfg, "w") as f:
        f.write(text)

    vigild = h.Vigild(args.vigild, os.path.join(tmp.path, "data"), cfg, tmp.path)
    state = {"runs": 0}

    def start_notifier():
        state["runs"] += 1
        n = state["runs"]
        p = h.spawn([notifier_bin, "--config", cfg, "--channel", "webhook"],
                    os.path.join(tmp.path, f"notifier.{n}.out"),
                    os.path.join(tmp.path, f"notifier.{n}.err"))
        state["notifier"] = p

        def up():
            if p.poll() is not None:
                with open(os.path.join(tmp.path, f"notifier.{n}.err")) as f:
                    raise h.GiveUp(f"vigil-notifier exited {p.returncode}: {f.read()}")
            with open(os.path.join(tmp.path, f"notifier.{n}.err")) as f:
                return "notifier_started" in f.read()
        h.wait_until(up, 10, "vigil-notifier started")

    def delivered(alert_id, channel):
        r = vigild.api("GET", f"/api/v1/alerts/{alert_id}")
        return [d for d in r.json["deliveries"] if d["channel"] == channel and d["delivered_at"]]

    def trigger(dedup):
        t0 = time.monotonic()
        r = vigild.trigger(key, dedup, summary=f"Sự cố {dedup}", source="portal.sgd")
        took = time.monotonic() - t0
        h.check_eq(r.status, 202, f"trigger {dedup}: {r}")
        return h.wait_until(lambda: vigild.find_alerts(dedup), 10, dedup)[0]["id"], took

    try:
        run.step("vigild starts (SMS embedded, webhook in a separate process)", vigild.start, fatal=True)
        run.step("vigil-notifier starts for the webhook channel", start_notifier, fatal=True)

        def first_page():
            a, _ = trigger("n-1")
            state["a1"] = a
            h.wait_until(lambda: hook.keys_for("n-1"), 10, "the webhook page of n-1")
            h.wait_until(lambda: delivered(a, "webhook"), 10, "receipt of n-1 through the notifier")
        run.step("a page goes out through the separate notifier and its receipt comes back",
                 first_page, fatal=True)

        def kill_mid_delivery():
            hook.hold_key = "n-2"
            a, _ = trigger("n-2")
            state["a2"] = a
            h.wait_until(lambda: hook.keys_for("n-2"), 10, "the notifier delivering n-2")
            os.kill(state["notifier"].pid, signal.SIGKILL)
            state["notifier"].wait(timeout=10)
            hook.release.set()
            h.check(not delivered(a, "webhook"), "n-2 marked delivered although never confirmed")
        run.step("SIGKILL the notifier while it delivers a page", kill_mid_delivery)

        def engine_goes_on():
            a, took = trigger("n-3")
            state["a3"] = a
            h.check(took < 2.0, f"POST /v2/enqueue took {took:.2f}s with the notifier dead")
            h.wait_until(lambda: delivered(a, "sms"), 10, "the SMS of n-3 (embedded channel)")
            h.check(vigild.alive(), "vigild died with its notifier")

            def waiting_visible():
                r = vigild.api("GET", f"/api/v1/alerts/{a}")
                rows = [d for d in r.json["deliveries"] if d["channel"] == "webhook"]
                return rows and not rows[0]["delivered_at"] and "vigil-notifier" in rows[0]["last_error"]
            h.wait_until(waiting_visible, 10, "the waiting webhook row and why, in the API")
        run.step("meanwhile vigild takes events and the SMS channel delivers; the webhook rows "
                 "wait, visibly", engine_goes_on)

        def redelivered():
            first_key = hook.keys_for("n-2")[0]
            start_notifier()
            h.wait_until(lambda: delivered(state["a2"], "webhook") and delivered(state["a3"], "webhook"),
                         20, "n-2 and n-3 confirmed after the restart")
            h.check(hook.keys_for("n-3"), "n-3 never reached the receiver")
            keys = hook.keys_for("n-2")
            h.check(len(keys) >= 2 and set(keys) == {first_key},
                    f"n-2 re-delivered under the same idempotency key: {keys}")
        run.step("restarted, the notifier re-delivers what was lost (same idempotency key)",
                 redelivered)

        def clean_stop():
            os.kill(state["notifier"].pid, signal.SIGTERM)
            h.check_eq(state["notifier"].wait(timeout=10), 0, "vigil-notifier exit code")
            h.check_eq(vigild.terminate(), 0, "vigild exit code")
        run.step("SIGTERM stops both cleanly", clean_stop)
    finally:
        hook.close()
        gw.close()
        h.kill_proc(state.get("notifier"))
        if run.failures:
            for n in range(1, state["runs"] + 1):
                try:
                    with open(os.path.join(tmp.path, f"notifier.{n}.err")) as f:
                        print(f"--- notifier {n} stderr ---\n{f.read()[-2000:]}")
                except OSError:
                    pass
    return h.teardown(run, tmp, vigild)


if __name__ == "__main__":
    sys.exit(main())
