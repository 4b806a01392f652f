// Language choice for text shown to people: Vietnamese by default, English available.
#pragma once

#include <string>

namespace vigil {

enum class Lang { kVi, kEn };

// "en", "en_US.UTF-8" → kEn; anything else → kVi.
inline Lang ParseLang(const std::string& s) { return s.rfind("en", 0) == 0 ? Lang::kEn : Lang::kVi; }

// Picks the text for `lang`. Both texts are UTF-8 literals written side by side at the call.
inline const char* Tr(Lang lang, const char* vi, const char* en) {
  return lang == Lang::kEn ? en : vi;
}

}  // namespace vigil
