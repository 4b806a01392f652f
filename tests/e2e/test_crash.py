#!/usr/bin/env python3
"""Crash test: kill -9 vigild in the middle of a burst; every 202 must survive, exactly once.

8 threads send PagerDuty v2 triggers with unique dedup keys over keep-alive connections. Once
about 2000 have been answered 202, vigild is killed with SIGKILL while requests are in flight.
After a restart on the same data dir every acknowledged dedup key must exist exactly once, no
dedup key may exist twice, and the open-alert index must have been rebuilt (a re-trigger of an
acknowledged key is a repeat, not a new alert). The kill is done twice when time allows; at the
end vigild is stopped with SIGTERM and the database is checked read-only with sqlite3.
"""
import http.client
import json
import os
import sqlite3
import sys
import threading
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

THREADS = 8
PER_THREAD = 1500
KILL_AFTER = 2000
TIME_BUDGET = 60.0


class Burst:
    """THREADS senders; each records the dedup keys answered 202."""

    def __init__(self, url, key, tag):
        hostport = url.split("://", 1)[1]
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)
        self.key = key
        self.tag = tag
        self.acked = []            # dedup keys answered 202 (list.append is atomic)
        self.in_flight_lost = []   # sent, no answer (the kill)
        self.other = Counter()     # unexpected statuses
        self.refused = []          # 503 shutting_down during a graceful stop
        self.killed = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(THREADS)]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self.threads)

    def _connect(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=10)

    def _run(self, n):
        conn = self._connect()
        headers = {"Content-Type": "application/json"}
        retried = False
        i = 0
        while i < PER_THREAD:
            dk = f"{self.tag}-t{n}-{i:05d}"
            body = json.dumps({"routing_key": self.key, "event_action": "trigger",
                               "dedup_key": dk,
                               "payload": {"summary": f"burst {dk}", "source": f"host-{n}",
                                           "severity": "error"}})
            try:
                conn.request("POST", "/v2/enqueue", body, headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                if self.killed.is_set() or retried:
                    self.in_flight_lost.append(dk)
                    return
                # vigild is alive: the server may have closed the keep-alive connection.
                retried = True
                conn = self._connect()
                continue
            retried = False
            if resp.status == 503 and self.killed.is_set() and b"shutting_down" in data:
                # A graceful stop refuses new work before it reaches the engine; a
                # PagerDuty-style client retries a 5xx later. Nothing of it may be stored.
                self.refused.append(dk)
                return
            if resp.status == 202:
                got = json.loads(data).get("dedup_key")
                if got != dk:
                    self.other[f"202 with dedup_key {got!r} for {dk!r}"] += 1
                self.acked.append(dk)
            else:
                self.other[f"{resp.status} {data[:120]!r}"] += 1
            i += 1
        conn.close()


def crash_cycle(vigild, key, tag, graceful=False):
    """Runs a burst, SIGKILLs vigild (SIGTERM if graceful) after KILL_AFTER 202s; returns the
    acknowledged dedup keys (and, if graceful, also the ones never answered or refused 503)."""
    b = Burst(vigild.url, key, tag)
    t0 = time.monotonic()
    b.start()
    rc = None
    try:
        h.wait_until(lambda: len(b.acked) >= KILL_AFTER or not any(t.is_alive() for t in b.threads),
                     30, f"{KILL_AFTER} accepted triggers", interval=0.005)
    finally:
        b.killed.set()
        at_kill = len(b.acked)
        if graceful:
            t_term = time.monotonic()
            rc = vigild.terminate(timeout=20)
            stop_took = time.monotonic() - t_term
        else:
            vigild.kill9()
    took = time.monotonic() - t0
    if not b.join(20):
        raise AssertionError("sender threads did not finish after the kill")
    acked = list(b.acked)
    h.check(len(acked) >= KILL_AFTER,
            f"only {len(acked)} triggers accepted before the burst ended: {dict(b.other)}")
    h.check(not b.other, f"unexpected replies during the burst: {dict(b.other)}")
    h.check(len(set(acked)) == len(acked), "a dedup key was acknowledged twice")
    sig = "SIGTERM" if graceful else "SIGKILL"
    print(f"      {tag}: {at_kill} accepted when {sig} was sent, {len(acked)} accepted in all "
          f"({len(acked) / took:.0f}/s over {took:.2f}s), {len(b.in_flight_lost)} sent but "
          f"never answered")
    if graceful:
        h.check_eq(rc, 0, "exit code after SIGTERM under load")
        print(f"      {tag}: exited 0 {stop_took:.2f}s after SIGTERM")
        print(f"      {tag}: {len(b.refused)} refused with 503 shutting_down while stopping")
        return acked, list(b.in_flight_lost) + list(b.refused)
    return acked


def verify(vigild, acked, label):
    alerts = vigild.all_alerts()
    by_key = Counter(a["dedup_key"] for a in alerts)
    dupes = {k: c for k, c in by_key.items() if c > 1}
    h.check(not dupes, f"{label}: {len(dupes)} dedup keys stored more than once, e.g. "
                       f"{list(dupes.items())[:5]}")
    missing = [k for k in acked if by_key.get(k, 0) != 1]
    h.check(not missing, f"{label}: {len(missing)} of {len(acked)} acknowledged dedup keys are "
                         f"missing after the restart, e.g. {missing[:5]}")
    ids = [a["id"] for a in alerts]
    h.check(len(set(ids)) == len(ids), f"{label}: duplicate alert ids in the listing")
    h.check(ids == sorted(ids, reverse=True), f"{label}: listing not in id-descending order")
    st = vigild.status()["alerts"]
    h.check_eq(st["triggered"] + st["acknowledged"] + st["resolved"], len(alerts),
               f"{label}: /api/v1/status total vs listed alerts")
    print(f"      {label}: {len(acked)} acknowledged keys all present exactly once; "
          f"{len(alerts)} alerts stored ({len(alerts) - len(acked)} from unanswered requests)")
    return alerts


def main():
    args = h.parse_args()
    tmp = h.TempDir("vigil-e2e-crash-", keep=args.keep)
    run = h.Runner("test_crash")
    t_start = time.monotonic()
    vigild = None
    try:
        key, digest = h.new_key()
        data = os.path.join(tmp.path, "data")
        cfg = os.path.join(tmp.path, "vigil.yaml")
        with open(cfg, "w") as f:
            f.write(h.vigil_config(h.free_port(), [("pd", "events_v2", digest)]))
        vigild = h.Vigild(args.vigild, data, cfg, tmp.path)
        all_acked = []

        run.step("vigild starts", vigild.start, fatal=True)

        def cycle(tag):
            all_acked.extend(crash_cycle(vigild, key, tag))
            h.check(not vigild.alive(), "vigild still alive after SIGKILL")

        run.step("burst 1, SIGKILL after ~2000 accepted", cycle, "c1", fatal=True)
        run.step("restart on the same data dir", vigild.start, fatal=True)
        run.step("after crash 1: every accepted key exactly once", lambda: verify(
            vigild, all_acked, "after crash 1"))

        if time.monotonic() - t_start < TIME_BUDGET * 0.4:
            run.step("burst 2, SIGKILL after ~2000 accepted", cycle, "c2", fatal=True)
            run.step("restart again", vigild.start, fatal=True)
            run.step("after crash 2: every accepted key (both bursts) exactly once",
                     lambda: verify(vigild, all_acked, "after crash 2"))
        else:
            print("      (second kill skipped: time budget)")

        def graceful_cycle():
            acked, unanswered = crash_cycle(vigild, key, "g1", graceful=True)
            all_acked.extend(acked)
            h.check(not os.path.exists(os.path.join(data, "runtime.json")),
                    "runtime.json still present after SIGTERM")
            vigild.start()
            verify(vigild, all_acked, "after SIGTERM under load")
            # A graceful stop answers what it commits: nothing unanswered or refused may be stored.
            stored = {a["dedup_key"] for a in vigild.all_alerts()}
            committed_silently = [k for k in unanswered if k in stored]
            h.check(not committed_silently,
                    f"{len(committed_silently)} requests were committed during the graceful "
                    f"stop but never answered: {committed_silently[:5]}")
        if time.monotonic() - t_start < TIME_BUDGET * 0.6:
            run.step("burst 3, SIGTERM under load: exit 0, every 202 kept", graceful_cycle,
                     fatal=True)

        def pages_delivered():
            h.wait_until(lambda: vigild.status()["deliveries_pending"] == 0, 20,
                         "deliveries_pending == 0 (every page delivered after the restarts)")
        run.step("all pages delivered after the restarts", pages_delivered)

        def index_rebuilt():
            # The open-alert index must come back from the database: re-triggering an accepted
            # key is a repeat of the stored alert, a fresh key is a new one.
            old = all_acked[len(all_acked) // 2]
            before = vigild.total_alerts()
            r = vigild.trigger(key, old, severity="error", summary=f"burst {old}")
            h.check_eq(r.status, 202, f"re-trigger {old}: {r}")
            found = vigild.find_alerts(old)
            h.check_eq(len(found), 1, f"alerts for {old} after re-trigger")
            h.check_eq(found[0]["count"], 2, f"count of {old} after re-trigger")
            r = vigild.trigger(key, h.uid("after-crash-"))
            h.check_eq(r.status, 202, f"new trigger after restart: {r}")
            h.check_eq(vigild.total_alerts(), before + 1, "alert count after one new trigger")
        run.step("open-alert index rebuilt after the crash (repeat, not duplicate)",
                 index_rebuilt)

        def clean_stop():
            rc = vigild.terminate()
            h.check_eq(rc, 0, "vigild exit code after SIGTERM")
            h.check(not os.path.exists(os.path.join(data, "runtime.json")),
                    "runtime.json still present after a clean exit")
        run.step("SIGTERM: clean exit 0", clean_stop)

        def sqlite_check():
            h.check(not vigild.alive(), "vigild still running")
            db = sqlite3.connect(f"file:{os.path.join(data, 'vigil.db')}?mode=ro", uri=True)
            try:
                h.check_eq(db.execute("PRAGMA integrity_check").fetchone()[0], "ok",
                           "PRAGMA integrity_check")
                dupes = db.execute("SELECT integration_id, dedup_key, COUNT(*) FROM alerts "
                                   "GROUP BY integration_id, dedup_key HAVING COUNT(*) > 1 "
                                   "LIMIT 5").fetchall()
                h.check(not dupes, f"duplicate alerts in vigil.db: {dupes}")
                keys = {r[0] for r in db.execute("SELECT dedup_key FROM alerts")}
                missing = [k for k in all_acked if k not in keys]
                h.check(not missing, f"{len(missing)} accepted keys missing in vigil.db, "
                                     f"e.g. {missing[:5]}")
                # (An alert's "triggered" event is its own row since schema 7; the page row
                # is what must have committed with it.)
                pages = db.execute("SELECT COUNT(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 "
                                   "FROM outbox o WHERE o.alert_id = a.id)").fetchone()[0]
                h.check_eq(pages, 0, "alerts without an outbox (page) row")
                n = db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
                print(f"      vigil.db: {n} alerts, integrity ok, no duplicates, "
                      f"{len(all_acked)} accepted keys present")
            finally:
                db.close()
        run.step("vigil.db read-only: integrity, no duplicates, all accepted keys", sqlite_check)
    except Exception:
        pass  # reported by the runner
    finally:
        if vigild:
            vigild.kill()
            if run.failures:
                print(f"--- vigild stderr (last run, tail) ---\n{vigild.stderr()[-3000:]}")
        tmp.cleanup(failed=bool(run.failures))
    took = time.monotonic() - t_start
    if took > 90:
        print(f"WARNING: test_crash took {took:.0f}s")
    return run.finish()


if __name__ == "__main__":
    sys.exit(main())
