// Reading and checking a regime file: legal deadlines and report forms (see playbook.h).
#include <regex>

#include "playbooks/src/reader.h"

namespace vigil::playbooks {

using playbooks_internal::Ctx;
using playbooks_internal::ItemPath;
using playbooks_internal::ReadList;
using playbooks_internal::Section;

namespace {

RegimeDeadline ReadDeadline(const YAML::Node& n, const std::string& path, Section& root,
                            Ctx& c) {
  RegimeDeadline d;
  d.line = n.Mark().line + 1;
  Section s(n, path, root.file(), root.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return d;
  playbooks_internal::ReadId(s, c, d.id);
  playbooks_internal::ReadText(s, c, "title", d.title, true);
  playbooks_internal::ReadText(s, c, "basis", d.basis, true);
  playbooks_internal::ReadText(s, c, "recipient", d.recipient, false);
  if (auto due = playbooks_internal::ReadDue(s, c, "due")) {
    d.due = *due;
    if (!due->anchor.empty() && !IsLifecycleAnchor(due->anchor)) {
      c.Err(due->line,
            path + ".due.anchor \"" + due->anchor + "\" không phải mốc của sự cố (detected, opened, acknowledged, triaged, contained, recovered, reported, closed)",
            path + ".due.anchor \"" + due->anchor + "\" is not an incident anchor (detected, opened, acknowledged, triaged, contained, recovered, reported, closed)");
    }
  } else {
    c.Err(n, path + ".due là bắt buộc", path + ".due is required");
  }
  playbooks_internal::ReadCategories(s, c, "categories", d.categories);
  s.Str("report", d.report);
  s.RejectUnknown();
  return d;
}

ReportForm ReadReportForm(const YAML::Node& n, const std::string& path, Section& root, Ctx& c) {
  ReportForm f;
  f.line = n.Mark().line + 1;
  Section s(n, path, root.file(), root.errors());
  if (!playbooks_internal::IsMapItem(s, c)) return f;
  playbooks_internal::ReadId(s, c, f.id);
  playbooks_internal::ReadText(s, c, "title", f.title, true);
  playbooks_internal::ReadText(s, c, "basis", f.basis, false);
  playbooks_internal::ReadFields(s, c, "fields", f.fields, /*allow_source=*/true);
  s.RejectUnknown();
  if (f.fields.empty()) {
    c.Err(n, path + ".fields: mẫu báo cáo cần ít nhất một trường",
          path + ".fields: a report form needs at least one field");
  }
  return f;
}

void CheckRegime(const Regime& r, Ctx& c) {
  static const std::regex kDate("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$");
  if (!std::regex_match(r.effective_from, kDate)) {
    c.Err(r.line, "effective_from phải là ngày YYYY-MM-DD", "effective_from must be a date YYYY-MM-DD");
  }
  for (const auto& d : r.deadlines) {
    if (!d.report.empty() && !r.FindReportForm(d.report)) {
      c.Err(d.line, "deadlines[" + d.id + "].report \"" + d.report + "\": không có mẫu báo cáo này trong report_forms",
            "deadlines[" + d.id + "].report \"" + d.report + "\": no such report form in report_forms");
    }
  }
}

}  // namespace

RegimeResult ParseRegime(const std::string& text, const std::string& file, Lang lang) {
  Errors errors;
  Ctx c{file, errors, lang};
  auto root = playbooks_internal::LoadYaml(text, c);
  if (!root) return std::unexpected(std::move(errors));
  Regime r;
  r.file = file;
  r.line = 1;
  Section s(*root, "", file, errors);
  try {
    playbooks_internal::ReadId(s, c, r.id);
    if (!(*root)["version"]) c.Err(1, "version là bắt buộc", "version is required");
    s.Int("version", r.version, 1, 1'000'000);
    playbooks_internal::ReadText(s, c, "title", r.title, true);
    s.Str("effective_from", r.effective_from);
    playbooks_internal::ReadTextList(s, c, "references", r.references);
    ReadList(s, c, "deadlines", r.deadlines, ReadDeadline);
    ReadList(s, c, "report_forms", r.report_forms, ReadReportForm);
    s.RejectUnknown();
    CheckRegime(r, c);
  } catch (const YAML::Exception& e) {
    c.Err(e.mark.line + 1, "YAML không đọc được: " + e.msg, "unreadable YAML: " + e.msg);
  }
  playbooks_internal::FinishErrors(errors, 0, lang);
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return r;
}

}  // namespace vigil::playbooks
