#include "daemon/incidents/report.h"

#include <algorithm>
#include <map>
#include <set>

#include "daemon/common/html.h"
#include "daemon/common/time_util.h"

namespace vigil {
namespace {

using nlohmann::json;

std::string Local(const OnCallSetup& s, std::optional<TimeMs> t) {
  return t ? FormatLocalTime(*t, s.time_zone) : std::string();
}

std::string Anchor(const OnCallSetup& s, const Incident& in, const std::string& a) {
  auto it = in.anchors.find(a);
  return it == in.anchors.end() ? std::string() : Local(s, it->second);
}

std::string UnitName(const OnCallSetup& s, const std::string& id) {
  for (const auto& u : s.units) {
    if (u.id == id) return u.name + " (" + id + ")";
  }
  return id;
}

std::string PersonName(const OnCallSetup& s, const std::string& id) {
  if (id.empty()) return "";
  const Person* p = s.FindPerson(id);
  return p && !p->name.empty() ? p->name + " (" + id + ")" : id;
}

// "user:hai" → the person's name when known.
std::string ActorName(const OnCallSetup& s, const std::string& actor) {
  const auto colon = actor.find(':');
  if (colon == std::string::npos) return actor;
  const std::string who = actor.substr(colon + 1);
  const Person* p = s.FindPerson(who);
  return p ? p->name : actor;
}

std::string SourceLabel(Lang l, const std::string& src) {
  static const std::map<std::string, std::pair<const char*, const char*>> k = {
      {"api", {"API", "API"}},
      {"cli", {"dòng lệnh", "command line"}},
      {"web", {"trang web", "web"}},
      {"alert", {"cảnh báo giám sát", "monitoring alert"}},
      {"phone", {"điện thoại", "phone"}},
      {"letter", {"công văn", "letter"}}};
  auto it = k.find(src);
  return it == k.end() ? src : Tr(l, it->second.first, it->second.second);
}

std::string Systems(Lang l, const Incident& in) {
  std::string out;
  for (const auto& s : in.systems) {
    out += (out.empty() ? "" : "; ") + s.name + Tr(l, " (cấp độ ", " (level ") +
           std::to_string(s.level) + ")";
  }
  return out;
}

std::string StepTitle(Lang l, const PlaybookPlan* plan, const std::string& id) {
  const PlanStep* d = plan ? plan->Find(id) : nullptr;
  if (!d) return id;
  const std::string& t = l == Lang::kEn ? d->title_en : d->title_vi;
  return t.empty() ? id : t;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// What an entry of the timeline says, in one line.
std::string Describe(Lang l, const TimelineEntry& e, const PlaybookPlan* plan) {
  const json& d = e.detail;
  if (e.kind == "opened") return Tr(l, "Tiếp nhận sự cố", "Incident opened");
  if (e.kind == "transition") {
    std::string s = StateLabel(l, Str(d, "from")) + " → " + StateLabel(l, Str(d, "to"));
    if (!Str(d, "step").empty())
      s += Tr(l, " (theo bước: ", " (by step: ") + StepTitle(l, plan, Str(d, "step")) + ")";
    if (!Str(d, "note").empty()) s += ": " + Str(d, "note");
    return s;
  }
  if (e.kind == "note") return Tr(l, "Ghi chú: ", "Note: ") + Str(d, "text");
  if (e.kind == "alert_linked")
    return Tr(l, "Liên kết cảnh báo #", "Alert linked #") + Str(d, "alert_id");
  if (e.kind == "playbook_attached") {
    return Tr(l, "Áp dụng kịch bản ", "Playbook attached: ") + Str(d, "playbook") + " v" +
           Str(d, "version");
  }
  if (e.kind == "step_done" || e.kind == "step_skipped") {
    std::string s =
        (e.kind == "step_done" ? Tr(l, "Hoàn thành: ", "Done: ") : Tr(l, "Bỏ qua: ", "Skipped: ")) +
        StepTitle(l, plan, Str(d, "step"));
    if (!Str(d, "note").empty()) s += " — " + Str(d, "note");
    return s;
  }
  if (e.kind == "step_overdue")
    return Tr(l, "Quá hạn: ", "Overdue: ") + StepTitle(l, plan, Str(d, "step"));
  if (e.kind == "step_escalated" || e.kind == "step_nobody_to_page") {
    std::string who;
    for (const auto& r : d.value("recipients", json::array())) {
      who += (who.empty() ? "" : ", ") +
             (Str(r, "person").empty() ? Str(r, "contact_point") : Str(r, "person"));
    }
    return Tr(l, "Leo thang bậc ", "Escalated, level ") + Str(d, "level") + " (" +
           StepTitle(l, plan, Str(d, "step")) + ")" + (who.empty() ? "" : ": " + who);
  }
  if (e.kind == "contact_requested") {
    return Tr(l, "Đề nghị hỗ trợ gửi ", "Request sent to ") + Str(d["contact_point"], "name") +
           ": " + Str(d, "message");
  }
  if (e.kind == "contact_answered") {
    return Str(d["contact_point"], "name") + Tr(l, " trả lời", " answered") +
           (Str(d, "ticket").empty() ? ""
                                     : Tr(l, " (mã phiếu ", " (ticket ") + Str(d, "ticket") + ")") +
           (Str(d, "answer").empty() ? "" : ": " + Str(d, "answer"));
  }
  if (e.kind == "clock_met")
    return Tr(l, "Đạt mốc thời hạn ", "Deadline met: ") + StepTitle(l, plan, Str(d, "clock"));
  if (e.kind == "assigned") return Tr(l, "Giao cho ", "Assigned to ") + Str(d, "to");
  if (e.kind == "next_step")
    return Tr(l, "Bước tiếp theo: ", "Next step: ") + StepTitle(l, plan, Str(d, "step"));
  return e.kind;
}

const json* FormFor(const PlaybookPlan* plan, ReportKind kind) {
  if (!plan) return nullptr;
  const char* words[] = {kind == ReportKind::kInitial ? "initial" : "final",
                         kind == ReportKind::kInitial ? "ban_dau" : "ket_thuc"};
  for (const auto& [id, form] : plan->report_forms.items()) {
    for (const char* w : words) {
      if (id.find(w) != std::string::npos) return &form;
    }
  }
  return nullptr;
}

// The incident's own facts after a regime form's fields: skipped when the form already has a
// field of that id or shows the same source (`used`).
void AddRow(ReportDoc& d, const std::set<std::string>& used, const std::string& key,
            const std::string& label, std::string value) {
  static const std::map<std::string, std::string> kSameAs = {
      {"actions", "timeline"},
      {"contacts", "contact_requests"},
      {"report_time", "report.generated_at"}};
  auto same = kSameAs.find(key);
  if (used.count(key) || (same != kSameAs.end() && used.count(same->second))) return;
  for (const auto& f : d.fields) {
    if (f.key == key) return;
  }
  d.fields.push_back({key, label, std::move(value)});
}

}  // namespace

std::string DescribeEntry(Lang l, const TimelineEntry& e, const PlaybookPlan* plan) {
  return Describe(l, e, plan);
}

const ReportField* ReportDoc::Field(std::string_view key) const {
  for (const auto& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::optional<ReportKind> ParseReportKind(std::string_view s) {
  if (s == "initial" || s == "notification") return ReportKind::kInitial;
  if (s == "final") return ReportKind::kFinal;
  return std::nullopt;
}

ReportDoc IncidentReport(const IncidentRecord& r, ReportKind kind, const OnCallSetup& setup, Lang l,
                         TimeMs now) {
  const Incident& in = r.incident;
  const PlaybookPlan* plan = r.plan ? &*r.plan : nullptr;
  ReportDoc d;
  d.title = kind == ReportKind::kInitial
                ? Tr(l, "BÁO CÁO BAN ĐẦU SỰ CỐ AN TOÀN THÔNG TIN MẠNG",
                     "INITIAL CYBERSECURITY INCIDENT NOTIFICATION")
                : Tr(l, "BÁO CÁO KẾT THÚC ỨNG CỨU SỰ CỐ AN TOÀN THÔNG TIN MẠNG",
                     "FINAL CYBERSECURITY INCIDENT REPORT");
  d.subtitle = Tr(l, "Sự cố #", "Incident #") + std::to_string(in.id) + ": " + in.title;
  std::string actions, contacts, response;
  for (const auto& e : r.timeline) {
    if (e.kind == "step_done")
      actions += (actions.empty() ? "" : "; ") + StepTitle(l, plan, Str(e.detail, "step"));
    if (e.kind == "contact_requested" || e.kind == "contact_answered") {
      contacts += (contacts.empty() ? "" : "; ") + Describe(l, e, plan);
    }
    if (e.kind.starts_with("step_done") || e.kind == "transition" || e.kind == "note" ||
        e.kind.starts_with("contact_")) {
      response += (response.empty() ? "" : "\n") + Local(setup, e.at) + " " + Describe(l, e, plan);
    }
  }
  int level = 0;
  for (const auto& s : in.systems) level = std::max(level, s.level);
  // Values a regime form's field may name as its source.
  auto value_of = [&](const std::string& source, const std::string& field_id) -> std::string {
    if (source == "report.generated_at") return Local(setup, now);
    if (source.starts_with("anchor.")) return Anchor(setup, in, source.substr(7));
    if (source.starts_with("step.")) {
      const auto dot = source.find('.', 5);
      const std::string step =
          source.substr(5, dot == std::string::npos ? std::string::npos : dot - 5);
      for (const auto& s : r.steps) {
        if (s.step_id == step && dot != std::string::npos)
          return Str(s.input, source.substr(dot + 1).c_str());
      }
      return "";
    }
    const std::string f = source.starts_with("incident.") ? source.substr(9) : source;
    if (f == "id") return std::to_string(in.id);
    if (f == "title") return in.title;
    if (f == "category") return CategoryLabel(l, in.category);
    if (f == "severity") return PriorityText(in.severity);
    if (f == "unit") return UnitName(setup, in.unit);
    if (f == "systems") return Systems(l, in);
    if (f == "detected_at") return Local(setup, in.detected_at);
    if (f == "state") return StateLabel(l, ToString(in.state));
    if (f == "assignee") {  // name, phone and e-mail: the regime's "contact person"
      std::string who = PersonName(setup, in.assignee);
      if (const Person* p = setup.FindPerson(in.assignee)) {
        for (const auto& c : p->contacts) {
          if (c.kind == "sms" || c.kind == "email") who += ", " + c.address;
        }
      }
      return who;
    }
    if (f == "reporter") return in.reporter;
    if (f == "description") return in.description;
    if (f == "source") return SourceLabel(l, in.source);
    if (f == "security_level") return level ? std::to_string(level) : "";
    if (f == "timeline") return response;
    if (f == "actions") return actions;
    if (f == "contact_requests") return contacts;
    if (f.ends_with("_at") && f.size() > 3) return Anchor(setup, in, f.substr(0, f.size() - 3));
    // Asked for, not derived: the input of the step that produces this report.
    for (const auto& s : r.steps) {
      const PlanStep* def = plan ? plan->Find(s.step_id) : nullptr;
      if (def && !def->produces_report.empty() && s.input.contains(field_id)) {
        return Str(s.input, field_id.c_str());
      }
    }
    return "";
  };
  std::set<std::string> used;  // sources a regime form already shows
  if (const json* form = FormFor(plan, kind)) {
    d.title = Str(*form, l == Lang::kEn ? "title_en" : "title_vi");
    d.basis = Str(*form, l == Lang::kEn ? "basis_en" : "basis_vi");
    for (const auto& f : form->value("fields", json::array())) {
      const std::string id = Str(f, "id");
      const std::string source = Str(f, "source");
      used.insert(source.starts_with("incident.") ? source.substr(9) : source);
      d.fields.push_back(
          {id, Str(f, l == Lang::kEn ? "label_en" : "label_vi"), value_of(source, id)});
    }
  }
  AddRow(d, used, "incident_id", Tr(l, "Mã sự cố", "Incident id"), "#" + std::to_string(in.id));
  AddRow(d, used, "unit", Tr(l, "Đơn vị", "Unit"), UnitName(setup, in.unit));
  AddRow(d, used, "title", Tr(l, "Tên sự cố", "Title"), in.title);
  AddRow(d, used, "category", Tr(l, "Loại sự cố", "Category"), CategoryLabel(l, in.category));
  AddRow(d, used, "severity", Tr(l, "Mức độ", "Severity"), PriorityText(in.severity));
  AddRow(d, used, "systems", Tr(l, "Hệ thống bị ảnh hưởng", "Systems affected"), Systems(l, in));
  AddRow(d, used, "detected_at", Tr(l, "Thời điểm phát hiện", "Detected at"),
         Local(setup, in.detected_at));
  AddRow(d, used, "opened_at", Tr(l, "Thời điểm tiếp nhận", "Opened at"),
         Anchor(setup, in, "opened"));
  AddRow(d, used, "source", Tr(l, "Nguồn tiếp nhận", "Reported through"),
         SourceLabel(l, in.source));
  AddRow(d, used, "reporter", Tr(l, "Người báo", "Reported by"), in.reporter);
  AddRow(d, used, "description", Tr(l, "Mô tả", "Description"), in.description);
  AddRow(d, used, "state", Tr(l, "Tình trạng", "Status"), StateLabel(l, ToString(in.state)));
  AddRow(d, used, "assignee", Tr(l, "Người xử lý", "Assignee"), PersonName(setup, in.assignee));
  AddRow(d, used, "playbook", Tr(l, "Kịch bản ứng cứu", "Playbook"),
         plan ? (l == Lang::kEn ? plan->title_en : plan->title_vi) + " (" + plan->id + " v" +
                    plan->version + ")"
              : "");
  std::string alerts;
  for (const auto& a : r.alerts)
    alerts += (alerts.empty() ? "" : "; ") + ("#" + std::to_string(a.id) + " " + a.summary);
  AddRow(d, used, "alerts", Tr(l, "Cảnh báo liên quan", "Linked alerts"), alerts);
  AddRow(d, used, "actions", Tr(l, "Biện pháp đã thực hiện", "Actions taken"), actions);
  AddRow(d, used, "contacts", Tr(l, "Phối hợp với bên ngoài", "Outside parties engaged"), contacts);
  if (kind == ReportKind::kFinal) {
    AddRow(d, used, "contained_at", Tr(l, "Thời điểm ngăn chặn", "Contained at"),
           Anchor(setup, in, "contained"));
    AddRow(d, used, "recovered_at", Tr(l, "Thời điểm khôi phục", "Recovered at"),
           Anchor(setup, in, "recovered"));
    const auto rec = in.anchors.find("recovered");
    AddRow(d, used, "duration",
           Tr(l, "Thời gian từ phát hiện đến khôi phục", "Detection to recovery"),
           rec == in.anchors.end() ? "" : FormatAge(rec->second - in.detected_at));
    int overdue = 0;
    for (const auto& e : r.timeline) overdue += e.kind == "step_overdue";
    AddRow(d, used, "overdue_steps", Tr(l, "Số bước quá hạn", "Steps overdue"),
           std::to_string(overdue));
    ReportTable steps{Tr(l, "Các bước ứng cứu", "Response steps"),
                      {Tr(l, "Bước", "Step"), Tr(l, "Tình trạng", "Status"), Tr(l, "Hạn", "Due"),
                       Tr(l, "Xong lúc", "Done at"), Tr(l, "Ghi chú", "Note")},
                      {}};
    for (const auto& s : r.steps) {
      steps.rows.push_back({StepTitle(l, plan, s.step_id), StateLabel(l, s.state),
                            Local(setup, s.due_at), Local(setup, s.done_at), s.note});
    }
    d.tables.push_back(std::move(steps));
  }
  ReportTable tl{
      Tr(l, "Diễn biến", "Timeline"),
      {Tr(l, "Thời điểm", "Time"), Tr(l, "Người thực hiện", "By"), Tr(l, "Nội dung", "What")},
      {}};
  for (const auto& e : r.timeline) {
    if (kind == ReportKind::kInitial && e.kind.starts_with("step_escalat")) continue;
    tl.rows.push_back({Local(setup, e.at), ActorName(setup, e.actor), Describe(l, e, plan)});
  }
  d.tables.push_back(std::move(tl));
  AddRow(d, used, "report_time", Tr(l, "Thời điểm lập báo cáo", "Report time"), Local(setup, now));
  return d;
}

ReportDoc ShiftHandover(const ShiftData& s, const OnCallSetup& setup, Lang l, TimeMs now) {
  ReportDoc d;
  d.title = Tr(l, "BIÊN BẢN BÀN GIAO CA TRỰC", "SHIFT HANDOVER REPORT");
  d.subtitle = Local(setup, s.from) + " → " + Local(setup, s.to);
  d.fields.push_back({"from", Tr(l, "Từ", "From"), Local(setup, s.from)});
  d.fields.push_back({"to", Tr(l, "Đến", "To"), Local(setup, s.to)});
  d.fields.push_back({"on_duty", Tr(l, "Cán bộ trực", "On duty"), s.who});
  d.fields.push_back({"alerts", Tr(l, "Số cảnh báo trong ca", "Alerts in the shift"),
                      std::to_string(s.alerts.size())});
  d.fields.push_back({"incidents", Tr(l, "Số sự cố trong ca", "Incidents in the shift"),
                      std::to_string(s.incidents.size())});
  d.fields.push_back({"open_alerts", Tr(l, "Cảnh báo còn mở", "Alerts still open"),
                      std::to_string(s.open_alerts.size())});
  ReportTable alerts{Tr(l, "Cảnh báo", "Alerts"),
                     {"#", Tr(l, "Mức", "Severity"), Tr(l, "Nội dung", "Summary"),
                      Tr(l, "Nguồn", "Source"), Tr(l, "Tình trạng", "Status"), Tr(l, "Lúc", "At")},
                     {}};
  for (const auto& a : s.alerts) {
    alerts.rows.push_back({std::to_string(a.id), std::string(ToString(a.severity)), a.summary,
                           a.source, std::string(ToString(a.status)), Local(setup, a.created_at)});
  }
  d.tables.push_back(std::move(alerts));
  ReportTable incidents{
      Tr(l, "Sự cố", "Incidents"),
      {"#", Tr(l, "Tên", "Title"), Tr(l, "Loại", "Category"), Tr(l, "Mức", "Severity"),
       Tr(l, "Tình trạng", "Status"), Tr(l, "Người xử lý", "Assignee")},
      {}};
  ReportTable actions{Tr(l, "Việc đã làm trong ca", "Actions in the shift"),
                      {Tr(l, "Lúc", "At"), Tr(l, "Sự cố", "Incident"), Tr(l, "Người", "By"),
                       Tr(l, "Nội dung", "What")},
                      {}};
  ReportTable open{Tr(l, "Việc còn tồn, bàn giao ca sau", "Open items for the next shift"),
                   {Tr(l, "Sự cố", "Incident"), Tr(l, "Việc", "Item"), Tr(l, "Hạn", "Due")},
                   {}};
  for (const auto& r : s.incidents) {
    const Incident& in = r.incident;
    const PlaybookPlan* plan = r.plan ? &*r.plan : nullptr;
    incidents.rows.push_back({std::to_string(in.id), in.title, CategoryLabel(l, in.category),
                              PriorityText(in.severity), StateLabel(l, ToString(in.state)),
                              PersonName(setup, in.assignee)});
    for (const auto& e : r.timeline) {
      if (e.at < s.from || e.at >= s.to) continue;
      actions.rows.push_back({Local(setup, e.at), "#" + std::to_string(in.id),
                              ActorName(setup, e.actor), Describe(l, e, plan)});
    }
    if (IsFinal(in.state)) continue;
    for (const auto& st : r.steps) {
      if (st.state != "pending") continue;
      open.rows.push_back(
          {"#" + std::to_string(in.id), StepTitle(l, plan, st.step_id), Local(setup, st.due_at)});
    }
    if (r.steps.empty()) {
      open.rows.push_back(
          {"#" + std::to_string(in.id),
           Tr(l, "Sự cố đang ở trạng thái ", "Incident is ") + StateLabel(l, ToString(in.state)),
           ""});
    }
  }
  for (const auto& a : s.open_alerts) {
    open.rows.push_back({Tr(l, "cảnh báo #", "alert #") + std::to_string(a.id), a.summary, ""});
  }
  std::sort(actions.rows.begin(), actions.rows.end());
  d.tables.push_back(std::move(incidents));
  d.tables.push_back(std::move(actions));
  d.tables.push_back(std::move(open));
  d.fields.push_back({"open_items", Tr(l, "Việc còn tồn", "Open items"),
                      std::to_string(d.tables.back().rows.size())});
  d.fields.push_back({"report_time", Tr(l, "Thời điểm lập", "Made at"), Local(setup, now)});
  return d;
}

ReportDoc HolidaySummary(const HolidayData& h, const OnCallSetup& setup, Lang l, TimeMs now) {
  ReportDoc d;
  d.title = Tr(l, "BÁO CÁO TỔNG HỢP TÌNH HÌNH AN TOÀN THÔNG TIN DỊP NGHỈ LỄ",
               "HOLIDAY-PERIOD SECURITY SUMMARY");
  d.subtitle = h.period + " — " + UnitName(setup, h.unit);
  d.fields.push_back({"unit", Tr(l, "Đơn vị", "Unit"), UnitName(setup, h.unit)});
  d.fields.push_back({"period", Tr(l, "Đợt nghỉ lễ", "Holiday period"), h.period});
  d.fields.push_back({"from", Tr(l, "Từ", "From"), Local(setup, h.from)});
  d.fields.push_back({"to", Tr(l, "Đến", "To"), Local(setup, h.to)});
  d.fields.push_back({"alerts", Tr(l, "Số cảnh báo", "Alerts"), std::to_string(h.alerts)});
  d.fields.push_back(
      {"incidents", Tr(l, "Số sự cố", "Incidents"), std::to_string(h.incidents.size())});
  int closed = 0, overdue = 0;
  std::map<std::string, int> by_category, by_severity;
  ReportTable list{Tr(l, "Danh sách sự cố", "Incidents"),
                   {"#", Tr(l, "Tên", "Title"), Tr(l, "Loại", "Category"), Tr(l, "Mức", "Severity"),
                    Tr(l, "Phát hiện", "Detected"), Tr(l, "Tình trạng", "Status")},
                   {}};
  for (const auto& r : h.incidents) {
    const Incident& in = r.incident;
    closed += IsFinal(in.state);
    ++by_category[CategoryLabel(l, in.category)];
    ++by_severity[PriorityText(in.severity)];
    for (const auto& e : r.timeline) overdue += e.kind == "step_overdue";
    list.rows.push_back({std::to_string(in.id), in.title, CategoryLabel(l, in.category),
                         PriorityText(in.severity), Local(setup, in.detected_at),
                         StateLabel(l, ToString(in.state))});
  }
  d.fields.push_back({"closed", Tr(l, "Đã kết thúc", "Finished"), std::to_string(closed)});
  d.fields.push_back(
      {"open", Tr(l, "Còn mở", "Still open"), std::to_string(h.incidents.size() - closed)});
  d.fields.push_back(
      {"overdue_steps", Tr(l, "Số bước quá hạn", "Steps overdue"), std::to_string(overdue)});
  d.fields.push_back({"checkins_confirmed", Tr(l, "Lượt xác nhận có mặt", "Check-ins confirmed"),
                      std::to_string(h.checkins_confirmed)});
  d.fields.push_back({"checkins_missed", Tr(l, "Lượt không xác nhận", "Check-ins missed"),
                      std::to_string(h.checkins_missed)});
  ReportTable cats{
      Tr(l, "Theo loại", "By category"), {Tr(l, "Loại", "Category"), Tr(l, "Số", "Count")}, {}};
  for (const auto& [k, n] : by_category) cats.rows.push_back({k, std::to_string(n)});
  ReportTable sev{
      Tr(l, "Theo mức độ", "By severity"), {Tr(l, "Mức", "Severity"), Tr(l, "Số", "Count")}, {}};
  for (const auto& [k, n] : by_severity) sev.rows.push_back({k, std::to_string(n)});
  d.tables.push_back(std::move(cats));
  d.tables.push_back(std::move(sev));
  d.tables.push_back(std::move(list));
  d.fields.push_back({"report_time", Tr(l, "Thời điểm lập", "Made at"), Local(setup, now)});
  return d;
}

namespace {
// Markdown text: what people typed never becomes markup (< and > are escaped, so a report
// rendered by a Markdown viewer cannot run a script; "Sở GD&ĐT" stays readable). In table cells
// pipes are escaped too and line breaks become <br>.
std::string Text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : Text(s)) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += "<br>";
    else if (c == '\r')
      continue;
    else
      out += c;
  }
  return out;
}
}  // namespace

std::string ToMarkdown(const ReportDoc& doc) {
  std::string md = "# " + Cell(doc.title) + "\n\n";
  if (!doc.subtitle.empty()) md += "**" + Cell(doc.subtitle) + "**\n\n";
  if (!doc.basis.empty()) md += "_" + Cell(doc.basis) + "_\n\n";
  md += "| | |\n|---|---|\n";
  for (const auto& f : doc.fields) md += "| " + Cell(f.label) + " | " + Cell(f.value) + " |\n";
  for (const auto& t : doc.tables) {
    md += "\n## " + Cell(t.heading) + "\n\n";
    if (t.rows.empty()) {
      md += "—\n";
      continue;
    }
    md += "|";
    for (const auto& h : t.header) md += " " + Cell(h) + " |";
    md += "\n|";
    for (size_t i = 0; i < t.header.size(); ++i) md += "---|";
    md += "\n";
    for (const auto& row : t.rows) {
      md += "|";
      for (const auto& c : row) md += " " + Cell(c) + " |";
      md += "\n";
    }
  }
  return md;
}

std::string ToHtml(const ReportDoc& doc, Lang l) {
  std::string h = std::string("<!DOCTYPE html>\n<html lang=\"") + Tr(l, "vi", "en") +
                  "\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + HtmlEscape(doc.title) +
                  "</title>\n<style>\n"
                  "@page { size: A4; margin: 18mm 15mm; }\n"
                  "body { font-family: 'Times New Roman', 'DejaVu Serif', serif; font-size: 13pt; "
                  "color: #000; max-width: 190mm; margin: 0 auto; }\n"
                  "h1 { font-size: 15pt; text-align: center; text-transform: uppercase; }\n"
                  "h2 { font-size: 13pt; margin-top: 1.2em; }\n"
                  "p.sub { text-align: center; font-weight: bold; } p.basis { text-align: center; "
                  "font-style: italic; }\n"
                  "table { border-collapse: collapse; width: 100%; page-break-inside: auto; }\n"
                  "tr { page-break-inside: avoid; }\n"
                  "th, td { border: 1px solid #444; padding: 4px 6px; vertical-align: top; "
                  "text-align: left; }\n"
                  "table.fields th { width: 35%; background: #f2f2f2; }\n"
                  "@media print { a { color: #000; text-decoration: none; } }\n"
                  "</style>\n</head>\n<body>\n<h1>" +
                  HtmlEscape(doc.title) + "</h1>\n";
  if (!doc.subtitle.empty()) h += "<p class=\"sub\">" + HtmlEscape(doc.subtitle) + "</p>\n";
  if (!doc.basis.empty()) h += "<p class=\"basis\">" + HtmlEscape(doc.basis) + "</p>\n";
  h += "<table class=\"fields\">\n";
  for (const auto& f : doc.fields) {
    std::string value = HtmlEscape(f.value);
    for (size_t at = 0; (at = value.find('\n', at)) != std::string::npos; at += 5)
      value.replace(at, 1, "<br>\n");
    h += "<tr><th>" + HtmlEscape(f.label) + "</th><td>" + value + "</td></tr>\n";
  }
  h += "</table>\n";
  for (const auto& t : doc.tables) {
    h += "<h2>" + HtmlEscape(t.heading) + "</h2>\n";
    if (t.rows.empty()) {
      h += "<p>—</p>\n";
      continue;
    }
    h += "<table>\n<tr>";
    for (const auto& c : t.header) h += "<th>" + HtmlEscape(c) + "</th>";
    h += "</tr>\n";
    for (const auto& row : t.rows) {
      h += "<tr>";
      for (const auto& c : row) h += "<td>" + HtmlEscape(c) + "</td>";
      h += "</tr>\n";
    }
    h += "</table>\n";
  }
  return h + "</body>\n</html>\n";
}

}  // namespace vigil
