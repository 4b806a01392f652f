// The HTTP front of vigild (cpp-httplib): ingest endpoints, the JSON API under /api/v1/,
// /healthz and /metrics. Handler threads parse, validate and authenticate, then hand a
// command to the engine and wait for its commit; reads go to the ReadStore.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "daemon/auth/auth.h"
#include "daemon/common/clock.h"
#include "daemon/common/error.h"
#include "daemon/common/metrics.h"
#include "daemon/engine/engine.h"
#include "daemon/store/store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace vigil {

// Everything the handlers use; all must outlive the server. All are thread-safe.
struct HttpDeps {
  Engine& engine;
  ReadStore& reads;
  IntegrationRegistry& registry;
  const AdminToken& admin;
  Metrics& metrics;
  const Clock& clock;
  std::string console_endpoint;  // told to `vigilctl watch` by GET /api/v1/status
  std::string version;
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
  void IngestRoutes();
  void AlertRoutes();
  void AdminRoutes();

  HttpDeps deps_;
  Config::Http options_;
  std::unique_ptr<httplib::Server> server_;
  int listen_fd_ = -1;
};

// Writes {"error":{"code","message","field"}} with the error's status.
void WriteError(httplib::Response& res, const Error& e);
// Writes a JSON body with `status`.
void WriteJson(httplib::Response& res, int status, const std::string& body);

}  // namespace vigil
