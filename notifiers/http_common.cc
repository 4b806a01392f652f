#include "notifiers/http_common.h"

namespace vigil {

std::string OneLineSnippet(std::string_view body) {
  constexpr size_t kSnippetBytes = 200;
  std::string s(body.substr(0, kSnippetBytes + 4));
  if (s.size() > kSnippetBytes) {
    size_t cut = kSnippetBytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
    s += "...";
  }
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s;
}

std::string DescribeNetworkError(httplib::Error e, long timeout_ms) {
  switch (e) {
    case httplib::Error::Connection:
      return "could not connect";
    case httplib::Error::ConnectionTimeout:
      return "could not connect within " + std::to_string(timeout_ms) + " ms";
    case httplib::Error::Read:
      return "no answer within " + std::to_string(timeout_ms) + " ms";
    case httplib::Error::Write:
      return "the connection broke while sending";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
    case httplib::Error::SSLLoadingCerts:
      return "TLS failed (" + httplib::to_string(e) + ")";
    default:
      return httplib::to_string(e);
  }
}

}  // namespace vigil
