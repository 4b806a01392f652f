#!/usr/bin/env python3
"""Cost in proportion to input (issue 11), end to end, on a real vigild over real HTTP.

The demonstrated attack: one 480 KB Alertmanager webhook of 5,500 alerts under a 250 KB
externalURL took vigild to 1.4 GB of memory and wrote 1.3 GB to disk, because every alert's
details carried the group's fields. Now it is refused whole (413 naming the limit), and a big
webhook within the limits grows the data directory by a small multiple of its own size, measured
on disk after a clean stop. Also: an alert's event log comes a page at a time, and vigilctl show
says there is more.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def webhook(n, url_bytes, prefix, annotation=""):
    """n firing alerts under one group. Without an annotation the alerts are as small as
    they come (no fingerprint: keyed by their labels), ~40 bytes each."""
    alerts = []
    for i in range(n):
        a = {"status": "firing", "labels": {"a": f"{prefix}{i}"}}
        if annotation:
            a["labels"]["alertname"] = "D"
            a["annotations"] = {"summary": f"Lưu lượng bất thường {i}", "description": annotation}
            a["fingerprint"] = f"{prefix}{i}"
        alerts.append(a)
    return {"version": "4", "groupKey": "{}:{alertname=\"D\"}", "status": "firing",
            "receiver": "vigil", "groupLabels": {"alertname": "D"}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://am/" + "u" * url_bytes,
            "alerts": alerts}


def dir_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    args = h.parse_args()
    run = h.Runner("test_cost")
    tmp = h.TempDir("vigil-e2e-cost-", keep=args.keep)
    key, digest = h.new_key()
    data = os.path.join(tmp.path, "data")
    cfg = os.path.join(tmp.path, "vigil.yaml")
    with open(cfg, "w") as f:
        f.write(h.vigil_config(h.free_port(), [("am", "alertmanager", digest)]))
    vigild = h.Vigild(args.vigild, data, cfg, tmp.path)
    auth = {"Authorization": "Bearer " + key}
    state = {}

    def post(body):
        raw = json.dumps(body, separators=(",", ":")).encode()
        r = h.http("POST", vigild.url + "/api/v1/integrations/alertmanager", raw, auth,
                   timeout=120)
        return r, len(raw)

    def baseline():
        vigild.start()
        r, _ = post(webhook(1, 10, "warm"))
        h.check_eq(r.status, 202, f"a first small webhook: {r}")
        h.check_eq(vigild.terminate(), 0, "exit code")
        state["base"] = dir_bytes(data)
        vigild.start()
    run.step("vigild starts, takes a small webhook, stops and starts again", baseline,
             fatal=True)

    def attack():
        body = webhook(5500, 250_000, "k")
        r, size = post(body)
        rss = peak_rss_mb(vigild.pid)
        print(f"      {size / 1000:.0f} KB body, 5,500 alerts: HTTP {r.status}, "
              f"vigild peak RSS {rss:.0f} MB")
        h.check(460_000 < size < 500_000, f"the attack body is {size} bytes")
        h.check(r.status in (400, 413), f"5,500 alerts in one webhook: {r}")
        err = (r.json or {}).get("error", {})
        h.check_eq(err.get("code"), "limit_exceeded", "error code")
        h.check_eq(err.get("field"), "alerts", "error field")
        h.check("max_alerts_per_request" in err.get("message", ""),
                f"the message names the limit: {err}")
        h.check_eq(vigild.total_alerts(), 1, "alerts stored (only the warm-up one)")
        h.check(rss < 300, f"peak RSS {rss:.0f} MB after the refused webhook (want < 300)")
    run.step("the 480 KB webhook of 5,500 alerts under a 250 KB externalURL is refused "
             "whole with 413 naming the limit", attack)

    def url_refused():
        r, _ = post(webhook(10, 250 * 1024, "url"))
        h.check_eq(r.status, 413, f"a 250 KB externalURL: {r}")
        h.check_eq(((r.json or {}).get("error") or {}).get("field"), "externalURL", "field")
    run.step("a 250 KB externalURL is refused (413, field externalURL)", url_refused)

    def refused_disk():
        h.check_eq(vigild.terminate(), 0, "exit code")
        state["base1"] = dir_bytes(data)
        vigild.start()
        grown = state["base1"] - state["base"]
        print(f"      data dir grew {grown / 1000:.0f} KB for the refused webhooks")
        h.check(grown < 1_000_000, f"the refused webhooks grew the data dir by {grown} bytes")
    run.step("the refused webhooks leave the data dir as it was (on disk after a clean stop)",
             refused_disk)

    def allowed():
        # The most the defaults allow: 1,000 alerts (each with a 200-byte description) under
        # an externalURL just under the 8 KiB cap. Before, each alert stored the URL again.
        body = webhook(1000, 8000, "ok", annotation="d" * 200)
        r, size = post(body)
        h.check_eq(r.status, 202, f"1,000 alerts under an 8 KB externalURL: {r}")
        h.check_eq(r.json.get("created"), 1000, "alerts created")
        state["body"] = size
        state["ids"] = [a["id"] for a in vigild.alerts(limit=2)]
    run.step("1,000 alerts under an 8 KB externalURL are taken", allowed)

    def details_whole():
        one = vigild.api("GET", f"/api/v1/alerts/{state['ids'][0]}")
        h.check_eq(one.status, 200, "GET the alert")
        d = one.json["alert"]["details"]
        h.check_eq(d["alertmanager"]["externalURL"], "http://am/" + "u" * 8000,
                   "details.alertmanager.externalURL read back")
        h.check_eq(d["alertmanager"]["groupKey"], "{}:{alertname=\"D\"}", "groupKey")
        h.check_eq(d["labels"]["alertname"], "D", "details.labels")
    run.step("an alert's details read back whole, the group's fields included", details_whole)

    def disk():
        h.check_eq(vigild.terminate(), 0, "exit code")
        grown = dir_bytes(data) - state["base1"]
        vigild.start()
        ratio = grown / state["body"]
        print(f"      data dir grew {grown / 1000:.0f} KB for {state['body'] / 1000:.0f} KB of "
              f"webhook: {ratio:.1f}x")
        h.check(ratio < 5, f"the data dir grew {ratio:.1f}x the body (want < 5x)")
    run.step("the data dir grows by less than 5x the body, on disk after a clean stop", disk)

    def paging():
        r = vigild.api("POST", "/api/v1/integrations", {"name": "pd", "kind": "events_v2"})
        h.check_eq(r.status, 201, f"create an events_v2 integration: {r}")
        pd_key = r.json["key"]
        for i in range(5):
            r = vigild.trigger(pd_key, "flap", component=f"c{i}")
            h.check_eq(r.status, 202, f"trigger {i}: {r}")
        alert_id = vigild.find_alerts("flap")[0]["id"]
        r = vigild.api("GET", f"/api/v1/alerts/{alert_id}?events_limit=2")
        h.check_eq(r.status, 200, "GET with events_limit")
        h.check_eq(len(r.json["events"]), 2, "events on the first page")
        before = r.json["events_next_before"]
        h.check(isinstance(before, int), f"events_next_before: {before!r}")
        r2 = vigild.api("GET", f"/api/v1/alerts/{alert_id}?events_limit=10&events_before={before}")
        h.check_eq(r2.json["events_next_before"], None, "no page after the last")
        h.check_eq(r2.json["events"][0]["kind"], "triggered", "the oldest event")
        h.check_eq(len(r.json["events"]) + len(r2.json["events"]), 5, "events in all")
        p = subprocess.run([args.vigilctl, "--data-dir", vigild.data_dir, "--lang", "en",
                            "show", str(alert_id), "--events", "2"],
                           capture_output=True, text=True, timeout=30)
        h.check_eq(p.returncode, 0, f"vigilctl show (stderr {p.stderr!r})")
        h.check(f"vigilctl show {alert_id} --events-before {before}" in p.stdout,
                f"vigilctl show says how to see older events:\n{p.stdout[-500:]}")
    run.step("an alert's event log comes a page at a time (events_limit, events_before)", paging)

    return h.teardown(run, tmp, vigild)


if __name__ == "__main__":
    sys.exit(main())
