#include "notifiers/sms/sms_channel.h"

#include <httplib.h>

#include "notifiers/http_common.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>

#include "daemon/common/log.h"
#include "notifiers/templates.h"

namespace vigil {

namespace {

constexpr std::string_view kHex = "0123456789ABCDEF";

bool IEquals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// "https://host:port/path?q" → origin "https://host:port", target "/path?q".
struct UrlParts {
  std::string origin;
  std::string target;
};

Result<UrlParts> SplitUrl(std::string_view url) {
  const size_t sep = url.find("://");
  const std::string scheme = sep == std::string_view::npos ? "" : std::string(url.substr(0, sep));
  if (!IEquals(scheme, "http") && !IEquals(scheme, "https")) {
    return Fail("bad_url", "the SMS gateway url must start with http:// or https://", "url");
  }
  const std::string_view rest = url.substr(sep + 3);
  const size_t slash = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, slash);
  if (authority.empty()) return Fail("bad_url", "the SMS gateway url has no host", "url");
  if (authority.find('@') != std::string_view::npos) {
    return Fail("bad_url", "credentials in the SMS gateway url: put them in a header", "url");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) {
      return Fail("bad_url",
                  "the SMS gateway url has a space or a non-ASCII character once expanded "
                  "(use {{text_url}} and {{to_url}} in URLs)",
                  "url");
    }
  }
  std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (target[0] != '/') target.insert(0, "/");
  if (const size_t hash = target.find('#'); hash != std::string::npos) target.resize(hash);
  return UrlParts{std::string(url.substr(0, sep + 3)) + std::string(authority), target};
}

// Pieces of header values and of the URL that may be credentials; redacted from errors.
std::vector<std::string> SecretsOf(const SmsOptions& o) {
  std::vector<std::string> out;
  auto add_pieces = [&out](std::string_view s, std::string_view seps, size_t min_len) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find_first_of(seps, start);
      if (end == std::string_view::npos) end = s.size();
      std::string_view piece = s.substr(start, end - start);
      if (piece.size() >= min_len && piece.find("{{") == std::string_view::npos) {
        out.emplace_back(piece);
      }
      start = end + 1;
    }
  };
  for (const auto& [name, value] : o.headers) {
    if (IEquals(name, "Content-Type") || IEquals(name, "Accept")) continue;
    add_pieces(value, "\n", 4);    // the whole value
    add_pieces(value, " ,;:", 6);  // "Bearer <token>", "Basic <base64>"
  }
  const size_t sep = o.url.find("://");
  const size_t path = o.url.find('/', sep == std::string::npos ? 0 : sep + 3);
  if (path != std::string::npos) add_pieces(std::string_view(o.url).substr(path), "/?&=#", 12);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3)) {
      text.replace(at, s.size(), "***");
    }
  }
  return text;
}

// The start of a gateway's answer, on one line, cut on a UTF-8 boundary, secrets redacted.
// One gateway request, expanded from the options for one message.
struct Request {
  UrlParts url;
  std::string method;
  httplib::Headers headers;
  std::string body;
  std::string content_type;
};

Result<Request> BuildRequest(const SmsOptions& o, const SmsFields& fields) {
  auto url = SplitUrl(ExpandSmsTemplate(o.url, fields));
  if (!url) return std::unexpected(url.error());
  Request r{*std::move(url), o.method, {}, {}, {}};
  for (const auto& [name, value] : o.headers) {
    if (IEquals(name, "Content-Type")) {
      r.content_type = ExpandSmsTemplate(value, fields);
    } else {
      r.headers.emplace(name, ExpandSmsTemplate(value, fields));
    }
  }
  if (!r.headers.contains("User-Agent")) r.headers.emplace("User-Agent", "vigil");
  if (o.method == "GET") return r;
  r.body = ExpandSmsTemplate(o.body_template, fields);
  if (r.content_type.empty()) {
    const size_t first = r.body.find_first_not_of(" \t\r\n");
    const bool json = first != std::string::npos && (r.body[first] == '{' || r.body[first] == '[');
    r.content_type = json ? "application/json" : "application/x-www-form-urlencoded";
  }
  return r;
}

httplib::Result Send(const Request& r, long timeout_ms) {
  httplib::Client client(r.url.origin);
  const auto timeout = std::chrono::milliseconds(timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_url_encode(false);  // the URL goes out as the template wrote it
  return r.method == "GET" ? client.Get(r.url.target, r.headers)
                           : client.Post(r.url.target, r.headers, r.body, r.content_type);
}

}  // namespace

std::string PercentEncode(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string quoted =
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

std::string ExpandSmsTemplate(std::string_view tmpl, const SmsFields& f) {
  const std::pair<std::string_view, std::string> values[] = {
      {"to", f.to},     {"to_url", PercentEncode(f.to)},     {"to_json", JsonEscape(f.to)},
      {"text", f.text}, {"text_url", PercentEncode(f.text)}, {"text_json", JsonEscape(f.text)},
      {"id", f.id}};
  std::string out;
  size_t pos = 0;
  for (size_t open = tmpl.find("{{"); open != std::string_view::npos; open = tmpl.find("{{", pos)) {
    const size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    std::string_view name = tmpl.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    const auto* hit = std::find_if(std::begin(values), std::end(values),
                                   [name](const auto& v) { return v.first == name; });
    out.append(tmpl.substr(pos, open - pos));
    if (hit == std::end(values)) {  // not ours: keep the braces and look past them
      out += "{{";
      pos = open + 2;
      continue;
    }
    out += hit->second;
    pos = close + 2;
  }
  out.append(tmpl.substr(pos));
  return out;
}

Result<void> CheckSmsOptions(const SmsOptions& o) {
  if (auto parts = SplitUrl(ExpandSmsTemplate(o.url, {"+84900000000", "x", "id"})); !parts) {
    return std::unexpected(parts.error());
  }
  for (std::string_view raw : {"{{text}}", "{{text_json}}", "{{to}}", "{{to_json}}"}) {
    if (o.url.find(raw) != std::string::npos) {
      return Fail("bad_url",
                  std::string(raw) + " in the SMS gateway url: use {{text_url}} / {{to_url}}",
                  "url");
    }
  }
  if (o.method != "POST" && o.method != "GET") {
    return Fail("bad_method", "the SMS gateway method must be POST or GET, not " + o.method,
                "method");
  }
  for (const auto& [name, value] : o.headers) {
    if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos) {
      return Fail("bad_header", "bad SMS gateway header name \"" + name + "\"", "headers");
    }
  }
  if (o.max_chars < 4) return Fail("bad_max_chars", "max_chars must be at least 4", "max_chars");
  if (o.timeout_ms <= 0) return Fail("bad_timeout", "timeout_ms must be positive", "timeout_ms");
  return {};
}

SmsChannel::SmsChannel(SmsOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), secrets_(SecretsOf(options_)) {}

Result<void> SmsChannel::Deliver(const DeliveryJob& job) {
  if (auto ok = CheckSmsOptions(options_); !ok) return ok;
  if (job.recipient.empty()) return Fail("bad_recipient", "no phone number to send the SMS to");
  nlohmann::json payload = nlohmann::json::parse(job.payload, nullptr, false);
  if (payload.is_discarded()) return Fail("bad_payload", "the page payload is not JSON");

  std::string text = RenderMessage(payload, options_.lang, clock_.Now()).sms;
  if (options_.fold_diacritics) text = FoldVietnamese(text);
  const SmsFields fields{job.recipient, FitSms(text, options_.max_chars), job.idempotency_key};
  auto request = BuildRequest(options_, fields);
  if (!request) return std::unexpected(request.error());

  httplib::Result res = Send(*request, options_.timeout_ms);
  const std::string gateway = "SMS gateway " + Redact(request->url.origin, secrets_);
  if (!res) {
    return Fail("sms_network",
                gateway + ": " + DescribeNetworkError(res.error(), options_.timeout_ms), "url",
                502);
  }
  if (res->status < 200 || res->status > 299) {
    return Fail(
        "sms_gateway",
        gateway + " answered " + std::to_string(res->status) + ": " +
            OneLineSnippet(Redact(std::string(res->body.substr(0, 4096)), secrets_)),
        "url", 502);
  }
  Log("notifier")->debug("sms_delivered outbox_id={} status={}", job.outbox_id, res->status);
  return {};
}

}  // namespace vigil
