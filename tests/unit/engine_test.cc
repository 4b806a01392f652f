#include "daemon/common/secrets.h"

#include "tests/unit/engine_world.h"
#include "tests/unit/sqlite_file.h"

using namespace vigil;
using vigil::testing::EngineWorld;
using vigil::testing::ExecOn;

TEST_CASE("a trigger opens an alert and pages the console once it is committed", "[engine]") {
  EngineWorld w;
  auto out = w.Send(EventAction::kTrigger, "ddos-portal", "Tấn công DDoS vào cổng thông tin");
  CHECK(out.effect == Effect::kCreate);
  const Alert a = w.GetAlert(out.alert_id);
  CHECK(a.status == AlertStatus::kTriggered);
  CHECK(a.summary == "Tấn công DDoS vào cổng thông tin");
  CHECK(a.count == 1);
  CHECK(a.created_at == w.clock.Now());

  auto job = w.NextJob();
  CHECK(job.key == IdempotencyKey(job.outbox_id));
  CHECK(job.recipient == "all");
  CHECK(job.payload["type"] == "page");
  CHECK(job.payload["alert"]["id"] == out.alert_id);
  CHECK(job.payload["alert"]["summary"] == "Tấn công DDoS vào cổng thông tin");

  auto [topic, body] = w.NextPublication();
  CHECK(topic == "alert.triggered");
  CHECK(body["alert"]["id"] == out.alert_id);
}

TEST_CASE("a repeated trigger raises the count and pages nobody again", "[engine]") {
  EngineWorld w;
  auto first = w.Send(EventAction::kTrigger, "disk-full");
  auto again = w.Send(EventAction::kTrigger, "disk-full");
  CHECK(again.effect == Effect::kRepeat);
  CHECK(again.alert_id == first.alert_id);
  CHECK(w.GetAlert(first.alert_id).count == 2);
  auto other = w.Send(EventAction::kTrigger, "other");
  // Jobs arrive in order: the one after the first page belongs to "other", so the repeat
  // paged nobody.
  CHECK(w.NextJob().payload["alert"]["id"] == first.alert_id);
  CHECK(w.NextJob().payload["alert"]["id"] == other.alert_id);
}

TEST_CASE("after resolve a trigger with the same key opens a new alert", "[engine]") {
  EngineWorld w;
  auto first = w.Send(EventAction::kTrigger, "web-down");
  CHECK(w.Send(EventAction::kAcknowledge, "web-down").effect == Effect::kAcknowledge);
  CHECK(w.GetAlert(first.alert_id).status == AlertStatus::kAcknowledged);
  CHECK(w.Send(EventAction::kTrigger, "web-down").effect == Effect::kRepeat);  // while acked
  CHECK(w.Send(EventAction::kResolve, "web-down").effect == Effect::kResolve);
  const Alert resolved = w.GetAlert(first.alert_id);
  CHECK(resolved.status == AlertStatus::kResolved);
  CHECK(resolved.resolved_by == "integration:zabbix");
  auto second = w.Send(EventAction::kTrigger, "web-down");
  CHECK(second.effect == Effect::kCreate);
  CHECK(second.alert_id != first.alert_id);
}

TEST_CASE("ack and resolve for no open alert are accepted and change nothing", "[engine]") {
  EngineWorld w;
  CHECK(w.Send(EventAction::kAcknowledge, "never-seen").effect == Effect::kNothing);
  CHECK(w.Send(EventAction::kResolve, "never-seen").effect == Effect::kNothing);
  auto counts = w.reads().CountAlerts();
  REQUIRE(counts);
  CHECK(counts->triggered + counts->acknowledged + counts->resolved == 0);
}

TEST_CASE("the same dedup key from two integrations makes two alerts", "[engine]") {
  EngineWorld w;
  auto a = w.Send(EventAction::kTrigger, "cpu");
  auto other = w.engine().Submit(CreateIntegrationCommand{"prometheus", "alertmanager", {}}).get();
  REQUIRE(other);
  IngestEvent ev;
  ev.dedup_key = "cpu";
  ev.summary = "CPU";
  ev.source = "s";
  auto b = w.engine().Submit(IngestCommand{other->first, {ev}, {}}).get();
  REQUIRE(b);
  CHECK(b->front().effect == Effect::kCreate);
  CHECK(b->front().alert_id != a.alert_id);
}

TEST_CASE("an unconfirmed page is re-sent with the same idempotency key when due", "[engine]") {
  EngineWorld w;
  w.Send(EventAction::kTrigger, "ransomware");
  auto first = w.NextJob();
  w.clock.Advance(EngineWorld::kRetry + EngineWorld::kRetry / 5);  // past retry and jitter
  w.engine().Wake();
  auto again = w.NextJob();
  CHECK(again.outbox_id == first.outbox_id);
  CHECK(again.key == first.key);
  CHECK(again.payload == first.payload);  // stored empty, rebuilt from the alert row
  auto deliveries = w.reads().AlertDeliveries(first.payload["alert"]["id"]);
  REQUIRE(deliveries);
  CHECK(deliveries->front().attempts == 2);
  CHECK_FALSE(deliveries->front().delivered_at.has_value());
}

TEST_CASE("a confirmed page is never re-sent", "[engine]") {
  EngineWorld w;
  w.Send(EventAction::kTrigger, "phishing");
  auto job = w.NextJob();
  w.Receipt(job.outbox_id);
  w.Sync();  // the receipt is committed with the next batch
  auto deliveries = w.reads().AlertDeliveries(job.payload["alert"]["id"]);
  REQUIRE(deliveries);
  CHECK(deliveries->front().delivered_at == w.clock.Now());
  w.clock.Advance(10 * EngineWorld::kRetry);
  w.engine().Wake();
  auto next = w.Send(EventAction::kTrigger, "after");
  CHECK(w.NextJob().payload["alert"]["id"] == next.alert_id);  // no re-send came first
}

TEST_CASE("a failed delivery is recorded and retried", "[engine]") {
  EngineWorld w;
  w.Send(EventAction::kTrigger, "smtp");
  auto job = w.NextJob();
  w.Receipt(job.outbox_id, "console publisher busy");
  w.Sync();
  w.clock.Advance(EngineWorld::kRetry + EngineWorld::kRetry / 5);
  w.engine().Wake();
  CHECK(w.NextJob().outbox_id == job.outbox_id);
}

TEST_CASE("a restart re-sends every unconfirmed page and keeps deduplicating", "[engine]") {
  EngineWorld w;
  auto a = w.Send(EventAction::kTrigger, "outage");
  auto job = w.NextJob();
  w.Restart();
  auto resent = w.NextJob();
  CHECK(resent.key == job.key);
  CHECK(resent.payload == job.payload);
  CHECK(resent.payload["alert"]["summary"] == job.payload["alert"]["summary"]);
  auto again = w.Send(EventAction::kTrigger, "outage");
  CHECK(again.effect == Effect::kRepeat);
  CHECK(again.alert_id == a.alert_id);
}

TEST_CASE("a failed commit answers 503 and stores nothing of the batch", "[engine]") {
  EngineWorld w;
  ExecOn(w.db_path(),
         "CREATE TRIGGER inject BEFORE INSERT ON alerts WHEN NEW.summary LIKE '%INJECT-FAIL%' "
         "BEGIN SELECT RAISE(ABORT, 'injected disk failure'); END;");
  IngestEvent ok, bad;
  ok.dedup_key = "ok-1";
  ok.summary = "fine";
  bad.dedup_key = "bad-1";
  bad.summary = "INJECT-FAIL";
  ok.source = bad.source = "s";
  auto r = w.Ingest({ok, bad});
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 503);
  auto counts = w.reads().CountAlerts();
  REQUIRE(counts);
  CHECK(counts->triggered == 0);  // "ok-1" was rolled back with the rest of its request
  ExecOn(w.db_path(), "DROP TRIGGER inject");
  // The in-memory dedup index was rolled back too: this opens the alert, not a repeat.
  CHECK(w.Send(EventAction::kTrigger, "ok-1").effect == Effect::kCreate);
}

TEST_CASE("people acknowledge and resolve alerts by id", "[engine]") {
  EngineWorld w;
  auto a = w.Send(EventAction::kTrigger, "malware");
  auto act = [&](std::int64_t id, AlertStatus target) {
    return w.engine().Submit(AlertActionCommand{id, target, "user:an", "đang xử lý", {}}).get();
  };
  CHECK(act(a.alert_id, AlertStatus::kAcknowledged) == AlertStatus::kAcknowledged);
  CHECK(act(a.alert_id, AlertStatus::kAcknowledged) == AlertStatus::kAcknowledged);  // no-op
  const Alert acked = w.GetAlert(a.alert_id);
  CHECK(acked.acknowledged_by == "user:an");
  CHECK(w.NextPublication().first == "alert.triggered");
  auto [topic, body] = w.NextPublication();
  CHECK(topic == "alert.acknowledged");
  CHECK(body["by"] == "user:an");
  CHECK(body["alert"]["integration"] == "zabbix");
  CHECK(body["alert"]["status"] == "acknowledged");
  CHECK(act(a.alert_id, AlertStatus::kResolved) == AlertStatus::kResolved);
  auto late = act(a.alert_id, AlertStatus::kAcknowledged);
  REQUIRE_FALSE(late);
  CHECK(late.error().status == 409);
  auto missing = act(999, AlertStatus::kResolved);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().status == 404);
  auto events = w.reads().AlertEvents(a.alert_id);
  REQUIRE(events);
  REQUIRE(events->size() == 3);
  CHECK((*events)[1].kind == "acknowledged");
  CHECK((*events)[1].detail == R"({"note":"đang xử lý"})");
  // The freed dedup key opens a new alert.
  CHECK(w.Send(EventAction::kTrigger, "malware").effect == Effect::kCreate);
}

TEST_CASE("integration keys authenticate once created and stop when removed from config",
          "[engine]") {
  EngineWorld w;
  auto made = w.engine().Submit(CreateIntegrationCommand{"kev", "events_v2", {}}).get();
  REQUIRE(made);
  const std::string key = made->second;
  CHECK(w.registry.Authenticate(key, "events_v2"));
  CHECK(w.registry.Authenticate(key, "alertmanager").error().status == 403);
  CHECK(w.registry.Authenticate("nope", "events_v2").error().status == 403);
  CHECK(w.registry.Authenticate("", "events_v2").error().status == 401);
  auto dup = w.engine().Submit(CreateIntegrationCommand{"kev", "any", {}}).get();
  REQUIRE_FALSE(dup);
  CHECK(dup.error().status == 409);

  IntegrationConfig cfg{"from-config", "any", Sha256Hex("config-key"), 1};
  REQUIRE(w.engine().Submit(ApplyConfigCommand{{cfg}, nullptr, {}}).get());
  CHECK(w.registry.Authenticate("config-key", "alertmanager"));
  REQUIRE(w.engine().Submit(ApplyConfigCommand{{}, nullptr, {}}).get());
  CHECK_FALSE(w.registry.Authenticate("config-key", "alertmanager"));
  CHECK(w.registry.Authenticate(key, "events_v2"));  // generated keys stay
}

TEST_CASE("with the console inline the engine publishes the page and confirms it itself",
          "[engine]") {
  EngineWorld w({}, 5, [](EngineOptions& o) { o.console_inline = true; });
  auto out = w.Send(EventAction::kTrigger, "portal-down", "Cổng thông tin không truy cập được");
  auto [topic, change] = w.NextPublication();
  CHECK(topic == "alert.triggered");
  auto [page_topic, page] = w.NextPublication();  // straight from the engine, after the commit
  CHECK(page_topic == "page.all");
  CHECK(page["type"] == "page");
  CHECK(page["alert"]["id"] == out.alert_id);
  CHECK(page["alert"]["summary"] == "Cổng thông tin không truy cập được");
  auto deliveries = w.reads().AlertDeliveries(out.alert_id);
  REQUIRE(deliveries);
  REQUIRE(deliveries->size() == 1);
  CHECK(page["idempotency_key"] == IdempotencyKey(deliveries->front().id));
  w.Sync();  // the confirmation commits with the next batch
  deliveries = w.reads().AlertDeliveries(out.alert_id);
  REQUIRE(deliveries);
  CHECK(deliveries->front().delivered_at == w.clock.Now());
  // Confirmed: past every retry time, nothing is published again.
  w.clock.Advance(10 * EngineWorld::kRetry);
  w.engine().Wake();
  auto next = w.Send(EventAction::kTrigger, "after");
  CHECK(w.NextPublication().first == "alert.triggered");
  auto [after_topic, after] = w.NextPublication();
  CHECK(after_topic == "page.all");
  CHECK(after["alert"]["id"] == next.alert_id);
}

// The engine thread's boundary (issue 11): a command that throws while it is applied (here an
// acknowledgement whose note is not UTF-8, which the JSON encoder refuses) fails alone with a
// 500; the commands committed in the same batch are not lost, and the engine goes on.
TEST_CASE("a command that throws fails alone and the rest of its batch is committed",
          "[engine]") {
  EngineWorld w;
  const auto target = w.Send(EventAction::kTrigger, "portal-down");
  // The engine thread is held in the reply of a first command while the others are queued,
  // so that they are all taken as one batch when it is let go.
  std::promise<void> let_go, holding;
  IngestEvent first;
  first.dedup_key = "hold";
  first.summary = "giữ";
  first.details_json = "{}";
  w.engine().SubmitAsync(IngestCommand{
      w.integration(), {first}, Reply<std::vector<IngestOutcome>>([&](auto) {
        holding.set_value();
        let_go.get_future().wait();
      })});
  holding.get_future().wait();
  std::vector<std::future<Result<std::vector<IngestOutcome>>>> triggers;
  std::future<Result<AlertStatus>> bad;
  for (int i = 0; i < 40; ++i) {
    if (i == 20) {
      bad = w.engine().Submit(AlertActionCommand{target.alert_id, AlertStatus::kAcknowledged,
                                                 "user:an", std::string("ghi ch\xFF"), {}});
    }
    IngestEvent ev;
    ev.dedup_key = "school-" + std::to_string(i);
    ev.summary = "Trường " + std::to_string(i) + " mất kết nối";
    ev.source = "truong-" + std::to_string(i);
    ev.details_json = "{}";
    triggers.push_back(w.engine().Submit(IngestCommand{w.integration(), {ev}, {}}));
  }
  let_go.set_value();
  auto refused = bad.get();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().status == 500);
  CHECK(refused.error().code == "internal");
  for (auto& f : triggers) {
    auto done = f.get();
    REQUIRE(done);
    CHECK(w.GetAlert(done->front().alert_id).status == AlertStatus::kTriggered);
  }
  CHECK(w.GetAlert(target.alert_id).status == AlertStatus::kTriggered);  // nothing half-done
  CHECK(w.metrics.batches_isolated.Value() == 1);  // all 41 were one batch, isolated once
  // The engine goes on: the same acknowledgement with a proper note is taken.
  auto ok = w.engine()
                .Submit(AlertActionCommand{target.alert_id, AlertStatus::kAcknowledged,
                                           "user:an", "đang xử lý", {}})
                .get();
  REQUIRE(ok);
  CHECK(*ok == AlertStatus::kAcknowledged);
}
