// Private to vigil::playbooks: the YAML readers shared by the playbook and regime loaders,
// built on config's Section (unknown and duplicate keys, lines), with messages in vi or en.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "config/section.h"
#include "playbooks/src/playbook.h"

namespace vigil::playbooks_internal {

using config_internal::Section;
using playbooks::Errors;

// The file being read, its errors and the language of their messages.
struct Ctx {
  const std::string& file;
  Errors& errors;
  Lang lang;
  void Err(int line, const std::string& vi, const std::string& en) {
    errors.push_back({file, line, lang == Lang::kEn ? en : vi});
  }
  void Err(const YAML::Node& n, const std::string& vi, const std::string& en) {
    Err(n ? n.Mark().line + 1 : 0, vi, en);
  }
};

// Whether the node read by `s` is a mapping; reports it when it is not, or is empty (null).
bool IsMapItem(Section& s, Ctx& c);

// Checks UTF-8 and parses YAML; on failure adds the error and returns nullopt.
std::optional<YAML::Node> LoadYaml(const std::string& text, Ctx& c);

// "abc-1_x": lower-case letters, digits, '-' and '_', starting with a letter or digit.
bool IsId(const std::string& s);

// Reads a required id key; reports it missing or malformed.
void ReadId(Section& s, Ctx& c, std::string& out);
// {vi: ..., en: ...}: both required and non-empty when the key is present, or when required.
void ReadText(Section& s, Ctx& c, const char* key, playbooks::Text& out, bool required);
// A list of {vi, en}.
void ReadTextList(Section& s, Ctx& c, const char* key, std::vector<playbooks::Text>& out);
// An ISO-8601 duration at `key`; reports a bad one. false when absent or bad.
bool ReadIsoDuration(Section& s, Ctx& c, const char* key, playbooks::IsoDuration& out,
                     bool required);
// {anchor, after, working_days}. The anchor is checked by the caller (it knows the anchors).
std::optional<playbooks::DueRule> ReadDue(Section& s, Ctx& c, const char* key);
// A list of form fields (step forms, report forms); `allow_source` for report forms.
void ReadFields(Section& s, Ctx& c, const char* key, std::vector<playbooks::FormField>& out,
                bool allow_source);
// Categories list; each must be one of kCategories.
void ReadCategories(Section& s, Ctx& c, const char* key, std::vector<std::string>& out);

// "steps[isolate]" when the mapping at `n` has an id, else "steps[3]".
std::string ItemPath(const char* list, const YAML::Node& n, size_t index);

// Section's own English messages ("unknown key x", "x must be a string"...) in Vietnamese
// when `lang` is kVi; the others are already in `lang`. Sorts by line.
void FinishErrors(Errors& errors, size_t from, Lang lang);

}  // namespace vigil::playbooks_internal

namespace vigil::playbooks_internal {
// Reads a list of id'd items at `key` of `root` with `read(node, path, root, ctx)`, reporting
// an id used twice. Shared by the playbook and regime readers.
template <class T, class ReadFn>
void ReadList(Section& root, Ctx& c, const char* key, std::vector<T>& out, ReadFn read) {
  YAML::Node n = root.Take(key);
  if (!n || n.IsNull()) return;
  const std::string p = root.Path(key);
  if (!n.IsSequence()) return c.Err(n, p + " phải là một danh sách", p + " must be a list");
  for (size_t i = 0; i < n.size(); ++i) {
    Section probe(n[i], ItemPath(p.c_str(), n[i], i), root.file(), root.errors());
    if (!IsMapItem(probe, c)) continue;
    T item = read(n[i], probe.path(), root, c);
    for (const auto& other : out) {
      if (!item.id.empty() && other.id == item.id) {
        const std::string first = std::to_string(other.line);
        c.Err(item.line, p + ": mã \"" + item.id + "\" bị trùng (đã có ở dòng " + first + ")",
              p + ": id \"" + item.id + "\" is used twice (first at line " + first + ")");
      }
    }
    out.push_back(std::move(item));
  }
}

// Checks one parsed playbook: every reference, anchor, condition, cycle and reachability
// (validate.cc). `regime` is the regime the playbook names, or nullptr.
void ValidatePlaybook(playbooks::Playbook& p, const playbooks::Regime* regime,
                      const std::vector<playbooks::Regime>& regimes,
                      const playbooks::References& refs, Ctx& c);
}  // namespace vigil::playbooks_internal
