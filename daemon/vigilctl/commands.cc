#include "daemon/vigilctl/commands.h"

#include <httplib.h>

#include <iostream>
#include <map>

#include "daemon/common/time_util.h"
#include "daemon/vigilctl/table.h"

namespace vigil::ctl {
namespace {

std::string Age(const nlohmann::json& iso) {
  if (!iso.is_string()) return "";
  auto t = ParseTimestamp(iso.get<std::string>());
  return t ? FormatAge(SystemClock().Now() - *t) : "";
}

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

int Done(const Options& o, const Client& c, const Reply& r) {
  if (!r.ok()) return ReportFailure(r, o, c.server());
  if (o.json) std::cout << r.body.dump(2) << "\n";
  return 0;
}

}  // namespace

std::string Label(Lang l, const std::string& w) {
  static const std::map<std::string, std::pair<const char*, const char*>> kWords = {
      {"critical", {"NGHIÊM TRỌNG", "CRITICAL"}}, {"error", {"LỖI", "ERROR"}},
      {"warning", {"cảnh báo", "warning"}},       {"info", {"thông tin", "info"}},
      {"triggered", {"mới", "triggered"}},       {"acknowledged", {"đã nhận", "acknowledged"}},
      {"resolved", {"đã xử lý", "resolved"}},
  };
  auto it = kWords.find(w);
  return it == kWords.end() ? w : Tr(l, it->second.first, it->second.second);
}

int ListAlerts(const Options& o, const ListArgs& a) {
  Client c(o);
  httplib::Params p;
  if (!a.status.empty()) p.emplace("status", a.status);
  if (!a.source.empty()) p.emplace("source", a.source);
  if (!a.severity.empty()) p.emplace("severity", a.severity);
  if (!a.since.empty()) p.emplace("since", a.since);
  p.emplace("limit", std::to_string(a.limit));
  if (a.before > 0) p.emplace("before", std::to_string(a.before));
  auto r = c.Get(httplib::append_query_params("/api/v1/alerts", p));
  if (!r.ok() || o.json) return Done(o, c, r);
  const Lang l = o.lang;
  std::vector<std::vector<std::string>> rows;
  for (const auto& al : r.body["alerts"]) {
    rows.push_back({Str(al, "id"), Label(l, Str(al, "severity")), Label(l, Str(al, "status")),
                    Str(al, "summary"), Str(al, "source"), Str(al, "count"),
                    Age(al["created_at"])});
  }
  if (rows.empty()) {
    std::cout << Tr(l, "Không có cảnh báo nào.", "No alerts.") << "\n";
    return 0;
  }
  std::cout << RenderTable({"ID", Tr(l, "MỨC", "SEVERITY"), Tr(l, "TRẠNG THÁI", "STATUS"),
                            Tr(l, "NỘI DUNG", "SUMMARY"), Tr(l, "NGUỒN", "SOURCE"),
                            Tr(l, "LẦN", "COUNT"), Tr(l, "TUỔI", "AGE")},
                           rows);
  if (!r.body["next_before"].is_null()) {
    std::cout << Tr(l, "Còn nữa: thêm ", "More: add ") << "--before " << r.body["next_before"]
              << "\n";
  }
  return 0;
}

int ShowAlert(const Options& o, std::int64_t id, std::int64_t events_before, int events) {
  Client c(o);
  auto r = c.Get("/api/v1/alerts/" + std::to_string(id) + "?events_limit=" +
                 std::to_string(events) +
                 (events_before > 0 ? "&events_before=" + std::to_string(events_before) : ""));
  if (!r.ok() || o.json) return Done(o, c, r);
  const Lang l = o.lang;
  const auto& a = r.body["alert"];
  std::cout << "#" << id << "  " << Label(l, Str(a, "severity")) << "  "
            << Label(l, Str(a, "status")) << "\n"
            << "  " << Str(a, "summary") << "\n"
            << "  " << Tr(l, "Nguồn", "Source") << ": " << Str(a, "source") << "   "
            << Tr(l, "Tích hợp", "Integration") << ": " << Str(a, "integration") << "\n"
            << "  dedup_key: " << Str(a, "dedup_key") << "   " << Tr(l, "Số lần", "Count") << ": "
            << Str(a, "count") << "\n"
            << "  " << Tr(l, "Tạo lúc", "Created") << ": " << Str(a, "created_at") << " ("
            << Age(a["created_at"]) << ")\n\n"
            << Tr(l, "Nhật ký:", "Event log:") << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : r.body["events"]) {
    rows.push_back({Str(e, "at"), Str(e, "kind"), Str(e, "actor")});
  }
  std::cout << RenderTable({Tr(l, "LÚC", "AT"), Tr(l, "SỰ KIỆN", "EVENT"), Tr(l, "BỞI", "BY")},
                           rows);
  if (const auto& next = r.body.value("events_next_before", nlohmann::json()); !next.is_null()) {
    std::cout << Tr(l, "Còn nhật ký cũ hơn: vigilctl show ", "Older events: vigilctl show ")
              << id << " --events-before " << next.dump() << "\n";
  }
  rows.clear();
  for (const auto& d : r.body["deliveries"]) {
    std::string state = !d["delivered_at"].is_null()            ? Str(d, "delivered_at")
                        : d.contains("failed_at") && !d["failed_at"].is_null()
                            ? Tr(l, "THẤT BẠI ", "FAILED ") + Str(d, "failed_at")
                        : d.contains("bundled_into") && !d["bundled_into"].is_null()
                            ? Tr(l, "gộp vào #", "bundled in #") + Str(d, "bundled_into")
                            : std::string(Tr(l, "chưa", "pending"));
    rows.push_back({Str(d, "channel"), Str(d, "recipient"), Str(d, "attempts"), state,
                    d.contains("last_error") ? Str(d, "last_error") : ""});
  }
  std::cout << "\n" << Tr(l, "Gửi thông báo:", "Deliveries:") << "\n"
            << RenderTable({Tr(l, "KÊNH", "CHANNEL"), Tr(l, "NGƯỜI NHẬN", "TO"),
                            Tr(l, "LẦN GỬI", "ATTEMPTS"), Tr(l, "ĐÃ GỬI", "DELIVERED"),
                            Tr(l, "LỖI GẦN NHẤT", "LAST ERROR")},
                           rows);
  return 0;
}

int ActOnAlert(const Options& o, std::int64_t id, const std::string& action,
               const std::string& by, const std::string& note) {
  Client c(o);
  nlohmann::json body = nlohmann::json::object();
  if (!by.empty()) body["by"] = by;
  if (!note.empty()) body["note"] = note;
  auto r = c.Post("/api/v1/alerts/" + std::to_string(id) + "/" + action, body);
  if (!r.ok() || o.json) return Done(o, c, r);
  std::cout << "#" << id << " → " << Label(o.lang, Str(r.body["alert"], "status")) << "\n";
  return 0;
}

int ListIntegrations(const Options& o) {
  Client c(o);
  auto r = c.Get("/api/v1/integrations");
  if (!r.ok() || o.json) return Done(o, c, r);
  std::vector<std::vector<std::string>> rows;
  for (const auto& i : r.body["integrations"]) {
    rows.push_back({Str(i, "id"), Str(i, "name"), Str(i, "kind"), Str(i, "origin"),
                    i.value("enabled", false) ? Tr(o.lang, "bật", "yes") : Tr(o.lang, "tắt", "no")});
  }
  std::cout << RenderTable({"ID", Tr(o.lang, "TÊN", "NAME"), Tr(o.lang, "LOẠI", "KIND"),
                            Tr(o.lang, "NGUỒN GỐC", "ORIGIN"), Tr(o.lang, "HOẠT ĐỘNG", "ENABLED")},
                           rows);
  return 0;
}

int AddIntegration(const Options& o, const std::string& name, const std::string& kind) {
  Client c(o);
  auto r = c.Post("/api/v1/integrations", {{"name", name}, {"kind", kind}});
  if (!r.ok() || o.json) return Done(o, c, r);
  const std::string key = Str(r.body, "key");
  std::cout << Tr(o.lang, "Đã tạo tích hợp ", "Created integration ") << name << " (" << kind
            << ").\n"
            << Tr(o.lang, "Khoá (chỉ hiện một lần, hãy lưu lại): ",
                  "Key (shown once, keep it): ")
            << key << "\n\n";
  if (kind == "alertmanager") {
    std::cout << Tr(o.lang, "Thêm vào alertmanager.yml:", "Add to alertmanager.yml:") << "\n"
              << "receivers:\n  - name: vigil\n    webhook_configs:\n      - url: " << c.server()
              << "/api/v1/integrations/alertmanager\n        send_resolved: true\n"
                 "        http_config:\n          authorization:\n            type: Bearer\n"
                 "            credentials: "
              << key << "\n";
    return 0;
  }
  std::cout << Tr(o.lang, "Thử gửi:", "Try it:") << "\n  curl -sS -X POST " << c.server()
            << "/v2/enqueue -H 'Content-Type: application/json' -d '{\"routing_key\":\"" << key
            << "\",\"event_action\":\"trigger\",\"payload\":{\"summary\":\"Test\",\"source\":"
               "\"host-1\",\"severity\":\"warning\"}}'\n";
  return 0;
}

int Status(const Options& o) {
  Client c(o);
  auto r = c.Get("/api/v1/status");
  if (!r.ok() || o.json) return Done(o, c, r);
  const auto& a = r.body["alerts"];
  std::cout << "vigild " << Str(r.body, "version") << "  " << c.server() << "\n"
            << "  console: " << Str(r.body, "console_endpoint") << "\n"
            << "  " << Tr(o.lang, "Cảnh báo mới", "Triggered") << ": " << a["triggered"] << "   "
            << Tr(o.lang, "đã nhận", "acknowledged") << ": " << a["acknowledged"] << "   "
            << Tr(o.lang, "đã xử lý", "resolved") << ": " << a["resolved"] << "\n"
            << "  " << Tr(o.lang, "Thông báo chờ gửi", "Deliveries pending") << ": "
            << r.body["deliveries_pending"] << "\n";
  return 0;
}

}  // namespace vigil::ctl
