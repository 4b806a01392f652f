// Reading playbook files and directories (see playbook.h); the checks are in validate.cc.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "playbooks/src/reader.h"

namespace vigil::playbooks {

using playbooks_internal::Ctx;
using playbooks_internal::ReadList;
using playbooks_internal::ReadText;
using playbooks_internal::Section;

namespace {

Phase ReadPhase(const YAML::Node& n, const std::string& path, Section& root, Ctx& c) {
  Phase ph;
  ph.line = n.Mark().line + 1;
  Section s(n, path, root.file(), root.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return ph;
  playbooks_internal::ReadId(s, c, ph.id);
  ReadText(s, c, "title", ph.title, true);
  s.RejectUnknown();
  return ph;
}

Role ReadRole(const YAML::Node& n, const std::string& path, Section& root, Ctx& c) {
  Role r;
  r.line = n.Mark().line + 1;
  Section s(n, path, root.file(), root.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return r;
  playbooks_internal::ReadId(s, c, r.id);
  ReadText(s, c, "title", r.title, true);
  s.Str("oncall_role", r.oncall_role);
  s.RejectUnknown();
  return r;
}

// "field == value" / "field != value"; the value may be quoted.
bool ParseCondition(const std::string& text, NextRule& rule) {
  static const std::regex kCond(R"(^\s*([a-z0-9][a-z0-9_-]*)\s*(==|!=)\s*(.*?)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, kCond)) return false;
  rule.field = m[1];
  rule.op = m[2];
  std::string v = m[3];
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  rule.value = v;
  return !v.empty();
}

void ReadNext(Section& s, Ctx& c, std::vector<NextRule>& out) {
  YAML::Node n = s.Take("next");
  if (!n || n.IsNull()) return;
  const std::string p = s.Path("next");
  if (n.IsScalar()) {  // next: other-step
    NextRule rule;
    rule.step = n.Scalar();
    rule.line = n.Mark().line + 1;
    out.push_back(std::move(rule));
    return;
  }
  if (!n.IsSequence()) {
    return c.Err(n, p + " phải là mã bước hoặc danh sách {if, step}",
                 p + " must be a step id or a list of {if, step}");
  }
  for (size_t i = 0; i < n.size(); ++i) {
    Section r(n[i], p + "[" + std::to_string(i) + "]", s.file(), s.errors());
    if (!playbooks_internal::IsMapItem(r, c)) continue;
    NextRule rule;
    rule.line = n[i].Mark().line + 1;
    std::string cond;
    r.Str("if", cond);
    r.Str("step", rule.step);
    r.RejectUnknown();
    if (rule.step.empty()) c.Err(n[i], r.Path("step") + " là bắt buộc", r.Path("step") + " is required");
    if (r.node()["if"] && !ParseCondition(cond, rule)) {
      c.Err(r.Line("if"),
            r.Path("if") + " \"" + cond + "\" phải có dạng \"<trường> == <giá trị>\" hoặc \"<trường> != <giá trị>\"",
            r.Path("if") + " \"" + cond + "\" must read \"<field> == <value>\" or \"<field> != <value>\"");
    }
    out.push_back(std::move(rule));
  }
}

Step ReadStep(const YAML::Node& n, const std::string& path, Section& root, Ctx& c) {
  Step st;
  st.line = n.Mark().line + 1;
  Section s(n, path, root.file(), root.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return st;
  playbooks_internal::ReadId(s, c, st.id);
  s.Str("phase", st.phase);
  s.Str("role", st.role);
  ReadText(s, c, "title", st.title, true);
  ReadText(s, c, "instructions", st.instructions, true);
  playbooks_internal::ReadTextList(s, c, "do_not", st.do_not);
  s.Bool("mandatory", st.mandatory);
  st.due = playbooks_internal::ReadDue(s, c, "due");
  playbooks_internal::ReadFields(s, c, "form", st.form, /*allow_source=*/false);
  ReadNext(s, c, st.next);
  s.Str("sets_anchor", st.sets_anchor);
  s.Str("produces_report", st.produces_report);
  s.Str("contact_point", st.contact_point);
  ReadText(s, c, "request", st.request, false);
  s.Str("escalation", st.escalation);
  s.RejectUnknown();
  for (const auto& kv : n) st.key_lines[kv.first.Scalar()] = kv.first.Mark().line + 1;
  for (const char* key : {"phase", "role"}) {
    if (!n[key]) c.Err(n, path + "." + key + " là bắt buộc", path + "." + key + " is required");
  }
  return st;
}

PlaybookClock ReadClock(const YAML::Node& n, const std::string& path, Section& root, Ctx& c) {
  PlaybookClock k;
  k.line = n.Mark().line + 1;
  Section s(n, path, root.file(), root.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return k;
  playbooks_internal::ReadId(s, c, k.id);
  ReadText(s, c, "title", k.title, true);
  s.Str("deadline", k.deadline);
  k.due = playbooks_internal::ReadDue(s, c, "due");
  s.Str("stops_at", k.stops_at);
  s.Str("escalation", k.escalation);
  s.RejectUnknown();
  for (const auto& kv : n) k.key_lines[kv.first.Scalar()] = kv.first.Mark().line + 1;
  if (k.deadline.empty() == !k.due.has_value()) {
    c.Err(n, path + ": cần đúng một trong deadline (thời hạn của văn bản pháp lý) hoặc due",
          path + ": needs exactly one of deadline (a regime deadline) or due");
  }
  return k;
}

EscalationStep ReadLevel(const YAML::Node& n, const std::string& path, Section& parent, Ctx& c) {
  EscalationStep l;
  l.line = n.Mark().line + 1;
  Section s(n, path, parent.file(), parent.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return l;
  playbooks_internal::ReadIsoDuration(s, c, "after", l.after, true);
  s.Str("role", l.role);
  s.Str("person", l.person);
  s.Str("policy", l.policy);
  s.Str("contact_point", l.contact_point);
  s.RejectUnknown();
  const int set = !l.role.empty() + !l.person.empty() + !l.policy.empty() + !l.contact_point.empty();
  if (set != 1) {
    c.Err(n, path + ": cần đúng một trong role, person, policy, contact_point",
          path + ": needs exactly one of role, person, policy, contact_point");
  }
  return l;
}

EscalationChain ReadChain(const YAML::Node& n, const std::string& path, Section& root, Ctx& c) {
  EscalationChain ch;
  ch.line = n.Mark().line + 1;
  Section s(n, path, root.file(), root.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return ch;
  playbooks_internal::ReadId(s, c, ch.id);
  YAML::Node levels = s.Take("levels");
  s.RejectUnknown();
  if (!levels || !levels.IsSequence() || levels.size() == 0) {
    c.Err(n, path + ".levels: cần ít nhất một bậc", path + ".levels: needs at least one level");
    return ch;
  }
  for (size_t i = 0; i < levels.size(); ++i) {
    ch.levels.push_back(ReadLevel(levels[i], path + ".levels[" + std::to_string(i) + "]", s, c));
  }
  return ch;
}

void ReadAppliesTo(Section& root, Ctx& c, Playbook& p) {
  YAML::Node n = root.Take("applies_to");
  if (!n) return c.Err(1, "applies_to là bắt buộc", "applies_to is required");
  Section s(n, "applies_to", root.file(), root.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return;
  playbooks_internal::ReadCategories(s, c, "categories", p.categories);
  std::string sev = "P4";
  s.Str("min_severity", sev);
  s.RejectUnknown();
  if (p.categories.empty()) {
    c.Err(n, "applies_to.categories: cần ít nhất một loại sự cố",
          "applies_to.categories: needs at least one category");
  }
  p.min_severity = ParseSeverity(sev);
  if (p.min_severity == 0) {
    c.Err(s.Line("min_severity"), "applies_to.min_severity \"" + sev + "\" phải là P1, P2, P3 hoặc P4",
          "applies_to.min_severity \"" + sev + "\" must be P1, P2, P3 or P4");
    p.min_severity = 4;
  }
}

void ReadPlaybook(const YAML::Node& root, Section& s, Ctx& c, Playbook& p) {
  playbooks_internal::ReadId(s, c, p.id);
  if (!root["version"]) c.Err(1, "version là bắt buộc", "version is required");
  s.Int("version", p.version, 1, 1'000'000);
  ReadText(s, c, "title", p.title, true);
  ReadAppliesTo(s, c, p);
  s.Str("regime", p.regime);
  ReadList(s, c, "phases", p.phases, ReadPhase);
  ReadList(s, c, "roles", p.roles, ReadRole);
  ReadList(s, c, "steps", p.steps, ReadStep);
  ReadList(s, c, "clocks", p.clocks, ReadClock);
  ReadList(s, c, "escalations", p.escalations, ReadChain);
  s.Str("escalation", p.escalation);
  s.RejectUnknown();
}

std::string ReadFileText(const std::filesystem::path& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The `key:` scalar at the top of a YAML text, or "" (for files that failed to load).
std::string TopScalar(const std::string& text, const char* key) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsMap() && root[key] && root[key].IsScalar()) return root[key].Scalar();
  } catch (const YAML::Exception&) {
  }
  return "";
}

std::vector<std::filesystem::path> YamlFilesIn(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) out.push_back(e.path());
  }
  std::ranges::sort(out);
  return out;
}

}  // namespace

PlaybookResult ParsePlaybook(const std::string& text, const std::string& file,
                             const std::vector<Regime>& regimes, const References& refs,
                             Lang lang) {
  Errors errors;
  Ctx c{file, errors, lang};
  auto root = playbooks_internal::LoadYaml(text, c);
  if (!root) return std::unexpected(std::move(errors));
  Playbook p;
  p.file = file;
  p.line = 1;
  Section s(*root, "", file, errors);
  try {
    ReadPlaybook(*root, s, c, p);
    const Regime* regime = nullptr;
    for (const auto& r : regimes) {
      if (r.id == p.regime) regime = &r;
    }
    playbooks_internal::ValidatePlaybook(p, regime, regimes, refs, c);
  } catch (const YAML::Exception& e) {
    c.Err(e.mark.line + 1, "YAML không đọc được: " + e.msg, "unreadable YAML: " + e.msg);
  }
  playbooks_internal::FinishErrors(errors, 0, lang);
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return p;
}

namespace {

// Reads <dir>/regime/*.yaml into lib.regimes; returns the ids of those with errors.
std::set<std::string> LoadRegimes(const std::filesystem::path& dir, Library& lib, Lang lang,
                                  Errors& errors) {
  std::set<std::string> broken;
  for (const auto& f : YamlFilesIn(dir / "regime")) {
    bool ok = false;
    const std::string text = ReadFileText(f, ok);
    auto r = ParseRegime(text, f.string(), lang);
    if (!r) {
      errors.insert(errors.end(), r.error().begin(), r.error().end());
      if (std::string id = TopScalar(text, "id"); !id.empty()) broken.insert(id);
    } else if (const Regime* other = lib.FindRegime(r->id)) {
      errors.push_back({f.string(), 1, Tr(lang, "mã văn bản quy định \"", "regime id \"") + r->id +
                                           Tr(lang, "\" đã dùng trong ", "\" is already used in ") +
                                           other->file});
    } else {
      lib.regimes.push_back(std::move(*r));
    }
  }
  return broken;
}

// Reads and checks one playbook file into lib.playbooks, or adds its errors.
void LoadPlaybookFile(const std::filesystem::path& f, const References& refs,
                      const std::set<std::string>& broken_regimes, Library& lib, Lang lang,
                      Errors& errors) {
  bool ok = false;
  const std::string text = ReadFileText(f, ok);
  if (!ok) {
    errors.push_back({f.string(), 0, Tr(lang, "không đọc được tệp", "cannot read the file")});
    return;
  }
  // A playbook of a broken regime would only repeat the regime's errors as its own.
  if (const std::string regime = TopScalar(text, "regime"); broken_regimes.count(regime)) {
    errors.push_back({f.string(), 0,
                      Tr(lang, "chưa kiểm tra: văn bản quy định \"", "not checked: regime \"") +
                          regime + Tr(lang, "\" có lỗi (xem ở trên)", "\" has errors (see above)")});
    return;
  }
  auto p = ParsePlaybook(text, f.string(), lib.regimes, refs, lang);
  if (!p) {
    errors.insert(errors.end(), p.error().begin(), p.error().end());
  } else if (const Playbook* other = lib.Find(p->id)) {
    errors.push_back({f.string(), 1,
                      Tr(lang, "mã kịch bản \"", "playbook id \"") + p->id +
                          Tr(lang, "\" đã dùng trong ", "\" is already used in ") + other->file});
  } else {
    lib.playbooks.push_back(std::move(*p));
  }
}

}  // namespace

LibraryResult LoadLibrary(const std::string& path, const References& refs, Lang lang) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool is_dir = fs::is_directory(path, ec);
  if (!is_dir && !fs::is_regular_file(path, ec)) {
    return std::unexpected(Errors{{path, 0, Tr(lang, "không đọc được tệp hay thư mục này",
                                               "cannot read this file or directory")}});
  }
  fs::path dir = is_dir ? fs::path(path) : fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  Errors errors;
  Library lib;
  const auto broken = LoadRegimes(dir, lib, lang, errors);
  for (const auto& f : is_dir ? YamlFilesIn(path) : std::vector<fs::path>{fs::path(path)}) {
    LoadPlaybookFile(f, refs, broken, lib, lang, errors);
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  std::ranges::sort(lib.playbooks, {}, &Playbook::id);
  return lib;
}

}  // namespace vigil::playbooks
