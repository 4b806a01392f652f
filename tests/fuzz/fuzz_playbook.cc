// Fuzz target: a playbook or regime YAML file, as `vigilctl playbook check` and vigild read
// them. Invariants checked on every input; a violation aborts (a finding).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "playbooks/src/playbook.h"

namespace {

const char* kRegime = R"(id: fuzz-regime
version: 1
title: {vi: Quy định, en: Regime}
effective_from: "2026-01-01"
deadlines:
  - id: initial_report
    title: {vi: Báo cáo, en: Report}
    basis: {vi: Điều 1, en: Article 1}
    due: {anchor: detected, after: P5D, working_days: true}
    report: initial_report
report_forms:
  - id: initial_report
    title: {vi: Báo cáo, en: Report}
    fields:
      - {id: unit, type: text, required: true, label: {vi: Đơn vị, en: Unit}}
)";

void CheckErrors(const vigil::playbooks::Errors& errors) {
  if (errors.empty()) std::abort();  // a failure always says why
  for (const auto& e : errors) {
    if (e.message.empty() || e.line < 0 || e.file != "fuzz.yaml") std::abort();
  }
}

void CheckPlaybook(const vigil::playbooks::Playbook& p) {
  using namespace vigil::playbooks;
  if (p.steps.empty() || p.phases.empty() || p.roles.empty() || p.categories.empty()) std::abort();
  WorkCalendar calendar;
  // Tết 2027: 2027-02-06 to 2027-02-15 local (UTC+7); due times are counted across it.
  calendar.holidays.push_back({"Tết", 1'801'846'800'000, 1'802'624'400'000, true, 0});
  for (const auto& s : p.steps) {
    bool phase = false;
    for (const auto& ph : p.phases) phase = phase || ph.id == s.phase;
    if (!phase || !p.FindRole(s.role)) std::abort();
    for (const auto& r : s.next) {
      if (r.step != kEndStep && !p.FindStep(r.step)) std::abort();
    }
    if (s.due) (void)Due(1'801'846'800'000, s.due->after, s.due->working_days, calendar);
  }
  for (const auto& k : p.clocks) {
    if (!k.due) std::abort();  // regime deadlines are resolved into `due`
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::playbooks;
  static const std::vector<Regime> regimes = {*ParseRegime(kRegime, "regime.yaml")};
  const std::string text(reinterpret_cast<const char*>(data), size);
  const vigil::Lang lang = size % 2 ? vigil::Lang::kVi : vigil::Lang::kEn;
  References refs;
  refs.contact_points = std::set<std::string>{"vnpt-noc", "doi-ung-cuu", "nha-cung-cap"};
  auto p = ParsePlaybook(text, "fuzz.yaml", regimes, refs, lang);
  if (p) CheckPlaybook(*p);
  else CheckErrors(p.error());
  auto r = ParseRegime(text, "fuzz.yaml", lang);
  if (!r) CheckErrors(r.error());
  (void)ParseIsoDuration(text);
  return 0;
}
