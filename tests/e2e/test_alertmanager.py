#!/usr/bin/env python3
"""End to end: a real Prometheus Alertmanager posts to vigild; pages reach a ZeroMQ console.

Alertmanager (Debian's 0.25) gets one route (group_wait 0s, group_interval 1s) to a webhook
receiver pointing at vigild's /api/v1/integrations/alertmanager with a Bearer key. An alert
posted to Alertmanager's API must appear in vigild (severity, exact Vietnamese summary, source =
instance label) and be paged on the console bus; resolving it in Alertmanager must resolve it in
vigild and publish alert.resolved. A wrong bearer key gets 403 and stores nothing.
"""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
SUMMARY = "Tấn công DDoS vào cổng thông tin Sở"
INSTANCE = "cong-thong-tin.so-gddt.vn:443"


def rfc3339(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def am_config(vigild_url, key):
    # JSON is valid YAML; it avoids quoting surprises.
    import json
    return json.dumps({
        "route": {
            "receiver": "vigil",
            "group_by": ["alertname", "instance"],
            "group_wait": "0s",
            "group_interval": "1s",
            "repeat_interval": "1h",
        },
        "receivers": [{
            "name": "vigil",
            "webhook_configs": [{
                "url": vigild_url + "/api/v1/integrations/alertmanager",
                "send_resolved": True,
                "http_config": {"authorization": {"type": "Bearer", "credentials": key}},
            }],
        }],
    }, indent=2)


def main():
    args = h.parse_args()
    if not os.access(ALERTMANAGER, os.X_OK):
        print(f"FAIL: {ALERTMANAGER} is not installed (apt-get install prometheus-alertmanager)")
        return 1
    tmp = h.TempDir("vigil-e2e-am-", keep=args.keep)
    run = h.Runner("test_alertmanager")
    vigild = am = sub = None
    try:
        am_key, am_digest = h.new_key()
        pd_key, pd_digest = h.new_key()
        data = os.path.join(tmp.path, "data")
        cfg = os.path.join(tmp.path, "vigil.yaml")
        with open(cfg, "w") as f:
            f.write(h.vigil_config(h.free_port(), [("am", "alertmanager", am_digest),
                                                   ("pd", "events_v2", pd_digest)]))
        vigild = h.Vigild(args.vigild, data, cfg, tmp.path)
        run.step("vigild starts", vigild.start, fatal=True)
        print(f"      vigild pid {vigild.pid} at {vigild.url}, console {vigild.console}")

        am_port = h.free_port()
        am_url = f"http://127.0.0.1:{am_port}"
        am_cfg = os.path.join(tmp.path, "alertmanager.yml")
        with open(am_cfg, "w") as f:
            f.write(am_config(vigild.url, am_key))
        am_storage = os.path.join(tmp.path, "am-data")
        os.makedirs(am_storage)

        def start_alertmanager():
            nonlocal am
            am = h.spawn([ALERTMANAGER, f"--config.file={am_cfg}",
                          f"--storage.path={am_storage}",
                          f"--web.listen-address=127.0.0.1:{am_port}",
                          "--cluster.listen-address=", "--log.level=debug"],
                         os.path.join(tmp.path, "am.out"), os.path.join(tmp.path, "am.err"))

            def ready():
                if am.poll() is not None:
                    with open(os.path.join(tmp.path, "am.err")) as f:
                        raise AssertionError(f"alertmanager exited {am.returncode}:\n{f.read()}")
                return h.http("GET", am_url + "/-/ready", timeout=2).status == 200
            h.wait_until(ready, 30, "alertmanager /-/ready == 200")
            print(f"      alertmanager pid {am.pid} at {am_url}")
        run.step("alertmanager starts", start_alertmanager, fatal=True)

        sub = h.Subscriber(vigild.console)

        def sync_console():
            probes = sub.sync(lambda k: vigild.trigger(pd_key, k, summary="probe"))
            print(f"      subscriber in sync after {len(probes)} probe(s)")
        run.step("ZeroMQ subscriber receives pages (probe)", sync_console, fatal=True)

        alertname = h.uid("CongThongTinDDoS_")
        labels = {"alertname": alertname, "severity": "critical", "instance": INSTANCE}
        starts = datetime.datetime.now(datetime.timezone.utc)
        state = {}

        def post_to_alertmanager():
            r = h.http("POST", am_url + "/api/v2/alerts", [{
                "labels": labels,
                "annotations": {"summary": SUMMARY},
                "startsAt": rfc3339(starts),
                "generatorURL": "http://127.0.0.1/graph",
            }])
            h.check(r.status == 200, f"POST alertmanager /api/v2/alerts -> {r}")
        run.step("post a firing alert to Alertmanager", post_to_alertmanager, fatal=True)

        def reaches_vigild():
            found = h.wait_until(lambda: vigild.alerts(source=INSTANCE), 30,
                                 f"an alert with source {INSTANCE!r} in vigild")
            h.check_eq(len(found), 1, "alerts in vigild for the instance")
            a = found[0]
            state["alert"] = a
            h.check_eq(a["summary"], SUMMARY, "summary")
            h.check_eq(a["severity"], "critical", "severity")
            h.check_eq(a["source"], INSTANCE, "source")
            h.check_eq(a["status"], "triggered", "status")
            h.check_eq(a["integration"], "am", "integration")
            r = vigild.api("GET", f"/api/v1/alerts/{a['id']}")
            h.check(r.status == 200, f"GET /api/v1/alerts/{a['id']} -> {r}")
            labels_seen = r.json["alert"]["details"].get("labels", {})
            h.check_eq(labels_seen.get("alertname"), alertname, "details.labels.alertname")
            kinds = [e["kind"] for e in r.json["events"]]
            h.check_eq(kinds[:1], ["triggered"], "first event kind")
            # The dedup key is Alertmanager's fingerprint for the alert.
            am_alerts = h.http("GET", am_url + "/api/v2/alerts?filter=alertname%3D" + alertname)
            fps = [x["fingerprint"] for x in am_alerts.json or []]
            h.check_eq(fps, [a["dedup_key"]], "vigild dedup_key vs Alertmanager fingerprint")
            print(f"      alert #{a['id']} dedup_key {a['dedup_key']}")
        run.step("the alert reaches vigild (severity, summary, source)", reaches_vigild,
                 fatal=True)

        def paged():
            a = state["alert"]
            topic, msg = sub.wait_for(
                lambda t, m: t == "page.all" and m.get("alert", {}).get("id") == a["id"], 15,
                f"page.all for alert #{a['id']}")
            h.check_eq(msg.get("type"), "page", "page type")
            h.check_eq(msg["alert"]["summary"], SUMMARY, "page summary")
            h.check_eq(msg["alert"]["severity"], "critical", "page severity")
            h.check_eq(msg["alert"]["source"], INSTANCE, "page source")
            h.check_eq(msg["alert"]["dedup_key"], a["dedup_key"], "page dedup_key")
            h.check(msg.get("idempotency_key"), f"page without idempotency_key: {msg}")
            sub.wait_for(lambda t, m: t == "alert.triggered" and
                         m.get("alert", {}).get("id") == a["id"], 5,
                         f"alert.triggered for #{a['id']}")
        run.step("a page for it arrives on the ZeroMQ subscriber", paged)

        def resolve_in_alertmanager():
            r = h.http("POST", am_url + "/api/v2/alerts", [{
                "labels": labels,
                "annotations": {"summary": SUMMARY},
                "startsAt": rfc3339(starts),
                "endsAt": rfc3339(datetime.datetime.now(datetime.timezone.utc)),
            }])
            h.check(r.status == 200, f"POST alertmanager /api/v2/alerts (resolve) -> {r}")
            a = state["alert"]

            def resolved():
                r = vigild.api("GET", f"/api/v1/alerts/{a['id']}")
                return r.json["alert"] if r.status == 200 and \
                    r.json["alert"]["status"] == "resolved" else None
            got = h.wait_until(resolved, 30, f"alert #{a['id']} resolved in vigild")
            h.check(got["resolved_at"], f"resolved alert without resolved_at: {got}")
            h.check_eq(got["count"], a["count"], "count (a resolve is not a repeat)")
            topic, msg = sub.wait_for(
                lambda t, m: t == "alert.resolved" and m.get("alert", {}).get("id") == a["id"],
                15, f"alert.resolved for #{a['id']}")
            state["resolved_msg"] = msg
            h.check_eq(msg["alert"]["status"], "resolved", "alert.resolved status")
            h.check_eq(msg["alert"]["dedup_key"], a["dedup_key"], "alert.resolved dedup_key")
            h.check_eq(msg["alert"]["summary"], SUMMARY, "alert.resolved summary")
            h.check(str(msg.get("by", "")).endswith("am"), f"resolved by: {msg.get('by')!r}")
            h.check_eq(len(vigild.alerts(source=INSTANCE)), 1, "alerts for the instance")
        run.step("resolve in Alertmanager -> resolved in vigild + alert.resolved", resolve_in_alertmanager)

        def wrong_key():
            before = vigild.total_alerts()
            fp = h.uid("fp")
            body = {"version": "4", "status": "firing", "receiver": "vigil", "groupKey": "{}:{}",
                    "alerts": [{"status": "firing", "fingerprint": fp,
                                "labels": {"alertname": "Sai", "instance": "x"},
                                "annotations": {"summary": "không được lưu"}}]}
            url = vigild.url + "/api/v1/integrations/alertmanager"
            r = h.http("POST", url, body, {"Authorization": "Bearer " + h.new_key()[0]})
            h.check_eq(r.status, 403, f"wrong bearer key status ({r})")
            h.check_eq((r.json or {}).get("error", {}).get("code"), "invalid_key", "error code")
            r = h.http("POST", url, body, {"Authorization": "Bearer " + pd_key})
            h.check_eq(r.status, 403, f"events_v2 key on the alertmanager endpoint ({r})")
            r = h.http("POST", url, body)
            h.check_eq(r.status, 401, f"no key ({r})")
            h.check_eq(vigild.total_alerts(), before, "alert count after rejected posts")
            h.check_eq(vigild.find_alerts(fp), [], "alerts stored for the rejected fingerprint")
        run.step("wrong bearer key -> 403 and nothing stored", wrong_key)

        def resolved_msg_integration():
            msg = state.get("resolved_msg")
            h.check(msg, "no alert.resolved message to inspect")
            h.check_eq(msg["alert"].get("integration"), "am",
                       "alert.resolved message: alert.integration")
        run.step("alert.resolved message names the integration like the page does",
                 resolved_msg_integration)

        def still_alive():
            h.check(vigild.alive(), "vigild died")
            h.check(am.poll() is None, "alertmanager died")
        run.step("both processes still running", still_alive)

        def sigterm_with_alertmanager_connected():
            t0 = time.monotonic()
            rc = vigild.terminate(timeout=20)
            took = time.monotonic() - t0
            h.check_eq(rc, 0, "vigild exit code after SIGTERM")
            h.check(not os.path.exists(os.path.join(data, "runtime.json")),
                    "runtime.json still present after a clean exit")
            print(f"      vigild exited 0 {took:.2f}s after SIGTERM (Alertmanager still running)")
        run.step("SIGTERM with Alertmanager connected: exit 0", sigterm_with_alertmanager_connected)
    except Exception:
        pass  # already reported by the runner
    finally:
        if sub:
            sub.close()
        h.kill_proc(am)
        if vigild:
            vigild.kill()
        if run.failures:
            for name in ("am.err",):
                p = os.path.join(tmp.path, name)
                if os.path.exists(p):
                    with open(p, errors="replace") as f:
                        print(f"--- {name} (tail) ---\n{f.read()[-3000:]}")
            if vigild:
                print(f"--- vigild stderr (tail) ---\n{vigild.stderr()[-3000:]}")
        tmp.cleanup(failed=bool(run.failures))
    return run.finish()


if __name__ == "__main__":
    sys.exit(main())
