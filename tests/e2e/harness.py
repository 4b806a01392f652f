"""Shared helpers for Vigil's end-to-end tests.

Stdlib + pyzmq only. Every process started here is registered and killed by PID at exit,
and every wait is a poll for a condition with a deadline (no blind sleeps).
"""
import os
import sys

import debian_python

debian_python.require("zmq", "python3-zmq")

import zmq  # noqa: E402

import argparse
import atexit
import hashlib
import json
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


# ---------------------------------------------------------------------------------------------
# Arguments, ports, keys, temp dirs


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--vigild", default=os.path.join(REPO, "build/daemon/vigild"))
    p.add_argument("--vigilctl", default=os.path.join(REPO, "build/daemon/vigilctl"))
    p.add_argument("--keep", action="store_true", help="keep the temp dir for inspection")
    args = p.parse_args(argv)
    for name in ("vigild", "vigilctl"):
        path = getattr(args, name)
        if not os.access(path, os.X_OK):
            sys.exit(f"FAIL: {name} binary not found or not executable: {path}")
        setattr(args, name, os.path.abspath(path))
    return args


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_key():
    """(key, sha256 hex) for an integration listed in the config."""
    key = secrets.token_hex(16)
    return key, hashlib.sha256(key.encode()).hexdigest()


def uid(prefix=""):
    return prefix + uuid.uuid4().hex[:12]


class TempDir:
    def __init__(self, prefix, keep=False):
        self.path = tempfile.mkdtemp(prefix=prefix)
        self.keep = keep

    def cleanup(self, failed=False):
        if self.keep or failed:
            print(f"  (temp dir kept: {self.path})")
            return
        shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Waiting


class Timeout(AssertionError):
    pass


class GiveUp(Exception):
    """Raised by a wait_until condition when waiting longer cannot help (a process died)."""


def wait_until(cond, timeout, what, interval=0.02):
    """Polls cond() until it returns something truthy; returns that value or raises Timeout.
    A GiveUp raised by cond() ends the wait at once and propagates."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = cond()
            if value:
                return value
        except GiveUp:
            raise
        except Exception as e:  # the condition may fail while the system settles
            last_exc = e
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_exc!r})" if last_exc else ""
            raise Timeout(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(interval)


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def check_eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


# ---------------------------------------------------------------------------------------------
# Processes: every one is killed by PID at exit, even if the test forgets.

_PROCS = []

try:
    import ctypes
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover
    _libc = None


def _die_with_parent():
    # If this test is killed outright (ctest timeout), the kernel SIGKILLs its children too.
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _exit_on_signal(signum, _frame):
    sys.exit(128 + signum)  # runs finally blocks and atexit: children are killed by PID


signal.signal(signal.SIGTERM, _exit_on_signal)



def trigger_until_printed(proc, out, send, timeout=20):
    """Calls send(dedup_key) with a fresh key, again every 0.3 s, until `proc` (a
    `vigilctl watch`) has printed something to the file `out` or exited: a ZeroMQ subscriber
    misses what is published before it has connected. Returns the dedup keys sent."""
    sent = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        dk = uid("watch-")
        sent.append(dk)
        send(dk)
        try:
            wait_until(lambda: os.path.getsize(out) > 0 or proc.poll() is not None, 0.3,
                       "watch output")
            break
        except Timeout:
            continue
    return sent

def spawn(argv, stdout_path, stderr_path, **kw):
    out = open(stdout_path, "wb")
    err = open(stderr_path, "wb")
    proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                            preexec_fn=_die_with_parent, **kw)
    out.close()
    err.close()
    _PROCS.append(proc)
    return proc


def kill_proc(proc):
    """SIGKILL by PID (if still running) and reap."""
    if proc is None:
        return
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


@atexit.register
def _kill_all():
    for p in _PROCS:
        kill_proc(p)


# ---------------------------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.raw = body
        self.headers = headers
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<HTTP {self.status} {self.raw[:300]!r}>"


def http(method, url, body=None, headers=None, timeout=15):
    """One request with urllib. body: dict/list (sent as JSON), bytes or str."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = body
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.read(), dict(r.headers))
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read(), dict(e.headers or {}))


# ---------------------------------------------------------------------------------------------
# vigild


def vigil_config(console_port, integrations=(), extra=""):
    """Config text. integrations: [(name, kind, key_sha256)]."""
    lines = [
        "log_level: info",
        "language: en",
        "http:",
        "  threads: 32",
        "bus:",
        f"  console: tcp://127.0.0.1:{console_port}",
    ]
    if integrations:
        lines.append("integrations:")
        for name, kind, digest in integrations:
            lines += [f"  - name: {name}", f"    kind: {kind}", f"    key_sha256: {digest}"]
    else:
        lines.append("integrations: []")
    return "\n".join(lines) + "\n" + extra


class Vigild:
    """One vigild process on a data dir; restartable on the same dir."""

    def __init__(self, binary, data_dir, config_path, log_dir):
        self.binary = binary
        self.data_dir = data_dir
        self.config_path = config_path
        self.log_dir = log_dir
        self.proc = None
        self.runs = 0
        self.url = None
        self.console = None
        self.stdout_path = None
        self.stderr_path = None

    # -- lifecycle

    def start(self, timeout=20):
        self.runs += 1
        self.stdout_path = os.path.join(self.log_dir, f"vigild.{self.runs}.out")
        self.stderr_path = os.path.join(self.log_dir, f"vigild.{self.runs}.err")
        argv = [self.binary, "--config", self.config_path, "--data-dir", self.data_dir,
                "--listen", "127.0.0.1:0", "--log-level", "info"]
        self.proc = spawn(argv, self.stdout_path, self.stderr_path)
        runtime = os.path.join(self.data_dir, "runtime.json")

        def ready():
            if self.proc.poll() is not None:
                raise GiveUp(
                    f"vigild exited with {self.proc.returncode} during start:\n{self.stderr()}")
            try:
                with open(runtime) as f:
                    rt = json.load(f)
            except (OSError, ValueError):
                return None
            if rt.get("pid") != self.proc.pid:  # a stale file from a killed run
                return None
            r = http("GET", rt["http"] + "/healthz", timeout=2)
            return rt if r.status == 200 else None

        try:
            rt = wait_until(ready, timeout, "vigild runtime.json and /healthz == 200")
        except GiveUp as e:
            raise AssertionError(str(e))
        except Timeout:
            raise AssertionError(f"vigild did not become ready; stderr:\n{self.stderr()}")
        self.url = rt["http"]
        self.console = rt["console"]
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def terminate(self, timeout=15):
        """SIGTERM by PID; returns the exit code. Raises if it does not exit in time."""
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"vigild (pid {self.proc.pid}) did not exit within {timeout}s of SIGTERM; "
                f"stderr tail:\n{self.stderr()[-1500:]}")

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def kill(self):
        kill_proc(self.proc)

    def stdout(self):
        try:
            with open(self.stdout_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    # -- HTTP

    @property
    def token(self):
        with open(os.path.join(self.data_dir, "admin.token")) as f:
            return f.readline().strip()

    def api(self, method, path, body=None, token=True, headers=None, timeout=15):
        """token: True = the admin token, False = none, str = that value."""
        hdrs = dict(headers or {})
        if token is True:
            hdrs["Authorization"] = "Bearer " + self.token
        elif token:
            hdrs["Authorization"] = "Bearer " + token
        return http(method, self.url + path, body, hdrs, timeout)

    def enqueue(self, body, timeout=15):
        return http("POST", self.url + "/v2/enqueue", body, None, timeout)

    def trigger(self, key, dedup_key, summary="test alert", source="e2e-host",
                severity="critical", **payload_extra):
        payload = {"summary": summary, "source": source, "severity": severity}
        payload.update(payload_extra)
        body = {"routing_key": key, "event_action": "trigger", "payload": payload}
        if dedup_key is not None:
            body["dedup_key"] = dedup_key
        return self.enqueue(body)

    def alerts(self, **params):
        q = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in params.items())
        r = self.api("GET", "/api/v1/alerts" + ("?" + q if q else ""))
        check(r.status == 200, f"GET /api/v1/alerts?{q} -> {r}")
        return r.json["alerts"]

    def all_alerts(self, **params):
        """Every alert, paging with before=next_before."""
        out, before = [], None
        for _ in range(100000):
            p = dict(params, limit=500)
            if before is not None:
                p["before"] = before
            q = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in p.items())
            r = self.api("GET", "/api/v1/alerts?" + q)
            check(r.status == 200, f"GET /api/v1/alerts?{q} -> {r}")
            out += r.json["alerts"]
            before = r.json["next_before"]
            if before is None:
                return out
        raise AssertionError("paging through /api/v1/alerts never ended")

    def find_alerts(self, dedup_key):
        return [a for a in self.all_alerts() if a["dedup_key"] == dedup_key]

    def status(self):
        r = self.api("GET", "/api/v1/status")
        check(r.status == 200, f"GET /api/v1/status -> {r}")
        return r.json

    def total_alerts(self):
        a = self.status()["alerts"]
        return a["triggered"] + a["acknowledged"] + a["resolved"]


# ---------------------------------------------------------------------------------------------
# ZeroMQ console subscriber


class Subscriber:
    """SUB socket on vigild's console; keeps every message it has received."""

    def __init__(self, endpoint, topics=("page.", "alert.")):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        for t in topics:
            self.sock.setsockopt(zmq.SUBSCRIBE, t.encode())
        self.sock.connect(endpoint)
        self.messages = []  # (topic, dict)

    def _drain(self, timeout_ms):
        if self.sock.poll(timeout_ms, zmq.POLLIN):
            while True:
                try:
                    parts = self.sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if len(parts) != 2:
                    self.messages.append(("<bad>", {"parts": [p[:200] for p in parts]}))
                    continue
                try:
                    body = json.loads(parts[1].decode("utf-8"))
                except ValueError:
                    body = {"<unparsed>": parts[1][:500].decode("utf-8", "replace")}
                self.messages.append((parts[0].decode("utf-8", "replace"), body))

    def find(self, pred):
        for m in self.messages:
            if pred(*m):
                return m
        return None

    def wait_for(self, pred, timeout, what):
        """Returns the first (topic, msg) for which pred(topic, msg) holds."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.find(pred)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                topics = [t for t, _ in self.messages[-20:]]
                raise Timeout(f"timed out after {timeout}s waiting for {what} on the console "
                              f"bus ({len(self.messages)} messages received; last topics "
                              f"{topics})")
            self._drain(int(min(left, 0.05) * 1000) + 1)

    def sync(self, send_probe, timeout=15):
        """Beats the ZeroMQ slow joiner: sends probes (send_probe(dedup_key)) until the page
        for one of them arrives. Returns the list of probe dedup keys used."""
        probes = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            key = uid("probe-")
            probes.append(key)
            send_probe(key)
            try:
                self.wait_for(lambda t, m: t.startswith("page.") and
                              m.get("alert", {}).get("dedup_key") in probes, 0.3, "probe page")
                return probes
            except Timeout:
                continue
        raise Timeout(f"no probe page reached the subscriber within {timeout}s "
                      f"({len(probes)} probes sent)")

    def close(self):
        self.sock.close(0)
        self.ctx.term()


# ---------------------------------------------------------------------------------------------
# A tiny step runner: each step prints PASS/FAIL; failures are collected, not fatal.


def teardown(run, tmp, *daemons):
    """Ends a test: kills its vigild processes, shows their stderr tail if a step failed,
    removes the temp dir unless a step failed, and returns the exit code."""
    for d in daemons:
        if d:
            d.kill()
            if run.failures:
                print(f"--- vigild stderr (tail) ---\n{d.stderr()[-3000:]}")
    tmp.cleanup(failed=bool(run.failures))
    return run.finish()


class Runner:
    """Runs named steps in order. A step marked known_bug="..." documents a daemon bug found
    by these tests: its failure is reported as XFAIL and does not fail the run unless
    VIGIL_E2E_STRICT=1; if it passes, XPASS says the bug no longer reproduces."""

    STRICT = os.environ.get("VIGIL_E2E_STRICT") == "1"

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.known = []
        self.t0 = time.monotonic()

    def step(self, title, fn, *args, fatal=False, known_bug=None):
        t = time.monotonic()
        try:
            fn(*args)
        except Exception as e:
            took = time.monotonic() - t
            if known_bug and isinstance(e, AssertionError) and not self.STRICT:
                self.known.append((title, known_bug, e))
                print(f"XFAIL {title} ({took:.2f}s)\n      known daemon bug: {known_bug}\n"
                      f"      {e}", flush=True)
                return False
            self.failures.append((title, e))
            print(f"FAIL  {title} ({took:.2f}s)\n      {e}", flush=True)
            if not isinstance(e, AssertionError):
                traceback.print_exc()
            if fatal:
                raise
            return False
        took = time.monotonic() - t
        if known_bug:
            print(f"XPASS {title} ({took:.2f}s): the known bug no longer reproduces "
                  f"({known_bug}); drop the known_bug marker", flush=True)
        else:
            print(f"ok    {title} ({took:.2f}s)", flush=True)
        return True

    def finish(self):
        took = time.monotonic() - self.t0
        for title, bug, _ in self.known:
            print(f"KNOWN DAEMON BUG (xfail): {title}: {bug}")
        if self.failures:
            print(f"\n{self.name}: {len(self.failures)} step(s) FAILED in {took:.1f}s:")
            for title, e in self.failures:
                print(f"  - {title}: {e}")
            return 1
        print(f"\n{self.name}: all steps passed in {took:.1f}s"
              + (f" ({len(self.known)} known daemon bug(s) reported as XFAIL)" if self.known else ""))
        return 0
