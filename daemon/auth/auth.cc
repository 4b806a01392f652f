#include "daemon/auth/auth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <mutex>

#include <sodium.h>

#include "daemon/common/secrets.h"

namespace vigil {

void IntegrationRegistry::Replace(std::unordered_map<std::string, Integration> by_hash) {
  std::unique_lock lock(mu_);
  by_hash_ = std::move(by_hash);
}

void IntegrationRegistry::Add(const std::string& key_sha256, Integration integration) {
  std::unique_lock lock(mu_);
  by_hash_[key_sha256] = std::move(integration);
}

size_t IntegrationRegistry::size() const {
  std::shared_lock lock(mu_);
  return by_hash_.size();
}

Result<Integration> IntegrationRegistry::Authenticate(const std::string& key,
                                                      const std::string& kind) const {
  if (key.empty()) return Fail("missing_key", "an integration key is required", "", 401);
  const std::string hash = Sha256Hex(key);  // lookup by digest: no timing leak on the key
  std::shared_lock lock(mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return Fail("invalid_key", "unknown integration key", "", 403);
  // "any" stands for the ingest kinds only: an answer route (inbound SMS) needs a key made for
  // it, so the key every alert source knows (the auto-created "default") cannot try codes.
  const bool any_fits = it->second.kind == "any" && kind != "sms_inbound";
  if (!any_fits && it->second.kind != kind) {
    return Fail("wrong_integration_kind",
                "this key belongs to integration \"" + it->second.name + "\" of kind " +
                    it->second.kind + ", not " + kind,
                "", 403);
  }
  return it->second;
}

std::string BearerToken(const std::string& header) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() || header.compare(0, kPrefix.size(), kPrefix) != 0) {
    return {};
  }
  return header.substr(kPrefix.size());
}

Result<AdminToken> AdminToken::LoadOrCreate(const std::string& dir) {
  const std::string path = dir + "/" + FileName();
  AdminToken t;
  std::ifstream in(path);
  if (in && std::getline(in, t.token_) && t.token_.size() >= 32) return t;
  t.token_ = RandomHex(32);
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Fail("io_error", "cannot create " + tmp, tmp, 500);
  const std::string line = t.token_ + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Fail("io_error", "cannot write " + path, path, 500);
  }
  return t;
}

Result<void> AdminToken::Check(const std::string& header) const {
  const std::string presented = BearerToken(header);
  if (presented.empty()) {
    return Fail("missing_token", "this call needs Authorization: Bearer <admin token>", "", 401);
  }
  if (!SecretEquals(presented, token_)) {
    return Fail("invalid_token", "the admin token is not valid", "", 401);
  }
  return {};
}

std::string AdminToken::FeedToken(const std::string& person) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  const std::string msg = "duty.ics:" + person;
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(token_.data()),
                              token_.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()),
                                msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[sizeof mac * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

bool AdminToken::CheckFeedToken(const std::string& person, const std::string& presented) const {
  return !presented.empty() && SecretEquals(FeedToken(person), presented);
}

}  // namespace vigil
