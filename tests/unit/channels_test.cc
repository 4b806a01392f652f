// The SMS, webhook and Telegram channels against real HTTP peers on 127.0.0.1: what each sends,
// byte for byte, and what a sender sees when the peer fails. No test sleeps; the one that waits
// for a silent peer waits on I/O for the channel's own 300 ms timeout.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "notifiers/sms/sms_channel.h"
#include "notifiers/telegram/telegram_channel.h"
#include "notifiers/templates.h"
#include "notifiers/webhook/webhook_channel.h"

using namespace vigil;
using nlohmann::json;

namespace {

struct Received {
  std::string method, target, body;
  httplib::Headers headers;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A real HTTP server on 127.0.0.1 (a port the kernel picks) that answers every request with
// `status` and `answer`, and remembers each request it got.
class Peer {
 public:
  explicit Peer(int status = 200, std::string answer = R"({"ok":true})")
      : status_(status), answer_(std::move(answer)) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      got_.push_back({req.method, req.target, req.body, req.headers});
      res.status = status_;
      res.set_content(answer_, "application/json");
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~Peer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Received> requests() {
    std::lock_guard lock(mu_);
    return got_;
  }
  Received only() {
    auto all = requests();
    REQUIRE(all.size() == 1);
    return all[0];
  }

 private:
  int status_;
  std::string answer_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Received> got_;
};

// A peer that accepts connections (the kernel completes them) and never answers.
class SilentPeer {
 public:
  SilentPeer() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd_, 8) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentPeer() { close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  int port_ = 0;
};

// RFC 2104 HMAC-SHA256 built on plain SHA-256, apart from the channel's libsodium HMAC.
std::string HmacSha256Hex(std::string key, std::string_view message) {
  auto sha256 = [](std::string_view data) {
    std::string out(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return out;
  };
  if (key.size() > 64) key = sha256(key);
  key.resize(64, '\0');
  std::string inner = key, outer = key;
  for (char& c : inner) c ^= 0x36;
  for (char& c : outer) c ^= 0x5c;
  const std::string mac = sha256(outer + sha256(inner + std::string(message)));
  std::string hex;
  for (unsigned char c : mac) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
  return hex;
}

// The option an options check blames, or "" when the options pass.
std::string FieldAtFault(const Result<void>& checked) {
  return checked ? "" : checked.error().field;
}

size_t CodePoints(std::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

// A page as the engine writes it: the duty officer paged at level 1, 10 minutes in.
const std::string kPage = R"({"type":"page","alert":{"id":42,"integration":"portal",
  "dedup_key":"portal-down","status":"triggered","severity":"critical",
  "summary":"Mất kết nối cổng thông tin Sở GD&ĐT Đồng Nai","source":"portal.sgd.example.vn",
  "at":"2025-12-31T23:50:00Z"},"level":1,"why":"duty_officer of so"})";

DeliveryJob Job(std::string recipient, std::string payload = kPage) {
  return DeliveryJob{7, "vigil-n7", std::move(recipient), std::move(payload)};
}

// The SMS text for kPage at the fake clock's start, as the channel should make it.
std::string ExpectedSms(bool fold = true, size_t max_chars = 160, Lang lang = Lang::kVi) {
  FakeClock clock;
  std::string text = RenderMessage(json::parse(kPage), lang, clock.Now()).sms;
  return FitSms(fold ? FoldVietnamese(text) : text, max_chars);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SMS gateway

TEST_CASE("SMS template placeholders are filled once, each in its encoding", "[channels][sms]") {
  const SmsFields f{"+84900000002", "Mất \"kết\" nối & 100%\n{{to}}", "vigil-n7"};
  CHECK(ExpandSmsTemplate("{{to}}|{{to_url}}|{{to_json}}|{{id}}", f) ==
        "+84900000002|%2B84900000002|+84900000002|vigil-n7");
  CHECK(ExpandSmsTemplate("{{text}}", f) == f.text);  // the {{to}} in the text stays as written
  CHECK(ExpandSmsTemplate(R"({"m":"{{text_json}}"})", f) ==
        R"({"m":"Mất \"kết\" nối & 100%\n{{to}}"})");
  CHECK(ExpandSmsTemplate("t={{ text_url }}", f) ==
        "t=M%E1%BA%A5t%20%22k%E1%BA%BFt%22%20n%E1%BB%91i%20%26%20100%25%0A%7B%7Bto%7D%7D");
  CHECK(ExpandSmsTemplate("{{unknown}} {{id}} {{", f) == "{{unknown}} vigil-n7 {{");
  CHECK(PercentEncode("aZ09-._~ /+") == "aZ09-._~%20%2F%2B");
  CHECK(JsonEscape(std::string("tab\there\x01") + "\\") == "tab\\there\\u0001\\\\");
}

TEST_CASE("an SMS goes to the gateway as its template says, folded to ASCII", "[channels][sms]") {
  Peer gateway(200, R"({"code":"00"})");
  FakeClock clock;
  SmsOptions o;
  o.url = gateway.url() + "/api/v2/send?account=sgd-dongnai";
  o.headers = {{"Authorization", "Bearer tok-4f9c2a71e0"}, {"X-Request-Id", "{{id}}"}};
  o.body_template = R"({"to":"{{to}}","message":"{{text_json}}","ref":"{{id}}"})";
  REQUIRE(CheckSmsOptions(o));
  SmsChannel sms(o, clock);
  REQUIRE(sms.name() == "sms");

  REQUIRE(sms.Deliver(Job("+84900000002")));
  const Received r = gateway.only();
  const std::string text = ExpectedSms();
  CHECK(r.method == "POST");
  CHECK(r.target == "/api/v2/send?account=sgd-dongnai");
  CHECK(r.Header("Authorization") == "Bearer tok-4f9c2a71e0");
  CHECK(r.Header("X-Request-Id") == "vigil-n7");
  CHECK(r.Header("Content-Type") == "application/json");
  CHECK(r.body ==
        R"({"to":"+84900000002","message":")" + JsonEscape(text) + R"(","ref":"vigil-n7"})");
  const std::string sent = json::parse(r.body)["message"];
  CHECK(IsAscii(sent));
  CHECK(sent.find("Mat ket noi cong thong tin So GD&DT Dong Nai") != std::string::npos);
  CHECK(sent.size() <= 160);
}

TEST_CASE("a GET gateway gets the SMS percent-encoded in its query", "[channels][sms]") {
  Peer gateway;
  FakeClock clock;
  SmsOptions o;
  o.url =
      gateway.url() + "/MainService.svc/SendMultipleMessage?Phone={{to_url}}&Content={{text_url}}";
  o.method = "GET";
  SmsChannel sms(o, clock);

  REQUIRE(sms.Deliver(Job("+84900000002")));
  const Received r = gateway.only();
  const std::string text = ExpectedSms();
  CHECK(r.method == "GET");
  CHECK(r.target ==
        "/MainService.svc/SendMultipleMessage?Phone=%2B84900000002&Content=" + PercentEncode(text));
  CHECK(r.body.empty());
  // The server's own decoding gives the text back.
  httplib::Params params;
  httplib::detail::parse_query_text(r.target.substr(r.target.find('?') + 1), params);
  CHECK(params.find("Content")->second == text);
  CHECK(params.find("Phone")->second == "+84900000002");
}

TEST_CASE("an SMS keeps its diacritics when folding is off and is cut to max_chars",
          "[channels][sms]") {
  Peer gateway;
  FakeClock clock;
  SmsOptions o;
  o.url = gateway.url() + "/send";
  o.body_template = "to={{to_url}}&text={{text_url}}";
  o.fold_diacritics = false;
  o.max_chars = 40;
  SmsChannel sms(o, clock);

  REQUIRE(sms.Deliver(Job("0900000002")));
  const Received r = gateway.only();
  CHECK(r.Header("Content-Type") == "application/x-www-form-urlencoded");
  httplib::Params params;
  httplib::detail::parse_query_text(r.body, params);
  const std::string text = params.find("text")->second;
  CHECK(text == ExpectedSms(false, 40));
  CHECK(CodePoints(text) <= 40);
  CHECK(text.ends_with("..."));
  CHECK(!IsAscii(text));
}

TEST_CASE("a gateway answering 500 fails the SMS with the status and no credentials",
          "[channels][sms]") {
  // A gateway that echoes the request's credentials in its error page.
  Peer gateway(500, "Internal error: key=QUERYSECRET-91c2e7 auth=Bearer tok-4f9c2a71e0");
  FakeClock clock;
  SmsOptions o;
  o.url = gateway.url() + "/send?key=QUERYSECRET-91c2e7&to={{to_url}}&text={{text_url}}";
  o.method = "GET";
  o.headers = {{"Authorization", "Bearer tok-4f9c2a71e0"}};
  SmsChannel sms(o, clock);

  auto sent = sms.Deliver(Job("+84900000002"));
  REQUIRE(!sent);
  CHECK(sent.error().code == "sms_gateway");
  CHECK(sent.error().message.find("answered 500: Internal error") != std::string::npos);
  CHECK(sent.error().message.find(gateway.url()) != std::string::npos);
  CHECK(sent.error().message.find("QUERYSECRET") == std::string::npos);
  CHECK(sent.error().message.find("tok-4f9c2a71e0") == std::string::npos);
  CHECK(sent.error().message.find("/send") == std::string::npos);
}

TEST_CASE("a gateway that never answers fails the SMS after timeout_ms", "[channels][sms]") {
  SilentPeer gateway;
  FakeClock clock;
  SmsOptions o;
  o.url = gateway.url() + "/send";
  o.body_template = "{{text}}";
  o.timeout_ms = 300;
  SmsChannel sms(o, clock);

  const auto start = std::chrono::steady_clock::now();
  auto sent = sms.Deliver(Job("+84900000002"));
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(!sent);
  CHECK(sent.error().code == "sms_network");
  CHECK(sent.error().message.find("no answer within 300 ms") != std::string::npos);
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("SMS gateway options are checked before any delivery", "[channels][sms]") {
  SmsOptions o;
  o.url = "ftp://gateway.example.vn/send";
  CHECK(FieldAtFault(CheckSmsOptions(o)) == "url");
  o.url = "https://user:pass@gateway.example.vn/send";
  CHECK(FieldAtFault(CheckSmsOptions(o)) == "url");
  o.url = "https://gateway.example.vn/send?text={{text}}";
  auto checked = CheckSmsOptions(o);
  REQUIRE(!checked);
  CHECK(checked.error().message.find("{{text_url}}") != std::string::npos);
  o.url = "https://gateway.example.vn/send";
  o.method = "PUT";
  CHECK(FieldAtFault(CheckSmsOptions(o)) == "method");
  o.method = "GET";
  CHECK(CheckSmsOptions(o));

  FakeClock clock;
  SmsChannel sms(SmsOptions{}, clock);  // no URL: every delivery says so
  CHECK(FieldAtFault(sms.Deliver(Job("+84900000002"))) == "url");
}

// ---------------------------------------------------------------------------------------------
// Webhook

TEST_CASE("the webhook signature is HMAC-SHA256 of the body (RFC 4231 case 2)",
          "[channels][webhook]") {
  CHECK(WebhookSignature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string long_key(131, '\xaa');
  CHECK(WebhookSignature(long_key, "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "sha256=" +
            HmacSha256Hex(long_key, "Test Using Larger Than Block-Size Key - Hash Key First"));
}

TEST_CASE("a webhook gets the page, the message and a signature it can verify",
          "[channels][webhook]") {
  Peer receiver(204, "");
  FakeClock clock;
  WebhookChannel webhook({"wh-secret-3b7d", "", 2000, Lang::kVi}, clock);
  REQUIRE(webhook.name() == "webhook");

  REQUIRE(webhook.Deliver(Job(receiver.url() + "/hooks/vigil?unit=so")));
  const Received r = receiver.only();
  CHECK(r.method == "POST");
  CHECK(r.target == "/hooks/vigil?unit=so");
  CHECK(r.Header("Content-Type") == "application/json");
  CHECK(r.Header("X-Vigil-Idempotency-Key") == "vigil-n7");
  CHECK(r.Header("X-Vigil-Timestamp") == "1767225600");
  CHECK(r.Header("X-Vigil-Signature") == "sha256=" + HmacSha256Hex("wh-secret-3b7d", r.body));

  const json body = json::parse(r.body);
  const RenderedMessage m = RenderMessage(json::parse(kPage), Lang::kVi, clock.Now());
  json expected = json::parse(kPage);
  expected["idempotency_key"] = "vigil-n7";
  expected["message"] = {{"subject", m.subject}, {"text", m.text}};
  CHECK(body == expected);
  CHECK(body["alert"]["summary"] == "Mất kết nối cổng thông tin Sở GD&ĐT Đồng Nai");
}

TEST_CASE("a webhook row holding a bare alert is sent as a page of that alert",
          "[channels][webhook]") {
  Peer receiver;
  FakeClock clock;
  WebhookChannel webhook({"", "", 2000, Lang::kEn}, clock);
  const std::string alert = json::parse(kPage)["alert"].dump();

  REQUIRE(webhook.Deliver(Job(receiver.url() + "/", alert)));
  const Received r = receiver.only();
  const json body = json::parse(r.body);
  CHECK(body["type"] == "page");
  CHECK(body["alert"] == json::parse(alert));
  CHECK(body["idempotency_key"] == "vigil-n7");
  CHECK(!body["message"]["subject"].get<std::string>().empty());
  CHECK(r.Header("X-Vigil-Signature").empty());  // no secret, no signature
}

TEST_CASE("the Slack and Mattermost presets send an incoming-webhook text", "[channels][webhook]") {
  for (const char* preset : {"slack", "mattermost"}) {
    Peer receiver(200, "ok");
    FakeClock clock;
    WebhookChannel webhook({"", preset, 2000, Lang::kVi}, clock);
    REQUIRE(webhook.Deliver(Job(receiver.url() + "/services/T000/B000/XXXXSECRET")));
    const Received r = receiver.only();
    const RenderedMessage m = RenderMessage(json::parse(kPage), Lang::kVi, clock.Now());
    CHECK(r.target == "/services/T000/B000/XXXXSECRET");
    CHECK(json::parse(r.body) == json{{"text", m.subject + "\n" + m.text}});
  }
  CHECK(FieldAtFault(CheckWebhookOptions({"", "teams", 1000, Lang::kVi})) == "preset");
}

TEST_CASE("a webhook answering 500 fails with the status, never the URL's path",
          "[channels][webhook]") {
  Peer receiver(500, "{\"error\":\"database down\"}");
  FakeClock clock;
  WebhookChannel webhook({"wh-secret-3b7d", "slack", 2000, Lang::kVi}, clock);

  auto sent = webhook.Deliver(Job(receiver.url() + "/services/T000/B000/XXXXSECRET"));
  REQUIRE(!sent);
  CHECK(sent.error().code == "webhook_status");
  CHECK(sent.error().message ==
        "webhook " + receiver.url() + " answered 500: {\"error\":\"database down\"}");
  CHECK(!webhook.Deliver(Job("mailto:ops@sgd.example.vn")));
}

// ---------------------------------------------------------------------------------------------
// Telegram

TEST_CASE("a Telegram page is a sendMessage with acknowledge, escalate and resolve buttons",
          "[channels][telegram]") {
  Peer api(200, R"({"ok":true,"result":{"message_id":5}})");
  FakeClock clock;
  TelegramChannel telegram({api.url(), "123456:AAH-secret-token", 2000, Lang::kVi}, clock);
  REQUIRE(telegram.name() == "telegram");

  REQUIRE(telegram.Deliver(Job("-1001234567890")));
  const Received r = api.only();
  CHECK(r.method == "POST");
  CHECK(r.target == "/bot123456:AAH-secret-token/sendMessage");
  CHECK(r.Header("Content-Type") == "application/json");
  const RenderedMessage m = RenderMessage(json::parse(kPage), Lang::kVi, clock.Now());
  const json expected = {{"chat_id", "-1001234567890"},
                         {"text", m.text},
                         {"reply_markup",
                          {{"inline_keyboard",
                            {{{{"text", "Xác nhận"}, {"callback_data", "ack:42:vigil-n7"}},
                              {{"text", "Leo thang"}, {"callback_data", "esc:42:vigil-n7"}},
                              {{"text", "Đóng"}, {"callback_data", "res:42:vigil-n7"}}}}}}}};
  CHECK(json::parse(r.body) == expected);
}

TEST_CASE("Telegram buttons are in English with Lang::kEn; a check-in reminder has none",
          "[channels][telegram]") {
  Peer api;
  FakeClock clock;
  TelegramChannel telegram({api.url() + "/", "123456:AAH-secret-token", 2000, Lang::kEn}, clock);
  REQUIRE(telegram.Deliver(Job("555")));
  REQUIRE(telegram.Deliver(Job("555", R"({"type":"checkin_reminder","shift":{"schedule":"so",
      "person":"an","shift_start":"2026-01-01T01:00:00Z","shift_end":"2026-01-01T13:00:00Z"}})")));
  const auto got = api.requests();
  REQUIRE(got.size() == 2);
  const json page = json::parse(got[0].body);
  const json& row = page["reply_markup"]["inline_keyboard"][0];
  CHECK(row[0]["text"] == "Acknowledge");
  CHECK(row[1]["text"] == "Escalate");
  CHECK(row[2]["text"] == "Resolve");
  const json reminder = json::parse(got[1].body);
  CHECK(!reminder.contains("reply_markup"));
  CHECK(!reminder["text"].get<std::string>().empty());
}

TEST_CASE("a bundle's Telegram buttons answer for all of its alerts", "[channels][telegram]") {
  Peer api;
  FakeClock clock;
  TelegramChannel telegram({api.url(), "123456:AAH-secret-token", 2000, Lang::kVi}, clock);
  const json bundle = {{"type", "bundle"}, {"count", 2},
                       {"pages", {json::parse(kPage), json::parse(kPage)}},
                       {"idempotency_keys", {"vigil-n3", "vigil-n4"}}};
  REQUIRE(telegram.Deliver(DeliveryJob{9, "vigil-n9", "555", bundle.dump()}));
  const json body = json::parse(api.only().body);
  const json& row = body["reply_markup"]["inline_keyboard"][0];
  CHECK(row[0]["callback_data"] == "ack:all:vigil-n9");
  CHECK(row[2]["callback_data"] == "res:all:vigil-n9");
  CHECK(body["text"].get<std::string>().find("2 cảnh báo mới") != std::string::npos);
}

TEST_CASE("Telegram's ok:false fails with its description and never the token",
          "[channels][telegram]") {
  Peer api(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})");
  FakeClock clock;
  TelegramChannel telegram({api.url(), "123456:AAH-secret-token", 2000, Lang::kVi}, clock);
  auto sent = telegram.Deliver(Job("42"));
  REQUIRE(!sent);
  CHECK(sent.error().code == "telegram_api");
  CHECK(sent.error().message == "Telegram answered 400: Bad Request: chat not found");

  Peer echo(200, R"(<html>no bot 123456:AAH-secret-token here</html>)");
  TelegramChannel proxied({echo.url(), "123456:AAH-secret-token", 2000, Lang::kVi}, clock);
  sent = proxied.Deliver(Job("42"));
  REQUIRE(!sent);
  CHECK(sent.error().message == "Telegram answered 200: <html>no bot <token> here</html>");
}

TEST_CASE("a Telegram API that never answers fails after timeout_ms without the token",
          "[channels][telegram]") {
  SilentPeer api;
  FakeClock clock;
  TelegramChannel telegram({api.url(), "123456:AAH-secret-token", 300, Lang::kVi}, clock);
  auto sent = telegram.Deliver(Job("42"));
  REQUIRE(!sent);
  CHECK(sent.error().code == "telegram_network");
  CHECK(sent.error().message == "Telegram " + api.url() + ": no answer within 300 ms");
  CHECK(FieldAtFault(CheckTelegramOptions({api.url(), "", 300, Lang::kVi})) == "bot_token");
  CHECK(FieldAtFault(CheckTelegramOptions({"api.telegram.org", "1:x", 300, Lang::kVi})) ==
        "api_base");
}
