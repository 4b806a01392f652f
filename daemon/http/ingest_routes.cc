// POST /v2/enqueue (PagerDuty Events API v2) and POST /api/v1/integrations/alertmanager.
// Both run on an I/O thread without blocking: parse, authenticate, hand the events to the
// engine; the engine's commit callback sends the 202. Alertmanager's key (a header) is
// checked before its body is read; Events v2 carries its key in the body.
#include <chrono>

#include "daemon/common/json_text.h"
#include "daemon/common/log.h"
#include "daemon/http/server.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

// PagerDuty clients read "status"/"message"/"errors"; Vigil clients read "error".
HttpResponse EventsV2Error(const Error& e, Metrics& metrics) {
  metrics.EventsRejected(e.code).Increment();
  nlohmann::json err = {{"code", e.code}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  nlohmann::json body = {{"status", e.status == 400 ? "invalid event" : "error"},
                         {"message", e.message},
                         {"errors", {e.message}},
                         {"error", err}};
  HttpResponse res;
  WriteJson(res, e.status, Dump(body));
  RetryAfterIfBusy(res, e);
  return res;
}

HttpResponse Rejected(const Error& e, Metrics& metrics) {
  metrics.EventsRejected(e.code).Increment();
  HttpResponse res;
  WriteError(res, e);
  return res;
}

}  // namespace

void HttpServer::IngestRoutes() {
  PostAsync("/v2/enqueue", [this](const HttpRequest&, std::string body, Respond respond) {
    Metrics& metrics = deps_.metrics;
    auto doc = ParseJsonObject(body);
    if (!doc) return respond(EventsV2Error(doc.error(), metrics));
    auto in = deps_.registry.Authenticate(EventsV2RoutingKey(*doc), "events_v2");
    if (!in) {
      Error e = in.error();
      e.field = "routing_key";
      return respond(EventsV2Error(e, metrics));
    }
    auto ev = ParseEventsV2(*doc, deps_.ingest);
    if (!ev) return respond(EventsV2Error(ev.error(), metrics));
    IngestCommand command{*in, {}, Reply<std::vector<IngestOutcome>>(
        [respond = std::move(respond), &metrics](Result<std::vector<IngestOutcome>> done) {
      if (!done) return respond(EventsV2Error(done.error(), metrics));
      std::string reply = R"({"status":"success","message":"Event processed","dedup_key":)";
      AppendJsonString(reply, done->front().dedup_key);
      reply += '}';
      HttpResponse res;
      WriteJson(res, 202, std::move(reply));
      respond(std::move(res));
    })};
    command.events.push_back(std::move(*ev));
    deps_.engine.SubmitAsync(std::move(command));
  });

  // Alertmanager sends its key in a header: a wrong one is refused before the body is read.
  HeadCheck alertmanager_key = [this](const HttpRequest& req) -> std::optional<Error> {
    auto in = deps_.registry.Authenticate(BearerToken(req.get_header_value("Authorization")),
                                          "alertmanager");
    if (in) return std::nullopt;
    deps_.metrics.EventsRejected(in.error().code).Increment();
    return in.error();
  };
  PostAsync("/api/v1/integrations/alertmanager",
            [this](const HttpRequest& req, std::string body, Respond respond) {
    Metrics& metrics = deps_.metrics;
    auto in = deps_.registry.Authenticate(BearerToken(req.get_header_value("Authorization")),
                                          "alertmanager");
    if (!in) return respond(Rejected(in.error(), metrics));
    auto doc = ParseJsonObject(body);
    if (!doc) return respond(Rejected(doc.error(), metrics));
    auto events = ParseAlertmanager(*doc, deps_.ingest);
    if (!events) return respond(Rejected(events.error(), metrics));
    const size_t n = events->size();
    deps_.engine.SubmitAsync(IngestCommand{*in, std::move(*events), Reply<std::vector<IngestOutcome>>(
        [respond = std::move(respond), &metrics, n](Result<std::vector<IngestOutcome>> done) {
      if (!done) return respond(Rejected(done.error(), metrics));
      size_t created = 0, resolved = 0;
      for (const auto& o : *done) {
        created += o.effect == Effect::kCreate;
        resolved += o.effect == Effect::kResolve;
      }
      HttpResponse res;
      WriteJson(res, 202,
                fmt::format(R"({{"status":"success","message":"Events processed","events":{},)"
                            R"("created":{},"resolved":{}}})",
                            n, created, resolved));
      respond(std::move(res));
    })});
  }, std::move(alertmanager_key));
}

}  // namespace vigil
