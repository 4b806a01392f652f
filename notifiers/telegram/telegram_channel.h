// The Telegram channel: a page sent by a bot to a chat through the Bot API's sendMessage,
//   POST {api_base}/bot{token}/sendMessage
//   {"chat_id":"<recipient>", "text":"<rendered text>",
//    "reply_markup":{"inline_keyboard":[[{"text":"Xác nhận","callback_data":"ack:<alert>:<key>"},
//                                        {"text":"Leo thang","callback_data":"esc:<alert>:<key>"},
//                                        {"text":"Đóng","callback_data":"res:<alert>:<key>"}]]}}
// The buttons ("Acknowledge", "Escalate", "Resolve" in English) come only with payloads about an
// alert; check-in reminders go without. Whoever receives the bot's callback queries acts on them.
#pragma once

#include <string>

#include "daemon/common/clock.h"
#include "daemon/common/i18n.h"
#include "notifiers/channel.h"

namespace vigil {

struct TelegramOptions {
  // http:// or https://, a host, optionally a path prefix (a proxy); a stand-in in tests
  std::string api_base = "https://api.telegram.org";
  std::string bot_token;     // "123456:ABC..." from @BotFather; a secret, never in errors or logs
  long timeout_ms = 10'000;  // connect, send and wait for the answer, each
  Lang lang = Lang::kVi;
};

// Checks api_base, the token (present, no spaces or slashes) and the timeout; the
// error names the option at fault and never shows the token.
Result<void> CheckTelegramOptions(const TelegramOptions& options);

// One HTTP request per delivery; no state is kept between deliveries. Used from one thread
// (the worker's). `clock` must remain live while the channel is in use.
class TelegramChannel final : public Channel {
 public:
  TelegramChannel(TelegramOptions options, const Clock& clock);
  std::string name() const override { return "telegram"; }

  // Sends the page in job.payload to the chat id in job.recipient. Fails with "bad_payload",
  // "bad_recipient", "telegram_network" (unreachable or no answer within timeout_ms) or
  // "telegram_api" (the reply is not {"ok": true}: its description, or the HTTP status and
  // the start of the reply). The token is redacted from every message.
  Result<void> Deliver(const DeliveryJob& job) override;

 private:
  TelegramOptions options_;
  const Clock& clock_;
};

}  // namespace vigil
