// Checking a parsed playbook: references, anchors, conditions, cycles in `next`, reachability
// of mandatory steps, regime deadlines and report forms, on-call ids (see playbook.h).
#include <algorithm>
#include <functional>
#include <map>

#include "playbooks/src/reader.h"

namespace vigil::playbooks_internal {

using namespace vigil::playbooks;

namespace {

std::string Q(const std::string& s) { return "\"" + s + "\""; }

void CheckAnchor(const std::string& what, const std::string& anchor, int line,
                 const std::set<std::string>& anchors, Ctx& c) {
  if (anchor.empty() || anchors.count(anchor)) return;
  std::string known;
  for (const auto& a : anchors) known += (known.empty() ? "" : ", ") + a;
  c.Err(line, what + ": mốc " + Q(anchor) + " không có; các mốc: " + known,
        what + ": unknown anchor " + Q(anchor) + "; anchors are: " + known);
}

void CheckOnCallId(const std::string& what, const char* kind_vi, const char* kind_en,
                   const std::string& id, int line,
                   const std::optional<std::set<std::string>>& known, Ctx& c) {
  if (id.empty() || !known || known->count(id)) return;
  c.Err(line, what + ": " + kind_vi + " " + Q(id) + " không có trong cấu hình trực",
        what + ": unknown " + kind_en + " " + Q(id) + " (not in the on-call config)");
}

void CheckChainRef(const std::string& what, const std::string& id, int line, const Playbook& p,
                   Ctx& c) {
  if (id.empty() || p.FindEscalation(id)) return;
  c.Err(line, what + ": chuỗi leo thang " + Q(id) + " không có trong escalations",
        what + ": escalation chain " + Q(id) + " is not in escalations");
}

// The value a `next` condition compares must be one the field can hold.
void CheckCondition(const Step& st, const NextRule& r, Ctx& c) {
  const std::string what = "steps[" + st.id + "].next";
  const FormField* f = nullptr;
  for (const auto& field : st.form) {
    if (field.id == r.field) f = &field;
  }
  if (!f) {
    return c.Err(r.line, what + ": điều kiện dùng trường " + Q(r.field) + " không có trong form của bước",
                 what + ": the condition uses field " + Q(r.field) + ", which is not in the step's form");
  }
  bool ok = true;
  if (f->type == FieldType::kBool) ok = r.value == "true" || r.value == "false";
  if (f->type == FieldType::kChoice) {
    ok = false;
    for (const auto& ch : f->choices) ok = ok || ch.value == r.value;
  }
  if (f->type == FieldType::kNumber) {
    ok = r.value.find_first_not_of("0123456789.-") == std::string::npos;
  }
  if (!ok) {
    c.Err(r.line, what + ": trường " + Q(r.field) + " (" + std::string(ToString(f->type)) + ") không thể có giá trị " + Q(r.value),
          what + ": field " + Q(r.field) + " (" + std::string(ToString(f->type)) + ") cannot hold the value " + Q(r.value));
  }
}

// Where work may go after each step: its `next` targets, and the following step in the file
// when no unconditional rule exists (conditions may all fail). Indices into p.steps.
std::vector<std::vector<std::pair<size_t, int>>> Successors(const Playbook& p) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < p.steps.size(); ++i) index.emplace(p.steps[i].id, i);
  std::vector<std::vector<std::pair<size_t, int>>> out(p.steps.size());
  for (size_t i = 0; i < p.steps.size(); ++i) {
    bool unconditional = false;
    for (const auto& r : p.steps[i].next) {
      unconditional = unconditional || !r.conditional();
      if (auto it = index.find(r.step); it != index.end()) out[i].push_back({it->second, r.line});
    }
    if (!unconditional && i + 1 < p.steps.size()) out[i].push_back({i + 1, 0});
  }
  return out;
}

// Every cycle through explicit `next` rules, each reported once at the rule that closes it.
void CheckCycles(const Playbook& p, const std::vector<std::vector<std::pair<size_t, int>>>& succ,
                 Ctx& c) {
  std::vector<int> color(p.steps.size(), 0);  // 0 new, 1 on the path, 2 done
  std::vector<size_t> path;
  std::function<void(size_t)> visit = [&](size_t i) {
    color[i] = 1;
    path.push_back(i);
    for (const auto& [j, line] : succ[i]) {
      if (color[j] == 1) {
        std::string loop;
        for (auto k = std::find(path.begin(), path.end(), j); k != path.end(); ++k) {
          loop += p.steps[*k].id + " → ";
        }
        loop += p.steps[j].id;
        const int at = line ? line : p.steps[i].line;
        c.Err(at, "steps[" + p.steps[i].id + "].next tạo vòng lặp: " + loop,
              "steps[" + p.steps[i].id + "].next makes a cycle: " + loop);
      } else if (color[j] == 0) {
        visit(j);
      }
    }
    path.pop_back();
    color[i] = 2;
  };
  for (size_t i = 0; i < p.steps.size(); ++i) {
    if (color[i] == 0) visit(i);
  }
}

void CheckReachable(const Playbook& p, const std::vector<std::vector<std::pair<size_t, int>>>& succ,
                    Ctx& c) {
  if (p.steps.empty()) return;
  std::vector<bool> seen(p.steps.size(), false);
  std::vector<size_t> todo = {0};
  seen[0] = true;
  while (!todo.empty()) {
    const size_t i = todo.back();
    todo.pop_back();
    for (const auto& [j, line] : succ[i]) {
      if (!seen[j]) todo.push_back(j), seen[j] = true;
    }
  }
  for (size_t i = 0; i < p.steps.size(); ++i) {
    // A step whose id is taken by an earlier one is already reported; skip it here.
    if (p.steps[i].mandatory && !seen[i] && p.FindStep(p.steps[i].id) == &p.steps[i]) {
      c.Err(p.steps[i].line,
            "steps[" + p.steps[i].id + "]: bước bắt buộc không thể tới được từ bước đầu " + Q(p.steps[0].id) + " (xem các next)",
            "steps[" + p.steps[i].id + "]: mandatory step cannot be reached from the first step " + Q(p.steps[0].id) + " (check the next rules)");
    }
  }
}

void CheckStep(const Playbook& p, const Step& st, const Regime* regime,
               const std::set<std::string>& anchors, const References& refs, Ctx& c) {
  const std::string what = "steps[" + st.id + "]";
  if (st.id == kEndStep) {
    c.Err(st.line, what + ": \"end\" là từ dành riêng (next: end kết thúc), hãy đặt mã khác",
          what + ": \"end\" is reserved (next: end finishes the work); choose another id");
  }
  auto has = [](const auto& list, const std::string& id) {
    for (const auto& x : list) if (x.id == id) return true;
    return false;
  };
  if (!st.phase.empty() && !has(p.phases, st.phase)) {
    c.Err(st.LineOf("phase"), what + ".phase " + Q(st.phase) + " chưa khai báo trong phases",
          what + ".phase " + Q(st.phase) + " is not declared in phases");
  }
  if (!st.role.empty() && !has(p.roles, st.role)) {
    c.Err(st.LineOf("role"), what + ".role " + Q(st.role) + " chưa khai báo trong roles",
          what + ".role " + Q(st.role) + " is not declared in roles");
  }
  if (st.due) CheckAnchor(what + ".due.anchor", st.due->anchor, st.due->line, anchors, c);
  if (st.due && !st.sets_anchor.empty() && st.due->anchor == st.sets_anchor) {
    c.Err(st.due->line, what + ".due.anchor " + Q(st.due->anchor) + " do chính bước này đặt: hạn chỉ có sau khi bước đã xong",
          what + ".due.anchor " + Q(st.due->anchor) + " is set by this very step: it would fall due only once the step is done");
  }
  if (!st.sets_anchor.empty() && !IsId(st.sets_anchor)) {
    c.Err(st.LineOf("sets_anchor"), what + ".sets_anchor " + Q(st.sets_anchor) + ": chỉ dùng chữ thường không dấu, số, '-' và '_'",
          what + ".sets_anchor " + Q(st.sets_anchor) + ": use lower-case letters, digits, '-' and '_' only");
  }
  for (const auto& r : st.next) {
    if (r.step != kEndStep && !p.FindStep(r.step)) {
      c.Err(r.line, what + ".next: bước " + Q(r.step) + " không có", what + ".next: unknown step " + Q(r.step));
    }
    if (r.conditional()) CheckCondition(st, r, c);
  }
  if (!st.produces_report.empty() && (!regime || !regime->FindReportForm(st.produces_report))) {
    c.Err(st.LineOf("produces_report"), what + ".produces_report: mẫu báo cáo " + Q(st.produces_report) + " không có trong văn bản quy định " + Q(p.regime),
          what + ".produces_report: report form " + Q(st.produces_report) + " is not in regime " + Q(p.regime));
  }
  CheckOnCallId(what + ".contact_point", "đối tác ngoài", "contact point", st.contact_point, st.LineOf("contact_point"), refs.contact_points, c);
  if (st.contact_point.empty() && !st.request.vi.empty()) {
    c.Err(st.LineOf("request"), what + ".request chỉ dùng cùng contact_point", what + ".request needs a contact_point");
  }
  CheckChainRef(what + ".escalation", st.escalation, st.LineOf("escalation"), p, c);
}

void CheckClock(const Playbook& p, PlaybookClock& k, const Regime* regime,
                const std::set<std::string>& anchors, Ctx& c) {
  const std::string what = "clocks[" + k.id + "]";
  if (!k.deadline.empty()) {
    const RegimeDeadline* d = regime ? regime->FindDeadline(k.deadline) : nullptr;
    if (!d) {
      c.Err(k.LineOf("deadline"), what + ".deadline: thời hạn " + Q(k.deadline) + " không có trong văn bản quy định " + Q(p.regime),
            what + ".deadline: unknown regime deadline " + Q(k.deadline) + " (regime " + Q(p.regime) + ")");
    } else {
      k.due = d->due;  // the rule comes from the regime
      const bool applies = d->categories.empty() ||
                           std::ranges::any_of(p.categories, [&](const std::string& cat) {
                             return std::ranges::find(d->categories, cat) != d->categories.end();
                           });
      if (!applies) {
        c.Err(k.LineOf("deadline"), what + ".deadline " + Q(k.deadline) + " chỉ áp dụng cho loại sự cố khác với applies_to.categories",
              what + ".deadline " + Q(k.deadline) + " applies to other categories than applies_to.categories");
      }
    }
  } else if (k.due) {
    CheckAnchor(what + ".due.anchor", k.due->anchor, k.due->line, anchors, c);
  }
  CheckAnchor(what + ".stops_at", k.stops_at, k.LineOf("stops_at"), anchors, c);
  if (k.due && !k.stops_at.empty() && k.stops_at == k.due->anchor) {
    c.Err(k.LineOf("stops_at"), what + ".stops_at " + Q(k.stops_at) + " cũng là mốc bắt đầu: đồng hồ sẽ đạt ngay khi bắt đầu",
          what + ".stops_at " + Q(k.stops_at) + " is also the anchor it counts from: it would be met as it starts");
  }
  CheckChainRef(what + ".escalation", k.escalation, k.LineOf("escalation"), p, c);
}

void CheckChain(const Playbook& p, const EscalationChain& ch, const References& refs, Ctx& c) {
  const std::string what = "escalations[" + ch.id + "]";
  TimeMs previous = -1;
  for (const auto& l : ch.levels) {
    if (!l.role.empty() && !p.FindRole(l.role)) {
      c.Err(l.line, what + ": vai trò " + Q(l.role) + " chưa khai báo trong roles",
            what + ": role " + Q(l.role) + " is not declared in roles");
    }
    CheckOnCallId(what, "người", "person", l.person, l.line, refs.people, c);
    CheckOnCallId(what, "chính sách leo thang", "escalation policy", l.policy, l.line, refs.policies, c);
    CheckOnCallId(what, "đối tác ngoài", "contact point", l.contact_point, l.line, refs.contact_points, c);
    const auto ms = l.after.FixedMs();
    if (!l.after.text.empty() && !ms) {
      c.Err(l.line, what + ": after không dùng năm hoặc tháng", what + ": after cannot use years or months");
    } else if (ms && *ms < previous) {
      c.Err(l.line, what + ": các bậc phải theo thứ tự after tăng dần",
            what + ": levels must come in increasing order of after");
    }
    if (ms) previous = *ms;
  }
}

void CheckTop(const Playbook& p, const Regime* regime, const std::vector<Regime>& regimes, Ctx& c) {
  if (!p.regime.empty() && !regime) {
    std::string known;
    for (const auto& r : regimes) known += (known.empty() ? "" : ", ") + r.id;
    c.Err(1, "regime " + Q(p.regime) + " không có (đã nạp: " + (known.empty() ? "không có" : known) + ")",
          "unknown regime " + Q(p.regime) + " (loaded: " + (known.empty() ? "none" : known) + ")");
  }
  for (const auto& [list, size] : {std::pair{"phases", p.phases.size()},
                                   std::pair{"roles", p.roles.size()},
                                   std::pair{"steps", p.steps.size()}}) {
    if (size == 0) {
      c.Err(1, std::string(list) + ": cần ít nhất một mục", std::string(list) + ": needs at least one entry");
    }
  }
  for (const auto& r : p.roles) {
    if (!r.oncall_role.empty() && !ParseDutyRole(r.oncall_role)) {
      c.Err(r.line, "roles[" + r.id + "].oncall_role " + Q(r.oncall_role) + " phải là duty_officer, duty_leader hoặc backup",
            "roles[" + r.id + "].oncall_role " + Q(r.oncall_role) + " must be duty_officer, duty_leader or backup");
    }
  }
  CheckChainRef("escalation", p.escalation, 1, p, c);
}

}  // namespace

void ValidatePlaybook(Playbook& p, const Regime* regime, const std::vector<Regime>& regimes,
                      const References& refs, Ctx& c) {
  CheckTop(p, regime, regimes, c);
  const std::set<std::string> anchors = p.Anchors();
  for (const auto& st : p.steps) CheckStep(p, st, regime, anchors, refs, c);
  for (auto& k : p.clocks) CheckClock(p, k, regime, anchors, c);
  for (const auto& ch : p.escalations) CheckChain(p, ch, refs, c);
  const auto succ = Successors(p);
  CheckCycles(p, succ, c);
  CheckReachable(p, succ, c);
}

}  // namespace vigil::playbooks_internal
