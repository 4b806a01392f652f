#!/usr/bin/env python3
"""End-to-end: the SMS, webhook and Telegram channels talking to real HTTP receivers.

vigil-channel-probe builds one channel from JSON options and delivers one page; Python
http.server receivers (an SMS gateway, a webhook endpoint, a Telegram Bot API stand-in) record
every request, and each step asserts the exact method, path, headers and body, checks the
Vietnamese text is folded for SMS with Python's own Unicode tables, and verifies the webhook
signature with Python's hmac.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import threading
import unicodedata
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_eq  # noqa: E402

PHONE = "+84900000002"
KEY = "vigil-n17"
NOW_MS = 1767225600000  # 2026-01-01T00:00:00Z
TOKEN = "123456:AAH-e2e-secret-token"
GATEWAY_KEY = "gw-key-7f3a9c21e4"

PAGE = {
    "type": "page",
    "alert": {"id": 42, "integration": "portal", "dedup_key": "portal-down",
              "status": "triggered", "severity": "critical",
              "summary": "Mất kết nối cổng thông tin Sở GD&ĐT Đồng Nai",
              "source": "portal.sgd.example.vn", "at": "2025-12-31T23:50:00Z"},
    "level": 1,
    "why": "duty_officer of so",
}


# ---------------------------------------------------------------------------------------------
# Receivers


class Receiver:
    """A ThreadingHTTPServer on 127.0.0.1 that answers every request with (status, body) and
    keeps (method, path, headers, body) for each."""

    def __init__(self, status=200, body=b'{"ok":true}'):
        self.status = status
        self.body = body
        self.requests = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                receiver.requests.append((self.command, self.path, dict(self.headers), data))
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()

    def only(self):
        check_eq(len(self.requests), 1, "requests received")
        return self.requests[0]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------
# The probe


class Probe:
    def __init__(self, binary):
        self.binary = binary

    def run(self, channel, options, to, payload=PAGE):
        """(exit code, rendered message dict, stdout, stderr)."""
        argv = [self.binary, "--channel", channel, "--options", json.dumps(options),
                "--to", to, "--payload", json.dumps(payload, ensure_ascii=False),
                "--key", KEY, "--now", str(NOW_MS), "--render"]
        p = subprocess.run(argv, capture_output=True, timeout=30)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        first = out.splitlines()[0] if out else "{}"
        rendered = json.loads(first) if first.startswith("{") else {}
        return p.returncode, rendered, out, err

    def deliver(self, channel, options, to, payload=PAGE):
        code, rendered, out, err = self.run(channel, options, to, payload)
        check(code == 0, f"probe exited {code}: {err.strip()}")
        check(out.rstrip().endswith("delivered"), f"probe did not say delivered: {out!r}")
        return rendered


def fold(text):
    """Vietnamese without diacritics, from Python's Unicode tables (not Vigil's)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")


def header(headers, name):
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


# ---------------------------------------------------------------------------------------------
# SMS


def sms_json_gateway(probe):
    gw = Receiver(200, b'{"code":"00","message":"queued"}')
    try:
        options = {"url": gw.url + "/api/v2/send?account=sgd-dongnai",
                   "headers": {"Authorization": "Bearer " + GATEWAY_KEY},
                   "body": '{"to":"{{to}}","message":"{{text_json}}","ref":"{{id}}"}'}
        rendered = probe.deliver("sms", options, PHONE)
        method, path, headers, body = gw.only()
        text = fold(rendered["sms"])
        check_eq(method, "POST", "method")
        check_eq(path, "/api/v2/send?account=sgd-dongnai", "path")
        check_eq(header(headers, "Authorization"), "Bearer " + GATEWAY_KEY, "Authorization")
        check_eq(header(headers, "Content-Type"), "application/json", "Content-Type")
        expected = ('{"to":"%s","message":%s,"ref":"%s"}'
                    % (PHONE, json.dumps(text, ensure_ascii=False), KEY)).encode("utf-8")
        check_eq(body, expected, "body")
        check(text.isascii(), f"SMS text not folded to ASCII: {text!r}")
        check("Mat ket noi cong thong tin So GD&DT Dong Nai" in text, f"summary missing: {text!r}")
        check(len(text) <= 160, f"SMS longer than 160 characters: {len(text)}")
    finally:
        gw.close()


def sms_get_gateway(probe):
    gw = Receiver(200, b"OK")
    try:
        options = {"url": gw.url + "/MainService.svc/SendMultipleMessage?ApiKey=" + GATEWAY_KEY
                   + "&Phone={{to_url}}&Content={{text_url}}&RequestId={{id}}",
                   "method": "GET"}
        rendered = probe.deliver("sms", options, PHONE)
        method, path, headers, body = gw.only()
        text = fold(rendered["sms"])
        check_eq(method, "GET", "method")
        check_eq(path, "/MainService.svc/SendMultipleMessage?ApiKey=" + GATEWAY_KEY
                 + "&Phone=%2B84900000002&Content=" + urllib.parse.quote(text, safe="")
                 + "&RequestId=" + KEY, "path")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        check_eq(query["Content"], [text], "decoded Content")
        check_eq(query["Phone"], [PHONE], "decoded Phone")
        check_eq(body, b"", "body")
    finally:
        gw.close()


def sms_long_text_is_cut(probe):
    gw = Receiver()
    try:
        page = json.loads(json.dumps(PAGE))
        page["alert"]["summary"] = "Máy chủ thi trực tuyến " * 20
        options = {"url": gw.url + "/send", "body": "to={{to_url}}&text={{text_url}}",
                   "max_chars": 70, "fold_diacritics": False}
        probe.deliver("sms", options, PHONE, page)
        _, _, headers, body = gw.only()
        check_eq(header(headers, "Content-Type"), "application/x-www-form-urlencoded",
                 "Content-Type")
        text = urllib.parse.parse_qs(body.decode("ascii"))["text"][0]
        check(len(text) <= 70, f"{len(text)} characters sent, max_chars 70")
        check(text.endswith("..."), f"a cut SMS should end with ...: {text!r}")
        check("Máy chủ" in text, f"diacritics should stay with fold_diacritics false: {text!r}")
    finally:
        gw.close()


def sms_gateway_500(probe):
    gw = Receiver(500, ('{"error":"quota exceeded for key ' + GATEWAY_KEY + '"}').encode())
    try:
        options = {"url": gw.url + "/send", "headers": {"X-Api-Key": GATEWAY_KEY},
                   "body": "{{text}}"}
        code, _, out, err = probe.run("sms", options, PHONE)
        check_eq(code, 1, "probe exit code")
        check("answered 500" in err, f"the status should be in the error: {err!r}")
        check("quota exceeded" in err, f"the start of the answer should be in the error: {err!r}")
        check(GATEWAY_KEY not in err + out, f"the gateway key leaked: {err!r}")
        check_eq(len(gw.requests), 1, "requests received")
    finally:
        gw.close()


# ---------------------------------------------------------------------------------------------
# Webhook


def webhook_signed(probe):
    rx = Receiver(204, b"")
    secret = "wh-e2e-secret-51c0"
    try:
        rendered = probe.deliver("webhook", {"secret": secret}, rx.url + "/hooks/vigil?unit=so")
        method, path, headers, body = rx.only()
        check_eq(method, "POST", "method")
        check_eq(path, "/hooks/vigil?unit=so", "path")
        check_eq(header(headers, "Content-Type"), "application/json", "Content-Type")
        check_eq(header(headers, "X-Vigil-Idempotency-Key"), KEY, "X-Vigil-Idempotency-Key")
        check_eq(header(headers, "X-Vigil-Timestamp"), str(NOW_MS // 1000), "X-Vigil-Timestamp")
        want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        check(hmac.compare_digest(header(headers, "X-Vigil-Signature") or "", want),
              f"signature {header(headers, 'X-Vigil-Signature')!r} != {want!r}")
        expected = dict(PAGE, idempotency_key=KEY,
                        message={"subject": rendered["subject"], "text": rendered["text"]})
        check_eq(json.loads(body), expected, "body")
    finally:
        rx.close()


def webhook_slack_preset(probe):
    for preset in ("slack", "mattermost"):
        rx = Receiver(200, b"ok")
        try:
            rendered = probe.deliver("webhook", {"preset": preset},
                                     rx.url + "/services/T000/B000/XXXX")
            method, path, _, body = rx.only()
            check_eq(method, "POST", f"{preset} method")
            check_eq(path, "/services/T000/B000/XXXX", f"{preset} path")
            check_eq(json.loads(body), {"text": rendered["subject"] + "\n" + rendered["text"]},
                     f"{preset} body")
        finally:
            rx.close()


def webhook_500(probe):
    rx = Receiver(500, b'{"error":"database down"}')
    try:
        code, _, _, err = probe.run("webhook", {"preset": "slack"},
                                    rx.url + "/services/T000/B000/XXXXSECRET")
        check_eq(code, 1, "probe exit code")
        check("answered 500" in err, f"the status should be in the error: {err!r}")
        check("XXXXSECRET" not in err, f"the webhook path (a credential) leaked: {err!r}")
    finally:
        rx.close()


# ---------------------------------------------------------------------------------------------
# Telegram


def telegram_send_message(probe):
    api = Receiver(200, b'{"ok":true,"result":{"message_id":7}}')
    try:
        for lang, labels in (("vi", ["Xác nhận", "Leo thang", "Đóng"]),
                             ("en", ["Acknowledge", "Escalate", "Resolve"])):
            api.requests.clear()
            rendered = probe.deliver("telegram", {"api_base": api.url, "bot_token": TOKEN,
                                                  "lang": lang}, "-1001234567890")
            method, path, headers, body = api.only()
            check_eq(method, "POST", "method")
            check_eq(path, f"/bot{TOKEN}/sendMessage", "path")
            check_eq(header(headers, "Content-Type"), "application/json", "Content-Type")
            buttons = [{"text": label, "callback_data": f"{action}:42:{KEY}"}
                       for label, action in zip(labels, ("ack", "esc", "res"))]
            check_eq(json.loads(body), {"chat_id": "-1001234567890", "text": rendered["text"],
                                        "reply_markup": {"inline_keyboard": [buttons]}},
                     f"body ({lang})")
    finally:
        api.close()


def telegram_not_ok(probe):
    api = Receiver(400, b'{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}')
    try:
        code, _, out, err = probe.run("telegram", {"api_base": api.url, "bot_token": TOKEN}, "42")
        check_eq(code, 1, "probe exit code")
        check("Bad Request: chat not found" in err, f"the description should be shown: {err!r}")
        check(TOKEN not in err + out and "AAH-e2e" not in err + out, f"the token leaked: {err!r}")
    finally:
        api.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--probe", required=True)
    args = p.parse_args()
    check(os.access(args.probe, os.X_OK), f"probe not executable: {args.probe}")
    probe = Probe(os.path.abspath(args.probe))
    r = harness.Runner("test_channels")
    r.step("SMS gateway gets the page folded to ASCII in its JSON body", sms_json_gateway, probe)
    r.step("GET SMS gateway gets the text percent-encoded in its query", sms_get_gateway, probe)
    r.step("a long SMS is cut to max_chars and keeps diacritics when folding is off",
           sms_long_text_is_cut, probe)
    r.step("an SMS gateway answering 500 fails the probe with the status, no key",
           sms_gateway_500, probe)
    r.step("a webhook gets the page with a signature Python's hmac verifies",
           webhook_signed, probe)
    r.step("the Slack and Mattermost presets send an incoming-webhook text",
           webhook_slack_preset, probe)
    r.step("a webhook answering 500 fails the probe without the URL's path", webhook_500, probe)
    r.step("Telegram gets sendMessage with the three buttons in Vietnamese and English",
           telegram_send_message, probe)
    r.step("Telegram's ok:false fails the probe with the description, never the token",
           telegram_not_ok, probe)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
