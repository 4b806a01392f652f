// POST /v2/enqueue (PagerDuty Events API v2) and POST /api/v1/integrations/alertmanager.
#include <httplib.h>

#include <chrono>

#include "daemon/common/log.h"
#include "daemon/http/server.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

// Hands events to the engine and waits for the commit that holds them.
Result<std::vector<IngestOutcome>> Commit(Engine& engine, const Integration& in,
                                          std::vector<IngestEvent> events) {
  return AwaitEngine(engine.Submit(IngestCommand{in, std::move(events), {}}));
}

// PagerDuty clients read "status"/"message"/"errors"; Vigil clients read "error".
void WriteEventsV2Error(httplib::Response& res, const Error& e, Metrics& metrics) {
  metrics.EventsRejected(e.code).Increment();
  nlohmann::json err = {{"code", e.code}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  nlohmann::json body = {{"status", e.status == 400 ? "invalid event" : "error"},
                         {"message", e.message},
                         {"errors", {e.message}},
                         {"error", err}};
  WriteJson(res, e.status, body.dump());
}

}  // namespace

void HttpServer::IngestRoutes() {
  Post("/v2/enqueue", [this](const httplib::Request&, httplib::Response& res,
                             const std::string& body) {
    auto doc = ParseJsonObject(body);
    if (!doc) return WriteEventsV2Error(res, doc.error(), deps_.metrics);
    auto in = deps_.registry.Authenticate(EventsV2RoutingKey(*doc), "events_v2");
    if (!in) {
      Error e = in.error();
      e.field = "routing_key";
      return WriteEventsV2Error(res, e, deps_.metrics);
    }
    auto ev = ParseEventsV2(*doc);
    if (!ev) return WriteEventsV2Error(res, ev.error(), deps_.metrics);
    std::vector<IngestEvent> events;
    events.push_back(std::move(*ev));
    auto done = Commit(deps_.engine, *in, std::move(events));
    if (!done) return WriteEventsV2Error(res, done.error(), deps_.metrics);
    nlohmann::json reply = {{"status", "success"},
                            {"message", "Event processed"},
                            {"dedup_key", done->front().dedup_key}};
    WriteJson(res, 202, reply.dump());
  });

  Post("/api/v1/integrations/alertmanager",
       [this](const httplib::Request& req, httplib::Response& res, const std::string& body) {
    auto reject = [&](const Error& e) {
      deps_.metrics.EventsRejected(e.code).Increment();
      WriteError(res, e);
    };
    auto in = deps_.registry.Authenticate(BearerToken(req.get_header_value("Authorization")),
                                          "alertmanager");
    if (!in) return reject(in.error());
    auto doc = ParseJsonObject(body);
    if (!doc) return reject(doc.error());
    auto events = ParseAlertmanager(*doc);
    if (!events) return reject(events.error());
    const size_t n = events->size();
    auto done = Commit(deps_.engine, *in, std::move(*events));
    if (!done) return reject(done.error());
    size_t created = 0, resolved = 0;
    for (const auto& o : *done) {
      created += o.effect == Effect::kCreate;
      resolved += o.effect == Effect::kResolve;
    }
    nlohmann::json reply = {{"status", "success"},
                            {"message", "Events processed"},
                            {"events", n},
                            {"created", created},
                            {"resolved", resolved}};
    WriteJson(res, 202, reply.dump());
  });
}

}  // namespace vigil
