// vigilctl's connection to vigild: where it is, the admin token, and JSON calls.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "daemon/common/i18n.h"

namespace vigil::ctl {

struct Options {
  std::string server;    // http://host:port; empty: runtime.json, then the default
  std::string data_dir;  // where admin.token and runtime.json are
  std::string token_file;
  bool json = false;
  Lang lang = Lang::kVi;
};

// The outcome of one API call: the HTTP status and the parsed JSON body.
struct Reply {
  int status = 0;  // 0: vigild could not be reached
  nlohmann::json body;
  bool ok() const { return status >= 200 && status < 300; }
};

class Client {
 public:
  explicit Client(const Options& o);
  Reply Get(const std::string& path) const;
  Reply Post(const std::string& path, const nlohmann::json& body) const;
  // A POST that opens something (an incident): sent under a fresh Idempotency-Key, and once
  // more under the same key when its reply was lost (vigild unreachable) or was 503 (not
  // committed in time, vigild stopping), so a retry never opens a second one.
  Reply PostOnce(const std::string& path, const nlohmann::json& body) const;
  const std::string& server() const { return server_; }
  const std::string& token() const { return token_; }

 private:
  Reply Call(const std::string& method, const std::string& path, const std::string& body,
             const std::string& idempotency_key = "") const;
  std::string server_;
  std::string token_;
};

// Prints a failed reply as a localized message naming the field; returns the exit code
// (1: refused by vigild, 3: vigild not reachable).
int ReportFailure(const Reply& r, const Options& o, const std::string& server);

}  // namespace vigil::ctl
