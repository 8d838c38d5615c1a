#include "satfence/base/utc_time.h"

#include <cmath>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace satfence {
namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;
constexpr double kUnixEpochJulianDay = 2440587.5;

// Reads exactly `n` decimal digits at `pos`; -1 if any is not a digit or the text ends.
int ReadDigits(std::string_view s, size_t pos, int n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

absl::Status Bad(std::string_view text, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("not an RFC 3339 date-time: '", std::string(text), "': ", std::string(what)));
}

}  // namespace

JulianDate ToJulianDate(UtcTime t) {
  const std::int64_t us = t.time_since_epoch().count();
  std::int64_t days = us / kMicrosPerDay;
  std::int64_t rem = us % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  return {kUnixEpochJulianDay + static_cast<double>(days),
          static_cast<double>(rem) / static_cast<double>(kMicrosPerDay)};
}

UtcTime FromJulianDate(JulianDate jd) {
  const double whole_days = std::floor(jd.day - kUnixEpochJulianDay);
  const double frac = (jd.day - kUnixEpochJulianDay - whole_days) + jd.fraction;
  const auto us = static_cast<std::int64_t>(whole_days) * kMicrosPerDay +
                  static_cast<std::int64_t>(std::llround(frac * kMicrosPerDay));
  return UtcTime(std::chrono::microseconds(us));
}

UtcTime FromCalendar(int year, int month, int day, std::int64_t microseconds_of_day) {
  using namespace std::chrono;
  const sys_days d =
      year_month_day{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  return UtcTime(duration_cast<microseconds>(d.time_since_epoch()) +
                 microseconds(microseconds_of_day));
}

absl::StatusOr<UtcTime> ParseRfc3339(std::string_view text) {
  const std::string_view s = text;
  const int year = ReadDigits(s, 0, 4);
  const int month = ReadDigits(s, 5, 2);
  const int day = ReadDigits(s, 8, 2);
  if (year < 0 || month < 0 || day < 0 || s[4] != '-' || s[7] != '-') {
    return Bad(text, "expected YYYY-MM-DD");
  }
  if (s.size() < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) {
    return Bad(text, "expected 'T' and hh:mm:ss after the date");
  }
  const int hour = ReadDigits(s, 11, 2);
  const int minute = ReadDigits(s, 14, 2);
  const int second = ReadDigits(s, 17, 2);
  if (hour < 0 || minute < 0 || second < 0 || s[13] != ':' || s[16] != ':') {
    return Bad(text, "expected hh:mm:ss");
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return Bad(text, "no such calendar date");
  if (hour > 23 || minute > 59) return Bad(text, "hour or minute out of range");
  if (second > 59) return Bad(text, "second out of range (leap seconds are not representable)");

  size_t pos = 19;
  std::int64_t frac_us = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t start = pos;
    double scale = 100000.0;
    double frac = 0.0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += (s[pos] - '0') * scale;
      scale /= 10.0;
      ++pos;
    }
    if (pos == start) return Bad(text, "empty fraction of a second");
    frac_us = std::llround(frac);
  }
  std::int64_t offset_s = 0;
  if (pos < s.size()) {
    const char z = s[pos];
    if (z == 'Z' || z == 'z') {
      ++pos;
    } else if (z == '+' || z == '-') {
      const int oh = ReadDigits(s, pos + 1, 2);
      const int om = ReadDigits(s, pos + 4, 2);
      if (oh < 0 || om < 0 || s[pos + 3] != ':' || oh > 23 || om > 59) {
        return Bad(text, "bad zone offset, expected +hh:mm");
      }
      offset_s = (z == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      pos += 6;
    } else {
      return Bad(text, absl::StrCat("unexpected '", std::string(1, z), "' after the time"));
    }
  }
  if (pos != s.size()) return Bad(text, "trailing characters");
  const std::int64_t tod_us =
      (hour * 3600LL + minute * 60LL + second - offset_s) * 1'000'000LL + frac_us;
  return FromCalendar(year, month, day, tod_us);
}

std::string FormatRfc3339(UtcTime t) {
  using namespace std::chrono;
  const sys_days d = floor<days>(t);
  const year_month_day ymd{d};
  const std::int64_t us = (t - d).count();
  const std::int64_t secs = us / 1'000'000;
  return absl::StrFormat("%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<int>(ymd.year()),
                         static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                         secs / 3600, (secs / 60) % 60, secs % 60, us % 1'000'000);
}

double MinutesBetween(UtcTime from, UtcTime to) {
  return static_cast<double>((to - from).count()) / 60e6;
}

UtcTime AddMinutes(UtcTime t, double minutes) {
  return t + std::chrono::microseconds(std::llround(minutes * 60e6));
}

}  // namespace satfence
