// Small text helpers on std::string_view. (Debian's abseil is built with its own
// absl::string_view, which does not convert from std::string_view; these keep the
// project's parsers on the standard type.)
#ifndef SATFENCE_BASE_TEXT_H_
#define SATFENCE_BASE_TEXT_H_

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace satfence {

// The shortest decimal text that reads back to the same double ("0.1", "6378.137", "-1e-07").
inline std::string ExactDouble(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

// `s` without leading and trailing spaces, tabs, CR and LF.
inline std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// A decimal number filling the whole of `s` (blanks around it and a leading '+' allowed),
// or nothing; infinities and NaN are not numbers here.
inline std::optional<double> ParseNumber(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// The same for a decimal integer.
inline std::optional<long long> ParseInteger(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Deepest bracket nesting of JSON text, ignoring brackets inside strings. Linear and
// allocation-free: readers call it before any parser sees untrusted input.
inline int MaxJsonNestingDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) max_depth = depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

struct NumberedLine {
  int number;             // 1-based
  std::string_view text;  // without the line ending (LF or CRLF)
};

// The lines of `text`, numbered from 1; views into `text`. A final line without a line
// ending counts; an empty text has no lines.
inline std::vector<NumberedLine> SplitLines(std::string_view text) {
  std::vector<NumberedLine> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({static_cast<int>(lines.size()) + 1, line});
    pos = end + 1;
  }
  return lines;
}

}  // namespace satfence

#endif  // SATFENCE_BASE_TEXT_H_
