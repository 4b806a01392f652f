#!/usr/bin/env python3
"""vigild lifecycle and input checks, end to end against the real binary.

First start (key + ready-to-paste curl), --check-config, ingest validation (413/401/403/400 with
field names, nothing stored), PagerDuty v2 dedup/ack/resolve semantics, the alert API
(ack/resolve/404/409/401), SIGHUP reloads (bad file refused, new integration key works),
vigilctl (--json alerts, watch), SIGTERM (exit 0, runtime.json removed) and durability across a
restart.
"""
import http.client
import json
import socket
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

EXAMPLE_CONFIG = os.path.join(h.REPO, "config", "vigil.example.yaml")


class T:
    """State shared by the steps."""
    args = None
    tmp = None
    vigild = None
    cfg = None
    console_port = None
    key = None          # the "default" integration key printed on first start
    new_key = None      # an integration added by SIGHUP
    watch = None
    stop_seconds = None


def err_field(r):
    return ((r.json or {}).get("error") or {}).get("field")


def err_code(r):
    return ((r.json or {}).get("error") or {}).get("code")


def write_config(integrations=(), extra=""):
    with open(T.cfg, "w") as f:
        f.write(h.vigil_config(T.console_port, integrations, extra))


def other_vigild(name, config_text, runs, data_dir=None):
    """A vigild beside T.vigild: its own config file, data dir (unless given) and log file
    names (vigild.<runs+1>.err, ...)."""
    cfg = os.path.join(T.tmp.path, name + ".yaml")
    with open(cfg, "w") as f:
        f.write(config_text)
    other = h.Vigild(T.args.vigild, data_dir or os.path.join(T.tmp.path, name + "-data"), cfg,
                     T.tmp.path)
    other.runs = runs
    return other


def trigger(dedup_key, **kw):
    r = T.vigild.trigger(T.key, dedup_key, **kw)
    h.check_eq(r.status, 202, f"trigger {dedup_key}: {r}")
    h.check_eq(r.json, {"status": "success", "message": "Event processed",
                        "dedup_key": dedup_key}, "202 body")
    return r


def pd_event(action, dedup_key, key=None):
    return T.vigild.enqueue({"routing_key": key or T.key, "event_action": action,
                             "dedup_key": dedup_key})


def one_alert(dedup_key):
    found = T.vigild.find_alerts(dedup_key)
    h.check_eq(len(found), 1, f"number of alerts with dedup_key {dedup_key}")
    return found[0]


def snapshot():
    return {a["id"]: (a["status"], a["count"], a["updated_at"]) for a in T.vigild.all_alerts()}


# ---------------------------------------------------------------------------------------------
# Steps


def first_start():
    T.vigild.start()
    out = h.wait_until(lambda: "curl " in T.vigild.stdout() and T.vigild.stdout(), 10,
                       "the welcome text with the curl command on stdout")
    lines = out.splitlines()
    idx = [i for i, l in enumerate(lines) if '("default")' in l]
    h.check(idx, f'no line containing ("default") on stdout:\n{out}')
    T.key = lines[idx[0] + 1].strip()
    h.check(re.fullmatch(r"[0-9a-f]{32}", T.key), f"the printed key looks wrong: {T.key!r}")
    curl = [l.strip() for l in lines if l.strip().startswith("curl ")]
    h.check_eq(len(curl), 1, "curl command lines on stdout")
    cmd = curl[0]
    h.check(T.key in cmd and T.vigild.url in cmd, f"curl command lacks key or URL: {cmd}")
    # Run it exactly as printed; only append a write-out of the status code.
    p = subprocess.run(cmd + " -w '\\n%{http_code}'", shell=True, capture_output=True,
                       timeout=20, text=True)
    h.check_eq(p.returncode, 0, f"curl exit code (stderr {p.stderr!r})")
    body, _, code = p.stdout.rpartition("\n")
    h.check_eq(code, "202", f"HTTP status of the printed curl command (body {body!r})")
    reply = json.loads(body)
    h.check_eq(reply.get("status"), "success", "curl reply status")
    found = T.vigild.alerts(source="may-chu-truong-01")
    h.check_eq(len(found), 1, "alerts from the curl command")
    h.check_eq(found[0]["severity"], "critical", "severity of the curl alert")
    h.check_eq(found[0]["dedup_key"], reply["dedup_key"], "generated dedup_key")
    h.check_eq(found[0]["integration"], "default", "integration")
    st = T.vigild.status()
    h.check_eq(st["console_endpoint"], T.vigild.console, "status console_endpoint vs runtime.json")


def check_config_errors():
    path = os.path.join(T.tmp.path, "bad.yaml")
    with open(path, "w") as f:
        f.write("listen: 127.0.0.1:7480\n"
                "colour: blue\n"
                "http:\n"
                "  threads: 8\n"
                "  keep_alive_timeout: 5 minutes\n")
    p = subprocess.run([T.args.vigild, "--check-config", path], capture_output=True, text=True,
                       timeout=20)
    out = p.stdout + p.stderr
    h.check(p.returncode != 0, f"--check-config on a bad file exited 0:\n{out}")
    unknown = [l for l in out.splitlines() if l.startswith(f"{path}:2:")]
    h.check(unknown and "colour" in unknown[0],
            f"no '{path}:2: ... colour' line for the unknown key in:\n{out}")
    duration = [l for l in out.splitlines() if l.startswith(f"{path}:5:")]
    h.check(duration and "keep_alive_timeout" in duration[0],
            f"no '{path}:5: ... keep_alive_timeout' line for the bad duration in:\n{out}")
    h.check("OK" not in p.stdout, f"bad file reported OK:\n{out}")


def check_config_example():
    p = subprocess.run([T.args.vigild, "--check-config", EXAMPLE_CONFIG], capture_output=True,
                       text=True, timeout=20)
    h.check_eq(p.returncode, 0, f"--check-config example exit code (output {p.stdout + p.stderr!r})")
    h.check(f"{EXAMPLE_CONFIG}: OK" in p.stdout, f"no '{EXAMPLE_CONFIG}: OK' in {p.stdout!r}")


def starts_in_the_repository():
    """What `make run` does: plain vigild in the repository root, where ./playbooks holds the
    shipped playbooks, on a config with no on-call section (like the embedded default). The
    playbooks name contact points the config does not define: vigild must start anyway and
    say so, not refuse."""
    repo = h.REPO
    d = os.path.join(T.tmp.path, "in-repo")
    os.makedirs(d)
    cfg = os.path.join(d, "vigil.yaml")
    with open(cfg, "w") as f:
        f.write(f"bus:\n  console: tcp://127.0.0.1:{h.free_port()}\n")
    port = h.free_port()
    err_path = os.path.join(d, "vigild.err")
    with open(err_path, "w") as err:
        p = subprocess.Popen([T.args.vigild, "--config", cfg, "--data-dir", os.path.join(d, "data"),
                              "--listen", f"127.0.0.1:{port}"], cwd=repo,
                             stdout=subprocess.DEVNULL, stderr=err)
    try:
        def up():
            if p.poll() is not None:
                raise h.GiveUp(f"vigild exited {p.returncode}: {open(err_path).read()[-1500:]}")
            try:
                return h.http("GET", f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200
            except Exception:
                return False
        h.wait_until(up, 20, "vigild started in the repository root answers /healthz")
        log = open(err_path).read()
        h.check("playbooks_loaded path=playbooks" in log, f"no playbooks_loaded in {log[-1500:]!r}")
        h.check("playbooks_references_unchecked kinds=contact_points,people,policies" in log,
                f"no warning about the unchecked references in {log[-1500:]!r}")
    finally:
        p.terminate()
        p.wait(timeout=20)


def rejected_requests():
    before = snapshot()
    total = T.vigild.total_alerts()
    dk = h.uid("rejected-")
    good = {"routing_key": T.key, "event_action": "trigger", "dedup_key": dk,
            "payload": {"summary": "s", "source": "src", "severity": "critical"}}

    # 413: a 600 KiB body (otherwise valid JSON).
    big = dict(good, payload=dict(good["payload"], custom_details={"blob": "x" * (600 * 1024)}))
    try:
        r = T.vigild.enqueue(big)
        h.check_eq(r.status, 413, f"600 KiB body: {r}")
        h.check_eq(err_code(r), "payload_too_large", "413 error code")
    except OSError as e:
        raise AssertionError(f"600 KiB body: connection error instead of a 413 reply: {e!r}")

    r = T.vigild.enqueue({k: v for k, v in good.items() if k != "routing_key"})
    h.check_eq(r.status, 401, f"no routing_key: {r}")
    h.check_eq(err_field(r), "routing_key", "401 field")

    r = T.vigild.enqueue(dict(good, routing_key=h.new_key()[0]))
    h.check_eq(r.status, 403, f"unknown routing_key: {r}")
    h.check_eq(err_code(r), "invalid_key", "403 code")

    cases = [
        ("missing payload.summary",
         dict(good, payload={"source": "src", "severity": "critical"}), "payload.summary"),
        ("bad severity",
         dict(good, payload=dict(good["payload"], severity="CRITICAL")), "payload.severity"),
        ("missing payload.source",
         dict(good, payload={"summary": "s", "severity": "info"}), "payload.source"),
        ("missing payload", {k: v for k, v in good.items() if k != "payload"}, "payload"),
        ("bad event_action", dict(good, event_action="fire"), "event_action"),
        ("ack without dedup_key",
         {"routing_key": T.key, "event_action": "acknowledge"}, "dedup_key"),
        ("dedup_key too long", dict(good, dedup_key="k" * 256), "dedup_key"),
        ("bad timestamp",
         dict(good, payload=dict(good["payload"], timestamp="yesterday")), "payload.timestamp"),
    ]
    problems = []
    for what, body, field in cases:
        r = T.vigild.enqueue(body)
        if r.status != 400 or err_field(r) != field or not (r.json["error"].get("message")):
            problems.append(f"{what}: expected 400 naming field {field!r}, got {r}")
    # Malformed JSON: 400 invalid_json (there is no field to name).
    for raw in (b'{"routing_key": "' + T.key.encode() + b'", "event_action": "trigger",',
                b"not json", b"[1,2,3]", b""):
        r = T.vigild.enqueue(raw)
        if r.status != 400 or err_code(r) != "invalid_json":
            problems.append(f"malformed body {raw[:40]!r}: expected 400 invalid_json, got {r}")
    h.check(not problems, "\n      ".join(problems))

    h.check_eq(T.vigild.total_alerts(), total, "alert count after rejected requests")
    h.check_eq(T.vigild.find_alerts(dk), [], "alerts stored for the rejected dedup key")
    h.check_eq(snapshot(), before, "alerts changed by rejected requests")


def http_front_rules():
    """The event-driven HTTP front, on one raw keep-alive connection: HEAD, a POST that waits
    for 100 Continue (curl does this for bodies over 1 KiB), several requests on the same
    connection, 405 for other methods, 400 for a GET with a body, 404 naming the path."""
    host, port = T.vigild.url.split("://", 1)[1].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10)
    buf = b""

    def reply():
        nonlocal buf
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            h.check(chunk, f"connection closed before a reply (have {buf[:200]!r})")
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in
                   (line.split(":", 1) for line in lines[1:])}
        n = int(headers.get("content-length", "0"))
        return status, headers, n

    def body(n):
        nonlocal buf
        while len(buf) < n:
            buf += sock.recv(65536)
        out, buf = buf[:n], buf[n:]
        return out

    try:
        sock.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, n = reply()  # a HEAD reply has a length but no body
        h.check_eq(status, 200, "HEAD /healthz status")
        h.check(n > 0, f"HEAD Content-Length {n}")
        dk = h.uid("continue-")
        ev = json.dumps({"routing_key": T.key, "event_action": "trigger", "dedup_key": dk,
                         "payload": {"summary": "Tiếp tục " + "x" * 2000, "source": "front",
                                     "severity": "info"}}).encode()
        sock.sendall(b"POST /v2/enqueue HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Expect: 100-continue\r\nContent-Length: " + str(len(ev)).encode() +
                     b"\r\n\r\n")
        status, _, _ = reply()
        h.check_eq(status, 100, "interim reply to Expect: 100-continue")
        sock.sendall(ev)
        status, _, n = reply()
        h.check_eq(status, 202, "POST after 100 Continue")
        h.check_eq(json.loads(body(n))["dedup_key"], dk, "dedup_key in the 202")
        h.check_eq(len(T.vigild.find_alerts(dk)), 1, "alerts stored for the 100-continue POST")
        sock.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, n = reply()
        h.check_eq(status, 404, "unknown path")
        h.check("/nowhere" in json.loads(body(n))["error"]["message"], "404 names the path")
        sock.sendall(b"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, n = reply()
        h.check_eq(status, 405, "DELETE")
        h.check_eq(headers.get("connection", "").lower(), "close", "405 closes the connection")
    finally:
        sock.close()
    sock = socket.create_connection((host, int(port)), timeout=10)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        buf = b""
        status, _, _ = reply()
        h.check_eq(status, 400, "GET with a body")
    finally:
        sock.close()


def http_deadlines_and_big_reply():
    """Connection deadlines (one sweep for all connections) and replies bigger than the
    the kernel takes at once (sent in pieces). A second vigild with keep_alive_timeout 300ms
    closes an idle keep-alive connection; the first answers 24 pipelined requests for two
    alerts in turn with ~430 KB replies, all whole and in order."""
    other = other_vigild("deadlines", h.vigil_config(h.free_port()).replace(
        "http:\n", "http:\n  keep_alive_timeout: 300ms\n"), runs=200)
    other.start()
    try:
        host, port = other.url.split("://", 1)[1].rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=10)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            got = sock.recv(65536)
            h.check(got.startswith(b"HTTP/1.1 200"), f"/healthz reply {got[:80]!r}")
            t0 = time.monotonic()
            rest = sock.recv(65536)  # blocks until vigild closes the idle connection
            idle = time.monotonic() - t0
            h.check_eq(rest, b"", "an idle keep-alive connection is closed by vigild")
            h.check(0.25 <= idle < 5, f"idle connection closed after {idle:.2f}s (timeout 300ms)")
        finally:
            sock.close()
        print(f"      idle keep-alive connection closed after {idle:.2f}s (timeout 0.3s)")
    finally:
        rc = other.terminate()
        h.check_eq(rc, 0, "exit code of the second vigild")

    # Two alerts of ~432 KB each, asked for in turn by 24 pipelined requests: ~10 MB of
    # replies, more than the kernel takes at once (its send buffer grows to 4 MiB), so vigild
    # must finish some replies later, each whole and in the order asked.
    blobs, ids = [], []
    for tag in ("A", "B"):
        dk = h.uid("big-reply-")
        blobs.append(f"log line {tag} 0123456789 abcdef " * 15000)
        trigger(dk, custom_details={"log": blobs[-1]})
        ids.append(one_alert(dk)["id"])
    host, port = T.vigild.url.split("://", 1)[1].rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: small window
    sock.settimeout(20)
    sock.connect((host, int(port)))
    replies = 24
    try:
        sock.sendall(b"".join(f"GET /api/v1/alerts/{ids[i % 2]} HTTP/1.1\r\nHost: x\r\n"
                              f"Authorization: Bearer {T.vigild.token}\r\n\r\n".encode()
                              for i in range(replies)))
        buf = b""
        for i in range(replies):
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(65536)
                h.check(chunk, f"reply {i}: connection closed before the head ({buf[:200]!r})")
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            h.check(head.startswith(b"HTTP/1.1 200"), f"reply {i}: {head[:80]!r}")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            h.check(length > 400_000, f"reply {i} of {length} bytes (expected over 400 KB)")
            while len(buf) < length:
                chunk = sock.recv(65536)
                h.check(chunk, f"reply {i}: closed after {len(buf)} of {length} body bytes")
                buf += chunk
            body, buf = buf[:length], buf[length:]
            json.loads(body)  # whole and well-formed
            h.check(blobs[i % 2] in body.decode("utf-8"),
                    f"reply {i}: not the whole detail of alert {ids[i % 2]}")
    finally:
        sock.close()
    print(f"      {replies} pipelined replies of ~{length} bytes, all whole and in order")


def chunked_too_large():
    """The 512 KiB limit must hold for a chunked body too (no Content-Length)."""
    total = T.vigild.total_alerts()
    dk = h.uid("chunked-big-")
    body = json.dumps({"routing_key": h.new_key()[0], "event_action": "trigger", "dedup_key": dk,
                       "payload": {"summary": "s", "source": "src", "severity": "info",
                                   "custom_details": {"blob": "x" * (600 * 1024)}}}).encode()
    body_ok = json.loads(body)
    body_ok["routing_key"] = T.key
    body_ok = json.dumps(body_ok).encode()
    statuses = []
    for b in (body, body_ok):  # an unknown key, then a valid one
        host, port = T.vigild.url.split("://", 1)[1].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=20)
        try:
            conn.request("POST", "/v2/enqueue",
                         (b[i:i + 65536] for i in range(0, len(b), 65536)),
                         {"Content-Type": "application/json"}, encode_chunked=True)
            r = conn.getresponse()
            statuses.append((r.status, r.read()[:160]))
        except OSError as e:
            statuses.append((None, repr(e)))
        finally:
            conn.close()
    stored = T.vigild.find_alerts(dk)
    h.check(all(s == 413 for s, _ in statuses) and not stored,
            f"600 KiB chunked bodies: replies {statuses}, stored alerts {len(stored)} "
            f"(expected 413 and nothing stored)")
    h.check_eq(T.vigild.total_alerts(), total, "alert count")


def raw_exchange(url, request, timeout=10):
    """Sends raw request bytes on a fresh connection and reads until vigild closes it (or one
    reply is whole). Returns (status, headers, body bytes); status None if no reply came."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        buf = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            if b"\r\n\r\n" in buf:
                head, body = buf.split(b"\r\n\r\n", 1)
                m = re.search(rb"(?i)content-length: *(\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
    if b"\r\n\r\n" not in buf:
        return None, {}, buf
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in
               (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return int(lines[0].split()[1]), headers, body


def utf8_json(body, what):
    """The body decoded strictly as UTF-8 and parsed as JSON (a failure names `what`)."""
    try:
        return json.loads(body.decode("utf-8", errors="strict"))
    except (UnicodeDecodeError, ValueError) as e:
        raise AssertionError(f"{what}: body is not valid UTF-8 JSON ({e}): {body[:200]!r}")


def bad_utf8_requests():
    """Issue 11's demonstrated attack: GET /%FF made the 404 echo a non-UTF-8 path into JSON,
    nlohmann's dump() threw on the I/O thread and vigild aborted. Now a path or query
    parameter that is not UTF-8 is a 400 naming it, a JSON body with a bad byte is a 400
    naming the byte, every body is valid UTF-8 JSON, and vigild serves on."""
    status, _, body = raw_exchange(T.vigild.url, b"GET /%FF HTTP/1.1\r\nHost: x\r\n"
                                                 b"Connection: close\r\n\r\n")
    h.check(status is not None, "GET /%FF: no reply (vigild died?)")
    h.check(status in (400, 404), f"GET /%FF: status {status}")
    err = utf8_json(body, "GET /%FF")["error"]
    h.check_eq(err.get("field"), "path", "GET /%FF: the field named")
    h.check(T.vigild.alive(), "vigild is not running after GET /%FF")
    h.check_eq(T.vigild.api("GET", "/healthz").status, 200, "/healthz after GET /%FF")

    status, _, body = raw_exchange(T.vigild.url, b"GET /nowhere/%C3%28%FE HTTP/1.1\r\nHost: x"
                                                 b"\r\nConnection: close\r\n\r\n")
    h.check_eq(status, 400, "an unknown path with bad UTF-8")
    utf8_json(body, "unknown path with bad UTF-8")
    r = T.vigild.api("GET", "/api/v1/alerts?status=%FF%FE")
    h.check_eq(r.status, 400, f"a query parameter that is not UTF-8: {r}")
    h.check_eq(err_field(r), "status", "the query parameter named")
    utf8_json(r.raw, "bad query parameter")

    dk = h.uid("bad-utf8-")
    good = json.dumps({"routing_key": T.key, "event_action": "trigger", "dedup_key": dk,
                       "payload": {"summary": "SUMMARY", "source": "src",
                                   "severity": "critical"}}).encode()
    bad = good.replace(b"SUMMARY", b"M\xe1y ch\xff")  # Latin-1 bytes, not UTF-8
    offset = bad.index(b"\xe1")
    r = T.vigild.enqueue(bad)
    h.check_eq(r.status, 400, f"a JSON body with bytes that are not UTF-8: {r}")
    body = utf8_json(r.raw, "JSON body with bad UTF-8")
    h.check_eq(body["error"]["code"], "invalid_json", "error code")
    m = re.search(r"at byte (\d+)", body["error"]["message"])
    h.check(m and offset <= int(m.group(1)) <= offset + 2,
            f"the 400 does not say where (byte {offset}): {body['error']['message']!r}")
    h.check_eq(T.vigild.find_alerts(dk), [], "alerts stored for the bad body")
    h.check(T.vigild.alive(), "vigild is not running after the bad requests")
    trigger(h.uid("after-bad-utf8-"))


def connection_cap_and_slowloris():
    """http.max_connections: with a cap of 4, four idle connections held open make a fifth
    get 503 + Retry-After and closed; the idle ones are closed by their deadline and a real
    sender is served. A slowloris sending a header byte every 0.2 s is cut off by the head's
    total deadline (keep_alive_timeout 1s), not kept alive by each byte."""
    key, digest = h.new_key()
    other = other_vigild("cap", h.vigil_config(h.free_port(), [("cap", "any", digest)]).replace(
        "http:\n", "http:\n  keep_alive_timeout: 1s\n  max_connections: 4\n"), runs=400)
    other.start()
    held = []
    try:
        host, port = other.url.split("://", 1)[1].rsplit(":", 1)
        for _ in range(4):
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")  # then idle, kept alive
            h.check(s.recv(65536).startswith(b"HTTP/1.1 200"), "a held connection's /healthz")
            held.append(s)
        status, headers, body = raw_exchange(other.url, b"GET /healthz HTTP/1.1\r\nHost: x"
                                                        b"\r\nConnection: close\r\n\r\n")
        h.check_eq(status, 503, "a fifth connection past max_connections 4")
        h.check_eq(headers.get("retry-after"), "1", "Retry-After on the 503")
        h.check_eq(utf8_json(body, "503")["error"]["code"], "too_many_connections", "503 code")

        def served():
            r = other.trigger(key, h.uid("after-cap-"))
            return r.status == 202
        h.wait_until(served, 10, "a real sender served once the idle connections time out")
        h.check("connection_refused" in other.stderr() + other.stdout(),
                "no connection_refused log line")

        slow = socket.create_connection((host, int(port)), timeout=10)
        held.append(slow)
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        cut = None
        while time.monotonic() - t0 < 8:
            try:
                slow.sendall(b"X")
                slow.settimeout(0.2)  # a byte every 0.2 s, and look whether vigild closed
                if slow.recv(65536) == b"":
                    cut = time.monotonic() - t0
                    break
            except socket.timeout:
                continue
            except OSError:
                cut = time.monotonic() - t0
                break
        h.check(cut is not None, "a slowloris sending a byte every 0.2 s was never cut off")
        h.check(cut < 4, f"the slowloris was cut off only after {cut:.1f}s (deadline 1s)")
        print(f"      fifth connection 503; slowloris cut off after {cut:.2f}s")
        h.check_eq(other.trigger(key, h.uid("after-slow-")).status, 202, "served after")
    finally:
        for s in held:
            s.close()
        rc = other.terminate()
        h.check_eq(rc, 0, "exit code of the capped vigild")


def dedup_repeat():
    dk = h.uid("dedup-")
    trigger(dk, summary="Mất kết nối máy chủ", source="may-chu-01")
    trigger(dk, summary="Mất kết nối máy chủ", source="may-chu-01")
    a = one_alert(dk)
    h.check_eq(a["count"], 2, "count after two triggers with one dedup_key")
    h.check_eq(a["status"], "triggered", "status")
    h.check_eq(a["summary"], "Mất kết nối máy chủ", "summary (UTF-8)")
    r = T.vigild.api("GET", f"/api/v1/alerts/{a['id']}")
    h.check_eq(r.status, 200, f"GET alert: {r}")
    h.check_eq([e["kind"] for e in r.json["events"]], ["triggered", "repeated"], "event kinds")


def pd_ack_resolve_retrigger():
    dk = h.uid("pd-")
    trigger(dk)
    first = one_alert(dk)
    r = pd_event("acknowledge", dk)
    h.check_eq(r.status, 202, f"acknowledge event: {r}")
    a = one_alert(dk)
    h.check_eq(a["status"], "acknowledged", "status after PD acknowledge")
    h.check(a["acknowledged_at"], "acknowledged_at not set")
    h.check(str(a["acknowledged_by"]).endswith("default"), f"acknowledged_by {a['acknowledged_by']!r}")
    r = pd_event("resolve", dk)
    h.check_eq(r.status, 202, f"resolve event: {r}")
    a = one_alert(dk)
    h.check_eq(a["status"], "resolved", "status after PD resolve")
    h.check(a["resolved_at"], "resolved_at not set")
    r = T.vigild.api("GET", f"/api/v1/alerts/{a['id']}")
    h.check_eq([e["kind"] for e in r.json["events"]], ["triggered", "acknowledged", "resolved"],
               "event kinds")
    # A trigger after resolve opens a NEW alert.
    trigger(dk)
    both = sorted(T.vigild.find_alerts(dk), key=lambda x: x["id"])
    h.check_eq(len(both), 2, "alerts with the key after re-trigger")
    h.check_eq(both[0]["id"], first["id"], "the old alert")
    h.check_eq(both[0]["status"], "resolved", "old alert status")
    h.check_eq(both[1]["status"], "triggered", "new alert status")
    h.check_eq(both[1]["count"], 1, "new alert count")
    h.check(both[1]["id"] > first["id"], "new alert id not greater")


def pd_unknown_key_actions():
    before = snapshot()
    for action in ("acknowledge", "resolve"):
        r = pd_event(action, h.uid("nobody-"))
        h.check_eq(r.status, 202, f"{action} of an unknown dedup key: {r}")
    h.check_eq(snapshot(), before, "alerts changed by ack/resolve of unknown dedup keys")


def api_ack_resolve():
    dk = h.uid("api-")
    trigger(dk)
    a = one_alert(dk)
    r = T.vigild.api("POST", f"/api/v1/alerts/{a['id']}/ack",
                     {"by": "lan", "note": "đang xử lý"})
    h.check_eq(r.status, 200, f"API ack: {r}")
    h.check_eq(r.json["alert"]["status"], "acknowledged", "status in the ack reply")
    h.check("lan" in str(r.json["alert"]["acknowledged_by"]), f"acknowledged_by: {r.json}")
    r = T.vigild.api("POST", f"/api/v1/alerts/{a['id']}/ack")  # again, empty body: no change
    h.check_eq(r.status, 200, f"second API ack: {r}")
    r = T.vigild.api("POST", f"/api/v1/alerts/{a['id']}/resolve", {"by": "minh"})
    h.check_eq(r.status, 200, f"API resolve: {r}")
    h.check_eq(r.json["alert"]["status"], "resolved", "status in the resolve reply")
    r = T.vigild.api("POST", f"/api/v1/alerts/{a['id']}/ack")
    h.check_eq(r.status, 409, f"ack of a resolved alert: {r}")
    h.check_eq(err_code(r), "already_resolved", "409 code")
    r = T.vigild.api("GET", f"/api/v1/alerts/{a['id']}")
    h.check_eq(r.status, 200, f"GET alert: {r}")
    ev = r.json["events"]
    h.check_eq([e["kind"] for e in ev], ["triggered", "acknowledged", "resolved"], "event kinds")
    h.check("lan" in ev[1]["actor"] and "minh" in ev[2]["actor"], f"event actors: {ev}")
    h.check(r.json["deliveries"] and r.json["deliveries"][0]["channel"] == "console",
            f"deliveries: {r.json['deliveries']}")
    h.wait_until(lambda: T.vigild.api("GET", f"/api/v1/alerts/{a['id']}").json["deliveries"][0]
                 ["delivered_at"], 10, "the console page to be marked delivered")
    for path in ("/api/v1/alerts/999999999", "/api/v1/alerts/999999999/ack",
                 "/api/v1/alerts/999999999/resolve"):
        r = T.vigild.api("GET" if path.endswith("9") else "POST", path)
        h.check_eq(r.status, 404, f"{path}: {r}")
    r = T.vigild.api("GET", "/api/v1/alerts?status=bogus")
    h.check_eq(r.status, 400, f"bad status filter: {r}")
    h.check_eq(err_field(r), "status", "bad filter field")
    r = T.vigild.api("GET", "/api/v1/alerts?limit=501")
    h.check_eq(r.status, 400, f"limit=501: {r}")


def admin_auth():
    for path in ("/api/v1/alerts", "/api/v1/status", "/metrics", "/api/v1/alerts/1"):
        r = T.vigild.api("GET", path, token=False)
        h.check_eq(r.status, 401, f"{path} without token: {r}")
        r = T.vigild.api("GET", path, token="0" * 64)
        h.check_eq(r.status, 401, f"{path} with a wrong token: {r}")
    r = T.vigild.api("POST", "/api/v1/alerts/1/ack", token=False)
    h.check_eq(r.status, 401, f"ack without token: {r}")
    r = T.vigild.api("GET", "/api/v1/alerts", token=T.key)  # an integration key is not admin
    h.check_eq(r.status, 401, f"integration key as admin token: {r}")
    h.check_eq(T.vigild.api("GET", "/healthz", token=False).status, 200, "/healthz")
    r = T.vigild.api("GET", "/metrics")
    h.check_eq(r.status, 200, f"/metrics with token: {r.status}")


def sighup_bad_config():
    with open(T.cfg) as f:
        good = f.read()
    broken = [
        # (text, line that must be named, word that must appear)
        (good + "surprise: 1\n", good.count("\n") + 1, "surprise"),
        (good + "engine:\n  delivery_retry: soon\n", good.count("\n") + 2, "delivery_retry"),
        (good + "http: [threads\n", None, None),  # YAML syntax error
    ]
    try:
        for text, line_no, word in broken:
            pos = len(T.vigild.stderr())
            with open(T.cfg, "w") as f:
                f.write(text)
            T.vigild.signal(signal.SIGHUP)
            want = f"{T.cfg}:{line_no}:" if line_no else f"{T.cfg}:"
            line = h.wait_until(
                lambda: next((l for l in T.vigild.stderr()[pos:].splitlines()
                              if "reload_refused" in l and want in l), None),
                10, f"'reload_refused {want} ...' on stderr")
            h.check(word is None or word in line, f"refusal does not name {word!r}: {line}")
            h.check("config_reloaded" not in T.vigild.stderr()[pos:], "a broken file was loaded")
            h.check(T.vigild.alive(), "vigild died on a bad reload")
            h.check_eq(T.vigild.api("GET", "/healthz").status, 200, "/healthz after a bad reload")
            trigger(h.uid("after-bad-reload-"))  # the old key still works
    finally:
        with open(T.cfg, "w") as f:
            f.write(good)


def sighup_new_integration():
    key, digest = h.new_key()
    r = T.vigild.trigger(key, h.uid("early-"))
    h.check_eq(r.status, 403, f"new key before the reload: {r}")
    write_config([("nagios", "events_v2", digest)])
    pos = len(T.vigild.stderr())
    T.vigild.signal(signal.SIGHUP)
    h.wait_until(lambda: "config_reloaded" in T.vigild.stderr()[pos:], 10,
                 "config_reloaded on stderr")
    dk = h.uid("new-integration-")
    r = h.wait_until(lambda: (lambda r: r if r.status == 202 else None)(
        T.vigild.trigger(key, dk)), 10, "202 for the new integration's key")
    a = one_alert(dk)
    h.check_eq(a["integration"], "nagios", "integration of the alert")
    trigger(h.uid("old-key-after-reload-"))  # the generated "default" key is kept
    T.new_key = key
    r = T.vigild.api("GET", "/api/v1/integrations")
    names = {i["name"]: i for i in r.json["integrations"]}
    h.check("nagios" in names and names["nagios"]["kind"] == "events_v2",
            f"integrations after reload: {r.json}")


def run_ctl(*argv, timeout=20):
    p = subprocess.run([T.args.vigilctl, "--data-dir", T.vigild.data_dir, "--lang", "en",
                        *argv], capture_output=True, text=True, timeout=timeout)
    return p


def vigilctl_json():
    p = run_ctl("--json", "alerts")
    h.check_eq(p.returncode, 0, f"vigilctl --json alerts exit code (stderr {p.stderr!r})")
    doc = json.loads(p.stdout)
    h.check(isinstance(doc.get("alerts"), list) and doc["alerts"], f"alerts list: {p.stdout[:300]}")
    api = T.vigild.alerts(limit=50)
    h.check_eq([a["id"] for a in doc["alerts"]], [a["id"] for a in api],
               "vigilctl alerts vs API ids")
    p = run_ctl("--json", "status")
    h.check_eq(p.returncode, 0, f"vigilctl --json status (stderr {p.stderr!r})")
    h.check_eq(json.loads(p.stdout)["console_endpoint"], T.vigild.console, "status console")
    dk = h.uid("ctl-")
    trigger(dk)
    aid = one_alert(dk)["id"]
    p = run_ctl("--json", "ack", str(aid), "--by", "hoa")
    h.check_eq(p.returncode, 0, f"vigilctl ack (stderr {p.stderr!r})")
    h.check_eq(json.loads(p.stdout)["alert"]["status"], "acknowledged", "vigilctl ack result")
    p = run_ctl("--json", "show", str(aid))
    h.check_eq(p.returncode, 0, f"vigilctl show (stderr {p.stderr!r})")
    h.check_eq([e["kind"] for e in json.loads(p.stdout)["events"]],
               ["triggered", "acknowledged"], "vigilctl show events")
    p = run_ctl("show", "999999999")
    h.check(p.returncode != 0, f"vigilctl show of an unknown id exited 0: {p.stdout!r}")


def vigilctl_integrations():
    p = run_ctl("--json", "integrations", "add", "ops", "--kind", "events_v2")
    h.check_eq(p.returncode, 0, f"vigilctl integrations add (stderr {p.stderr!r})")
    doc = json.loads(p.stdout)
    key = doc.get("key", "")
    h.check(re.fullmatch(r"[0-9a-f]{32}", key), f"integrations add: key {key!r}")
    dk = h.uid("ops-")
    r = T.vigild.trigger(key, dk)
    h.check_eq(r.status, 202, f"trigger with the key from vigilctl integrations add: {r}")
    h.check_eq(one_alert(dk)["integration"], "ops", "integration of the alert")
    p = run_ctl("--json", "integrations", "add", "ops")
    h.check(p.returncode != 0, f"adding 'ops' twice exited 0: {p.stdout!r}")
    # An Alertmanager key: the table output prints a webhook_configs snippet with it.
    p = run_ctl("integrations", "add", "prom", "--kind", "alertmanager")
    h.check_eq(p.returncode, 0, f"vigilctl integrations add --kind alertmanager ({p.stderr!r})")
    m = re.search(r"credentials:\s*([0-9a-f]{32})", p.stdout)
    h.check(m, f"no 'credentials: KEY' in the output:\n{p.stdout}")
    h.check(T.vigild.url + "/api/v1/integrations/alertmanager" in p.stdout,
            f"no webhook url in the output:\n{p.stdout}")
    fp = h.uid("fp-")
    r = h.http("POST", T.vigild.url + "/api/v1/integrations/alertmanager",
               {"version": "4", "status": "firing", "receiver": "vigil",
                "alerts": [{"status": "firing", "fingerprint": fp,
                            "labels": {"alertname": "X", "instance": "h1", "severity": "warning"},
                            "annotations": {"summary": "từ Alertmanager"}}]},
               {"Authorization": "Bearer " + m.group(1)})
    h.check_eq(r.status, 202, f"alertmanager post with the new key: {r}")
    h.check_eq(one_alert(fp)["severity"], "warning", "severity of the alertmanager alert")
    r = T.vigild.trigger(m.group(1), h.uid("wrong-kind-"))
    h.check_eq(r.status, 403, f"an alertmanager key on /v2/enqueue: {r}")
    p = subprocess.run([T.args.vigilctl, "no-such-command"], capture_output=True, text=True,
                       timeout=20)
    h.check_eq(p.returncode, 2, f"vigilctl usage error exit code ({p.stderr!r})")


def vigilctl_watch():
    out = os.path.join(T.tmp.path, "watch.out")
    err = os.path.join(T.tmp.path, "watch.err")
    T.watch = h.spawn([T.args.vigilctl, "--data-dir", T.vigild.data_dir, "--json", "watch",
                       "--count", "1", "--no-backlog"], out, err)
    sent = h.trigger_until_printed(T.watch, out,
                                   lambda dk: trigger(dk, summary="Theo dõi trực tiếp"))
    try:
        rc = T.watch.wait(timeout=10)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"vigilctl watch --count 1 did not exit after {len(sent)} triggers")
    with open(out) as f:
        printed = f.read()
    with open(err) as f:
        errors = f.read()
    h.check_eq(rc, 0, f"vigilctl watch exit code (stderr {errors!r})")
    lines = [l for l in printed.splitlines() if l.strip()]
    h.check_eq(len(lines), 1, f"lines printed by watch --count 1: {printed!r}")
    msg = json.loads(lines[0])
    h.check_eq(msg.get("topic"), "page.all", f"watch topic ({lines[0]})")
    alert = msg["message"]["alert"]
    h.check(alert["dedup_key"] in sent, f"watch printed an alert we did not send: {alert}")
    h.check_eq(alert["summary"], "Theo dõi trực tiếp", "watched summary")
    h.check_eq(msg["message"].get("type"), "page", "message type")
    print(f"      watch printed the page after {len(sent)} trigger(s)")


def sigterm_and_durability():
    before = T.vigild.all_alerts()
    h.check(before, "no alerts before the restart")
    old_url = T.vigild.url
    # An idle keep-alive connection, as Alertmanager and most HTTP clients keep one.
    host, port = T.vigild.url.split("://", 1)[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/healthz")
    resp = conn.getresponse()
    resp.read()
    h.check_eq(resp.status, 200, "/healthz on the keep-alive connection")
    t0 = time.monotonic()
    try:
        rc = T.vigild.terminate(timeout=30)
    finally:
        conn.close()
    T.stop_seconds = time.monotonic() - t0
    h.check_eq(rc, 0, "exit code after SIGTERM")
    print(f"      exited 0 {T.stop_seconds:.2f}s after SIGTERM (one idle keep-alive client)")
    runtime = os.path.join(T.vigild.data_dir, "runtime.json")
    h.check(not os.path.exists(runtime), "runtime.json still present after a clean exit")
    h.check("stopped" in T.vigild.stderr(), "no 'stopped' log line")
    T.vigild.start()
    h.wait_until(lambda: "vigild is running" in T.vigild.stdout(), 10, "the welcome text")
    out = T.vigild.stdout()
    h.check('("default")' not in out and T.key not in out,
            f"the integration key was printed again on restart:\n{out}")
    after = T.vigild.all_alerts()
    h.check_eq(len(after), len(before), "alerts after restart")
    strip = lambda lst: [{k: a[k] for k in ("id", "dedup_key", "status", "count", "summary",
                                            "severity", "source", "integration")} for a in lst]
    h.check_eq(strip(after), strip(before), "alerts after restart")
    # Both keys still work, dedup continues on the open alerts.
    open_one = next(a for a in after if a["status"] == "triggered" and
                    a["integration"] == "default" and a["dedup_key"].startswith("dedup-"))
    trigger(open_one["dedup_key"], summary=open_one["summary"], source=open_one["source"])
    h.check_eq(one_alert(open_one["dedup_key"])["count"], open_one["count"] + 1,
               "count of a pre-restart alert after one more trigger")
    r = T.vigild.trigger(T.new_key, h.uid("after-restart-"))
    h.check_eq(r.status, 202, f"the SIGHUP-added key after restart: {r}")
    print(f"      {len(after)} alerts kept across restart (old {old_url}, new {T.vigild.url})")


def sigterm_prompt():
    h.check(T.stop_seconds is not None, "no SIGTERM measurement")
    h.check(T.stop_seconds < 2.0,
            f"SIGTERM took {T.stop_seconds:.2f}s to exit with one idle keep-alive client "
            f"(nothing in flight)")


def sighup_remove_integration():
    write_config([])
    pos = len(T.vigild.stderr())
    T.vigild.signal(signal.SIGHUP)
    h.wait_until(lambda: "config_reloaded" in T.vigild.stderr()[pos:], 10,
                 "config_reloaded on stderr")
    r = T.vigild.trigger(T.new_key, h.uid("removed-"))
    h.check_eq(r.status, 403, f"key of an integration removed from the config: {r}")
    trigger(h.uid("default-still-"))


def second_instance_refused():
    """A second vigild on the same data dir must refuse to start (both would write one
    database with separate open-alert indexes, and fight over runtime.json)."""
    # Its own console port: only the data dir is shared.
    second = other_vigild("second", h.vigil_config(h.free_port()), runs=100,
                          data_dir=T.vigild.data_dir)
    try:
        try:
            second.start(timeout=10)
        except AssertionError as e:
            h.check(not second.alive(), f"second vigild neither ready nor exited: {e}")
            h.check(second.proc.returncode != 0, "second vigild exited 0")
            h.check("another vigild" in second.stderr(),
                    f"the refusal does not say why: {second.stderr()[-300:]}")
            return
        dk = h.uid("two-daemons-")
        s1 = T.vigild.trigger(T.key, dk).status
        s2 = second.trigger(T.key, dk).status
        dupes = len(T.vigild.find_alerts(dk))
        raise AssertionError(
            f"a second vigild (pid {second.pid}) started on the data dir of pid {T.vigild.pid}; "
            f"the same trigger sent to each ({s1}, {s2}) opened {dupes} alerts with one dedup key")
    finally:
        second.kill()
        h.check_eq(T.vigild.api("GET", "/healthz").status, 200, "first vigild /healthz")


def console_port_taken():
    """A vigild whose console port is taken refuses to start and says which setting."""
    other = other_vigild("taken-console", h.vigil_config(T.console_port), runs=300)
    try:
        try:
            other.start(timeout=10)
        except AssertionError:
            pass
        h.check(not other.alive(), "a vigild on a taken console port is running")
        h.check(other.proc.returncode != 0, "a vigild on a taken console port exited 0")
        err = other.stderr()
        h.check("cannot bind console endpoint" in err,
                f"the refusal does not name the console endpoint: {err[-400:]}")
    finally:
        other.kill()
    h.check_eq(T.vigild.api("GET", "/healthz").status, 200, "first vigild /healthz")


def final_stop():
    rc = T.vigild.terminate()
    h.check_eq(rc, 0, "exit code after the final SIGTERM")


def main():
    T.args = h.parse_args()
    T.tmp = h.TempDir("vigil-e2e-daemon-", keep=T.args.keep)
    run = h.Runner("test_daemon")
    try:
        T.console_port = h.free_port()
        T.cfg = os.path.join(T.tmp.path, "vigil.yaml")
        write_config()
        T.vigild = h.Vigild(T.args.vigild, os.path.join(T.tmp.path, "data"), T.cfg, T.tmp.path)
        run.step("first start prints a key and a working curl command", first_start, fatal=True)
        run.step("--check-config: unknown key and bad duration with file:line", check_config_errors)
        run.step("--check-config config/vigil.example.yaml exits 0", check_config_example)
        run.step("make run: plain vigild in the repository root loads the shipped playbooks",
                 starts_in_the_repository)
        run.step("rejected ingest: 413, 401, 403, 400 with fields; nothing stored",
                 rejected_requests)
        run.step("HTTP front: HEAD, 100-continue, keep-alive, 404, 405, GET with a body",
                 http_front_rules)
        run.step("HTTP deadlines: idle keep-alive closed; 10 MB of pipelined replies",
                 http_deadlines_and_big_reply)
        run.step("600 KiB chunked body (no Content-Length): 413, nothing stored",
                 chunked_too_large)
        run.step("GET /%FF, a bad query parameter, a JSON body that is not UTF-8: 400, "
                 "vigild serves on", bad_utf8_requests)
        run.step("max_connections: the one past it gets 503; slowloris cut off",
                 connection_cap_and_slowloris)
        run.step("dedup: same dedup_key twice -> one alert, count 2", dedup_repeat)
        run.step("PD acknowledge, resolve, then a trigger opens a new alert",
                 pd_ack_resolve_retrigger)
        run.step("PD ack/resolve of unknown dedup keys: 202, nothing changes",
                 pd_unknown_key_actions)
        run.step("API ack/resolve, 404, 409", api_ack_resolve)
        run.step("admin token required (401) on /api/v1 and /metrics", admin_auth)
        run.step("SIGHUP with a broken config: refused with file:line, still serving",
                 sighup_bad_config)
        run.step("SIGHUP with a new integration: its key works", sighup_new_integration)
        run.step("vigilctl --json alerts/status/ack/show", vigilctl_json)
        run.step("vigilctl integrations add: the new keys work at once", vigilctl_integrations)
        run.step("vigilctl watch --count 1 --no-backlog --json prints the page", vigilctl_watch)
        run.step("SIGTERM exits 0, runtime.json removed; restart keeps alerts",
                 sigterm_and_durability)
        run.step("SIGTERM is prompt (< 2 s) with an idle keep-alive client", sigterm_prompt)
        run.step("SIGHUP removing an integration: its key is refused (403)",
                 sighup_remove_integration)
        run.step("a second vigild on the same data dir is refused", second_instance_refused)
        run.step("a vigild whose console port is taken refuses to start", console_port_taken)
        run.step("final SIGTERM", final_stop)
    except Exception:
        pass  # reported by the runner
    finally:
        h.kill_proc(T.watch)
    return h.teardown(run, T.tmp, T.vigild)


if __name__ == "__main__":
    sys.exit(main())
