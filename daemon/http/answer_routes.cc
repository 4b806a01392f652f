// Answers from the messages themselves:
//  * POST /api/v1/integrations/sms-inbound — an inbound-SMS gateway forwards a person's reply
//    ("48213907a" acknowledge, "48213907e" escalate, "48213907c" close). Authenticated by an
//    integration key of kind sms_inbound (never any), as `Authorization: Bearer <key>` or
//    `?key=<key>` for gateways that cannot set headers. The body is JSON or a form; where the
//    sender and the text are is configured (channels.sms.inbound). Failed answers (unknown,
//    used, expired, another phone's code) are limited per sending phone and per key
//    (guess_limits): past the budget, 429 with Retry-After.
//  * POST /api/v1/integrations/telegram/{secret} — the Bot API's webhook: callback_query
//    updates from the inline Acknowledge/Escalate/Close buttons. A wrong secret (at least 16
//    characters) counts per client address; past guess_limits.per_address, 429. Answered with an
//    answerCallbackQuery method in the webhook reply, so vigild makes no outbound call.
// The engine checks every answer against the contact the message was sent to.
#include <regex>

#include "daemon/common/log.h"
#include "daemon/common/secrets.h"
#include "daemon/http/guards.h"
#include "daemon/http/server.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

using nlohmann::json;

// The value of `name` in an application/x-www-form-urlencoded body.
std::optional<std::string> FormValue(std::string_view body, const std::string& name) {
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    const size_t eq = pair.find('=');
    if (UrlDecode(pair.substr(0, eq), true) == name) {
      return eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1), true);
    }
    start = end + 1;
  }
  return std::nullopt;
}

// The string (or number) at a dotted path in a JSON object.
std::optional<std::string> JsonValue(const json& doc, const std::string& path) {
  const json* at = &doc;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object() || !at->contains(key)) return std::nullopt;
    at = &(*at)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number_integer()) return std::to_string(at->get<std::int64_t>());
  return std::nullopt;
}

const char* ActionOfLetter(char c) {
  switch (std::tolower(static_cast<unsigned char>(c))) {
    case 'a':
      return "ack";
    case 'e':
      return "escalate";
    case 'c':
      return "resolve";
  }
  return nullptr;
}

json OutcomeJson(const AnswerOutcome& o) {
  json alerts = json::array();
  for (const auto& [id, status] : o.alerts) alerts.push_back({{"id", id}, {"status", ToString(status)}});
  return {{"status", "ok"}, {"action", o.action}, {"person", o.person}, {"alerts", alerts}};
}

std::string DoneText(Lang l, const AnswerOutcome& o) {
  std::string ids;
  for (const auto& [id, status] : o.alerts) ids += (ids.empty() ? "#" : ", #") + std::to_string(id);
  if (o.action == "ack") return Tr(l, "Đã xác nhận cảnh báo ", "Acknowledged alert ") + ids;
  if (o.action == "resolve") return Tr(l, "Đã đóng cảnh báo ", "Closed alert ") + ids;
  return Tr(l, "Đã chuyển lên cấp tiếp theo: ", "Escalated: ") + ids;
}

// The sender and the reply code in an inbound-SMS gateway's body (JSON or a form, or the
// query string), as an SMS AnswerCommand; 400 naming the configured field otherwise.
Result<AnswerCommand> ReadSmsReply(const HttpRequest& req, const std::string& body,
                                   const AnswerOptions& o) {
  std::optional<std::string> from, text;
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && body[first] == '{') {
    auto doc = ParseJsonObject(body);
    if (!doc) return std::unexpected(doc.error());
    from = JsonValue(*doc, o.sms_from_field);
    text = JsonValue(*doc, o.sms_text_field);
  } else {
    from = FormValue(body, o.sms_from_field);
    text = FormValue(body, o.sms_text_field);
  }
  if (!from && req.has_param(o.sms_from_field)) from = req.get_param_value(o.sms_from_field);
  if (!text && req.has_param(o.sms_text_field)) text = req.get_param_value(o.sms_text_field);
  if (!from || NormalizePhone(*from).size() < 8) {
    return Fail("invalid_field",
                o.sms_from_field + " must be the sender's phone number, e.g. +84901234567",
                o.sms_from_field);
  }
  static const std::regex kReply(R"(^\s*([0-9]{)" + std::to_string(kReplyCodeDigits) +
                                 R"(})\s*([A-Za-z])\s*[.!]?\s*$)");
  std::smatch m;
  const char* action = nullptr;
  // A reply code is a few characters; the length cap also keeps std::regex (which recurses
  // per character) away from a body-sized string.
  if (text && text->size() <= 64 && std::regex_match(*text, m, kReply)) {
    action = ActionOfLetter(m[2].str()[0]);
  }
  if (!action) {
    return Fail("invalid_field",
                o.sms_text_field + " must be a reply code and a letter: 48213907a "
                "(acknowledge), 48213907e (escalate) or 48213907c (close)",
                o.sms_text_field);
  }
  AnswerCommand c;
  c.via = "sms";
  c.sender = *from;
  c.code = m[1].str();
  c.action = action;
  return c;
}

// A refused answer that could be a guess at someone's code: unknown, sent to another phone,
// used or expired. These count against the sender and the key; a malformed text does not.
bool IsFailedGuess(const Error& e) {
  return e.code == "unknown_code" || e.code == "wrong_sender" || e.code == "code_used" ||
         e.code == "code_expired";
}

}  // namespace

void HttpServer::AnswerRoutes() {
  Post("/api/v1/integrations/sms-inbound", [this](const HttpRequest& req,
                                                  HttpResponse& res, const std::string& body) {
    const AnswerOptions& o = deps_.answers;
    if (!o.sms_inbound) {
      return WriteError(res, {"not_found", "inbound SMS is not configured (channels.sms)", "", 404});
    }
    std::string key = BearerToken(req.get_header_value("Authorization"));
    if (key.empty()) key = req.get_param_value("key");
    auto in = deps_.registry.Authenticate(key, "sms_inbound");
    if (!in) return WriteError(res, in.error());
    auto reply = ReadSmsReply(req, body, o);
    if (!reply) return WriteError(res, reply.error());
    // Guessing is refused: per sending phone and per gateway key, before the code is looked at.
    const std::string phone = NormalizePhone(reply->sender);
    const std::string key_id = "integration:" + std::to_string(in->id);
    FailureLimiter* by_sender = deps_.guesses ? &deps_.guesses->sms_sender : nullptr;
    FailureLimiter* by_key = deps_.guesses ? &deps_.guesses->sms_key : nullptr;
    const Lang l = deps_.lang;
    if (auto e = Refusal(by_sender, phone, res, l, Tr(l, "số điện thoại này", "this phone"))) {
      return WriteError(res, *e);
    }
    // The key's budget refuses only phones that have failed already: a flood of wrong codes
    // from many phones must not lock the duty officers' own replies out of the gateway.
    const bool failed_before = by_sender && by_sender->Failures(phone) > 0;
    if (auto e = failed_before ? Refusal(by_key, key_id, res, l,
                                         Tr(l, "khoá tích hợp này", "this integration key"))
                               : std::nullopt) {
      return WriteError(res, *e);
    }
    auto done = AwaitEngine(deps_.engine.Submit(std::move(*reply)));
    if (!done) {
      Error e = done.error();
      if (IsFailedGuess(e)) {
        CountFailure(by_sender, phone, "sms_sender");
        CountFailure(by_key, key_id, "sms_key");
      }
      if (e.field == "from") e.field = o.sms_from_field;
      if (e.field == "text") e.field = o.sms_text_field;
      return WriteError(res, e);
    }
    WriteJson(res, 200, OutcomeJson(*done).dump());
  });

  Post(R"(/api/v1/integrations/telegram/([^/]+))", [this](const HttpRequest& req,
                                                         HttpResponse& res,
                                                         const std::string& body) {
    const std::string& secret = deps_.answers.telegram_secret;
    FailureLimiter* limiter = deps_.guesses ? &deps_.guesses->telegram : nullptr;
    const std::string address = ClientAddress(req);
    const Lang la = deps_.lang;
    // The right secret is never refused: Telegram's servers are shared by every bot, so a
    // stranger's bot aimed at a wrong secret must not lock ours out.
    if (secret.empty() || !SecretEquals(req.matches[1].str(), secret)) {
      if (auto e = Refusal(limiter, address, res, la, Tr(la, "địa chỉ này", "this address"))) {
        return WriteError(res, *e);
      }
      if (!secret.empty()) CountFailure(limiter, address, "telegram");
      return WriteError(res, {"not_found", "no such endpoint", "", 404});  // never says why
    }
    auto doc = ParseJsonObject(body);
    if (!doc) return WriteError(res, doc.error());
    if (!doc->contains("callback_query")) return WriteJson(res, 200, "{}");  // other updates
    const json& q = (*doc)["callback_query"];
    auto bad = [&](const std::string& field, const std::string& what) {
      WriteError(res, {"invalid_field", field + " " + what, field, 400});
    };
    if (!q.is_object()) return bad("callback_query", "must be an object");
    if (!q.contains("id") || !q["id"].is_string()) return bad("callback_query.id", "must be a string");
    auto from = JsonValue(q, "from.id");
    if (!from) return bad("callback_query.from.id", "must be the user id");
    auto chat = JsonValue(q, "message.chat.id");
    if (!chat) return bad("callback_query.message.chat.id", "must be the chat id");
    static const std::regex kData(R"(^(ack|esc|res):([0-9]+|all):vigil-n([0-9]{1,18})$)");
    const std::string data = q.contains("data") && q["data"].is_string() ? q["data"].get<std::string>() : "";
    std::smatch m;
    // Telegram caps callback_data at 64 bytes; the cap also keeps std::regex off long input.
    if (data.size() > 64 || !std::regex_match(data, m, kData)) {
      return bad("callback_query.data", "is not a Vigil button (ack|esc|res:<alert>:vigil-n<id>)");
    }
    AnswerCommand c;
    c.via = "telegram";
    c.sender = *from;
    c.chat = *chat;
    c.action = m[1] == "ack" ? "ack" : m[1] == "esc" ? "escalate" : "resolve";
    c.outbox_id = std::stoll(m[3].str());
    auto done = AwaitEngine(deps_.engine.Submit(std::move(c)));
    const Lang l = deps_.lang;
    // Telegram shows the text to the person who pressed; a refusal is an answer too (2xx, or
    // Telegram would re-deliver the update), except when the engine could not commit.
    if (!done && done.error().status >= 500) return WriteError(res, done.error());
    json reply = {{"method", "answerCallbackQuery"},
                  {"callback_query_id", q["id"]},
                  {"text", done ? DoneText(l, *done)
                                : Tr(l, "Không thực hiện được: ", "Not done: ") + done.error().message}};
    if (!done) reply["show_alert"] = true;
    res.set_header("X-Vigil-Result", done ? "ok" : done.error().code);
    WriteJson(res, 200, reply.dump());
  });
}

}  // namespace vigil
