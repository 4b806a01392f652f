#include "daemon/incidents/from_playbook.h"

#include <algorithm>
#include <cstdint>

namespace vigil {
namespace {

using nlohmann::json;

// Local lookups, so this file needs only the playbook model's data (not its loader).
const playbooks::Role* RoleOf(const playbooks::Playbook& pb, const std::string& id) {
  for (const auto& r : pb.roles) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool Applies(const playbooks::Playbook& pb, const std::string& category, int severity) {
  const bool cat = pb.categories.empty() || std::find(pb.categories.begin(), pb.categories.end(),
                                                      category) != pb.categories.end();
  return cat && severity >= 1 && severity <= pb.min_severity;
}

PlanLevel LevelOf(const playbooks::Playbook& pb, const playbooks::EscalationStep& e) {
  PlanLevel l;
  l.after = e.after.FixedMs().value_or(0);
  if (!e.role.empty()) {
    const playbooks::Role* r = RoleOf(pb, e.role);
    l.targets.push_back(r && !r->oncall_role.empty() ? "role:" + r->oncall_role : "assignee");
  }
  if (!e.person.empty()) l.targets.push_back("person:" + e.person);
  if (!e.policy.empty()) l.targets.push_back("policy:" + e.policy);
  if (!e.contact_point.empty()) l.targets.push_back("contact_point:" + e.contact_point);
  return l;
}

json FormJson(const playbooks::ReportForm& f) {
  json fields = json::array();
  for (const auto& x : f.fields) {
    fields.push_back({{"id", x.id},
                      {"label_vi", x.label.vi},
                      {"label_en", x.label.en},
                      {"source", x.source},
                      {"required", x.required}});
  }
  return {{"title_vi", f.title.vi},
          {"title_en", f.title.en},
          {"basis_vi", f.basis.vi},
          {"basis_en", f.basis.en},
          {"fields", fields}};
}

}  // namespace

const playbooks::Regime* RegimeOf(const playbooks::Library& lib, const std::string& id) {
  for (const auto& r : lib.regimes) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

PlaybookPlan PlanOf(const playbooks::Playbook& pb, const playbooks::Regime* regime) {
  PlaybookPlan p;
  p.id = pb.id;
  p.version = std::to_string(pb.version);
  p.title_vi = pb.title.vi;
  p.title_en = pb.title.en;
  p.default_chain = pb.escalation;
  for (const auto& s : pb.steps) {
    PlanStep st;
    st.id = s.id;
    st.phase = s.phase;
    st.role = s.role;
    st.title_vi = s.title.vi;
    st.title_en = s.title.en;
    st.instructions_vi = s.instructions.vi;
    st.instructions_en = s.instructions.en;
    for (const auto& d : s.do_not) {
      st.donts_vi.push_back(d.vi);
      st.donts_en.push_back(d.en);
    }
    st.mandatory = s.mandatory;
    if (s.due) {
      st.anchor = s.due->anchor;
      st.due_after = s.due->after.text;
      st.working_days = s.due->working_days;
    }
    for (const auto& f : s.form) {
      FormField ff;
      ff.name = f.id;
      ff.type = playbooks::ToString(f.type);
      ff.required = f.required;
      for (const auto& c : f.choices) ff.choices.push_back(c.value);
      ff.label_vi = f.label.vi;
      ff.label_en = f.label.en;
      st.form.push_back(std::move(ff));
    }
    for (NextRule n : s.next) {
      if (n.op.empty()) n.op = "==";
      st.next.push_back(std::move(n));
    }
    st.sets_anchor = s.sets_anchor;
    st.produces_report = s.produces_report;
    st.escalation = s.escalation;
    st.contact_point = s.contact_point;
    st.request_vi = s.request.vi;
    st.request_en = s.request.en;
    p.steps.push_back(std::move(st));
  }
  for (const auto& c : pb.clocks) {
    PlanStep st;
    st.id = "clock:" + c.id;
    st.is_clock = true;
    st.mandatory = false;
    st.title_vi = c.title.vi;
    st.title_en = c.title.en;
    if (c.due) {
      st.anchor = c.due->anchor;
      st.due_after = c.due->after.text;
      st.working_days = c.due->working_days;
    }
    st.stops_at = c.stops_at;
    st.escalation = c.escalation;
    p.steps.push_back(std::move(st));
  }
  for (const auto& chain : pb.escalations) {
    auto& levels = p.chains[chain.id];
    for (const auto& e : chain.levels) levels.push_back(LevelOf(pb, e));
  }
  if (regime) {
    p.regime = regime->id;
    p.regime_version = std::to_string(regime->version);
    for (const auto& f : regime->report_forms) p.report_forms[f.id] = FormJson(f);
  }
  return p;
}

Result<const playbooks::Playbook*> ChoosePlaybook(const playbooks::Library& lib,
                                                  const std::string& id,
                                                  const std::string& category, int severity) {
  if (!id.empty()) {
    for (const auto& pb : lib.playbooks) {
      if (pb.id == id) return &pb;
    }
    return Fail("not_found", "no playbook with id \"" + id + "\"", "playbook", 404);
  }
  std::vector<const playbooks::Playbook*> matching;  // the most specific first, then by id
  for (const auto& pb : lib.playbooks) {
    if (Applies(pb, category, severity)) matching.push_back(&pb);
  }
  std::stable_sort(matching.begin(), matching.end(), [](auto* a, auto* b) {
    const auto na = a->categories.empty() ? SIZE_MAX : a->categories.size();
    const auto nb = b->categories.empty() ? SIZE_MAX : b->categories.size();
    return na != nb ? na < nb : a->id < b->id;
  });
  if (matching.empty()) {
    return Fail("not_found",
                "no playbook applies to a " + category + " incident of severity P" +
                    std::to_string(severity) + "; name one with playbook",
                "playbook", 404);
  }
  return matching.front();
}

}  // namespace vigil
