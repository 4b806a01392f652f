// Internal to the HTTP channels (SMS gateway, webhook, Telegram): how their failures read.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

namespace vigil {

// The start of an HTTP answer for an error message: at most 200 bytes, cut on a UTF-8
// boundary (with "..."), control characters turned into spaces. Redact secrets first.
std::string OneLineSnippet(std::string_view body);

// A cpp-httplib transport failure in words, naming the timeout where it applies.
std::string DescribeNetworkError(httplib::Error e, long timeout_ms);

}  // namespace vigil
