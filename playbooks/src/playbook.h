// Emergency response playbooks and the legal regime they follow: the model, the YAML loader
// and the validator. Format reference: docs/playbooks.md.
//
// A playbook (playbooks/*.yaml) says, for incidents of some categories and severities, which
// steps to take in which phase, by which role, by when (anchor + ISO-8601 duration), with
// what form to fill in, what comes next, and whom to escalate to when a step is overdue.
// A regime (playbooks/regime/*.yaml) holds the legal deadlines and report forms, versioned,
// so that a change of law is a change of data, not of code.
//
// Everything here is parsed, validated, then immutable: plain values, safe to share read-only
// between threads. Loading reads files; nothing else does I/O. The rules that work a playbook
// (due times, next step, form input) are in rules.h.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"  // ConfigError: file:line: message
#include "daemon/common/i18n.h"
#include "playbooks/src/due.h"

namespace vigil::playbooks {

// Text in both languages. Both are required wherever a Text appears in a file.
struct Text {
  std::string vi, en;
  const std::string& In(Lang lang) const { return lang == Lang::kEn ? en : vi; }
};

// Incident categories (issue 5) and severities, as written in files.
inline constexpr const char* kCategories[] = {
    "malware",  "ransomware",        "defacement", "ddos", "phishing", "account_compromise",
    "data_leak", "vuln_exploitation", "other"};
bool IsCategory(std::string_view s);
// The incident lifecycle anchors, stamped by ticket transitions (issue 5).
inline constexpr const char* kLifecycleAnchors[] = {"detected",  "opened",    "acknowledged",
                                                    "triaged",   "contained", "recovered",
                                                    "reported",  "closed"};
bool IsLifecycleAnchor(std::string_view s);
// "P1".."P4" → 1..4 (P1 most severe); 0 otherwise.
int ParseSeverity(std::string_view s);

// A point in time a due rule counts from, plus how long after it.
struct DueRule {
  std::string anchor;       // a lifecycle anchor or an anchor set by a step (sets_anchor)
  IsoDuration after;
  bool working_days = false;  // count working days (see due.h), else calendar time
  int line = 0;
};

enum class FieldType { kText, kNumber, kBool, kChoice, kDatetime };
std::string_view ToString(FieldType t);  // text, number, bool, choice, datetime
std::optional<FieldType> ParseFieldType(std::string_view s);  // the inverse; nullopt otherwise

struct Choice {
  std::string value;  // what is stored and compared in `next` conditions
  Text label;
};

// One input of a step's form (or of a regime report form).
struct FormField {
  std::string id;
  FieldType type = FieldType::kText;
  bool required = false;
  Text label;
  std::vector<Choice> choices;  // kChoice only, never empty then
  std::string source;  // report forms: where the value comes from ("incident.title"), "" = asked
  int line = 0;
};

// A `next` target that ends the work (no step may take this id).
inline constexpr const char* kEndStep = "end";

// "if: <field> == <value>" (or !=) on the step's own form; no condition = always.
struct NextRule {
  std::string field, op, value;  // all empty for an unconditional rule; op is "==" or "!="
  std::string step;
  int line = 0;
  bool conditional() const { return !field.empty(); }
};

struct Step {
  std::string id, phase, role;
  Text title;
  Text instructions;             // may be multi-line
  std::vector<Text> do_not;      // "do not" warnings, shown prominently
  bool mandatory = false;
  std::optional<DueRule> due;    // none: no deadline
  std::vector<FormField> form;   // optional input form
  // The first conditional rule that holds wins; an unconditional rule is the fallback wherever
  // it stands; with neither, the following step in the file (ChooseNext, rules.h). A rule's
  // step may be kEndStep.
  std::vector<NextRule> next;
  std::string sets_anchor;       // completing the step stamps this anchor ("" = none)
  std::string produces_report;   // a report form id of the regime ("" = none)
  std::string contact_point;     // an outside party this step engages (on-call config id)
  Text request;                  // what is sent to the contact point (with contact_point)
  std::string escalation;        // chain used when overdue; "" = the playbook's default
  int line = 0;
  std::map<std::string, int> key_lines;  // line of each key as written, for messages
  int LineOf(const std::string& key) const {
    auto it = key_lines.find(key);
    return it == key_lines.end() ? line : it->second;
  }
};

struct Phase {
  std::string id;
  Text title;
  int line = 0;
};

struct Role {
  std::string id;
  Text title;
  // Who plays it when the incident has no assignee for it: an on-call duty role
  // (duty_officer, duty_leader, backup) of the incident unit's schedule; "" = assigned by hand.
  std::string oncall_role;
  int line = 0;
};

// A legal or internal deadline running beside the steps. Either `deadline` names a regime
// deadline (its rule then comes from the regime), or `due` gives the rule here.
struct PlaybookClock {
  std::string id;
  Text title;
  std::string deadline;        // regime deadline id, or ""
  std::optional<DueRule> due;  // set when deadline is "", resolved copy otherwise
  std::string stops_at;        // the clock is met when this anchor is stamped ("" = never)
  std::string escalation;      // chain used when it runs out; "" = the playbook's default
  int line = 0;
  std::map<std::string, int> key_lines;  // line of each key as written, for messages
  int LineOf(const std::string& key) const {
    auto it = key_lines.find(key);
    return it == key_lines.end() ? line : it->second;
  }
};

// Whom one escalation level pages: exactly one of the references is set.
struct EscalationStep {
  IsoDuration after;       // after the missed due time (levels in increasing order)
  std::string role;        // a playbook role
  std::string person;      // an on-call person id
  std::string policy;      // an on-call escalation policy id
  std::string contact_point;  // an outside party (on-call contact point id)
  int line = 0;
};
struct EscalationChain {
  std::string id;
  std::vector<EscalationStep> levels;  // never empty once validated
  int line = 0;
};

struct Playbook {
  std::string id;
  int version = 0;
  Text title;
  std::vector<std::string> categories;  // applies_to.categories
  int min_severity = 4;                 // applies_to.min_severity: applies to P1..P<n>
  std::string regime;                   // regime id its clocks and reports refer to, or ""
  std::vector<Phase> phases;
  std::vector<Role> roles;
  std::vector<Step> steps;  // in file order; the first is where work starts
  std::vector<PlaybookClock> clocks;
  std::vector<EscalationChain> escalations;
  std::string escalation;  // default chain for overdue steps and clocks, or ""
  std::string file;        // where it was loaded from
  int line = 0;

  const Step* FindStep(std::string_view id) const;
  const Role* FindRole(std::string_view id) const;
  const EscalationChain* FindEscalation(std::string_view id) const;
  // Whether it applies to an incident of `category` and severity `severity` (1..4).
  bool AppliesTo(std::string_view category, int severity) const;
  // Every anchor its due rules may use: the lifecycle anchors and the steps' sets_anchor.
  std::set<std::string> Anchors() const;
};

// ---- Regime: legal deadlines and report forms ----

struct RegimeDeadline {
  std::string id;
  Text title;
  Text basis;      // the legal text it comes from ("Thông tư 20/2017/TT-BTTTT, Điều 11")
  Text recipient;  // to whom ("Cơ quan điều phối quốc gia (VNCERT/CC)")
  DueRule due;     // anchor: a lifecycle anchor only
  std::vector<std::string> categories;  // empty: every category
  std::string report;                   // report form id it calls for, or ""
  int line = 0;
};

struct ReportForm {
  std::string id;
  Text title;
  Text basis;
  std::vector<FormField> fields;
  int line = 0;
};

struct Regime {
  std::string id;
  int version = 0;
  Text title;
  std::string effective_from;  // "YYYY-MM-DD"
  std::vector<Text> references;
  std::vector<RegimeDeadline> deadlines;
  std::vector<ReportForm> report_forms;
  std::string file;
  int line = 0;

  const RegimeDeadline* FindDeadline(std::string_view id) const;
  const ReportForm* FindReportForm(std::string_view id) const;
};

// ---- Loading and validation ----

// What the files may refer to outside themselves. An unset set is not checked (e.g.
// `vigilctl playbook check` without --config); an empty set means "nothing is known".
struct References {
  std::optional<std::set<std::string>> contact_points;  // OnCallSetup::contact_points ids
  std::optional<std::set<std::string>> people;
  std::optional<std::set<std::string>> policies;
  // Ids of the on-call config. Copies; `setup` need not outlive the result. A kind the config
  // defines none of stays unchecked (nullopt).
  static References FromOnCall(const OnCallSetup& setup);
  // The kinds left unchecked, e.g. "contact_points,people" ("" when all are checked).
  std::string Unchecked() const;
};

// A loaded, validated set: the regimes and the playbooks that use them.
struct Library {
  std::vector<Regime> regimes;
  std::vector<Playbook> playbooks;  // sorted by id
  const Playbook* Find(std::string_view id) const;
  const Regime* FindRegime(std::string_view id) const;
  // The playbooks applying to an incident (category, severity 1..4), best first: the one
  // naming fewest categories (the most specific), then by id.
  std::vector<const Playbook*> Matching(std::string_view category, int severity) const;
};

using Errors = std::vector<ConfigError>;
using RegimeResult = std::expected<Regime, Errors>;
using PlaybookResult = std::expected<Playbook, Errors>;
using LibraryResult = std::expected<Library, Errors>;

// Error messages are in `lang` (English by default, as in the config loader's messages).

// Parses one regime file's text (`file` names it in errors). Every problem is reported.
RegimeResult ParseRegime(const std::string& text, const std::string& file,
                         Lang lang = Lang::kEn);

// Parses and validates one playbook's text against `regimes` (its `regime:` must be one of
// them) and `refs`. Every problem is reported, each with file:line, sorted by line.
PlaybookResult ParsePlaybook(const std::string& text, const std::string& file,
                             const std::vector<Regime>& regimes, const References& refs,
                             Lang lang = Lang::kEn);

// Loads a playbook file, or every `*.yaml` in a directory (not recursive), together with the
// regimes of `<dir>/regime/*.yaml` (for a file: of `regime/` beside it), and validates them
// all. Also reports two playbooks with the same id. Fails with every error of every file.
LibraryResult LoadLibrary(const std::string& path, const References& refs,
                          Lang lang = Lang::kEn);

}  // namespace vigil::playbooks
