#include "daemon/common/secrets.h"
#include "daemon/ingest/ingest.h"

namespace vigil {
namespace {

// Deepest nesting of [ and { outside strings; stops counting past the limit.
int JsonDepth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) max_depth = depth;
      if (max_depth > kMaxJsonDepth) return max_depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

// At most `max` bytes of a library's message, printable ASCII only (it may quote the body).
std::string AsciiOnly(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

}  // namespace

Result<nlohmann::json> ParseJsonObject(std::string_view body) {
  if (body.empty()) return Fail("invalid_json", "the request body is empty; send a JSON object");
  if (JsonDepth(body) > kMaxJsonDepth) {
    return Fail("invalid_json",
                "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    return Fail("invalid_json",
                "malformed JSON at byte " + std::to_string(e.byte) + ": " +
                    (e.id == 101 ? std::string(e.what()).substr(std::string(e.what()).rfind(':') + 2)
                                 : std::string(e.what())));
  } catch (const nlohmann::json::out_of_range& e) {
    // A number too large for a double ("7e7777"): nlohmann gives no position, only the text.
    return Fail("invalid_json", "a number in the JSON body is out of range (" +
                                    AsciiOnly(e.what(), 120) + ")");
  } catch (const nlohmann::json::exception& e) {  // any other refusal of the parser
    return Fail("invalid_json", "malformed JSON: " + AsciiOnly(e.what(), 160));
  }
  if (!doc.is_object()) return Fail("invalid_json", "the request body must be a JSON object");
  return doc;
}

std::string TruncateUtf8(std::string_view text, size_t max_chars) {
  size_t chars = 0, i = 0;
  while (i < text.size()) {
    if (chars == max_chars) return std::string(text.substr(0, i));
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
    i += len;
    ++chars;
  }
  return std::string(text);
}

}  // namespace vigil
