// vigilctl watch: subscribes to the console bus and shows pages and alert changes as they
// arrive; "a ID" + Enter acknowledges, "r ID" resolves, "c" checks in (with --as), "q" quits.
//
// Topics: by default "page.all" and "alert."; with --as P also "page.P" and "checkin."; with
// --all every "page." and "checkin.". ZeroMQ subscriptions are prefixes ("page.an" would also
// take "page.anh"), so every page topic is checked exactly on arrival.
#include <poll.h>
#include <unistd.h>

#include <iostream>
#include <set>
#include <sstream>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "daemon/common/time_util.h"
#include "daemon/oncall/oncall.h"
#include "daemon/vigilctl/commands.h"

namespace vigil::ctl {
namespace {

using nlohmann::json;

std::string Field(const json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// What the watcher knows while printing: the language, whose console it is, the zone.
struct View {
  const Options& o;
  const WatchArgs& args;
  std::string tz = kDefaultTimeZone;
  bool interactive = false;
};

// The engine's reason for paging someone, "duty_officer@truc via roster Lịch trực lễ" or
// "person:an", in words.
std::string WhyText(Lang l, const std::string& why) {
  if (why.rfind("person:", 0) == 0) {
    return why.substr(7) + Tr(l, " (chỉ định đích danh)", " (named in the policy)");
  }
  if (why.rfind("contact_point:", 0) == 0) {
    return Tr(l, "đối tác ngoài ", "outside contact ") + why.substr(14);
  }
  const auto at = why.find('@'), via = why.find(" via ");
  if (at == std::string::npos || via == std::string::npos || via < at) return why;
  const std::string rest = why.substr(via + 5);
  const auto space = rest.find(' ');
  const std::string kind = rest.substr(0, space);
  const std::string source = space == std::string::npos ? "" : rest.substr(space + 1);
  return RoleLabel(l, why.substr(0, at)) + " " + why.substr(at + 1, via - at - 1) + " (" +
         SourceLabel(l, kind, source) + ")";
}

std::string ShiftText(const View& v, const json& shift) {
  return Field(shift, "schedule") + " " + LocalTimeText(shift.value("shift_start", json()), v.tz) +
         " → " + LocalTimeText(shift.value("shift_end", json()), v.tz);
}

void PrintAlert(const View& v, const std::string& tag, const json& msg) {
  const Lang l = v.o.lang;
  const auto& a = msg.contains("alert") ? msg["alert"] : msg;
  std::string age;
  if (auto t = ParseTimestamp(Field(a, "at"))) age = FormatAge(SystemClock().Now() - *t);
  std::cout << tag << " #" << Field(a, "id") << "  " << Label(l, Field(a, "severity")) << "  "
            << Field(a, "summary") << "  (" << Field(a, "source") << ")  " << age;
  if (msg.contains("by")) std::cout << "  " << Tr(l, "bởi ", "by ") << Field(msg, "by");
}

void PrintPage(const View& v, const std::string& topic, const json& msg) {
  const Lang l = v.o.lang;
  std::string tag = Tr(l, "[BÁO ĐỘNG]", "[PAGE]");
  if (v.args.all && topic != "page.all") {
    tag = Tr(l, "[BÁO ĐỘNG → ", "[PAGE → ") + topic.substr(5) + "]";
  }
  PrintAlert(v, tag, msg);
  if (msg.contains("level")) {
    std::cout << "\n    " << Tr(l, "Bậc ", "Level ") << Field(msg, "level");
    if (msg.contains("why")) {
      std::cout << Tr(l, " — lý do: ", " — why: ") << WhyText(l, Field(msg, "why"));
    }
  }
  std::cout << "\n    " << Tr(l, "Gõ 'a ", "Type 'a ")
            << Field(msg.value("alert", json::object()), "id")
            << Tr(l, "' + Enter để xác nhận đã nhận.", "' + Enter to acknowledge.");
}

void PrintContactPoint(const View& v, const json& msg) {
  const Lang l = v.o.lang;
  const json cp = msg.value("contact_point", json::object());
  std::string how;
  for (const char* k : {"phone", "email"}) {
    if (Field(cp, k).empty()) continue;
    how += how.empty() ? (std::string(k) == "phone" ? Tr(l, "gọi ", "call ") : "") : " / ";
    how += Field(cp, k);
  }
  std::cout << Tr(l, "[ĐỐI TÁC NGOÀI] ", "[OUTSIDE CONTACT] ") << Field(cp, "name") << " — " << how;
  if (!Field(cp, "notes").empty()) std::cout << "\n    " << Field(cp, "notes");
  const auto& a = msg.value("alert", json::object());
  std::cout << "\n    " << Tr(l, "Bậc ", "Level ") << Field(msg, "level")
            << Tr(l, ", cảnh báo #", ", alert #") << Field(a, "id") << ": " << Field(a, "summary")
            << " (" << Field(a, "source") << ")";
}

void PrintCheckin(const View& v, const std::string& type, const json& msg) {
  const Lang l = v.o.lang;
  const json shift = msg.value("shift", json::object());
  const std::string person = Field(shift, "person");
  if (type == "checkin_reminder") {
    std::cout << Tr(l, "[NHẮC XÁC NHẬN TRỰC] ", "[CHECK-IN REMINDER] ") << person << ": "
              << Tr(l, "ca trực lễ ", "holiday shift ") << ShiftText(v, shift) << "\n    "
              << Tr(l, "Hãy xác nhận có mặt: vigilctl checkin ",
                    "Confirm you are on duty: vigilctl checkin ")
              << person;
    if (v.interactive && person == v.args.as) {
      std::cout << Tr(l, "  (hoặc gõ 'c' + Enter)", "  (or type 'c' + Enter)");
    }
  } else if (type == "checkin_missed") {
    std::cout << Tr(l, "[CHƯA XÁC NHẬN TRỰC] ", "[CHECK-IN MISSED] ") << person
              << Tr(l, " chưa xác nhận có mặt cho ca ", " did not check in for the shift ")
              << ShiftText(v, shift) << "\n    ";
    if (person == v.args.as) {
      std::cout << Tr(l,
                      "Dự phòng và lãnh đạo trực đã được báo. Nếu bạn đang trực, chạy ngay: "
                      "vigilctl checkin ",
                      "The backup and the duty leader have been paged. If you are on duty, run: "
                      "vigilctl checkin ")
                << person;
    } else {
      std::cout << Tr(l, "Dự phòng và lãnh đạo trực: hãy liên hệ ngay hoặc trực thay.",
                      "Backup and duty leader: contact them now or stand in.");
    }
  } else {  // checkin.confirmed
    std::cout << Tr(l, "[ĐÃ CÓ MẶT] ", "[CHECKED IN] ") << Field(msg, "person")
              << Tr(l, " đã xác nhận có mặt (qua ", " checked in (via ") << Field(msg, "via")
              << ") " << LocalTimeText(msg.value("at", json()), v.tz);
  }
}

void PrintEscalated(const View& v, const json& msg) {
  const Lang l = v.o.lang;
  const json e = msg.value("escalation", json::object());
  std::string who;
  for (const auto& r : e.value("recipients", json::array())) {
    // {"person"|"contact_point"|"webhook": id, "why": reason}; older vigild sent the reason only.
    std::string text = r.is_string() ? WhyText(l, r.get<std::string>())
                                     : WhyText(l, r.value("why", std::string()));
    if (r.is_object() && r.contains("person")) text = Field(r, "person") + " (" + text + ")";
    who += (who.empty() ? "" : "; ") + text;
  }
  PrintAlert(v, Tr(l, "[LEO THANG]", "[ESCALATED]"), msg);
  std::cout << "\n    " << Tr(l, "Bậc ", "Level ") << Field(e, "level");
  if (e.value("pass", 1) > 1) std::cout << Tr(l, " (lượt ", " (pass ") << Field(e, "pass") << ")";
  std::cout << " → " << (who.empty() ? Tr(l, "không có ai trực!", "nobody on duty!") : who);
}

// An incident page: an overdue playbook step, or a request to an outside party.
void PrintIncident(const View& v, const std::string& type, const json& msg) {
  const Lang l = v.o.lang;
  const json in = msg.value("incident", json::object());
  const json step = msg.value("step", json::object());
  const std::string head = "#" + Field(in, "id") + " " + Field(in, "severity") + " " + Field(in, "title");
  if (type == "incident_contact") {
    const json cp = msg.value("contact_point", json::object());
    std::cout << Tr(l, "[ĐỐI TÁC NGOÀI — SỰ CỐ] ", "[OUTSIDE CONTACT — INCIDENT] ") << Field(cp, "name")
              << (Field(cp, "phone").empty() ? "" : " — " + Field(cp, "phone")) << "\n    " << head;
    if (!Field(msg, "message").empty()) std::cout << "\n    " << Field(msg, "message");
  } else {
    std::cout << Tr(l, "[BƯỚC QUÁ HẠN] ", "[STEP OVERDUE] ") << head << "\n    "
              << Field(step, l == Lang::kEn ? "title_en" : "title_vi") << " (" << Field(step, "id")
              << Tr(l, "), hạn ", "), due ") << LocalTimeText(step.value("due_at", json()), v.tz)
              << Tr(l, " — bậc ", " — level ") << Field(msg, "level")
              << "\n    vigilctl incident show " << Field(in, "id");
  }
}

// Prints one message; false when it is not for this watcher (nothing printed).
bool PrintLine(const View& v, const std::string& topic, const json& msg) {
  const std::string type = Field(msg, "type");
  if (topic == "alert.escalated" && (v.args.all || !v.args.as.empty()) &&
      msg.value("escalation", json::object()).value("level", 0) == 1 &&
      msg["escalation"].value("pass", 1) == 1) {
    return false;  // the first level shows as the page itself
  }
  if (v.o.json) {
    std::cout << json{{"topic", topic}, {"message", msg}}.dump() << std::endl;
    return true;
  }
  if (type.rfind("incident_", 0) == 0) {
    PrintIncident(v, type, msg);
  } else if (type == "contact_point") {
    PrintContactPoint(v, msg);
  } else if (type.rfind("checkin", 0) == 0) {
    PrintCheckin(v, type, msg);
  } else if (topic == "alert.escalated") {
    PrintEscalated(v, msg);
  } else if (topic.rfind("page.", 0) == 0) {
    PrintPage(v, topic, msg);
  } else {
    const auto& a = msg.contains("alert") ? msg["alert"] : msg;
    PrintAlert(v, "[" + Label(v.o.lang, Field(a, "status")) + "]", msg);
  }
  std::cout << std::endl;
  return true;
}

// Whether a message on `topic` is one this watcher asked for.
bool Wanted(const WatchArgs& a, const std::string& topic) {
  if (topic.rfind("page.", 0) != 0) return true;  // alert.* and checkin.* by subscription
  return a.all || topic == "page.all" || (!a.as.empty() && topic == "page." + a.as);
}

// Handles one line typed by the duty officer.
bool HandleInput(const Options& o, const WatchArgs& a, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  std::int64_t id = 0;
  in >> verb >> id;
  if (verb == "q" || verb == "quit") return false;
  if ((verb == "a" || verb == "ack") && id > 0) {
    ActOnAlert(o, id, "ack", a.as, "");
  } else if ((verb == "r" || verb == "resolve") && id > 0) {
    ActOnAlert(o, id, "resolve", a.as, "");
  } else if ((verb == "c" || verb == "checkin") && !a.as.empty()) {
    CheckIn(o, a.as, "console");
  } else if (verb == "c" || verb == "checkin") {
    std::cout << Tr(o.lang, "Chạy lại với --as MÃ_NGƯỜI để xác nhận có mặt từ đây.",
                    "Run with --as PERSON_ID to check in from here.")
              << std::endl;
  } else if (!verb.empty()) {
    std::cout << Tr(o.lang, "Lệnh: a ID (xác nhận), r ID (đã xử lý), c (có mặt), q (thoát)",
                    "Commands: a ID (acknowledge), r ID (resolve), c (check in), q (quit)")
              << std::endl;
  }
  return true;
}

void ShowBacklog(const Options& o, const Client& c) {
  auto r = c.Get("/api/v1/alerts?status=triggered&limit=20");
  if (!r.ok() || r.body["alerts"].empty()) return;
  std::cout << Tr(o.lang, "Cảnh báo chưa ai nhận:", "Alerts nobody has acknowledged:") << std::endl;
  for (const auto& a : r.body["alerts"]) {
    std::cout << "  #" << Field(a, "id") << "  " << Label(o.lang, Field(a, "severity")) << "  "
              << Field(a, "summary") << "  (" << Field(a, "source") << ")" << std::endl;
  }
}

// --as must name someone in the on-call config. Returns an exit code, or -1 to go on.
int CheckPerson(const Options& o, const Client& c, const std::string& person) {
  auto r = c.Get("/api/v1/people");
  if (!r.ok()) return ReportFailure(r, o, c.server());
  for (const auto& p : r.body["people"]) {
    if (Field(p, "id") == person) return -1;
  }
  std::cerr << Tr(o.lang, "Không có người nào có mã \"", "No person with id \"") << person
            << Tr(o.lang, "\" trong cấu hình trực (xem: vigilctl people).",
                  "\" in the on-call config (see: vigilctl people).")
            << "\n";
  return 1;
}

std::vector<std::string> Topics(const WatchArgs& a) {
  std::vector<std::string> topics = {a.all ? "page." : "page.all", "alert."};
  if (!a.as.empty()) topics.push_back("page." + a.as);
  if (a.all || !a.as.empty()) topics.push_back("checkin.");
  return topics;
}

void Greet(const Options& o, const WatchArgs& a, const Client& c, const std::string& endpoint) {
  std::cerr << Tr(o.lang, "Đang theo dõi ", "Watching ") << endpoint;
  if (!a.as.empty()) std::cerr << Tr(o.lang, " với tư cách ", " as ") << a.as;
  if (a.all) std::cerr << Tr(o.lang, " (báo động của mọi người)", " (everyone's pages)");
  std::cerr << Tr(o.lang, " (Ctrl-C để dừng)", " (Ctrl-C to stop)") << std::endl;
  if (a.backlog) ShowBacklog(o, c);
}

}  // namespace

int Watch(const Options& o, const WatchArgs& args) {
  Client c(o);
  auto st = c.Get("/api/v1/status");
  if (!st.ok()) return ReportFailure(st, o, c.server());
  if (!args.as.empty()) {
    if (int rc = CheckPerson(o, c, args.as); rc >= 0) return rc;
  }
  View view{o, args};
  view.interactive = isatty(0);
  if (auto oc = c.Get("/api/v1/oncall"); oc.ok() && !Field(oc.body, "time_zone").empty()) {
    view.tz = Field(oc.body, "time_zone");
  }
  const std::string endpoint = Field(st.body, "console_endpoint");
  zmq::context_t ctx(1);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.connect(endpoint);
  for (const auto& t : Topics(args)) sub.set(zmq::sockopt::subscribe, t);
  if (!o.json) Greet(o, args, c, endpoint);
  std::set<std::string> seen;  // idempotency keys and check-in shifts: each shown once
  int shown = 0;
  zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, 0, ZMQ_POLLIN, 0}};
  for (;;) {
    zmq::poll(items, view.interactive ? 2 : 1, std::chrono::milliseconds(-1));
    if (view.interactive && (items[1].revents & ZMQ_POLLIN)) {
      std::string line;
      if (!std::getline(std::cin, line) || !HandleInput(o, args, line)) return 0;
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(sub, std::back_inserter(parts)) || parts.size() != 2) continue;
    const std::string topic = parts[0].to_string();
    auto msg = json::parse(parts[1].to_string_view(), nullptr, false);
    if (msg.is_discarded() || !msg.is_object() || !Wanted(args, topic)) continue;
    if (topic == "alert.triggered") continue;  // the page for it carries the same alert
    if (topic == "alert.repeated" && !args.repeats) continue;
    std::string key = Field(msg, "idempotency_key");
    if (Field(msg, "type") == "checkin_missed") {  // paged to some, broadcast to all
      key = "missed:" + msg.value("shift", json::object()).dump();
    }
    if (!key.empty() && !seen.insert(key).second) continue;
    try {
      if (!PrintLine(view, topic, msg)) continue;
    } catch (const json::exception&) {  // a message of an unexpected shape: skip it
      continue;
    }
    if (args.count > 0 && ++shown >= args.count) return 0;
  }
}

}  // namespace vigil::ctl
