// The incident domain: what an incident ticket is, its lifecycle, the playbook plan it is
// worked against, and the pure rules over them (legal transitions; due times and form input
// by the playbook library's rules, playbooks/src/rules.h).
// No I/O here: IncidentStore keeps these in SQLite, IncidentWork applies them in the engine.
// Values and pure functions only; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/common/clock.h"
#include "daemon/common/error.h"
#include "playbooks/src/due.h"
#include "playbooks/src/rules.h"

namespace vigil {

enum class IncidentState {
  kNew,
  kAcknowledged,
  kTriaged,
  kContained,
  kRecovered,
  kReported,
  kClosed,
  kFalsePositive,
  kDuplicate,
};
std::string_view ToString(IncidentState s);  // new, acknowledged, ..., false_positive, duplicate
std::optional<IncidentState> ParseIncidentState(std::string_view s);
// Closed, false_positive and duplicate: nothing more happens to the ticket.
bool IsFinal(IncidentState s);
// The states `from` may move to (the next state on the main path, and the side exits
// false_positive / duplicate while the incident is not yet contained).
std::vector<IncidentState> NextStates(IncidentState from);
bool CanTransition(IncidentState from, IncidentState to);

// The anchor a transition into `s` stamps ("acknowledged", "contained", ...). Opening stamps
// "opened" and "detected" (detected_at).
std::string AnchorOf(IncidentState s);

// malware, ransomware, defacement, ddos, phishing, account_compromise, data_leak,
// vuln_exploitation, other.
const std::vector<std::string>& IncidentCategories();
bool IsIncidentCategory(std::string_view s);
// P1 (most urgent) .. P4; returns 1..4, nullopt for anything else.
std::optional<int> ParsePriority(std::string_view s);
std::string PriorityText(int p);  // "P1"
// api, cli, web, alert, phone, letter.
bool IsIncidentSource(std::string_view s);

// An affected system and its security level (cấp độ an toàn hệ thống thông tin, 1-5).
struct AffectedSystem {
  std::string name;
  int level = 0;
};

// One incident ticket as stored.
struct Incident {
  std::int64_t id = 0;
  std::string title;
  std::string category;
  int severity = 3;  // 1..4 (P1..P4)
  IncidentState state = IncidentState::kNew;
  std::string unit;  // a unit id of the on-call config
  std::vector<AffectedSystem> systems;
  TimeMs detected_at = 0;
  std::string assignee;  // a person id, may be empty
  std::string source;    // api, cli, web, alert, phone, letter
  std::string description;
  std::string reporter;  // who reported it (free text: name, phone, letter number)
  std::optional<std::int64_t> duplicate_of;
  std::string playbook_id;  // empty until a playbook is attached
  std::string playbook_version;
  TimeMs created_at = 0, updated_at = 0;
  std::string created_by;
  std::map<std::string, TimeMs> anchors;  // anchor name -> when it was stamped
  std::vector<std::int64_t> alert_ids;
};

// ---------------------------------------------------------------------------------------------
// The playbook as an incident is worked against it: a snapshot taken when the playbook is
// attached (stored as JSON with the incident, so a later edit of the playbook file never
// changes an incident already under way).

// One field of a step's input form.
struct FormField {
  std::string name;
  std::string type = "text";  // text, number, bool, choice, datetime
  bool required = false;
  std::vector<std::string> choices;  // for choice
  std::string label_vi, label_en;
};

// "If field `field` == (or !=) `value`, the next step is `step`." An empty field: the
// fallback. The playbook's own rule (its line is not stored); playbooks::ChooseNext picks one.
using NextRule = playbooks::NextRule;

// Whom one escalation level of a step's chain pages: "role:duty_leader", "person:hai",
// "contact_point:vnpt-noc" (the same words as escalation policy targets).
struct PlanLevel {
  TimeMs after = 0;  // after the missed due time (levels in increasing order)
  std::vector<std::string> targets;
};

struct PlanStep {
  std::string id, phase, role;
  std::string title_vi, title_en;
  std::string instructions_vi, instructions_en;
  std::vector<std::string> donts_vi, donts_en;  // "do not" warnings
  bool mandatory = true;
  std::string anchor = "opened";  // due = anchor + due_after
  std::string due_after;          // ISO-8601 duration ("PT2H", "P5D"); empty: no deadline
  bool working_days = false;      // due_after counts working time (playbooks/src/due.h)
  bool is_clock = false;          // a playbook clock (legal/internal deadline), not a step
  std::string stops_at;           // a clock is met when this anchor is stamped
  std::vector<FormField> form;
  std::vector<NextRule> next;
  std::string sets_anchor;      // completing the step stamps this anchor
  std::string produces_report;  // "initial" or "final": the step's output is that report
  std::string escalation;       // the chain an overdue step follows (empty: the plan's default)
  std::string contact_point;    // a contact-point step: the outside party it engages
  std::string request_vi, request_en;  // what is sent to the contact point
};

struct PlaybookPlan {
  std::string id, version, title_vi, title_en;
  std::vector<PlanStep> steps;
  std::map<std::string, std::vector<PlanLevel>> chains;  // escalation chains by id
  std::string default_chain;
  std::string regime, regime_version;
  // The regime's report forms this plan's steps produce, by form id:
  // {"title_vi","title_en","basis_vi","basis_en","fields":[{"id","label_vi","label_en","source"}]}
  nlohmann::json report_forms = nlohmann::json::object();
  const PlanStep* Find(std::string_view step_id) const;
};

nlohmann::json ToJson(const PlaybookPlan& p);
// {"name","type","required","choices","label_vi","label_en"}: in the stored plan and the API.
nlohmann::json ToJson(const FormField& f);
// Fails naming the JSON field at fault.
Result<PlaybookPlan> PlanFromJson(const nlohmann::json& j);

// Steps that only a conditional `next` of another step leads to: they wait until chosen.
std::vector<std::string> BranchTargets(const PlaybookPlan& p);

// The playbook library's rules (playbooks/src/rules.h) applied to a snapshot's steps. A step's
// `next` rule is chosen by playbooks::ChooseNext(step.next, input) itself.

// When a step falls due: anchor + due_after, in calendar time or working time (weekends and
// the on-call holidays skipped): playbooks::DueOf. nullopt without a deadline (or an unreadable
// one) or before the anchor is stamped.
std::optional<TimeMs> DueAt(const PlanStep& step, const std::map<std::string, TimeMs>& anchors,
                            const playbooks::WorkCalendar& calendar);

// Checks form input against a step's form with playbooks::FormProblems: the first problem, as
// an Error in English naming "input.<field>" (a number field takes a JSON number, not "12").
// A field of a type the playbook format does not know is checked as text.
Result<void> ValidateForm(const std::vector<FormField>& form, const nlohmann::json& input);

// ---------------------------------------------------------------------------------------------
// Working state, as stored.

// A step of an incident's playbook. state: waiting (a branch not chosen yet), pending,
// done, skipped, not_applicable (a branch not taken).
struct IncidentStep {
  std::int64_t row_id = 0;
  std::int64_t incident_id = 0;
  std::string step_id;
  int seq = 0;
  std::string state = "pending";
  std::optional<TimeMs> due_at;
  std::optional<TimeMs> escalate_at;  // the timer: when the cycle acts on it next
  int escalation_level = 0;           // levels of its chain paged so far
  std::optional<TimeMs> done_at;
  std::string done_by, note;
  nlohmann::json input = nlohmann::json::object();
};

// One line of an incident's record: events, notes, pages, steps, transitions.
struct TimelineEntry {
  std::int64_t id = 0;
  std::int64_t incident_id = 0;
  TimeMs at = 0;
  std::string kind;   // opened, transition, note, alert_linked, playbook_attached, step_done,
                      // step_skipped, step_overdue, step_escalated, contact_requested,
                      // contact_answered, anchor, report ...
  std::string actor;  // user:<id>, engine, integration:<name>
  nlohmann::json detail = nlohmann::json::object();
};

}  // namespace vigil
