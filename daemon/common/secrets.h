// Random tokens and key hashing (libsodium), and secrets kept in files. Keys are high-entropy
// random strings, so a single SHA-256 is the right hash for them (argon2id is for human
// passwords).
#pragma once

#include <string>
#include <string_view>

#include "daemon/common/error.h"

namespace vigil {

// Initialises libsodium once; safe to call from any thread, any number of times.
void InitCrypto();

// `bytes` random bytes as lowercase hex (2*bytes characters).
std::string RandomHex(size_t bytes);

// A random RFC 4122 version-4 UUID, e.g. "3b241101-e2bb-4255-8caf-4136c566a962".
std::string RandomUuid();

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Constant-time equality for secrets of possibly different length.
bool SecretEquals(std::string_view a, std::string_view b);

// A secret kept in its own file (mode 0600 advised): the first line, trailing spaces and CR
// trimmed. Fails with io_error (status 500) naming the config key `key` when the file cannot
// be read or is empty. Reads the file; thread-safe.
Result<std::string> ReadSecretFile(const std::string& path, const std::string& key);

}  // namespace vigil
