// The HTTP front of vigild (cpp-httplib): ingest endpoints, the JSON API under /api/v1/,
// /healthz and /metrics. Handler threads parse, validate and authenticate, then hand a
// command to the engine and wait for its commit; reads go to the ReadStore.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <functional>
#include <mutex>
#include <memory>
#include <string>

#include "config/config.h"
#include "daemon/auth/auth.h"
#include "daemon/auth/links.h"
#include "daemon/common/i18n.h"
#include "daemon/common/clock.h"
#include "daemon/common/error.h"
#include "daemon/common/metrics.h"
#include "daemon/engine/engine.h"
#include "daemon/http/answers.h"
#include "daemon/store/store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace vigil {

// A POST handler that receives its body already read, capped at kMaxBodyBytes whatever the
// transfer encoding (Debian's cpp-httplib checks the cap only against Content-Length).
using BodyHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const std::string& body)>;

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
};

class HttpServer {
 public:
  HttpServer(HttpDeps deps, const Config::Http& options);
  ~HttpServer();

  // Binds host:port (port 0 picks a free one) with the configured backlog.
  // Returns the bound port; fails with a readable Error when the address is taken.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(); blocks the calling thread.
  void Serve();
  // Stops accepting, lets in-flight requests finish. Thread-safe.
  void Stop();

 private:
  void Routes();
  // Registers `h` for POST `pattern`, reading the body through a capped content reader.
  void Post(const std::string& pattern, BodyHandler h);
  // Wakes idle keep-alive connections so they close now instead of at their timeout.
  void ShutdownIdleConnections();
  void IngestRoutes();
  void AlertRoutes();
  void AdminRoutes();
  void OnCallRoutes();
  void AnswerRoutes();  // answer_routes.cc: SMS reply codes, Telegram button callbacks
  void LinkRoutes();  // link_routes.cc: GET shows a confirm page, POST acts  // oncall_routes.cc: who is on duty, gaps, people, duty.ics, check-ins

  HttpDeps deps_;
  Config::Http options_;
  std::unique_ptr<httplib::Server> server_;
  int listen_fd_ = -1;
  int port_ = 0;
  // Graceful stop: once stopping_, POSTs are refused before they reach the engine, and Stop
  // waits for in_flight_ handlers before waking idle connections.
  std::mutex mu_;
  std::condition_variable idle_;
  int in_flight_ = 0;
  bool stopping_ = false;
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

// Writes {"error":{"code","message","field"}} with the error's status.
void WriteError(httplib::Response& res, const Error& e);
// Writes a JSON body with `status`.
void WriteJson(httplib::Response& res, int status, const std::string& body);


}  // namespace vigil
