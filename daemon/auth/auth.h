// Who may call what: integration keys for sources, the admin token for everything else.
// Until user accounts exist (a later issue), the admin token guards every non-ingest call.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/common/error.h"

namespace vigil {

struct Integration {
  std::int64_t id = 0;
  std::string name;
  std::string kind;  // events_v2 | alertmanager | sms_inbound | any (= events_v2 or alertmanager)
};

// Integration keys by their SHA-256, read by HTTP threads, replaced by the engine.
// Thread-safe.
class IntegrationRegistry {
 public:
  // Replaces the whole set (at start and after a reload). Keyed by hex SHA-256.
  void Replace(std::unordered_map<std::string, Integration> by_hash);
  void Add(const std::string& key_sha256, Integration integration);

  // Finds the integration for a presented key and checks that it may post `kind`. A key of
  // kind any may post events_v2 and alertmanager, never sms_inbound (answers need their own).
  // Empty key → 401 missing_key; unknown key → 403 invalid_key; wrong kind → 403
  // wrong_integration_kind.
  Result<Integration> Authenticate(const std::string& presented_key,
                                   const std::string& kind) const;
  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Integration> by_hash_;
};

// The admin token: created once in the data directory (mode 0600), read by vigilctl.
class AdminToken {
 public:
  // Reads `dir`/admin.token, creating it with a fresh random token when absent.
  static Result<AdminToken> LoadOrCreate(const std::string& dir);
  // Checks an "Authorization: Bearer <token>" header value in constant time.
  // Empty → 401 missing_token; wrong → 401 invalid_token.
  Result<void> Check(const std::string& authorization_header) const;
  static std::string FileName() { return "admin.token"; }

  // A per-person secret for calendar feed URLs (phones cannot send headers): an HMAC of the
  // person id under the admin token, so it needs no storage and rotating the admin token
  // revokes every feed. 64 hex digits.
  std::string FeedToken(const std::string& person) const;
  bool CheckFeedToken(const std::string& person, const std::string& presented) const;

 private:
  std::string token_;
};

// "Bearer abc" → "abc"; anything else → "".
std::string BearerToken(const std::string& authorization_header);

}  // namespace vigil
