// The incident API (admin token): tickets, promoting alerts, transitions, notes, playbook
// steps, outside contacts, and the reports built from the timeline. Writes go to the engine
// as IncidentCommands (a 2xx means committed); reads use a read-only connection.
#include <algorithm>
#include <charconv>

#include "daemon/common/log.h"
#include "daemon/common/secrets.h"
#include "daemon/common/time_util.h"
#include "daemon/http/server.h"
#include "daemon/http/views.h"
#include "daemon/incidents/from_playbook.h"
#include "daemon/incidents/incident_store.h"
#include "daemon/incidents/report.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

using nlohmann::json;

constexpr size_t kMaxText = 10'000;

std::optional<std::int64_t> ParseId(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// Reads an optional string member (null or absent: ""); wrong type or too long is an error.
Result<std::string> Text(const json& doc, const char* key, size_t max = kMaxText) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Fail("invalid_field", std::string(key) + " must be a string", key);
  std::string s = it->get<std::string>();
  if (s.size() > max) {
    return Fail("invalid_field",
                std::string(key) + " is longer than " + std::to_string(max) + " bytes", key);
  }
  return s;
}

// The body as a JSON object; its optional "by" (who acts) is checked here, once for all routes.
Result<json> Body(const std::string& raw) {
  if (raw.empty()) return json::object();
  auto doc = ParseJsonObject(raw);
  if (!doc) return doc;
  if (auto by = Text(*doc, "by", 200); !by) return std::unexpected(by.error());
  return doc;
}

// Who acts: "by" (checked by Body), or the admin.
std::string Actor(const json& doc) {
  auto by = Text(doc, "by", 200);
  return "user:" + (by && !by->empty() ? *by : std::string("admin"));
}

Result<std::vector<std::int64_t>> AlertIds(const json& doc) {
  std::vector<std::int64_t> ids;
  auto it = doc.find("alert_ids");
  if (it == doc.end() || it->is_null()) return ids;
  if (!it->is_array())
    return Fail("invalid_field", "alert_ids must be an array of alert ids", "alert_ids");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_number_integer() || v.get<std::int64_t>() <= 0) {
      return Fail("invalid_field", "an alert id is a positive whole number",
                  "alert_ids[" + std::to_string(i) + "]");
    }
    ids.push_back(v.get<std::int64_t>());
  }
  return ids;
}

// The ticket fields of a POST /incidents (or /alerts/{id}/promote) body.
Result<Incident> ParseIncident(const json& doc, TimeMs now) {
  Incident in;
  auto title = Text(doc, "title", 500);
  auto category = Text(doc, "category", 64);
  auto severity = Text(doc, "severity", 8);
  auto unit = Text(doc, "unit", 200);
  auto assignee = Text(doc, "assignee", 200);
  auto source = Text(doc, "source", 16);
  auto description = Text(doc, "description");
  auto reporter = Text(doc, "reporter", 500);
  auto detected = Text(doc, "detected_at", 64);
  for (auto* r : {&title, &category, &severity, &unit, &assignee, &source, &description, &reporter,
                  &detected}) {
    if (!*r) return std::unexpected(r->error());
  }
  in.title = *title;
  in.category = *category;
  if (severity->empty()) return Fail("missing_field", "severity is required (P1-P4)", "severity");
  auto p = ParsePriority(*severity);
  if (!p) return Fail("invalid_field", "severity must be P1, P2, P3 or P4", "severity");
  in.severity = *p;
  in.unit = *unit;
  in.assignee = *assignee;
  in.source = *source;
  in.description = *description;
  in.reporter = *reporter;
  if (!detected->empty()) {
    auto t = ParseTimestamp(*detected);
    if (!t)
      return Fail("invalid_field", "detected_at must be an RFC 3339 date-time", "detected_at");
    in.detected_at = *t;
  } else {
    in.detected_at = now;
  }
  if (auto it = doc.find("systems"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) return Fail("invalid_field", "systems must be an array", "systems");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& s = (*it)[i];
      const std::string where = "systems[" + std::to_string(i) + "]";
      if (!s.is_object()) return Fail("invalid_field", "a system is {name, level}", where);
      auto name = s.find("name");
      auto level = s.find("level");
      if (name == s.end() || !name->is_string())
        return Fail("missing_field", "a system needs a name", where + ".name");
      if (level == s.end() || !level->is_number_integer() || level->get<std::int64_t>() < 1 ||
          level->get<std::int64_t>() > 5) {
        return Fail("invalid_field", "a system's security level is a whole number 1-5",
                    where + ".level");
      }
      in.systems.push_back({name->get<std::string>(), level->get<int>()});
    }
  }
  auto ids = AlertIds(doc);
  if (!ids) return std::unexpected(ids.error());
  in.alert_ids = *ids;
  return in;
}

int PriorityOf(Severity s) {
  switch (s) {
    case Severity::kCritical:
      return 1;
    case Severity::kError:
      return 2;
    case Severity::kWarning:
      return 3;
    default:
      return 4;
  }
}

// Reads the whole record of one incident; nullopt when it does not exist.
Result<std::optional<IncidentRecord>> LoadRecord(ReadStore& reads, std::int64_t id) {
  std::optional<IncidentRecord> rec;
  auto ok = reads.Read([&](sqlite::Db& db) {
    IncidentStore s(db);
    auto in = s.Get(id);
    if (!in) return;
    rec = IncidentRecord{*in, s.Plan(id), s.Steps(id), s.Timeline(id), {}};
  });
  if (!ok) return std::unexpected(ok.error());
  if (rec) {
    for (auto a : rec->incident.alert_ids) {
      auto alert = reads.GetAlert(a);
      if (alert && *alert) rec->alerts.push_back(**alert);
    }
  }
  return rec;
}

json RecordJson(const IncidentRecord& r, Lang lang) {
  json steps = json::array(), timeline = json::array(), alerts = json::array();
  const PlaybookPlan* plan = r.plan ? &*r.plan : nullptr;
  for (const auto& s : r.steps)
    steps.push_back(StepJson(s, plan ? plan->Find(s.step_id) : nullptr));
  for (const auto& e : r.timeline)
    timeline.push_back(TimelineJson(e, DescribeEntry(lang, e, plan)));
  for (const auto& a : r.alerts) alerts.push_back(AlertView(a, false));
  return {{"incident", IncidentJson(r.incident)},
          {"steps", steps},
          {"timeline", timeline},
          {"alerts", alerts}};
}

json DocJson(const ReportDoc& d) {
  json fields = json::array(), tables = json::array();
  for (const auto& f : d.fields)
    fields.push_back({{"key", f.key}, {"label", f.label}, {"value", f.value}});
  for (const auto& t : d.tables)
    tables.push_back({{"heading", t.heading}, {"header", t.header}, {"rows", t.rows}});
  return {{"title", d.title},
          {"subtitle", d.subtitle},
          {"basis", d.basis},
          {"fields", fields},
          {"tables", tables}};
}

// Writes a report in the format asked for: md (default), html or json.
void WriteReport(const HttpRequest& req, HttpResponse& res, const ReportDoc& doc, Lang lang) {
  const std::string format = req.has_param("format") ? req.get_param_value("format") : "md";
  if (format == "md" || format == "markdown") {
    res.status = 200;
    res.set_content(ToMarkdown(doc), "text/markdown; charset=utf-8");
  } else if (format == "html") {
    res.status = 200;
    res.set_content(ToHtml(doc, lang), "text/html; charset=utf-8");
  } else if (format == "json") {
    WriteJson(res, 200, DocJson(doc).dump());
  } else {
    WriteError(res, {"invalid_param", "format must be md, html or json", "format"});
  }
}

Result<TimeMs> TimeParam(const HttpRequest& req, const std::string& name, const std::string& tz,
                         std::optional<TimeMs> fallback) {
  if (!req.has_param(name)) {
    if (fallback) return *fallback;
    return Fail("missing_param", name + " is required", name);
  }
  std::string text = req.get_param_value(name);
  if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
  if (auto t = ParseTimestamp(text)) return *t;
  if (auto t = ParseLocalTime(text, tz)) return *t;
  return Fail("invalid_param",
              name + " must be an RFC 3339 time or a local time YYYY-MM-DDTHH:MM in " + tz, name);
}

}  // namespace

void HttpServer::IncidentRoutes() {
  auto admin = [this](Handler h) { return RequireAdmin(deps_.admin, std::move(h)); };
  auto post = [this](const std::string& pattern, BodyHandler h) {
    Post(pattern, RequireAdmin(deps_.admin, std::move(h)));
  };
  // Submits an operation and answers with the incident as committed.
  auto submit = [this](HttpResponse& res, IncidentOp op, const std::string& actor, int status) {
    auto done = AwaitEngine(deps_.engine.Submit(IncidentCommand{std::move(op), actor, {}}));
    if (!done) return WriteError(res, done.error());
    // Committed: the answer is a 2xx whatever happens next, so a client never retries (and
    // duplicates) an operation that is on disk; it gets at least the incident's id.
    auto rec = LoadRecord(deps_.reads, *done);
    if (!rec || !*rec) {
      Log("http")->error("incident_reload_failed id={} error=\"{}\"", *done,
                         rec ? "not found" : rec.error().message);
      return WriteJson(res, status, json{{"incident", {{"id", *done}}}}.dump());
    }
    WriteJson(res, status, RecordJson(**rec, deps_.lang).dump());
  };
  // The Idempotency-Key header and the request's fingerprint (route and body), for an
  // OpenIncident. Answers itself and returns nullopt for a bad key (400), a key first used on
  // another request (422), and a retry of a request that opened an incident (200 with that
  // incident, Idempotent-Replayed: true); the engine checks again when it commits.
  auto idempotency = [this](const HttpRequest& req, const std::string& raw,
                            HttpResponse& res) -> std::optional<OpenIncident> {
    OpenIncident keyed;
    if (!req.has_header("Idempotency-Key")) return keyed;
    keyed.idempotency_key = req.get_header_value("Idempotency-Key");
    const std::string& key = keyed.idempotency_key;
    if (key.empty() || key.size() > 255 ||
        !std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 127; })) {
      WriteError(res, {"invalid_field", "Idempotency-Key must be 1-255 visible ASCII characters",
                       "Idempotency-Key"});
      return std::nullopt;
    }
    keyed.request_sha256 = Sha256Hex(req.path + "\n" + raw);
    std::optional<IncidentStore::KeptRequest> kept;
    auto ok = deps_.reads.Read(
        [&](sqlite::Db& db) { kept = IncidentStore(db).IncidentOfRequest(key); });
    if (!ok || !kept) return keyed;
    if (kept->request_sha256 != keyed.request_sha256) {
      WriteError(res, KeyReused(key));
      return std::nullopt;
    }
    auto rec = LoadRecord(deps_.reads, kept->incident_id);
    if (!rec || !*rec) return keyed;
    WriteJson(res, 200, RecordJson(**rec, deps_.lang).dump());
    res.set_header("Idempotent-Replayed", "true");
    return std::nullopt;
  };
  // Opens an incident: 201, or 200 for a retry the engine recognised (see idempotency).
  auto open = [this, submit](HttpResponse& res, OpenIncident op, const std::string& actor) {
    auto replayed = std::make_shared<bool>(false);
    op.replayed = replayed;
    submit(res, std::move(op), actor, 201);
    if (*replayed && res.status == 201) {
      res.status = 200;
      res.set_header("Idempotent-Replayed", "true");
    }
  };
  // A playbook plan from a body's "playbook": an id, or "auto" (by category and severity).
  auto plan_for = [this](const json& doc, const std::string& category,
                         int severity) -> Result<std::optional<PlaybookPlan>> {
    auto id = Text(doc, "playbook", 200);
    if (!id) return std::unexpected(id.error());
    if (id->empty()) return std::optional<PlaybookPlan>();
    auto lib =
        deps_.playbooks ? deps_.playbooks->Get() : std::make_shared<const playbooks::Library>();
    auto pb = ChoosePlaybook(*lib, *id == "auto" ? "" : *id, category, severity);
    if (!pb) return std::unexpected(pb.error());
    return std::optional<PlaybookPlan>(PlanOf(**pb, RegimeOf(*lib, (*pb)->regime)));
  };

  post("/api/v1/incidents", [this, open, plan_for, idempotency](
                                const HttpRequest& req, HttpResponse& res, const std::string& raw) {
         auto keyed = idempotency(req, raw, res);
         if (!keyed) return;  // answered: a retry, or a bad or reused key
         auto doc = Body(raw);
         if (!doc) return WriteError(res, doc.error());
         auto in = ParseIncident(*doc, deps_.clock.Now());
         if (!in) return WriteError(res, in.error());
         if (in->source.empty()) in->source = in->alert_ids.empty() ? "api" : "alert";
         auto plan = plan_for(*doc, in->category, in->severity);
         if (!plan) return WriteError(res, plan.error());
         keyed->incident = std::move(*in);
         keyed->plan = std::move(*plan);
         open(res, std::move(*keyed), Actor(*doc));
       });

  post(R"(/api/v1/alerts/(\d+)/promote)", [this, submit, open, plan_for, idempotency](
                                                const HttpRequest& req, HttpResponse& res,
                                                const std::string& raw) {
         auto id = ParseId(req.matches[1]);
         auto doc = Body(raw);
         if (!doc) return WriteError(res, doc.error());
         auto alert = id ? deps_.reads.GetAlert(*id) : Result<std::optional<Alert>>();
         if (!alert) return WriteError(res, alert.error());
         if (!id || !*alert) return WriteError(res, {"not_found", "no such alert", "id", 404});
         auto keyed = idempotency(req, raw, res);
         if (!keyed) return;  // answered: a retry, or a bad or reused key
         if (auto into = doc->find("incident_id"); into != doc->end() && !into->is_null()) {
           if (!into->is_number_integer()) {
             return WriteError(
                 res, {"invalid_field", "incident_id must be an incident id", "incident_id"});
           }
           return submit(res, LinkAlerts{into->get<std::int64_t>(), {*id}}, Actor(*doc), 200);
         }
         // A new incident from the alert: its fields default from the alert.
         json fields = *doc;
         const Alert& a = **alert;
         if (!fields.contains("title")) fields["title"] = a.summary;
         if (!fields.contains("category")) fields["category"] = "other";
         if (!fields.contains("severity"))
           fields["severity"] = PriorityText(PriorityOf(a.severity));
         if (!fields.contains("source")) fields["source"] = "alert";
         if (!fields.contains("detected_at")) fields["detected_at"] = FormatTimestamp(a.created_at);
         if (!fields.contains("unit")) {
           auto setup = deps_.setup.Get();
           fields["unit"] = setup->units.empty() ? "default" : setup->units.front().id;
         }
         fields["alert_ids"] = json::array({*id});
         auto in = ParseIncident(fields, deps_.clock.Now());
         if (!in) return WriteError(res, in.error());
         auto plan = plan_for(fields, in->category, in->severity);
         if (!plan) return WriteError(res, plan.error());
         keyed->incident = std::move(*in);
         keyed->plan = std::move(*plan);
         open(res, std::move(*keyed), Actor(*doc));
       });

  Get("/api/v1/incidents", admin([this](const HttpRequest& req, HttpResponse& res) {
        IncidentFilter f;
        f.state = req.get_param_value("state");
        if (f.state == "all") f.state.clear();
        if (!f.state.empty() && f.state != "open" && !ParseIncidentState(f.state)) {
          return WriteError(
              res, {"invalid_param", "state must be open, all or an incident state", "state"});
        }
        f.unit = req.get_param_value("unit");
        f.category = req.get_param_value("category");
        f.assignee = req.get_param_value("assignee");
        if (req.has_param("limit")) {
          auto n = ParseId(req.get_param_value("limit"));
          if (!n || *n > 500)
            return WriteError(res, {"invalid_param", "limit must be from 1 to 500", "limit"});
          f.limit = static_cast<int>(*n);
        }
        if (req.has_param("since")) {
          auto t = ParseTimestamp(req.get_param_value("since"));
          if (!t)
            return WriteError(res,
                              {"invalid_param", "since must be an RFC 3339 date-time", "since"});
          f.since = *t;
        }
        json list = json::array();
        auto ok = deps_.reads.Read([&](sqlite::Db& db) {
          IncidentStore s(db);
          for (const auto& in : s.List(f)) {
            json j = IncidentJson(in);
            int pending = 0, overdue = 0;
            for (const auto& st : s.Steps(in.id)) {
              pending += st.state == "pending";
              overdue += st.state == "pending" && st.due_at && *st.due_at <= deps_.clock.Now();
            }
            j["steps_pending"] = pending;
            j["steps_overdue"] = overdue;
            list.push_back(std::move(j));
          }
        });
        if (!ok) return WriteError(res, ok.error());
        WriteJson(res, 200, json{{"incidents", list}}.dump());
      }));

  Get(R"(/api/v1/incidents/(\d+))", admin([this](const HttpRequest& req, HttpResponse& res) {
        auto id = ParseId(req.matches[1]);
        auto rec = id ? LoadRecord(deps_.reads, *id) : Result<std::optional<IncidentRecord>>();
        if (!rec) return WriteError(res, rec.error());
        if (!*rec)
          return WriteError(
              res, {"not_found", "incident " + std::string(req.matches[1]) + " does not exist",
                    "id", 404});
        const Lang lang =
            req.has_param("lang") ? ParseLang(req.get_param_value("lang")) : deps_.lang;
        WriteJson(res, 200, RecordJson(**rec, lang).dump());
      }));

  post(
      R"(/api/v1/incidents/(\d+)/(transition|note|assign|alerts|playbook|contact))",
      [this, submit, plan_for](const HttpRequest& req, HttpResponse& res, const std::string& raw) {
        auto id = ParseId(req.matches[1]);
        if (!id) return WriteError(res, {"not_found", "no such incident", "id", 404});
        auto doc = Body(raw);
        if (!doc) return WriteError(res, doc.error());
        const std::string what = req.matches[2];
        const std::string actor = Actor(*doc);
        if (what == "transition") {
          auto state = Text(*doc, "state", 32);
          auto note = Text(*doc, "note");
          if (!state) return WriteError(res, state.error());
          if (!note) return WriteError(res, note.error());
          if (state->empty())
            return WriteError(res, {"missing_field", "state is required", "state"});
          TransitionIncident op{*id, *state, std::nullopt, *note};
          if (auto d = doc->find("duplicate_of"); d != doc->end() && !d->is_null()) {
            if (!d->is_number_integer())
              return WriteError(
                  res, {"invalid_field", "duplicate_of must be an incident id", "duplicate_of"});
            op.duplicate_of = d->get<std::int64_t>();
          }
          return submit(res, op, actor, 200);
        }
        if (what == "note") {
          auto text = Text(*doc, "text");
          if (!text) return WriteError(res, text.error());
          return submit(res, AddNote{*id, *text}, actor, 200);
        }
        if (what == "assign") {
          auto person = Text(*doc, "assignee", 200);
          if (!person) return WriteError(res, person.error());
          return submit(res, AssignIncident{*id, *person}, actor, 200);
        }
        if (what == "alerts") {
          auto ids = AlertIds(*doc);
          if (!ids) return WriteError(res, ids.error());
          if (ids->empty())
            return WriteError(res, {"missing_field", "alert_ids is required", "alert_ids"});
          return submit(res, LinkAlerts{*id, *ids}, actor, 200);
        }
        if (what == "playbook") {
          auto rec = LoadRecord(deps_.reads, *id);
          if (!rec) return WriteError(res, rec.error());
          if (!*rec)
            return WriteError(
                res,
                {"not_found", "incident " + std::to_string(*id) + " does not exist", "id", 404});
          json d = *doc;
          if (!d.contains("playbook") || d["playbook"].is_null()) d["playbook"] = "auto";
          auto plan = plan_for(d, (*rec)->incident.category, (*rec)->incident.severity);
          if (!plan) return WriteError(res, plan.error());
          return submit(res, AttachPlaybook{*id, **plan}, actor, 200);
        }
        ContactAction op{*id, "", "", "", "", ""};
        for (auto [key, out] : {std::pair{"contact_point", &op.contact_point},
                                std::pair{"step", &op.step}, std::pair{"message", &op.message},
                                std::pair{"ticket", &op.ticket}, std::pair{"answer", &op.answer}}) {
          auto v = Text(*doc, key);
          if (!v) return WriteError(res, v.error());
          *out = *v;
        }
        submit(res, op, actor, 200);
      });

  post(R"(/api/v1/incidents/(\d+)/steps/([A-Za-z0-9_.:\-]+)/(complete|skip))",
       [this, submit](const HttpRequest& req, HttpResponse& res, const std::string& raw) {
         auto id = ParseId(req.matches[1]);
         if (!id) return WriteError(res, {"not_found", "no such incident", "id", 404});
         auto doc = Body(raw);
         if (!doc) return WriteError(res, doc.error());
         auto note = Text(*doc, "note");
         if (!note) return WriteError(res, note.error());
         StepAction op{*id, req.matches[2], req.matches[3] == "skip", *note, json::object()};
         if (auto in = doc->find("input"); in != doc->end() && !in->is_null()) {
           if (!in->is_object())
             return WriteError(
                 res, {"invalid_field", "input must be an object of form fields", "input"});
           op.input = *in;
         }
         submit(res, op, Actor(*doc), 200);
       });

  Get(R"(/api/v1/incidents/(\d+)/report/([a-z]+))",
      admin([this](const HttpRequest& req, HttpResponse& res) {
        auto id = ParseId(req.matches[1]);
        auto kind = ParseReportKind(std::string(req.matches[2]));
        if (!kind)
          return WriteError(res, {"not_found", "reports are initial or final", "kind", 404});
        auto rec = id ? LoadRecord(deps_.reads, *id) : Result<std::optional<IncidentRecord>>();
        if (!rec) return WriteError(res, rec.error());
        if (!*rec) return WriteError(res, {"not_found", "no such incident", "id", 404});
        const Lang lang =
            req.has_param("lang") ? ParseLang(req.get_param_value("lang")) : deps_.lang;
        WriteReport(req, res,
                    IncidentReport(**rec, *kind, *deps_.setup.Get(), lang, deps_.clock.Now()),
                    lang);
      }));

  Get("/api/v1/reports/shift", admin([this](const HttpRequest& req, HttpResponse& res) {
        auto setup = deps_.setup.Get();
        const TimeMs now = deps_.clock.Now();
        ShiftData d;
        if (req.has_param("schedule")) {  // the duty officer's stretch at `at` (default now)
          const Schedule* s = setup->FindSchedule(req.get_param_value("schedule"));
          if (!s) return WriteError(res, {"not_found", "no such schedule", "schedule", 404});
          auto at = TimeParam(req, "at", setup->time_zone, now);
          if (!at) return WriteError(res, at.error());
          for (const auto& on : WhoIsOnDuty(*s, setup->RostersFor(s->id), *at)) {
            if (on.role != DutyRole::kDutyOfficer) continue;
            d.from = on.from;
            d.to = on.until == INT64_MAX ? now : on.until;
            const Person* p = setup->FindPerson(on.person);
            d.who += (d.who.empty() ? "" : ", ") + (p ? p->name + " (" + p->id + ")" : on.person);
          }
          if (d.from == 0)
            return WriteError(res, {"no_shift", "nobody is the duty officer then", "at", 404});
        } else {
          auto from = TimeParam(req, "from", setup->time_zone, std::nullopt);
          auto to = TimeParam(req, "to", setup->time_zone, now);
          if (!from) return WriteError(res, from.error());
          if (!to) return WriteError(res, to.error());
          if (*to <= *from)
            return WriteError(res, {"invalid_param", "to must be after from", "to"});
          d.from = *from;
          d.to = *to;
        }
        AlertFilter f;
        f.since = d.from;
        f.limit = 500;
        auto alerts = deps_.reads.ListAlerts(f);
        AlertFilter open;
        open.open_only = true;
        open.limit = 500;
        auto open_alerts = deps_.reads.ListAlerts(open);
        if (!alerts) return WriteError(res, alerts.error());
        if (!open_alerts) return WriteError(res, open_alerts.error());
        for (const auto& a : *alerts) {
          if (a.created_at < d.to) d.alerts.push_back(a);
        }
        d.open_alerts = *open_alerts;
        std::vector<Incident> active;
        auto ok = deps_.reads.Read(
            [&](sqlite::Db& db) { active = IncidentStore(db).ActiveBetween(d.from, d.to); });
        if (!ok) return WriteError(res, ok.error());
        for (const auto& in : active) {
          auto rec = LoadRecord(deps_.reads, in.id);
          if (rec && *rec) d.incidents.push_back(std::move(**rec));
        }
        const Lang lang =
            req.has_param("lang") ? ParseLang(req.get_param_value("lang")) : deps_.lang;
        WriteReport(req, res, ShiftHandover(d, *setup, lang, now), lang);
      }));

  Get("/api/v1/reports/holiday", admin([this](const HttpRequest& req, HttpResponse& res) {
        auto setup = deps_.setup.Get();
        const TimeMs now = deps_.clock.Now();
        HolidayData d;
        d.unit = req.has_param("unit") ? req.get_param_value("unit")
                                       : (setup->units.empty() ? "" : setup->units.front().id);
        if (!setup->units.empty() && std::none_of(setup->units.begin(), setup->units.end(),
                                                  [&](const Unit& u) { return u.id == d.unit; })) {
          return WriteError(
              res, {"not_found", "no unit \"" + d.unit + "\" in the on-call config", "unit", 404});
        }
        const HolidayPeriod* period = nullptr;
        for (const auto& h : setup->holidays) {  // the one named, else the latest begun
          if (req.has_param("period") ? h.name == req.get_param_value("period")
                                      : h.start <= now && (!period || h.start > period->start)) {
            period = &h;
          }
        }
        if (!period)
          return WriteError(
              res, {"not_found", "no such holiday period in the on-call config", "period", 404});
        d.period = period->name;
        d.from = period->start;
        d.to = period->end;
        std::vector<Incident> active;
        auto ok = deps_.reads.Read(
            [&](sqlite::Db& db) { active = IncidentStore(db).ActiveBetween(d.from, d.to); });
        if (!ok) return WriteError(res, ok.error());
        for (const auto& in : active) {
          if (!d.unit.empty() && !setup->UnitWithin(in.unit, d.unit) && in.unit != d.unit) continue;
          auto rec = LoadRecord(deps_.reads, in.id);
          if (rec && *rec) d.incidents.push_back(std::move(**rec));
        }
        AlertFilter f;
        f.since = d.from;
        f.limit = 500;
        if (auto alerts = deps_.reads.ListAlerts(f)) {
          for (const auto& a : *alerts) d.alerts += a.created_at < d.to;
        }
        if (auto checkins = deps_.reads.Checkins(d.from, d.to)) {
          for (const auto& c : *checkins) {
            d.checkins_confirmed += c.checked_in_at.has_value();
            d.checkins_missed += c.missed_at.has_value();
          }
        }
        const Lang lang =
            req.has_param("lang") ? ParseLang(req.get_param_value("lang")) : deps_.lang;
        WriteReport(req, res, HolidaySummary(d, *setup, lang, now), lang);
      }));

  Get("/api/v1/playbooks", admin([this](const HttpRequest&, HttpResponse& res) {
        json list = json::array();
        if (deps_.playbooks) {
          for (const auto& pb : deps_.playbooks->Get()->playbooks) {
            list.push_back({{"id", pb.id},
                            {"version", pb.version},
                            {"title_vi", pb.title.vi},
                            {"title_en", pb.title.en},
                            {"categories", pb.categories},
                            {"min_severity", PriorityText(pb.min_severity)},
                            {"steps", pb.steps.size()}});
          }
        }
        WriteJson(res, 200, json{{"playbooks", list}}.dump());
      }));
}

}  // namespace vigil
