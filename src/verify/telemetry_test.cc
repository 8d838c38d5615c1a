// The v1 telemetry reader: the example of DESIGN.md, exact round trips, and one located error
// per bad line with the rest of the stream kept.
#include "satfence/verify/telemetry.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace satfence::verify {
namespace {

// The example report of DESIGN.md ("Telemetry interchange format"), with its elided
// satellite states written out.
constexpr char kExample[] =
    R"({"terminal": "KIT-00017", "time": "2026-03-01T11:50:00Z",
 "claimed": {"lat": 48.60, "lon": 38.00, "alt_m": 180.0},
 "measurements": [
   {"time": "2026-03-01T11:49:02.5Z", "sat": "44714",
    "sat_pos_m": [3512345.1, 2456789.2, 5123456.3], "sat_vel_mps": [-4512.3, 5123.4, 1234.5],
    "kind": "range", "value": 812345.2, "sigma": 30.0},
   {"time": "2026-03-01T11:49:02.5Z", "sat": "44714", "sat_pos_m": [3512345.1, 2456789.2, 5123456.3],
    "sat_vel_mps": [-4512.3, 5123.4, 1234.5], "kind": "range_rate", "value": -5123.4, "sigma": 0.5},
   {"time": "2026-03-01T11:49:03Z", "sat": 44714, "sat_pos_m": [3512345.1, 2456789.2, 5123456.3],
    "sat_vel_mps": [-4512.3, 5123.4, 1234.5], "kind": "aoa", "value": [0.12, -0.53, -0.84], "sigma": 0.003},
   {"time": "2026-03-01T11:49:04Z", "sat": "44714", "kind": "beam",
    "value": {"lat": 48.55, "lon": 37.95, "radius_m": 12000}}
 ], "firmware": "ignored"})";

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

TEST(Telemetry, ReadsTheDesignExample) {
  ReadResult<Report> r = ReadTelemetry(OneLine(kExample), "example.jsonl");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  ASSERT_EQ(r.records.size(), 1u);
  const Report& report = r.records[0];
  EXPECT_EQ(report.terminal, "KIT-00017");
  EXPECT_EQ(FormatRfc3339(report.time), "2026-03-01T11:50:00.000000Z");
  EXPECT_DOUBLE_EQ(report.claimed.position.lat_deg, 48.60);
  EXPECT_DOUBLE_EQ(report.claimed.position.height_m, 180.0);
  EXPECT_FALSE(report.claimed.vel_enu_mps.has_value());
  ASSERT_EQ(report.measurements.size(), 4u);
  EXPECT_EQ(report.measurements[0].kind, Kind::kRange);
  EXPECT_DOUBLE_EQ(report.measurements[0].value, 812345.2);
  EXPECT_DOUBLE_EQ(report.measurements[0].sat_pos_ecef_m.z, 5123456.3);
  EXPECT_EQ(FormatRfc3339(report.measurements[0].time), "2026-03-01T11:49:02.500000Z");
  EXPECT_EQ(report.measurements[2].sat, "44714");  // an integer id reads as the same text
  // The example's aoa vector has norm 0.99985: within tolerance, and normalised.
  EXPECT_NEAR(geo::Norm(report.measurements[2].direction_ecef), 1.0, 1e-15);
  EXPECT_EQ(report.measurements[3].kind, Kind::kBeam);
  EXPECT_FALSE(report.measurements[3].has_sat_state);
  EXPECT_DOUBLE_EQ(report.measurements[3].beam_radius_m, 12000.0);
  EXPECT_DOUBLE_EQ(report.measurements[3].sigma, 600.0);  // 5% of the radius by default
}

TEST(Telemetry, WritesWhatItReadsExactly) {
  ReadResult<Report> r = ReadTelemetry(OneLine(kExample), "example.jsonl");
  ASSERT_EQ(r.records.size(), 1u);
  Report original = r.records[0];
  original.claimed.vel_enu_mps = geo::Vec3{0.1, -22.0 / 7.0, 1e-3};
  original.measurements[1].sat_pos_sigma_m = 12.5;  // a declared ephemeris accuracy
  std::string line = ReportJson(original);
  ReadResult<Report> back = ReadTelemetry(line, "again.jsonl");
  ASSERT_TRUE(back.errors.empty()) << back.errors[0].ToString();
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(ReportJson(back.records[0]), line);
  EXPECT_EQ(back.records[0].claimed.vel_enu_mps->y, -22.0 / 7.0);
  EXPECT_EQ(back.records[0].measurements[1].sat_pos_sigma_m, 12.5);
  EXPECT_EQ(back.records[0].measurements[0].sat_pos_sigma_m, 0.0);
  EXPECT_NE(line.find("\"sat_pos_sigma_m\":12.5"), std::string::npos) << line;
}

struct BadLine {
  std::string line;
  std::string field;
  std::string message;  // a part of it
};

TEST(Telemetry, EachBadLineIsLocatedAndTheRestIsRead) {
  const std::string good = OneLine(kExample);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  std::string deep =
      "{\"terminal\":\"X\",\"extra\":" + std::string(40, '[') + std::string(40, ']') + "}";
  std::string many =
      R"({"terminal":"X","time":"2026-03-01T11:50:00Z","claimed":{"lat":1,"lon":2,"alt_m":3},"measurements":[)";
  for (size_t i = 0; i <= kMaxMeasurementsPerReport; ++i) {
    absl::StrAppend(&many, i ? "," : "", "{}");
  }
  many += "]}";
  const std::vector<BadLine> bad = {
      {"{\"terminal\": \"KIT-1\", ", "", "not valid JSON"},
      {"[1, 2, 3]", "", "expected an object"},
      {deep, "", "nested deeper"},
      {replace("\"terminal\": \"KIT-00017\", ", ""), "terminal", "missing"},
      {replace("\"KIT-00017\"", "17"), "terminal", "expected a string"},
      {replace("\"2026-03-01T11:50:00Z\"", "\"2026-02-30T11:50:00Z\""), "time", ""},
      {replace("\"lat\": 48.60", "\"lat\": 98.60"), "claimed.lat", "outside [-90, 90]"},
      {replace("\"alt_m\": 180.0", "\"alt_m\": \"high\""), "claimed.alt_m", "expected a number"},
      {replace("\"value\": 812345.2", "\"value\": NaN"), "", "not valid JSON"},
      {replace("\"value\": 812345.2", "\"value\": 1e400"), "", "not valid JSON"},
      {replace("\"kind\": \"range\"", "\"kind\": \"tdoa\""), "measurements[0].kind",
       "unknown kind 'tdoa'"},
      {replace("[3512345.1, 2456789.2, 5123456.3]", "[3512.3451, 2456.7892, 5123.4563]"),
       "measurements[0].sat_pos_m", "from the Earth's centre"},
      {replace("[0.12, -0.53, -0.84]", "[0.12, -0.53, -0.74]"), "measurements[2].value",
       "not a unit vector"},
      {replace("\"sigma\": 0.5", "\"sigma\": -0.5"), "measurements[1].sigma", "outside"},
      {replace("\"kind\": \"range_rate\"", "\"sat_pos_sigma_m\": -3, \"kind\": \"range_rate\""),
       "measurements[1].sat_pos_sigma_m", "-3 is outside [0, 1e+06]"},
      {replace("\"sat_vel_mps\": [-4512.3, 5123.4, 1234.5],", ""), "measurements[0].sat_vel_mps",
       "missing"},
      {replace("\"2026-03-01T11:49:04Z\"", "\"2026-03-01T15:49:04Z\""), "measurements[3].time",
       "from the report time"},
      {replace("\"radius_m\": 12000", "\"radius_m\": 0"), "measurements[3].value.radius_m",
       "outside"},
      {replace("\"measurements\": [", "\"measurements\": {\"a\": ["), "", "not valid JSON"},
      {many, "measurements", "at most 20000"},
  };
  std::string stream = good + "\n";
  for (const BadLine& b : bad) stream += b.line + "\n\n" + good + "\n";
  ReadResult<Report> r = ReadTelemetry(stream, "mixed.jsonl");
  EXPECT_EQ(r.records.size(), bad.size() + 1);
  for (const Report& rec : r.records) EXPECT_EQ(rec.line % 3, 1) << "accepted line " << rec.line;
  ASSERT_EQ(r.errors.size(), bad.size());
  for (size_t i = 0; i < bad.size(); ++i) {
    const RecordError& e = r.errors[i];
    EXPECT_EQ(e.source, "mixed.jsonl");
    EXPECT_EQ(e.line, static_cast<int>(2 + 3 * i)) << e.ToString();
    EXPECT_EQ(e.field, bad[i].field) << e.ToString();
    EXPECT_NE(e.message.find(bad[i].message), std::string::npos) << e.ToString();
  }
  // A line that names its terminal before failing carries the id.
  EXPECT_EQ(r.errors[6].record_id, "KIT-00017");
}

TEST(Telemetry, LinesLongerThanTheLimitAreRejectedUnparsed) {
  std::string huge = "{\"terminal\":\"" + std::string(kMaxLineBytes, 'x') + "\"}";
  ReadResult<Report> r = ReadTelemetry(huge + "\n" + OneLine(kExample), "big.jsonl");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, absl::StrCat("line longer than ", kMaxLineBytes, " bytes"));
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_EQ(r.records.size(), 1u);
}

}  // namespace
}  // namespace satfence::verify
