// Plain-text tables for terminals, aligned by display width (Vietnamese text included).
#pragma once

#include <string>
#include <vector>

namespace vigil::ctl {

// Columns wider than `max_width` are cut with "…".
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows, size_t max_width = 60);

// Display width of UTF-8 text: code points, not counting combining marks.
size_t DisplayWidth(const std::string& s);

}  // namespace vigil::ctl
