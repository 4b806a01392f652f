#include "notifiers/telegram/telegram_channel.h"

#include <httplib.h>

#include "notifiers/http_common.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "daemon/common/log.h"
#include "notifiers/templates.h"

namespace vigil {

namespace {

using nlohmann::json;

constexpr size_t kCallbackDataBytes = 64;  // the Bot API's limit on callback_data

// api_base "https://host:port/prefix" → origin "https://host:port", prefix "/prefix".
struct Base {
  std::string origin;
  std::string prefix;
};

std::optional<Base> SplitBase(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  const std::string_view scheme = url.substr(0, sep);
  const std::string_view rest = url.substr(sep + 3);
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const bool printable = std::all_of(url.begin(), url.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f && c != '?' && c != '#' && c != '@';
  });
  if ((scheme != "http" && scheme != "https") || authority.empty() || !printable) {
    return std::nullopt;
  }
  std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return Base{std::string(url.substr(0, sep + 3 + authority.size())), prefix};
}

std::string Redact(std::string text, const std::string& token) {
  if (token.empty()) return text;
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at)) {
    text.replace(at, token.size(), "<token>");
  }
  return text;
}

// "ack:<alert>:<key>", without the key if that would pass the Bot API's 64-byte limit.
std::string CallbackData(std::string_view action, const std::string& alert,
                         const std::string& key) {
  std::string data = std::string(action) + ":" + alert;
  if (data.size() + 1 + key.size() <= kCallbackDataBytes) data += ":" + key;
  return data;
}

// The sendMessage body: the text, and the buttons when the payload is about an alert.
json SendMessageBody(const json& payload, const DeliveryJob& job, Lang lang, TimeMs now) {
  const RenderedMessage m = RenderMessage(payload, lang, now);
  json body = {{"chat_id", job.recipient}, {"text", m.text.empty() ? m.subject : m.text}};
  const json* alert = payload.contains("alert") ? &payload["alert"] : nullptr;
  const bool bundle = payload.value("type", "") == "bundle";  // the buttons answer for all
  if (!bundle && (!alert || !alert->is_object() || !alert->contains("id"))) return body;
  const json& id = bundle ? json("all") : (*alert)["id"];
  const std::string alert_id = id.is_string() ? id.get<std::string>() : id.dump();
  auto button = [&](const char* vi, const char* en, std::string_view action) {
    return json{{"text", Tr(lang, vi, en)},
                {"callback_data", CallbackData(action, alert_id, job.idempotency_key)}};
  };
  body["reply_markup"] = {
      {"inline_keyboard", json::array({json::array({button("Xác nhận", "Acknowledge", "ack"),
                                                    button("Leo thang", "Escalate", "esc"),
                                                    button("Đóng", "Resolve", "res")})})}};
  return body;
}

}  // namespace

Result<void> CheckTelegramOptions(const TelegramOptions& o) {
  if (!SplitBase(o.api_base)) {
    return Fail("bad_url", "api_base must be an http:// or https:// URL with a host", "api_base");
  }
  if (o.bot_token.empty() || o.bot_token.find_first_of(" /?#%\r\n\t") != std::string::npos) {
    return Fail("bad_token", "bot_token is empty or has spaces or URL characters in it",
                "bot_token");
  }
  if (o.timeout_ms <= 0) return Fail("bad_timeout", "timeout_ms must be positive", "timeout_ms");
  return {};
}

TelegramChannel::TelegramChannel(TelegramOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

Result<void> TelegramChannel::Deliver(const DeliveryJob& job) {
  if (auto ok = CheckTelegramOptions(options_); !ok) return ok;
  if (job.recipient.empty()) return Fail("bad_recipient", "no Telegram chat id", "recipient");
  const json payload = json::parse(job.payload, nullptr, false);
  if (!payload.is_object()) return Fail("bad_payload", "the page payload is not a JSON object");
  const std::string body = SendMessageBody(payload, job, options_.lang, clock_.Now())
                               .dump(-1, ' ', false, json::error_handler_t::replace);

  const Base base = *SplitBase(options_.api_base);
  httplib::Client client(base.origin);
  const auto timeout = std::chrono::milliseconds(options_.timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_url_encode(false);
  httplib::Result res = client.Post(base.prefix + "/bot" + options_.bot_token + "/sendMessage",
                                    {{"User-Agent", "vigil"}}, body, "application/json");
  const std::string& token = options_.bot_token;
  if (!res) {
    return Fail("telegram_network",
                "Telegram " + Redact(base.origin, token) + ": " +
                    DescribeNetworkError(res.error(), options_.timeout_ms),
                "recipient", 502);
  }
  const json reply = json::parse(res->body, nullptr, false);
  if (reply.is_object() && reply.contains("ok") && reply["ok"] == true) {
    Log("notifier")->debug("telegram_delivered outbox_id={}", job.outbox_id);
    return {};
  }
  std::string why =
      reply.is_object() && reply.contains("description") && reply["description"].is_string()
          ? Redact(reply["description"].get<std::string>(), token)
          : OneLineSnippet(Redact(std::string(res->body.substr(0, 4096)), token));
  return Fail("telegram_api", "Telegram answered " + std::to_string(res->status) + ": " + why,
              "recipient", 502);
}

}  // namespace vigil
