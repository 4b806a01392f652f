// The channels section: SMTP, SMS gateway, Telegram and webhook settings.
#include "config/section.h"

namespace vigil::config_internal {
namespace {

bool HasScheme(const std::string& url, std::initializer_list<const char*> schemes) {
  for (const char* s : schemes) {
    if (url.rfind(std::string(s) + "://", 0) == 0 && url.size() > std::string(s).size() + 3) {
      return true;
    }
  }
  return false;
}

void ReadEmail(Section& s, Config::Channels::Email& e) {
  s.Str("url", e.url);
  s.Bool("starttls", e.starttls);
  s.Str("username", e.username);
  s.Str("password_file", e.password_file);
  s.Str("from", e.from);
  s.Str("from_name", e.from_name);
  s.Duration("timeout", e.timeout);
  if (!HasScheme(e.url, {"smtp", "smtps"})) {
    s.Error(s.node(), s.Path("url") + " must be smtp://host:port or smtps://host:port");
  }
  if (e.from.find('@') == std::string::npos) {
    s.Error(s.node(), s.Path("from") + " must be an e-mail address");
  }
  if (!e.username.empty() && e.password_file.empty()) {
    s.Error(s.node(), s.Path("password_file") + " is required with a username");
  }
}

void ReadSms(Section& s, Config::Channels::Sms& m) {
  s.Str("url", m.url);
  s.Str("method", m.method);
  std::map<std::string, std::string> headers;
  s.StrMap("headers", headers);
  m.headers.assign(headers.begin(), headers.end());
  s.Str("body", m.body);
  s.Bool("fold_diacritics", m.fold_diacritics);
  s.Int("max_chars", m.max_chars, 20, 2000);
  s.Duration("timeout", m.timeout);
  if (!HasScheme(m.url, {"http", "https"})) {
    s.Error(s.node(), s.Path("url") + " must be an http:// or https:// URL");
  }
  if (m.method != "POST" && m.method != "GET") s.Error(s.node(), s.Path("method") + " must be POST or GET");
}

}  // namespace

void ReadChannels(Section& root, Config& cfg) {
  Section ch(root.Take("channels"), "channels", root.file(), root.errors());
  if (!ch.IsMap()) return;
  auto& c = cfg.channels;
  ch.Int("max_attempts", c.max_attempts, 1, 100);
  Section email(ch.Take("email"), "channels.email", root.file(), root.errors());
  if (email.IsMap()) ReadEmail(email, c.email.emplace()), email.RejectUnknown();
  Section sms(ch.Take("sms"), "channels.sms", root.file(), root.errors());
  if (sms.IsMap()) ReadSms(sms, c.sms.emplace()), sms.RejectUnknown();
  Section tg(ch.Take("telegram"), "channels.telegram", root.file(), root.errors());
  if (tg.IsMap()) {
    auto& t = c.telegram.emplace();
    tg.Str("api_base", t.api_base);
    tg.Str("bot_token_file", t.bot_token_file);
    tg.Duration("timeout", t.timeout);
    if (t.bot_token_file.empty()) tg.Error(tg.node(), "channels.telegram.bot_token_file is required");
    tg.RejectUnknown();
  }
  Section wh(ch.Take("webhook"), "channels.webhook", root.file(), root.errors());
  if (wh.IsMap()) {
    auto& w = c.webhook.emplace();
    wh.Str("secret_file", w.secret_file);
    wh.Str("preset", w.preset);
    wh.Duration("timeout", w.timeout);
    if (!w.preset.empty() && w.preset != "slack" && w.preset != "mattermost") {
      wh.Error(wh.node(), "channels.webhook.preset must be slack or mattermost");
    }
    wh.RejectUnknown();
  }
  ch.RejectUnknown();
}

}  // namespace vigil::config_internal
