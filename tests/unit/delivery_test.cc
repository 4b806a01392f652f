// Delivery semantics through the engine on a fake clock: per-contact rate limits with
// bundling (state in outbox rows, so it survives a restart), SMS reply codes and Telegram
// button answers checked against the contact the message went to.
#include <algorithm>
#include <set>

#include "daemon/common/time_util.h"
#include "tests/unit/engine_world.h"

using namespace vigil;
using vigil::testing::EngineWorld;
using vigil::testing::Job;

namespace {

constexpr TimeMs kMinute = 60'000;

const std::string kHa = R"(
people:
  - id: ha
    name: Hoàng Thị Hà
    contacts: {sms: "+84 900 000 009", telegram: "555001"}
    notify: [{via: sms, after: 0m}, {via: telegram, after: 0m}]
policies:
  - id: p
    levels:
      - {timeout: 1h, targets: [{person: ha}]}
      - {timeout: 1h, targets: [{person: ha}]}
routes:
  - {id: all, default: true, policy: p}
)";

// SMS: 1 per minute per phone, reply codes on; Telegram: no limit.
void Limits(EngineOptions& o) {
  o.rate_limits["sms"] = {1, kMinute};
  o.sms_reply_codes = true;
}

OutboxRow Row(EngineWorld& w, std::int64_t alert_id, const std::string& channel) {
  auto rows = w.reads().AlertDeliveries(alert_id);
  REQUIRE(rows);
  auto it = std::find_if(rows->begin(), rows->end(),
                         [&](const OutboxRow& r) { return r.channel == channel; });
  REQUIRE(it != rows->end());
  return *it;
}

// Confirms a job as its worker would, and waits until the engine has recorded it.
void Confirm(EngineWorld& w, std::int64_t outbox_id) {
  w.Receipt(outbox_id);
  for (int i = 0; i < 1000 && !w.Delivered(outbox_id); ++i) w.Sync();
  REQUIRE(w.Delivered(outbox_id));
}

Result<AnswerOutcome> Answer(EngineWorld& w, AnswerCommand c) {
  auto f = w.engine().Submit(std::move(c));
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return f.get();
}

AnswerCommand Sms(const std::string& from, const std::string& code, const std::string& action) {
  AnswerCommand c;
  c.via = "sms";
  c.sender = from;
  c.code = code;
  c.action = action;
  return c;
}

}  // namespace

TEST_CASE("three alerts for one phone within a minute become one SMS, then one bundle",
          "[delivery]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);
  w.Configure(kHa);
  auto a1 = w.Send(EventAction::kTrigger, "may-chu-1", "Máy chủ 1 mất kết nối");
  auto a2 = w.Send(EventAction::kTrigger, "may-chu-2", "Máy chủ 2 mất kết nối");
  auto a3 = w.Send(EventAction::kTrigger, "may-chu-3", "Máy chủ 3 mất kết nối");
  Job first = w.NextJobOn("sms");
  CHECK(first.payload["alert"]["id"] == a1.alert_id);
  Confirm(w, first.outbox_id);
  CHECK(w.NoJobOn("sms"));  // the other two are held, not sent
  for (auto id : {a2.alert_id, a3.alert_id}) {
    const OutboxRow held = Row(w, id, "sms");
    CHECK(held.attempts == 0);
    CHECK(held.due_at == w.clock.Now() + kMinute);
    CHECK_FALSE(held.delivered_at);
  }
  // Telegram has no limit: all three went out at once.
  for (int i = 0; i < 3; ++i) CHECK(w.NextJobOn("telegram").recipient == "555001");

  w.Advance(kMinute - 1);
  CHECK(w.NoJobOn("sms"));  // still inside the window
  w.Advance(1);
  Job bundle = w.NextJobOn("sms");
  CHECK(bundle.payload["type"] == "bundle");
  CHECK(bundle.payload["count"] == 2);
  REQUIRE(bundle.payload["pages"].size() == 2);
  CHECK(bundle.payload["pages"][0]["alert"]["id"] == a2.alert_id);
  CHECK(bundle.payload["pages"][1]["alert"]["id"] == a3.alert_id);
  const auto keys = bundle.payload["idempotency_keys"];
  CHECK(keys == nlohmann::json::array({IdempotencyKey(Row(w, a2.alert_id, "sms").id),
                                       IdempotencyKey(Row(w, a3.alert_id, "sms").id)}));
  CHECK(bundle.payload["reply_code"].is_string());
  Confirm(w, bundle.outbox_id);
  for (auto id : {a2.alert_id, a3.alert_id}) CHECK(Row(w, id, "sms").delivered_at);
}

TEST_CASE("held SMS pages survive a restart and still go out as one bundle", "[delivery]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);
  w.Configure(kHa);
  w.Send(EventAction::kTrigger, "r-1");
  w.Send(EventAction::kTrigger, "r-2");
  w.Send(EventAction::kTrigger, "r-3");
  Confirm(w, w.NextJobOn("sms").outbox_id);
  w.Restart();
  w.Configure(kHa);
  w.Advance(30'000);
  CHECK(w.NoJobOn("sms"));  // the window was kept across the restart
  w.Advance(30'000);
  Job bundle = w.NextJobOn("sms");
  CHECK(bundle.payload["type"] == "bundle");
  CHECK(bundle.payload["count"] == 2);
}

TEST_CASE("a page after the window is sent alone, and a limit of 0 never holds", "[delivery]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);
  w.Configure(kHa);
  w.Send(EventAction::kTrigger, "w-1");
  Confirm(w, w.NextJobOn("sms").outbox_id);
  w.Advance(kMinute);
  auto a2 = w.Send(EventAction::kTrigger, "w-2");
  Job alone = w.NextJobOn("sms");
  CHECK(alone.payload["type"] == "page");
  CHECK(alone.payload["alert"]["id"] == a2.alert_id);
}

TEST_CASE("a failing bundle is given up with its members, each paged on the next method",
          "[delivery]") {
  EngineWorld w({"sms", "telegram"}, 1, Limits);
  w.Configure(R"(
people:
  - id: ha
    name: Hoàng Thị Hà
    contacts: {sms: "+84900000009"}
    notify: [{via: sms, after: 0m}]
policies:
  - id: p
    levels: [{timeout: 1h, targets: [{person: ha}]}]
routes:
  - {id: all, default: true, policy: p}
)");
  w.Send(EventAction::kTrigger, "f-1");
  auto a2 = w.Send(EventAction::kTrigger, "f-2");
  auto a3 = w.Send(EventAction::kTrigger, "f-3");
  Confirm(w, w.NextJobOn("sms").outbox_id);
  w.Advance(kMinute);
  Job bundle = w.NextJobOn("sms");
  w.Receipt(bundle.outbox_id, "gateway answered 500");
  w.Sync();
  w.Advance(2 * EngineWorld::kRetry);  // attempt cap 1: given up at its retry time
  // Both alerts of the bundle fall back to her console.
  std::set<std::int64_t> paged;
  for (int i = 0; i < 2; ++i) paged.insert(w.Page().payload["alert"]["id"].get<std::int64_t>());
  CHECK(paged == std::set<std::int64_t>{a2.alert_id, a3.alert_id});
  CHECK(Row(w, a2.alert_id, "sms").failed_at);
}

TEST_CASE("an SMS reply code acknowledges once, only from the phone it was sent to",
          "[delivery][answers]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);
  w.Configure(kHa);
  auto a = w.Send(EventAction::kTrigger, "code-1");
  Job sms = w.NextJobOn("sms");
  const std::string code = sms.payload["reply_code"];
  REQUIRE(code.size() == 8);  // kReplyCodeDigits: a space a code's life cannot exhaust

  auto wrong = Answer(w, Sms("+84900000001", code, "ack"));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == "wrong_sender");
  CHECK(wrong.error().status == 403);
  CHECK(w.GetAlert(a.alert_id).status == AlertStatus::kTriggered);

  auto unknown = Answer(w, Sms("+84900000009", code == "99999999" ? "99999998" : "99999999", "ack"));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().status == 404);

  // The gateway writes the number its own way: national 0, spaces.
  auto ok = Answer(w, Sms("0900 000 009", code, "ack"));
  REQUIRE(ok);
  CHECK(ok->person == "ha");
  REQUIRE(ok->alerts.size() == 1);
  CHECK(ok->alerts[0].first == a.alert_id);
  const Alert acked = w.GetAlert(a.alert_id);
  CHECK(acked.status == AlertStatus::kAcknowledged);
  CHECK(acked.acknowledged_by == "sms:ha");

  auto again = Answer(w, Sms("+84900000009", code, "resolve"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "code_used");
  CHECK(again.error().status == 409);
}

TEST_CASE("an expired reply code is refused", "[delivery][answers]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);
  w.Configure(kHa);
  auto a = w.Send(EventAction::kTrigger, "exp-1");
  const std::string code = w.NextJobOn("sms").payload["reply_code"];
  REQUIRE(w.engine()
              .Submit(AlertActionCommand{a.alert_id, AlertStatus::kResolved, "user:x", "", {}})
              .get());
  w.Advance(24 * 3'600'000 - 1);
  w.Advance(1);  // link_ttl (24 h) is over
  auto expired = Answer(w, Sms("+84900000009", code, "ack"));
  REQUIRE_FALSE(expired);
  CHECK(expired.error().code == "code_expired");
  CHECK(expired.error().status == 410);
}

TEST_CASE("escalate by reply code pages the next level at once", "[delivery][answers]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);
  w.Configure(kHa);
  auto b = w.Send(EventAction::kTrigger, "esc-1");
  const std::string code = w.NextJobOn("sms").payload["reply_code"];
  auto esc = Answer(w, Sms("+84900000009", code, "escalate"));
  REQUIRE(esc);
  w.Sync();
  auto row = w.reads().GetEscalation(b.alert_id);
  REQUIRE(row);
  REQUIRE(row->has_value());
  CHECK((*row)->level == 1);  // the second level was paged without waiting its hour
}

TEST_CASE("a Telegram button answers only from the chat the message went to",
          "[delivery][answers]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);
  w.Configure(kHa);
  auto a = w.Send(EventAction::kTrigger, "tg-1");
  Job tg = w.NextJobOn("telegram");
  auto press = [&](std::int64_t outbox_id, const std::string& from) {
    AnswerCommand c;
    c.via = "telegram";
    c.outbox_id = outbox_id;
    c.action = "resolve";
    c.sender = from;
    c.chat = "555001";
    return Answer(w, std::move(c));
  };
  auto wrong = press(tg.outbox_id, "777");  // someone else pressing in that chat
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().status == 403);
  CHECK(w.GetAlert(a.alert_id).status == AlertStatus::kTriggered);
  auto ok = press(tg.outbox_id, "555001");
  REQUIRE(ok);
  CHECK(w.GetAlert(a.alert_id).status == AlertStatus::kResolved);
  CHECK(w.GetAlert(a.alert_id).resolved_by == "telegram:ha");
  auto unknown = press(999999, "555001");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().status == 404);
}

TEST_CASE("every page carries when its alert began, also at later levels", "[delivery]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);
  w.Configure(kHa);
  const std::string began = FormatTimestamp(w.clock.Now());
  w.Send(EventAction::kTrigger, "created-1");
  Job first = w.NextJobOn("telegram");
  CHECK(first.payload["alert"]["created_at"] == began);
  Confirm(w, first.outbox_id);
  Confirm(w, w.NextJobOn("sms").outbox_id);
  w.Advance(3'600'000);  // level 2 pages her again an hour later
  Job second = w.NextJobOn("telegram");
  CHECK(second.payload["level"] == 2);
  CHECK(second.payload["alert"]["created_at"] == began);
  CHECK(second.payload["alert"]["at"] != began);
}

TEST_CASE("a given-up SMS brings the person's later e-mail rule forward", "[delivery]") {
  EngineWorld w({"sms", "email"}, 1, Limits);
  w.Configure(R"(
people:
  - id: chi
    name: Lê Thị Chi
    contacts: {sms: "+84901000001", email: chi@truong.example.vn}
    notify: [{via: sms, after: 0m}, {via: email, after: 1h}]
policies:
  - id: p
    levels: [{timeout: 2h, targets: [{person: chi}]}]
routes:
  - {id: all, default: true, policy: p}
)");
  auto a = w.Send(EventAction::kTrigger, "fwd-1");
  Job sms = w.NextJobOn("sms");
  w.Receipt(sms.outbox_id, "gateway answered 500");
  w.Sync();
  w.Advance(2 * EngineWorld::kRetry);  // given up after its one attempt
  Job mail = w.NextJobOn("email");     // not an hour later
  CHECK(mail.recipient == "chi@truong.example.vn");
  CHECK(mail.payload["alert"]["id"] == a.alert_id);
  auto rows = w.reads().AlertDeliveries(a.alert_id);
  REQUIRE(rows);
  CHECK(rows->size() == 2);  // the rule's own row, not a second e-mail
}

TEST_CASE("phone numbers compare by digits, a national 0 read as Vietnam's +84", "[delivery]") {
  CHECK(NormalizePhone("+84 90-123 4567") == "84901234567");
  CHECK(NormalizePhone("0901234567") == "84901234567");
  CHECK(NormalizePhone("84901234567") == "84901234567");
  CHECK(NormalizePhone("0084901234567") == "84901234567");
  CHECK(NormalizePhone("tel:") == "");
}

TEST_CASE("pages due together are bundled only when the rate limit has no room for them all",
          "[delivery]") {
  EngineWorld w({"sms", "telegram"}, 5, Limits);  // telegram: no limit
  w.Configure(R"(
people:
  - id: ha
    name: Hoàng Thị Hà
    contacts: {telegram: "555001"}
    notify: [{via: telegram, after: 2m}]
policies:
  - id: p
    levels: [{timeout: 1h, targets: [{person: ha}]}]
routes:
  - {id: all, default: true, policy: p}
)");
  w.Send(EventAction::kTrigger, "due-1");
  w.Send(EventAction::kTrigger, "due-2");
  w.Advance(2 * kMinute);  // both delayed pages fall due in the same cycle
  CHECK(w.NextJobOn("telegram").payload["type"] == "page");
  CHECK(w.NextJobOn("telegram").payload["type"] == "page");
}
