// vigilctl watch: subscribes to the console bus and shows pages and alert changes as they
// arrive; "a ID" + Enter acknowledges, "r ID" resolves, "q" quits.
#include <poll.h>
#include <unistd.h>

#include <iostream>
#include <set>
#include <sstream>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "daemon/common/time_util.h"
#include "daemon/vigilctl/commands.h"

namespace vigil::ctl {
namespace {

std::string Field(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void PrintLine(const Options& o, const std::string& topic, const nlohmann::json& msg) {
  if (o.json) {
    std::cout << nlohmann::json{{"topic", topic}, {"message", msg}}.dump() << std::endl;
    return;
  }
  const Lang l = o.lang;
  const auto& a = msg.contains("alert") ? msg["alert"] : msg;
  std::string age;
  if (auto t = ParseTimestamp(Field(a, "at"))) age = FormatAge(SystemClock().Now() - *t);
  std::string tag;
  if (topic.rfind("page.", 0) == 0) {
    tag = Tr(l, "[BÁO ĐỘNG]", "[PAGE]");
  } else {
    tag = "[" + Label(l, Field(a, "status")) + "]";
  }
  std::cout << tag << " #" << Field(a, "id") << "  " << Label(l, Field(a, "severity")) << "  "
            << Field(a, "summary") << "  (" << Field(a, "source") << ")  " << age;
  if (msg.contains("by")) std::cout << "  " << Tr(l, "bởi ", "by ") << Field(msg, "by");
  if (topic.rfind("page.", 0) == 0) {
    std::cout << "\n    " << Tr(l, "Gõ 'a ", "Type 'a ") << Field(a, "id")
              << Tr(l, "' + Enter để xác nhận đã nhận.", "' + Enter to acknowledge.");
  }
  std::cout << std::endl;
}

// Handles one line typed by the duty officer.
bool HandleInput(const Options& o, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  std::int64_t id = 0;
  in >> verb >> id;
  if (verb == "q" || verb == "quit") return false;
  if ((verb == "a" || verb == "ack") && id > 0) {
    ActOnAlert(o, id, "ack", "", "");
  } else if ((verb == "r" || verb == "resolve") && id > 0) {
    ActOnAlert(o, id, "resolve", "", "");
  } else if (!verb.empty()) {
    std::cout << Tr(o.lang, "Lệnh: a ID (xác nhận), r ID (đã xử lý), q (thoát)",
                    "Commands: a ID (acknowledge), r ID (resolve), q (quit)")
              << std::endl;
  }
  return true;
}

void ShowBacklog(const Options& o, const Client& c) {
  auto r = c.Get("/api/v1/alerts?status=triggered&limit=20");
  if (!r.ok() || r.body["alerts"].empty()) return;
  std::cout << Tr(o.lang, "Cảnh báo chưa ai nhận:", "Alerts nobody has acknowledged:")
            << std::endl;
  for (const auto& a : r.body["alerts"]) {
    std::cout << "  #" << Field(a, "id") << "  " << Label(o.lang, Field(a, "severity")) << "  "
              << Field(a, "summary") << "  (" << Field(a, "source") << ")" << std::endl;
  }
}

}  // namespace

int Watch(const Options& o, const WatchArgs& args) {
  Client c(o);
  auto st = c.Get("/api/v1/status");
  if (!st.ok()) return ReportFailure(st, o, c.server());
  const std::string endpoint = Field(st.body, "console_endpoint");
  zmq::context_t ctx(1);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.connect(endpoint);
  sub.set(zmq::sockopt::subscribe, "page.");
  sub.set(zmq::sockopt::subscribe, "alert.");
  if (!o.json) {
    std::cerr << Tr(o.lang, "Đang theo dõi ", "Watching ") << endpoint
              << Tr(o.lang, " (Ctrl-C để dừng)", " (Ctrl-C to stop)") << std::endl;
    if (args.backlog) ShowBacklog(o, c);
  }
  std::set<std::string> seen;  // idempotency keys: a re-sent page is shown once
  int shown = 0;
  const bool interactive = isatty(0);
  zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, 0, ZMQ_POLLIN, 0}};
  for (;;) {
    zmq::poll(items, interactive ? 2 : 1, std::chrono::milliseconds(-1));
    if (interactive && (items[1].revents & ZMQ_POLLIN)) {
      std::string line;
      if (!std::getline(std::cin, line) || !HandleInput(o, line)) return 0;
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(sub, std::back_inserter(parts)) || parts.size() != 2) continue;
    const std::string topic = parts[0].to_string();
    auto msg = nlohmann::json::parse(parts[1].to_string_view(), nullptr, false);
    if (msg.is_discarded()) continue;
    if (topic == "alert.triggered") continue;  // the page for it carries the same alert
    if (topic == "alert.repeated" && !args.repeats) continue;
    const std::string key = Field(msg, "idempotency_key");
    if (!key.empty() && !seen.insert(key).second) continue;
    PrintLine(o, topic, msg);
    if (args.count > 0 && ++shown >= args.count) return 0;
  }
}

}  // namespace vigil::ctl
