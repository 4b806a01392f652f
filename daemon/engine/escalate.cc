// The engine's escalation, notification and check-in steps. Each runs inside the caller's
// transaction (a command batch or the timed cycle) and only records what to send; Flush
// sends it after the commit.
#include <algorithm>

#include "daemon/common/log.h"
#include "daemon/engine/batch.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/payloads.h"

namespace vigil {

using engine_internal::AlertJson;
using engine_internal::AlertJsonOf;
using engine_internal::json;

namespace {
constexpr TimeMs kCheckinEarly = 30 * 60'000;  // a check-in counts from 30 min before the shift

std::string LevelPayload(const std::string& alert, int level, const std::string& why,
                         const json& links) {
  std::string s = R"({"type":"page","alert":)" + alert + R"(,"level":)" + std::to_string(level) +
                  R"(,"why":)" + json(why).dump();
  if (!links.is_null()) s += R"(,"links":)" + links.dump();
  return s + "}";
}

// The alert object with "created_at" (when the alert began) added: templates show its age.
std::string WithCreatedAt(const std::string& alert, std::optional<TimeMs> created_at) {
  if (!created_at || alert.size() < 2 || alert.back() != '}' ||
      alert.find("\"created_at\"") != std::string::npos) {
    return alert;
  }
  return alert.substr(0, alert.size() - 1) + R"(,"created_at":")" + FormatTimestamp(*created_at) +
         "\"}";
}

OutboxRow Delivery(std::string channel, std::string recipient, std::optional<std::int64_t> alert_id,
                   std::string payload) {
  OutboxRow row;
  row.channel = std::move(channel);
  row.recipient = std::move(recipient);
  row.alert_id = alert_id;
  row.payload = std::move(payload);
  return row;
}

}  // namespace

void Engine::Broadcast(std::int64_t alert_id, const std::string& payload, Batch& b) {
  AddDelivery(Delivery("console", "all", alert_id, payload), 0, b);
}

// The console page of a new alert that no route took: {"type":"page","alert":{…}}.
std::string Engine::AlertPage(const std::string& alert, TimeMs created_at) {
  return R"({"type":"page","alert":)" + WithCreatedAt(alert, created_at) + "}";
}

const std::string& Engine::PayloadOf(OutboxRow& row) {
  if (!row.payload.empty() || !row.alert_id) return row.payload;
  // Stored empty: the plain page of an unrouted alert (StartEscalation), rebuilt as it was
  // sent. (If the alert row were gone, the empty payload fails the delivery, which is retried
  // and then given up, visibly.)
  const auto head = store_.GetAlertHead(*row.alert_id);
  const auto created = store_.AlertCreatedAt(*row.alert_id);
  if (head && created) {
    row.payload = AlertPage(AlertJsonOf(*row.alert_id, *head, head->status, *created), *created);
  }
  return row.payload;
}

void Engine::NotifyPerson(const Person& person, std::int64_t alert_id,
                          const std::string& payload, Batch& b) {
  for (const auto& rule : person.notify) {
    const Contact* contact = person.FindContact(rule.via);
    if (!contact) continue;
    OutboxRow row = Delivery(contact->kind, contact->address,
                             alert_id > 0 ? std::optional(alert_id) : std::nullopt, payload);
    row.person = person.id;
    AddDelivery(std::move(row), rule.after, b);
  }
}

void Engine::StartEscalation(std::int64_t alert_id, const IngestEvent& ev,
                             const std::string& alert, Batch& b) {
  const OnCallSetup& setup = *b.setup;
  const Route* route = setup.routes.empty()
                           ? nullptr
                           : MatchRoute(setup, {ev.source, std::string(ToString(ev.severity)),
                                                ev.labels});
  const EscalationPolicy* policy = route ? PolicyFor(setup, *route, b.now) : nullptr;
  if (!policy) {  // no routing configured, or nothing matched: every console is paged
    if (!setup.routes.empty()) {
      store_.InsertAlertEvent(alert_id, b.now, "unrouted", "engine",
                              R"({"reason":"no route matched and there is no default route"})");
    }
    OutboxRow page = Delivery("console", "all", alert_id, AlertPage(alert, b.now));
    page.page_of_alert = true;  // stored empty; PayloadOf rebuilds it for a re-send
    return AddDelivery(std::move(page), 0, b);
  }
  EscalationRow row{alert_id, route->id, policy->id, route->schedule, 0, 0, "escalating", {}};
  store_.InsertAlertEvent(
      alert_id, b.now, "routed", "engine",
      json{{"route", route->id}, {"policy", policy->id}, {"schedule", route->schedule},
           {"heightened", policy->id != route->policy}}
          .dump());
  PageLevel(row, *policy, alert, b);
  store_.PutEscalation(row);
}

void Engine::PageLevel(EscalationRow& row, const EscalationPolicy& policy,
                       const std::string& alert_json, Batch& b) {
  const OnCallSetup& setup = *b.setup;
  const std::string alert = WithCreatedAt(alert_json, store_.AlertCreatedAt(row.alert_id));
  const EscalationLevel& level = policy.levels[row.level];
  const auto recipients = ResolveLevel(setup, level, row.schedule, b.now);
  json who = json::array();
  for (const auto& r : recipients) {
    json entry = {{"why", r.why}};
    if (!r.person.empty()) entry["person"] = r.person;
    if (!r.contact_point.empty()) entry["contact_point"] = r.contact_point;
    if (!r.webhook.empty()) entry["webhook"] = r.webhook;
    who.push_back(std::move(entry));
    if (const Person* p = r.person.empty() ? nullptr : setup.FindPerson(r.person)) {
      NotifyPerson(*p, row.alert_id,
                   LevelPayload(alert, row.level + 1, r.why,
                                LinksFor(row.alert_id, p->id, row.level + 1, b.now)),
                   b);
    } else if (const ContactPoint* cp = setup.FindContactPoint(r.contact_point)) {
      json c = {{"id", cp->id}, {"name", cp->name}, {"phone", cp->phone},
                {"email", cp->email}, {"notes", cp->notes}};
      const std::string payload = R"({"type":"contact_point","alert":)" + alert +
                                  R"(,"level":)" + std::to_string(row.level + 1) +
                                  R"(,"contact_point":)" + c.dump() + "}";
      Broadcast(row.alert_id, payload, b);
      if (!cp->email.empty()) {
        AddDelivery(Delivery("email", cp->email, row.alert_id, payload), 0, b);
      }
      store_.InsertAlertEvent(row.alert_id, b.now, "contact_point_engaged", "engine", c.dump());
    } else if (!r.webhook.empty()) {
      AddDelivery(Delivery("webhook", r.webhook, row.alert_id,
                           LevelPayload(alert, row.level + 1, r.why, json())),
                  0, b);
    }
  }
  const json detail = {{"level", row.level + 1}, {"pass", row.pass + 1},
                       {"policy", policy.id}, {"recipients", who}};
  store_.InsertAlertEvent(row.alert_id, b.now, recipients.empty() ? "nobody_on_duty" : "escalated",
                          "engine", detail.dump());
  b.publications.emplace_back("alert.escalated",
                              R"({"type":"alert.escalated","alert":)" + alert +
                                  R"(,"escalation":)" + detail.dump() + "}");
  metrics_.escalations.Increment();
  // Nobody to page at this level: move on at once rather than wait out its timeout.
  row.next_at = recipients.empty() ? b.now : b.now + level.timeout;
}

void Engine::StopEscalation(std::int64_t alert_id, AlertStatus status, Batch& b, bool for_good) {
  store_.CancelPendingDeliveries(alert_id, b.now);
  auto row = store_.GetEscalation(alert_id);
  if (!row || row->state == "done") return;
  const EscalationPolicy* policy = b.setup->FindPolicy(row->policy);
  if (!for_good && status == AlertStatus::kAcknowledged && policy && policy->ack_timeout > 0) {
    row->state = "acknowledged";
    row->next_at = b.now + policy->ack_timeout;  // re-page if still unresolved by then
  } else {
    row->state = "done";
    row->next_at.reset();
  }
  store_.PutEscalation(*row);
}

void Engine::TakeIntoIncident(std::int64_t alert_id, std::int64_t incident_id,
                              const std::string& actor, Batch& b) {
  const std::string detail = json{{"incident_id", incident_id}}.dump();
  store_.InsertAlertEvent(alert_id, b.now, "promoted", "engine", detail);
  auto head = store_.GetAlertHead(alert_id);
  if (!head || head->status == AlertStatus::kResolved) return;
  if (head->status == AlertStatus::kTriggered) {
    ChangeStatus(alert_id, *head, AlertStatus::kAcknowledged, actor, detail, b, true);
  } else {  // acknowledged already: its ack timeout must not page anyone either
    StopEscalation(alert_id, head->status, b, true);
  }
}

void Engine::AdvanceEscalation(EscalationRow& row, Batch& b) {
  const EscalationPolicy* policy = b.setup->FindPolicy(row.policy);
  auto head = store_.GetAlertHead(row.alert_id);
  row.next_at.reset();
  if (!policy || policy->levels.empty() || !head || head->status == AlertStatus::kResolved) {
    row.state = "done";
    return store_.PutEscalation(row);
  }
  if (row.state == "acknowledged") {  // acknowledged, never resolved: page again from the top
    store_.ReopenAlert(row.alert_id, b.now);
    store_.InsertAlertEvent(row.alert_id, b.now, "ack_timeout", "engine", "{}");
    open_.Put(head->integration_id, head->dedup_key, {row.alert_id, AlertStatus::kTriggered});
    head->status = AlertStatus::kTriggered;
    row = {row.alert_id, row.route, row.policy, row.schedule, 0, 0, "escalating", {}};
  } else if (++row.level >= static_cast<int>(policy->levels.size())) {
    if (row.pass >= policy->repeat) {
      row.state = "exhausted";
      store_.InsertAlertEvent(row.alert_id, b.now, "escalation_exhausted", "engine", "{}");
      return store_.PutEscalation(row);
    }
    row.level = 0;
    ++row.pass;
  }
  PageLevel(row, *policy, AlertJsonOf(row.alert_id, *head, head->status, b.now), b);
  store_.PutEscalation(row);
}

void Engine::CycleEscalations(Batch& b) {
  for (auto& row : store_.DueEscalations(b.now, 1000)) AdvanceEscalation(row, b);
}

void Engine::SeedCheckins(const OnCallSetup& setup, TimeMs now) {
  for (const auto& roster : setup.rosters) {
    for (const auto& shift : roster.shifts) {
      if (shift.role != DutyRole::kDutyOfficer || shift.end <= now) continue;
      store_.AddCheckin({0, roster.schedule, shift.person, shift.start, shift.end, "remind",
                         std::max(shift.start, now), {}, "", {}});
    }
  }
}

void Engine::CycleCheckins(Batch& b) {
  const OnCallSetup& setup = *b.setup;
  for (auto& r : store_.DueCheckins(b.now, 1000)) {
    const json shift = {{"schedule", r.schedule}, {"person", r.person},
                        {"shift_start", FormatTimestamp(r.shift_start)},
                        {"shift_end", FormatTimestamp(r.shift_end)}};
    if (r.phase == "remind") {
      if (const Person* p = setup.FindPerson(r.person)) {
        NotifyPerson(*p, 0, json{{"type", "checkin_reminder"}, {"shift", shift}}.dump(), b);
      }
      r.phase = "check";
      r.due_at = std::max(r.shift_start, b.now) + setup.checkin_within;
    } else {  // the deadline passed without a check-in: page the backup and the duty leader
      r.phase = "done";
      r.missed_at = b.now;
      r.due_at.reset();
      EscalationLevel level{0, {{Target::Kind::kRole, "", DutyRole::kBackup, r.schedule},
                                {Target::Kind::kRole, "", DutyRole::kDutyLeader, r.schedule}}};
      const std::string payload = json{{"type", "checkin_missed"}, {"shift", shift}}.dump();
      for (const auto& who : ResolveLevel(setup, level, r.schedule, b.now)) {
        const Person* p = setup.FindPerson(who.person);
        if (p && p->id != r.person) NotifyPerson(*p, 0, payload, b);
      }
      b.publications.emplace_back("checkin.missed", payload);
      metrics_.checkins_missed.Increment();
      Log("engine")->warn("checkin_missed schedule={} person={}", r.schedule, r.person);
    }
    store_.UpdateCheckin(r);
  }
}

json Engine::LinksFor(std::int64_t alert_id, const std::string& person, int level,
                      TimeMs now) const {
  if (!options_.links || options_.public_url.empty()) return json();
  json links = json::object();
  for (const char* action : {"ack", "resolve", "escalate"}) {
    links[action] = options_.public_url + "/l/" +
                    options_.links->Sign({alert_id, person, action, now + options_.link_ttl, level});
  }
  return links;
}

Result<AlertStatus> Engine::EscalateFrom(std::int64_t alert_id, int level,
                                         const std::string& actor, Batch& b) {
  auto row = store_.GetEscalation(alert_id);
  auto head = store_.GetAlertHead(alert_id);
  if (!row || row->state != "escalating" || !head) {
    return Fail("not_escalating", "this alert is not escalating any more", "", 409);
  }
  if (row->level + 1 != level) {  // a stale page: the alert has moved on already
    return Fail("already_escalated", "this alert has already moved past that level", "", 409);
  }
  row->next_at = b.now;  // the cycle right after this batch pages the next level
  store_.PutEscalation(*row);
  store_.InsertAlertEvent(alert_id, b.now, "escalation_requested", actor, "{}");
  return head->status;
}

void Engine::Apply(LinkActionCommand& c, Batch& b) {
  const LinkClaims& l = c.claims;
  Result<AlertStatus> result;
  if (store_.LinkUsed(c.token_sha256)) {
    result = Fail("link_used", "this link was already used", "", 409);
  } else if (l.action == "escalate") {
    result = EscalateFrom(l.alert_id, l.level, "link:" + l.person, b);
  } else {
    const auto target = l.action == "resolve" ? AlertStatus::kResolved : AlertStatus::kAcknowledged;
    result = ActOn(l.alert_id, target, "link:" + l.person, "", b);
  }
  // Used up only when it did something: a refused link can be tried again (until it expires).
  if (result) store_.UseLink(c.token_sha256, b.now, l.alert_id, l.person, l.action);
  b.finishers.push_back([&c, result] { c.done.set_value(result); });
}

void Engine::Apply(CheckInCommand& c, Batch& b) {
  auto rows = store_.CheckIn(c.person, b.now, kCheckinEarly, c.via);
  if (rows.empty()) {
    b.finishers.push_back([&c] {
      c.done.set_value(std::unexpected(Error{
          "no_shift", c.person + " has no holiday shift running now or starting within 30 minutes",
          "person", 404}));
    });
    return;
  }
  b.publications.emplace_back(
      "checkin.confirmed", json{{"type", "checkin.confirmed"}, {"person", c.person},
                                {"via", c.via}, {"at", FormatTimestamp(b.now)}}.dump());
  b.finishers.push_back([&c, rows] { c.done.set_value(rows); });
}

}  // namespace vigil
