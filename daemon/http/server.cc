#include "daemon/http/server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "daemon/common/log.h"
#include "daemon/ingest/ingest.h"

namespace vigil {

void WriteJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json; charset=utf-8");
}

void WriteError(httplib::Response& res, const Error& e) {
  nlohmann::json err = {{"code", e.code}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  WriteJson(res, e.status, nlohmann::json{{"error", err}}.dump());
}

HttpServer::HttpServer(HttpDeps deps, const Config::Http& options)
    : deps_(std::move(deps)), options_(options), server_(std::make_unique<httplib::Server>()) {
  auto& s = *server_;
  const size_t threads = static_cast<size_t>(options_.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_tcp_nodelay(true);  // Nagle + delayed ACK would stall every keep-alive reply ~40 ms
  s.set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max_requests));
  s.set_keep_alive_timeout(std::max<time_t>(1, options_.keep_alive_timeout / 1000));
  s.set_payload_max_length(kMaxBodyBytes);
  // The listen socket's fd is captured here so Bind() can raise the backlog that
  // Debian's prebuilt cpp-httplib fixes at 5.
  s.set_socket_options([this](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = fd;
  });
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413) {
      deps_.metrics.EventsRejected("payload_too_large").Increment();
      WriteError(res, {"payload_too_large", "the request body is larger than 512 KiB", "", 413});
    } else if (res.status == 404) {
      WriteError(res, {"not_found", "no such endpoint: " + req.method + " " + req.path, "", 404});
    } else {
      WriteError(res, {"http_error", "the request could not be handled", "", res.status});
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    Log("http")->error("handler_exception error=\"{}\"", what);
    WriteError(res, {"internal", "internal error; see the vigild log", "", 500});
  });
  Routes();
}

HttpServer::~HttpServer() = default;

void HttpServer::Routes() {
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    WriteJson(res, 200, R"({"status":"ok"})");
  });
  IngestRoutes();
  AlertRoutes();
  AdminRoutes();
}

Result<int> HttpServer::Bind(const std::string& host, int port) {
  const int bound = port == 0 ? server_->bind_to_any_port(host) : 
                    (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return Fail("listen_failed",
                "cannot listen on " + host + ":" + std::to_string(port) +
                    " (address in use or not available)",
                "listen", 500);
  }
  if (listen_fd_ >= 0) ::listen(listen_fd_, options_.listen_backlog);
  return bound;
}

void HttpServer::Serve() { server_->listen_after_bind(); }

void HttpServer::Stop() { server_->stop(); }

}  // namespace vigil
