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

bool LoopbackTcp(const std::string& ep) {
  return ep.rfind("tcp://127.0.0.1:", 0) == 0 || ep.rfind("tcp://[::1]:", 0) == 0;
}

// process, endpoint and rate_limit, the keys every channel beyond the console has.
// `port` is the default jobs port for a separate process; `rate` the default limit.
void ReadCommon(Section& s, Config::Channels::Common& c, int port, int rate) {
  c.endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  c.rate_messages = rate;
  std::string process = "embedded";
  s.Str("process", process);
  if (process != "embedded" && process != "separate") {
    s.Error(s.node(), s.Path("process") + " must be embedded or separate");
  }
  c.separate = process == "separate";
  s.Str("endpoint", c.endpoint);
  if (!LoopbackTcp(c.endpoint)) {
    s.Error(s.node(), s.Path("endpoint") +
                          " must be tcp://127.0.0.1:PORT or tcp://[::1]:PORT (jobs stay on this "
                          "machine)");
  }
  Section rl(s.Take("rate_limit"), s.Path("rate_limit"), s.file(), s.errors());
  if (rl.IsMap()) {
    rl.Int("messages", c.rate_messages, 0, 10'000);
    rl.Duration("per", c.rate_per);
    if (c.rate_per < 1000) rl.Error(rl.node(), rl.Path("per") + " must be at least 1s");
    rl.RejectUnknown();
  }
}

void ReadEmail(Section& s, Config::Channels::Email& e) {
  ReadCommon(s, e, 7483, 5);
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
  ReadCommon(s, m, 7484, 1);
  s.Bool("reply_codes", m.reply_codes);
  Section in(s.Take("inbound"), s.Path("inbound"), s.file(), s.errors());
  if (in.IsMap()) {
    in.Str("from_field", m.inbound_from);
    in.Str("text_field", m.inbound_text);
    if (m.inbound_from.empty()) in.Error(in.node(), in.Path("from_field") + " must not be empty");
    if (m.inbound_text.empty()) in.Error(in.node(), in.Path("text_field") + " must not be empty");
    in.RejectUnknown();
  }
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

// emplace(T{}) rather than emplace(): clang (the fuzz build) takes these nested structs with
// default member initialisers for not default-constructible.
void ReadChannels(Section& root, Config& cfg) {
  Section ch(root.Take("channels"), "channels", root.file(), root.errors());
  if (!ch.IsMap()) return;
  auto& c = cfg.channels;
  ch.Int("max_attempts", c.max_attempts, 1, 100);
  Section email(ch.Take("email"), "channels.email", root.file(), root.errors());
  if (email.IsMap()) ReadEmail(email, c.email.emplace(Config::Channels::Email{})), email.RejectUnknown();
  Section sms(ch.Take("sms"), "channels.sms", root.file(), root.errors());
  if (sms.IsMap()) ReadSms(sms, c.sms.emplace(Config::Channels::Sms{})), sms.RejectUnknown();
  Section tg(ch.Take("telegram"), "channels.telegram", root.file(), root.errors());
  if (tg.IsMap()) {
    auto& t = c.telegram.emplace(Config::Channels::Telegram{});
    ReadCommon(tg, t, 7485, 10);
    tg.Str("webhook_secret_file", t.webhook_secret_file);
    tg.Str("api_base", t.api_base);
    tg.Str("bot_token_file", t.bot_token_file);
    tg.Duration("timeout", t.timeout);
    if (t.bot_token_file.empty()) tg.Error(tg.node(), "channels.telegram.bot_token_file is required");
    tg.RejectUnknown();
  }
  Section wh(ch.Take("webhook"), "channels.webhook", root.file(), root.errors());
  if (wh.IsMap()) {
    auto& w = c.webhook.emplace(Config::Channels::Webhook{});
    ReadCommon(wh, w, 7486, 0);
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
