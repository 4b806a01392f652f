// vigilctl on-call subcommands: oncall (who is on duty and why), oncall gaps, oncall feed,
// checkin, checkins and people. Times are shown as local wall time in the setup's time zone.
#include "daemon/oncall/oncall.h"

#include <httplib.h>

#include <iostream>

#include "daemon/common/time_util.h"
#include "daemon/vigilctl/commands.h"
#include "daemon/vigilctl/table.h"

namespace vigil::ctl {
namespace {

using nlohmann::json;
using Rows = std::vector<std::vector<std::string>>;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// A member of an object, or null when it is missing (operator[] on a const json is not safe).
const json& At(const json& j, const char* key) {
  static const json kNull;
  auto it = j.is_object() ? j.find(key) : j.end();
  return it == j.end() ? kNull : *it;
}

std::string Zone(const json& body) {
  const std::string tz = Str(body, "time_zone");
  return tz.empty() ? kDefaultTimeZone : tz;
}

int Done(const Options& o, const Client& c, const Reply& r) {
  if (!r.ok()) {
    // A bad option: say which, in the user's language, before vigild's own words.
    const json err = r.body.is_object() ? r.body.value("error", json::object()) : json();
    const std::string field = err.is_object() ? Str(err, "field") : "";
    if (r.status == 400 && (field == "at" || field == "from" || field == "to")) {
      std::cerr << Tr(o.lang, "Thời điểm --", "Bad time in --") << field
                << Tr(o.lang,
                      " không hợp lệ: dùng giờ địa phương như 2026-04-30T20:00 hoặc "
                      "RFC 3339 như 2026-04-30T20:00:00+07:00.",
                      ": use local time like 2026-04-30T20:00 or RFC 3339 like "
                      "2026-04-30T20:00:00+07:00.")
                << "\n";
      return 1;
    }
    if (r.status == 404 && field == "schedule") {
      std::cerr << Tr(o.lang, "Không có lịch trực nào có mã này (--schedule).",
                      "No schedule has this id (--schedule).")
                << " " << Str(err, "message") << "\n";
      return 1;
    }
    if (r.status == 404 && field == "id") {
      std::cerr << Tr(o.lang, "Không có người này trong cấu hình trực (xem: vigilctl people).",
                      "No such person in the on-call config (see: vigilctl people).")
                << " " << Str(err, "message") << "\n";
      return 1;
    }
    return ReportFailure(r, o, c.server());
  }
  if (o.json) std::cout << r.body.dump(2) << "\n";
  return 0;
}

std::string Named(const std::string& name, const std::string& id) {
  return name.empty() || name == id ? id : name + " (" + id + ")";
}

// "2026-04-30 07:30 → 19:30" (the end's date only when it differs).
std::string Span(const json& start, const json& end, const std::string& tz) {
  const std::string a = LocalTimeText(start, tz), b = LocalTimeText(end, tz);
  if (b.empty()) return a;
  const bool same_day = a.size() > 11 && b.size() > 11 && a.compare(0, 10, b, 0, 10) == 0;
  return a + " → " + (same_day ? b.substr(11) : b);
}

// The end of a stretch, and how long after `at` that is.
std::string Until(Lang l, const json& until, const json& at, const std::string& tz) {
  if (until.is_null()) return Tr(l, "(không có thay đổi)", "(no change due)");
  auto end = ParseTimestamp(until.get<std::string>());
  auto from = at.is_string() ? ParseTimestamp(at.get<std::string>()) : std::nullopt;
  const TimeMs left = end && from ? *end - *from : 0;
  return LocalTimeText(until, tz) +
         (left > 0 ? std::string(Tr(l, " (còn ", " (in ")) + FormatAge(left) + ")" : "");
}

void PrintHoliday(Lang l, const json& h, const std::string& tz) {
  if (!h.is_object()) return;
  std::cout << Tr(l, "Kỳ nghỉ lễ: ", "Holiday period: ") << Str(h, "name") << "  ("
            << Span(At(h, "start"), At(h, "end"), tz) << ")";
  if (h.value("heightened", false)) {
    std::cout << Tr(l, " — TRỰC TĂNG CƯỜNG: tuyến có chính sách nghiêm ngặt sẽ dùng nó",
                    " — HEIGHTENED: routes use their strict policy");
  }
  std::cout << "\n";
}

Rows OnDutyRows(Lang l, const json& body, const std::string& tz) {
  Rows rows;
  for (const auto& s : At(body, "schedules")) {
    const std::string name = Str(s, "name").empty() ? Str(s, "id") : Str(s, "name");
    const size_t first = rows.size();
    bool officer = false;
    for (const auto& d : At(s, "on_duty")) {
      officer = officer || Str(d, "role") == "duty_officer";
      rows.push_back({name, RoleLabel(l, Str(d, "role")),
                      Named(Str(At(d, "person"), "name"), Str(At(d, "person"), "id")),
                      SourceLabel(l, Str(d, "source_kind"), Str(d, "source")),
                      Until(l, At(d, "until"), At(body, "at"), tz)});
    }
    if (!officer) {  // a gap: said first, where the duty officer would be
      rows.insert(
          rows.begin() + static_cast<std::ptrdiff_t>(first),
          {name, RoleLabel(l, "duty_officer"), Tr(l, "!! KHÔNG CÓ AI TRỰC", "!! NOBODY ON DUTY"),
           Tr(l, "xem: vigilctl oncall gaps", "see: vigilctl oncall gaps"), ""});
    }
  }
  return rows;
}

}  // namespace

std::string LocalTimeText(const json& iso, const std::string& tz) {
  if (!iso.is_string()) return "";
  auto t = ParseTimestamp(iso.get<std::string>());
  return t ? FormatLocalTime(*t, tz) : iso.get<std::string>();
}

std::string RoleLabel(Lang l, const std::string& role) {
  if (role == "duty_officer") return Tr(l, "cán bộ trực", "duty officer");
  if (role == "duty_leader") return Tr(l, "lãnh đạo trực", "duty leader");
  if (role == "backup") return Tr(l, "dự phòng", "backup");
  return role;
}

std::string SourceLabel(Lang l, const std::string& kind, const std::string& source) {
  if (kind == "roster") return Tr(l, "lịch trực lễ: ", "holiday roster: ") + source;
  if (kind == "override") {
    if (source == "swap") return Tr(l, "đổi ca", "swap");
    return source.empty() ? Tr(l, "điều chỉnh lịch", "override")
                          : Tr(l, "điều chỉnh: ", "override: ") + source;
  }
  if (kind == "layer") return Tr(l, "lớp: ", "layer: ") + source;
  return source;
}

int OnCall(const Options& o, const OnCallArgs& a) {
  Client c(o);
  httplib::Params p;
  if (!a.at.empty()) p.emplace("at", a.at);
  if (!a.schedule.empty()) p.emplace("schedule", a.schedule);
  auto r = c.Get(httplib::append_query_params("/api/v1/oncall", p));
  if (!r.ok() || o.json) return Done(o, c, r);
  const Lang l = o.lang;
  const std::string tz = Zone(r.body);
  std::cout << Tr(l, "Lịch trực lúc ", "On duty at ") << LocalTimeText(r.body["at"], tz) << " ("
            << tz << ")\n";
  PrintHoliday(l, r.body["holiday"], tz);
  if (r.body["schedules"].empty()) {
    std::cout << Tr(l, "Chưa có lịch trực nào trong cấu hình (schedules).",
                    "No schedules are configured.")
              << "\n";
    return 0;
  }
  std::cout << "\n"
            << RenderTable(
                   {Tr(l, "LỊCH TRỰC", "SCHEDULE"), Tr(l, "VAI TRÒ", "ROLE"),
                    Tr(l, "NGƯỜI TRỰC", "PERSON"), Tr(l, "LÝ DO", "WHY"), Tr(l, "ĐẾN", "UNTIL")},
                   OnDutyRows(l, r.body, tz));
  return 0;
}

int OnCallGaps(const Options& o, const GapsArgs& a) {
  Client c(o);
  httplib::Params p{{"days", std::to_string(a.days)}, {"role", a.role}};
  if (!a.from.empty()) p.emplace("from", a.from);
  if (!a.schedule.empty()) p.emplace("schedule", a.schedule);
  auto r = c.Get(httplib::append_query_params("/api/v1/oncall/gaps", p));
  if (!r.ok() || o.json) return Done(o, c, r);
  const Lang l = o.lang;
  const std::string tz = Zone(r.body);
  const std::string range = Span(r.body["from"], r.body["to"], tz);
  const std::string role = RoleLabel(l, Str(r.body, "role"));
  if (r.body["gaps"].empty()) {
    std::cout << Tr(l, "Không có khoảng trống: luôn có ", "No gaps: there is always a ") << role
              << Tr(l, " trong khoảng ", " on duty in ") << range << ".\n";
    return 0;
  }
  Rows rows;
  for (const auto& g : r.body["gaps"]) {
    const std::string name =
        Str(g, "schedule_name").empty() ? Str(g, "schedule") : Str(g, "schedule_name");
    rows.push_back({name, LocalTimeText(At(g, "start"), tz), LocalTimeText(At(g, "end"), tz),
                    FormatAge(g.value("minutes", 0LL) * 60'000)});
  }
  std::cout << Tr(l, "Khoảng trống không có ", "Gaps with no ") << role << " (" << range
            << "): " << rows.size() << "\n\n"
            << RenderTable({Tr(l, "LỊCH TRỰC", "SCHEDULE"), Tr(l, "TỪ", "FROM"), Tr(l, "ĐẾN", "TO"),
                            Tr(l, "THỜI LƯỢNG", "LENGTH")},
                           rows)
            << "\n"
            << Tr(l, "Bổ sung người trực (overrides hoặc holiday_rosters) rồi nạp lại cấu hình.",
                  "Fill them (overrides or holiday_rosters) and reload the config.")
            << "\n";
  return 0;
}

int OnCallFeed(const Options& o, const std::string& person) {
  Client c(o);
  auto r = c.Get("/api/v1/people/" + httplib::detail::encode_query_param(person) + "/feed");
  if (!r.ok() || o.json) return Done(o, c, r);
  std::cout << Tr(o.lang,
                  "Thêm đường dẫn này vào ứng dụng Lịch (Google Calendar: Thêm lịch → Từ URL) "
                  "để thấy các ca trực của ",
                  "Subscribe to this URL in a calendar app (Google Calendar: Add calendar → "
                  "From URL) to see the duty shifts of ")
            << person
            << Tr(o.lang, "; ai có đường dẫn đều xem được, hãy giữ kín:",
                  "; anyone with the link can read it, keep it private:")
            << "\n"
            << Str(r.body, "url") << "\n";
  return 0;
}

int CheckIn(const Options& o, const std::string& person, const std::string& via) {
  Client c(o);
  auto r = c.Post("/api/v1/checkins", {{"person", person}, {"via", via}});
  const Lang l = o.lang;
  const std::string code = r.body.contains("error") ? Str(r.body["error"], "code") : "";
  if (r.status == 404 && code == "no_shift") {
    std::cerr << Tr(l, "Không có ca trực lễ nào của ", "There is no holiday shift for ") << person
              << Tr(l,
                    " đang diễn ra hoặc bắt đầu trong 30 phút tới (hoặc ca đã được xác nhận) "
                    "— không cần xác nhận lúc này.",
                    " running now or starting within 30 minutes (or it is already confirmed) "
                    "— nothing to check in to.")
              << "\n";
    return 1;
  }
  if (r.status == 400 && Str(r.body["error"], "field") == "person") {
    std::cerr << Tr(l, "Không có người nào có mã \"", "No person with id \"") << person
              << Tr(l, "\" trong cấu hình trực (xem: vigilctl people).",
                    "\" in the on-call config (see: vigilctl people).")
              << "\n";
    return 1;
  }
  if (!r.ok() || o.json) return Done(o, c, r);
  for (const auto& row : r.body["checked_in"]) {
    std::cout << Tr(l, "Đã xác nhận có mặt: ", "Checked in: ") << Str(row, "person") << " — "
              << Str(row, "schedule") << ", " << Tr(l, "ca ", "shift ")
              << Span(At(row, "shift_start"), At(row, "shift_end"), Zone(r.body)) << "\n";
  }
  return 0;
}

int ListCheckins(const Options& o, const CheckinsArgs& a) {
  Client c(o);
  httplib::Params p;
  if (!a.from.empty()) p.emplace("from", a.from);
  if (!a.to.empty()) p.emplace("to", a.to);
  auto r = c.Get(httplib::append_query_params("/api/v1/checkins", p));
  if (!r.ok() || o.json) return Done(o, c, r);
  const Lang l = o.lang;
  const std::string tz = Zone(r.body);
  Rows rows;
  for (const auto& ci : r.body["checkins"]) {
    const std::string state = Str(ci, "state");
    std::string label = state, when;
    if (state == "checked_in") {
      label = At(ci, "missed_at").is_null() ? Tr(l, "đã có mặt", "checked in")
                                            : Tr(l, "đã có mặt (trễ hạn)", "checked in (late)");
      when = LocalTimeText(At(ci, "checked_in_at"), tz) + " (" + Str(ci, "checked_in_via") + ")";
    } else if (state == "missed") {
      label = Tr(l, "QUÁ HẠN, chưa xác nhận", "MISSED");
      when = LocalTimeText(At(ci, "missed_at"), tz);
    } else {
      label = Tr(l, "chờ xác nhận", "pending");
    }
    rows.push_back({Str(ci, "schedule"), Named(Str(ci, "person_name"), Str(ci, "person")),
                    Span(At(ci, "shift_start"), At(ci, "shift_end"), tz), label, when});
  }
  if (rows.empty()) {
    std::cout << Tr(l, "Không có ca trực lễ nào từ ", "No holiday shifts from ")
              << Span(r.body["from"], r.body["to"], tz) << ".\n";
    return 0;
  }
  std::cout << RenderTable(
      {Tr(l, "LỊCH TRỰC", "SCHEDULE"), Tr(l, "CÁN BỘ TRỰC", "DUTY OFFICER"),
       Tr(l, "CA TRỰC", "SHIFT"), Tr(l, "TRẠNG THÁI", "STATE"), Tr(l, "LÚC", "AT")},
      rows);
  return 0;
}

int ListPeople(const Options& o) {
  Client c(o);
  auto r = c.Get("/api/v1/people");
  if (!r.ok() || o.json) return Done(o, c, r);
  const Lang l = o.lang;
  Rows rows;
  for (const auto& p : r.body["people"]) {
    std::string contacts, notify, roles;
    for (const auto& ct : At(p, "contacts")) {
      if (Str(ct, "kind") == "console") continue;
      contacts += (contacts.empty() ? "" : ", ") + Str(ct, "kind") + " " + Str(ct, "address");
    }
    for (const auto& n : At(p, "notify")) {
      const double after = n.value("after_minutes", 0.0);
      notify += (notify.empty() ? "" : ", ") + Str(n, "via") + " " +
                (after <= 0 ? std::string(Tr(l, "ngay", "at once"))
                            : FormatAge(static_cast<TimeMs>(after * 60'000)));
    }
    for (const auto& role : At(p, "roles")) {
      roles += (roles.empty() ? "" : ", ") + RoleLabel(l, role.get<std::string>());
    }
    rows.push_back({Str(p, "id"), Str(p, "name"), Str(p, "unit"), roles, contacts, notify});
  }
  if (rows.empty()) {
    std::cout << Tr(l, "Chưa có ai trong cấu hình trực (people).", "No people configured.") << "\n";
    return 0;
  }
  std::cout << RenderTable(
      {Tr(l, "MÃ", "ID"), Tr(l, "HỌ TÊN", "NAME"), Tr(l, "ĐƠN VỊ", "UNIT"),
       Tr(l, "VAI TRÒ", "ROLES"), Tr(l, "LIÊN HỆ", "CONTACTS"), Tr(l, "BÁO QUA", "NOTIFY")},
      rows);
  return 0;
}

}  // namespace vigil::ctl
