// The engine's side of incidents: runs IncidentWork inside the batch transaction and lends it
// the outbox (pages are written now, sent after the commit) and the publisher.
#include "daemon/common/log.h"
#include "daemon/engine/batch.h"
#include "daemon/engine/engine.h"

namespace vigil {

class Engine::IncidentPagerImpl final : public IncidentPager {
 public:
  IncidentPagerImpl(Engine& e, Batch& b) : e_(e), b_(b) {}
  void PagePerson(const Person& person, const std::string& payload) override {
    e_.NotifyPerson(person, 0, payload, b_);
  }
  void PageContactPoint(const ContactPoint& cp, const std::string& payload) override {
    OutboxRow console;
    console.channel = "console";
    console.recipient = "all";
    console.payload = payload;
    e_.AddDelivery(std::move(console), 0, b_);
    if (!cp.email.empty()) {
      OutboxRow mail;
      mail.channel = "email";
      mail.recipient = cp.email;
      mail.payload = payload;
      e_.AddDelivery(std::move(mail), 0, b_);
    }
  }
  void Publish(const std::string& topic, const std::string& body) override {
    b_.publications.emplace_back(topic, body);
  }
  void AlertPromoted(std::int64_t alert_id, std::int64_t incident_id,
                     const std::string& actor) override {
    e_.TakeIntoIncident(alert_id, incident_id, actor, b_);
  }
  bool AlertExists(std::int64_t alert_id) override {
    return e_.store_.GetAlertHead(alert_id).has_value();
  }

 private:
  Engine& e_;
  Batch& b_;
};

void Engine::Apply(IncidentCommand& c, Batch& b) {
  IncidentStore incidents(store_.db());
  IncidentPagerImpl pager(*this, b);
  IncidentWork work(incidents, *b.setup, pager, b.now);
  Result<std::int64_t> result = work.Apply(c.op, c.actor);
  b.finishers.push_back([&c, result] { c.done.set_value(result); });
}

void Engine::CycleIncidents(Batch& b) {
  IncidentStore incidents(store_.db());
  IncidentPagerImpl pager(*this, b);
  IncidentWork(incidents, *b.setup, pager, b.now).Cycle();
}

}  // namespace vigil
