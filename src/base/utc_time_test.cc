#include "satfence/base/utc_time.h"

#include <gtest/gtest.h>

namespace satfence {
namespace {

TEST(UtcTime, JulianDateOfPublishedInstants) {
  // J2000.0 as a calendar instant: 2000-01-01 12:00 is JD 2451545.0 (Meeus, ch. 7).
  const JulianDate j2000 = ToJulianDate(*ParseRfc3339("2000-01-01T12:00:00Z"));
  EXPECT_EQ(j2000.day, 2451544.5);
  EXPECT_DOUBLE_EQ(j2000.fraction, 0.5);
  // Vallado, Fundamentals of Astrodynamics, Example 3-4: 1996-10-26 14:20:00 -> 2450383.09722222.
  EXPECT_NEAR(ToJulianDate(*ParseRfc3339("1996-10-26T14:20:00Z")).Total(), 2450383.09722222, 1e-8);
  // Meeus Example 7.a: 1957 October 4.81 -> JD 2436116.31.
  const UtcTime sputnik = FromCalendar(1957, 10, 4, static_cast<std::int64_t>(0.81 * 86400e6));
  EXPECT_NEAR(ToJulianDate(sputnik).Total(), 2436116.31, 1e-9);
}

TEST(UtcTime, JulianDateRoundTripsToTheMicrosecond) {
  for (const char* s : {"1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z",
                        "2026-11-24T08:15:30.123456Z", "2057-06-30T23:00:00.000001Z"}) {
    const UtcTime t = *ParseRfc3339(s);
    EXPECT_EQ(FromJulianDate(ToJulianDate(t)), t) << s;
  }
}

TEST(UtcTime, ParsesZonesFractionsAndSeparators) {
  const UtcTime z = *ParseRfc3339("2026-03-01T11:50:00Z");
  EXPECT_EQ(*ParseRfc3339("2026-03-01T13:50:00+02:00"), z);
  EXPECT_EQ(*ParseRfc3339("2026-03-01T06:20:00-05:30"), z);
  EXPECT_EQ(*ParseRfc3339("2026-03-01 11:50:00z"), z);
  EXPECT_EQ(*ParseRfc3339("2026-03-01T11:50:00"), z);           // OMM style: no zone means UTC
  EXPECT_EQ(*ParseRfc3339("2026-03-01T11:49:59.9999996Z"), z);  // rounds to the microsecond
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-03-01T11:49:02.5Z")), "2026-03-01T11:49:02.500000Z");
}

TEST(UtcTime, RejectsMalformedTextWithAReason) {
  for (const char* s :
       {"", "2026-03-01", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z",
        "2026-03-01T11:60:00Z", "2026-03-01T11:50:60Z", "2026-03-01T11:50:00.Z",
        "2026-03-01T11:50:00+0200", "2026-03-01T11:50:00Zjunk", "20x6-03-01T11:50:00Z"}) {
    const auto t = ParseRfc3339(s);
    ASSERT_FALSE(t.ok()) << s;
    EXPECT_NE(t.status().message().find("not an RFC 3339 date-time"), std::string::npos);
  }
}

TEST(UtcTime, MinuteArithmetic) {
  const UtcTime t = *ParseRfc3339("2025-09-23T00:00:00Z");
  EXPECT_EQ(AddMinutes(t, 1440.0), *ParseRfc3339("2025-09-24T00:00:00Z"));
  EXPECT_EQ(AddMinutes(t, -0.5), *ParseRfc3339("2025-09-22T23:59:30Z"));
  EXPECT_DOUBLE_EQ(MinutesBetween(t, *ParseRfc3339("2025-09-23T06:00:00Z")), 360.0);
}

}  // namespace
}  // namespace satfence
