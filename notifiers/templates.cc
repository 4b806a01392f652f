// Message templates: each payload becomes one Model (a title, facts, paragraphs, links), and
// the Model is written out as e-mail subject, plain text, HTML and SMS. Escaping for HTML
// happens in one place (RenderHtml), so no template can forget it.
#include "daemon/common/html.h"
#include "notifiers/templates.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include "daemon/common/time_util.h"
#include "daemon/oncall/oncall.h"

namespace vigil {
namespace {

using nlohmann::json;

constexpr size_t kSmsChars = 160;
constexpr size_t kSubjectSummaryChars = 150;

// ---------------------------------------------------------------------------------------------
// UTF-8

// The code point starting at s[i] and its length in bytes; an invalid or truncated sequence
// yields nullopt with length 1 (the byte is passed through as it is).
std::optional<char32_t> DecodeAt(std::string_view s, size_t i, size_t& len) {
  const auto b = static_cast<unsigned char>(s[i]);
  len = 1;
  if (b < 0x80) return b;
  const size_t n = b >= 0xF5 ? 0 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return std::nullopt;
  char32_t c = b & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xC0) != 0x80) return std::nullopt;
    c = (c << 6) | (cb & 0x3F);
  }
  const bool overlong = (n == 3 && c < 0x800) || (n == 4 && c < 0x10000);
  if (overlong || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
  len = n;
  return c;
}

size_t CountChars(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0, len = 0; i < s.size(); i += len, ++n) DecodeAt(s, i, len);
  return n;
}

bool IsCombiningMark(char32_t c) { return c >= 0x0300 && c <= 0x036F; }

// The ASCII letter a precomposed Vietnamese letter folds to, or 0 for anything else.
char FoldLetter(char32_t c) {
  // Latin Extended Additional: Ạ..ỹ come in (upper, lower) pairs, grouped by base vowel.
  static constexpr struct { char32_t first, last; char upper; } kRuns[] = {
      {0x1EA0, 0x1EB7, 'A'}, {0x1EB8, 0x1EC7, 'E'}, {0x1EC8, 0x1ECB, 'I'},
      {0x1ECC, 0x1EE3, 'O'}, {0x1EE4, 0x1EF1, 'U'}, {0x1EF2, 0x1EF9, 'Y'}};
  for (const auto& r : kRuns) {
    if (c >= r.first && c <= r.last) return (c & 1) ? static_cast<char>(r.upper + 32) : r.upper;
  }
  // Latin-1: the Vietnamese vowels only (À Á Â Ã È É Ê Ì Í Ò Ó Ô Õ Ù Ú Ý and lower case).
  if (c >= 0xC0 && c <= 0xFD) {
    const bool lower = c >= 0xE0;
    const char32_t u = lower ? c - 0x20 : c;
    char base = 0;
    if (u <= 0xC3) base = 'A';
    else if (u >= 0xC8 && u <= 0xCA) base = 'E';
    else if (u == 0xCC || u == 0xCD) base = 'I';
    else if (u >= 0xD2 && u <= 0xD5) base = 'O';
    else if (u == 0xD9 || u == 0xDA) base = 'U';
    else if (u == 0xDD) base = 'Y';
    return base && lower ? static_cast<char>(base + 32) : base;
  }
  switch (c) {
    case 0x0102: return 'A';  case 0x0103: return 'a';  // Ă ă
    case 0x0110: return 'D';  case 0x0111: return 'd';  // Đ đ
    case 0x0128: return 'I';  case 0x0129: return 'i';  // Ĩ ĩ
    case 0x0168: return 'U';  case 0x0169: return 'u';  // Ũ ũ
    case 0x01A0: return 'O';  case 0x01A1: return 'o';  // Ơ ơ
    case 0x01AF: return 'U';  case 0x01B0: return 'u';  // Ư ư
    default: return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading payload fields

std::string Field(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

const json& Object(const json& j, const char* key) {
  static const json kEmpty = json::object();
  if (!j.is_object()) return kEmpty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

// One line: control characters (newlines, tabs) become spaces, runs of spaces collapse.
std::string OneLine(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const bool space = static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F || ch == ' ';
    if (!space) out += ch;
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string Cut(std::string_view s, size_t max_chars) { return FitSms(OneLine(s), max_chars); }

// ---------------------------------------------------------------------------------------------
// Words

std::string SeverityWord(Lang l, const std::string& s) {
  if (s == "critical") return Tr(l, "NGHIÊM TRỌNG", "CRITICAL");
  if (s == "error") return Tr(l, "LỖI", "ERROR");
  if (s == "warning") return Tr(l, "CẢNH BÁO", "WARNING");
  if (s == "info") return Tr(l, "THÔNG TIN", "INFO");
  return s.empty() ? Tr(l, "CẢNH BÁO", "ALERT") : OneLine(s);
}

std::string StatusWord(Lang l, const std::string& s) {
  if (s == "triggered") return Tr(l, "mới, chưa ai nhận", "triggered, not acknowledged");
  if (s == "acknowledged") return Tr(l, "đã có người nhận", "acknowledged");
  if (s == "resolved") return Tr(l, "đã xử lý", "resolved");
  return s;
}

std::string RoleWord(Lang l, const std::string& role) {
  if (role == "duty_officer") return Tr(l, "cán bộ trực", "duty officer");
  if (role == "duty_leader") return Tr(l, "lãnh đạo trực", "duty leader");
  if (role == "backup") return Tr(l, "dự phòng", "backup");
  return role;
}

// The engine's reason for a page ("duty_officer@truc via roster Lịch trực lễ", "person:an",
// "contact_point:vnpt") in words.
std::string WhyText(Lang l, const std::string& why) {
  if (why.starts_with("person:")) {
    return why.substr(7) + Tr(l, " (chỉ định đích danh)", " (named in the policy)");
  }
  if (why.starts_with("contact_point:")) {
    return Tr(l, "đối tác ngoài ", "outside contact ") + why.substr(14);
  }
  const auto at = why.find('@'), via = why.find(" via ");
  if (at == std::string::npos || via == std::string::npos || via < at) return why;
  std::string rest = why.substr(via + 5);
  if (rest.starts_with("roster ")) rest = Tr(l, "lịch trực lễ: ", "holiday roster: ") + rest.substr(7);
  if (rest.starts_with("layer ")) rest = Tr(l, "lớp: ", "layer: ") + rest.substr(6);
  if (rest.starts_with("override")) rest = Tr(l, "điều chỉnh lịch", "override") + rest.substr(8);
  return RoleWord(l, why.substr(0, at)) + Tr(l, " của lịch ", " of schedule ") +
         why.substr(at + 1, via - at - 1) + " (" + rest + ")";
}

// "3 phút trước" / "3 minutes ago".
std::string AgoText(Lang l, TimeMs ms) {
  const long long m = std::max<TimeMs>(ms, 0) / 60'000, h = m / 60, d = h / 24;
  auto unit = [l](long long n, const char* vi, const char* en) {
    return std::to_string(n) + " " + (l == Lang::kEn ? std::string(en) + (n == 1 ? "" : "s") : vi);
  };
  std::string t;
  if (m == 0) return Tr(l, "vừa xong", "just now");
  if (d > 0) t = unit(d, "ngày", "day") + (h % 24 ? " " + unit(h % 24, "giờ", "hour") : "");
  else if (h > 0) t = unit(h, "giờ", "hour") + (m % 60 ? " " + unit(m % 60, "phút", "minute") : "");
  else t = unit(m, "phút", "minute");
  return t + Tr(l, " trước", " ago");
}

// "in 25 minutes" without the "ago": for time left.
std::string SpanText(Lang l, TimeMs ms) {
  std::string t = AgoText(l, ms);
  const std::string ago = Tr(l, " trước", " ago");
  return t.ends_with(ago) ? t.substr(0, t.size() - ago.size()) : t;
}

// "3p" / "3m", "2g05p" / "2h05m", "1ng03g" / "1d03h": the SMS age.
std::string ShortAge(Lang l, TimeMs ms) {
  const long long m = std::max<TimeMs>(ms, 0) / 60'000, h = m / 60, d = h / 24;
  char buf[32];
  if (m == 0) return Tr(l, "<1p", "<1m");
  if (h == 0) std::snprintf(buf, sizeof buf, l == Lang::kEn ? "%lldm" : "%lldp", m);
  else if (d == 0) std::snprintf(buf, sizeof buf, l == Lang::kEn ? "%lldh%02lldm" : "%lldg%02lldp", h, m % 60);
  else std::snprintf(buf, sizeof buf, l == Lang::kEn ? "%lldd%02lldh" : "%lldng%02lldg", d, h % 24);
  return buf;
}

// Payload times are UTC; people read them in Vietnam's zone (the payload carries none).
std::string LocalText(const std::string& iso) {
  auto t = ParseTimestamp(iso);
  return t ? FormatLocalTime(*t, kDefaultTimeZone) : iso;
}

// "portal.sgd" → "portal"; an IP address or a one-label name stays whole.
std::string ShortSource(const std::string& source) {
  const std::string s = OneLine(source);
  const auto dot = s.find('.');
  if (dot == std::string::npos || dot == 0) return Cut(s, 24);
  const bool has_letter = std::any_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(dot),
                                      [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  return Cut(has_letter ? s.substr(0, dot) : s, 24);
}

// ---------------------------------------------------------------------------------------------
// The model every message is written from

struct Link {
  std::string label, url;
  bool html_only = false;  // a tel: anchor; the text part already lists the number
};

struct Model {
  std::string severity;  // "critical"...: the HTML accent colour; empty for non-alerts
  std::string tag;       // "[NGHIÊM TRỌNG]"
  std::string headline;  // the first line of the body
  std::vector<std::string> lead;                             // paragraphs before the facts
  std::vector<std::pair<std::string, std::string>> facts;    // label, value
  std::vector<std::string> notes;                            // paragraphs after the facts
  std::vector<Link> links;
  std::string subject, sms;
};

// What a page says about its alert.
struct AlertFacts {
  std::string id, severity, summary, source, integration, status, dedup_key, at;
  std::optional<TimeMs> age;
};

AlertFacts ReadAlert(const json& a, TimeMs now) {
  AlertFacts f{Field(a, "id"),     Field(a, "severity"), OneLine(Field(a, "summary")),
               Field(a, "source"), Field(a, "integration"), Field(a, "status"),
               Field(a, "dedup_key"), Field(a, "at"), std::nullopt};
  // "created_at", when the engine sends it, is when the alert began; "at" is the page's time.
  const std::string since = Field(a, "created_at").empty() ? f.at : Field(a, "created_at");
  if (auto t = ParseTimestamp(since)) f.age = now - *t;
  return f;
}

void AddAlertFacts(Lang l, const AlertFacts& a, Model& m) {
  m.facts.emplace_back(Tr(l, "Mức độ", "Severity"), SeverityWord(l, a.severity));
  m.facts.emplace_back(Tr(l, "Nội dung", "Summary"), a.summary);
  if (!a.source.empty()) m.facts.emplace_back(Tr(l, "Nguồn", "Source"), OneLine(a.source));
  if (!a.integration.empty()) {
    m.facts.emplace_back(Tr(l, "Tích hợp", "Integration"), OneLine(a.integration));
  }
  if (!a.status.empty()) m.facts.emplace_back(Tr(l, "Trạng thái", "Status"), StatusWord(l, a.status));
  if (!a.at.empty()) {
    std::string when = LocalText(a.at) + Tr(l, " (giờ Việt Nam)", " (Vietnam time)");
    if (a.age) when += ", " + AgoText(l, *a.age);
    m.facts.emplace_back(Tr(l, "Thời điểm", "Time"), when);
  }
  if (!a.dedup_key.empty()) {
    m.facts.emplace_back(Tr(l, "Mã gộp", "Dedup key"), OneLine(a.dedup_key));
  }
}

// The ack/resolve/escalate links the engine may send; without an ack link, how to ack by hand.
void AddAlertLinks(Lang l, const json& payload, const AlertFacts& a, Model& m) {
  const json& links = Object(payload, "links");
  const std::pair<const char*, std::pair<const char*, const char*>> kinds[] = {
      {"ack", {"Xác nhận đã nhận", "Acknowledge"}},
      {"resolve", {"Đánh dấu đã xử lý", "Resolve"}},
      {"escalate", {"Leo thang ngay", "Escalate now"}}};
  for (const auto& [key, label] : kinds) {
    const std::string url = OneLine(Field(links, key));
    if (!url.empty()) m.links.push_back({Tr(l, label.first, label.second), url});
  }
  if (Field(links, "ack").empty() && !a.id.empty()) {
    m.notes.push_back(Tr(l, "Xác nhận đã nhận bằng lệnh: vigilctl ack ",
                         "Acknowledge with: vigilctl ack ") + a.id);
  }
}

std::string SubjectFor(const std::string& tag, const AlertFacts& a, const std::string& middle) {
  std::string s = tag + " #" + a.id + " " + middle + Cut(a.summary, kSubjectSummaryChars);
  if (!a.source.empty()) s += " — " + OneLine(a.source);
  return s;
}

// How to answer by SMS reply code (8 digits, kReplyCodeDigits):
// ". Trả lời 48213907a: nhận, 48213907e: leo thang, 48213907c: đóng".
std::string ReplyCodeText(Lang l, const std::string& code, bool all) {
  return Tr(l, ". Trả lời ", ". Reply ") + code + Tr(l, "a: nhận", "a: ack") +
         (all ? Tr(l, " tất cả", " all") : "") + ", " + code + Tr(l, "e: leo thang, ", "e: escalate, ") +
         code + Tr(l, "c: đóng", "c: close");
}

// "[SEV] #12 <summary cut to fit> (portal) 3p<tail>", the summary cut so the whole fits.
std::string SmsFor(Lang l, const std::string& head, const AlertFacts& a, const std::string& tail) {
  std::string after;
  if (!a.source.empty()) after += " (" + ShortSource(a.source) + ")";
  if (a.age) after += " " + ShortAge(l, *a.age);
  after += tail;
  const size_t fixed = CountChars(head) + CountChars(after);
  const size_t room = fixed + 16 < kSmsChars ? kSmsChars - fixed : 16;
  return head + Cut(a.summary, room) + after;
}

Model PageModel(const json& payload, const json& alert, Lang l, TimeMs now) {
  Model m;
  const AlertFacts a = ReadAlert(alert, now);
  m.severity = a.severity;
  m.tag = "[" + SeverityWord(l, a.severity) + "]";
  m.headline = Tr(l, "Cảnh báo #", "Alert #") + a.id + ": " + a.summary;
  m.subject = SubjectFor(m.tag, a, "");
  AddAlertFacts(l, a, m);
  if (payload.contains("level")) {
    std::string level = Field(payload, "level");
    const std::string why = OneLine(Field(payload, "why"));
    if (!why.empty()) level += Tr(l, " — lý do: ", " — why: ") + WhyText(l, why);
    m.facts.emplace_back(Tr(l, "Bậc leo thang", "Escalation level"), level);
  }
  AddAlertLinks(l, payload, a, m);
  const std::string ack = OneLine(Field(Object(payload, "links"), "ack"));
  const std::string code = OneLine(Field(payload, "reply_code"));
  std::string tail = code.empty() ? "" : ReplyCodeText(l, code, false);
  if (!code.empty()) {
    m.notes.push_back(Tr(l, "Trả lời tin nhắn SMS: ", "Reply to the SMS: ") + ReplyCodeText(l, code, false).substr(2));
  }
  // The link too, when it fits beside the code in one SMS.
  if (!ack.empty() && (code.empty() || CountChars(m.tag + a.id + tail + ack) + 60 <= kSmsChars)) {
    tail += Tr(l, ". Xác nhận: ", ". Ack: ") + ack;
  }
  m.sms = SmsFor(l, m.tag + " #" + a.id + " ", a, tail);
  return m;
}

// Several pages for one person held by a rate limit, sent as one message.
Model BundleModel(const json& payload, Lang l, TimeMs now) {
  Model m;
  const json& pages = payload.contains("pages") && payload["pages"].is_array() ? payload["pages"]
                                                                               : json::array();
  const std::string n = std::to_string(pages.size());
  m.tag = "[Vigil]";
  m.headline = n + Tr(l, " cảnh báo mới", " new alerts");
  m.lead.push_back(Tr(l, "Các cảnh báo dưới đây được gộp thành một tin để không gửi dồn dập:",
                      "These alerts are sent as one message so as not to flood you:"));
  std::string list, sms_list;
  const std::string code = OneLine(Field(payload, "reply_code"));
  const std::string tail = code.empty() ? "" : ReplyCodeText(l, code, true);
  size_t room = kSmsChars - std::min(kSmsChars - 20, CountChars(m.headline + ": " + tail));
  const size_t each = pages.empty() ? room : std::max<size_t>(12, room / pages.size());
  for (const auto& p : pages) {
    const json& alert = Object(p, "alert");
    const AlertFacts a = ReadAlert(alert, now);
    if (m.severity.empty()) m.severity = a.severity;
    m.facts.emplace_back("#" + a.id, SeverityWord(l, a.severity) + " — " + a.summary +
                                         (a.source.empty() ? "" : " — " + OneLine(a.source)));
    list += (list.empty() ? "" : "; ") + Cut("#" + a.id + " " + a.summary, 60);
    sms_list += (sms_list.empty() ? "" : "; ") + Cut("#" + a.id + " " + a.summary, each > 2 ? each - 2 : each);
    const std::string ack = OneLine(Field(Object(p, "links"), "ack"));
    if (!ack.empty()) m.links.push_back({Tr(l, "Xác nhận #", "Acknowledge #") + a.id, ack});
  }
  if (!code.empty()) {
    m.notes.push_back(Tr(l, "Trả lời tin nhắn SMS: ", "Reply to the SMS: ") + tail.substr(2));
  }
  m.subject = m.tag + " " + m.headline + ": " + list;
  m.sms = FitSms(m.headline + ": " + sms_list, kSmsChars - CountChars(tail)) + tail;
  return m;
}

Model ContactPointModel(const json& payload, Lang l, TimeMs now) {
  Model m = PageModel(payload, Object(payload, "alert"), l, now);
  const json& cp = Object(payload, "contact_point");
  const std::string name = OneLine(Field(cp, "name").empty() ? Field(cp, "id") : Field(cp, "name"));
  const std::string phone = OneLine(Field(cp, "phone")), email = OneLine(Field(cp, "email"));
  const AlertFacts a = ReadAlert(Object(payload, "alert"), now);
  m.headline = Tr(l, "Đề nghị gọi ngay ", "Call now: ") + name + (phone.empty() ? "" : " — " + phone);
  m.lead.push_back(Tr(l, "Bậc ", "Escalation level ") + Field(payload, "level") +
                   Tr(l, " cần đối tác ngoài hỗ trợ xử lý cảnh báo #",
                      " needs an outside contact to help with alert #") +
                   a.id + Tr(l, ". Đề nghị gọi ngay:", ". Call them now:"));
  std::vector<std::pair<std::string, std::string>> who = {{Tr(l, "Đối tác", "Contact"), name}};
  if (!phone.empty()) who.emplace_back(Tr(l, "Điện thoại", "Phone"), phone);
  if (!email.empty()) who.emplace_back("E-mail", email);
  if (!Field(cp, "notes").empty()) who.emplace_back(Tr(l, "Ghi chú", "Notes"), OneLine(Field(cp, "notes")));
  m.facts.insert(m.facts.begin(), who.begin(), who.end());
  std::string dial;
  for (char c : phone) if (std::isdigit(static_cast<unsigned char>(c)) || c == '+') dial += c;
  if (!dial.empty()) m.links.insert(m.links.begin(), Link{Tr(l, "Gọi ", "Call ") + phone, "tel:" + dial, true});
  const std::string call = Tr(l, "Đề nghị gọi ngay ", "Call now: ") + name +
                           (phone.empty() ? "" : " (" + phone + ")") + ": ";
  m.subject = SubjectFor(m.tag, a, call);
  m.sms = SmsFor(l, m.tag + " #" + a.id + " " + Tr(l, "Gọi ngay ", "Call now ") + name +
                        (phone.empty() ? "" : " " + phone) + ": ",
                 a, "");
  return m;
}

// The shift of a check-in message: "truc-le 2026-04-30 07:30 → 2026-04-30 17:30".
struct ShiftFacts {
  std::string schedule, person, start, end;
  std::optional<TimeMs> start_at, end_at;
};

ShiftFacts ReadShift(const json& payload) {
  const json& s = Object(payload, "shift");
  return {OneLine(Field(s, "schedule")), OneLine(Field(s, "person")), Field(s, "shift_start"),
          Field(s, "shift_end"), ParseTimestamp(Field(s, "shift_start")),
          ParseTimestamp(Field(s, "shift_end"))};
}

void AddShiftFacts(Lang l, const ShiftFacts& s, Model& m) {
  m.facts.emplace_back(Tr(l, "Người trực", "On duty"), s.person);
  m.facts.emplace_back(Tr(l, "Lịch trực", "Schedule"), s.schedule);
  m.facts.emplace_back(Tr(l, "Bắt đầu", "Starts"),
                       LocalText(s.start) + Tr(l, " (giờ Việt Nam)", " (Vietnam time)"));
  m.facts.emplace_back(Tr(l, "Kết thúc", "Ends"),
                       LocalText(s.end) + Tr(l, " (giờ Việt Nam)", " (Vietnam time)"));
}

Model CheckinReminderModel(const json& payload, Lang l, TimeMs now) {
  Model m;
  const ShiftFacts s = ReadShift(payload);
  m.tag = Tr(l, "[NHẮC XÁC NHẬN TRỰC]", "[CHECK-IN REMINDER]");
  m.headline = s.person + Tr(l, ": hãy xác nhận có mặt ca trực lễ", ": please confirm you are on duty");
  m.subject = m.tag + " " + s.person + Tr(l, ", ca trực ", ", shift ") + s.schedule + " " +
              LocalText(s.start);
  AddShiftFacts(l, s, m);
  if (s.start_at && *s.start_at > now) {
    m.lead.push_back(Tr(l, "Ca trực bắt đầu sau ", "Your shift starts in ") +
                     SpanText(l, *s.start_at - now) + ".");
  } else if (s.start_at) {
    m.lead.push_back(Tr(l, "Ca trực đã bắt đầu ", "Your shift started ") + AgoText(l, now - *s.start_at) +
                     (s.end_at && *s.end_at > now
                          ? Tr(l, "; còn ", "; it ends in ") + SpanText(l, *s.end_at - now) + "."
                          : std::string(".")));
  }
  m.notes.push_back(Tr(l, "Xác nhận có mặt: vigilctl checkin ", "Check in: vigilctl checkin ") + s.person);
  m.sms = m.tag + " " + s.person + Tr(l, ", ca ", ", shift ") + Cut(s.schedule, 30) + " " +
          LocalText(s.start) + Tr(l, ". Xác nhận: vigilctl checkin ", ". Check in: vigilctl checkin ") +
          s.person;
  return m;
}

Model CheckinMissedModel(const json& payload, Lang l, TimeMs now) {
  Model m;
  const ShiftFacts s = ReadShift(payload);
  m.severity = "error";
  m.tag = Tr(l, "[CHƯA XÁC NHẬN TRỰC]", "[CHECK-IN MISSED]");
  m.headline = s.person + Tr(l, " chưa xác nhận có mặt ca trực lễ", " did not check in for the holiday shift");
  m.subject = m.tag + " " + s.person + Tr(l, " chưa xác nhận có mặt — ca ", " did not check in — shift ") +
              s.schedule + " " + LocalText(s.start);
  AddShiftFacts(l, s, m);
  m.lead.push_back(Tr(l, "Bạn nhận tin này vì là dự phòng hoặc lãnh đạo trực. Hãy liên hệ ngay với ",
                      "You are paged as the backup or the duty leader. Contact ") +
                   s.person + Tr(l, " hoặc trực thay.", " now or stand in."));
  if (s.start_at) {
    m.facts.emplace_back(Tr(l, "Ca bắt đầu", "Shift began"), AgoText(l, now - *s.start_at));
  }
  m.sms = m.tag + " " + s.person + Tr(l, ", ca ", ", shift ") + Cut(s.schedule, 30) + " " +
          LocalText(s.start) + Tr(l, ". Liên hệ ngay hoặc trực thay.", ". Contact them now or stand in.");
  return m;
}

Model GenericModel(const json& payload, Lang l) {
  Model m;
  const std::string type = OneLine(Field(payload, "type"));
  m.tag = "[Vigil]";
  m.headline = Tr(l, "Thông báo từ Vigil", "A message from Vigil") + (type.empty() ? "" : " (" + type + ")");
  m.subject = m.tag + " " + m.headline;
  m.lead.push_back(Tr(l, "Chưa có mẫu hiển thị cho loại thông báo này; nội dung gốc:",
                      "There is no template for this kind of message; its content:"));
  m.notes.push_back(payload.dump(2, ' ', false, json::error_handler_t::replace));
  m.sms = m.subject;
  return m;
}

// ---------------------------------------------------------------------------------------------
// Writing a Model out

std::string Pad(const std::string& s, size_t width) {
  const size_t n = CountChars(s);
  return s + std::string(width > n ? width - n : 0, ' ');
}

std::string RenderText(Lang l, const Model& m) {
  std::string t = m.tag + " " + m.headline + "\n\n";
  for (const auto& p : m.lead) t += p + "\n\n";
  size_t width = 0;
  for (const auto& [label, _] : m.facts) width = std::max(width, CountChars(label) + 1);
  for (const auto& [label, value] : m.facts) t += Pad(label + ":", width) + " " + value + "\n";
  if (!m.facts.empty()) t += "\n";
  for (const auto& p : m.notes) t += p + "\n\n";
  bool any_link = false;
  for (const auto& link : m.links) {
    if (link.html_only) continue;
    t += link.label + ": " + link.url + "\n";
    any_link = true;
  }
  if (any_link) t += "\n";
  t += Tr(l, "-- \nVigil, hệ thống trực cảnh báo. Tin nhắn tự động, vui lòng không trả lời.\n",
          "-- \nVigil on-call alerting. Automated message; please do not reply.\n");
  return t;
}

// Only these schemes become anchors; anything else (javascript:, data:) is shown as text.
bool SafeHref(const std::string& url) {
  for (const char* scheme : {"https://", "http://", "tel:", "mailto:"}) {
    if (url.starts_with(scheme)) return true;
  }
  return false;
}

const char* Accent(const std::string& severity) {
  if (severity == "critical") return "#b00020";
  if (severity == "error") return "#c0392b";
  if (severity == "warning") return "#b9770e";
  if (severity == "info") return "#1f618d";
  return "#34495e";
}

std::string RenderHtml(Lang l, const Model& m) {
  const std::string accent = Accent(m.severity);
  std::string h = std::string("<!DOCTYPE html>\n<html lang=\"") + Tr(l, "vi", "en") +
                  "\"><head><meta charset=\"utf-8\"><title>" + HtmlEscape(m.subject) +
                  "</title></head>\n<body style=\"font-family:Arial,Helvetica,sans-serif;"
                  "font-size:14px;color:#222\">\n<p style=\"margin:0 0 4px;font-weight:bold;color:" +
                  accent + "\">" + HtmlEscape(m.tag) + "</p>\n<h2 style=\"margin:0 0 12px\">" +
                  HtmlEscape(m.headline) + "</h2>\n";
  for (const auto& p : m.lead) h += "<p>" + HtmlEscape(p) + "</p>\n";
  if (!m.facts.empty()) h += "<table cellpadding=\"4\" style=\"border-collapse:collapse\">\n";
  for (const auto& [label, value] : m.facts) {
    h += "<tr><th align=\"left\" valign=\"top\" style=\"color:#555\">" + HtmlEscape(label) +
         "</th><td>" + HtmlEscape(value) + "</td></tr>\n";
  }
  if (!m.facts.empty()) h += "</table>\n";
  for (const auto& p : m.notes) {
    h += p.find('\n') == std::string::npos ? "<p>" + HtmlEscape(p) + "</p>\n"
                                           : "<pre>" + HtmlEscape(p) + "</pre>\n";
  }
  for (const auto& link : m.links) {
    h += SafeHref(link.url)
             ? "<p><a href=\"" + HtmlEscape(link.url) + "\" style=\"font-weight:bold;color:" + accent +
                   "\">" + HtmlEscape(link.label) + "</a> <span style=\"color:#777\">" +
                   HtmlEscape(link.url) + "</span></p>\n"
             : "<p>" + HtmlEscape(link.label) + ": " + HtmlEscape(link.url) + "</p>\n";
  }
  h += std::string("<p style=\"color:#777;font-size:12px\">") +
       Tr(l, "Vigil, hệ thống trực cảnh báo. Tin nhắn tự động, vui lòng không trả lời.",
          "Vigil on-call alerting. Automated message; please do not reply.") +
       "</p>\n</body></html>\n";
  return h;
}

// An incident's overdue playbook step ("incident_step_overdue"), or a request to an outside
// party about an incident ("incident_contact"), both from daemon/incidents/work.cc.
Model IncidentModel(const json& payload, const std::string& type, Lang l) {
  Model m;
  const json& in = Object(payload, "incident");
  const json& step = Object(payload, "step");
  const std::string id = Field(in, "id"), title = OneLine(Field(in, "title"));
  const std::string prio = Field(in, "severity");
  m.severity = prio == "P1" ? "critical" : prio == "P2" ? "error" : "warning";
  m.facts = {{Tr(l, "Sự cố", "Incident"), "#" + id + " " + prio + " — " + title},
             {Tr(l, "Đơn vị", "Unit"), Field(in, "unit")}};
  if (type == "incident_contact") {
    const json& cp = Object(payload, "contact_point");
    const std::string name = OneLine(Field(cp, "name").empty() ? Field(cp, "id") : Field(cp, "name"));
    const std::string phone = OneLine(Field(cp, "phone"));
    m.tag = Tr(l, "[ĐỐI TÁC NGOÀI]", "[OUTSIDE CONTACT]");
    m.headline = Tr(l, "Đề nghị hỗ trợ sự cố #", "Help requested with incident #") + id + ": " + name +
                 (phone.empty() ? "" : " — " + phone);
    const std::string message = OneLine(Field(payload, "message"));
    if (!message.empty()) m.lead.push_back(message);
    if (!phone.empty()) m.facts.emplace_back(Tr(l, "Điện thoại", "Phone"), phone);
    if (!Field(cp, "notes").empty()) m.facts.emplace_back(Tr(l, "Ghi chú", "Notes"), OneLine(Field(cp, "notes")));
    m.sms = m.tag + " #" + id + " " + name + (phone.empty() ? "" : " " + phone) + ": " +
            (message.empty() ? title : message);
  } else {
    const std::string step_title = OneLine(Field(step, l == Lang::kEn ? "title_en" : "title_vi"));
    m.tag = Tr(l, "[QUÁ HẠN]", "[OVERDUE]");
    m.headline = Tr(l, "Sự cố #", "Incident #") + id + Tr(l, ": bước quá hạn — ", ": step overdue — ") +
                 (step_title.empty() ? Field(step, "id") : step_title);
    m.facts.emplace_back(Tr(l, "Hạn", "Due"), LocalText(Field(step, "due_at")));
    m.facts.emplace_back(Tr(l, "Bậc leo thang", "Escalation level"), Field(payload, "level"));
    m.notes.push_back("vigilctl incident show " + id);
    m.sms = m.tag + " #" + id + " " + (step_title.empty() ? Field(step, "id") : step_title) + " (" +
            title + ")";
  }
  m.subject = m.tag + " " + m.headline;
  m.sms = FitSms(m.sms, kSmsChars);
  return m;
}

Model ModelFor(const json& payload, Lang l, TimeMs now) {
  const std::string type = Field(payload, "type");
  if (type == "incident_step_overdue" || type == "incident_contact") return IncidentModel(payload, type, l);
  if (type == "page") return PageModel(payload, Object(payload, "alert"), l, now);
  if (type == "contact_point") return ContactPointModel(payload, l, now);
  if (type == "bundle") return BundleModel(payload, l, now);
  if (type == "checkin_reminder") return CheckinReminderModel(payload, l, now);
  if (type == "checkin_missed") return CheckinMissedModel(payload, l, now);
  // The engine sends a bare alert object to contact points' e-mail and to webhooks.
  if (type.empty() && payload.is_object() && payload.contains("id") && payload.contains("summary")) {
    return PageModel(json::object(), payload, l, now);
  }
  return GenericModel(payload, l);
}

}  // namespace

RenderedMessage RenderMessage(const nlohmann::json& payload, Lang lang, TimeMs now) {
  Model m;
  try {
    m = ModelFor(payload, lang, now);
  } catch (const json::exception&) {  // a field of an unexpected type deep inside
    m = GenericModel(payload, lang);
  }
  return {OneLine(m.subject), RenderText(lang, m), RenderHtml(lang, m), OneLine(m.sms)};
}

std::string FoldVietnamese(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0, len = 0; i < utf8.size(); i += len) {
    const auto c = DecodeAt(utf8, i, len);
    if (c && IsCombiningMark(*c)) continue;  // decomposed input: the base letter stays
    const char folded = c ? FoldLetter(*c) : 0;
    if (folded) out += folded;
    else out.append(utf8.substr(i, len));
  }
  return out;
}

std::string FitSms(std::string_view text, size_t max_chars) {
  if (CountChars(text) <= max_chars) return std::string(text);
  if (max_chars <= 3) return std::string(max_chars, '.');
  size_t end = 0;
  for (size_t n = 0, len = 0; n < max_chars - 3; ++n, end += len) DecodeAt(text, end, len);
  std::string out(text.substr(0, end));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "...";
}

}  // namespace vigil
