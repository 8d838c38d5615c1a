// UTC instants with microsecond resolution, RFC 3339 text and Julian dates.
//
//   absl::StatusOr<UtcTime> t = ParseRfc3339("2026-03-01T11:50:00.25Z");
//   JulianDate jd = ToJulianDate(*t);        // {2461100.5, 0.49329...}
//   std::string s = FormatRfc3339(*t);       // "2026-03-01T11:50:00.250000Z"
//
// UtcTime counts microseconds on the POSIX time scale: every day has 86,400 s and leap
// seconds are not represented (as in SGP4 and every TLE/OMM catalogue, which state epochs
// in UTC and propagate in minutes since epoch). All functions are pure and thread-safe.
#ifndef SATFENCE_BASE_UTC_TIME_H_
#define SATFENCE_BASE_UTC_TIME_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace satfence {

using UtcTime = std::chrono::sys_time<std::chrono::microseconds>;

// A Julian date split in two so that the sum keeps sub-microsecond precision:
// `day` is a whole day ending in .5 (midnight UTC), `fraction` is in [0, 1).
struct JulianDate {
  double day;
  double fraction;
  double Total() const { return day + fraction; }
};

// Julian date of the instant; exact to the double rounding of `fraction` (~1e-16 day).
JulianDate ToJulianDate(UtcTime t);

// Instant of a Julian date, rounded to the nearest microsecond.
UtcTime FromJulianDate(JulianDate jd);

// Parses an RFC 3339 date-time ("2026-03-01T11:50:00Z", "...T11:50:00.123456+02:00").
// Also accepts a space or lower-case 't' between date and time, a lower-case 'z', and no
// zone at all (taken as UTC, as CCSDS OMM epochs are written). Fractions beyond
// microseconds are rounded. Errors name the offending part.
absl::StatusOr<UtcTime> ParseRfc3339(std::string_view text);

// "YYYY-MM-DDThh:mm:ss.ffffffZ" (six fractional digits, always UTC).
std::string FormatRfc3339(UtcTime t);

// Instant from a calendar date and a time of day in microseconds; the date must be valid.
UtcTime FromCalendar(int year, int month, int day, std::int64_t microseconds_of_day);

// Minutes from `from` to `to` (positive when `to` is later), exact to double rounding.
double MinutesBetween(UtcTime from, UtcTime to);

// `t` plus a (possibly fractional) number of minutes, rounded to the microsecond.
UtcTime AddMinutes(UtcTime t, double minutes);

}  // namespace satfence

#endif  // SATFENCE_BASE_UTC_TIME_H_
