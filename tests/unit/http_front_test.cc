// The HTTP front without a socket (HttpServer::ServeBytes: the real parser, router and
// handlers), the JSON helpers its replies go through, and the engine's queue cap.
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>

#include "daemon/http/server.h"
#include "engine_world.h"

namespace vigil {
namespace {

using testing::EngineWorld;

// An HttpServer over an EngineWorld (its engine, store and registry), never listening.
struct Front {
  explicit Front(EngineWorld& w)
      : admin(std::move(
            *AdminToken::LoadOrCreate(std::filesystem::path(w.db_path()).parent_path()))),
        server(HttpDeps{w.engine(), w.reads(), w.setup, w.registry, admin, w.metrics, w.clock,
                        "tcp://127.0.0.1:1", "test", &w.links},
               Config::Http{}) {}
  HttpResponse One(std::string_view raw) {
    auto replies = server.ServeBytes(raw);
    REQUIRE(replies.size() == 1);
    return std::move(replies.front());
  }
  AdminToken admin;
  HttpServer server;
};

nlohmann::json ErrorOf(const HttpResponse& res) {
  REQUIRE(IsUtf8(res.body));
  return nlohmann::json::parse(res.body).at("error");
}

}  // namespace

TEST_CASE("Dump replaces bytes that are not UTF-8 where dump() would throw") {
  const nlohmann::json j = {{"message", std::string("no such endpoint: GET /\xff")}};
  REQUIRE_THROWS_AS(j.dump(), nlohmann::json::type_error);
  const std::string out = Dump(j);
  CHECK(IsUtf8(out));
  CHECK(out == "{\"message\":\"no such endpoint: GET /\xEF\xBF\xBD\"}");
}

TEST_CASE("IsUtf8 accepts well-formed text and refuses overlongs, surrogates and stray bytes") {
  CHECK(IsUtf8(""));
  CHECK(IsUtf8("Máy chủ trường mất kết nối 🚨"));
  CHECK_FALSE(IsUtf8("\xff"));
  CHECK_FALSE(IsUtf8("\xc3\x28"));          // a lead byte without its continuation
  CHECK_FALSE(IsUtf8("\xc0\xaf"));          // an overlong '/'
  CHECK_FALSE(IsUtf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(IsUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(IsUtf8("ab\xe1\xbb"));        // cut short at the end
}

TEST_CASE("a 503 error reply tells the client when to retry") {
  HttpResponse res;
  WriteError(res, {"engine_busy", "busy", "", 503});
  CHECK(res.status == 503);
  REQUIRE(res.headers.size() == 1);
  CHECK(res.headers[0] == std::pair<std::string, std::string>("Retry-After", "1"));
}

TEST_CASE("GET /%FF is a 400 naming the path, not an exception on the I/O thread") {
  EngineWorld w;
  Front f(w);
  const auto res = f.One("GET /%FF HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(res.status == 400);
  CHECK(ErrorOf(res)["field"] == "path");
  CHECK(ErrorOf(res)["code"] == "invalid_utf8");
  // An unknown path that is UTF-8 still gets its 404 naming it.
  const auto missing = f.One("GET /kh%C3%B4ng-c%C3%B3 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(missing.status == 404);
  CHECK(ErrorOf(missing)["message"] == "no such endpoint: GET /không-có");
}

TEST_CASE("a query parameter that is not UTF-8 is a 400 naming the parameter") {
  EngineWorld w;
  Front f(w);
  const auto res = f.One("GET /api/v1/alerts?limit=5&status=%FE HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(res.status == 400);
  CHECK(ErrorOf(res)["field"] == "status");
}

TEST_CASE("a JSON body with a byte that is not UTF-8 is a 400 saying where") {
  EngineWorld w;
  Front f(w);
  const std::string body = "{\"routing_key\":\"k\",\"dedup_key\":\"M\xe1y\"}";
  const auto res = f.One("POST /v2/enqueue HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(res.status == 400);
  CHECK(ErrorOf(res)["code"] == "invalid_json");
  CHECK_THAT(ErrorOf(res)["message"].get<std::string>(), Catch::Contains("malformed JSON at byte 3"));
}

TEST_CASE("Alertmanager's key is checked on the header, before its body is read") {
  EngineWorld w;
  Front f(w);
  // The head declares 400 KB that never come: a reply at all shows the body was not awaited.
  const auto res = f.One(
      "POST /api/v1/integrations/alertmanager HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer not-a-key\r\nContent-Length: 400000\r\n\r\n");
  CHECK(res.status == 403);
  CHECK(ErrorOf(res)["code"] == "invalid_key");
}

TEST_CASE("past engine.max_queued waiting commands the engine refuses at once with 503") {
  EngineWorld w({}, 5, [](EngineOptions& o) { o.max_queued = 2; });
  // The first command's reply runs on the engine thread and holds it there, so the next ones
  // wait in the queue.
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  w.engine().SubmitAsync(IngestCommand{w.integration(), {},
                                       Reply<std::vector<IngestOutcome>>([&](auto) {
                                         entered.set_value();
                                         released.wait();
                                       })});
  entered.get_future().wait();
  auto first = w.engine().Submit(IngestCommand{w.integration(), {}, {}});
  auto second = w.engine().Submit(IngestCommand{w.integration(), {}, {}});
  auto third = w.engine().Submit(IngestCommand{w.integration(), {}, {}});
  REQUIRE(third.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  const auto refused = third.get();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().status == 503);
  CHECK(refused.error().code == "engine_busy");
  release.set_value();
  CHECK(first.get());  // the queued ones are committed as usual
  CHECK(second.get());
}

}  // namespace vigil
