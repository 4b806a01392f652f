// The JSON API under /api/v1/ (admin token required) and /metrics.

#include <charconv>

#include "daemon/common/time_util.h"
#include "daemon/http/server.h"
#include "daemon/http/views.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

std::optional<std::int64_t> ParseId(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

Result<AlertFilter> ParseFilter(const HttpRequest& req, TimeMs now) {
  AlertFilter f;
  if (req.has_param("status")) {
    const auto s = req.get_param_value("status");
    if (s == "open") {
      f.open_only = true;
    } else if (!(f.status = ParseAlertStatus(s))) {
      return Fail("invalid_param", "status must be open, triggered, acknowledged or resolved",
                  "status");
    }
  }
  f.source = req.get_param_value("source");
  if (req.has_param("severity") && !(f.severity = ParseSeverity(req.get_param_value("severity")))) {
    return Fail("invalid_param", "severity must be critical, error, warning or info", "severity");
  }
  if (req.has_param("since")) {
    const auto s = req.get_param_value("since");
    if (auto t = ParseTimestamp(s)) {
      f.since = *t;
    } else if (auto d = ParseDuration(s)) {
      f.since = now - *d;
    } else {
      return Fail("invalid_param", "since must be a date-time (RFC 3339) or a duration like 2h",
                  "since");
    }
  }
  if (req.has_param("limit")) {
    auto n = ParseId(req.get_param_value("limit"));
    if (!n || *n > 500) return Fail("invalid_param", "limit must be from 1 to 500", "limit");
    f.limit = static_cast<int>(*n);
  }
  if (req.has_param("before")) {
    if (!(f.before_id = ParseId(req.get_param_value("before")))) {
      return Fail("invalid_param", "before must be an alert id", "before");
    }
  }
  return f;
}

constexpr int kEventsPage = 100;     // events shown with an alert unless asked otherwise
constexpr int kEventsPageMax = 1000;

// ?events_limit=N (1..1000, default 100) and ?events_before=ID (the events_next_before of
// the page shown): which page of an alert's event log, the newest first.
Result<EventPage> ParseEventPage(const HttpRequest& req) {
  EventPage page;
  page.limit = kEventsPage;
  if (req.has_param("events_limit")) {
    auto n = ParseId(req.get_param_value("events_limit"));
    if (!n || *n > kEventsPageMax) {
      return Fail("invalid_param", "events_limit must be from 1 to 1000", "events_limit");
    }
    page.limit = static_cast<int>(*n);
  }
  if (req.has_param("events_before")) {
    if (!(page.before_id = ParseId(req.get_param_value("events_before")))) {
      return Fail("invalid_param", "events_before must be an event id", "events_before");
    }
  }
  return page;
}

// Optional JSON body {"by": "...", "note": "..."} of ack/resolve.
Result<std::pair<std::string, std::string>> ParseActionBody(const std::string& body) {
  if (body.empty()) return std::pair<std::string, std::string>{"admin", ""};
  auto doc = ParseJsonObject(body);
  if (!doc) return std::unexpected(doc.error());
  std::string by = "admin", note;
  for (auto [key, out] : {std::pair{"by", &by}, std::pair{"note", &note}}) {
    auto it = doc->find(key);
    if (it == doc->end() || it->is_null()) continue;
    if (!it->is_string()) return Fail("invalid_field", std::string(key) + " must be a string", key);
    *out = TruncateUtf8(it->get<std::string>(), 2000);
  }
  if (by.empty()) by = "admin";
  return std::pair{by, note};
}

}  // namespace

void HttpServer::AlertRoutes() {
  auto admin = [this](Handler h) { return RequireAdmin(deps_.admin, std::move(h)); };

  Get("/api/v1/alerts", admin([this](const HttpRequest& req, HttpResponse& res) {
    auto filter = ParseFilter(req, deps_.clock.Now());
    if (!filter) return WriteError(res, filter.error());
    auto alerts = deps_.reads.ListAlerts(*filter);
    if (!alerts) return WriteError(res, alerts.error());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : *alerts) list.push_back(AlertView(a, false));
    nlohmann::json next;
    if (alerts->size() == static_cast<size_t>(filter->limit)) next = alerts->back().id;
    WriteJson(res, 200, nlohmann::json{{"alerts", list}, {"next_before", next}}.dump());
  }));

  Get(R"(/api/v1/alerts/(\d+))",
               admin([this](const HttpRequest& req, HttpResponse& res) {
    auto id = ParseId(req.matches[1]);
    auto alert = id ? deps_.reads.GetAlert(*id) : Result<std::optional<Alert>>();
    if (!alert) return WriteError(res, alert.error());
    if (!id || !*alert) {
      return WriteError(res, {"not_found", "alert " + std::string(req.matches[1]) +
                                               " does not exist", "id", 404});
    }
    auto page = ParseEventPage(req);
    if (!page) return WriteError(res, page.error());
    const int limit = page->limit;
    page->limit += 1;  // one more than shown: whether older events remain
    auto events = deps_.reads.AlertEvents(*id, *page);
    auto deliveries = deps_.reads.AlertDeliveries(*id);
    auto escalation = deps_.reads.GetEscalation(*id);
    if (!events) return WriteError(res, events.error());
    if (!deliveries) return WriteError(res, deliveries.error());
    if (!escalation) return WriteError(res, escalation.error());
    nlohmann::json ev = nlohmann::json::array(), dl = nlohmann::json::array(), next;
    if (events->size() > static_cast<size_t>(limit)) {
      events->erase(events->begin());
      next = events->front().id;
    }
    for (const auto& e : *events) ev.push_back(EventView(e));
    for (const auto& d : *deliveries) dl.push_back(DeliveryView(d));
    WriteJson(res, 200,
              nlohmann::json{{"alert", AlertView(**alert, true)},
                             {"escalation", *escalation ? EscalationView(**escalation)
                                                        : nlohmann::json()},
                             {"events", ev},
                             {"events_next_before", next},
                             {"deliveries", dl}}.dump());
  }));

  Post(R"(/api/v1/alerts/(\d+)/(ack|acknowledge|resolve))",
       RequireAdmin(deps_.admin, [this](const HttpRequest& req, HttpResponse& res,
                                        const std::string& raw) {
    auto id = ParseId(req.matches[1]);
    if (!id) return WriteError(res, {"not_found", "no such alert", "id", 404});
    auto body = ParseActionBody(raw);
    if (!body) return WriteError(res, body.error());
    const auto target = req.matches[2] == "resolve" ? AlertStatus::kResolved
                                                   : AlertStatus::kAcknowledged;
    auto done = AwaitEngine(deps_.engine.Submit(
        AlertActionCommand{*id, target, "user:" + body->first, body->second, {}}));
    if (!done) return WriteError(res, done.error());
    auto alert = deps_.reads.GetAlert(*id);
    if (!alert || !*alert) return WriteError(res, {"internal", "alert vanished", "id", 500});
    WriteJson(res, 200, nlohmann::json{{"alert", AlertView(**alert, false)}}.dump());
  }));
}

void HttpServer::AdminRoutes() {
  auto admin = [this](Handler h) { return RequireAdmin(deps_.admin, std::move(h)); };

  Get("/metrics", admin([this](const HttpRequest&, HttpResponse& res) {
    res.set_content(deps_.metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
  }));

  Get("/api/v1/status", admin([this](const HttpRequest&, HttpResponse& res) {
    auto counts = deps_.reads.CountAlerts();
    if (!counts) return WriteError(res, counts.error());
    nlohmann::json body = {
        {"version", deps_.version},
        {"now", FormatTimestamp(deps_.clock.Now())},
        {"console_endpoint", deps_.console_endpoint},
        {"alerts",
         {{"triggered", counts->triggered},
          {"acknowledged", counts->acknowledged},
          {"resolved", counts->resolved}}},
        {"deliveries_pending", counts->outbox_pending},
        {"integrations", deps_.registry.size()}};
    WriteJson(res, 200, body.dump());
  }));

  Get("/api/v1/integrations",
               admin([this](const HttpRequest&, HttpResponse& res) {
    auto rows = deps_.reads.ListIntegrations();
    if (!rows) return WriteError(res, rows.error());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : *rows) {
      list.push_back({{"id", r.id}, {"name", r.name}, {"kind", r.kind}, {"origin", r.origin},
                      {"enabled", !r.key_sha256.empty()},
                      {"created_at", FormatTimestamp(r.created_at)}});
    }
    WriteJson(res, 200, nlohmann::json{{"integrations", list}}.dump());
  }));

  Post("/api/v1/integrations",
       RequireAdmin(deps_.admin, [this](const HttpRequest&, HttpResponse& res,
                                        const std::string& body) {
    auto doc = ParseJsonObject(body);
    if (!doc) return WriteError(res, doc.error());
    auto name = doc->value("name", nlohmann::json());
    if (!name.is_string()) return WriteError(res, {"missing_field", "name is required", "name"});
    auto kind = doc->value("kind", nlohmann::json("any"));
    if (!kind.is_string()) return WriteError(res, {"invalid_field", "kind must be a string", "kind"});
    auto done = AwaitEngine(deps_.engine.Submit(CreateIntegrationCommand{name, kind, {}}));
    if (!done) return WriteError(res, done.error());
    const auto& [in, key] = *done;
    WriteJson(res, 201,
              nlohmann::json{{"integration", {{"id", in.id}, {"name", in.name}, {"kind", in.kind}}},
                             {"key", key}}.dump());
  }));
}

}  // namespace vigil
