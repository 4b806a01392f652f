// Answer links from messages: GET /l/{token} shows what the link will do and a button;
// only POST /l/{token} acts, so mail scanners and chat link previews cannot acknowledge.
// Forged tokens are counted per client address; past guess_limits.per_address, 429.

#include "daemon/common/html.h"
#include "daemon/common/secrets.h"
#include "daemon/http/server.h"

namespace vigil {
namespace {

const char* ActionText(Lang l, const std::string& action) {
  if (action == "ack") return Tr(l, "Xác nhận đã nhận cảnh báo", "Acknowledge the alert");
  if (action == "resolve") return Tr(l, "Đánh dấu đã xử lý xong", "Resolve the alert");
  return Tr(l, "Chuyển lên cấp tiếp theo ngay", "Escalate to the next level now");
}

void Page(HttpResponse& res, int status, Lang l, const std::string& title,
          const std::string& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Robots-Tag", "noindex");
  res.set_content(std::string("<!doctype html><html lang=\"") + Tr(l, "vi", "en") +
                      "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                      "content=\"width=device-width, initial-scale=1\"><title>" +
                      HtmlEscape(title) + "</title><style>body{font-family:sans-serif;max-width:32em;"
                      "margin:2em auto;padding:0 1em}button{font-size:1.3em;padding:.6em 1.2em}"
                      "</style></head><body><h1>" + HtmlEscape(title) + "</h1>" + body +
                      "</body></html>",
                  "text/html; charset=utf-8");
}

}  // namespace

// The claims of a link token, or the page that says why not. Forged or damaged tokens are
// failed guesses, counted per client address (guess_limits.per_address); past the budget a
// wrong token from that address is answered 429 with Retry-After. A good link is never
// refused: its signature is checked first, and a whole office behind one address (or a
// stranger spending that address's budget) must not lock the duty officers out. An expired
// link verified its signature, so it is not a guess.
std::optional<LinkClaims> HttpServer::CheckLink(const HttpRequest& req, HttpResponse& res) {
  const Lang l = deps_.lang;
  auto claims = deps_.links->Verify(req.matches[1], deps_.clock.Now());
  if (claims) return *claims;
  FailureLimiter* limiter = deps_.guesses ? &deps_.guesses->links : nullptr;
  const std::string address = ClientAddress(req);
  if (claims.error().code == "bad_link") {
    if (auto e = Refusal(limiter, address, res, l, Tr(l, "địa chỉ này", "this address"))) {
      Page(res, 429, l, Tr(l, "Liên kết không dùng được", "Link not usable"),
           "<p>" + HtmlEscape(e->message) + "</p>");
      return std::nullopt;
    }
    CountFailure(limiter, address, "links");
  }
  Page(res, claims.error().status, l, Tr(l, "Liên kết không dùng được", "Link not usable"),
       "<p>" + HtmlEscape(claims.error().message) + "</p>");
  return std::nullopt;
}

void HttpServer::LinkRoutes() {
  const Lang l = deps_.lang;
  Get(R"(/l/([A-Za-z0-9_\-.]+))", [this, l](const HttpRequest& req,
                                                   HttpResponse& res) {
    if (!deps_.links) return Page(res, 404, l, Tr(l, "Không có liên kết", "No such link"), "");
    auto claims = CheckLink(req, res);
    if (!claims) return;
    auto alert = deps_.reads.GetAlert(claims->alert_id);
    std::string what = "#" + std::to_string(claims->alert_id);
    if (alert && *alert) what += " — " + (*alert)->summary + " (" + (*alert)->source + ")";
    Page(res, 200, l, ActionText(l, claims->action),
         "<p>" + HtmlEscape(what) + "</p><p>" + Tr(l, "Gửi cho: ", "Sent to: ") +
             HtmlEscape(claims->person) + "</p><form method=\"post\"><button type=\"submit\">" +
             ActionText(l, claims->action) + "</button></form>");
  });

  Post(R"(/l/([A-Za-z0-9_\-.]+))", [this, l](const HttpRequest& req, HttpResponse& res,
                                           const std::string&) {
    if (!deps_.links) return Page(res, 404, l, Tr(l, "Không có liên kết", "No such link"), "");
    const std::string token = req.matches[1];
    auto claims = CheckLink(req, res);
    if (!claims) return;
    auto done = AwaitEngine(deps_.engine.Submit(LinkActionCommand{Sha256Hex(token), *claims, {}}));
    if (!done) {
      return Page(res, done.error().status, l, Tr(l, "Không thực hiện được", "Not done"),
                  "<p>" + HtmlEscape(done.error().message) + "</p>");
    }
    Page(res, 200, l, Tr(l, "Đã ghi nhận", "Done"),
         "<p>#" + std::to_string(claims->alert_id) + ": " + ActionText(l, claims->action) +
             " — " + HtmlEscape(claims->person) + "</p>");
  });
}

}  // namespace vigil
