// One HTTP request and its response as the route handlers see them. The member names follow
// cpp-httplib's (which vigild used before its event-driven front) so handlers read the same.
#pragma once

#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace vigil {

struct HttpRequest {
  std::string method;  // GET, HEAD, POST
  std::string path;    // percent-decoded, without the query
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::smatch matches;  // the route pattern's groups, matched against `path`
  std::string remote;   // the client's IP address as the socket sees it ("" when unknown)

  // The first value of a header (names are case-insensitive), or "".
  std::string get_header_value(const std::string& name) const;
  bool has_header(const std::string& name) const;
  // The first value of a query parameter, or "".
  std::string get_param_value(const std::string& key) const;
  bool has_param(const std::string& key) const;

  // Set by the server: the parsed message the headers are read from (valid while the
  // handler runs).
  const void* fields = nullptr;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;

  void set_content(std::string content, std::string type) {
    body = std::move(content);
    content_type = std::move(type);
  }
  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// Percent-decodes `s`; with `plus_is_space` also '+' (query strings).
std::string UrlDecode(std::string_view s, bool plus_is_space);

}  // namespace vigil
