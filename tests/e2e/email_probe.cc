// vigil-email-probe: delivers one payload (a JSON file, as the engine writes to the outbox)
// through EmailChannel to one address, for test_email.py. Exit 0 when the SMTP server took
// the message, 1 with the channel's error on stderr when it did not, 2 on bad arguments.
//   vigil-email-probe --url smtp://127.0.0.1:2525 --from vigil@sgd.example.vn --to an@x.vn
//       --payload page.json --key vigil-n12 [--from-name N] [--lang en] [--starttls]
//       [--username U --password-file F] [--timeout-ms 5000] [--print]
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "daemon/common/clock.h"
#include "notifiers/email/email_channel.h"

namespace {

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vigil;
  CLI::App app{"vigil-email-probe — send one Vigil e-mail (test driver)"};
  EmailOptions o;
  std::string to, payload_path, key = "vigil-n1", password_file, lang = "vi";
  bool print = false;
  app.add_option("--url", o.url, "smtp://host:port or smtps://host:port")->required();
  app.add_flag("--starttls", o.starttls, "require STARTTLS on smtp://");
  app.add_option("--username", o.username, "SMTP AUTH user");
  app.add_option("--password-file", password_file, "file holding the SMTP password");
  app.add_option("--from", o.from_address, "sender address")->required();
  app.add_option("--from-name", o.from_name, "sender display name");
  app.add_option("--to", to, "recipient address")->required();
  app.add_option("--payload", payload_path, "JSON payload file")->required();
  app.add_option("--key", key, "idempotency key");
  app.add_option("--lang", lang, "vi or en");
  app.add_option("--timeout-ms", o.timeout_ms, "SMTP timeout");
  app.add_flag("--print", print, "print the message instead of sending it");
  CLI11_PARSE(app, argc, argv);
  o.lang = ParseLang(lang);

  std::string payload;
  if (!ReadFile(payload_path, payload)) {
    std::cerr << "vigil-email-probe: cannot read --payload " << payload_path << "\n";
    return 2;
  }
  if (!password_file.empty()) {
    if (!ReadFile(password_file, o.password)) {
      std::cerr << "vigil-email-probe: cannot read --password-file " << password_file << "\n";
      return 2;
    }
    while (!o.password.empty() && (o.password.back() == '\n' || o.password.back() == '\r')) {
      o.password.pop_back();
    }
  }
  SystemClock clock;
  const DeliveryJob job{1, key, to, payload};
  if (print) {
    const auto msg = RenderMessage(nlohmann::json::parse(payload), o.lang, clock.Now());
    std::cout << ComposeEmail(o, job, msg, clock.Now());
    return 0;
  }
  EmailChannel channel(o, clock);
  if (auto r = channel.Deliver(job); !r) {
    std::cerr << "vigil-email-probe: delivery failed: " << r.error().code << ": "
              << r.error().message << "\n";
    return 1;
  }
  std::cout << "sent " << key << " to " << to << "\n";
  return 0;
}
