// The entry point of libvigil-channels.so: builds the configured HTTP/SMTP channels.
#include <sstream>

#include "daemon/common/secrets.h"
#include "notifiers/email/email_channel.h"
#include "notifiers/module/channels_module.h"
#include "notifiers/sms/sms_channel.h"
#include "notifiers/telegram/telegram_channel.h"
#include "notifiers/webhook/webhook_channel.h"

namespace vigil {
namespace {

bool Wanted(const std::string& only, const char* name) {
  if (only.empty()) return true;
  std::stringstream ss(only);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item == name) return true;
  }
  return false;
}

Result<ChannelList> Build(const Config& cfg, const Clock& clock, const std::string& only) {
  ChannelList out;
  const Lang lang = ParseLang(cfg.language);
  const auto& c = cfg.channels;
  if (c.email && Wanted(only, "email")) {
    EmailOptions o{c.email->url, c.email->starttls, c.email->username, "", c.email->from,
                   c.email->from_name, static_cast<long>(c.email->timeout), lang};
    if (!c.email->password_file.empty()) {
      auto pw = ReadSecretFile(c.email->password_file, "channels.email.password_file");
      if (!pw) return std::unexpected(pw.error());
      o.password = *pw;
    }
    out.push_back(std::make_unique<EmailChannel>(std::move(o), clock));
  }
  if (c.sms && Wanted(only, "sms")) {
    SmsOptions o{c.sms->url, c.sms->method, c.sms->headers, c.sms->body,
                 c.sms->fold_diacritics, static_cast<size_t>(c.sms->max_chars),
                 static_cast<long>(c.sms->timeout), lang};
    if (auto ok = CheckSmsOptions(o); !ok) return std::unexpected(ok.error());
    out.push_back(std::make_unique<SmsChannel>(std::move(o), clock));
  }
  if (c.telegram && Wanted(only, "telegram")) {
    auto token = ReadSecretFile(c.telegram->bot_token_file, "channels.telegram.bot_token_file");
    if (!token) return std::unexpected(token.error());
    TelegramOptions o{c.telegram->api_base, *token, static_cast<long>(c.telegram->timeout), lang};
    if (auto ok = CheckTelegramOptions(o); !ok) return std::unexpected(ok.error());
    out.push_back(std::make_unique<TelegramChannel>(std::move(o), clock));
  }
  if (c.webhook && Wanted(only, "webhook")) {
    WebhookOptions o{"", c.webhook->preset, static_cast<long>(c.webhook->timeout), lang};
    if (!c.webhook->secret_file.empty()) {
      auto secret = ReadSecretFile(c.webhook->secret_file, "channels.webhook.secret_file");
      if (!secret) return std::unexpected(secret.error());
      o.secret = *secret;
    }
    if (auto ok = CheckWebhookOptions(o); !ok) return std::unexpected(ok.error());
    out.push_back(std::make_unique<WebhookChannel>(std::move(o), clock));
  }
  return out;
}

}  // namespace
}  // namespace vigil

extern "C" bool vigil_build_channels(const vigil::Config* config, const vigil::Clock* clock,
                                     const char* only, vigil::ChannelList* out,
                                     vigil::Error* error) {
  try {
    auto built = vigil::Build(*config, *clock, only ? only : "");
    if (!built) {
      *error = built.error();
      return false;
    }
    *out = std::move(*built);
    return true;
  } catch (const std::exception& e) {  // nothing may unwind out of the module's entry point
    *error = vigil::Error{"module_error", std::string("building channels: ") + e.what(),
                          "channels", 500};
    return false;
  }
}
