#include "daemon/http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <optional>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "daemon/common/log.h"
#include "daemon/common/thread_name.h"
#include "daemon/ingest/ingest.h"

namespace vigil {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;
// A connection's socket, typed on its strand: no type-erased executor on every operation.
using Strand = net::strand<net::io_context::executor_type>;
using Socket = net::basic_stream_socket<tcp, Strand>;
using SteadyNs = std::int64_t;  // steady_clock nanoseconds; 0: no deadline

namespace {
constexpr auto kEngineWait = std::chrono::seconds(30);   // as AwaitEngine
constexpr auto kBodyReadTime = std::chrono::seconds(30);  // a slow client's whole body
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr auto kLingerTime = std::chrono::seconds(2);

SteadyNs SteadyNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// How often the server looks for connections past their deadline: a quarter of the
// keep-alive timeout, between 50 ms and 1 s. A timeout fires up to one period late.
std::chrono::milliseconds SweepPeriod(const Config::Http& options) {
  return std::clamp(std::chrono::milliseconds(options.keep_alive_timeout / 4),
                    std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const BeastRequest& Fields(const HttpRequest& r) { return *static_cast<const BeastRequest*>(r.fields); }

HttpResponse ErrorResponse(const Error& e) {
  HttpResponse res;
  WriteError(res, e);
  return res;
}
}  // namespace

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string HttpRequest::get_header_value(const std::string& name) const {
  if (!fields) return {};
  const auto& f = Fields(*this);
  auto it = f.find(name);
  return it == f.end() ? std::string() : std::string(it->value());
}

bool HttpRequest::has_header(const std::string& name) const {
  return fields && Fields(*this).find(name) != Fields(*this).end();
}

std::string HttpRequest::get_param_value(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

bool HttpRequest::has_param(const std::string& key) const { return params.contains(key); }

void WriteJson(HttpResponse& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), "application/json; charset=utf-8");
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlongs
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
    } else {
      return false;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

void RetryAfterIfBusy(HttpResponse& res, const Error& e) {
  if (e.status == 503) res.set_header("Retry-After", "1");
}

void WriteError(HttpResponse& res, const Error& e) {
  nlohmann::json err = {{"code", e.code}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  WriteJson(res, e.status, Dump(nlohmann::json{{"error", err}}));
  RetryAfterIfBusy(res, e);
}

Handler RequireAdmin(const AdminToken& token, Handler h) {
  return [&token, h = std::move(h)](const HttpRequest& req, HttpResponse& res) {
    if (auto ok = token.Check(req.get_header_value("Authorization")); !ok) {
      return WriteError(res, ok.error());
    }
    h(req, res);
  };
}
BodyHandler RequireAdmin(const AdminToken& token, BodyHandler h) {
  return [&token, h = std::move(h)](const HttpRequest& req, HttpResponse& res,
                                    const std::string& body) {
    if (auto ok = token.Check(req.get_header_value("Authorization")); !ok) {
      return WriteError(res, ok.error());
    }
    h(req, res, body);
  };
}

// ---- routing

namespace {
enum class Kind { kGet, kPost, kPostAsync };
struct HttpRoute {
  Kind kind;
  std::optional<std::regex> regex;  // matched against the whole path; none: exact path
  Handler get;
  BodyHandler post;
  AsyncBodyHandler async;
  HeadCheck check;  // kPostAsync only, optional: runs before the body is read
};

// What the front makes of a request's head: the route, or the error to answer instead
// (`early`: at once, without reading the body; otherwise after it, keeping the connection).
struct Routed {
  const HttpRoute* route = nullptr;
  std::optional<Error> error;
  bool early = false;
};

Error TooLargeError() {
  return {"payload_too_large", "the request body is larger than 512 KiB", "", 413};
}
Error InternalError() { return {"internal", "internal error; see the vigild log", "", 500}; }

// Logs an exception that reached a boundary (`where`: the callback or task it ended).
void LogEscaped(std::string_view where, std::string_view what) {
  Log("http")->error("exception_caught where={} error=\"{}\"", where, what);
}

// Runs `f`; an exception is logged and becomes a 500 in `res`. False when it threw.
template <class F>
bool Guard(HttpResponse& res, F&& f) {
  try {
    f();
    return true;
  } catch (const std::exception& e) {
    Log("http")->error("handler_exception error=\"{}\"", e.what());
  } catch (...) {
    Log("http")->error("handler_exception error=\"unknown\"");
  }
  res = ErrorResponse(InternalError());
  return false;
}

// The head checks every request passes before its body is read: the method, no body on a
// GET or HEAD, a declared length within the limit. Null when the head is acceptable.
std::optional<Error> CheckHead(const bhttp::request_parser<bhttp::string_body>& parser) {
  const auto& req = parser.get();
  const auto method = req.method();
  const bool post = method == bhttp::verb::post;
  if (!post && method != bhttp::verb::get && method != bhttp::verb::head) {
    return Error{"method_not_allowed", std::string(req.method_string()) + " is not supported",
                 "", 405};
  }
  const auto length = parser.content_length();
  if (!post && (parser.chunked() || (length && *length > 0))) {
    return Error{"unexpected_body", std::string(req.method_string()) + " requests take no body",
                 "", 400};
  }
  if (length && *length > kMaxBodyBytes) return TooLargeError();
  return std::nullopt;
}

// The error for a read that failed on the head or body, if it deserves a reply (too large);
// null: the connection just closes (peer gone, timeout, garbage).
std::optional<Error> ReadError(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) return TooLargeError();
  if (ec == bhttp::error::header_limit) {
    return Error{"headers_too_large", "the request headers are too large", "", 431};
  }
  return std::nullopt;
}

// Decodes the query into req.params; the first key or value that is not UTF-8 once decoded
// is the error (naming the parameter, or "query" when the name itself is not UTF-8).
std::optional<Error> ParseQuery(std::string_view query, HttpRequest& req) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      std::string key = UrlDecode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : UrlDecode(pair.substr(eq + 1), true);
      if (!IsUtf8(key) || !IsUtf8(value)) {
        const bool named = IsUtf8(key);
        return Error{"invalid_utf8",
                     named ? "query parameter " + key + " is not UTF-8 once percent-decoded"
                           : "a query parameter name is not UTF-8 once percent-decoded",
                     named ? key : "query", 400};
      }
      req.params.emplace(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// Runs a blocking route's handler (GET or POST) inside the 500 boundary.
void RunBlocking(const HttpRoute& route, const HttpRequest& req, const std::string& body,
                 HttpResponse& res) {
  Guard(res, [&] {
    if (route.kind == Kind::kGet) {
      route.get(req, res);
    } else {
      route.post(req, res, body);
    }
  });
}
}  // namespace

class Session;

struct HttpServer::Impl {
  explicit Impl(int blocking_threads) : pool(static_cast<size_t>(blocking_threads)) {}

  // Declared first, destroyed last: sessions still queued in `ioc` unregister on destruction.
  std::mutex mu;  // guards the fields below; `stopping` is set under it too
  std::condition_variable changed;
  int in_flight = 0;  // POSTs taken whose reply is not yet written
  // Read without the lock on every reply (keep-alive or close); set once, under `mu`, so a
  // POST counted in `in_flight` under the lock is never refused after it was taken.
  std::atomic<bool> stopping = false;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // registered by Start()
  std::atomic<int> open = 0;  // sessions alive (counted without the lock, for the cap)
  SteadyNs refused_logged = 0;   // when connection_refused was last logged (acceptor strand)
  std::uint64_t refused = 0;     // connections refused since then (acceptor strand)

  std::vector<HttpRoute> routes;
  std::unordered_map<std::string, size_t> exact_post, exact_get;  // path -> index in routes
  net::thread_pool pool;  // blocking handlers (joined by ~HttpServer)
  net::io_context ioc;
  // On a strand of its own: Stop() closes it from another thread than the accept handler's.
  tcp::acceptor acceptor{net::make_strand(ioc)};
  // One timer for every connection's deadline (Session::ExpireAfter), instead of a timer armed
  // and cancelled on each read and write of each connection.
  net::steady_timer sweep{net::make_strand(ioc)};

  // Fills `req` from the head of `msg` (method, decoded path and query; `msg` must outlive
  // `req`), then finds its route and runs the route's head check. A path or query parameter
  // that is not UTF-8 once decoded is a 400 naming it, never looked up.
  Routed Route(const BeastRequest& msg, HttpRequest& req) const {
    Routed out;
    const bool head = msg.method() == bhttp::verb::head;
    req.method = head ? "HEAD" : std::string(msg.method_string());
    req.fields = &msg;
    const std::string_view target(msg.target().data(), msg.target().size());
    const size_t q = target.find('?');
    req.path = UrlDecode(target.substr(0, q), false);
    if (!IsUtf8(req.path)) {
      out.error = Error{"invalid_utf8", "the path is not UTF-8 once percent-decoded", "path", 400};
      return out;
    }
    if (q != std::string_view::npos) {
      if ((out.error = ParseQuery(target.substr(q + 1), req))) return out;
    }
    out.route = Match(req);
    if (!out.route) {
      out.error = Error{"not_found", "no such endpoint: " + req.method + " " + req.path, "", 404};
    } else if (out.route->check) {
      out.error = out.route->check(req);
      out.early = out.error.has_value();
    }
    return out;
  }

  // The route for `req` (setting req.matches), or null.
  const HttpRoute* Match(HttpRequest& req) const {
    const bool post = req.method == "POST";
    const auto& exact = post ? exact_post : exact_get;
    if (auto it = exact.find(req.path); it != exact.end()) return &routes[it->second];
    for (const auto& r : routes) {
      if (!r.regex || (r.kind == Kind::kGet) == post) continue;
      if (std::regex_match(req.path, req.matches, *r.regex)) return &r;
    }
    return nullptr;
  }
};


namespace {
void AddRoute(HttpServer::Impl& impl, const std::string& pattern, HttpRoute route);
}  // namespace

void HttpServer::Get(const std::string& pattern, Handler h) {
  AddRoute(*impl_, pattern, {Kind::kGet, {}, std::move(h), {}, {}});
}

void HttpServer::Post(const std::string& pattern, BodyHandler h) {
  AddRoute(*impl_, pattern, {Kind::kPost, {}, {}, std::move(h), {}});
}

void HttpServer::PostAsync(const std::string& pattern, AsyncBodyHandler h, HeadCheck check) {
  AddRoute(*impl_, pattern, {Kind::kPostAsync, {}, {}, {}, std::move(h), std::move(check)});
}

namespace {
void AddRoute(HttpServer::Impl& impl, const std::string& pattern, HttpRoute route) {
  const bool exact = pattern.find_first_of(R"(\^$.|?*+()[]{})") == std::string::npos;
  if (exact) {
    (route.kind == Kind::kGet ? impl.exact_get : impl.exact_post)[pattern] = impl.routes.size();
  } else {
    route.regex.emplace(pattern);
  }
  impl.routes.push_back(std::move(route));
}
}  // namespace

// ---- one connection

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, HttpServer::Impl& impl, const Config::Http& options, Metrics& metrics)
      : socket_(std::move(socket)),
        impl_(impl),
        options_(options),
        metrics_(metrics) {
    impl_.open.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() {
    impl_.open.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(impl_.mu);
    impl_.sessions.erase(this);
    // A POST whose reply was never written (the connection failed) no longer holds up Stop().
    if (counted_) --impl_.in_flight;
    impl_.changed.notify_all();
  }

  void Start() {
    {
      std::lock_guard lock(impl_.mu);  // only now does weak_from_this() point at this session
      impl_.sessions.emplace(this, weak_from_this());
    }
    beast::error_code ec;
    if (auto peer = socket_.remote_endpoint(ec); !ec) remote_ = peer.address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);  // no Nagle + delayed-ACK stalls
    socket_.non_blocking(true, ec);  // Write() tries to send at once, without the reactor
    net::dispatch(socket_.get_executor(),
                  [self = shared_from_this()] { self->Safely("start", [&] { self->Read(); }); });
  }

  // Closes the connection if it is waiting for a request. Runs on the session's strand.
  void CloseIfIdle() {
    if (!idle_) return;
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.cancel(ec);
  }
  auto executor() { return socket_.get_executor(); }

  // Past its deadline? Read by the sweep on any thread (Impl::mu held, so not destroyed yet).
  bool Expired(SteadyNs now) const {
    const SteadyNs d = deadline_.load(std::memory_order_relaxed);
    return d != 0 && d <= now;
  }
  // The deadline passed (posted by the sweep): a request waiting for the engine gets its 503;
  // a read or write that took too long ends the connection (the pending operation fails).
  // Runs on the session's strand.
  void OnDeadline() {
    if (!Expired(SteadyNow())) return;  // moved on since the sweep looked
    deadline_.store(0, std::memory_order_relaxed);
    if (waiting_ != 0) {
      return OnReply(waiting_, ErrorResponse({"timeout",
                                              "vigild did not commit the request in time; retry",
                                              "", 503}));
    }
    Close();
  }

  // The boundary of every callback on this connection: an exception is logged; a request
  // not yet answered gets a 500 and the connection closes after it; otherwise it closes.
  template <class F>
  void Safely(std::string_view where, F&& f) noexcept {
    try {
      f();
      return;
    } catch (const std::exception& e) {
      LogEscaped(where, e.what());
    } catch (...) {
      LogEscaped(where, "unknown");
    }
    try {
      if (state_ == State::kRequest) {
        keep_alive_ = false;
        linger_ = false;
        waiting_ = 0;
        return Write(ErrorResponse(InternalError()));
      }
    } catch (...) {
      LogEscaped(where, "the 500 reply failed too");
    }
    Close();
  }

 private:
  enum class State { kReading, kRequest, kWriting };

  void Read() {
    state_ = State::kReading;
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    idle_ = true;
    // One deadline for the whole head (idle wait included), not one per read: a client that
    // sends a byte a second is cut off when it passes, like an idle one.
    ExpireAfter(std::chrono::milliseconds(options_.keep_alive_timeout));
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) {
      self->Safely("header", [&] { self->OnHeader(ec); });
    });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    if (ec) {
      // Beast checks a declared Content-Length against the body limit with the header.
      if (auto e = ReadError(ec)) return Refuse(*e);
      return Close();  // closed by the peer, idle timeout, or garbage
    }
    state_ = State::kRequest;
    if (auto e = CheckHead(*parser_)) return Refuse(*e);
    const auto& msg = parser_->get();
    const bool post = msg.method() == bhttp::verb::post;
    if (post && Stopping()) {  // before asking for (and reading) a body that will be refused
      return Fail({"shutting_down", "vigild is stopping; retry shortly", "", 503});
    }
    req_ = HttpRequest{};
    req_.remote = remote_;
    routed_ = impl_.Route(msg, req_);
    if (routed_.early) return Refuse(*routed_.error);
    ExpireAfter(kBodyReadTime);
    if (post && !parser_->is_done() && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
      return net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                              [self = shared_from_this()](beast::error_code ec, size_t) {
        self->Safely("continue", [&] {
          if (ec) return self->Close();
          self->ReadBody();
        });
      });
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
      self->Safely("body", [&] {
        if (auto e = ReadError(ec)) return self->Refuse(*e);
        if (ec) return self->Close();
        self->Dispatch();
      });
    });
  }

  // A request refused on its head (or for its size): answered, then the connection closes.
  void Refuse(const Error& e) {
    if (e.status == 413) metrics_.EventsRejected("payload_too_large").Increment();
    Fail(e);
  }

  // Answers `e` and closes: the rest of the request is never read, only drained.
  void Fail(const Error& e) {
    keep_alive_ = false;
    linger_ = true;
    head_ = false;
    Write(ErrorResponse(e));
  }

  // Closing a socket with unread data makes the kernel reset the connection, and a client
  // still sending its body would lose our reply. So: stop sending, then read and drop what
  // comes (at most 8 MiB, for at most 2 s) until the client closes.
  void Linger() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    scratch_ = std::make_unique<std::array<char, 16384>>();
    ExpireAfter(kLingerTime);
    DrainSome(0);
  }
  void DrainSome(size_t drained) {
    socket_.async_read_some(net::buffer(*scratch_), [self = shared_from_this(), drained](
                                                        beast::error_code ec, size_t n) {
      self->Safely("drain", [&] {
        if (ec || drained + n > 8 * 1024 * 1024) return self->Close();
        self->DrainSome(drained + n);
      });
    });
  }

  void Dispatch() {
    deadline_.store(0, std::memory_order_relaxed);  // a handler may take its time
    BeastRequest& msg = parser_->get();
    ++served_;
    head_ = msg.method() == bhttp::verb::head;
    keep_alive_ = msg.keep_alive() && served_ < options_.keep_alive_max_requests;
    const bool post = msg.method() == bhttp::verb::post;
    if (post) {
      bool refused = false;
      {
        std::lock_guard lock(impl_.mu);
        refused = impl_.stopping;
        if (!refused) ++impl_.in_flight;
      }
      if (refused) {
        keep_alive_ = false;
        return Write(ErrorResponse({"shutting_down", "vigild is stopping; retry shortly", "", 503}));
      }
      counted_ = true;  // until its reply is written
    }
    if (routed_.error) return Write(ErrorResponse(*routed_.error));
    const HttpRoute* route = routed_.route;
    if (route->kind == Kind::kPostAsync) return DispatchAsync(*route, std::move(msg.body()));
    // Blocking handlers run on the pool; the reply comes back to this connection's strand.
    // The work guard keeps the I/O loop running until that reply is written, even when this
    // is the last connection and the acceptor is closed (Stop).
    net::post(impl_.pool, [self = shared_from_this(), route,
                           work = net::make_work_guard(socket_.get_executor())] {
      // The pool task's boundary: nothing escapes a pool thread.
      try {
        HttpResponse res;
        RunBlocking(*route, self->req_, self->parser_->get().body(), res);
        net::post(self->executor(), [self, res = std::move(res)]() mutable {
          self->Safely("reply", [&] { self->Write(std::move(res)); });
        });
      } catch (const std::exception& e) {
        LogEscaped("pool", e.what());
      } catch (...) {
        LogEscaped("pool", "unknown");
      }
    });
  }

  void DispatchAsync(const HttpRoute& route, std::string body) {
    const std::uint64_t ticket = ++ticket_;
    waiting_ = ticket;
    ExpireAfter(kEngineWait);  // OnDeadline answers 503 if the engine has not by then
    Respond respond = [self = shared_from_this(), ticket](HttpResponse res) {
      try {  // called on the engine's thread: nothing may escape into it
        net::post(self->executor(), [self, ticket, res = std::move(res)]() mutable {
          self->Safely("reply", [&] { self->OnReply(ticket, std::move(res)); });
        });
      } catch (const std::exception& e) {
        LogEscaped("respond", e.what());  // the deadline still answers 503
      }
    };
    HttpResponse failed;
    const bool ok = Guard(failed, [&] { route.async(req_, std::move(body), respond); });
    if (!ok) OnReply(ticket, std::move(failed));
  }

  void OnReply(std::uint64_t ticket, HttpResponse res) {
    if (waiting_ != ticket) return;  // answered already (a late commit after a timeout)
    waiting_ = 0;
    Write(std::move(res));
  }

  bool Stopping() const { return impl_.stopping.load(); }

  // Sends the response: the head is formatted here, and head and body go out in one send
  // straight away (a reply almost always fits the socket buffer); only the rest, if any, goes
  // through the reactor.
  void Write(HttpResponse res) {
    state_ = State::kWriting;
    if (Stopping()) keep_alive_ = false;
    for (const auto& [name, value] : res.headers) {
      if (beast::iequals(name, "Connection") && beast::iequals(value, "close")) keep_alive_ = false;
    }
    head_out_.clear();
    const auto status = static_cast<bhttp::status>(res.status);
    const auto reason = bhttp::obsolete_reason(status);
    fmt::format_to(std::back_inserter(head_out_), "HTTP/1.1 {} {}\r\n", res.status,
                   std::string_view(reason.data(), reason.size()));
    AppendField("Content-Type", res.content_type);
    for (const auto& [name, value] : res.headers) {
      // Framing is this function's: a handler's Connection or length would contradict it.
      if (beast::iequals(name, "Connection") || beast::iequals(name, "Content-Length") ||
          beast::iequals(name, "Transfer-Encoding")) {
        continue;
      }
      AppendField(name, value);
    }
    if (res.status >= 200 && res.status != 204 && res.status != 304) {
      fmt::format_to(std::back_inserter(head_out_), "Content-Length: {}\r\n", res.body.size());
    }
    if (!keep_alive_) head_out_ += "Connection: close\r\n";
    head_out_ += "\r\n";
    body_out_ = head_ ? std::string() : std::move(res.body);

    ExpireAfter(kBodyReadTime);
    const std::array<net::const_buffer, 2> out = {net::buffer(head_out_), net::buffer(body_out_)};
    const size_t total = head_out_.size() + body_out_.size();
    beast::error_code ec;
    const size_t sent = socket_.write_some(out, ec);  // non-blocking: would_block when full
    if (!ec && sent == total) return Written({});
    if (ec && ec != net::error::would_block && ec != net::error::try_again) return Written(ec);
    Log("http")->debug("reply_partial sent={} of={}", ec ? 0 : sent, total);
    beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(out);
    rest.consume(ec ? 0 : sent);
    net::async_write(socket_, rest, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->Safely("write", [&] { self->Written(ec); });
    });
  }

  // One header line; a name or value that would break the head (CR, LF) is dropped and logged.
  void AppendField(std::string_view name, std::string_view value) {
    if (name.find_first_of("\r\n:") != std::string_view::npos ||
        value.find_first_of("\r\n") != std::string_view::npos) {
      Log("http")->error("response_header_dropped name=\"{}\"", name.substr(0, 64));
      return;
    }
    head_out_.append(name).append(": ").append(value).append("\r\n");
  }

  void ExpireAfter(std::chrono::nanoseconds d) {
    deadline_.store(SteadyNow() + d.count(), std::memory_order_relaxed);
  }

  void Written(beast::error_code ec) {
    body_out_ = std::string();  // an idle connection keeps no reply body
    if (counted_) {
      counted_ = false;
      std::lock_guard lock(impl_.mu);
      if (--impl_.in_flight == 0) impl_.changed.notify_all();
    }
    if (!ec && linger_) return Linger();
    if (ec || !keep_alive_) return Close();
    Read();
  }

  void Close() {
    deadline_.store(0, std::memory_order_relaxed);
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  Socket socket_;
  // When the current read, write, linger or wait for the engine times out (SteadyNow() ns;
  // 0: none). Set on the strand, read by the sweep.
  std::atomic<SteadyNs> deadline_ = 0;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string head_out_, body_out_;  // the response being written
  HttpRequest req_;
  std::string remote_;  // the peer's IP address, read once at the start
  Routed routed_;  // the current request's route or error (set with its head)
  State state_ = State::kReading;
  HttpServer::Impl& impl_;
  const Config::Http& options_;
  Metrics& metrics_;
  int served_ = 0;
  bool idle_ = false;        // waiting for the next request
  bool keep_alive_ = true;
  bool head_ = false;
  bool counted_ = false;     // this request counts in impl_.in_flight
  bool linger_ = false;      // drain the unread request before closing
  std::unique_ptr<std::array<char, 16384>> scratch_;  // for draining
  std::uint64_t ticket_ = 0, waiting_ = 0;  // the async reply awaited, if any
};

// ---- the server

HttpServer::HttpServer(HttpDeps deps, const Config::Http& options)
    : deps_(std::move(deps)), options_(options), impl_(std::make_unique<Impl>(options.threads)) {
  Routes();
}

HttpServer::~HttpServer() {
  impl_->pool.join();
}

void HttpServer::Routes() {
  Get("/healthz", [](const HttpRequest&, HttpResponse& res) {
    WriteJson(res, 200, R"({"status":"ok"})");
  });
  IngestRoutes();
  AlertRoutes();
  AdminRoutes();
  OnCallRoutes();
  LinkRoutes();
  AnswerRoutes();
  IncidentRoutes();
  UiRoutes();
}

Result<int> HttpServer::Bind(const std::string& host, int port) {
  auto fail = [&](const std::string& why) {
    return Fail("listen_failed",
                "cannot listen on " + host + ":" + std::to_string(port) + " (" + why + ")",
                "listen", 500);
  };
  beast::error_code ec;
  auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return fail("not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(options_.listen_backlog, ec);
  if (ec) {
    a.close(ec);
    return fail("address in use or not available");
  }
  return static_cast<int>(a.local_endpoint().port());
}

namespace {
// Past http.max_connections a new connection gets this reply and is closed at once, without
// its request being read: the acceptor never waits on it, and the open ones keep being served.
constexpr std::string_view kTooManyBody =
    R"({"error":{"code":"too_many_connections","message":"vigild has too many open connections"}})";
static_assert(kTooManyBody.size() == 90, "Content-Length of kTooManyConnections");
constexpr std::string_view kTooManyHead =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
    "Retry-After: 1\r\nContent-Length: 90\r\nConnection: close\r\n\r\n";

void RefuseConnection(HttpServer::Impl& impl, Socket& socket, int limit) {
  beast::error_code ec;
  socket.non_blocking(true, ec);
  const std::array<net::const_buffer, 2> reply = {net::buffer(kTooManyHead.data(), kTooManyHead.size()),
                                                  net::buffer(kTooManyBody.data(), kTooManyBody.size())};
  socket.write_some(reply, ec);  // non-blocking: a fresh socket's buffer takes it whole
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  ++impl.refused;
  const SteadyNs now = SteadyNow();
  if (now - impl.refused_logged >= 1'000'000'000) {  // one line a second at most
    Log("http")->warn("connection_refused reason=max_connections limit={} refused={}", limit,
                      impl.refused);
    impl.refused_logged = now;
    impl.refused = 0;
  }
}

void Accept(HttpServer::Impl& impl, const Config::Http& options, Metrics& metrics);

// After a failed accept (out of file descriptors, say) accepting again at once would fail at
// once, in a loop: wait 100 ms.
void AcceptLater(HttpServer::Impl& impl, const Config::Http& options, Metrics& metrics) {
  auto pause = std::make_shared<net::steady_timer>(impl.acceptor.get_executor(),
                                                   std::chrono::milliseconds(100));
  pause->async_wait([&impl, &options, &metrics, pause](beast::error_code) {
    try {
      Accept(impl, options, metrics);
    } catch (const std::exception& e) {
      LogEscaped("accept", e.what());
    }
  });
}

void Accept(HttpServer::Impl& impl, const Config::Http& options, Metrics& metrics) {
  impl.acceptor.async_accept(net::make_strand(impl.ioc), [&impl, &options, &metrics](
                                                             beast::error_code ec,
                                                             Socket socket) {
    if (ec == net::error::operation_aborted || !impl.acceptor.is_open()) return;
    if (ec) {
      Log("http")->warn("accept_failed error=\"{}\" retry_in=100ms", ec.message());
      return AcceptLater(impl, options, metrics);
    }
    try {  // the accept callback's boundary: the acceptor goes on whatever happened
      if (impl.open.load(std::memory_order_relaxed) >= options.max_connections) {
        RefuseConnection(impl, socket, options.max_connections);
      } else {
        std::make_shared<Session>(std::move(socket), impl, options, metrics)->Start();
      }
      Accept(impl, options, metrics);
    } catch (const std::exception& e) {
      LogEscaped("accept", e.what());
      AcceptLater(impl, options, metrics);
    }
  });
}

// Every period: the connections past their deadline are told so, on their own strands.
void Sweep(HttpServer::Impl& impl, std::chrono::milliseconds period) {
  impl.sweep.expires_after(period);
  impl.sweep.async_wait([&impl, period](beast::error_code ec) {
    if (ec) return;
    try {  // the sweep's boundary: it is re-armed whatever happened
      const SteadyNs now = SteadyNow();
      std::vector<std::shared_ptr<Session>> expired;
      {
        std::lock_guard lock(impl.mu);
        for (auto& [raw, weak] : impl.sessions) {
          if (!raw->Expired(now)) continue;
          if (auto self = weak.lock()) expired.push_back(std::move(self));
        }
      }
      // Released outside the lock: the last reference destroys a session, which locks mu.
      for (auto& self : expired) {
        net::post(self->executor(), [self] { self->Safely("deadline", [&] { self->OnDeadline(); }); });
      }
      expired.clear();
    } catch (const std::exception& e) {
      LogEscaped("sweep", e.what());
    }
    Sweep(impl, period);
  });
}

// Runs the I/O loop until it stops. The last boundary: an exception out of a handler that
// has none of its own is logged and the loop goes on (Asio allows run() again after one).
void RunIo(net::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      LogEscaped("io_loop", e.what());
    } catch (...) {
      LogEscaped("io_loop", "unknown");
    }
  }
}

// A read-only stream over bytes in memory (Beast's SyncReadStream), for ServeBytes.
class BytesStream {
 public:
  explicit BytesStream(std::string_view bytes) : rest_(bytes) {}
  template <class Buffers>
  size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    if (rest_.empty()) {
      ec = net::error::eof;
      return 0;
    }
    const size_t n = net::buffer_copy(buffers, net::buffer(rest_.data(), rest_.size()));
    rest_.remove_prefix(n);
    ec = {};
    return n;
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    beast::error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

 private:
  std::string_view rest_;
};

// One request's async handler answered on the calling thread: waits for `respond`.
HttpResponse AwaitAsync(const HttpRoute& route, const HttpRequest& req, std::string body) {
  struct Slot {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<HttpResponse> res;
  };
  auto slot = std::make_shared<Slot>();
  Respond respond = [slot](HttpResponse res) {
    std::lock_guard lock(slot->mu);
    if (!slot->res) slot->res = std::move(res);
    slot->cv.notify_all();
  };
  HttpResponse failed;
  if (!Guard(failed, [&] { route.async(req, std::move(body), respond); })) return failed;
  std::unique_lock lock(slot->mu);
  if (!slot->cv.wait_for(lock, kEngineWait, [&] { return slot->res.has_value(); })) {
    return ErrorResponse({"timeout", "vigild did not commit the request in time; retry", "", 503});
  }
  return std::move(*slot->res);
}
}  // namespace

std::vector<HttpResponse> HttpServer::ServeBytes(std::string_view raw) {
  std::vector<HttpResponse> out;
  BytesStream in(raw);
  beast::flat_buffer buffer;
  for (int served = 0; served < 16; ++served) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    beast::error_code ec;
    bhttp::read_header(in, buffer, parser, ec);
    if (ec) {
      if (auto e = ReadError(ec)) out.push_back(ErrorResponse(*e));
      break;
    }
    if (auto e = CheckHead(parser)) {
      out.push_back(ErrorResponse(*e));
      break;
    }
    HttpRequest req;
    req.remote = "127.0.0.1";  // as a client on this machine
    const Routed routed = impl_->Route(parser.get(), req);
    if (routed.early) {
      out.push_back(ErrorResponse(*routed.error));
      break;
    }
    bhttp::read(in, buffer, parser, ec);
    if (ec) {
      if (auto e = ReadError(ec)) out.push_back(ErrorResponse(*e));
      break;
    }
    auto& msg = parser.get();
    if (routed.error) {
      out.push_back(ErrorResponse(*routed.error));
    } else if (routed.route->kind == Kind::kPostAsync) {
      out.push_back(AwaitAsync(*routed.route, req, std::move(msg.body())));
    } else {
      RunBlocking(*routed.route, req, msg.body(), out.emplace_back());
    }
    if (!msg.keep_alive()) break;
  }
  return out;
}

void HttpServer::Serve() {
  Accept(*impl_, options_, deps_.metrics);
  Sweep(*impl_, SweepPeriod(options_));
  std::vector<std::thread> extra;
  for (int i = 1; i < options_.io_threads; ++i) {
    extra.emplace_back([this] {
      NameThisThread("vigil-http-io");
      RunIo(impl_->ioc);
    });
  }
  NameThisThread("vigil-http-io");
  RunIo(impl_->ioc);
  for (auto& t : extra) t.join();
}

void HttpServer::Stop() {
  auto& impl = *impl_;
  {
    std::lock_guard lock(impl.mu);
    if (impl.stopping) return;
    impl.stopping = true;
  }
  net::post(impl.acceptor.get_executor(), [&impl] {
    beast::error_code ec;
    impl.acceptor.close(ec);
  });
  std::unique_lock lock(impl.mu);
  // Every POST that was taken gets its reply written before connections are touched. A
  // reply that can never be written (a peer gone) ends its connection, so the wait is short;
  // it is capped all the same.
  impl.changed.wait_for(lock, std::chrono::seconds(10), [&] { return impl.in_flight == 0; });
  Log("http")->info("stop_replied unanswered={} connections={}", impl.in_flight,
                    impl.sessions.size());
  // Held outside the lock: dropping the last reference destroys a session, which locks mu.
  std::vector<std::shared_ptr<Session>> open;
  for (auto& [raw, weak] : impl.sessions) {
    if (auto self = weak.lock()) open.push_back(std::move(self));
  }
  lock.unlock();
  for (auto& self : open) net::post(self->executor(), [self] { self->CloseIfIdle(); });
  open.clear();
  lock.lock();
  // Connections in the middle of a request finish it (bounded by the read timeouts); the
  // I/O threads are stopped after a short grace period in any case.
  impl.changed.wait_for(lock, std::chrono::seconds(2), [&] { return impl.sessions.empty(); });
  Log("http")->info("stop_closed connections_left={}", impl.sessions.size());
  lock.unlock();
  impl.ioc.stop();
  // No handler outlives Stop(): the daemon stops the engine next.
  impl.pool.join();
}

}  // namespace vigil
