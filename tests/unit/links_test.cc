// Answer links: signing, and acting through them in the engine.
#include "daemon/auth/links.h"
#include "daemon/common/secrets.h"
#include "tests/unit/engine_world.h"

using namespace vigil;
using vigil::testing::EngineWorld;

TEST_CASE("a signed link carries its claims and nothing else verifies", "[links]") {
  LinkSigner signer(std::string(64, 'a'));
  const std::string token = signer.Sign({42, "an", "ack", 2'000});
  auto ok = signer.Verify(token, 1'000);
  REQUIRE(ok);
  CHECK(ok->alert_id == 42);
  CHECK(ok->person == "an");
  CHECK(ok->action == "ack");
  CHECK(signer.Verify(token, 2'000).error().status == 410);  // expired
  CHECK(LinkSigner(std::string(64, 'b')).Verify(token, 1'000).error().status == 403);  // other key
  std::string tampered = token;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';  // claims changed, signature kept
  CHECK(signer.Verify(tampered, 1'000).error().status == 403);
  CHECK(signer.Verify("not-a-token", 1'000).error().status == 403);
  CHECK(signer.Verify("", 1'000).error().status == 403);
}

namespace {
const std::string kOneLevel = R"(
people: [{id: an, name: An}, {id: dung, name: Dung}]
policies:
  - id: p
    levels: [{timeout: 1h, targets: [{person: an}]}, {timeout: 1h, targets: [{person: dung}]}]
routes: [{id: all, default: true, policy: p}]
)";

std::string TokenOf(const std::string& url) { return url.substr(url.rfind('/') + 1); }

Result<AlertStatus> Follow(EngineWorld& w, const std::string& url) {
  const std::string token = TokenOf(url);
  auto claims = w.links.Verify(token, w.clock.Now());
  REQUIRE(claims);
  return w.engine().Submit(LinkActionCommand{Sha256Hex(token), *claims, {}}).get();
}
}  // namespace

TEST_CASE("a page carries answer links signed for the person paged", "[links]") {
  EngineWorld w;
  w.Configure(kOneLevel);
  auto a = w.Send(EventAction::kTrigger, "links");
  auto job = w.Page();
  REQUIRE(job.payload.contains("links"));
  const std::string ack = job.payload["links"]["ack"];
  CHECK(ack.rfind("https://vigil.test/l/", 0) == 0);
  auto claims = w.links.Verify(TokenOf(ack), w.clock.Now());
  REQUIRE(claims);
  CHECK(claims->alert_id == a.alert_id);
  CHECK(claims->person == "an");
}

TEST_CASE("an answer link acknowledges once, as the person it was sent to", "[links]") {
  EngineWorld w;
  w.Configure(kOneLevel);
  auto a = w.Send(EventAction::kTrigger, "once");
  auto job = w.Page();
  CHECK(Follow(w, job.payload["links"]["ack"]) == AlertStatus::kAcknowledged);
  CHECK(w.GetAlert(a.alert_id).acknowledged_by == "link:an");
  auto again = Follow(w, job.payload["links"]["ack"]);
  REQUIRE_FALSE(again);
  CHECK(again.error().status == 409);
  CHECK(Follow(w, job.payload["links"]["resolve"]) == AlertStatus::kResolved);
}

TEST_CASE("an escalate link pages the next level at once", "[links]") {
  EngineWorld w;
  w.Configure(kOneLevel);
  w.Send(EventAction::kTrigger, "escalate-now");
  auto job = w.Page();
  CHECK(Follow(w, job.payload["links"]["escalate"]) == AlertStatus::kTriggered);
  auto next = w.Page();  // no clock movement: the next level came right away
  CHECK(next.recipient == "dung");
  CHECK(next.payload["level"] == 2);
}

TEST_CASE("an escalate link from a level the alert has left does not skip the next one",
          "[links]") {
  EngineWorld w;
  w.Configure(kOneLevel);
  w.Send(EventAction::kTrigger, "stale");
  auto level1 = w.Page();
  w.Advance(60 * 60'000);  // level 2 pages on its own
  CHECK(w.Page().recipient == "dung");
  auto stale = Follow(w, level1.payload["links"]["escalate"]);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == "already_escalated");
}

TEST_CASE("a link refused for its action is not used up", "[links]") {
  EngineWorld w;
  w.Configure(kOneLevel);
  auto a = w.Send(EventAction::kTrigger, "refused");
  auto job = w.Page();
  REQUIRE(w.engine().Submit(AlertActionCommand{a.alert_id, AlertStatus::kResolved, "user:x", "",
                                               {}}).get());
  auto late = Follow(w, job.payload["links"]["ack"]);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == "already_resolved");
  // Still usable for what it can do: resolve is a no-op success on a resolved alert.
  CHECK(Follow(w, job.payload["links"]["resolve"]) == AlertStatus::kResolved);
}
