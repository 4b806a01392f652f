// vigilctl playbook check FILE|DIR and vigilctl playbook show FILE: load and validate
// playbooks offline, print every problem as file:line: message, or the steps as a table.
#include "daemon/vigilctl/playbook.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "config/config.h"
#include "daemon/common/time_util.h"
#include "daemon/vigilctl/table.h"
#include "playbooks/src/playbook.h"

namespace vigil::ctl {

namespace pb = vigil::playbooks;

namespace {

struct Loaded {
  pb::References refs;
  pb::WorkCalendar calendar;
  bool have_config = false;
};

// The on-call config named by --config, if any. false (after printing why) when it is bad.
bool LoadOnCall(const std::string& path, Lang l, Loaded& out) {
  if (path.empty()) return true;
  auto cfg = LoadConfigFile(path);
  if (!cfg) {
    for (const auto& e : cfg.error()) std::cerr << e.ToString() << "\n";
    std::cerr << Tr(l, "Cấu hình trực có lỗi: ", "The on-call config has problems: ") << path << "\n";
    return false;
  }
  out.refs = pb::References::FromOnCall(cfg->oncall);
  out.calendar = pb::WorkCalendar::FromOnCall(cfg->oncall);
  out.have_config = true;
  return true;
}

int Check(const PlaybookCommand& c, Lang l) {
  Loaded world;
  if (!LoadOnCall(c.config, l, world)) return 2;
  auto lib = pb::LoadLibrary(c.path, world.refs, l);
  if (!lib) {
    for (const auto& e : lib.error()) std::cout << e.ToString() << "\n";
    std::cout << lib.error().size() << Tr(l, " lỗi trong ", " problem(s) in ") << c.path << "\n";
    return 1;
  }
  size_t steps = 0;
  for (const auto& p : lib->playbooks) steps += p.steps.size();
  std::string regimes;
  for (const auto& r : lib->regimes) regimes += (regimes.empty() ? "" : ", ") + r.id;
  const size_t n = lib->playbooks.size();
  std::cout << "OK: " << n << Tr(l, " kịch bản, ", n == 1 ? " playbook, " : " playbooks, ")
            << steps << Tr(l, " bước", steps == 1 ? " step" : " steps");
  if (!regimes.empty()) std::cout << Tr(l, "; văn bản quy định: ", "; regime: ") << regimes;
  std::cout << "\n";
  if (!world.have_config) {
    std::cout << Tr(l, "(chưa đối chiếu mã đối tác ngoài, người, chính sách: thêm --config FILE)",
                    "(contact points, people and policies not checked: add --config FILE)")
              << "\n";
  }
  return 0;
}

std::string DueText(const std::optional<pb::DueRule>& due, Lang l) {
  if (!due) return "—";
  const pb::IsoDuration& d = due->after;
  std::string amount = pb::DescribeDuration(d, l);
  if (due->working_days) {
    const bool days_only = d.hours == 0 && d.minutes == 0 && d.seconds == 0;
    if (days_only) {
      amount = std::to_string(d.days) +
               Tr(l, " ngày làm việc", d.days == 1 ? " working day" : " working days");
    } else {
      amount += Tr(l, " (giờ làm việc)", " of working time");
    }
  }
  return due->anchor + " + " + amount;
}

// "2027-02-09 10:00" when the anchor is `detected` and --detected was given.
std::string AtText(const std::optional<pb::DueRule>& due, std::optional<TimeMs> detected,
                   const pb::WorkCalendar& cal) {
  if (!due || !detected || due->anchor != "detected") return "";
  auto at = pb::Due(*detected, due->after, due->working_days, cal);
  return at ? FormatLocalTime(*at, cal.time_zone) : "";
}

std::string NextText(const pb::Playbook& p, size_t i) {
  const auto& st = p.steps[i];
  std::string out;
  bool unconditional = false;
  for (const auto& r : st.next) {
    if (!out.empty()) out += "; ";
    if (r.conditional()) out += r.field + r.op + r.value + "→";
    unconditional = unconditional || !r.conditional();
    out += r.step;
  }
  if (!unconditional && i + 1 < p.steps.size()) out += (out.empty() ? "" : "; ") + p.steps[i + 1].id;
  return out.empty() ? "—" : out;
}

void PrintSteps(const pb::Playbook& p, Lang l, std::optional<TimeMs> detected,
                const pb::WorkCalendar& cal) {
  const bool contacts = std::ranges::any_of(p.steps, [](const pb::Step& s) {
    return !s.contact_point.empty();
  });
  std::vector<std::string> head = {"#", Tr(l, "GIAI ĐOẠN", "PHASE"), Tr(l, "BƯỚC", "STEP"),
                                   Tr(l, "VAI TRÒ", "ROLE"), Tr(l, "HẠN", "DUE"),
                                   Tr(l, "BẮT BUỘC", "MANDATORY"), Tr(l, "TIẾP", "NEXT")};
  if (contacts) head.insert(head.begin() + 4, Tr(l, "ĐỐI TÁC NGOÀI", "CONTACT POINT"));
  if (detected) head.insert(head.end() - 2, Tr(l, "LÚC", "AT"));
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const auto& st = p.steps[i];
    const pb::Role* role = p.FindRole(st.role);
    std::vector<std::string> row = {std::to_string(i + 1), st.phase, st.id + "  " + st.title.In(l),
                                    role ? role->title.In(l) : st.role, DueText(st.due, l),
                                    st.mandatory ? Tr(l, "có", "yes") : "", NextText(p, i)};
    if (contacts) row.insert(row.begin() + 4, st.contact_point);
    if (detected) row.insert(row.end() - 2, AtText(st.due, detected, cal));
    rows.push_back(std::move(row));
  }
  std::cout << RenderTable(head, rows, 48);
}

void PrintClocks(const pb::Playbook& p, Lang l, std::optional<TimeMs> detected,
                 const pb::WorkCalendar& cal) {
  if (p.clocks.empty()) return;
  std::cout << "\n" << Tr(l, "Đồng hồ thời hạn:", "Clocks:") << "\n";
  std::vector<std::string> head = {Tr(l, "ĐỒNG HỒ", "CLOCK"), Tr(l, "HẠN", "DUE"),
                                   Tr(l, "DỪNG KHI", "STOPS AT")};
  if (detected) head.insert(head.begin() + 2, Tr(l, "LÚC", "AT"));
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : p.clocks) {
    std::vector<std::string> row = {k.id + "  " + k.title.In(l), DueText(k.due, l),
                                    k.stops_at.empty() ? "—" : k.stops_at};
    if (detected) row.insert(row.begin() + 2, AtText(k.due, detected, cal));
    rows.push_back(std::move(row));
  }
  std::cout << RenderTable(head, rows, 60);
}

void PrintEscalations(const pb::Playbook& p, Lang l) {
  for (const auto& ch : p.escalations) {
    std::cout << "\n" << Tr(l, "Leo thang ", "Escalation ") << ch.id << ":";
    for (const auto& lv : ch.levels) {
      const std::string who = !lv.role.empty()     ? "role:" + lv.role
                              : !lv.person.empty() ? "person:" + lv.person
                              : !lv.policy.empty() ? "policy:" + lv.policy
                                                   : "contact_point:" + lv.contact_point;
      std::cout << "  +" << pb::DescribeDuration(lv.after, l) << " → " << who;
    }
    std::cout << "\n";
  }
}

int Show(const PlaybookCommand& c, Lang l) {
  Loaded world;
  if (!LoadOnCall(c.config, l, world)) return 2;
  std::optional<TimeMs> detected;
  if (!c.detected.empty()) {
    detected = ParseTimestamp(c.detected);
    if (!detected) {
      auto local = ParseLocalTime(c.detected, world.calendar.time_zone);
      if (!local) {
        std::cerr << "--detected: " << local.error().message << "\n";
        return 2;
      }
      detected = *local;
    }
  }
  auto lib = pb::LoadLibrary(c.path, world.refs, l);
  if (!lib) {
    for (const auto& e : lib.error()) std::cout << e.ToString() << "\n";
    return 1;
  }
  for (const auto& p : lib->playbooks) {
    std::string cats;
    for (const auto& cat : p.categories) cats += (cats.empty() ? "" : ", ") + cat;
    std::cout << p.id << " v" << p.version << "  " << p.title.In(l) << "\n"
              << Tr(l, "Áp dụng: ", "Applies to: ") << cats << ", P1–P" << p.min_severity
              << (p.regime.empty() ? "" : Tr(l, "   Quy định: ", "   Regime: ") + p.regime)
              << "\n\n";
    PrintSteps(p, l, detected, world.calendar);
    PrintClocks(p, l, detected, world.calendar);
    PrintEscalations(p, l);
  }
  return 0;
}

}  // namespace

bool PlaybookCommand::chosen() const { return cmd && cmd->parsed(); }

int PlaybookCommand::Run(const Options& o) const {
  if (check->parsed()) return Check(*this, o.lang);
  if (show->parsed()) return Show(*this, o.lang);
  return 2;
}

std::unique_ptr<PlaybookCommand> AddPlaybookCommand(CLI::App& app) {
  auto c = std::make_unique<PlaybookCommand>();
  c->cmd = app.add_subcommand("playbook", "check or show playbooks offline / kiểm tra kịch bản");
  c->cmd->require_subcommand(1);
  c->check = c->cmd->add_subcommand(
      "check", "validate playbooks, print each problem as file:line / kiểm tra kịch bản");
  c->show = c->cmd->add_subcommand("show", "the steps and due rules as a table / xem các bước");
  for (auto* sub : {c->check, c->show}) {
    sub->add_option("path", c->path, "a playbook file or a directory of *.yaml")->required();
    sub->add_option("--config", c->config,
                    "on-call config: check contact points, people, policies; holidays");
  }
  c->show->add_option("--detected", c->detected,
                      "compute due times from this detection time (2027-02-05T10:00)");
  return c;
}

}  // namespace vigil::ctl
