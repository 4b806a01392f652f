// Working incidents: the operations people submit (open, transition, note, attach a playbook,
// complete or skip a step, contact an outside party) and the timed cycle over overdue steps.
//
// IncidentWork runs on the engine thread inside the engine's batch transaction: it validates
// first and writes only when the whole operation is valid, so a refused operation leaves
// nothing behind. Paging goes through IncidentPager, which the engine implements with its
// outbox (deliveries are sent only after the commit). Not thread-safe; one per batch.
#pragma once

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/escalation/escalation.h"
#include "daemon/incidents/incident.h"
#include "daemon/incidents/incident_store.h"

namespace vigil {

// Opens a ticket, optionally promoting alerts and attaching a playbook at once.
struct OpenIncident {
  Incident incident;  // id, state, anchors and times are filled in by the engine
  std::optional<PlaybookPlan> plan;
  // The request's Idempotency-Key (empty: none) and a fingerprint of the request (its route
  // and body). The incident a request with the same key and fingerprint opened is returned
  // as it is, nothing new is opened, and `*replayed` (when given) is set; the same key with
  // another fingerprint is refused (422 idempotency_key_reused).
  std::string idempotency_key = {};
  std::string request_sha256 = {};
  std::shared_ptr<bool> replayed = {};  // read by the caller once the command's reply came
};

// The error for an Idempotency-Key first used for another request.
Error KeyReused(const std::string& key);
// Links more alerts to an open incident (promote into an existing incident).
struct LinkAlerts {
  std::int64_t id = 0;
  std::vector<std::int64_t> alert_ids;
};
struct TransitionIncident {
  std::int64_t id = 0;
  std::string target;  // a state name, checked by the engine (400 naming "state")
  std::optional<std::int64_t> duplicate_of;
  std::string note;
};
struct AddNote {
  std::int64_t id = 0;
  std::string text;
};
struct AssignIncident {
  std::int64_t id = 0;
  std::string person;
};
struct AttachPlaybook {
  std::int64_t id = 0;
  PlaybookPlan plan;
};
struct StepAction {
  std::int64_t id = 0;
  std::string step;
  bool skip = false;
  std::string note;
  nlohmann::json input = nlohmann::json::object();
};
// Engages an outside party (message: sends the request through the notifiers) and/or records
// its answer (ticket number, answer text).
struct ContactAction {
  std::int64_t id = 0;
  std::string contact_point;
  std::string step;  // the contact-point step this belongs to, if any
  std::string message, ticket, answer;
};

using IncidentOp = std::variant<OpenIncident, LinkAlerts, TransitionIncident, AddNote,
                                AssignIncident, AttachPlaybook, StepAction, ContactAction>;

// One operation for the engine. The reply is the incident's id once committed.
struct IncidentCommand {
  IncidentOp op;
  std::string actor;  // user:<id>, ...
  std::promise<Result<std::int64_t>> done;
};

// What IncidentWork needs from the engine to reach people. Implemented by the engine.
class IncidentPager {
 public:
  virtual ~IncidentPager() = default;
  // Pages a person through their notification rules.
  virtual void PagePerson(const Person& person, const std::string& payload) = 0;
  // Shows a contact-point request on every console and e-mails the party when it has one.
  virtual void PageContactPoint(const ContactPoint& cp, const std::string& payload) = 0;
  virtual void Publish(const std::string& topic, const std::string& body) = 0;
  // An alert was promoted into `incident_id` by `actor`: recorded on the alert's own log,
  // and the alert is handled there from now on. A triggered alert is acknowledged, and its
  // escalation ends for good (no acknowledgement timeout pages anyone about it again).
  virtual void AlertPromoted(std::int64_t alert_id, std::int64_t incident_id,
                             const std::string& actor) = 0;
  virtual bool AlertExists(std::int64_t alert_id) = 0;
};

class IncidentWork {
 public:
  // All references must outlive the object.
  IncidentWork(IncidentStore& store, const OnCallSetup& setup, IncidentPager& pager, TimeMs now)
      : store_(store),
        setup_(setup),
        pager_(pager),
        now_(now),
        calendar_(playbooks::WorkCalendar::FromOnCall(setup)) {}

  // Applies one operation for `actor`. Errors name the field at fault; nothing is written
  // when an error is returned.
  Result<std::int64_t> Apply(const IncidentOp& op, const std::string& actor);
  // Acts on every step whose timer is due: overdue steps page the next level of their chain.
  void Cycle();

 private:
  Result<std::int64_t> Do(const OpenIncident& op, const std::string& actor);
  Result<std::int64_t> Do(const LinkAlerts& op, const std::string& actor);
  Result<std::int64_t> Do(const TransitionIncident& op, const std::string& actor);
  Result<std::int64_t> Do(const AddNote& op, const std::string& actor);
  Result<std::int64_t> Do(const AssignIncident& op, const std::string& actor);
  Result<std::int64_t> Do(const AttachPlaybook& op, const std::string& actor);
  Result<std::int64_t> Do(const StepAction& op, const std::string& actor);
  Result<std::int64_t> Do(const ContactAction& op, const std::string& actor);

  Result<Incident> Load(std::int64_t id);
  // Load, refusing (409 incident_final) an incident already closed or set aside.
  Result<Incident> LoadOpen(std::int64_t id);
  // The ticket's own fields against the on-call config; fills defaults (detected_at, source).
  Result<void> CheckTicket(Incident& in) const;
  // After `done` was completed with `input`: its chosen next step becomes pending, the other
  // waiting alternatives not_applicable.
  void Branch(std::int64_t id, const PlaybookPlan& plan, const PlanStep& done,
              const nlohmann::json& input);
  Result<void> CheckAlerts(const std::vector<std::int64_t>& ids, std::int64_t except_incident);
  void Link(const Incident& in, std::int64_t alert_id, const std::string& actor);
  void Attach(const Incident& in, const PlaybookPlan& plan, const std::string& actor);
  // Stamps an anchor and re-times the pending steps that count from it.
  void Stamp(std::int64_t id, const std::string& anchor, const std::string& actor);
  void Retime(std::int64_t id);
  // Moves the ticket to `target` (already checked legal), stamping its anchor; `step` names
  // the playbook step that moved it, if one did.
  void Move(const Incident& in, IncidentState target, std::optional<std::int64_t> duplicate_of,
            const std::string& note, const std::string& actor, const std::string& step = "");
  void Escalate(IncidentStep& step, const Incident& in, const PlaybookPlan& plan);
  // The schedule whose roles mean the incident's duty officer / leader.
  std::string ScheduleFor(const Incident& in) const;
  void Announce(const Incident& in, const std::string& what);

  IncidentStore& store_;
  const OnCallSetup& setup_;
  IncidentPager& pager_;
  const TimeMs now_;
  const playbooks::WorkCalendar calendar_;  // working days: weekends and on-call holidays
};

// JSON views for the API, publications and pages.
nlohmann::json IncidentJson(const Incident& in);
nlohmann::json StepJson(const IncidentStep& s, const PlanStep* def);
// `text` is the entry as people read it (report.h's wording), in the caller's language.
nlohmann::json TimelineJson(const TimelineEntry& e, const std::string& text = "");

}  // namespace vigil
