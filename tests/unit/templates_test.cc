// Message templates (subjects, bodies, SMS, folding) and the e-mail message they go out in.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

#include "daemon/bus/bus.h"
#include "daemon/common/json_text.h"
#include "daemon/common/time_util.h"
#include "notifiers/email/email_channel.h"
#include "notifiers/templates.h"

using namespace vigil;
using nlohmann::json;

namespace {

constexpr TimeMs kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z = 07:00 in Hà Nội
constexpr TimeMs kMinute = 60'000;

json Alert(std::string summary = "Tấn công DDoS vào cổng thông tin", TimeMs age = 3 * kMinute) {
  return {{"id", 12},
          {"integration", "alertmanager"},
          {"dedup_key", "ddos-portal"},
          {"status", "triggered"},
          {"severity", "critical"},
          {"summary", std::move(summary)},
          {"source", "portal.sgd"},
          {"at", FormatTimestamp(kNow - age)}};
}

json Page(json alert = Alert()) {
  return {{"type", "page"},
          {"alert", std::move(alert)},
          {"level", 2},
          {"why", "duty_officer@truc via roster Lịch trực lễ"},
          {"links",
           {{"ack", "https://vigil.sgd.example.vn/a/12/ack?t=abc"},
            {"resolve", "https://vigil.sgd.example.vn/a/12/resolve?t=abc"}}}};
}

json ContactPoint() {
  return {{"type", "contact_point"},
          {"alert", Alert()},
          {"level", 3},
          {"contact_point",
           {{"id", "vnpt"},
            {"name", "VNPT Hà Nội – trực NOC"},
            {"phone", "024 3826 6868"},
            {"email", "noc@vnpt.example.vn"},
            {"notes", "Hợp đồng số 12/2025"}}}};
}

json Shift(std::string_view type, TimeMs start) {
  return {{"type", type},
          {"shift",
           {{"schedule", "truc-le"},
            {"person", "an"},
            {"shift_start", FormatTimestamp(start)},
            {"shift_end", FormatTimestamp(start + 10 * 60 * kMinute)}}}};
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Base64Decode(std::string_view in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    v = (v << 6) | static_cast<unsigned>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("folding strips Vietnamese diacritics for GSM-7 SMS", "[templates]") {
  CHECK(FoldVietnamese("Cảnh báo Đồng Nai") == "Canh bao Dong Nai");
  CHECK(FoldVietnamese("Sở Giáo dục và Đào tạo Thừa Thiên Huế") ==
        "So Giao duc va Dao tao Thua Thien Hue");
  CHECK(FoldVietnamese("đĐ") == "dD");
  CHECK(FoldVietnamese("plain ASCII 123 [x] (y)") == "plain ASCII 123 [x] (y)");
}

TEST_CASE("folding covers every Vietnamese vowel with every tone, in both cases", "[templates]") {
  const std::pair<const char*, const char*> kRows[] = {
      {"aàáảãạăằắẳẵặâầấẩẫậ", "aaaaaaaaaaaaaaaaaa"}, {"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "AAAAAAAAAAAAAAAAAA"},
      {"eèéẻẽẹêềếểễệ", "eeeeeeeeeeee"},             {"EÈÉẺẼẸÊỀẾỂỄỆ", "EEEEEEEEEEEE"},
      {"iìíỉĩị", "iiiiii"},                         {"IÌÍỈĨỊ", "IIIIII"},
      {"oòóỏõọôồốổỗộơờớởỡợ", "oooooooooooooooooo"}, {"OÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", "OOOOOOOOOOOOOOOOOO"},
      {"uùúủũụưừứửữự", "uuuuuuuuuuuu"},             {"UÙÚỦŨỤƯỪỨỬỮỰ", "UUUUUUUUUUUU"},
      {"yỳýỷỹỵ", "yyyyyy"},                         {"YỲÝỶỸỴ", "YYYYYY"},
  };
  for (const auto& [vi, ascii] : kRows) {
    INFO(vi);
    CHECK(FoldVietnamese(vi) == ascii);
  }
}

TEST_CASE("folding drops combining marks of decomposed (NFD) text", "[templates]") {
  // "Cảnh báo" with the tones as combining marks: a + U+0309, a + U+0301.
  CHECK(FoldVietnamese("Ca\u0309nh ba\u0301o") == "Canh bao");
  // NFD "Huế": e + circumflex U+0302 + acute U+0301; "Trường": u + horn U+031B + grave U+0300.
  CHECK(FoldVietnamese("Hue\u0302\u0301 Tru\u031Bo\u031B\u0300ng") == "Hue Truong");
  // Mixed: precomposed "ê" followed by a combining acute.
  CHECK(FoldVietnamese("Hu\u00EA\u0301") == "Hue");
}

TEST_CASE("folding leaves other characters and broken bytes alone", "[templates]") {
  CHECK(FoldVietnamese("Zürich ñ € 日本 😀") == "Zürich ñ € 日本 😀");
  CHECK(FoldVietnamese("a\xFF" "b\xC3") == "a\xFF" "b\xC3");
  CHECK(FoldVietnamese("") == "");
}

TEST_CASE("FitSms keeps text that fits and cuts longer text to the limit with ...", "[templates]") {
  const std::string fits(160, 'a');
  CHECK(FitSms(fits) == fits);
  const std::string cut = FitSms(fits + "b");
  CHECK(cut.size() == 160);
  CHECK(cut == std::string(157, 'a') + "...");
  CHECK(FitSms("", 10) == "");
  CHECK(FitSms("abcdef", 3) == "...");
  CHECK(FitSms("abcdef", 0) == "");
  CHECK(FitSms("Tan cong DDoS vao cong", 16) == "Tan cong DDoS...");  // no space before ...
}

TEST_CASE("FitSms counts characters, not bytes, and never splits one", "[templates]") {
  const std::string ten = "ĐĐĐĐĐĐĐĐĐĐ";  // 10 characters, 20 bytes
  CHECK(FitSms(ten, 10) == ten);
  CHECK(FitSms(ten + "Đ", 10) == "ĐĐĐĐĐĐĐ...");
  CHECK(FitSms("ế😀ế😀ế", 4) == "ế...");
}

TEST_CASE("a page's subject names severity, alert, summary and source in Vietnamese",
          "[templates]") {
  const auto m = RenderMessage(Page(), Lang::kVi, kNow);
  CHECK(m.subject == "[NGHIÊM TRỌNG] #12 Tấn công DDoS vào cổng thông tin — portal.sgd");
  CHECK(RenderMessage(Page(), Lang::kEn, kNow).subject ==
        "[CRITICAL] #12 Tấn công DDoS vào cổng thông tin — portal.sgd");
}

TEST_CASE("a page's body says what, where, how long ago, which level and why", "[templates]") {
  const auto vi = RenderMessage(Page(), Lang::kVi, kNow);
  for (const char* part : {"Mức độ", "NGHIÊM TRỌNG", "Tấn công DDoS vào cổng thông tin", "Nguồn",
                           "portal.sgd", "Tích hợp", "alertmanager", "3 phút trước",
                           "2026-01-01 06:57 (giờ Việt Nam)", "Bậc leo thang",
                           "2 — lý do: cán bộ trực của lịch truc (lịch trực lễ: Lịch trực lễ)"}) {
    INFO(part);
    CHECK(Has(vi.text, part));
    CHECK(Has(vi.html, part));
  }
  CHECK(Has(vi.text, "Xác nhận đã nhận: https://vigil.sgd.example.vn/a/12/ack?t=abc"));
  CHECK(Has(vi.text, "Đánh dấu đã xử lý: https://vigil.sgd.example.vn/a/12/resolve?t=abc"));
  CHECK(Has(vi.html, "<a href=\"https://vigil.sgd.example.vn/a/12/ack?t=abc\""));
  CHECK(Has(vi.html, ">Xác nhận đã nhận</a>"));
  const auto en = RenderMessage(Page(), Lang::kEn, kNow);
  for (const char* part : {"Severity", "CRITICAL", "Source", "Integration", "3 minutes ago",
                           "Escalation level", "why: duty officer of schedule truc",
                           "Acknowledge: https://vigil.sgd.example.vn/a/12/ack?t=abc"}) {
    INFO(part);
    CHECK(Has(en.text, part));
  }
  CHECK_FALSE(Has(en.text, "phút"));
}

TEST_CASE("ages read naturally in both languages", "[templates]") {
  auto text = [](TimeMs age, Lang l) {
    return RenderMessage(Page(Alert("x", age)), l, kNow).text;
  };
  CHECK(Has(text(20'000, Lang::kVi), "vừa xong"));
  CHECK(Has(text(kMinute, Lang::kEn), "1 minute ago"));
  CHECK(Has(text(125 * kMinute, Lang::kVi), "2 giờ 5 phút trước"));
  CHECK(Has(text(125 * kMinute, Lang::kEn), "2 hours 5 minutes ago"));
  CHECK(Has(text(27 * 60 * kMinute, Lang::kVi), "1 ngày 3 giờ trước"));
}

TEST_CASE("a page without links tells how to acknowledge from the command line", "[templates]") {
  json page = Page();
  page.erase("links");
  const auto m = RenderMessage(page, Lang::kVi, kNow);
  CHECK(Has(m.text, "vigilctl ack 12"));
  CHECK_FALSE(Has(m.text, "Xác nhận đã nhận: http"));
  CHECK_FALSE(Has(m.html, "<a href"));
  CHECK(m.sms == "[NGHIÊM TRỌNG] #12 Tấn công DDoS vào cổng thông tin (portal) 3p");
}

TEST_CASE("HTML escapes everything that comes from the payload", "[templates]") {
  json alert = Alert("<script>alert('x')</script> & \"quotes\"");
  alert["source"] = "<img src=x onerror=alert(1)>";
  alert["integration"] = "a&b";
  json page = Page(alert);
  page["why"] = "person:<b>an</b>";
  page["links"]["ack"] = "https://v.example/ack?a=1&b=\"><script>";
  page["links"]["resolve"] = "javascript:alert(1)";
  const auto m = RenderMessage(page, Lang::kVi, kNow);
  CHECK_FALSE(Has(m.html, "<script>"));
  CHECK_FALSE(Has(m.html, "<img"));
  CHECK_FALSE(Has(m.html, "<b>"));
  CHECK_FALSE(Has(m.html, "href=\"javascript:"));
  CHECK(Has(m.html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"));
  CHECK(Has(m.html, "href=\"https://v.example/ack?a=1&amp;b=&quot;&gt;&lt;script&gt;\""));
  CHECK(Has(m.html, "a&amp;b"));
  // The text part is not HTML: it keeps the summary as written.
  CHECK(Has(m.text, "<script>alert('x')</script>"));
}

TEST_CASE("subjects and SMS stay on one line whatever the summary holds", "[templates]") {
  const auto m = RenderMessage(Page(Alert("dòng một\r\ndòng\thai\n")), Lang::kVi, kNow);
  CHECK(m.subject == "[NGHIÊM TRỌNG] #12 dòng một dòng hai — portal.sgd");
  CHECK_FALSE(Has(m.sms, "\n"));
}

TEST_CASE("the SMS form is short: severity, id, summary, source, age and the ack link",
          "[templates]") {
  json page = Page();
  page["links"]["ack"] = "https://v.sgd/a/1";
  const auto m = RenderMessage(page, Lang::kVi, kNow);
  CHECK(m.sms ==
        "[NGHIÊM TRỌNG] #12 Tấn công DDoS vào cổng thông tin (portal) 3p. Xác nhận: https://v.sgd/a/1");
  CHECK(FoldVietnamese(m.sms) ==
        "[NGHIEM TRONG] #12 Tan cong DDoS vao cong thong tin (portal) 3p. Xac nhan: https://v.sgd/a/1");
  CHECK(RenderMessage(page, Lang::kEn, kNow).sms ==
        "[CRITICAL] #12 Tấn công DDoS vào cổng thông tin (portal) 3m. Ack: https://v.sgd/a/1");
}

TEST_CASE("a long summary is cut so the SMS keeps its ack link within 160 characters",
          "[templates]") {
  std::string summary;
  for (int i = 0; i < 20; ++i) summary += "Tấn công DDoS vào cổng thông tin ";
  const auto m = RenderMessage(Page(Alert(summary)), Lang::kVi, kNow);
  const std::string sms = FoldVietnamese(m.sms);
  CHECK(FitSms(sms) == sms);  // already fits
  CHECK(sms.starts_with("[NGHIEM TRONG] #12 Tan cong DDoS"));
  CHECK(Has(sms, "... (portal) 3p. Xac nhan: https://vigil.sgd.example.vn/a/12/ack?t=abc"));
}

TEST_CASE("a contact point message asks to call them now and gives phone and e-mail",
          "[templates]") {
  const auto vi = RenderMessage(ContactPoint(), Lang::kVi, kNow);
  CHECK(vi.subject ==
        "[NGHIÊM TRỌNG] #12 Đề nghị gọi ngay VNPT Hà Nội – trực NOC (024 3826 6868): "
        "Tấn công DDoS vào cổng thông tin — portal.sgd");
  for (const char* part : {"Đề nghị gọi ngay", "VNPT Hà Nội – trực NOC", "024 3826 6868",
                           "noc@vnpt.example.vn", "Hợp đồng số 12/2025", "Bậc 3",
                           "Tấn công DDoS vào cổng thông tin"}) {
    INFO(part);
    CHECK(Has(vi.text, part));
  }
  CHECK(Has(vi.html, "href=\"tel:02438266868\""));
  CHECK_FALSE(Has(vi.text, "tel:"));
  CHECK(Has(vi.sms, "024 3826 6868"));
  CHECK(FoldVietnamese(vi.sms).starts_with("[NGHIEM TRONG] #12 Goi ngay VNPT Ha Noi"));
  const auto en = RenderMessage(ContactPoint(), Lang::kEn, kNow);
  CHECK(Has(en.text, "Call now: VNPT Hà Nội – trực NOC — 024 3826 6868"));
  CHECK(Has(en.sms, "024 3826 6868"));
}

TEST_CASE("a check-in reminder says when the shift runs and how to check in", "[templates]") {
  const auto vi = RenderMessage(Shift("checkin_reminder", kNow + 25 * kMinute), Lang::kVi, kNow);
  CHECK(vi.subject == "[NHẮC XÁC NHẬN TRỰC] an, ca trực truc-le 2026-01-01 07:25");
  CHECK(Has(vi.text, "Ca trực bắt đầu sau 25 phút."));
  CHECK(Has(vi.text, "vigilctl checkin an"));
  CHECK(Has(vi.sms, "vigilctl checkin an"));
  const auto en = RenderMessage(Shift("checkin_reminder", kNow - 5 * kMinute), Lang::kEn, kNow);
  CHECK(Has(en.text, "Your shift started 5 minutes ago; it ends in 9 hours 55 minutes."));
  CHECK(Has(en.text, "Check in: vigilctl checkin an"));
}

TEST_CASE("a missed check-in asks the backup and the leader to act", "[templates]") {
  const auto vi = RenderMessage(Shift("checkin_missed", kNow - 15 * kMinute), Lang::kVi, kNow);
  CHECK(vi.subject ==
        "[CHƯA XÁC NHẬN TRỰC] an chưa xác nhận có mặt — ca truc-le 2026-01-01 06:45");
  CHECK(Has(vi.text, "hoặc trực thay"));
  CHECK(Has(vi.text, "15 phút trước"));
  const auto en = RenderMessage(Shift("checkin_missed", kNow - 15 * kMinute), Lang::kEn, kNow);
  CHECK(Has(en.subject, "an did not check in"));
  CHECK(Has(en.sms, "stand in"));
}

TEST_CASE("a bare alert (what a contact point's e-mail gets) renders as a page", "[templates]") {
  const auto m = RenderMessage(Alert(), Lang::kVi, kNow);
  CHECK(m.subject == "[NGHIÊM TRỌNG] #12 Tấn công DDoS vào cổng thông tin — portal.sgd");
  CHECK(Has(m.text, "3 phút trước"));
}

TEST_CASE("unknown or malformed payloads render a generic message instead of failing",
          "[templates]") {
  const auto unknown = RenderMessage(json{{"type", "holiday_party"}, {"x", "<b>"}}, Lang::kVi, kNow);
  CHECK(Has(unknown.subject, "holiday_party"));
  CHECK(Has(unknown.text, "<b>"));
  CHECK_FALSE(Has(unknown.html, "<b>"));
  for (const json& odd : {json::array({1, 2}), json(nullptr), json("page"),
                          json{{"type", "page"}, {"alert", "not an object"}, {"level", {1}}},
                          json{{"type", "page"}, {"alert", {{"summary", 5}, {"at", 7}}}}}) {
    INFO(odd.dump());
    const auto m = RenderMessage(odd, Lang::kEn, kNow);
    CHECK_FALSE(m.subject.empty());
    CHECK_FALSE(m.text.empty());
  }
}

TEST_CASE("e-mail header text is RFC 2047 encoded in words of at most 75 characters",
          "[email]") {
  CHECK(EncodeHeaderText("Disk full on web01") == "Disk full on web01");
  CHECK(EncodeHeaderText("x =?UTF-8?B?abc?=").starts_with("=?UTF-8?B?"));  // not mistaken
  const std::string subject =
      "[NGHIÊM TRỌNG] #12 Tấn công DDoS vào cổng thông tin của Sở Giáo dục và Đào tạo — "
      "portal.sgd 😀 ế";
  const std::string encoded = EncodeHeaderText(subject);
  std::istringstream lines(encoded);
  std::string line, decoded;
  int words = 0;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (words > 0) {
      REQUIRE(line.starts_with(" "));  // folded with CRLF + space
      line.erase(0, 1);
    }
    ++words;
    CHECK(line.size() <= 75);
    REQUIRE(line.starts_with("=?UTF-8?B?"));
    REQUIRE(line.ends_with("?="));
    const std::string bytes = Base64Decode(line.substr(10, line.size() - 12));
    CHECK((static_cast<unsigned char>(bytes.front()) & 0xC0) != 0x80);  // starts a character
    decoded += bytes;
  }
  CHECK(words > 1);
  CHECK(decoded == subject);
}

TEST_CASE("recipients must be plain addresses so nothing can be injected", "[email]") {
  CHECK(CheckEmailAddress("an.nguyen@sgd.example.vn").has_value());
  for (const char* bad : {"", "an", "@sgd.vn", "an@", "an@@x", "an @x.vn", "an@x.vn\r\nBcc: x@y",
                          "<an@x.vn>", "an@x.vn,b@y.vn", "ân@x.vn"}) {
    INFO(bad);
    auto r = CheckEmailAddress(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "bad_recipient");
    CHECK(r.error().field == "recipient");
  }
}

TEST_CASE("an e-mail is multipart/alternative with a Message-ID from the idempotency key",
          "[email]") {
  EmailOptions o;
  o.from_address = "vigil@sgd.example.vn";
  o.from_name = "Vigil Sở GD&ĐT";
  DeliveryJob job{12, "vigil-n12", "an@sgd.example.vn", Page().dump()};
  const auto msg = RenderMessage(Page(), Lang::kVi, kNow);
  const std::string mail = ComposeEmail(o, job, msg, kNow);
  CHECK(Has(mail, "\r\nMessage-ID: <vigil-n12@sgd.example.vn>\r\n"));
  CHECK(Has(mail, "\r\nX-Vigil-Idempotency-Key: vigil-n12\r\n"));
  CHECK(Has(mail, "\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n"));
  CHECK(Has(mail, "\r\nTo: an@sgd.example.vn\r\n"));
  CHECK(mail.starts_with("From: =?UTF-8?B?"));
  CHECK(Has(mail, " <vigil@sgd.example.vn>\r\n"));
  CHECK(Has(mail, "Content-Type: multipart/alternative;"));
  CHECK(Has(mail, "Content-Type: text/plain; charset=UTF-8"));
  CHECK(Has(mail, "Content-Type: text/html; charset=UTF-8"));
  CHECK(mail == ComposeEmail(o, job, msg, kNow));  // a re-send is the same message
  size_t longest = 0, start = 0;
  for (size_t p = mail.find("\r\n"); p != std::string::npos; p = mail.find("\r\n", start)) {
    longest = std::max(longest, p - start);
    CHECK(mail.substr(start, p - start).find('\n') == std::string::npos);  // CRLF only
    start = p + 2;
  }
  CHECK(longest <= 78);
}

TEST_CASE("a page with a reply code says how to answer by SMS, in one GSM-7 SMS", "[templates]") {
  json page = Page();
  page["reply_code"] = "48213907";
  const auto vi = RenderMessage(page, Lang::kVi, kNow);
  const std::string sms = FitSms(FoldVietnamese(vi.sms), 160);
  INFO(sms);
  CHECK(sms.find("Tra loi 48213907a: nhan, 48213907e: leo thang, 48213907c: dong") != std::string::npos);
  CHECK(sms.find("#12") != std::string::npos);
  CHECK(sms.size() <= 160);
  CHECK(vi.text.find("48213907a") != std::string::npos);  // e-mail and Telegram say it too
  const auto en = RenderMessage(page, Lang::kEn, kNow);
  CHECK(en.sms.find("Reply 48213907a: ack, 48213907e: escalate, 48213907c: close") != std::string::npos);
}

TEST_CASE("a bundle of held pages reads as one message listing every alert", "[templates]") {
  json a = Alert("Máy chủ trường THPT số 2 mất kết nối hoàn toàn từ sáng nay");
  json b = Alert("NAS sao lưu của Sở: ổ đĩa còn 5% dung lượng trống");
  json c = Alert("Tường lửa phát hiện dò quét cổng từ nước ngoài");
  a["id"] = 13;
  b["id"] = 14;
  c["id"] = 15;
  json bundle = {{"type", "bundle"},
                 {"count", 3},
                 {"pages", {Page(a), Page(b), Page(c)}},
                 {"idempotency_keys", {"vigil-n3", "vigil-n5", "vigil-n7"}},
                 {"reply_code", "99790312"}};
  const auto vi = RenderMessage(bundle, Lang::kVi, kNow);
  INFO(vi.sms);
  CHECK(vi.subject.rfind("[Vigil] 3 cảnh báo mới: #13", 0) == 0);
  CHECK(vi.sms.rfind("3 cảnh báo mới: #13 ", 0) == 0);
  for (const char* id : {"#13", "#14", "#15"}) {
    CHECK(vi.sms.find(id) != std::string::npos);
    CHECK(vi.text.find(id) != std::string::npos);
  }
  const std::string folded = FoldVietnamese(vi.sms);
  CHECK(folded.size() <= 160);
  CHECK(folded.find("Tra loi 99790312a: nhan tat ca") != std::string::npos);  // never cut off
  CHECK(vi.html.find("https://vigil.sgd.example.vn/a/12/ack?t=abc") != std::string::npos);
  const auto en = RenderMessage(bundle, Lang::kEn, kNow);
  CHECK(en.sms.rfind("3 new alerts: #13", 0) == 0);
}

TEST_CASE("AppendJsonString writes strings the JSON parser reads back unchanged") {
  const std::vector<std::string> samples = {
      "",
      "Cảnh báo: máy chủ cổng thông tin Sở GD&ĐT ngừng phản hồi",
      "quote \" backslash \\ slash / tab \t newline \n cr \r",
      [] {  // control bytes, the NUL included: its length from the array, not counted by hand
        static constexpr char kRaw[] = "nul \0 bell \a esc \x1b del \x7f";
        return std::string(kRaw, sizeof kRaw - 1);
      }(),
      "emoji 🚨 and 中文"};
  for (const auto& s : samples) {
    std::string out;
    AppendJsonString(out, s);
    CAPTURE(out);
    CHECK(nlohmann::json::parse(out).get<std::string>() == s);
    CHECK(out.find('\n') == std::string::npos);
  }
  std::string out = "x";
  AppendJsonString(out, "a\x01");
  CHECK(out == R"(x"a\u0001")");
}

TEST_CASE("the console splices the idempotency key into the page without re-serialising") {
  auto with = WithIdempotencyKey(R"({"type":"page","alert":{"id":7,"summary":"Sập }"}})",
                                 "vigil-n42");
  REQUIRE(with);
  CHECK(*with == R"({"type":"page","alert":{"id":7,"summary":"Sập }"},"idempotency_key":"vigil-n42"})");
  CHECK(nlohmann::json::parse(*with)["alert"]["summary"] == "Sập }");

  auto empty = WithIdempotencyKey(" {  } ", "k1");
  REQUIRE(empty);
  CHECK(nlohmann::json::parse(*empty) == nlohmann::json{{"idempotency_key", "k1"}});

  auto bad = WithIdempotencyKey("[1,2]", "k2");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "bad_payload");
  CHECK_FALSE(WithIdempotencyKey("not json", "k3"));
}
