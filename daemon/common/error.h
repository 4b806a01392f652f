// Error values returned across component boundaries (std::expected), and their HTTP form.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace vigil {

// A failure a caller can show to a user. `code` is stable and machine-readable
// (e.g. "missing_field"), `message` is English prose, `field` names the input at fault
// (a JSON path such as "payload.severity", or "file:line" for config), empty if none.
struct Error {
  std::string code;
  std::string message;
  std::string field;
  int status = 400;  // the HTTP status this error maps to
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> Fail(std::string code, std::string message, std::string field = {},
                                   int status = 400) {
  return std::unexpected<Error>(
      Error{std::move(code), std::move(message), std::move(field), status});
}

}  // namespace vigil
