// The words people read for an incident's category and for the state of a ticket or of its
// steps, in Vietnamese or English: one table for vigild's reports and vigilctl's lines.
// Header-only, so that vigilctl can use it without linking the incident engine.
// Constant data and pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "daemon/common/i18n.h"

namespace vigil {

// How a category is named: in full (reports: "Tấn công từ chối dịch vụ (DDoS)"), or with
// the short word of a terminal line ("DDoS").
enum class LabelStyle { kFull, kShort };

namespace labels_internal {

struct CategoryText {
  std::string_view id;
  const char *vi, *en;              // kFull
  const char *short_vi, *short_en;  // kShort
};
inline constexpr CategoryText kCategories[] = {
    {"malware", "Mã độc", "Malware", "mã độc", "malware"},
    {"ransomware", "Mã độc tống tiền", "Ransomware", "mã độc tống tiền", "ransomware"},
    {"defacement", "Thay đổi giao diện trang/cổng thông tin", "Website/portal defacement",
     "thay đổi giao diện", "defacement"},
    {"ddos", "Tấn công từ chối dịch vụ (DDoS)", "Denial of service (DDoS)", "DDoS", "DDoS"},
    {"phishing", "Lừa đảo (phishing)", "Phishing", "lừa đảo", "phishing"},
    {"account_compromise", "Chiếm đoạt tài khoản", "Account compromise", "chiếm đoạt tài khoản",
     "account compromise"},
    {"data_leak", "Lộ lọt dữ liệu cá nhân", "Personal-data leak", "lộ lọt dữ liệu", "data leak"},
    {"vuln_exploitation", "Khai thác lỗ hổng", "Vulnerability exploitation", "khai thác lỗ hổng",
     "vulnerability exploitation"},
    {"other", "Khác", "Other", "khác", "other"}};

struct StateText {
  std::string_view id;
  const char *vi, *en;
};
inline constexpr StateText kStates[] = {
    // An incident's states (IncidentState).
    {"new", "mới", "new"},
    {"acknowledged", "đã tiếp nhận", "acknowledged"},
    {"triaged", "đã phân loại", "triaged"},
    {"contained", "đã ngăn chặn", "contained"},
    {"recovered", "đã khôi phục", "recovered"},
    {"reported", "đã báo cáo", "reported"},
    {"closed", "đã đóng", "closed"},
    {"false_positive", "báo động nhầm", "false positive"},
    {"duplicate", "trùng lặp", "duplicate"},
    // A step's states (IncidentStep::state).
    {"pending", "chờ làm", "pending"},
    {"waiting", "chưa đến lượt", "waiting"},
    {"done", "đã xong", "done"},
    {"skipped", "bỏ qua", "skipped"},
    {"not_applicable", "không áp dụng", "not applicable"}};

}  // namespace labels_internal

// The label of incident category `category` ("ddos", "malware", …); an unknown id as it is.
inline std::string CategoryLabel(Lang l, std::string_view category,
                                 LabelStyle style = LabelStyle::kFull) {
  for (const auto& c : labels_internal::kCategories) {
    if (c.id != category) continue;
    return style == LabelStyle::kFull ? Tr(l, c.vi, c.en) : Tr(l, c.short_vi, c.short_en);
  }
  return std::string(category);
}

// The label of an incident's state ("new", "false_positive", …) or of a step's ("pending",
// "not_applicable", …); an unknown one as it is.
inline std::string StateLabel(Lang l, std::string_view state) {
  for (const auto& s : labels_internal::kStates) {
    if (s.id == state) return Tr(l, s.vi, s.en);
  }
  return std::string(state);
}

}  // namespace vigil
