#!/usr/bin/env python3
"""Delivery under failure, end to end through the real vigild (real SQLite, real ZeroMQ, the
channels module), a real SMTP server (aiosmtpd) and local HTTP receivers for the SMS gateway
and the Telegram Bot API:

  A. the SMTP server is down: the e-mail page is retried, escalation goes on meanwhile, and
     when the server comes back every page is delivered, once;
  B. the SMS gateway answers 500: the SMS is given up and the person's next contact method
     (e-mail) is paged; the failure shows in the API and in `vigilctl show`;
     rate limit: three alerts for one phone become one SMS, then ONE bundled SMS;
     SMS reply codes through POST /api/v1/integrations/sms-inbound (wrong key, bad body,
     wrong phone, reuse, expired all refused; right phone acknowledges / closes);
     forged and expired answer links refused;
     Telegram buttons through POST /api/v1/integrations/telegram/{secret};
     guessing refused: a key of kind any (the auto-created "default") cannot answer for
     inbound SMS, wrong reply codes from one phone and through one key get 429 with
     Retry-After within guess_limits, and the right code works once the window has passed;
     forged links and wrong feed tokens from one address get 429 too.

Retry intervals are configured short (hundreds of ms) and every wait polls with a deadline.
"""
import os
import sys

import debian_python

debian_python.require("aiosmtpd", "python3-aiosmtpd")

import base64
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import logging
import re
import sqlite3
import subprocess
import threading
import time
import urllib.parse

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

logging.getLogger("mail.log").setLevel(logging.CRITICAL)


# ---------------------------------------------------------------------------------------------
# Peers


class Mailbox:
    """aiosmtpd handler that keeps every message, parsed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def to(self, address):
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]


def start_smtp(port):
    box = Mailbox()
    c = Controller(box, hostname="127.0.0.1", port=port)
    c.start()
    return c, box


class HttpPeer:
    """A local HTTP server that records JSON requests; `answer(path, body)` → (status, body)."""

    def __init__(self, answer):
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"<raw>": raw.decode("utf-8", "replace")}
                with outer.lock:
                    outer.requests.append((self.path, body))
                status, reply = answer(self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(reply).encode())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self, pred=lambda path, body: True):
        with self.lock:
            return [b for p, b in self.requests if pred(p, b)]

    def close(self):
        self.server.shutdown()


def gateway_answer(path, body):
    if body.get("to") == CHI_PHONE:
        return 500, {"error": "provider down"}
    return 200, {"ok": True}


def telegram_answer(path, body):
    return 200, {"ok": True, "result": {"message_id": 1}}


CHI_PHONE = "+84901000001"
DUNG_PHONE = "+84901000002"
GIANG_PHONE = "+84901000007"


def alert_view(vigild, alert_id):
    r = vigild.api("GET", f"/api/v1/alerts/{alert_id}")
    h.check_eq(r.status, 200, f"GET alert {alert_id}: {r}")
    return r.json


def trigger(vigild, key, dedup, source, summary):
    r = vigild.trigger(key, dedup, summary=summary, source=source)
    h.check_eq(r.status, 202, f"trigger {dedup}: {r}")
    return h.wait_until(lambda: vigild.find_alerts(dedup), 10, f"alert {dedup}")[0]["id"]


# ---------------------------------------------------------------------------------------------
# A. SMTP down for a while


def scenario_smtp_down(args, run, tmp):
    key, digest = h.new_key()
    smtp_port = h.free_port()
    cfg = os.path.join(tmp.path, "a.yaml")
    with open(cfg, "w") as f:
        f.write(h.vigil_config(h.free_port(), [("pd", "events_v2", digest)], f"""
engine: {{delivery_retry: 300ms, delivery_retry_max: 600ms}}
people:
  - {{id: an, name: Nguyễn Văn An, contacts: {{email: an@truong.example.vn}}, notify: [{{via: email, after: 0m}}]}}
  - {{id: binh, name: Trần Thị Bình}}
policies:
  - {{id: p, levels: [{{timeout: 2s, targets: [{{person: an}}]}}, {{timeout: 1h, targets: [{{person: binh}}]}}]}}
routes:
  - {{id: all, default: true, policy: p}}
channels:
  max_attempts: 100
  email:
    url: smtp://127.0.0.1:{smtp_port}
    starttls: false
    from: vigil@sgd.example.vn
    rate_limit: {{messages: 0}}
"""))
    vigild = h.Vigild(args.vigild, os.path.join(tmp.path, "data-a"), cfg, tmp.path)
    state = {}
    smtp = []
    try:
        run.step("A: vigild starts with an SMTP server that is down", vigild.start, fatal=True)

        def retried_while_down():
            state["ids"] = [trigger(vigild, key, f"smtp-{i}", "portal.sgd", f"Cổng thông tin {i} lỗi")
                            for i in (1, 2)]

            def retried():
                for i in state["ids"]:
                    mail = [d for d in alert_view(vigild, i)["deliveries"] if d["channel"] == "email"]
                    if not mail or mail[0]["attempts"] < 3 or not mail[0]["last_error"]:
                        return False
                    state.setdefault("error", mail[0]["last_error"])
                return True
            h.wait_until(retried, 20, "e-mail deliveries retried (attempts >= 3, error recorded)")
            print(f"      last_error while down: {state['error']}")
        run.step("A: the e-mail page is retried while SMTP is down, the error recorded",
                 retried_while_down, fatal=True)

        def escalation_goes_on():
            def escalated():
                events = alert_view(vigild, state["ids"][0])["events"]
                return [e for e in events if e["kind"] == "escalated" and e["detail"].get("level") == 2]
            h.wait_until(escalated, 15, "level 2 (binh) paged while SMTP is down")
        run.step("A: escalation goes on meanwhile (level 2 paged)", escalation_goes_on)

        def delivered_once_back():
            c, box = start_smtp(smtp_port)
            smtp.append(c)
            h.wait_until(lambda: len(box.to("an@truong.example.vn")) >= 2, 20,
                         "both pages in the mailbox once SMTP is back")

            def all_delivered():
                return all(d["delivered_at"] for i in state["ids"]
                           for d in alert_view(vigild, i)["deliveries"] if d["channel"] == "email")
            h.wait_until(all_delivered, 10, "both e-mail rows confirmed")
            msgs = box.to("an@truong.example.vn")
            keys = [m["X-Vigil-Idempotency-Key"] for m in msgs]
            h.check_eq(len(msgs), 2, f"messages received (idempotency keys {keys})")
            h.check_eq(len(set(keys)), 2, "distinct idempotency keys")
            subjects = " ".join(str(m["Subject"]) for m in msgs)
            for i in state["ids"]:
                h.check(f"#{i}" in subjects, f"no mail for alert #{i}: {subjects}")
        run.step("A: once SMTP is back every page is delivered, once (nothing lost)",
                 delivered_once_back)
        run.step("A: SIGTERM exits 0", lambda: h.check_eq(vigild.terminate(), 0, "exit code"))
    finally:
        for c in smtp:
            c.stop()
        vigild.kill()
        if run.failures:
            print(f"--- vigild A stderr (tail) ---\n{vigild.stderr()[-3000:]}")


# ---------------------------------------------------------------------------------------------
# B. A failing gateway, rate limits, reply codes, links, Telegram


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_link(data_dir, alert_id, person, action, expires_s, level=1):
    """A token as LinkSigner::Sign makes it, with the daemon's own key (for the expiry test)."""
    with open(os.path.join(data_dir, "link.key")) as f:
        key = f.readline().strip()
    claims = f"{alert_id}.{b64url(person.encode())}.{action[0]}{level}.{expires_s}"
    mac = hmac.new(key.encode(), claims.encode(), hashlib.sha256).digest()[:16]
    return claims + "." + b64url(mac)


def scenario_channels(args, run, tmp):
    key, digest = h.new_key()
    sms_key, sms_digest = h.new_key()
    any_key, any_digest = h.new_key()  # kind any, as the auto-created "default" key is
    smtp_port = h.free_port()
    smtp, box = start_smtp(smtp_port)
    gw = HttpPeer(gateway_answer)
    tg = HttpPeer(telegram_answer)
    tg_secret = "tg-" + h.uid() + h.uid()  # at least 16 characters
    with open(os.path.join(tmp.path, "tg.token"), "w") as f:
        f.write("123456:TEST-token\n")
    with open(os.path.join(tmp.path, "tg.secret"), "w") as f:
        f.write(tg_secret + "\n")
    cfg = os.path.join(tmp.path, "b.yaml")
    with open(cfg, "w") as f:
        f.write(h.vigil_config(h.free_port(), [("pd", "events_v2", digest),
                                               ("gw-in", "sms_inbound", sms_digest),
                                               ("default", "any", any_digest)], f"""
engine: {{delivery_retry: 300ms, delivery_retry_max: 600ms}}
guess_limits:
  per_sender: {{failures: 3, per: 3s}}
  per_key: {{failures: 8, per: 3s}}
  per_address: {{failures: 4, per: 1h}}
people:
  - id: chi
    name: Lê Thị Chi
    contacts: {{sms: "{CHI_PHONE}", email: chi@truong.example.vn}}
    notify: [{{via: sms, after: 0m}}, {{via: email, after: 1h}}]
  - {{id: dung, name: Phạm Văn Dũng, contacts: {{sms: "{DUNG_PHONE}"}}, notify: [{{via: sms, after: 0m}}]}}
  - {{id: em, name: Võ Thị Em, contacts: {{telegram: "555001"}}, notify: [{{via: telegram, after: 0m}}]}}
  - {{id: giang, name: Đỗ Văn Giang, contacts: {{sms: "{GIANG_PHONE}"}}, notify: [{{via: sms, after: 0m}}]}}
policies:
  - {{id: chi, levels: [{{timeout: 1h, targets: [{{person: chi}}]}}]}}
  - {{id: dung, levels: [{{timeout: 1h, targets: [{{person: dung}}]}}]}}
  - {{id: em, levels: [{{timeout: 1h, targets: [{{person: em}}]}}]}}
  - {{id: giang, levels: [{{timeout: 1h, targets: [{{person: giang}}]}}]}}
routes:
  - {{id: chi, match: {{source: ["chi-*"]}}, policy: chi}}
  - {{id: em, match: {{source: ["em-*"]}}, policy: em}}
  - {{id: giang, match: {{source: ["giang-*"]}}, policy: giang}}
  - {{id: dung, default: true, policy: dung}}
channels:
  max_attempts: 2
  sms:
    url: http://127.0.0.1:{gw.port}/send
    body: '{{"to":"{{{{to_json}}}}","text":"{{{{text_json}}}}"}}'
    rate_limit: {{messages: 1, per: 3s}}
    reply_codes: true
  email:
    url: smtp://127.0.0.1:{smtp_port}
    starttls: false
    from: vigil@sgd.example.vn
  telegram:
    api_base: http://127.0.0.1:{tg.port}
    bot_token_file: {tmp.path}/tg.token
    webhook_secret_file: {tmp.path}/tg.secret
"""))
    data_dir = os.path.join(tmp.path, "data-b")
    vigild = h.Vigild(args.vigild, data_dir, cfg, tmp.path)
    state = {}
    try:
        run.step("B: vigild starts with SMS, e-mail and Telegram", vigild.start, fatal=True)

        def gateway_500_falls_back():
            a = trigger(vigild, key, "chi-1", "chi-server", "Máy chủ trường THCS mất điện")
            state["chi"] = a
            h.wait_until(lambda: box.to("chi@truong.example.vn"), 20,
                         "the fallback e-mail to Chi after the SMS gave up")
            view = alert_view(vigild, a)
            sms = [d for d in view["deliveries"] if d["channel"] == "sms"]
            h.check(sms and sms[0]["failed_at"], f"SMS row not marked failed: {sms}")
            h.check("500" in sms[0]["last_error"], f"SMS last_error: {sms[0]['last_error']!r}")
            kinds = [e["kind"] for e in view["events"]]
            for k in ("delivery_failed", "delivery_fallback"):
                h.check(k in kinds, f"no {k} event: {kinds}")
            h.check_eq(len(gw.bodies(lambda p, b: b.get("to") == CHI_PHONE)), 2,
                       "SMS attempts at the gateway (max_attempts 2)")
            out = subprocess.run([args.vigilctl, "--data-dir", data_dir, "--lang", "en", "show", str(a)],
                                 capture_output=True, text=True, timeout=15)
            h.check(out.returncode == 0, f"vigilctl show: {out.stderr}")
            h.check("FAILED" in out.stdout and "500" in out.stdout,
                    f"vigilctl show does not show the failure:\n{out.stdout}")
        run.step("B: a gateway answering 500 → SMS given up, e-mail paged; visible in API and CLI",
                 gateway_500_falls_back)

        def bundled():
            ids = [trigger(vigild, key, f"dung-{i}", "nas.sgd", f"NAS sao lưu lỗi {i}") for i in (1, 2, 3)]
            state["dung"] = ids
            to_dung = lambda: gw.bodies(lambda p, b: b.get("to") == DUNG_PHONE)  # noqa: E731
            h.wait_until(lambda: len(to_dung()) >= 1, 10, "the first SMS to Dũng")
            first = to_dung()[0]["text"]
            h.check(f"#{ids[0]}" in first, f"first SMS is not about alert #{ids[0]}: {first}")
            h.check_eq(len(to_dung()), 1, "SMS to Dũng inside the 3 s window")
            h.wait_until(lambda: len(to_dung()) >= 2, 15, "the bundled SMS after the window")
            second = to_dung()[1]["text"]
            print(f"      first:  {first}\n      bundle: {second}")
            h.check("2 new alerts" in second, f"not a bundle of 2: {second}")
            for i in ids[1:]:
                h.check(f"#{i}" in second, f"bundle lacks alert #{i}: {second}")
            h.check(len(second) <= 160, f"bundle SMS longer than 160: {len(second)}")

            def members_delivered():
                return all(d["delivered_at"] and d["bundled_into"] for i in ids[1:]
                           for d in alert_view(vigild, i)["deliveries"] if d["channel"] == "sms")
            h.wait_until(members_delivered, 10, "bundled rows confirmed with their bundle")
            h.check_eq(len(to_dung()), 2, "SMS to Dũng in all")
            state["first_code"] = re.search(r"Reply (\d{8})a", first).group(1)
            state["bundle_code"] = re.search(r"Reply (\d{8})a", second).group(1)
        run.step("B: rate limit 1 SMS per 3 s: three alerts → one SMS, then one bundle of two",
                 bundled)

        inbound = "/api/v1/integrations/sms-inbound"

        def reply_codes():
            code = state["first_code"]
            r = vigild.api("POST", inbound, {"from": DUNG_PHONE, "text": code + "a"}, token=False)
            h.check_eq(r.status, 401, f"no key: {r}")
            r = vigild.api("POST", inbound, {"from": DUNG_PHONE, "text": code + "a"}, token=key)
            h.check_eq(r.status, 403, f"an events_v2 key: {r}")
            r = vigild.api("POST", inbound, {"text": code + "a"}, token=sms_key)
            h.check_eq((r.status, r.json["error"]["field"]), (400, "from"), f"no from: {r}")
            r = vigild.api("POST", inbound, {"from": DUNG_PHONE, "text": "ok"}, token=sms_key)
            h.check_eq((r.status, r.json["error"]["field"]), (400, "text"), f"bad text: {r}")
            r = vigild.api("POST", inbound, {"from": "+84909999999", "text": code + "a"}, token=sms_key)
            h.check_eq((r.status, r.json["error"]["code"]), (403, "wrong_sender"), f"other phone: {r}")
            h.check_eq(alert_view(vigild, state["dung"][0])["alert"]["status"], "triggered",
                       "status after refused answers")
            # A form body and ?key=, the way many gateways post; the number as written locally.
            form = urllib.parse.urlencode({"from": "0901 000 002", "text": f" {code}A "})
            r = h.http("POST", vigild.url + inbound + "?key=" + sms_key, form,
                       {"Content-Type": "application/x-www-form-urlencoded"})
            h.check_eq(r.status, 200, f"right phone: {r}")
            h.check_eq(r.json["alerts"][0]["status"], "acknowledged", "answer")
            a = alert_view(vigild, state["dung"][0])["alert"]
            h.check_eq((a["status"], a["acknowledged_by"]), ("acknowledged", "sms:dung"), "alert")
            r = vigild.api("POST", inbound, {"from": DUNG_PHONE, "text": code + "c"}, token=sms_key)
            h.check_eq((r.status, r.json["error"]["code"]), (409, "code_used"), f"reuse: {r}")
            r = vigild.api("POST", inbound, {"from": DUNG_PHONE, "text": state["bundle_code"] + "c"},
                           token=sms_key)
            h.check_eq(r.status, 200, f"bundle code: {r}")
            for i in state["dung"][1:]:
                h.check_eq(alert_view(vigild, i)["alert"]["status"], "resolved", f"alert #{i}")
        run.step("B: SMS reply codes: key, body, phone checked; acknowledges once; a bundle's "
                 "code closes all its alerts", reply_codes)

        def expired_code():
            a = trigger(vigild, key, "dung-4", "nas.sgd", "NAS lỗi lần 4")
            to_dung = lambda: gw.bodies(lambda p, b: b.get("to") == DUNG_PHONE)  # noqa: E731
            h.wait_until(lambda: any(f"#{a}" in b["text"] for b in to_dung()), 15, "SMS for dung-4")
            text = [b["text"] for b in to_dung() if f"#{a}" in b["text"]][0]
            code = re.search(r"Reply (\d{8})a", text).group(1)
            # Age the code past its expiry in the database, as a day passing would.
            db = sqlite3.connect(os.path.join(data_dir, "vigil.db"), timeout=10)
            db.execute("UPDATE reply_codes SET expires_at=1 WHERE code=?", (code,))
            db.commit()
            db.close()
            r = vigild.api("POST", inbound, {"from": DUNG_PHONE, "text": code + "a"}, token=sms_key)
            h.check_eq((r.status, r.json["error"]["code"]), (410, "code_expired"), f"expired: {r}")
            h.check_eq(alert_view(vigild, a)["alert"]["status"], "triggered", "status")
        run.step("B: an expired reply code is refused (410)", expired_code)

        def links_refused():
            a = state["chi"]
            now = int(time.time())
            expired = signed_link(data_dir, a, "chi", "ack", now - 60)
            r = h.http("POST", vigild.url + "/l/" + expired, b"", {"Content-Type": "text/plain"})
            h.check_eq(r.status, 410, f"expired link: {r}")
            good = signed_link(data_dir, a, "chi", "ack", now + 3600)
            forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
            r = h.http("POST", vigild.url + "/l/" + forged, b"", {"Content-Type": "text/plain"})
            h.check_eq(r.status, 403, f"forged link: {r}")
            h.check_eq(alert_view(vigild, a)["alert"]["status"], "triggered", "status")
        run.step("B: forged and expired answer links are refused", links_refused)

        def telegram_buttons():
            a = trigger(vigild, key, "em-1", "em-host", "Tường lửa phát hiện dò quét")
            h.wait_until(lambda: tg.bodies(lambda p, b: p.endswith("/sendMessage")), 10, "sendMessage")
            path, msg = tg.requests[0]
            h.check_eq(path, "/bot123456:TEST-token/sendMessage", "Bot API path")
            h.check_eq(msg["chat_id"], "555001", "chat id")
            buttons = msg["reply_markup"]["inline_keyboard"][0]
            data = {b["callback_data"].split(":")[0]: b["callback_data"] for b in buttons}
            url = vigild.url + "/api/v1/integrations/telegram/"

            def update(user, chat, cb):
                q = {"id": "cbq-" + h.uid(), "from": {"id": user, "is_bot": False},
                     "message": {"message_id": 1, "chat": {"id": chat, "type": "private"}}}
                if cb is not None:
                    q["data"] = cb
                return {"update_id": 1, "callback_query": q}
            r = h.http("POST", url + "wrong-secret", update(555001, 555001, data["ack"]))
            h.check_eq(r.status, 404, f"wrong secret: {r}")
            r = h.http("POST", url + tg_secret, update(555001, 555001, None))
            h.check_eq((r.status, r.json["error"]["field"]), (400, "callback_query.data"),
                       f"no data: {r}")
            r = h.http("POST", url + tg_secret, update(777, 555001, data["ack"]))
            h.check_eq(r.status, 200, f"someone else: {r}")
            h.check_eq(r.headers.get("X-Vigil-Result"), "wrong_sender", "result header")
            h.check_eq(r.json["method"], "answerCallbackQuery", "reply method")
            h.check_eq(alert_view(vigild, a)["alert"]["status"], "triggered", "status")
            r = h.http("POST", url + tg_secret, update(555001, 555001, data["ack"]))
            h.check_eq(r.status, 200, f"ack: {r}")
            h.check_eq((r.json["method"], r.json["callback_query_id"][:4]),
                       ("answerCallbackQuery", "cbq-"), "answerCallbackQuery")
            h.check(f"#{a}" in r.json["text"], f"answer text: {r.json}")
            al = alert_view(vigild, a)["alert"]
            h.check_eq((al["status"], al["acknowledged_by"]), ("acknowledged", "telegram:em"), "alert")
            r = h.http("POST", url + tg_secret, {"update_id": 2, "message": {"text": "hi"}})
            h.check_eq(r.status, 200, f"other updates are ignored: {r}")
        run.step("B: Telegram buttons: secret, body and presser checked; answerCallbackQuery",
                 telegram_buttons)

        def guessing_refused():
            a = trigger(vigild, key, "giang-1", "giang-host", "Máy chủ phòng GD mất kết nối")
            to_giang = lambda: gw.bodies(lambda p, b: b.get("to") == GIANG_PHONE)  # noqa: E731
            h.wait_until(lambda: any(f"#{a}" in b["text"] for b in to_giang()), 15, "SMS to Giang")
            text = [b["text"] for b in to_giang() if f"#{a}" in b["text"]][0]
            code = re.search(r"Reply (\d{8})a", text).group(1)
            wrong = [str(10_000_000 + (int(code) - 10_000_000 + 7919 * i) % 90_000_000)
                     for i in range(1, 20)]
            answer = lambda phone, c, k=sms_key: vigild.api(  # noqa: E731
                "POST", inbound, {"from": phone, "text": c + "a"}, token=k)
            r = answer(GIANG_PHONE, code, any_key)
            h.check_eq((r.status, r.json["error"]["code"]), (403, "wrong_integration_kind"),
                       f"a key of kind any (the default key) on sms-inbound: {r}")
            # One phone: 3 wrong codes are answered, the 4th is refused, the right one too.
            for c in wrong[:3]:
                r = answer(GIANG_PHONE, c)
                h.check(r.status in (403, 404) and "Retry-After" not in r.headers,
                        f"wrong code {c} within the budget: {r}")
            r = answer(GIANG_PHONE, wrong[3])
            h.check_eq((r.status, r.json["error"]["code"]), (429, "too_many_failures"),
                       f"4th wrong code from one phone: {r}")
            h.check(1 <= int(r.headers.get("Retry-After", "0")) <= 3,
                    f"Retry-After within the 3 s window: {r.headers}")
            r = answer(GIANG_PHONE, code)
            h.check_eq(r.status, 429, f"the right code while refused: {r}")
            h.check_eq(alert_view(vigild, a)["alert"]["status"], "triggered", "status")
            # One key, many phones, each guessing twice: once the key's budget of 8 is spent, a
            # phone that has failed already is refused; a phone that has not is still heard,
            # so a flood from strangers never locks a duty officer's own reply out.
            statuses = [answer(f"+8490999{i // 2:04d}", wrong[4 + i]).status for i in range(12)]
            h.check(429 in statuses, f"no 429 for one key within its budget: {statuses}")
            h.check(all(st in (403, 404) for st in statuses[:statuses.index(429)]),
                    f"before the 429: {statuses}")
            fresh = answer("+84908888888", wrong[17])
            h.check(fresh.status in (403, 404),
                    f"a phone with no failures, while the key's budget is spent: {fresh}")
            # Once the windows pass (a poll with a deadline), the right code still works.
            ok = h.wait_until(lambda: (lambda r: r if r.status != 429 else None)(
                answer(GIANG_PHONE, code)), 15, "the right code after the window", interval=0.1)
            h.check_eq(ok.status, 200, f"the right code after the window: {ok}")
            h.check_eq(alert_view(vigild, a)["alert"]["status"], "acknowledged", "status")
            log = vigild.stderr()
            h.check("guess_limit_reached limiter=sms_sender key=84901000007" in log,
                    f"no guess_limit_reached log line:\n{log[-2000:]}")
            guess_lines = [ln for ln in log.splitlines() if "guess_limit" in ln]
            h.check(not any(code in ln or c in ln or sms_key in ln for ln in guess_lines
                            for c in wrong), f"a code or the key in the log: {guess_lines}")
        run.step("B: guessing reply codes is refused: the default key, then 429 with Retry-After "
                 "per phone and per key; the right code works after the window",
                 guessing_refused)

        def links_and_feeds_refused():
            good = signed_link(data_dir, state["chi"], "chi", "ack", int(time.time()) + 3600)
            got = []
            for i in range(5):
                forged = good[:-6] + f"{i:06d}"
                got.append(h.http("POST", vigild.url + "/l/" + forged, b"",
                                  {"Content-Type": "text/plain"}))
                if got[-1].status == 429:
                    break
            h.check_eq(got[-1].status, 429, f"forged links from one address: {got}")
            h.check(int(got[-1].headers.get("Retry-After", "0")) >= 1, f"Retry-After: {got[-1]}")
            r = h.http("GET", vigild.url + "/l/" + good)
            h.check_eq(r.status, 200, f"a good link is never refused, even from that address: {r}")
            feed = "/api/v1/people/chi/duty.ics?token="
            got = []
            for i in range(5):
                got.append(h.http("GET", vigild.url + feed + f"{i:064x}"))
                if got[-1].status == 429:
                    break
            h.check_eq([g.status for g in got], [401, 401, 401, 401, 429], "wrong feed tokens")
            h.check(int(got[-1].headers.get("Retry-After", "0")) >= 1, f"Retry-After: {got[-1]}")
            # The Telegram webhook secret: one wrong try in the Telegram step, three more here.
            tg_url = vigild.url + "/api/v1/integrations/telegram/"
            got = [h.http("POST", tg_url + f"wrong-secret-{i}", {"update_id": 9}) for i in range(4)]
            h.check_eq([g.status for g in got], [404, 404, 404, 429], "wrong Telegram secrets")
            r = h.http("POST", tg_url + tg_secret, {"update_id": 9})
            h.check_eq(r.status, 200, f"the right secret from a refused address: {r}")
        run.step("B: forged links, wrong feed tokens and Telegram secrets from one address get "
                 "429 with Retry-After; the right ones still work",
                 links_and_feeds_refused)
        run.step("B: SIGTERM exits 0", lambda: h.check_eq(vigild.terminate(), 0, "exit code"))
    finally:
        smtp.stop()
        gw.close()
        tg.close()
        vigild.kill()
        if run.failures:
            print(f"--- vigild B stderr (tail) ---\n{vigild.stderr()[-3000:]}")


# ---------------------------------------------------------------------------------------------
# C. A hung SMTP server does not hold up SIGTERM


def scenario_hung_stop(args, run, tmp):
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(listener.accept()[0])  # and never say a word
            except OSError:
                return
    threading.Thread(target=accept, daemon=True).start()
    key, digest = h.new_key()
    cfg = os.path.join(tmp.path, "c.yaml")
    with open(cfg, "w") as f:
        f.write(h.vigil_config(h.free_port(), [("pd", "events_v2", digest)], f"""
people:
  - {{id: an, name: An, contacts: {{email: an@truong.example.vn}}, notify: [{{via: email, after: 0m}}]}}
policies:
  - {{id: p, levels: [{{timeout: 1h, targets: [{{person: an}}]}}]}}
routes:
  - {{id: all, default: true, policy: p}}
channels:
  email: {{url: "smtp://127.0.0.1:{listener.getsockname()[1]}", starttls: false,
           from: vigil@sgd.example.vn, timeout: 60s}}
"""))
    vigild = h.Vigild(args.vigild, os.path.join(tmp.path, "data-c"), cfg, tmp.path)
    try:
        run.step("C: vigild starts with an SMTP server that accepts and never answers",
                 vigild.start, fatal=True)

        def stop_while_hung():
            trigger(vigild, key, "hung-1", "portal.sgd", "Cổng thông tin lỗi")
            h.wait_until(lambda: accepted, 10, "the e-mail worker connected to the silent server")
            t0 = time.monotonic()
            code = vigild.terminate(timeout=10)
            took = time.monotonic() - t0
            h.check_eq(code, 0, "exit code")
            h.check(took < 5, f"SIGTERM took {took:.1f}s with the e-mail worker stuck")
            h.check("hung_workers=left_running" in vigild.stderr(), "no log of the stuck worker")
            vigild.start()  # the database was closed cleanly: it opens, and the page is due again
            a = vigild.find_alerts("hung-1")[0]["id"]
            h.check_eq(alert_view(vigild, a)["deliveries"][0]["delivered_at"], None, "delivered_at")
            h.check_eq(vigild.terminate(timeout=10), 0, "second exit code")
        run.step("C: SIGTERM exits within seconds while the e-mail worker is stuck", stop_while_hung)
    finally:
        listener.close()
        for c in accepted:
            c.close()
        vigild.kill()


def main():
    args = h.parse_args()
    run = h.Runner("test_delivery")
    tmp = h.TempDir("vigil-e2e-delivery-", keep=args.keep)
    try:
        scenario_smtp_down(args, run, tmp)
        scenario_channels(args, run, tmp)
        scenario_hung_stop(args, run, tmp)
    except AssertionError:
        pass  # a fatal step failed; it is already reported
    tmp.cleanup(failed=bool(run.failures))
    return run.finish()


if __name__ == "__main__":
    sys.exit(main())
