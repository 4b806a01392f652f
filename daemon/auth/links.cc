#include "daemon/auth/links.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <map>
#include <vector>

#include "daemon/common/secrets.h"

namespace vigil {
namespace {

std::string B64(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> Unb64(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string Mac(const std::string& key, std::string_view msg) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()),
                                msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<char*>(mac), sizeof mac);
}

}  // namespace

Result<LinkSigner> LinkSigner::LoadOrCreate(const std::string& dir) {
  InitCrypto();
  const std::string path = dir + "/link.key";
  std::ifstream in(path);
  std::string key;
  if (in && std::getline(in, key) && key.size() >= 64) return LinkSigner(key);
  key = RandomHex(32);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const std::string line = key + "\n";
  if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Fail("io_error", "cannot write " + path, path, 500);
  }
  ::close(fd);
  return LinkSigner(key);
}

// Compact so a link fits an SMS: "<alert>.<b64 person>.<a|r|e><level>.<expiry s>.<b64 MAC[:16]>",
// about 45 characters. A 128-bit truncated HMAC-SHA256 is ample against forgery.
constexpr size_t kMacBytes = 16;

std::string LinkSigner::Sign(const LinkClaims& c) const {
  const std::string claims = std::to_string(c.alert_id) + "." + B64(c.person) + "." +
                             c.action.substr(0, 1) + std::to_string(c.level) + "." +
                             std::to_string(c.expires_at / 1000);
  return claims + "." + B64(Mac(key_, claims).substr(0, kMacBytes));
}

Result<LinkClaims> LinkSigner::Verify(const std::string& token, TimeMs now) const {
  const auto dot = token.rfind('.');
  auto mac = dot == std::string::npos ? std::nullopt : Unb64(token.substr(dot + 1));
  const std::string claims = dot == std::string::npos ? "" : token.substr(0, dot);
  if (!mac || mac->size() != kMacBytes ||
      sodium_memcmp(mac->data(), Mac(key_, claims).data(), kMacBytes) != 0) {
    return Fail("bad_link", "this link is not valid (damaged or not issued by this vigild)", "",
                403);
  }
  std::vector<std::string> parts;
  for (size_t start = 0, end; start <= claims.size(); start = end + 1) {
    end = claims.find('.', start);
    if (end == std::string::npos) end = claims.size();
    parts.push_back(claims.substr(start, end - start));
  }
  auto person = parts.size() == 4 ? Unb64(parts[1]) : std::nullopt;
  static const std::map<std::string, std::string> kActions = {
      {"a", "ack"}, {"r", "resolve"}, {"e", "escalate"}};
  const std::string verb = parts.size() == 4 ? parts[2].substr(0, 1) : "";
  if (!person || !kActions.count(verb)) return Fail("bad_link", "this link is not valid", "", 403);
  LinkClaims c{std::atoll(parts[0].c_str()), *person, kActions.at(verb),
               std::atoll(parts[3].c_str()) * 1000, std::atoi(parts[2].c_str() + 1)};
  if (c.expires_at <= now) return Fail("link_expired", "this link has expired", "", 410);
  return c;
}

}  // namespace vigil
