#include "daemon/vigilctl/incident.h"

#include <httplib.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "daemon/common/time_util.h"
#include "daemon/incidents/labels.h"
#include "daemon/oncall/oncall.h"
#include "daemon/vigilctl/commands.h"
#include "daemon/vigilctl/table.h"

namespace vigil::ctl {
namespace {

using nlohmann::json;
using Rows = std::vector<std::vector<std::string>>;

std::string Str(const json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string Local(const json& iso) { return LocalTimeText(iso, kDefaultTimeZone); }

int Done(const Options& o, const Client& c, const Reply& r) {
  if (!r.ok()) return ReportFailure(r, o, c.server());
  if (o.json) std::cout << r.body.dump(2) << "\n";
  return 0;
}

// The values the command line collects before it runs.
struct Args {
  std::int64_t id = 0, alert = 0, duplicate_of = 0, into = 0;
  std::string title, category, severity, unit, assignee,
      source = "cli", description, reporter, detected_at, playbook, state, note, text, step, kind,
      format = "md", out, contact_point, message, ticket, answer, by;
  std::vector<std::string> systems, inputs;
  std::vector<std::int64_t> alerts;
  bool skip = false;
  std::string from, to, schedule, at, period, list_state = "open";
  int limit = 50;
};

json With(json body, const Args& a) {
  if (!a.by.empty()) body["by"] = a.by;
  return body;
}

int PrintIncident(const Options& o, const json& body) {
  const Lang l = o.lang;
  const json& in = body["incident"];
  std::cout << "#" << Str(in, "id") << "  " << Str(in, "severity") << "  "
            << StateLabel(l, Str(in, "state")) << "  "
            << CategoryLabel(l, Str(in, "category"), LabelStyle::kShort) << "\n"
            << "  " << Str(in, "title") << "\n"
            << "  " << Tr(l, "Đơn vị", "Unit") << ": " << Str(in, "unit") << "   "
            << Tr(l, "Người xử lý", "Assignee") << ": " << Str(in, "assignee") << "   "
            << Tr(l, "Nguồn", "Source") << ": " << Str(in, "source") << "\n"
            << "  " << Tr(l, "Phát hiện", "Detected") << ": " << Local(in["detected_at"]) << "   "
            << Tr(l, "Tiếp nhận", "Opened") << ": " << Local(in["created_at"]) << "\n";
  if (!in["systems"].empty()) {
    std::cout << "  " << Tr(l, "Hệ thống", "Systems") << ":";
    for (const auto& s : in["systems"]) {
      std::cout << " " << Str(s, "name") << Tr(l, " (cấp độ ", " (level ") << Str(s, "level")
                << ")";
    }
    std::cout << "\n";
  }
  if (!in["alert_ids"].empty())
    std::cout << "  " << Tr(l, "Cảnh báo", "Alerts") << ": " << in["alert_ids"].dump() << "\n";
  if (!in["playbook"].is_null()) {
    std::cout << "  " << Tr(l, "Kịch bản", "Playbook") << ": " << Str(in["playbook"], "id") << " v"
              << Str(in["playbook"], "version") << "\n";
  }
  if (body.contains("steps") && !body["steps"].empty()) {
    Rows rows;
    for (const auto& s : body["steps"]) {
      const std::string title = Str(s, l == Lang::kEn ? "title_en" : "title_vi");
      rows.push_back({Str(s, "id"), title, StateLabel(l, Str(s, "state")), Local(s["due_at"]),
                      Str(s, "escalation_level") == "0" ? "" : Str(s, "escalation_level")});
    }
    std::cout << "\n"
              << Tr(l, "Các bước:", "Steps:") << "\n"
              << RenderTable({Tr(l, "BƯỚC", "STEP"), Tr(l, "NỘI DUNG", "TITLE"),
                              Tr(l, "TÌNH TRẠNG", "STATUS"), Tr(l, "HẠN", "DUE"),
                              Tr(l, "LEO THANG", "ESCALATED")},
                             rows);
  }
  if (body.contains("timeline")) {
    Rows rows;
    for (const auto& e : body["timeline"]) {
      std::string what = Str(e, "text");
      if (what.empty() || what == Str(e, "kind"))
        what = e["detail"].is_object() ? e["detail"].dump() : "";
      rows.push_back({Local(e["at"]), Str(e, "kind"), Str(e, "actor"), what});
    }
    std::cout << "\n"
              << Tr(l, "Diễn biến:", "Timeline:") << "\n"
              << RenderTable({Tr(l, "LÚC", "AT"), Tr(l, "SỰ KIỆN", "EVENT"), Tr(l, "BỞI", "BY"),
                              Tr(l, "CHI TIẾT", "DETAIL")},
                             rows, 70);
  }
  return 0;
}

// POSTs and prints the incident the answer carries.
int Act(const Options& o, const std::string& path, const json& body, bool opens = false) {
  Client c(o);
  auto r = opens ? c.PostOnce(path, body) : c.Post(path, body);
  if (!r.ok() || o.json) return Done(o, c, r);
  const json& in = r.body["incident"];
  std::cout << "#" << Str(in, "id") << " — " << StateLabel(o.lang, Str(in, "state")) << " — "
            << Str(in, "title") << "\n";
  return 0;
}

int Open(const Options& o, const Args& a) {
  json body = {{"title", a.title},
               {"category", a.category},
               {"severity", a.severity},
               {"unit", a.unit},
               {"source", a.source}};
  for (auto [k, v] : {std::pair{"assignee", &a.assignee}, std::pair{"description", &a.description},
                      std::pair{"reporter", &a.reporter}, std::pair{"detected_at", &a.detected_at},
                      std::pair{"playbook", &a.playbook}}) {
    if (!v->empty()) body[k] = *v;
  }
  json systems = json::array();
  for (const auto& s : a.systems) {  // "Cổng thông tin:3"
    const auto colon = s.rfind(':');
    int level = 0;
    if (colon != std::string::npos) level = std::atoi(s.c_str() + colon + 1);
    systems.push_back(
        {{"name", colon == std::string::npos ? s : s.substr(0, colon)}, {"level", level}});
  }
  if (!systems.empty()) body["systems"] = systems;
  if (!a.alerts.empty()) body["alert_ids"] = a.alerts;
  Client c(o);
  auto r = c.PostOnce("/api/v1/incidents", With(body, a));
  if (!r.ok() || o.json) return Done(o, c, r);
  std::cout << Tr(o.lang, "Đã mở sự cố ", "Opened incident ");
  return PrintIncident(o, r.body);
}

int List(const Options& o, const Args& a) {
  Client c(o);
  httplib::Params p;
  if (a.list_state != "all") p.emplace("state", a.list_state);
  if (!a.unit.empty()) p.emplace("unit", a.unit);
  if (!a.category.empty()) p.emplace("category", a.category);
  p.emplace("limit", std::to_string(a.limit));
  auto r = c.Get(httplib::append_query_params("/api/v1/incidents", p));
  if (!r.ok() || o.json) return Done(o, c, r);
  const Lang l = o.lang;
  Rows rows;
  for (const auto& in : r.body["incidents"]) {
    rows.push_back({Str(in, "id"), Str(in, "severity"), StateLabel(l, Str(in, "state")),
                    CategoryLabel(l, Str(in, "category"), LabelStyle::kShort), Str(in, "title"),
                    Str(in, "unit"), Str(in, "assignee"),
                    Str(in, "steps_pending") + "/" + Str(in, "steps_overdue"),
                    Local(in["created_at"])});
  }
  if (rows.empty()) {
    std::cout << Tr(l, "Không có sự cố nào.", "No incidents.") << "\n";
    return 0;
  }
  std::cout << RenderTable(
      {"ID", Tr(l, "MỨC", "SEV"), Tr(l, "TÌNH TRẠNG", "STATUS"), Tr(l, "LOẠI", "CATEGORY"),
       Tr(l, "TÊN", "TITLE"), Tr(l, "ĐƠN VỊ", "UNIT"), Tr(l, "NGƯỜI XỬ LÝ", "ASSIGNEE"),
       Tr(l, "CHỜ/QUÁ HẠN", "OPEN/LATE"), Tr(l, "MỞ LÚC", "OPENED")},
      rows);
  return 0;
}

int Show(const Options& o, std::int64_t id) {
  Client c(o);
  auto r = c.Get("/api/v1/incidents/" + std::to_string(id) +
                 "?lang=" + (o.lang == Lang::kEn ? "en" : "vi"));
  if (!r.ok() || o.json) return Done(o, c, r);
  return PrintIncident(o, r.body);
}

// "field=value" inputs, typed by the step's form (numbers, booleans) when it is known.
Result<json> Inputs(const Options& o, const Args& a) {
  json form = json::array();
  Client c(o);
  auto r = c.Get("/api/v1/incidents/" + std::to_string(a.id));
  if (r.ok()) {
    for (const auto& s : r.body["steps"]) {
      if (Str(s, "id") == a.step) form = s.value("form", json::array());
    }
  }
  json input = json::object();
  for (const auto& kv : a.inputs) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) return Fail("invalid_field", "--input takes field=value", "input");
    const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    std::string type = "text";
    for (const auto& f : form) {
      if (Str(f, "name") == key) type = Str(f, "type");
    }
    if (type == "number") {
      auto n = json::parse(value, nullptr, false);
      input[key] = n.is_number() ? n : json(value);
    } else if (type == "bool") {
      input[key] = value == "true" || value == "yes" || value == "có" || value == "1";
    } else {
      input[key] = value;
    }
  }
  return input;
}

int Step(const Options& o, const Args& a) {
  json body = {{"note", a.note}};
  if (!a.skip) {
    auto input = Inputs(o, a);
    if (!input) {
      std::cerr << input.error().message << "\n";
      return 2;
    }
    body["input"] = *input;
  }
  Client c(o);
  auto r = c.Post("/api/v1/incidents/" + std::to_string(a.id) + "/steps/" + a.step + "/" +
                      (a.skip ? "skip" : "complete"),
                  With(body, a));
  if (!r.ok() || o.json) return Done(o, c, r);
  for (const auto& s : r.body["steps"]) {
    if (Str(s, "id") == a.step) {
      std::cout << "#" << a.id << " " << a.step << " → " << StateLabel(o.lang, Str(s, "state"))
                << "\n";
    }
  }
  return 0;
}

int Report(const Options& o, const std::string& path, const Args& a) {
  Client c(o);
  const std::string sep = path.find('?') == std::string::npos ? "?" : "&";
  auto r =
      c.Get(path + sep + "format=" + a.format + "&lang=" + (o.lang == Lang::kEn ? "en" : "vi"));
  if (!r.ok()) return ReportFailure(r, o, c.server());
  const std::string text =
      r.body.contains("raw") ? r.body["raw"].get<std::string>() : r.body.dump(2) + "\n";
  if (a.out.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream f(a.out, std::ios::binary);
  f << text;
  if (!f) {
    std::cerr << Tr(o.lang, "Không ghi được tệp ", "Cannot write ") << a.out << "\n";
    return 1;
  }
  std::cout << Tr(o.lang, "Đã ghi ", "Wrote ") << a.out << "\n";
  return 0;
}

std::string Q(const std::string& s) { return httplib::detail::encode_query_param(s); }

}  // namespace

std::function<std::optional<int>()> AddIncidentCommands(CLI::App& app, const Options& o) {
  auto a = std::make_shared<Args>();
  auto* inc = app.add_subcommand("incident", "incident tickets / sự cố");
  inc->require_subcommand(1);
  auto* open = inc->add_subcommand("open", "open an incident / mở sự cố");
  open->add_option("--title", a->title, "title / tên sự cố")->required();
  open->add_option("--category", a->category,
                   "malware, ransomware, defacement, ddos, phishing, account_compromise, "
                   "data_leak, vuln_exploitation, other")
      ->required();
  open->add_option("--severity", a->severity, "P1-P4")->required();
  open->add_option("--unit", a->unit, "affected unit id / đơn vị")->required();
  open->add_option("--system", a->systems, "affected system NAME:LEVEL (level 1-5), repeatable");
  open->add_option("--assignee", a->assignee, "person id");
  open->add_option("--source", a->source, "cli (default), phone, letter, web, api, alert");
  open->add_option("--description", a->description, "what happened");
  open->add_option("--reporter", a->reporter, "who reported it");
  open->add_option("--detected-at", a->detected_at, "RFC 3339 (default: now)");
  open->add_option("--alert", a->alerts, "promote this alert id (repeatable)");
  open->add_option("--playbook", a->playbook, "playbook id, or auto");
  auto* list = inc->add_subcommand("list", "list incidents / danh sách sự cố");
  list->add_option("--state", a->list_state, "open (default), all, or a state");
  list->add_option("--unit", a->unit, "only this unit");
  list->add_option("--category", a->category, "only this category");
  list->add_option("--limit", a->limit, "1-500")->check(CLI::Range(1, 500));
  auto* show = inc->add_subcommand("show", "one incident with steps and timeline / chi tiết");
  show->add_option("id", a->id, "incident id")->required();
  auto* step = inc->add_subcommand("step", "complete or skip a playbook step / làm một bước");
  step->add_option("id", a->id, "incident id")->required();
  step->add_option("step", a->step, "step id")->required();
  step->add_option("--input,-i", a->inputs, "form field=value (repeatable)");
  step->add_option("--note", a->note, "a note");
  step->add_flag("--skip", a->skip, "skip the step (a mandatory one needs --note)");
  auto* note = inc->add_subcommand("note", "add a note to the timeline / ghi chú");
  note->add_option("id", a->id, "incident id")->required();
  note->add_option("text", a->text, "the note")->required();
  auto* trans = inc->add_subcommand("transition", "move to a state / chuyển trạng thái");
  trans->add_option("id", a->id, "incident id")->required();
  trans
      ->add_option("state", a->state,
                   "acknowledged, triaged, contained, recovered, reported, closed, "
                   "false_positive, duplicate")
      ->required();
  trans->add_option("--note", a->note, "why");
  trans->add_option("--duplicate-of", a->duplicate_of, "for duplicate: the other incident id");
  auto* close = inc->add_subcommand("close", "close a reported incident / đóng sự cố");
  close->add_option("id", a->id, "incident id")->required();
  close->add_option("--note", a->note, "closing note");
  auto* promote = inc->add_subcommand(
      "promote", "open an incident from an alert / chuyển cảnh báo thành sự cố");
  promote->add_option("alert", a->alert, "alert id")->required();
  promote->add_option("--into", a->into, "link to this open incident instead");
  promote->add_option("--category", a->category, "category (default: other)");
  promote->add_option("--severity", a->severity, "P1-P4 (default: from the alert)");
  promote->add_option("--unit", a->unit, "unit id");
  promote->add_option("--playbook", a->playbook, "playbook id, or auto");
  auto* pb = inc->add_subcommand("playbook", "attach a playbook / áp dụng kịch bản");
  pb->add_option("id", a->id, "incident id")->required();
  pb->add_option("playbook", a->playbook, "playbook id (default: auto)");
  auto* contact =
      inc->add_subcommand("contact", "request help from an outside party / đề nghị đối tác hỗ trợ");
  contact->add_option("id", a->id, "incident id")->required();
  contact->add_option("contact_point", a->contact_point,
                      "contact point id (default: the --step's own contact point)");
  contact->add_option("--message", a->message,
                      "the request to send (default: the --step's request)");
  contact->add_option("--ticket", a->ticket, "their ticket number (records their answer)");
  contact->add_option("--answer", a->answer, "their answer");
  contact->add_option("--step", a->step, "the playbook step it belongs to");
  auto* report = inc->add_subcommand("report", "incident report / báo cáo sự cố");
  report->add_option("id", a->id, "incident id")->required();
  report->add_option("kind", a->kind, "initial or final")
      ->required()
      ->check(CLI::IsMember({"initial", "final"}));
  for (auto* sub : {open, step, note, trans, close, promote, pb, contact}) {
    sub->add_option("--by", a->by, "who (default: admin)");
  }
  auto* rep =
      app.add_subcommand("report", "shift handover and holiday reports / báo cáo ca trực, dịp lễ");
  rep->require_subcommand(1);
  auto* shift = rep->add_subcommand("shift", "shift handover / bàn giao ca");
  shift->add_option("--from", a->from, "start (RFC 3339 or local YYYY-MM-DDTHH:MM)");
  shift->add_option("--to", a->to, "end (default: now)");
  shift->add_option("--schedule", a->schedule, "or: the duty officer's shift of this schedule");
  shift->add_option("--at", a->at,
                    "with --schedule: the shift running at this time (default: now)");
  auto* holiday =
      rep->add_subcommand("holiday", "holiday-period summary of a unit / tổng hợp dịp lễ");
  holiday->add_option("--unit", a->unit, "unit id (default: the top unit)");
  holiday->add_option("--period", a->period, "holiday period name (default: the latest)");
  for (auto* sub : {report, shift, holiday}) {
    sub->add_option("--format", a->format, "md (default), html or json")
        ->check(CLI::IsMember({"md", "html", "json"}));
    sub->add_option("--out,-o", a->out, "write to this file");
  }

  return [=, &o]() -> std::optional<int> {
    const std::string base = "/api/v1/incidents/" + std::to_string(a->id);
    if (*open) return Open(o, *a);
    if (*list) return List(o, *a);
    if (*show) return Show(o, a->id);
    if (*step) return Step(o, *a);
    if (*note) return Act(o, base + "/note", With({{"text", a->text}}, *a));
    if (*trans) {
      json body = {{"state", a->state}, {"note", a->note}};
      if (a->duplicate_of > 0) body["duplicate_of"] = a->duplicate_of;
      return Act(o, base + "/transition", With(body, *a));
    }
    if (*close)
      return Act(o, base + "/transition", With({{"state", "closed"}, {"note", a->note}}, *a));
    if (*promote) {
      json body = json::object();
      if (a->into > 0) body["incident_id"] = a->into;
      for (auto [k, v] : {std::pair{"category", &a->category}, std::pair{"severity", &a->severity},
                          std::pair{"unit", &a->unit}, std::pair{"playbook", &a->playbook}}) {
        if (!v->empty()) body[k] = *v;
      }
      return Act(o, "/api/v1/alerts/" + std::to_string(a->alert) + "/promote", With(body, *a),
                 true);
    }
    if (*pb)
      return Act(o, base + "/playbook",
                 With({{"playbook", a->playbook.empty() ? "auto" : a->playbook}}, *a));
    if (*contact) {
      json body = json::object();
      for (auto [k, v] : {std::pair{"contact_point", &a->contact_point},
                          std::pair{"message", &a->message}, std::pair{"ticket", &a->ticket},
                          std::pair{"answer", &a->answer}, std::pair{"step", &a->step}}) {
        if (!v->empty()) body[k] = *v;
      }
      return Act(o, base + "/contact", With(body, *a));
    }
    if (*report) return Report(o, base + "/report/" + a->kind, *a);
    if (*shift) {
      std::string path = "/api/v1/reports/shift?";
      if (!a->schedule.empty()) {
        path += "schedule=" + Q(a->schedule) + (a->at.empty() ? "" : "&at=" + Q(a->at));
      } else {
        path += "from=" + Q(a->from) + (a->to.empty() ? "" : "&to=" + Q(a->to));
      }
      return Report(o, path, *a);
    }
    if (*holiday) {
      std::string path = "/api/v1/reports/holiday?x=1";
      if (!a->unit.empty()) path += "&unit=" + Q(a->unit);
      if (!a->period.empty()) path += "&period=" + Q(a->period);
      return Report(o, path, *a);
    }
    return std::nullopt;
  };
}

}  // namespace vigil::ctl
