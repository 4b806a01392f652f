#!/usr/bin/env python3
"""On-call duty end to end: who is on duty, routing and paging, check-ins, calendar feeds, gaps.

vigild runs on a config the test writes with times relative to the real clock: a holiday roster
shift from now-1h to now+8h (duty officer An, duty leader Bình, backup Chi) over a rotation
layer (Dũng / Giang) that covers every other time, except a 3-hour "remove" override two days
ahead, which is the gap /oncall/gaps must find. A heightened holiday period covers now, so the
network route uses its strict policy.

Escalation timeouts are tested on a fake clock in the unit tests; here nothing waits for a timer:
every wait polls a condition with a deadline, and "the leader was not paged first" is checked
by a later probe page that travels the same path after it.
"""
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

VN = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh: no daylight saving since 1975
EXAMPLE = os.path.join(h.REPO, "config", "examples", "so-gddt.yaml")
SCHEDULE = "truc-e2e"
ROSTER = "Lịch trực lễ e2e"
LAYER = "Cán bộ trực tuần"


class T:
    args = None
    tmp = None
    vigild = None
    key = None
    console_port = None
    times = {}          # name -> (local text, UTC RFC 3339 as vigild prints it)
    sub_an = None       # page.an + checkin.
    sub_binh = None     # page.binh
    main_alert = None   # the alert routed to the schedule
    watch = None


def local(dt):
    """A datetime as the config writes it: local wall time to the minute."""
    return dt.astimezone(VN).strftime("%Y-%m-%dT%H:%M")


def instant(local_text):
    """The RFC 3339 text vigild prints for a local wall time."""
    dt = datetime.strptime(local_text, "%Y-%m-%dT%H:%M").replace(tzinfo=VN)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def define_times():
    now = datetime.now(timezone.utc)
    for name, delta in {
        "layer_start": -timedelta(days=10),
        "holiday_start": -timedelta(days=1),
        "holiday_end": timedelta(days=1),
        "roster_start": -timedelta(hours=1),
        "roster_end": timedelta(hours=8),
        "gap_start": timedelta(days=2),
        "gap_end": timedelta(days=2, hours=3),
        "after_roster": timedelta(hours=11),
    }.items():
        text = local(now + delta)
        T.times[name] = (text, instant(text))


def oncall_config(extra=""):
    t = {k: v[0] for k, v in T.times.items()}
    _, digest = T.key
    return h.vigil_config(T.console_port, [("e2e", "any", digest)]) + f"""
time_zone: Asia/Ho_Chi_Minh
people:
  - {{id: an, name: Nguyễn Văn An, unit: so}}
  - {{id: binh, name: Trần Thị Bình, unit: so}}
  - {{id: chi, name: Lê Thị Chi, unit: so}}
  - {{id: dung, name: Phạm Văn Dũng, unit: so}}
  - {{id: giang, name: Hoàng Thu Giang, unit: so}}
  - {{id: khoa, name: Vũ Minh Khoa, unit: so}}
units:
  - {{id: so, name: Sở GD&ĐT e2e}}
contact_points:
  - {{id: vnpt-noc, name: Trung tâm Điều hành mạng VNPT, phone: "18001091"}}
schedules:
  - id: {SCHEDULE}
    name: Trực ATTT e2e
    unit: so
    layers:
      - {{name: {LAYER}, role: duty_officer, members: [dung], start: "{t['layer_start']}", shift: 1w}}
      - {{name: Lãnh đạo trực, role: duty_leader, members: [giang], start: "{t['layer_start']}", shift: 1w}}
      - {{name: Dự phòng, role: backup, members: [khoa], start: "{t['layer_start']}", shift: 1w}}
    overrides:
      - {{kind: remove, role: duty_officer, person: dung, start: "{t['gap_start']}", end: "{t['gap_end']}", reason: Nghỉ phép}}
holidays:
  - {{name: Đợt trực tăng cường e2e, start: "{t['holiday_start']}", end: "{t['holiday_end']}", heightened: true}}
holiday_rosters:
  - name: {ROSTER}
    schedule: {SCHEDULE}
    shifts:
      - {{start: "{t['roster_start']}", end: "{t['roster_end']}", duty_officer: an, duty_leader: binh, backup: chi}}
policies:
  - id: tieu-chuan
    ack_timeout: 30m
    levels:
      - {{timeout: 5m, targets: [{{role: duty_officer}}]}}
      - {{timeout: 10m, targets: [{{role: duty_leader}}]}}
      - {{timeout: 15m, targets: [{{contact_point: vnpt-noc}}]}}
  - id: nghiem-ngat
    levels:
      - {{timeout: 2m, targets: [{{role: duty_officer}}]}}
      - {{timeout: 5m, targets: [{{role: duty_leader}}]}}
  - id: tham-do
    levels:
      - {{timeout: 1h, targets: [{{person: an}}, {{person: binh}}]}}
routes:
  - {{id: tham-do, match: {{source: ["probe-*"]}}, policy: tham-do}}
  - {{id: mang, match: {{source: ["net-*"]}}, schedule: {SCHEDULE}, policy: tieu-chuan, heightened_policy: nghiem-ngat}}
  - {{id: mac-dinh, default: true, schedule: {SCHEDULE}, policy: tieu-chuan}}
checkin:
  within: 2h
""" + extra


def ctl(*argv, lang=None, timeout=20):
    cmd = [T.args.vigilctl, "--data-dir", T.vigild.data_dir]
    if lang:
        cmd += ["--lang", lang]
    return subprocess.run(cmd + list(argv), capture_output=True, text=True, timeout=timeout)


def get(path, status=200, **kw):
    r = T.vigild.api("GET", path, **kw)
    h.check_eq(r.status, status, f"GET {path}: {r}")
    return r


def err(r):
    return ((r.json or {}).get("error") or {})


def trigger(dedup_key, source, summary="e2e"):
    r = T.vigild.trigger(T.key[0], dedup_key, summary=summary, source=source)
    h.check_eq(r.status, 202, f"trigger {dedup_key}: {r}")


def probe(dedup_key):
    trigger(dedup_key, "probe-e2e", "probe")


def alert_id(dedup_key):
    found = h.wait_until(lambda: T.vigild.find_alerts(dedup_key), 10, f"alert {dedup_key}")
    return found[0]["id"]


def roles_of(schedule):
    return {d["role"]: d for d in schedule["on_duty"]}


# ---------------------------------------------------------------------------------------------
# Steps


def start():
    T.vigild.start()


def example_config_ok():
    p = subprocess.run([T.args.vigild, "--check-config", EXAMPLE], capture_output=True,
                       text=True, timeout=20)
    h.check_eq(p.returncode, 0, f"--check-config {EXAMPLE} (output {p.stdout + p.stderr!r})")


def roster_takes_precedence():
    body = get("/api/v1/oncall").json
    h.check_eq(body["time_zone"], "Asia/Ho_Chi_Minh", "time_zone")
    holiday = body["holiday"]
    h.check(holiday and holiday["heightened"] and holiday["name"] == "Đợt trực tăng cường e2e",
            f"holiday in force: {holiday}")
    h.check_eq([s["id"] for s in body["schedules"]], [SCHEDULE], "schedules")
    on = roles_of(body["schedules"][0])
    expected = {"duty_officer": "an", "duty_leader": "binh", "backup": "chi"}
    for role, person in expected.items():
        d = on.get(role)
        h.check(d is not None, f"nobody in {role}: {body}")
        h.check_eq(d["person"]["id"], person, f"{role} now")
        h.check_eq(d["source_kind"], "roster", f"{role} source_kind")
        h.check_eq(d["source"], ROSTER, f"{role} source")
        h.check_eq(d["from"], T.times["roster_start"][1], f"{role} from")
        h.check_eq(d["until"], T.times["roster_end"][1], f"{role} until")
    h.check_eq(on["duty_officer"]["person"]["name"], "Nguyễn Văn An", "officer name")

    # After the roster shift the rotation layer shows through.
    later = get("/api/v1/oncall?at=" + T.times["after_roster"][0]).json
    d = roles_of(later["schedules"][0])["duty_officer"]
    h.check_eq((d["person"]["id"], d["source_kind"], d["source"]), ("dung", "layer", LAYER),
               "duty officer after the roster shift")
    rfc = urlquote(T.times["after_roster"][1])
    h.check_eq(get("/api/v1/oncall?at=" + rfc).json["at"], T.times["after_roster"][1],
               "at= as RFC 3339")
    for bad in ("yesterday", "2026-13-01T08:00", ""):
        r = T.vigild.api("GET", "/api/v1/oncall?at=" + urlquote(bad))
        h.check(r.status == 400 and err(r).get("field") == "at", f"at={bad!r}: {r}")
    r = T.vigild.api("GET", "/api/v1/oncall?schedule=nope")
    h.check(r.status == 404 and err(r).get("field") == "schedule", f"schedule=nope: {r}")
    h.check_eq(T.vigild.api("GET", "/api/v1/oncall", token=False).status, 401, "no admin token")


def urlquote(s):
    from urllib.parse import quote
    return quote(s, safe="")


def vigilctl_oncall():
    api = get("/api/v1/oncall").json
    p = ctl("--json", "oncall")
    h.check_eq(p.returncode, 0, f"vigilctl --json oncall ({p.stderr!r})")
    cli = json.loads(p.stdout)
    strip = lambda b: [(s["id"], sorted((d["role"], d["person"]["id"], d["source_kind"],
                                         d["source"], d["until"]) for d in s["on_duty"]))
                       for s in b["schedules"]]
    h.check_eq(strip(cli), strip(api), "vigilctl oncall --json vs the API")
    h.check_eq(cli["holiday"], api["holiday"], "holiday")

    p = ctl("oncall")
    h.check_eq(p.returncode, 0, f"vigilctl oncall ({p.stderr!r})")
    for text in ("Nguyễn Văn An (an)", "cán bộ trực", "lãnh đạo trực", "dự phòng",
                 f"lịch trực lễ: {ROSTER}", "Đợt trực tăng cường e2e",
                 T.times["roster_end"][0].replace("T", " ")):
        h.check(text in p.stdout, f"{text!r} not in vigilctl oncall:\n{p.stdout}")
    p = ctl("oncall", "--at", T.times["after_roster"][0], lang="en")
    h.check(p.returncode == 0 and f"layer: {LAYER}" in p.stdout and "duty officer" in p.stdout,
            f"vigilctl --lang en oncall --at: rc {p.returncode}\n{p.stdout}{p.stderr}")
    p = ctl("oncall", "--at", "tomorrow-ish")
    h.check(p.returncode == 1 and "--at" in p.stderr, f"bad --at: rc {p.returncode} {p.stderr!r}")


def subscribe():
    T.sub_an = h.Subscriber(T.vigild.console, topics=("page.an", "checkin."))
    T.sub_binh = h.Subscriber(T.vigild.console, topics=("page.binh",))
    T.sub_an.sync(probe)
    T.sub_binh.sync(probe)


def officer_paged_first():
    dk = h.uid("ddos-")
    trigger(dk, "net-core-01", "DDoS vào cổng thông tin")
    topic, msg = T.sub_an.wait_for(
        lambda t, m: m.get("type") == "page" and m.get("alert", {}).get("dedup_key") == dk, 15,
        "the page for the routed alert on page.an")
    h.check_eq(topic, "page.an", "topic")
    h.check_eq(msg.get("level"), 1, "level of the officer's page")
    h.check("duty_officer" in msg.get("why", "") and ROSTER in msg.get("why", ""),
            f"why: {msg.get('why')!r}")
    T.main_alert = msg["alert"]["id"]

    # A later probe pages Bình along the same path (engine -> console worker -> publisher):
    # once it has arrived, a level-1 page to Bình for the alert would have arrived before it.
    later = h.uid("probe-after-")
    probe(later)
    T.sub_binh.wait_for(lambda t, m: m.get("alert", {}).get("dedup_key") == later, 15,
                        "the later probe on page.binh")
    early = [m for t, m in T.sub_binh.messages if m.get("alert", {}).get("dedup_key") == dk]
    h.check_eq(early, [], "pages to the duty leader before the probe")

    events = get(f"/api/v1/alerts/{T.main_alert}").json["events"]
    routed = [e for e in events if e["kind"] == "routed"]
    h.check(routed, f"no routed event: {[e['kind'] for e in events]}")
    h.check_eq((routed[0]["detail"]["route"], routed[0]["detail"]["policy"],
                routed[0]["detail"]["heightened"]), ("mang", "nghiem-ngat", True),
               "route and heightened policy")


def watch_as_officer():
    out = os.path.join(T.tmp.path, "watch.out")
    errf = os.path.join(T.tmp.path, "watch.err")
    T.watch = h.spawn([T.args.vigilctl, "--data-dir", T.vigild.data_dir, "--json", "watch",
                       "--as", "an", "--count", "1", "--no-backlog"], out, errf)
    sent = h.trigger_until_printed(
        T.watch, out, lambda dk: trigger(dk, "net-edge-02", "Theo dõi với tư cách An"))
    try:
        rc = T.watch.wait(timeout=10)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"vigilctl watch --as an --count 1 did not exit after "
                             f"{len(sent)} triggers")
    finally:
        for dk in sent:  # no later levels while the other steps run
            for a in T.vigild.find_alerts(dk):
                T.vigild.api("POST", f"/api/v1/alerts/{a['id']}/resolve", {"by": "e2e"})
    with open(out) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    with open(errf) as f:
        errors = f.read()
    h.check_eq(rc, 0, f"watch exit code (stderr {errors!r})")
    h.check_eq(len(lines), 1, f"lines printed by watch --count 1: {lines!r}")
    msg = json.loads(lines[0])
    h.check_eq(msg["topic"], "page.an", f"watch topic ({lines[0]})")
    h.check_eq(msg["message"].get("type"), "page", "type")
    h.check_eq(msg["message"].get("level"), 1, "level")
    h.check(msg["message"]["alert"]["dedup_key"] in sent, f"an alert we did not send: {msg}")

    p = ctl("watch", "--as", "ghost", "--count", "1")
    h.check(p.returncode == 1 and "ghost" in p.stderr, f"watch --as ghost: {p.returncode} {p.stderr!r}")


def ack_stops_escalation():
    r = T.vigild.api("POST", f"/api/v1/alerts/{T.main_alert}/ack", {"by": "an"})
    h.check_eq(r.status, 200, f"ack: {r}")
    body = get(f"/api/v1/alerts/{T.main_alert}").json
    kinds = [e["kind"] for e in body["events"]]
    order = [k for k in kinds if k in ("routed", "escalated", "acknowledged")]
    h.check_eq(order, ["routed", "escalated", "acknowledged"], f"event kinds {kinds}")
    escalated = [e for e in body["events"] if e["kind"] == "escalated"]
    h.check_eq(escalated[0]["detail"]["level"], 1, "the only level paged")
    h.check_eq(body["alert"]["status"], "acknowledged", "status")


def checkins():
    r = T.vigild.api("POST", "/api/v1/checkins", {"person": "an", "via": "api"})
    h.check_eq(r.status, 200, f"check-in of the duty officer: {r}")
    rows = r.json["checked_in"]
    h.check_eq(len(rows), 1, f"rows checked in: {rows}")
    h.check_eq((rows[0]["schedule"], rows[0]["person"], rows[0]["shift_start"],
                rows[0]["shift_end"]),
               (SCHEDULE, "an", T.times["roster_start"][1], T.times["roster_end"][1]), "row")
    h.check(rows[0]["checked_in_at"], f"checked_in_at: {rows[0]}")
    T.sub_an.wait_for(lambda t, m: t == "checkin.confirmed" and m.get("person") == "an", 10,
                      "checkin.confirmed on the bus")

    r = T.vigild.api("POST", "/api/v1/checkins", {"person": "khoa"})
    h.check(r.status == 404 and err(r).get("code") == "no_shift", f"off duty: {r}")
    r = T.vigild.api("POST", "/api/v1/checkins", {"person": "ghost"})
    h.check(r.status == 400 and err(r).get("field") == "person", f"unknown person: {r}")
    r = T.vigild.api("POST", "/api/v1/checkins", {})
    h.check(r.status == 400 and err(r).get("field") == "person", f"no person: {r}")
    r = T.vigild.api("POST", "/api/v1/checkins", {"person": "an"}, token=False)
    h.check_eq(r.status, 401, f"no admin token: {r}")

    board = get("/api/v1/checkins").json["checkins"]
    mine = [c for c in board if c["person"] == "an"]
    h.check(len(mine) == 1 and mine[0]["state"] == "checked_in"
            and mine[0]["checked_in_via"] == "api", f"board: {board}")

    p = ctl("checkin", "khoa")
    h.check(p.returncode == 1 and "không có ca trực lễ nào" in p.stderr.lower(),
            f"vigilctl checkin khoa: rc {p.returncode} {p.stderr!r}")
    p = ctl("checkins")
    h.check(p.returncode == 0 and "đã có mặt" in p.stdout and "Nguyễn Văn An" in p.stdout,
            f"vigilctl checkins: rc {p.returncode}\n{p.stdout}{p.stderr}")


def duty_calendar():
    url = get("/api/v1/people/an/feed").json["url"]
    h.check(url.startswith(T.vigild.url + "/api/v1/people/an/duty.ics?token="), f"url {url}")
    r = h.http("GET", url)
    h.check_eq(r.status, 200, f"duty.ics: {r}")
    h.check(r.headers.get("Content-Type", "").startswith("text/calendar"),
            f"Content-Type {r.headers.get('Content-Type')!r}")
    text = r.raw.decode("utf-8").replace("\r\n ", "").replace("\r\n", "\n")
    events = text.split("BEGIN:VEVENT")[1:]
    h.check(text.startswith("BEGIN:VCALENDAR") and len(events) >= 1, f"calendar:\n{text}")
    roster = [e for e in events if "DTSTART:" + compact(T.times["roster_start"][1]) in e]
    h.check(roster, f"no VEVENT starting at the roster shift:\n{text}")
    h.check_eq(h.http("GET", url).raw, r.raw, "the feed is stable from request to request")

    token = url.split("token=")[1]
    for bad in ("", "?token=" + "0" * 64, "?token=" + token[:-1]):
        r = h.http("GET", T.vigild.url + "/api/v1/people/an/duty.ics" + bad)
        h.check(r.status == 401 and err(r).get("field") == "token", f"token {bad!r}: {r}")
    r = h.http("GET", T.vigild.url + "/api/v1/people/binh/duty.ics?token=" + token)
    h.check_eq(r.status, 401, f"An's token on Bình's feed: {r}")
    ghost = hmac.new(T.vigild.token.encode(), b"duty.ics:ghost", hashlib.sha256).hexdigest()
    r = h.http("GET", T.vigild.url + "/api/v1/people/ghost/duty.ics?token=" + ghost)
    h.check_eq(r.status, 404, f"unknown person with a valid token: {r}")
    h.check_eq(T.vigild.api("GET", "/api/v1/people/an/feed", token=False).status, 401,
               "feed URL without the admin token")

    p = ctl("oncall", "feed", "an")
    h.check(p.returncode == 0 and url in p.stdout, f"vigilctl oncall feed an:\n{p.stdout}{p.stderr}")


def compact(rfc):
    """2026-04-30T01:00:00.000Z -> 20260430T010000Z"""
    return rfc[:19].replace("-", "").replace(":", "") + "Z"


def gaps():
    body = get("/api/v1/oncall/gaps").json
    h.check_eq(body["role"], "duty_officer", "default role")
    h.check_eq([(g["schedule"], g["start"], g["end"], g["minutes"]) for g in body["gaps"]],
               [(SCHEDULE, T.times["gap_start"][1], T.times["gap_end"][1], 180)], "gaps")
    h.check_eq(get("/api/v1/oncall/gaps?role=duty_leader&days=366").json["gaps"], [],
               "duty leader gaps")
    h.check_eq(get("/api/v1/oncall/gaps?days=1").json["gaps"], [], "gaps in the next day")
    for q, field in (("days=0", "days"), ("days=367", "days"), ("days=x", "days"),
                     ("role=boss", "role"), ("from=someday", "from")):
        r = T.vigild.api("GET", "/api/v1/oncall/gaps?" + q)
        h.check(r.status == 400 and err(r).get("field") == field, f"{q}: {r}")

    p = ctl("oncall", "gaps")
    h.check(p.returncode == 0 and T.times["gap_start"][0].replace("T", " ") in p.stdout,
            f"vigilctl oncall gaps:\n{p.stdout}{p.stderr}")
    p = ctl("oncall", "gaps", "--role", "duty_leader")
    h.check(p.returncode == 0 and "Không có khoảng trống" in p.stdout,
            f"vigilctl oncall gaps --role duty_leader:\n{p.stdout}{p.stderr}")


def setup_views():
    people = get("/api/v1/people").json["people"]
    h.check_eq([p["id"] for p in people], ["an", "binh", "chi", "dung", "giang", "khoa"], "people")
    h.check_eq(people[0]["notify"], [{"via": "console", "after_minutes": 0}], "default notify")
    h.check_eq(get("/api/v1/units").json["units"][0]["id"], "so", "units")
    h.check_eq(get("/api/v1/contact_points").json["contact_points"][0]["phone"], "18001091",
               "contact points")
    policies = {p["id"]: p for p in get("/api/v1/policies").json["policies"]}
    h.check_eq(sorted(policies), ["nghiem-ngat", "tham-do", "tieu-chuan"], "policies")
    h.check_eq([l["timeout_minutes"] for l in policies["tieu-chuan"]["levels"]], [5, 10, 15],
               "level timeouts")
    routes = get("/api/v1/routes").json["routes"]
    h.check_eq([(r["id"], r["default"]) for r in routes],
               [("tham-do", False), ("mang", False), ("mac-dinh", True)], "routes")
    p = ctl("people")
    h.check(p.returncode == 0 and "Hoàng Thu Giang" in p.stdout, f"vigilctl people:\n{p.stdout}")


def check_config_lists_each_mistake():
    path = os.path.join(T.tmp.path, "bad-oncall.yaml")
    lines = [
        "people:",
        "  - {id: an, name: An}",
        "  - {id: binh, name: Bình}",
        "schedules:",
        "  - id: so",
        "    layers:",
        "      - {members: [an], start: \"2026-01-05T08:00\", shift: 1w}",
        "holiday_rosters:",
        "  - name: Lễ 30/4",
        "    schedule: so",
        "    shifts:",
        "      - {start: \"2026-04-30T07:00\", end: \"2026-04-30T19:00\", duty_officer: an}",
        "      - {start: \"2026-04-30T18:00\", end: \"2026-05-01T07:00\", duty_officer: binh}",
        "      - {start: \"2026-05-01T07:00\", end: \"2026-05-01T19:00\", duty_officer: ghost}",
        "policies:",
        "  - id: rong",
        "    levels: []",
        "routes:",
        "  - {id: r, default: true, schedule: so, policy: rong}",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    line = lambda marker: next(i + 1 for i, l in enumerate(lines) if marker in l)
    p = subprocess.run([T.args.vigild, "--check-config", path], capture_output=True, text=True,
                       timeout=20)
    out = p.stdout + p.stderr
    h.check(p.returncode != 0, f"--check-config accepted a broken file:\n{out}")
    expected = [
        (line("ghost"), "unknown person ghost"),
        (line("duty_officer: binh"), "overlaps the one at line " + str(line("duty_officer: an}"))),
        (line("id: rong"), "policy rong has no levels"),
    ]
    missing = [f"{path}:{n}: ...{text}" for n, text in expected
               if not any(l.startswith(f"{path}:{n}:") and text in l for l in out.splitlines())]
    h.check(not missing, "missing lines:\n      " + "\n      ".join(missing) + f"\noutput:\n{out}")


def stop():
    h.check_eq(T.vigild.terminate(), 0, "exit code after SIGTERM")


def main():
    T.args = h.parse_args()
    T.tmp = h.TempDir("vigil-e2e-oncall-", keep=T.args.keep)
    run = h.Runner("test_oncall")
    try:
        T.console_port = h.free_port()
        T.key = h.new_key()
        define_times()
        cfg = os.path.join(T.tmp.path, "vigil.yaml")
        with open(cfg, "w") as f:
            f.write(oncall_config())
        T.vigild = h.Vigild(T.args.vigild, os.path.join(T.tmp.path, "data"), cfg, T.tmp.path)
        run.step("vigild starts on the on-call config", start, fatal=True)
        run.step("--check-config config/examples/so-gddt.yaml exits 0", example_config_ok)
        run.step("the holiday roster takes precedence over the rotation layer",
                 roster_takes_precedence)
        run.step("vigilctl oncall agrees with the API and says why", vigilctl_oncall)
        run.step("subscribers on page.an and page.binh are connected", subscribe, fatal=True)
        run.step("a routed alert pages the duty officer at level 1, not the leader first",
                 officer_paged_first)
        run.step("vigilctl watch --as an --count 1 --json prints the officer's page",
                 watch_as_officer)
        run.step("acknowledging stops the escalation at level 1", ack_stops_escalation)
        run.step("check-in: the duty officer 200, someone off duty 404, unknown 400", checkins)
        run.step("duty.ics with the feed token is a calendar; a wrong token is 401",
                 duty_calendar)
        run.step("oncall/gaps finds the hole the override leaves", gaps)
        run.step("people, units, contact points, policies and routes are readable",
                 setup_views)
        run.step("--check-config lists an unknown person, overlapping shifts and a policy "
                 "without levels with file:line", check_config_lists_each_mistake)
        run.step("SIGTERM", stop)
    except Exception:
        pass  # reported by the runner
    finally:
        h.kill_proc(T.watch)
        for s in (T.sub_an, T.sub_binh):
            if s:
                s.close()
    return h.teardown(run, T.tmp, T.vigild)


if __name__ == "__main__":
    sys.exit(main())
