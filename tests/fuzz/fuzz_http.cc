// Fuzz target: the whole HTTP front. The input is raw bytes as a client sends them (one or
// more pipelined HTTP/1.1 requests); HttpServer::ServeBytes takes them through the real Beast
// parser and limits, the head checks, the router and the handlers, in process, without a
// socket.
//
// The world is built once: a real SQLite file in a temp dir (schema, one integration, one
// alert), the admin token kFuzzToken and an integration key kFuzzKey that the seeds use, the
// shipped playbooks. The engine ran only to store that alert and is stopped, so every command
// a handler hands it is refused at once with 503: each input costs no commit, and a run is
// deterministic. Read handlers run against the real database.
//
// Invariants, checked on every reply (a violation aborts: a finding):
//  * a status in 100..599, and never a 500 "internal" (an exception that reached the
//    handler boundary);
//  * a JSON reply is valid UTF-8 and well-formed JSON.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "config/config.h"
#include "daemon/common/log.h"
#include "daemon/common/secrets.h"
#include "daemon/http/server.h"
#include "playbooks/src/playbook.h"

namespace vigil {
namespace {

constexpr const char* kFuzzToken = "f0220000000000000000000000000000000000000000000000000000000000aa";
constexpr const char* kFuzzKey = "fuzzkey0000000000000000000000001";

// Everything the server borrows; lives for the whole process.
struct World {
  World() {
    SetLogLevel("off");
    char tmpl[] = "/tmp/vigil-fuzz-http-XXXXXX";
    dir = mkdtemp(tmpl);
    std::ofstream(dir + "/admin.token") << kFuzzToken << "\n";
    store = std::move(*WriteStore::Open(dir + "/vigil.db"));
    reads = std::make_unique<ReadStore>(dir + "/vigil.db");
    admin.emplace(std::move(*AdminToken::LoadOrCreate(dir)));
    EngineOptions options;
    options.links = &links;
    options.public_url = "https://vigil.test";
    engine = std::make_unique<Engine>(*store, clock, ctx, registry, setup, metrics, options);
    if (!engine->Start()) std::abort();
    auto made = engine->Submit(CreateIntegrationCommand{"fuzz", "any", {}}).get();
    if (!made) std::abort();
    IngestEvent ev;
    ev.action = EventAction::kTrigger;
    ev.dedup_key = "fuzz-alert-1";
    ev.summary = "Máy chủ trường mất kết nối";
    ev.source = "may-chu-01";
    ev.severity = Severity::kCritical;
    ev.details_json = R"({"note":"seed"})";
    if (!engine->Submit(IngestCommand{made->first, {std::move(ev)}, {}}).get()) std::abort();
    engine->Stop();  // from now on every command is refused with 503 at once
    registry.Add(Sha256Hex(kFuzzKey), made->first);
    const std::string shipped = std::string(VIGIL_SOURCE_DIR) + "/playbooks";
    if (auto lib = playbooks::LoadLibrary(shipped, playbooks::References{}, Lang::kVi)) {
      playbooks.Set(std::make_shared<const playbooks::Library>(std::move(*lib)));
    }
    Config::Http http;
    http.threads = 1;
    server = std::make_unique<HttpServer>(
        HttpDeps{*engine, *reads, setup, registry, *admin, metrics, clock, "tcp://127.0.0.1:1",
                 "fuzz", &links, Lang::kVi, AnswerOptions{}, &playbooks},
        http);
  }

  std::string dir;
  FakeClock clock;
  Metrics metrics;
  IntegrationRegistry registry;
  SetupHolder setup;
  PlaybookHolder playbooks;
  LinkSigner links{std::string(64, 'k')};
  zmq::context_t ctx{1};
  std::unique_ptr<WriteStore> store;
  std::unique_ptr<ReadStore> reads;
  std::optional<AdminToken> admin;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<HttpServer> server;
};

void CheckReply(const HttpResponse& res) {
  if (res.status < 100 || res.status > 599) std::abort();
  if (res.content_type.starts_with("application/json")) {
    if (!IsUtf8(res.body) || !nlohmann::json::accept(res.body)) std::abort();
    if (res.status == 500 && res.body.find(R"("code":"internal")") != std::string::npos) {
      std::abort();
    }
  }
}

}  // namespace
}  // namespace vigil

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vigil::World* world = new vigil::World();  // never destroyed: outlives every input
  const auto replies =
      world->server->ServeBytes(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& res : replies) vigil::CheckReply(res);
  return 0;
}
