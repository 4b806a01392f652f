#include "notifiers/email/email_channel.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "daemon/common/log.h"

namespace vigil {
namespace {

constexpr size_t kWordBytes = 42;      // 56 base64 chars: "Subject: " + a word fits 78
constexpr size_t kPlainHeaderMax = 66;  // longer ASCII header text is encoded (and so folded)

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (n > 1) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (n > 2) v |= static_cast<unsigned char>(in[i + 2]);
    for (size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

// A MIME body part's base64, in lines of 76 characters.
std::string Base64Lines(std::string_view in) {
  const std::string b = Base64(in);
  std::string out;
  for (size_t i = 0; i < b.size(); i += 76) out.append(b, i, 76).append("\r\n");
  return out;
}

bool IsPlainAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; }) &&
         s.find("=?") == std::string_view::npos;
}

// Length of the UTF-8 sequence a lead byte starts (1 for ASCII and stray bytes).
size_t SequenceLength(unsigned char b) {
  return b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
}

std::string EncodedWords(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size()) {
      const size_t len = std::min(SequenceLength(text[end]), text.size() - end);
      if (end + len - i > kWordBytes) break;
      end += len;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

// `from_name` as an RFC 5322 display name.
std::string DisplayName(const std::string& name) {
  if (!IsPlainAscii(name) || name.size() > kPlainHeaderMax) return EncodedWords(name);
  std::string q = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

// "From: name <address>", the address on a folded line of its own when the name is long.
std::string FromHeader(const EmailOptions& o) {
  const std::string address = "<" + o.from_address + ">";
  if (o.from_name.empty()) return "From: " + address;
  const std::string head = "From: " + DisplayName(o.from_name);
  const auto last_line = head.rfind('\n');
  const size_t width = head.size() - (last_line == std::string::npos ? 0 : last_line + 1);
  return head + (width + 1 + address.size() > 78 ? "\r\n " : " ") + address;
}

// Header-safe token for ids: the key's letters, digits and - . _ +; anything else becomes _.
std::string IdToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    out += std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-._+", c) ? c : '_';
  }
  return out.empty() ? "none" : out;
}

std::string DomainOf(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos || at + 1 == address.size() ? "localhost" : address.substr(at + 1);
}

// RFC 5322 date in UTC: "Thu, 30 Apr 2026 08:00:00 +0000".
std::string Rfc5322Date(TimeMs now) {
  const std::time_t t = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// The server part of the URL, without any user:password@ (for error messages).
std::string ServerOf(const std::string& url) {
  const auto scheme = url.find("://");
  std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  const auto at = rest.rfind('@');
  return at == std::string::npos ? rest : rest.substr(at + 1);
}

void Scrub(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (auto p = text.find(secret); p != std::string::npos; p = text.find(secret, p)) {
    text.replace(p, secret.size(), "***");
  }
}

// One SMTP transfer's state, shared with libcurl's callbacks.
struct Transfer {
  std::string_view data;   // the message being uploaded
  size_t pos = 0;
  std::string server_said;  // the server's last reply line, for error messages
  char error[CURL_ERROR_SIZE] = "";
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = std::min(size * count, t->data.size() - t->pos);
  std::memcpy(buffer, t->data.data() + t->pos, n);
  t->pos += n;
  return n;
}

// Keeps the server's last 4xx/5xx reply line (never what we send: that holds the AUTH
// exchange), so an error can say what the server said and not only its code.
int KeepReplies(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN || size == 0 || (data[0] != '4' && data[0] != '5')) return 0;
  std::string line(data, std::min<size_t>(size, 200));
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  std::replace_if(line.begin(), line.end(), [](char c) { return c >= 0 && c < 0x20; }, ' ');
  static_cast<Transfer*>(user)->server_said = std::move(line);
  return 0;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

void SetOptions(CURL* c, const EmailOptions& o, const std::string& from, curl_slist* rcpt,
                Transfer& t) {
  curl_easy_setopt(c, CURLOPT_URL, o.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &t);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);  // only to reach KeepReplies; nothing is printed
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, KeepReplies);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &t);
  if (o.timeout_ms > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(o.timeout_ms, 10'000L));
  }
  if (o.starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!o.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, o.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, o.password.c_str());
  }
}

}  // namespace

std::string EncodeHeaderText(std::string_view text) {
  if (IsPlainAscii(text) && text.size() <= kPlainHeaderMax) return std::string(text);
  return EncodedWords(text);
}

Result<void> CheckEmailAddress(std::string_view address) {
  const auto at = address.rfind('@');
  const bool shaped = address.size() <= 254 && at != std::string_view::npos && at > 0 &&
                      at + 1 < address.size() && address.find('@') == at;
  const bool clean = std::all_of(address.begin(), address.end(), [](char c) {
    return c > 0x20 && c < 0x7F && !std::strchr("<>()[],;:\\\"", c);
  });
  if (shaped && clean) return {};
  std::string shown(address.substr(0, 100));
  std::replace_if(shown.begin(), shown.end(), [](char c) { return c >= 0 && c < 0x20; }, '?');
  return Fail("bad_recipient",
              "not an e-mail address Vigil can send to (want local@domain, ASCII, no spaces): \"" +
                  shown + "\"",
              "recipient");
}

std::string ComposeEmail(const EmailOptions& o, const DeliveryJob& job, const RenderedMessage& msg,
                         TimeMs now) {
  const std::string key = IdToken(job.idempotency_key);
  const std::string boundary = "=_vigil_" + key;
  std::string m;
  m += FromHeader(o) + "\r\n";
  m += "To: " + job.recipient + "\r\n";
  m += "Subject: " + EncodeHeaderText(msg.subject) + "\r\n";
  m += "Date: " + Rfc5322Date(now) + "\r\n";
  m += "Message-ID: <" + key + "@" + IdToken(DomainOf(o.from_address)) + ">\r\n";
  m += "X-Vigil-Idempotency-Key: " + key + "\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "This is a MIME message with a plain text and an HTML version.\r\n";
  const std::pair<const char*, const std::string*> parts[] = {{"text/plain", &msg.text},
                                                              {"text/html", &msg.html}};
  for (const auto& [type, body] : parts) {
    m += "\r\n--" + boundary + "\r\n";
    m += std::string("Content-Type: ") + type + "; charset=UTF-8\r\n";
    m += "Content-Transfer-Encoding: base64\r\n\r\n";
    m += Base64Lines(*body);
  }
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

EmailChannel::EmailChannel(EmailOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<void> EmailChannel::Deliver(const DeliveryJob& job) {
  nlohmann::json payload;
  try {
    payload = nlohmann::json::parse(job.payload);
  } catch (const nlohmann::json::exception& e) {
    return Fail("bad_payload", std::string("page payload is not JSON: ") + e.what());
  }
  if (auto ok = CheckEmailAddress(job.recipient); !ok) return ok;
  if (!CheckEmailAddress(options_.from_address)) {
    return Fail("bad_sender", "email.from is not a plain e-mail address", "email.from");
  }
  const TimeMs now = clock_.Now();
  const RenderedMessage msg = RenderMessage(payload, options_.lang, now);
  auto sent = Send(job.recipient, ComposeEmail(options_, job, msg, now));
  if (sent) {
    Log("email")->info("email_sent outbox_id={} key={} to={}", job.outbox_id,
                       IdToken(job.idempotency_key), job.recipient);
  }
  return sent;
}

Result<void> EmailChannel::Send(const std::string& recipient, const std::string& message) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  std::unique_ptr<curl_slist, CurlDeleter> rcpt(
      curl_slist_append(nullptr, ("<" + recipient + ">").c_str()));
  if (!curl || !rcpt) return Fail("smtp_failed", "libcurl could not start a transfer");
  const std::string from = "<" + options_.from_address + ">";
  Transfer t;
  t.data = message;
  SetOptions(curl.get(), options_, from, rcpt.get(), t);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc == CURLE_OK) return {};
  std::string text = "SMTP delivery to " + recipient + " via " + ServerOf(options_.url) +
                     " failed: " + (t.error[0] ? t.error : curl_easy_strerror(rc));
  if (!t.server_said.empty()) text += "; the server said \"" + t.server_said + "\"";
  Scrub(text, options_.password);
  return Fail("smtp_failed", text);
}

}  // namespace vigil
