// YAML readers shared by the playbook and regime loaders (see reader.h).
#include "playbooks/src/reader.h"

#include <algorithm>
#include <regex>

namespace vigil::playbooks_internal {

using playbooks::DueRule;
using playbooks::FieldType;
using playbooks::FormField;
using playbooks::IsoDuration;
using playbooks::Text;

std::optional<YAML::Node> LoadYaml(const std::string& text, Ctx& c) {
  if (int line = config_internal::FirstInvalidUtf8Line(text)) {
    c.Err(line, "tệp không phải UTF-8 hợp lệ ở dòng này (hãy lưu tệp dạng UTF-8)",
          "the file is not valid UTF-8 here (save it as UTF-8)");
    return std::nullopt;
  }
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) {
      c.Err(root.IsNull() ? 1 : root.Mark().line + 1, "tệp phải là một ánh xạ YAML (khoá: giá trị)",
            "the file must be a YAML mapping (key: value)");
      return std::nullopt;
    }
    return root;
  } catch (const YAML::Exception& e) {
    c.Err(e.mark.line + 1, "YAML sai cú pháp: " + e.msg, "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

bool IsMapItem(Section& s, Ctx& c) {
  if (!s.node() || s.node().IsNull()) {
    c.Err(s.node(), s.path() + " trống (cần một ánh xạ khoá: giá trị)",
          s.path() + " is empty (a mapping of key: value is expected)");
    return false;
  }
  return s.IsMap();
}

bool IsId(const std::string& s) {
  static const std::regex kId("^[a-z0-9][a-z0-9_-]{0,63}$");
  return std::regex_match(s, kId);
}

void ReadId(Section& s, Ctx& c, std::string& out) {
  s.Str("id", out);
  const std::string p = s.Path("id");
  if (out.empty()) {
    c.Err(s.Line(), p + " là bắt buộc", p + " is required");
  } else if (!IsId(out)) {
    c.Err(s.Line("id"), p + " \"" + out + "\": chỉ dùng chữ thường không dấu, số, '-' và '_'",
          p + " \"" + out + "\": use lower-case letters, digits, '-' and '_' only");
  }
}

void ReadText(Section& s, Ctx& c, const char* key, Text& out, bool required) {
  const std::string p = s.Path(key);
  YAML::Node n = s.Take(key);
  if (!n || n.IsNull()) {
    if (required) {
      c.Err(s.Line(), p + " là bắt buộc (tiếng Việt vi và tiếng Anh en)",
            p + " is required (Vietnamese vi and English en)");
    }
    return;
  }
  if (!n.IsMap()) {
    return c.Err(n, p + " phải có cả hai thứ tiếng: {vi: ..., en: ...}",
                 p + " must give both languages: {vi: ..., en: ...}");
  }
  Section t(n, p, s.file(), s.errors());
  t.Str("vi", out.vi);
  t.Str("en", out.en);
  t.RejectUnknown();
  if (out.vi.empty()) {
    c.Err(n, p + ".vi: thiếu nội dung tiếng Việt", p + ".vi: the Vietnamese text is missing");
  }
  if (out.en.empty()) {
    c.Err(n, p + ".en: thiếu nội dung tiếng Anh", p + ".en: the English text is missing");
  }
}

void ReadTextList(Section& s, Ctx& c, const char* key, std::vector<Text>& out) {
  YAML::Node n = s.Take(key);
  if (!n || n.IsNull()) return;
  const std::string p = s.Path(key);
  if (!n.IsSequence()) {
    return c.Err(n, p + " phải là một danh sách {vi, en}", p + " must be a list of {vi, en}");
  }
  for (size_t i = 0; i < n.size(); ++i) {
    Text t;
    Section item(n[i], p + "[" + std::to_string(i) + "]", s.file(), s.errors());
    if (!IsMapItem(item, c)) continue;
    item.Str("vi", t.vi);
    item.Str("en", t.en);
    item.RejectUnknown();
    const std::string ip = item.path();
    if (t.vi.empty()) c.Err(n[i], ip + ".vi: thiếu nội dung tiếng Việt", ip + ".vi: the Vietnamese text is missing");
    if (t.en.empty()) c.Err(n[i], ip + ".en: thiếu nội dung tiếng Anh", ip + ".en: the English text is missing");
    out.push_back(std::move(t));
  }
}

bool ReadIsoDuration(Section& s, Ctx& c, const char* key, IsoDuration& out, bool required) {
  YAML::Node n = s.Take(key);
  const std::string p = s.Path(key);
  if (!n || n.IsNull()) {
    if (required) c.Err(s.Line(), p + " là bắt buộc", p + " is required");
    return false;
  }
  auto d = n.IsScalar() ? playbooks::ParseIsoDuration(n.Scalar()) : std::nullopt;
  if (!d) {
    const std::string text = n.IsScalar() ? " \"" + n.Scalar() + "\"" : "";
    c.Err(n, p + text + " không phải thời lượng ISO-8601 (ví dụ PT30M, PT2H, P2D, P1DT12H)",
          p + text + " is not an ISO-8601 duration (e.g. PT30M, PT2H, P2D, P1DT12H)");
    return false;
  }
  out = *d;
  return true;
}

std::optional<DueRule> ReadDue(Section& s, Ctx& c, const char* key) {
  YAML::Node n = s.Take(key);
  if (!n || n.IsNull()) return std::nullopt;
  if (!n.IsMap()) {
    c.Err(n, s.Path(key) + " phải có dạng {anchor: detected, after: PT2H}",
          s.Path(key) + " must read {anchor: detected, after: PT2H}");
    return std::nullopt;
  }
  Section d(n, s.Path(key), s.file(), s.errors());
  DueRule rule;
  rule.line = n.Mark().line + 1;
  d.Str("anchor", rule.anchor);
  const bool ok = ReadIsoDuration(d, c, "after", rule.after, true);
  d.Bool("working_days", rule.working_days);
  d.RejectUnknown();
  if (rule.anchor.empty()) {
    c.Err(n, d.Path("anchor") + " là bắt buộc", d.Path("anchor") + " is required");
  }
  if (ok && rule.working_days &&
      (rule.after.HasYearsOrMonths() || rule.after.weeks != 0)) {
    c.Err(d.Line("after"),
          d.Path("after") + " \"" + rule.after.text +
              "\": ngày làm việc chỉ đếm theo D, H, M, S (không dùng năm, tháng, tuần)",
          d.Path("after") + " \"" + rule.after.text +
              "\": working days count D, H, M, S only (no years, months or weeks)");
  }
  return rule;
}

namespace {

void ReadChoices(Section& f, Ctx& c, FormField& field) {
  YAML::Node n = f.Take("choices");
  if (!n || n.IsNull()) return;
  const std::string p = f.Path("choices");
  if (!n.IsSequence()) {
    return c.Err(n, p + " phải là danh sách {value, label}", p + " must be a list of {value, label}");
  }
  for (size_t i = 0; i < n.size(); ++i) {
    Section ch(n[i], p + "[" + std::to_string(i) + "]", f.file(), f.errors());
    if (!IsMapItem(ch, c)) continue;
    playbooks::Choice choice;
    ch.Str("value", choice.value);
    ReadText(ch, c, "label", choice.label, true);
    ch.RejectUnknown();
    if (choice.value.empty()) {
      c.Err(n[i], ch.Path("value") + " là bắt buộc", ch.Path("value") + " is required");
    }
    for (const auto& other : field.choices) {
      if (other.value == choice.value && !choice.value.empty()) {
        c.Err(n[i], ch.Path("value") + " \"" + choice.value + "\" bị trùng",
              ch.Path("value") + " \"" + choice.value + "\" is listed twice");
      }
    }
    field.choices.push_back(std::move(choice));
  }
}

FormField ReadField(const YAML::Node& n, const std::string& path, Section& parent, Ctx& c,
                    bool allow_source) {
  FormField field;
  field.line = n.Mark().line + 1;
  Section f(n, path, parent.file(), parent.errors());
  if (!IsMapItem(f, c)) return field;
  ReadId(f, c, field.id);
  std::string type = "text";
  f.Str("type", type);
  if (auto t = playbooks::ParseFieldType(type)) {
    field.type = *t;
  } else {
    c.Err(f.Line("type"), f.Path("type") + " \"" + type + "\" phải là text, number, bool, choice hoặc datetime",
          f.Path("type") + " \"" + type + "\" must be text, number, bool, choice or datetime");
  }
  f.Bool("required", field.required);
  ReadText(f, c, "label", field.label, true);
  ReadChoices(f, c, field);
  if (allow_source) f.Str("source", field.source);
  f.RejectUnknown();
  static const std::regex kSource(
      R"(^(incident\.[a-z_]+|anchor\.[a-z0-9_-]+|step\.[a-z0-9_-]+\.[a-z0-9_-]+|report\.generated_at)$)");
  if (!field.source.empty() && !std::regex_match(field.source, kSource)) {
    c.Err(f.Line("source"),
          f.Path("source") + " \"" + field.source + "\" phải có dạng incident.<trường>, anchor.<mốc>, step.<bước>.<trường> hoặc report.generated_at",
          f.Path("source") + " \"" + field.source + "\" must read incident.<field>, anchor.<anchor>, step.<step>.<field> or report.generated_at");
  }
  if (field.type == FieldType::kChoice && field.choices.empty()) {
    c.Err(n, path + ": trường kiểu choice cần choices", path + ": a choice field needs choices");
  }
  if (field.type != FieldType::kChoice && !field.choices.empty()) {
    c.Err(f.Line("choices"), path + ": chỉ trường kiểu choice mới có choices",
          path + ": only a choice field has choices");
  }
  return field;
}

}  // namespace

void ReadFields(Section& s, Ctx& c, const char* key, std::vector<FormField>& out,
                bool allow_source) {
  YAML::Node n = s.Take(key);
  if (!n || n.IsNull()) return;
  const std::string p = s.Path(key);
  if (!n.IsSequence()) {
    return c.Err(n, p + " phải là danh sách trường", p + " must be a list of fields");
  }
  for (size_t i = 0; i < n.size(); ++i) {
    FormField f = ReadField(n[i], ItemPath(p.c_str(), n[i], i), s, c, allow_source);
    for (const auto& other : out) {
      if (!f.id.empty() && other.id == f.id) {
        c.Err(f.line, p + ": trường \"" + f.id + "\" bị trùng (đã có ở dòng " + std::to_string(other.line) + ")",
              p + ": field \"" + f.id + "\" is defined twice (first at line " + std::to_string(other.line) + ")");
      }
    }
    out.push_back(std::move(f));
  }
}

void ReadCategories(Section& s, Ctx& c, const char* key, std::vector<std::string>& out) {
  const int line = s.Line(key);
  s.StrList(key, out);
  for (const auto& cat : out) {
    if (!playbooks::IsCategory(cat)) {
      c.Err(line, s.Path(key) + ": loại sự cố \"" + cat + "\" không có; dùng malware, ransomware, defacement, ddos, phishing, account_compromise, data_leak, vuln_exploitation, other",
            s.Path(key) + ": unknown category \"" + cat + "\"; use malware, ransomware, defacement, ddos, phishing, account_compromise, data_leak, vuln_exploitation, other");
    }
  }
}

std::string ItemPath(const char* list, const YAML::Node& n, size_t index) {
  if (n.IsMap() && n["id"] && n["id"].IsScalar() && !n["id"].Scalar().empty()) {
    return std::string(list) + "[" + n["id"].Scalar() + "]";
  }
  return std::string(list) + "[" + std::to_string(index) + "]";
}

namespace {

// Section's English wording → Vietnamese.
std::string ToVietnamese(const std::string& m) {
  static const std::vector<std::pair<std::regex, std::string>> kRules = {
      {std::regex("^unknown key (.*)$"), "khoá lạ $1 (không có trong định dạng)"},
      {std::regex("^(.*) appears twice \\(only one value is used\\)$"), "$1 xuất hiện hai lần"},
      {std::regex("^(.*) must be a string$"), "$1 phải là một chuỗi"},
      {std::regex("^(.*) must be true or false$"), "$1 phải là true hoặc false"},
      {std::regex("^(.*) must be a list of strings$"), "$1 phải là danh sách chuỗi"},
      {std::regex("^(.*) must be a mapping$"), "$1 phải là một ánh xạ (khoá: giá trị)"},
      {std::regex("^(.*) must be a whole number from (.*) to (.*)$"), "$1 phải là số nguyên từ $2 đến $3"},
  };
  for (const auto& [re, vi] : kRules) {
    if (std::regex_match(m, re)) return std::regex_replace(m, re, vi);
  }
  return m;
}

}  // namespace

void FinishErrors(Errors& errors, size_t from, Lang lang) {
  if (lang == Lang::kVi) {
    for (size_t i = from; i < errors.size(); ++i) errors[i].message = ToVietnamese(errors[i].message);
  }
  std::stable_sort(errors.begin() + static_cast<long>(from), errors.end(),
                   [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
}

}  // namespace vigil::playbooks_internal
