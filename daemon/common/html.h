// Escaping text for HTML (answer-link pages, e-mail HTML parts).
#pragma once

#include <string>
#include <string_view>

namespace vigil {

// & < > " ' as entities; safe inside element text and quoted attribute values.
inline std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace vigil
