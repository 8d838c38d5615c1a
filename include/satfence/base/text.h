// Small text helpers on std::string_view. (Debian's abseil is built with its own
// absl::string_view, which does not convert from std::string_view; these keep the
// project's parsers on the standard type.)
#ifndef SATFENCE_BASE_TEXT_H_
#define SATFENCE_BASE_TEXT_H_

#include <string_view>

namespace satfence {

// `s` without leading and trailing spaces, tabs, CR and LF.
inline std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

}  // namespace satfence

#endif  // SATFENCE_BASE_TEXT_H_
