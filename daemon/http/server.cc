#include "daemon/http/server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "daemon/common/log.h"
#include "daemon/ingest/ingest.h"

namespace vigil {

namespace {
// Set while this connection thread's POST counts as in flight: from its handler until
// cpp-httplib's logger runs, which is after the reply has been written.
thread_local bool counted_request = false;
}  // namespace

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
  s.set_logger([this](const httplib::Request&, const httplib::Response&) {
    if (!counted_request) return;
    counted_request = false;
    std::lock_guard lock(mu_);
    if (--in_flight_ == 0) idle_.notify_all();
  });
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

void HttpServer::Post(const std::string& pattern, BodyHandler h) {
  server_->Post(pattern, [this, h = std::move(h)](const httplib::Request& req,
                                                 httplib::Response& res,
                                                 const httplib::ContentReader& reader) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        res.set_header("Connection", "close");
        return WriteError(res, {"shutting_down", "vigild is stopping; retry shortly", "", 503});
      }
      ++in_flight_;
      counted_request = true;  // until the logger sees its reply written
    }
    std::string body;
    bool too_big = false;
    const bool read = reader([&](const char* data, size_t len) {
      if (body.size() + len > kMaxBodyBytes) return !(too_big = true);
      body.append(data, len);
      return true;
    });
    const bool declared_too_big =
        std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) > kMaxBodyBytes;
    if (too_big || declared_too_big) {
      res.set_header("Connection", "close");  // the rest of the body is never read
      WriteError(res, {"payload_too_large", "the request body is larger than 512 KiB", "", 413});
    } else if (!read) {
      res.set_header("Connection", "close");
      WriteError(res, {"bad_body", "the request body could not be read", "", 400});
    } else {
      h(req, res, body);
    }
  });
}

void HttpServer::Routes() {
  // Only GET/HEAD without a body and POST (read through a capped reader) get past here, so
  // no request can make the server buffer an unbounded chunked body.
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    const bool post = req.method == "POST";
    if (!post && req.method != "GET" && req.method != "HEAD") {
      WriteError(res, {"method_not_allowed", req.method + " is not supported", "", 405});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!post && (req.has_header("Transfer-Encoding") ||
                  std::atoll(req.get_header_value("Content-Length").c_str()) > 0)) {
      res.set_header("Connection", "close");
      WriteError(res, {"unexpected_body", req.method + " requests take no body", "", 400});
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    WriteJson(res, 200, R"({"status":"ok"})");
  });
  IngestRoutes();
  AlertRoutes();
  AdminRoutes();
  OnCallRoutes();
  LinkRoutes();
  AnswerRoutes();
  Post(".*", [](const httplib::Request& req, httplib::Response& res, const std::string&) {
    WriteError(res, {"not_found", "no such endpoint: POST " + req.path, "", 404});
  });
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
  port_ = bound;
  return bound;
}

void HttpServer::Serve() { server_->listen_after_bind(); }

void HttpServer::Stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  server_->stop();
  // Every request that reached the engine gets its reply written before connections are
  // touched. A reply whose write failed never reaches the logger: the wait is capped.
  idle_.wait_for(lock, std::chrono::seconds(10), [this] { return in_flight_ == 0; });
  lock.unlock();
  ShutdownIdleConnections();
}

// cpp-httplib keeps an idle keep-alive connection until its timeout, even after stop().
// Shutting the read side of our accepted sockets wakes those waits at once; a request
// already being handled still writes its reply (only reading is shut).
void HttpServer::ShutdownIdleConnections() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    const std::string name = entry.path().filename().string();
    std::from_chars(name.data(), name.data() + name.size(), fd);
    sockaddr_storage local{}, peer{};
    socklen_t llen = sizeof local, plen = sizeof peer;
    if (fd < 0 || fd == listen_fd_ || getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) {
      continue;
    }
    const int port = local.ss_family == AF_INET6
                         ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                         : ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    if ((local.ss_family == AF_INET || local.ss_family == AF_INET6) && port == port_) {
      ::shutdown(fd, SHUT_RD);
    }
  }
}

}  // namespace vigil
