#include "daemon/vigilctl/client.h"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "daemon/common/secrets.h"

namespace vigil::ctl {

Client::Client(const Options& o) : server_(o.server) {
  if (server_.empty()) {
    std::ifstream rt(o.data_dir + "/runtime.json");
    auto j = nlohmann::json::parse(rt, nullptr, false);
    if (rt && !j.is_discarded() && j.contains("http")) server_ = j["http"].get<std::string>();
  }
  if (server_.empty()) server_ = "http://127.0.0.1:7480";
  if (const char* env = std::getenv("VIGIL_TOKEN"); env && *env) {
    token_ = env;
  } else {
    std::ifstream in(o.token_file.empty() ? o.data_dir + "/admin.token" : o.token_file);
    std::getline(in, token_);
  }
}

Reply Client::Get(const std::string& path) const { return Call("GET", path, ""); }
Reply Client::Post(const std::string& path, const nlohmann::json& body) const {
  return Call("POST", path, body.dump());
}

Reply Client::PostOnce(const std::string& path, const nlohmann::json& body) const {
  const std::string key = "vigilctl-" + RandomUuid();
  Reply r = Call("POST", path, body.dump(), key);
  if (r.status != 0 && r.status != 503) return r;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a person waits; no test does
  return Call("POST", path, body.dump(), key);
}

Reply Client::Call(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& idempotency_key) const {
  httplib::Client cli(server_);
  cli.set_connection_timeout(3);
  cli.set_read_timeout(35);
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  auto res = method == "GET" ? cli.Get(path, headers)
                             : cli.Post(path, headers, body, "application/json");
  Reply r;
  if (!res) return r;
  r.status = res->status;
  r.body = nlohmann::json::parse(res->body, nullptr, false);
  if (r.body.is_discarded()) r.body = nlohmann::json{{"raw", res->body}};
  return r;
}

int ReportFailure(const Reply& r, const Options& o, const std::string& server) {
  const Lang l = o.lang;
  if (r.status == 0) {
    std::cerr << Tr(l, "Không kết nối được vigild tại ", "Cannot reach vigild at ") << server
              << Tr(l, " — vigild đã chạy chưa? (make run)", " — is it running? (make run)")
              << "\n";
    return 3;
  }
  static const std::map<std::string, std::pair<const char*, const char*>> kText = {
      {"missing_token", {"Thiếu mã quản trị (admin token). Dùng --data-dir trỏ tới thư mục dữ liệu "
                         "của vigild hoặc đặt VIGIL_TOKEN.",
                         "No admin token. Point --data-dir at vigild's data directory or set "
                         "VIGIL_TOKEN."}},
      {"invalid_token", {"Mã quản trị không đúng.", "The admin token is not valid."}},
      {"not_found", {"Không tìm thấy.", "Not found."}},
      {"already_resolved", {"Cảnh báo đã được xử lý xong (resolved) trước đó.",
                            "The alert is already resolved."}},
      {"conflict", {"Đã tồn tại.", "Already exists."}},
      {"invalid_param", {"Tham số không hợp lệ.", "Invalid parameter."}},
      {"invalid_field", {"Dữ liệu không hợp lệ.", "Invalid field."}},
      {"missing_field", {"Thiếu dữ liệu bắt buộc.", "A required field is missing."}},
      {"invalid_json", {"Nội dung gửi lên không phải JSON hợp lệ.", "The body is not valid JSON."}},
      {"unknown_person", {"Không có người này trong cấu hình.", "No such person in the config."}},
      {"no_shift", {"Không có ca trực lễ nào đang diễn ra hoặc sắp bắt đầu cho người này.",
                    "No holiday shift running or about to start for this person."}},
      {"payload_too_large", {"Nội dung quá lớn (tối đa 512 KiB).", "Body too large (512 KiB max)."}},
      {"shutting_down", {"vigild đang dừng; thử lại sau ít giây.",
                         "vigild is stopping; retry in a few seconds."}},
      {"storage_error", {"Cơ sở dữ liệu không ghi được; thử lại.",
                         "The database could not write; retry."}},
      // Incidents.
      {"illegal_transition", {"Không chuyển được sang trạng thái này.", "Illegal transition."}},
      {"steps_pending", {"Còn bước bắt buộc chưa làm (làm hoặc bỏ qua kèm --note).",
                         "Mandatory steps are pending (do them, or skip with --note)."}},
      {"step_not_pending", {"Bước này không ở trạng thái chờ làm.", "This step is not pending."}},
      {"unknown_field", {"Biểu mẫu của bước không có trường này.", "The step's form has no such field."}},
      {"already_promoted", {"Cảnh báo đã thuộc một sự cố đang mở.",
                            "The alert already belongs to an open incident."}},
      {"playbook_attached", {"Sự cố đã có kịch bản.", "The incident already has a playbook."}},
      {"no_playbook", {"Sự cố chưa có kịch bản (vigilctl incident playbook ID).",
                       "The incident has no playbook (vigilctl incident playbook ID)."}},
      {"incident_final", {"Sự cố đã kết thúc.", "The incident is finished."}},
  };
  const auto& err = r.body.contains("error") ? r.body["error"] : nlohmann::json::object();
  const std::string code = err.value("code", "");
  auto it = kText.find(code);
  std::cerr << Tr(l, "Lỗi", "Error") << " (HTTP " << r.status << "):";
  if (it != kText.end()) std::cerr << " " << Tr(l, it->second.first, it->second.second);
  if (err.contains("message")) std::cerr << " " << err["message"].get<std::string>();
  if (err.contains("field")) {
    std::cerr << " [" << Tr(l, "trường", "field") << ": " << err["field"].get<std::string>() << "]";
  }
  std::cerr << "\n";
  return 1;
}

}  // namespace vigil::ctl
