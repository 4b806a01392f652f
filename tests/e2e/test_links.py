#!/usr/bin/env python3
"""Answer links, end to end: a routed alert pages a person by SMS through a real HTTP gateway;
the SMS carries a signed link; GET on it shows a confirm page and changes nothing, POST
acknowledges as that person, a second POST is refused, a forged link is refused."""
import http.server
import json
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PUBLIC = "https://vigil.so-gddt.example"  # what a proxy in front would be


class Gateway:
    """An SMS gateway on 127.0.0.1 that records every request."""

    def __init__(self):
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok":true}')

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def main():
    args = h.parse_args()
    run = h.Runner("test_links")
    tmp = h.TempDir("vigil-e2e-links-")
    gw = Gateway()
    key, digest = h.new_key()
    cfg = os.path.join(tmp.path, "vigil.yaml")
    with open(cfg, "w") as f:
        f.write(h.vigil_config(h.free_port(), [("pd", "events_v2", digest)], f"""
public_url: {PUBLIC}
people:
  - {{id: an, name: Nguyễn Văn An, contacts: {{sms: "+84901234567"}}, notify: [{{via: sms, after: 0m}}]}}
policies:
  - {{id: p, levels: [{{timeout: 1h, targets: [{{person: an}}]}}]}}
routes:
  - {{id: all, default: true, policy: p}}
channels:
  sms:
    url: http://127.0.0.1:{gw.port}/send
    body: '{{"to":"{{{{to}}}}","text":"{{{{text_json}}}}"}}'
"""))
    vigild = h.Vigild(args.vigild, os.path.join(tmp.path, "data"), cfg, tmp.path)
    state = {}
    try:
        run.step("vigild starts with an SMS gateway", vigild.start, fatal=True)

        def sms_with_link():
            r = vigild.trigger(key, "links-1", summary="Tấn công DDoS vào cổng thông tin Sở")
            h.check_eq(r.status, 202, f"trigger: {r}")
            h.wait_until(lambda: gw.requests, 10, "the SMS at the gateway")
            path, body = gw.requests[0]
            h.check_eq(path, "/send", "gateway path")
            h.check_eq(body["to"], "+84901234567", "SMS recipient")
            text = body["text"]
            h.check(len(text) <= 160, f"SMS longer than 160 characters ({len(text)}): {text}")
            h.check("Tan cong DDoS" in text, f"Vietnamese not folded to GSM-7: {text}")
            m = re.search(re.escape(PUBLIC) + r"/l/([A-Za-z0-9_\-.]+)", text)
            h.check(m, f"no answer link in the SMS: {text}")
            state["token"] = m.group(1)
            state["alert"] = vigild.find_alerts("links-1")[0]["id"]
            print(f"      SMS ({len(text)} chars): {text}")
        run.step("the page goes out by SMS with a signed link, within 160 characters",
                 sms_with_link, fatal=True)

        def link_url(token):
            return vigild.url + "/l/" + token

        def get_changes_nothing():
            r = h.http("GET", link_url(state["token"]))
            h.check_eq(r.status, 200, f"GET link: {r}")
            page = r.raw.decode()
            h.check('method="post"' in page, "the confirm page has no POST form")
            h.check("Nguyễn" in page or "an" in page, "the confirm page does not name the person")
            a = vigild.api("GET", f"/api/v1/alerts/{state['alert']}").json["alert"]
            h.check_eq(a["status"], "triggered", "status after a GET (link previewers)")
        run.step("GET shows a confirm page and changes nothing", get_changes_nothing)

        def post_acks_once():
            r = h.http("POST", link_url(state["token"]), b"confirm=1",
                       {"Content-Type": "application/x-www-form-urlencoded"})
            h.check_eq(r.status, 200, f"POST link: {r}")
            a = vigild.api("GET", f"/api/v1/alerts/{state['alert']}").json["alert"]
            h.check_eq(a["status"], "acknowledged", "status after POST")
            h.check_eq(a["acknowledged_by"], "link:an", "acknowledged by")
            again = h.http("POST", link_url(state["token"]), b"confirm=1",
                           {"Content-Type": "application/x-www-form-urlencoded"})
            h.check_eq(again.status, 409, f"second POST: {again}")
        run.step("POST acknowledges as the person it was sent to, once", post_acks_once)

        def forged_refused():
            t = state["token"]
            forged = t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB")
            r = h.http("POST", link_url(forged), b"", {"Content-Type": "text/plain"})
            h.check_eq(r.status, 403, f"forged link: {r}")
            other = t.replace(t.split(".")[0], str(int(t.split(".")[0]) + 1), 1)
            r = h.http("GET", link_url(other))
            h.check_eq(r.status, 403, f"link for another alert id: {r}")
        run.step("a forged or altered link is refused", forged_refused)
        run.step("SIGTERM exits 0", lambda: h.check_eq(vigild.terminate(), 0, "exit code"))
    finally:
        gw.close()
    return h.teardown(run, tmp, vigild)


if __name__ == "__main__":
    sys.exit(main())
