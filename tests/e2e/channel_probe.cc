// vigil-channel-probe: builds one notifier channel (sms, webhook or telegram) from JSON options
// and delivers one payload through it, so end-to-end tests can watch the real channel code talk
// to real HTTP receivers. Test tool only; not installed.
//
//   vigil-channel-probe --channel sms --options '{"url":"http://127.0.0.1:8080/send",
//       "headers":{"Authorization":"Bearer x"},"body":"{\"to\":\"{{to}}\"}"}'
//       --to +84900000002 --payload '{"type":"page","alert":{...}}' [--key vigil-n1]
//       [--now 1767225600000] [--render]
//
// --render first prints RenderMessage's output for the payload as one JSON line
// {"subject","text","sms"} (unfolded, uncut), so a test can work out what should be sent.
// Exit status: 0 delivered ("delivered" on stdout), 1 delivery failed (the error on stderr),
// 2 bad arguments or options.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "notifiers/sms/sms_channel.h"
#include "notifiers/telegram/telegram_channel.h"
#include "notifiers/templates.h"
#include "notifiers/webhook/webhook_channel.h"

namespace {

using nlohmann::json;
using namespace vigil;

Lang LangOf(const json& o) { return ParseLang(o.value("lang", std::string("vi"))); }

SmsOptions SmsFrom(const json& o) {
  SmsOptions s;
  s.url = o.value("url", "");
  s.method = o.value("method", s.method);
  if (o.contains("headers")) {
    for (const auto& [name, value] : o["headers"].items()) s.headers.emplace_back(name, value);
  }
  s.body_template = o.value("body", "");
  s.fold_diacritics = o.value("fold_diacritics", s.fold_diacritics);
  s.max_chars = o.value("max_chars", s.max_chars);
  s.timeout_ms = o.value("timeout_ms", s.timeout_ms);
  s.lang = LangOf(o);
  return s;
}

// The channel `kind` described by `o`, or the options error.
Result<std::unique_ptr<Channel>> Build(const std::string& kind, const json& o, const Clock& clock) {
  if (kind == "sms") {
    SmsOptions s = SmsFrom(o);
    if (auto ok = CheckSmsOptions(s); !ok) return std::unexpected(ok.error());
    return std::make_unique<SmsChannel>(std::move(s), clock);
  }
  if (kind == "webhook") {
    WebhookOptions w{o.value("secret", ""), o.value("preset", ""), o.value("timeout_ms", 10'000L),
                     LangOf(o)};
    if (auto ok = CheckWebhookOptions(w); !ok) return std::unexpected(ok.error());
    return std::make_unique<WebhookChannel>(std::move(w), clock);
  }
  if (kind == "telegram") {
    TelegramOptions t;
    t.api_base = o.value("api_base", t.api_base);
    t.bot_token = o.value("bot_token", "");
    t.timeout_ms = o.value("timeout_ms", t.timeout_ms);
    t.lang = LangOf(o);
    if (auto ok = CheckTelegramOptions(t); !ok) return std::unexpected(ok.error());
    return std::make_unique<TelegramChannel>(std::move(t), clock);
  }
  return Fail("bad_channel", "--channel must be sms, webhook or telegram", "channel");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigil-channel-probe — deliver one payload through one notifier channel"};
  std::string kind, options = "{}", to, payload, key = "vigil-n1";
  TimeMs now = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  bool render = false;
  app.add_option("--channel", kind, "sms, webhook or telegram")->required();
  app.add_option("--options", options, "the channel's options as a JSON object");
  app.add_option("--to", to, "the recipient: phone number, URL or chat id")->required();
  app.add_option("--payload", payload, "the page payload (JSON)")->required();
  app.add_option("--key", key, "the idempotency key");
  app.add_option("--now", now, "the time messages are rendered at, ms since the epoch");
  app.add_flag("--render", render, "print RenderMessage's output first");
  CLI11_PARSE(app, argc, argv);

  const json o = json::parse(options, nullptr, false);
  if (!o.is_object()) {
    std::cerr << "vigil-channel-probe: --options is not a JSON object\n";
    return 2;
  }
  FakeClock clock(now);
  std::unique_ptr<Channel> channel;
  try {
    auto built = Build(kind, o, clock);
    if (!built) {
      std::cerr << "vigil-channel-probe: " << built.error().field << ": " << built.error().message
                << "\n";
      return 2;
    }
    channel = std::move(*built);
  } catch (const json::exception& e) {  // an option of the wrong JSON type
    std::cerr << "vigil-channel-probe: bad --options: " << e.what() << "\n";
    return 2;
  }
  if (render) {
    const json p = json::parse(payload, nullptr, false);
    const RenderedMessage m = RenderMessage(p.is_discarded() ? json::object() : p, LangOf(o), now);
    std::cout << json{{"subject", m.subject}, {"text", m.text}, {"sms", m.sms}}.dump() << "\n";
  }
  auto sent = channel->Deliver(DeliveryJob{1, key, to, payload});
  if (!sent) {
    std::cerr << "vigil-channel-probe: " << sent.error().code << ": " << sent.error().message
              << "\n";
    return 1;
  }
  std::cout << "delivered\n";
  return 0;
}
