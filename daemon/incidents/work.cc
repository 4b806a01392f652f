#include "daemon/incidents/work.h"

#include <algorithm>

#include "daemon/common/log.h"
#include "daemon/common/time_util.h"

namespace vigil {
namespace {

using nlohmann::json;

json OptTime(const std::optional<TimeMs>& t) { return t ? json(FormatTimestamp(*t)) : json(); }

Error NotFound(std::int64_t id) {
  return Error{"not_found", "incident " + std::to_string(id) + " does not exist", "id", 404};
}

std::string StateList(const std::vector<IncidentState>& states) {
  std::string out;
  for (auto s : states) out += (out.empty() ? "" : ", ") + std::string(ToString(s));
  return out.empty() ? "nothing (it is final)" : out;
}

// "role:duty_leader" → a Target; nullopt for words it does not know.
std::optional<Target> ParseTarget(const std::string& text, const Incident& in) {
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string ref = colon == std::string::npos ? "" : text.substr(colon + 1);
  Target t;
  if (kind == "assignee") {
    if (in.assignee.empty()) return std::nullopt;
    t.kind = Target::Kind::kPerson;
    t.ref = in.assignee;
  } else if (kind == "role") {
    auto role = ParseDutyRole(ref);
    if (!role) return std::nullopt;
    t.kind = Target::Kind::kRole;
    t.role = *role;
  } else if (kind == "person") {
    t.kind = Target::Kind::kPerson;
    t.ref = ref;
  } else if (kind == "contact_point") {
    t.kind = Target::Kind::kContactPoint;
    t.ref = ref;
  } else if (kind == "schedule") {
    t.kind = Target::Kind::kSchedule;
    t.ref = ref;
  } else {
    return std::nullopt;
  }
  return t;
}

}  // namespace

json IncidentJson(const Incident& in) {
  json systems = json::array();
  for (const auto& s : in.systems) systems.push_back({{"name", s.name}, {"level", s.level}});
  json anchors = json::object();
  for (const auto& [k, v] : in.anchors) anchors[k] = FormatTimestamp(v);
  return {{"id", in.id},
          {"title", in.title},
          {"category", in.category},
          {"severity", PriorityText(in.severity)},
          {"state", ToString(in.state)},
          {"unit", in.unit},
          {"systems", systems},
          {"detected_at", FormatTimestamp(in.detected_at)},
          {"assignee", in.assignee.empty() ? json() : json(in.assignee)},
          {"source", in.source},
          {"description", in.description},
          {"reporter", in.reporter},
          {"duplicate_of", in.duplicate_of ? json(*in.duplicate_of) : json()},
          {"playbook", in.playbook_id.empty()
                           ? json()
                           : json{{"id", in.playbook_id}, {"version", in.playbook_version}}},
          {"anchors", anchors},
          {"alert_ids", in.alert_ids},
          {"created_at", FormatTimestamp(in.created_at)},
          {"updated_at", FormatTimestamp(in.updated_at)},
          {"created_by", in.created_by}};
}

json StepJson(const IncidentStep& s, const PlanStep* def) {
  json j = {{"id", s.step_id},
            {"seq", s.seq},
            {"state", s.state},
            {"due_at", OptTime(s.due_at)},
            {"escalation_level", s.escalation_level},
            {"next_escalation_at", OptTime(s.escalate_at)},
            {"done_at", OptTime(s.done_at)},
            {"done_by", s.done_by},
            {"note", s.note},
            {"input", s.input}};
  if (def) {
    json form = json::array();
    for (const auto& f : def->form) form.push_back(ToJson(f));
    j["phase"] = def->phase;
    j["role"] = def->role;
    j["title_vi"] = def->title_vi;
    j["title_en"] = def->title_en;
    j["instructions_vi"] = def->instructions_vi;
    j["instructions_en"] = def->instructions_en;
    j["donts_vi"] = def->donts_vi;
    j["donts_en"] = def->donts_en;
    j["mandatory"] = def->mandatory;
    j["anchor"] = def->anchor;
    j["form"] = form;
    j["contact_point"] = def->contact_point.empty() ? json() : json(def->contact_point);
    j["produces_report"] = def->produces_report.empty() ? json() : json(def->produces_report);
  }
  return j;
}

json TimelineJson(const TimelineEntry& e, const std::string& text) {
  return {{"id", e.id},       {"at", FormatTimestamp(e.at)}, {"kind", e.kind},
          {"actor", e.actor}, {"detail", e.detail},          {"text", text}};
}

Error KeyReused(const std::string& key) {
  return {"idempotency_key_reused",
          "Idempotency-Key \"" + key + "\" was already used for another request; use a new key",
          "Idempotency-Key", 422};
}

Result<std::int64_t> IncidentWork::Apply(const IncidentOp& op, const std::string& actor) {
  return std::visit([&](const auto& o) { return Do(o, actor); }, op);
}

Result<Incident> IncidentWork::Load(std::int64_t id) {
  auto in = store_.Get(id);
  if (!in) return std::unexpected(NotFound(id));
  return *in;
}

Result<Incident> IncidentWork::LoadOpen(std::int64_t id) {
  auto in = Load(id);
  if (in && IsFinal(in->state)) {
    return Fail("incident_final",
                "incident " + std::to_string(id) + " is " + std::string(ToString(in->state)),
                "id", 409);
  }
  return in;
}

Result<void> IncidentWork::CheckAlerts(const std::vector<std::int64_t>& ids,
                                       std::int64_t except_incident) {
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string field = "alert_ids[" + std::to_string(i) + "]";
    if (!pager_.AlertExists(ids[i])) {
      return Fail("not_found", "alert " + std::to_string(ids[i]) + " does not exist", field, 404);
    }
    if (auto other = store_.OpenIncidentOfAlert(ids[i]); other && *other != except_incident) {
      return Fail("already_promoted",
                  "alert " + std::to_string(ids[i]) + " is already linked to open incident " +
                      std::to_string(*other),
                  field, 409);
    }
  }
  return {};
}

void IncidentWork::Link(const Incident& in, std::int64_t alert_id, const std::string& actor) {
  if (!store_.LinkAlert(in.id, alert_id, now_)) return;
  store_.AddTimeline(in.id, now_, "alert_linked", actor, {{"alert_id", alert_id}});
  pager_.AlertPromoted(alert_id, in.id, actor);
}

void IncidentWork::Announce(const Incident& in, const std::string& what) {
  auto now = store_.Get(in.id);
  pager_.Publish(
      "incident." + what,
      json{{"type", "incident." + what}, {"incident", IncidentJson(now ? *now : in)}}.dump());
}

Result<void> IncidentWork::CheckTicket(Incident& in) const {
  if (in.title.empty()) return Fail("missing_field", "title is required", "title");
  if (!IsIncidentCategory(in.category)) {
    return Fail("invalid_field",
                "category must be one of malware, ransomware, defacement, ddos, phishing, "
                "account_compromise, data_leak, vuln_exploitation, other",
                "category");
  }
  if (in.severity < 1 || in.severity > 4) {
    return Fail("invalid_field", "severity must be P1, P2, P3 or P4", "severity");
  }
  if (in.unit.empty()) return Fail("missing_field", "unit is required", "unit");
  if (!setup_.units.empty() && std::none_of(setup_.units.begin(), setup_.units.end(),
                                            [&](const Unit& u) { return u.id == in.unit; })) {
    return Fail("invalid_field", "unit \"" + in.unit + "\" is not a unit of the on-call config",
                "unit");
  }
  if (!in.assignee.empty() && !setup_.FindPerson(in.assignee)) {
    return Fail("invalid_field",
                "assignee \"" + in.assignee + "\" is not a person of the on-call config",
                "assignee");
  }
  if (in.source.empty()) in.source = "api";
  if (!IsIncidentSource(in.source)) {
    return Fail("invalid_field", "source must be api, cli, web, alert, phone or letter", "source");
  }
  for (size_t i = 0; i < in.systems.size(); ++i) {
    const std::string where = "systems[" + std::to_string(i) + "]";
    if (in.systems[i].name.empty())
      return Fail("missing_field", "a system needs a name", where + ".name");
    if (in.systems[i].level < 1 || in.systems[i].level > 5) {
      return Fail("invalid_field", "a system's security level is 1 to 5", where + ".level");
    }
  }
  if (in.detected_at == 0) in.detected_at = now_;
  if (in.detected_at > now_ + 5 * 60'000) {
    return Fail("invalid_field", "detected_at is in the future", "detected_at");
  }
  return {};
}

Result<std::int64_t> IncidentWork::Do(const OpenIncident& op, const std::string& actor) {
  if (!op.idempotency_key.empty()) {
    if (auto kept = store_.IncidentOfRequest(op.idempotency_key)) {  // a retry, or a reuse
      if (kept->request_sha256 != op.request_sha256) {
        return std::unexpected(KeyReused(op.idempotency_key));
      }
      if (op.replayed) *op.replayed = true;
      return kept->incident_id;
    }
  }
  Incident in = op.incident;
  if (auto ok = CheckTicket(in); !ok) return std::unexpected(ok.error());
  if (auto ok = CheckAlerts(in.alert_ids, 0); !ok) return std::unexpected(ok.error());

  in.state = IncidentState::kNew;
  in.created_at = in.updated_at = now_;
  in.created_by = actor;
  in.anchors = {{"opened", now_}, {"detected", in.detected_at}};
  auto alerts = in.alert_ids;
  in.alert_ids.clear();
  in.id = store_.Insert(in);
  if (!op.idempotency_key.empty()) {
    store_.RememberRequest(op.idempotency_key, op.request_sha256, in.id, now_);
  }
  json detail = IncidentJson(in);
  store_.AddTimeline(in.id, now_, "opened", actor, detail);
  for (auto a : alerts) Link(in, a, actor);
  if (op.plan) Attach(in, *op.plan, actor);
  Log("incidents")
      ->info("incident_opened id={} category={} severity=P{} unit={}", in.id, in.category,
             in.severity, in.unit);
  Announce(in, "opened");
  return in.id;
}

Result<std::int64_t> IncidentWork::Do(const LinkAlerts& op, const std::string& actor) {
  auto in = LoadOpen(op.id);
  if (!in) return std::unexpected(in.error());
  if (auto ok = CheckAlerts(op.alert_ids, op.id); !ok) return std::unexpected(ok.error());
  for (auto a : op.alert_ids) Link(*in, a, actor);
  return op.id;
}

Result<std::int64_t> IncidentWork::Do(const TransitionIncident& op, const std::string& actor) {
  auto in = Load(op.id);
  if (!in) return std::unexpected(in.error());
  auto target = ParseIncidentState(op.target);
  if (!target) {
    return Fail("invalid_field",
                "state must be acknowledged, triaged, contained, recovered, reported, closed, "
                "false_positive or duplicate",
                "state");
  }
  if (!CanTransition(in->state, *target)) {
    return Fail("illegal_transition",
                "incident " + std::to_string(op.id) + " cannot go from " +
                    std::string(ToString(in->state)) + " to " + std::string(ToString(*target)) +
                    "; from " + std::string(ToString(in->state)) + " it can go to " +
                    StateList(NextStates(in->state)),
                "state", 409);
  }
  if (*target == IncidentState::kDuplicate) {
    if (!op.duplicate_of || *op.duplicate_of == op.id || !store_.Get(*op.duplicate_of)) {
      return Fail("invalid_field", "duplicate needs duplicate_of: the id of another incident",
                  "duplicate_of");
    }
  }
  if (*target == IncidentState::kClosed) {
    std::string pending;
    const auto plan = store_.Plan(op.id);
    for (const auto& s : store_.Steps(op.id)) {
      const PlanStep* def = plan ? plan->Find(s.step_id) : nullptr;
      if (s.state == "pending" && def && def->mandatory)
        pending += (pending.empty() ? "" : ", ") + s.step_id;
    }
    if (!pending.empty()) {
      return Fail("steps_pending",
                  "incident " + std::to_string(op.id) +
                      " cannot be closed while mandatory steps are pending: " + pending,
                  "state", 409);
    }
  }
  Move(*in, *target, op.duplicate_of, op.note, actor);
  return op.id;
}

void IncidentWork::Move(const Incident& in, IncidentState target,
                        std::optional<std::int64_t> duplicate_of, const std::string& note,
                        const std::string& actor, const std::string& step) {
  store_.SetState(in.id, target, duplicate_of, now_);
  json detail = {{"from", ToString(in.state)}, {"to", ToString(target)}};
  if (!step.empty()) detail["step"] = step;
  if (!note.empty()) detail["note"] = note;
  if (duplicate_of) detail["duplicate_of"] = *duplicate_of;
  store_.AddTimeline(in.id, now_, "transition", actor, detail);
  Stamp(in.id, AnchorOf(target), actor);
  if (IsFinal(target)) store_.StopTimers(in.id);
  Log("incidents")
      ->info("incident_transition id={} from={} to={}", in.id, ToString(in.state),
             ToString(target));
  Announce(in, "transition");
}

Result<std::int64_t> IncidentWork::Do(const AddNote& op, const std::string& actor) {
  auto in = Load(op.id);
  if (!in) return std::unexpected(in.error());
  if (op.text.empty()) return Fail("missing_field", "text is required", "text");
  store_.AddTimeline(op.id, now_, "note", actor, {{"text", op.text}});
  return op.id;
}

Result<std::int64_t> IncidentWork::Do(const AssignIncident& op, const std::string& actor) {
  auto in = Load(op.id);
  if (!in) return std::unexpected(in.error());
  if (!setup_.FindPerson(op.person)) {
    return Fail("invalid_field",
                "assignee \"" + op.person + "\" is not a person of the on-call config", "assignee");
  }
  store_.SetAssignee(op.id, op.person, now_);
  store_.AddTimeline(op.id, now_, "assigned", actor, {{"from", in->assignee}, {"to", op.person}});
  return op.id;
}

Result<std::int64_t> IncidentWork::Do(const AttachPlaybook& op, const std::string& actor) {
  auto in = LoadOpen(op.id);
  if (!in) return std::unexpected(in.error());
  if (!in->playbook_id.empty()) {
    return Fail(
        "playbook_attached",
        "incident " + std::to_string(op.id) + " already follows playbook " + in->playbook_id,
        "playbook", 409);
  }
  Attach(*in, op.plan, actor);
  return op.id;
}

void IncidentWork::Attach(const Incident& in, const PlaybookPlan& plan, const std::string& actor) {
  store_.SavePlan(in.id, plan, now_);
  const auto waiting = BranchTargets(plan);
  const auto anchors = store_.Anchors(in.id);
  int seq = 0;
  for (const auto& def : plan.steps) {
    IncidentStep s;
    s.incident_id = in.id;
    s.step_id = def.id;
    s.seq = ++seq;
    s.state =
        std::find(waiting.begin(), waiting.end(), def.id) != waiting.end() ? "waiting" : "pending";
    if (s.state == "pending") {
      s.due_at = DueAt(def, anchors, calendar_);
      s.escalate_at = s.due_at;
    }
    store_.InsertStep(s);
  }
  store_.AddTimeline(in.id, now_, "playbook_attached", actor,
                     {{"playbook", plan.id},
                      {"version", plan.version},
                      {"title_vi", plan.title_vi},
                      {"title_en", plan.title_en},
                      {"steps", plan.steps.size()}});
}

void IncidentWork::Stamp(std::int64_t id, const std::string& anchor, const std::string& actor) {
  if (anchor.empty() || !store_.StampAnchor(id, anchor, now_)) return;
  if (auto plan = store_.Plan(id)) {  // clocks that stop at this anchor are met
    for (auto& s : store_.Steps(id)) {
      const PlanStep* def = plan->Find(s.step_id);
      if (!def || !def->is_clock || def->stops_at != anchor || s.state != "pending") continue;
      s.state = "done";
      s.done_at = now_;
      s.done_by = "engine";
      s.escalate_at.reset();
      store_.UpdateStep(s);
      store_.AddTimeline(
          id, now_, "clock_met", actor,
          {{"clock", s.step_id}, {"anchor", anchor}, {"late", s.due_at && now_ > *s.due_at}});
    }
  }
  Retime(id);
}

void IncidentWork::Retime(std::int64_t id) {
  auto plan = store_.Plan(id);
  if (!plan) return;
  const auto anchors = store_.Anchors(id);
  for (auto& s : store_.Steps(id)) {
    if (s.state != "pending" || s.escalation_level > 0) continue;
    const PlanStep* def = plan->Find(s.step_id);
    if (!def) continue;
    const auto due = DueAt(*def, anchors, calendar_);
    if (due == s.due_at) continue;
    s.due_at = due;
    s.escalate_at = due;
    store_.UpdateStep(s);
  }
}

Result<std::int64_t> IncidentWork::Do(const StepAction& op, const std::string& actor) {
  auto in = LoadOpen(op.id);
  if (!in) return std::unexpected(in.error());
  auto plan = store_.Plan(op.id);
  if (!plan) {
    return Fail("no_playbook", "incident " + std::to_string(op.id) + " has no playbook attached",
                "playbook", 409);
  }
  auto step = store_.Step(op.id, op.step);
  const PlanStep* def = plan->Find(op.step);
  if (!step || !def) {
    return Fail("not_found", "playbook " + plan->id + " has no step \"" + op.step + "\"", "step",
                404);
  }
  if (step->state != "pending") {
    return Fail("step_not_pending",
                "step " + op.step + " is " + step->state +
                    (step->state == "waiting" ? " (an earlier step has not chosen it yet)" : ""),
                "step", 409);
  }
  if (op.skip) {
    if (def->mandatory && op.note.empty()) {
      return Fail("missing_field", "skipping a mandatory step needs a note saying why", "note");
    }
  } else if (auto ok = ValidateForm(def->form, op.input); !ok) {
    return std::unexpected(ok.error());
  }
  step->state = op.skip ? "skipped" : "done";
  step->done_at = now_;
  step->done_by = actor;
  step->note = op.note;
  step->input = op.skip ? json::object() : op.input;
  step->escalate_at.reset();
  store_.UpdateStep(*step);
  json detail = {{"step", def->id}, {"title_vi", def->title_vi}, {"title_en", def->title_en}};
  if (!op.note.empty()) detail["note"] = op.note;
  if (!op.skip && !op.input.empty()) detail["input"] = op.input;
  if (step->due_at) detail["late"] = now_ > *step->due_at;
  store_.AddTimeline(op.id, now_, op.skip ? "step_skipped" : "step_done", actor, detail);
  Branch(op.id, *plan, *def, op.skip ? json::object() : op.input);
  if (!op.skip && !def->sets_anchor.empty()) {
    Stamp(op.id, def->sets_anchor, actor);
    // A step that stamps the incident's next lifecycle state moves the ticket there too
    // ("Chặn tại tường lửa" sets contained: a triaged incident becomes contained).
    auto next = ParseIncidentState(def->sets_anchor);
    if (next && *next != IncidentState::kClosed && CanTransition(in->state, *next)) {
      Move(*in, *next, std::nullopt, "", actor, def->id);
    }
  }
  return op.id;
}

void IncidentWork::Branch(std::int64_t id, const PlaybookPlan& plan, const PlanStep& done,
                          const json& input) {
  // The chosen next step becomes pending, the other alternatives do not apply.
  const NextRule* next = playbooks::ChooseNext(done.next, input);
  std::string chosen = next ? next->step : "";
  if (chosen.empty()) {  // no rule chosen: the following step in the playbook
    for (size_t i = 0; i + 1 < plan.steps.size(); ++i) {
      if (plan.steps[i].id == done.id && !plan.steps[i + 1].is_clock) chosen = plan.steps[i + 1].id;
    }
  }
  std::vector<std::string> alternatives;
  for (const auto& rule : done.next) alternatives.push_back(rule.step);
  if (std::find(alternatives.begin(), alternatives.end(), chosen) == alternatives.end()) {
    alternatives.push_back(chosen);
  }
  bool branched = false;
  for (const auto& alt : alternatives) {
    auto target = store_.Step(id, alt);
    const PlanStep* def = plan.Find(alt);
    if (!target || !def || target->state != "waiting") continue;
    branched = true;
    if (alt == chosen) {
      target->state = "pending";
      target->due_at = DueAt(*def, store_.Anchors(id), calendar_);
      target->escalate_at = target->due_at;
    } else {
      target->state = "not_applicable";
    }
    store_.UpdateStep(*target);
  }
  if (branched && !chosen.empty()) {
    store_.AddTimeline(id, now_, "next_step", "engine", {{"from", done.id}, {"step", chosen}});
  }
}

Result<std::int64_t> IncidentWork::Do(const ContactAction& given, const std::string& actor) {
  auto in = Load(given.id);
  if (!in) return std::unexpected(in.error());
  ContactAction op = given;
  // A contact-point step supplies the party and, when nothing else is given, its request.
  if (!op.step.empty()) {
    auto plan = store_.Plan(op.id);
    const PlanStep* def = plan ? plan->Find(op.step) : nullptr;
    if (!def)
      return Fail("not_found", "the incident's playbook has no step \"" + op.step + "\"", "step",
                  404);
    if (op.contact_point.empty()) op.contact_point = def->contact_point;
    if (op.message.empty() && op.ticket.empty() && op.answer.empty()) {
      op.message = def->request_vi.empty() ? def->request_en : def->request_vi;
    }
  }
  if (op.contact_point.empty()) {
    return Fail("missing_field", "contact_point is required (or a contact-point step)",
                "contact_point");
  }
  const ContactPoint* cp = setup_.FindContactPoint(op.contact_point);
  if (!cp) {
    return Fail(
        "invalid_field",
        "contact_point \"" + op.contact_point + "\" is not a contact point of the on-call config",
        "contact_point");
  }
  if (op.message.empty() && op.ticket.empty() && op.answer.empty()) {
    return Fail("missing_field",
                "give message (to send a request) or ticket/answer (to record a reply)", "message");
  }
  const json party = {{"id", cp->id},
                      {"name", cp->name},
                      {"phone", cp->phone},
                      {"email", cp->email},
                      {"notes", cp->notes}};
  if (!op.message.empty()) {
    json payload = {{"type", "incident_contact"},
                    {"incident", IncidentJson(*in)},
                    {"contact_point", party},
                    {"message", op.message}};
    if (!op.step.empty()) payload["step"] = op.step;
    pager_.PageContactPoint(*cp, payload.dump());
    json detail = {{"contact_point", party}, {"message", op.message}};
    if (!op.step.empty()) detail["step"] = op.step;
    store_.AddTimeline(op.id, now_, "contact_requested", actor, detail);
  }
  if (!op.ticket.empty() || !op.answer.empty()) {
    json detail = {{"contact_point", party}, {"ticket", op.ticket}, {"answer", op.answer}};
    if (!op.step.empty()) detail["step"] = op.step;
    store_.AddTimeline(op.id, now_, "contact_answered", actor, detail);
  }
  return op.id;
}

std::string IncidentWork::ScheduleFor(const Incident& in) const {
  // The schedule of the incident's unit, else of the nearest unit above it, else the first.
  for (std::string unit = in.unit; !unit.empty();) {
    for (const auto& s : setup_.schedules) {
      if (s.unit == unit) return s.id;
    }
    auto u = std::find_if(setup_.units.begin(), setup_.units.end(),
                          [&](const Unit& x) { return x.id == unit; });
    unit = u == setup_.units.end() ? "" : u->parent;
  }
  return setup_.schedules.empty() ? "" : setup_.schedules.front().id;
}

void IncidentWork::Cycle() {
  for (auto& step : store_.DueSteps(now_, 1000)) {
    auto in = store_.Get(step.incident_id);
    auto plan = store_.Plan(step.incident_id);
    if (!in || !plan || IsFinal(in->state) || step.state != "pending") {
      step.escalate_at.reset();
      store_.UpdateStep(step);
      continue;
    }
    Escalate(step, *in, *plan);
  }
}

void IncidentWork::Escalate(IncidentStep& step, const Incident& in, const PlaybookPlan& plan) {
  const PlanStep* def = plan.Find(step.step_id);
  const std::string chain_id =
      def && !def->escalation.empty() ? def->escalation : plan.default_chain;
  auto chain_it = plan.chains.find(chain_id);
  std::vector<PlanLevel> chain =
      chain_it == plan.chains.end() ? std::vector<PlanLevel>{} : chain_it->second;
  if (chain.empty()) chain.push_back({0, {"assignee", "role:duty_officer"}});  // someone hears it
  const int level = step.escalation_level;
  if (level == 0) {
    store_.AddTimeline(in.id, now_, "step_overdue", "engine",
                       {{"step", step.step_id}, {"due_at", OptTime(step.due_at)}});
  }
  EscalationLevel targets;
  for (const auto& t : chain[static_cast<size_t>(std::min<int>(level, chain.size() - 1))].targets) {
    if (t.starts_with("policy:")) {  // an on-call policy: whom its first level pages
      const EscalationPolicy* policy = setup_.FindPolicy(t.substr(7));
      if (policy && !policy->levels.empty()) {
        const auto& first = policy->levels.front().targets;
        targets.targets.insert(targets.targets.end(), first.begin(), first.end());
      }
    } else if (auto parsed = ParseTarget(t, in)) {
      targets.targets.push_back(*parsed);
    }
  }
  const auto recipients = ResolveLevel(setup_, targets, ScheduleFor(in), now_);
  const json step_json = {{"id", step.step_id},
                          {"title_vi", def ? def->title_vi : ""},
                          {"title_en", def ? def->title_en : ""},
                          {"due_at", OptTime(step.due_at)}};
  json who = json::array();
  for (const auto& r : recipients) {
    json entry = {{"why", r.why}};
    const json payload = {{"type", "incident_step_overdue"},
                          {"incident", IncidentJson(in)},
                          {"step", step_json},
                          {"level", level + 1},
                          {"why", r.why}};
    if (const Person* p = r.person.empty() ? nullptr : setup_.FindPerson(r.person)) {
      entry["person"] = p->id;
      pager_.PagePerson(*p, payload.dump());
    } else if (const ContactPoint* cp = setup_.FindContactPoint(r.contact_point)) {
      entry["contact_point"] = cp->id;
      json cpay = payload;
      cpay["type"] = "incident_contact";
      cpay["contact_point"] = {{"id", cp->id},
                               {"name", cp->name},
                               {"phone", cp->phone},
                               {"email", cp->email},
                               {"notes", cp->notes}};
      pager_.PageContactPoint(*cp, cpay.dump());
    } else {
      continue;
    }
    who.push_back(std::move(entry));
  }
  const json detail = {{"step", step.step_id}, {"level", level + 1}, {"recipients", who}};
  store_.AddTimeline(in.id, now_, recipients.empty() ? "step_nobody_to_page" : "step_escalated",
                     "engine", detail);
  pager_.Publish("incident.step_overdue", json{{"type", "incident.step_overdue"},
                                               {"incident", IncidentJson(in)},
                                               {"step", step_json},
                                               {"escalation", detail}}
                                              .dump());
  Log("incidents")
      ->warn("incident_step_overdue id={} step={} level={} recipients={}", in.id, step.step_id,
             level + 1, who.size());
  step.escalation_level = level + 1;
  step.escalate_at = level + 1 < static_cast<int>(chain.size())
                         ? std::optional(now_ + chain[static_cast<size_t>(level + 1)].after)
                         : std::nullopt;
  store_.UpdateStep(step);
}

}  // namespace vigil
