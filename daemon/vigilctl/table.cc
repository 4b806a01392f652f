#include "daemon/vigilctl/table.h"

namespace vigil::ctl {
namespace {

// Decodes the code point at s[i]; advances i.
char32_t Next(const std::string& s, size_t& i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
  char32_t cp = len == 1 ? c : c & (0x3f >> (len - 1));
  for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3f);
  i += len;
  return cp;
}

bool Combining(char32_t cp) { return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff); }

std::string Cut(const std::string& s, size_t width) {
  if (DisplayWidth(s) <= width) return s;
  std::string out;
  size_t w = 0, i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t cp = Next(s, i);
    if (!Combining(cp) && ++w > width - 1) break;
    out.append(s, start, i - start);
  }
  return out + "…";
}

}  // namespace

size_t DisplayWidth(const std::string& s) {
  size_t w = 0, i = 0;
  while (i < s.size()) w += Combining(Next(s, i)) ? 0 : 1;
  return w;
}

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows, size_t max_width) {
  std::vector<std::vector<std::string>> cells;
  cells.push_back(header);
  for (const auto& r : rows) {
    std::vector<std::string> row;
    for (const auto& c : r) row.push_back(Cut(c, max_width));
    cells.push_back(std::move(row));
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& r : cells) {
    for (size_t i = 0; i < r.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(r[i]));
    }
  }
  std::string out;
  for (const auto& r : cells) {
    for (size_t i = 0; i < r.size() && i < widths.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out += std::string(widths[i] - DisplayWidth(r[i]) + 2, ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace vigil::ctl
