// The on-call API: who is on duty and why, gaps, people, per-person duty.ics, check-ins.
// Every route reads one snapshot of the setup (SetupHolder::Get) and one `now`; all but
// duty.ics need the admin token (duty.ics carries a per-person feed token in its URL).

#include <algorithm>
#include <cctype>
#include <charconv>

#include "daemon/common/time_util.h"
#include "daemon/http/oncall_views.h"
#include "daemon/http/server.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
using nlohmann::json;

constexpr TimeMs kHourMs = 3'600'000;
constexpr TimeMs kDayMs = 24 * kHourMs;

// An instant as a user types it into a query string: RFC 3339, or local wall time
// "2026-04-30T07:30" / "2026-04-30 07:30" / "2026-04-30" in `tz`. A '+' of an unencoded
// offset arrives as a space and is put back.
Result<TimeMs> ParseTimeParam(const HttpRequest& req, const std::string& name,
                              const std::string& tz, TimeMs fallback) {
  if (!req.has_param(name)) return fallback;
  std::string text = req.get_param_value(name);
  if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
  if (text.size() > 16) std::replace(text.begin() + 16, text.end(), ' ', '+');
  if (auto t = ParseTimestamp(text)) return *t;
  if (text.size() <= 16) {
    if (auto t = ParseLocalTime(text, tz)) return *t;
  }
  return Fail("invalid_param",
              name +
                  " must be an RFC 3339 time (2026-04-30T08:00:00+07:00) or a local time "
                  "YYYY-MM-DDTHH:MM in " +
                  tz + "; got \"" + req.get_param_value(name) + "\"",
              name);
}

Result<int> ParseIntParam(const HttpRequest& req, const std::string& name, int lo, int hi,
                          int fallback) {
  if (!req.has_param(name)) return fallback;
  const std::string s = req.get_param_value(name);
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) {
    return Fail(
        "invalid_param",
        name + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi),
        name);
  }
  return v;
}

// The schedules a request asks about: all, or the one named by ?schedule=.
Result<std::vector<const Schedule*>> PickSchedules(const HttpRequest& req,
                                                   const OnCallSetup& setup) {
  std::vector<const Schedule*> out;
  if (!req.has_param("schedule")) {
    for (const auto& s : setup.schedules) out.push_back(&s);
    return out;
  }
  const std::string id = req.get_param_value("schedule");
  const Schedule* s = setup.FindSchedule(id);
  if (!s) return Fail("not_found", "no schedule with id \"" + id + "\"", "schedule", 404);
  out.push_back(s);
  return out;
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// "http://host:port" as the caller reached us (Host header; X-Forwarded-Proto from a proxy).
std::string BaseUrl(const HttpRequest& req) {
  std::string host = req.get_header_value("Host");
  if (host.empty()) host = "127.0.0.1";
  const std::string proto = req.get_header_value("X-Forwarded-Proto") == "https" ? "https" : "http";
  return proto + "://" + host;
}

Error UnknownPerson(const std::string& id, const char* field, int status) {
  return {status == 404 ? "not_found" : "unknown_person",
          "no person with id \"" + id + "\" in the on-call config", field, status};
}

using Request = HttpRequest;
using Response = HttpResponse;

// GET /api/v1/oncall?at=&schedule=
void OnCallNow(const HttpDeps& d, const Request& req, Response& res) {
  const auto setup = d.setup.Get();
  auto at = ParseTimeParam(req, "at", setup->time_zone, d.clock.Now());
  if (!at) return WriteError(res, at.error());
  auto schedules = PickSchedules(req, *setup);
  if (!schedules) return WriteError(res, schedules.error());
  json list = json::array();
  for (const Schedule* s : *schedules) list.push_back(ScheduleOnDutyView(*setup, *s, *at));
  WriteJson(res, 200,
            json{{"at", FormatTimestamp(*at)},
                 {"time_zone", setup->time_zone},
                 {"holiday", HolidayAt(*setup, *at)},
                 {"schedules", list}}
                .dump());
}

// GET /api/v1/oncall/gaps?days=&from=&role=&schedule=
void OnCallGaps(const HttpDeps& d, const Request& req, Response& res) {
  const auto setup = d.setup.Get();
  auto days = ParseIntParam(req, "days", 1, 366, 30);
  if (!days) return WriteError(res, days.error());
  auto from = ParseTimeParam(req, "from", setup->time_zone, d.clock.Now());
  if (!from) return WriteError(res, from.error());
  const std::string role_text =
      req.has_param("role") ? req.get_param_value("role") : "duty_officer";
  const auto role = ParseDutyRole(role_text);
  if (!role) {
    return WriteError(
        res, {"invalid_param", "role must be duty_officer, duty_leader or backup", "role"});
  }
  auto schedules = PickSchedules(req, *setup);
  if (!schedules) return WriteError(res, schedules.error());
  const TimeMs to = *from + *days * kDayMs;
  json gaps = json::array();
  for (const Schedule* s : *schedules) {
    for (const Gap& g : FindGaps(*s, setup->RostersFor(s->id), *role, *from, to)) {
      gaps.push_back({{"schedule", s->id},
                      {"schedule_name", s->name},
                      {"start", FormatTimestamp(g.start)},
                      {"end", FormatTimestamp(g.end)},
                      {"minutes", (g.end - g.start) / 60'000}});
    }
  }
  WriteJson(res, 200,
            json{{"from", FormatTimestamp(*from)},
                 {"to", FormatTimestamp(to)},
                 {"role", role_text},
                 {"time_zone", setup->time_zone},
                 {"gaps", gaps}}
                .dump());
}

// GET /api/v1/people/{id}/feed: the subscription URL, built from the Host the caller used.
void PersonFeed(const HttpDeps& d, const Request& req, Response& res) {
  const std::string id = req.matches[1];
  if (!d.setup.Get()->FindPerson(id)) return WriteError(res, UnknownPerson(id, "id", 404));
  const std::string url =
      BaseUrl(req) + "/api/v1/people/" + UrlEncode(id) + "/duty.ics?token=" + d.admin.FeedToken(id);
  WriteJson(res, 200, json{{"person", id}, {"url", url}}.dump());
}

// GET /api/v1/people/{id}/duty.ics?token=: no admin token (phones cannot send headers).
// The token is 64 hex digits (256 bits, AdminToken::FeedToken); wrong ones are still counted
// per client address and answered 429 past guess_limits.per_address; a right one never is.
void DutyIcs(const HttpDeps& d, const Request& req, Response& res) {
  const std::string id = req.matches[1];
  const std::string token = req.get_param_value("token");
  if (!d.admin.CheckFeedToken(id, token)) {  // a right token is never refused (calendar
    // services fetch from shared addresses); a wrong one past the budget is a 429
    FailureLimiter* limiter = d.guesses ? &d.guesses->feeds : nullptr;
    const std::string address = ClientAddress(req);
    if (auto e = Refusal(limiter, address, res, d.lang, Tr(d.lang, "địa chỉ này", "this address"))) {
      return WriteError(res, *e);
    }
    if (!token.empty()) CountFailure(limiter, address, "feeds");
    return WriteError(res, {token.empty() ? "missing_token" : "invalid_token",
                            "this calendar needs the token from GET /api/v1/people/" + id +
                                "/feed (vigilctl oncall feed " + id + ")",
                            "token", 401});
  }
  const auto setup = d.setup.Get();
  const Person* person = setup->FindPerson(id);
  if (!person) return WriteError(res, UnknownPerson(id, "id", 404));
  // Shifts overlapping [now - 7 days, now + 60 days). ShiftsOf clips the first stretch at the
  // window's start, and an event's UID follows its start: the window starts on a 28-day grid
  // well before the range, so a shift keeps one UID from request to request.
  const TimeMs now = d.clock.Now();
  const TimeMs first = now - 7 * kDayMs, grid = 28 * kDayMs;
  const TimeMs window_start = (first / grid - 1) * grid;
  std::vector<OnDuty> shifts;
  for (const auto& s : setup->schedules) {
    for (auto& duty : ShiftsOf(s, setup->RostersFor(s.id), id, window_start, now + 60 * kDayMs)) {
      if (duty.until > first) shifts.push_back(std::move(duty));
    }
  }
  std::stable_sort(shifts.begin(), shifts.end(),
                   [](const OnDuty& a, const OnDuty& b) { return a.from < b.from; });
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_content(DutyCalendarIcs(person->name.empty() ? id : person->name, shifts),
                  "text/calendar; charset=utf-8");
}

// POST /api/v1/checkins {"person", "via"}: the engine confirms the person's holiday shift.
void PostCheckin(const HttpDeps& d, const Request&, Response& res, const std::string& body) {
  auto doc = ParseJsonObject(body);
  if (!doc) return WriteError(res, doc.error());
  auto person = doc->value("person", json());
  if (!person.is_string() || person.get<std::string>().empty()) {
    return WriteError(res, {"missing_field", "person (a person id) is required", "person"});
  }
  auto via = doc->value("via", json("api"));
  if (!via.is_string() || (via != "api" && via != "cli" && via != "console")) {
    return WriteError(res, {"invalid_field", "via must be api, cli or console", "via"});
  }
  const std::string id = person.get<std::string>();
  const auto setup = d.setup.Get();
  if (!setup->FindPerson(id)) return WriteError(res, UnknownPerson(id, "person", 400));
  auto done = AwaitEngine(d.engine.Submit(CheckInCommand{id, via.get<std::string>(), {}}));
  if (!done) return WriteError(res, done.error());
  json rows = json::array();
  for (const auto& r : *done) {
    rows.push_back(
        {{"schedule", r.schedule},
         {"person", r.person},
         {"shift_start", FormatTimestamp(r.shift_start)},
         {"shift_end", FormatTimestamp(r.shift_end)},
         {"checked_in_at", r.checked_in_at ? json(FormatTimestamp(*r.checked_in_at)) : json()}});
  }
  WriteJson(res, 200, json{{"checked_in", rows}, {"time_zone", setup->time_zone}}.dump());
}

// GET /api/v1/checkins?from=&to= (default: the last 24 hours to the next 7 days).
void ListCheckins(const HttpDeps& d, const Request& req, Response& res) {
  const auto setup = d.setup.Get();
  const TimeMs now = d.clock.Now();
  auto from = ParseTimeParam(req, "from", setup->time_zone, now - kDayMs);
  if (!from) return WriteError(res, from.error());
  auto to = ParseTimeParam(req, "to", setup->time_zone, now + 7 * kDayMs);
  if (!to) return WriteError(res, to.error());
  if (*to <= *from) return WriteError(res, {"invalid_param", "to must be after from", "to"});
  auto rows = d.reads.Checkins(*from, *to);
  if (!rows) return WriteError(res, rows.error());
  json list = json::array();
  for (const auto& r : *rows) list.push_back(CheckinView(*setup, r));
  WriteJson(res, 200,
            json{{"from", FormatTimestamp(*from)},
                 {"to", FormatTimestamp(*to)},
                 {"time_zone", setup->time_zone},
                 {"checkins", list}}
                .dump());
}

// GET of one list of the setup, e.g. {"people": [...]}.
template <class T>
Handler SetupList(const HttpDeps& d, std::string key, const std::vector<T> OnCallSetup::*member,
                  json (*view)(const T&)) {
  return [deps = &d, key = std::move(key), member, view](const Request&, Response& res) {
    const auto setup = deps->setup.Get();
    json list = json::array();
    for (const T& x : (*setup).*member) list.push_back(view(x));
    WriteJson(res, 200, json{{key, list}}.dump());
  };
}

}  // namespace

void HttpServer::OnCallRoutes() {
  const HttpDeps* d = &deps_;  // outlives the server's handlers
  auto get = [&](const std::string& pattern,
                 void (*fn)(const HttpDeps&, const Request&, Response&)) {
    Get(pattern,
        RequireAdmin(d->admin, [d, fn](const Request& req, Response& res) { fn(*d, req, res); }));
  };
  get("/api/v1/oncall", OnCallNow);
  get("/api/v1/oncall/gaps", OnCallGaps);
  get(R"(/api/v1/people/([^/]+)/feed)", PersonFeed);
  get("/api/v1/checkins", ListCheckins);
  auto list = [&](const std::string& path, Handler h) { Get(path, RequireAdmin(d->admin, h)); };
  list("/api/v1/people", SetupList(*d, "people", &OnCallSetup::people, PersonView));
  list("/api/v1/units", SetupList(*d, "units", &OnCallSetup::units, UnitView));
  list("/api/v1/contact_points",
       SetupList(*d, "contact_points", &OnCallSetup::contact_points, ContactPointView));
  list("/api/v1/policies", SetupList(*d, "policies", &OnCallSetup::policies, PolicyView));
  list("/api/v1/routes", SetupList(*d, "routes", &OnCallSetup::routes, RouteView));
  // No admin token: the per-person feed token in the URL is checked instead.
  Get(R"(/api/v1/people/([^/]+)/duty\.ics)",
               [d](const Request& req, Response& res) { DutyIcs(*d, req, res); });
  Post("/api/v1/checkins",
       RequireAdmin(d->admin, [d](const Request& req, Response& res, const std::string& body) {
         PostCheckin(*d, req, res, body);
       }));
}

}  // namespace vigil
