// The rules that work a playbook, for the incident engine (daemon/incidents): when a due rule
// falls due, which `next` rule a completed step's input chooses, and what is wrong with that
// input. The only implementation of these rules: vigild runs them on the playbook snapshot an
// incident is worked against, and the unit tests run them on loaded playbooks.
// Pure functions of their arguments: no I/O, no clock; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/common/i18n.h"
#include "playbooks/src/due.h"
#include "playbooks/src/playbook.h"

namespace vigil::playbooks {

// Anchor name → the instant it was stamped (lifecycle transitions and sets_anchor steps).
using AnchorTimes = std::map<std::string, TimeMs>;

// When `rule` falls due given the anchors stamped so far: nullopt while its anchor is not
// stamped yet (or when Due() refuses the duration).
std::optional<TimeMs> DueOf(const DueRule& rule, const AnchorTimes& anchors,
                            const WorkCalendar& calendar);

// The rule of `rules` (a step's `next`) that a completed step's form `input` (a JSON object,
// field id → value) chooses:
// - the first conditional rule whose condition holds. A value that is not a string compares
//   as its JSON text (12 as "12", true as "true"); a missing or null value equals nothing, so
//   it never matches "==" and always matches "!=". Any op but "!=" means "==".
// - else the unconditional rule: the fallback wherever it stands in the list (the last one
//   when there are several), so conditional rules listed after it are still tried first.
// nullptr when neither: the caller goes on with the following step. A rule's step may be
// kEndStep. The result points into `rules`.
const NextRule* ChooseNext(const std::vector<NextRule>& rules, const nlohmann::json& input);

// One thing wrong with a step's form input.
struct FormProblem {
  std::string code;     // unknown_field, missing_field or invalid_field (as in vigil::Error)
  std::string field;    // "input.<field id>", or "input" when the input is not an object
  std::string message;  // in the language asked for, naming the field
};

// What is wrong with `input` (a JSON object, field id → value) for `fields`, in this order:
// input that is not an object (alone); each key that is no field; then each field in form
// order, at most one problem a field: a required field absent, null or "" (an optional one
// may be); a value of the wrong JSON type (number: a JSON number, so "12" is refused; bool:
// true or false; text, choice, datetime: a string); a datetime that is not RFC 3339; a
// choice not offered; a text longer than 10000 bytes. Empty when the input is acceptable.
std::vector<FormProblem> FormProblems(const std::vector<FormField>& fields,
                                      const nlohmann::json& input, Lang lang);

}  // namespace vigil::playbooks
