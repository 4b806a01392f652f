// The HTTP front of vigild: ingest endpoints, the JSON API under /api/v1/, /healthz and
// /metrics, served event-driven (Boost.Beast on Asio, a few I/O threads).
//
// Ingest handlers run on an I/O thread: they parse, validate and authenticate, hand a command
// to the engine and return; the engine's callback after the commit sends the reply. So an
// open connection costs no thread, and one commit wakes the I/O thread once for all its
// replies instead of waking one blocked thread per request. Every other handler (reads from
// the ReadStore, admin actions that wait for the engine) runs on a small blocking pool.
#pragma once

#include <chrono>
#include <future>
#include <functional>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config.h"
#include "daemon/auth/auth.h"
#include "daemon/auth/links.h"
#include "daemon/common/i18n.h"
#include "daemon/common/clock.h"
#include "daemon/common/error.h"
#include "daemon/common/metrics.h"
#include "daemon/engine/engine.h"
#include "daemon/http/answers.h"
#include "daemon/http/guards.h"
#include "daemon/incidents/library_holder.h"
#include "daemon/ingest/ingest.h"
#include "daemon/store/store.h"

#include "daemon/http/message.h"

namespace vigil {

// A GET (and HEAD) handler; runs on the blocking pool.
using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
// A POST handler that receives its body already read, capped at kMaxBodyBytes whatever the
// transfer encoding; runs on the blocking pool.
using BodyHandler =
    std::function<void(const HttpRequest&, HttpResponse&, const std::string& body)>;
// Sends the reply to a request; call it exactly once, from any thread.
using Respond = std::function<void(HttpResponse)>;
// A POST handler that must not block: it runs on an I/O thread and answers through `respond`,
// typically from the engine's commit callback. Without an answer within 30 s the client gets
// 503 timeout.
using AsyncBodyHandler =
    std::function<void(const HttpRequest&, std::string body, Respond respond)>;
// Checks a POST's headers before its body is read (e.g. the key of a protocol that sends it
// in a header): an error is answered at once, the body is never read, the connection closes.
// Runs on an I/O thread; must not block.
using HeadCheck = std::function<std::optional<Error>(const HttpRequest&)>;

// Everything the handlers use; all must outlive the server. All are thread-safe.
struct HttpDeps {
  Engine& engine;
  ReadStore& reads;
  const SetupHolder& setup;  // the on-call setup in force (replaced on reload)
  IntegrationRegistry& registry;
  const AdminToken& admin;
  Metrics& metrics;
  const Clock& clock;
  std::string console_endpoint;  // told to `vigilctl watch` by GET /api/v1/status
  std::string version;
  const LinkSigner* links = nullptr;  // answer links in messages (null: the routes answer 404)
  Lang lang = Lang::kVi;              // language of the pages people see (answer links)
  AnswerOptions answers;              // SMS reply codes and Telegram callbacks
  const PlaybookHolder* playbooks = nullptr;  // incident playbooks (null: none loaded)
  // Failed guesses at reply codes, links, feed tokens and the Telegram secret (null: none
  // are limited, for tests).
  GuessLimiters* guesses = nullptr;
  IngestLimits ingest;  // what one ingest request may store (config ingest:)
};

class HttpServer {
 public:
  HttpServer(HttpDeps deps, const Config::Http& options);
  ~HttpServer();

  // Binds host:port (port 0 picks a free one) with the configured backlog.
  // Returns the bound port; fails with a readable Error when the address is taken.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(); blocks the calling thread (which becomes one of the I/O threads).
  void Serve();
  // Graceful stop: refuses new POSTs with 503, waits (at most 10 s) until every POST already
  // taken has its reply written, closes idle keep-alive connections, and makes Serve()
  // return. Thread-safe.
  void Stop();

  // Serves the requests in `raw` (HTTP/1.1 bytes, pipelined, at most 16) without a socket:
  // the same parser and limits, head checks, router and handlers as a connection, on the
  // calling thread (blocking handlers run here; an async handler's reply is waited for up
  // to 30 s). Stops after a reply that would close the connection or at the end of the
  // bytes. Returns the replies in order. For the fuzz target and tests; do not mix with
  // Serve() on one server.
  std::vector<HttpResponse> ServeBytes(std::string_view raw);

  struct Impl;  // Asio and Beast live in server.cc only

 private:
  void Routes();
  void Get(const std::string& pattern, Handler h);
  void Post(const std::string& pattern, BodyHandler h);
  void PostAsync(const std::string& pattern, AsyncBodyHandler h, HeadCheck check = {});
  void IngestRoutes();
  void AlertRoutes();
  void AdminRoutes();
  void OnCallRoutes();  // oncall_routes.cc: who is on duty, gaps, people, duty.ics, check-ins
  void LinkRoutes();    // link_routes.cc: GET shows a confirm page, POST acts
  // link_routes.cc: verifies /l/{token} under the per-address guess limit; on failure writes
  // the page (403, 410 or 429) and returns nullopt.
  std::optional<LinkClaims> CheckLink(const HttpRequest& req, HttpResponse& res);
  void AnswerRoutes();  // answer_routes.cc: SMS reply codes, Telegram button callbacks
  void IncidentRoutes();  // incident_routes.cc: tickets, steps, timeline, reports
  void UiRoutes();        // ui_routes.cc: the incident web page, /ui/ and /ui/app.js

  HttpDeps deps_;
  Config::Http options_;
  std::unique_ptr<Impl> impl_;
};

// Waits for the engine's reply to a command for at most 30 s. A stalled engine costs the
// caller a 503 (retry) instead of holding an HTTP thread forever; the command may still be
// committed later, which is why ingest clients should send a dedup_key.
template <class T>
Result<T> AwaitEngine(std::future<Result<T>> future) {
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return std::unexpected(
        Error{"timeout", "vigild did not commit the request in time; retry", "", 503});
  }
  return future.get();
}

// Writes {"error":{"code","message","field"}} with the error's status; a 503 also gets
// Retry-After: 1. Text that is not UTF-8 (request bytes echoed in a message) is replaced.
void WriteError(HttpResponse& res, const Error& e);
// Serialises JSON for a reply: bytes that are not UTF-8 in its strings become U+FFFD
// instead of throwing (nlohmann's dump() throws type_error.316 on them). Every JSON the
// HTTP layer builds from request-derived text goes through this.
std::string Dump(const nlohmann::json& j);
// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsUtf8(std::string_view s);
// Sets Retry-After on `res` when `e` is a 503 (busy, stopping, timed out): retry in 1 s.
void RetryAfterIfBusy(HttpResponse& res, const Error& e);
// Wraps a handler so it runs only for callers holding the admin token (Authorization
// header); the others get the token check's error. `token` must outlive the handler.
Handler RequireAdmin(const AdminToken& token, Handler h);
BodyHandler RequireAdmin(const AdminToken& token, BodyHandler h);
// Writes a JSON body with `status`.
void WriteJson(HttpResponse& res, int status, std::string body);


}  // namespace vigil
