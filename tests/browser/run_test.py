#!/usr/bin/env python3
"""The incident web page (/ui/) end to end: a real vigild on a temp data dir and free ports,
with the example Department config, driven by headless Chromium (puppeteer-core, test.mjs).

This wrapper starts vigild, runs `node test.mjs URL TOKEN_FILE`, then checks through the API
that the incident the browser opened was stored exactly once, with the Vietnamese title byte
for byte. Every process is killed by PID at exit. Chromium or the npm packages missing is a
FAIL (scripts/setup-deps.sh test installs both), never a skip.
"""
import os
import shutil
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import harness as h  # noqa: E402

CHROMIUM = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
TITLE = "Tấn công DDoS cổng thông tin Sở"
EXAMPLE = os.path.join(h.REPO, "config", "examples", "so-gddt.yaml")
NODE_TIMEOUT = 90  # seconds for the whole browser run


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    print("0 passed, 1 failed")
    sys.exit(1)


def preflight():
    node = shutil.which("node")
    if not node:
        fail("node is not installed (Debian package nodejs); run scripts/setup-deps.sh test")
    if not os.access(CHROMIUM, os.X_OK):
        fail(f"Chromium not found at {CHROMIUM}; run scripts/setup-deps.sh test "
             "(installs the Debian package chromium)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "puppeteer-core")):
        fail(f"{HERE}/node_modules/puppeteer-core is missing; run scripts/setup-deps.sh test "
             "(runs npm ci in tests/browser)")
    return node


def kill_group(pgid):
    """SIGKILL what is left of the process group we started (a Chromium the test left)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def main():
    args = h.parse_args()
    node = preflight()
    tmp = h.TempDir("vigil-browser-", keep=args.keep)
    failed = True
    vigild = None
    try:
        data = os.path.join(tmp.path, "data")
        os.makedirs(data)
        with open(EXAMPLE, encoding="utf-8") as f:
            example = "".join(line for line in f if not line.startswith("language:"))
        # The page's own language toggle is tested; the daemon's language is the default (vi).
        conf = h.vigil_config(h.free_port()).replace("language: en\n", "") + example
        conf_path = os.path.join(tmp.path, "vigil.yaml")
        with open(conf_path, "w", encoding="utf-8") as f:
            f.write(conf)
        vigild = h.Vigild(args.vigild, data, conf_path, tmp.path).start()
        token_file = os.path.join(data, "admin.token")

        # The page and its headers, before a browser is involved.
        r = h.http("GET", vigild.url + "/ui/")
        h.check_eq(r.status, 200, "GET /ui/")
        csp = r.headers.get("Content-Security-Policy", "")
        h.check("script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
                .split(";")[0], f"CSP must forbid inline scripts: {csp!r}")
        h.check_eq(r.headers.get("X-Frame-Options"), "DENY", "X-Frame-Options")
        h.check("text/html" in r.headers.get("Content-Type", ""), "page content type")
        r = h.http("GET", vigild.url + "/ui/app.js")
        h.check_eq(r.status, 200, "GET /ui/app.js")
        h.check("javascript" in r.headers.get("Content-Type", ""), "script content type")
        h.check(b"innerHTML" not in r.raw, "app.js must not use innerHTML")
        print("ok: /ui/ and /ui/app.js served with CSP and X-Frame-Options", flush=True)

        # The browser part. Its own stdout is the step log; a timeout kills it by PID.
        env = dict(os.environ, VIGIL_CHROMIUM=CHROMIUM)
        # In a process group of its own, so node and the Chromium it started are killed
        # together by that group's id (the node PID) whatever state they are left in.
        proc = h.spawn([node, os.path.join(HERE, "test.mjs"), vigild.url + "/ui/", token_file],
                       os.path.join(tmp.path, "node.out"), os.path.join(tmp.path, "node.err"),
                       cwd=HERE, env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout=NODE_TIMEOUT)
        except subprocess.TimeoutExpired:
            rc = "timeout"
        kill_group(proc.pid)
        h.kill_proc(proc)
        for name in ("node.out", "node.err"):
            with open(os.path.join(tmp.path, name), encoding="utf-8", errors="replace") as f:
                text = f.read()
            if text.strip():
                print(text, end="" if text.endswith("\n") else "\n", flush=True)
        if rc == "timeout":
            raise AssertionError(f"the browser test did not finish within {NODE_TIMEOUT}s")
        h.check_eq(rc, 0, "node test.mjs exit code")

        # Stored exactly once, with the title as typed, and nothing from the refused submit.
        r = vigild.api("GET", "/api/v1/incidents?state=all&limit=500")
        h.check_eq(r.status, 200, "GET /api/v1/incidents")
        items = r.json["incidents"]
        same = [i for i in items if i["title"] == TITLE]
        h.check_eq(len(same), 1, f"incidents titled {TITLE!r}")
        # The page's one incident and test.mjs's hostile-title one; the refused submit stored
        # nothing.
        h.check_eq(len(items), 2, "incidents stored")
        inc = same[0]
        h.check_eq((inc["category"], inc["severity"], inc["unit"], inc["source"]),
                   ("ddos", "P1", "so", "web"), "category, severity, unit, source")
        print(f"ok: stored exactly once through the API (#{inc['id']})", flush=True)
        failed = False
    except AssertionError as e:
        print(f"FAIL: {e}", flush=True)
        if vigild is not None:
            print("vigild stderr tail:\n" + vigild.stderr()[-2000:], flush=True)
    finally:
        if vigild is not None:
            vigild.kill()
        tmp.cleanup(failed)
    print("0 passed, 1 failed" if failed else "1 passed, 0 failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
