#!/usr/bin/env python3
"""The e-mail channel against a real SMTP server (aiosmtpd, in this process).

vigil-email-probe builds an EmailChannel from its arguments and delivers one payload file, the
way a notifier worker delivers an outbox row. The received message is parsed with Python's
email package: From/To, the RFC 2047 Vietnamese subject, both alternative parts, the UTF-8
text, the Message-ID made from the idempotency key, the ack link. Then failures and recovery:
the server down, a 451 for the recipient, AUTH with a wrong and a right password (the password
never printed), STARTTLS required but not offered, a server that never answers (timeout).
"""
import os
import sys

import debian_python

debian_python.require("aiosmtpd", "python3-aiosmtpd")

import argparse
import datetime
import email
import email.policy
import email.utils
import json
import logging
import re
import socket
import subprocess
import threading
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

FROM = "vigil@sgd.example.vn"
FROM_NAME = "Vigil Sở GD&ĐT Đồng Nai"
TO = "an.nguyen@truong.example.vn"
ACK = "https://vigil.sgd.example.vn/a/42/ack?t=9f8e"
SUMMARY = "Tấn công DDoS vào cổng thông tin <script>x</script>"
USER, PASSWORD = "vigil", "mật-khẩu-Bí-mật-7731"


class T:
    args = None
    tmp = None
    servers = []


# ---------------------------------------------------------------------------------------------
# The SMTP server


class Saver:
    """aiosmtpd handler: keeps every message; can refuse recipients with a chosen reply."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # dicts: mail_from, rcpt_tos, data (bytes), login
        self.rcpt_reply = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        auth = session.auth_data
        login = auth.login if session.authenticated and isinstance(auth, LoginPassword) else None
        with self.lock:
            self.messages.append({"mail_from": envelope.mail_from,
                                  "rcpt_tos": list(envelope.rcpt_tos),
                                  "data": envelope.original_content or envelope.content,
                                  "login": login})
        return "250 Message accepted for delivery"

    def count(self):
        with self.lock:
            return len(self.messages)

    def last(self):
        with self.lock:
            return self.messages[-1]


def check_password(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def start_server(port=None, auth=False):
    handler = Saver()
    kw = {}
    if auth:
        kw = dict(authenticator=check_password, auth_required=True, auth_require_tls=False)
    c = Controller(handler, hostname="127.0.0.1", port=port or h.free_port(), **kw)
    c.start()
    T.servers.append(c)
    return c, handler


def stop_server(c):
    c.stop()
    T.servers.remove(c)


# ---------------------------------------------------------------------------------------------
# The probe


def alert(**kw):
    a = {"id": 42, "integration": "alertmanager", "dedup_key": "ddos-portal",
         "status": "triggered", "severity": "critical", "summary": SUMMARY,
         "source": "portal.sgd",
         "at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    a.update(kw)
    return a


def page_payload():
    return {"type": "page", "alert": alert(), "level": 2,
            "why": "duty_officer@truc via roster Lịch trực lễ 30/4", "links": {"ack": ACK}}


def write_json(name, body):
    path = os.path.join(T.tmp.path, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False)
    return path


def probe(port, payload, key="vigil-n42", lang="vi", extra=(), timeout_ms=5000):
    argv = [T.args.probe, "--url", f"smtp://127.0.0.1:{port}", "--from", FROM,
            "--from-name", FROM_NAME, "--to", TO, "--payload", write_json(key + ".json", payload),
            "--key", key, "--lang", lang, "--timeout-ms", str(timeout_ms), *extra]
    return subprocess.run(argv, capture_output=True, timeout=30, text=True)


def delivered(handler, before, r):
    h.check(r.returncode == 0, f"probe exit {r.returncode}; stderr: {r.stderr.strip()}")
    h.wait_until(lambda: handler.count() > before, 10, "the message at the SMTP server")
    m = handler.last()
    return m, email.message_from_bytes(m["data"], policy=email.policy.default)


def failed(r, *needles):
    h.check(r.returncode == 1, f"probe exit {r.returncode} (want 1); stderr: {r.stderr.strip()}")
    for n in needles:
        h.check(re.search(n, r.stderr, re.I), f"stderr lacks {n!r}: {r.stderr.strip()}")
    h.check(PASSWORD not in r.stderr + r.stdout, "the password was printed")
    print(f"      {r.stderr.strip()}", flush=True)


# ---------------------------------------------------------------------------------------------
# Steps


def vietnamese_page():
    c, handler = start_server()
    m, msg = delivered(handler, 0, probe(c.port, page_payload()))
    h.check_eq(m["mail_from"], FROM, "envelope sender")
    h.check_eq(m["rcpt_tos"], [TO], "envelope recipients")
    h.check_eq(msg["From"].addresses[0].display_name, FROM_NAME, "From display name")
    h.check_eq(msg["From"].addresses[0].addr_spec, FROM, "From address")
    h.check_eq(str(msg["To"]), TO, "To")
    h.check_eq(str(msg["Subject"]), f"[NGHIÊM TRỌNG] #42 {SUMMARY} — portal.sgd", "Subject")
    raw = m["data"].decode("ascii")  # 7-bit clean on the wire
    h.check("Subject: =?UTF-8?B?" in raw, "the subject is RFC 2047 encoded")
    longest = max(len(line) for line in raw.split("\r\n"))
    h.check(longest <= 78, f"a line of {longest} characters")
    h.check_eq(msg["Message-ID"], "<vigil-n42@sgd.example.vn>", "Message-ID")
    h.check_eq(msg["X-Vigil-Idempotency-Key"], "vigil-n42", "X-Vigil-Idempotency-Key")
    sent = email.utils.parsedate_to_datetime(msg["Date"])
    skew = abs((datetime.datetime.now(datetime.timezone.utc) - sent).total_seconds())
    h.check(skew < 300, f"Date {msg['Date']} is {skew:.0f}s off")
    h.check_eq(msg.get_content_type(), "multipart/alternative", "Content-Type")
    parts = {p.get_content_type(): p for p in msg.iter_parts()}
    h.check_eq(sorted(parts), ["text/html", "text/plain"], "parts")
    for p in parts.values():
        h.check_eq(p.get_content_charset(), "utf-8", f"{p.get_content_type()} charset")
    text, html = parts["text/plain"].get_content(), parts["text/html"].get_content()
    for needle in (SUMMARY, "Mức độ:", "NGHIÊM TRỌNG", "portal.sgd", "alertmanager",
                   "vừa xong", "Bậc leo thang: 2", f"Xác nhận đã nhận: {ACK}"):
        h.check(needle in text, f"text part lacks {needle!r}:\n{text}")
    h.check(f'<a href="{ACK}"' in html, f"html part lacks the ack anchor:\n{html}")
    h.check("<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html,
            "html part does not escape the summary")
    stop_server(c)


def english_page():
    c, handler = start_server()
    _, msg = delivered(handler, 0, probe(c.port, page_payload(), key="vigil-n43", lang="en"))
    h.check_eq(str(msg["Subject"]), f"[CRITICAL] #42 {SUMMARY} — portal.sgd", "Subject")
    text = msg.get_body(("plain",)).get_content()
    h.check(f"Acknowledge: {ACK}" in text and "Severity:" in text, f"English text:\n{text}")
    stop_server(c)


def contact_point():
    c, handler = start_server()
    payload = {"type": "contact_point", "alert": alert(), "level": 3,
               "contact_point": {"id": "vnpt", "name": "VNPT Đồng Nai", "phone": "0251 3822 123",
                                 "email": "noc@vnpt.example.vn", "notes": ""}}
    _, msg = delivered(handler, 0, probe(c.port, payload, key="vigil-n44"))
    h.check(str(msg["Subject"]).startswith("[NGHIÊM TRỌNG] #42 Đề nghị gọi ngay VNPT Đồng Nai"),
            f"Subject {msg['Subject']}")
    text = msg.get_body(("plain",)).get_content()
    for needle in ("Đề nghị gọi ngay", "VNPT Đồng Nai", "0251 3822 123", "noc@vnpt.example.vn"):
        h.check(needle in text, f"text part lacks {needle!r}:\n{text}")
    html = msg.get_body(("html",)).get_content()
    h.check('href="tel:02513822123"' in html, "html part lacks the tel: link")
    stop_server(c)


def server_down_then_up():
    port = h.free_port()
    r = probe(port, page_payload(), key="vigil-n45")
    failed(r, "delivery failed: smtp_failed", f"127.0.0.1:{port}", "connect")
    c, handler = start_server(port)
    _, msg = delivered(handler, 0, probe(port, page_payload(), key="vigil-n45"))
    h.check_eq(msg["Message-ID"], "<vigil-n45@sgd.example.vn>", "Message-ID of the re-send")
    stop_server(c)


def recipient_refused_then_accepted():
    c, handler = start_server()
    handler.rcpt_reply = "451 4.3.0 Mailbox busy, try again later"
    failed(probe(c.port, page_payload(), key="vigil-n46"), "smtp_failed",
           "451 4.3.0 Mailbox busy")
    h.check_eq(handler.count(), 0, "messages taken while refusing")
    handler.rcpt_reply = None
    delivered(handler, 0, probe(c.port, page_payload(), key="vigil-n46"))
    stop_server(c)


def smtp_auth():
    c, handler = start_server(auth=True)
    wrong = os.path.join(T.tmp.path, "wrong.pw")
    right = os.path.join(T.tmp.path, "right.pw")
    with open(wrong, "w") as f:
        f.write(PASSWORD + "-wrong\n")
    with open(right, "w") as f:
        f.write(PASSWORD + "\n")
    failed(probe(c.port, page_payload(), extra=("--username", USER, "--password-file", wrong)),
           "smtp_failed", "login denied|535")
    failed(probe(c.port, page_payload()), "smtp_failed")  # no AUTH: the server requires it
    h.check_eq(handler.count(), 0, "messages taken without a good login")
    m, _ = delivered(handler, 0, probe(c.port, page_payload(),
                                       extra=("--username", USER, "--password-file", right)))
    h.check_eq(m["login"], USER.encode(), "the login the server saw")
    stop_server(c)


def starttls_required_but_missing():
    c, handler = start_server()
    failed(probe(c.port, page_payload(), extra=("--starttls",)), "smtp_failed", "STARTTLS|SSL")
    h.check_eq(handler.count(), 0, "messages sent in clear despite starttls")
    stop_server(c)


def silent_server_times_out():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # accepts, never greets
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        t = time.monotonic()
        r = probe(s.getsockname()[1], page_payload(), timeout_ms=1500)
        took = time.monotonic() - t
    failed(r, "smtp_failed", "time")
    h.check(took < 10, f"the 1.5 s timeout took {took:.1f}s")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--probe", default=os.path.join(h.REPO, "build/tests/e2e/vigil-email-probe"))
    p.add_argument("--keep", action="store_true")
    T.args = p.parse_args()
    # AUTH without TLS is what the AUTH step wants; aiosmtpd warns about it on every connection.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    if not os.access(T.args.probe, os.X_OK):
        sys.exit(f"FAIL: vigil-email-probe not found or not executable: {T.args.probe}")
    T.tmp = h.TempDir("vigil-e2e-email-", keep=T.args.keep)
    run = h.Runner("test_email")
    try:
        run.step("a page arrives as a Vietnamese multipart e-mail with its ack link",
                 vietnamese_page)
        run.step("with lang en the same page is in English", english_page)
        run.step("a contact point e-mail says whom to call, with phone and e-mail",
                 contact_point)
        run.step("SMTP server down: a clear error; once it is up the same message goes out",
                 server_down_then_up)
        run.step("a 451 for the recipient fails with the reply; the retry is delivered",
                 recipient_refused_then_accepted)
        run.step("SMTP AUTH: a wrong password is refused and not printed; the right one works",
                 smtp_auth)
        run.step("starttls required but not offered: fails instead of sending in clear",
                 starttls_required_but_missing)
        run.step("a server that never answers times out", silent_server_times_out)
    finally:
        for c in list(T.servers):
            stop_server(c)
        T.tmp.cleanup(failed=bool(run.failures))
    return run.finish()


if __name__ == "__main__":
    sys.exit(main())
