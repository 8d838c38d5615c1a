// Reads telemetry in the v1 interchange format (JSON Lines; see docs/telemetry.md).
//
//   TelemetryParser parser;
//   TelemetryStream stream = ReadTelemetry(text, "reports.jsonl", parser);
//   for (const Report& r : stream.records) ...;
//   for (const RecordError& e : stream.errors) std::cerr << e.ToString() << "\n";
//
// Every line is checked completely before anything uses it: JSON syntax, nesting depth, types,
// required fields, finite numbers, ranges (latitudes, satellite radii, unit vectors, sigmas,
// measurement times within an hour of the report), and sizes (line length, measurements per
// report). A bad line yields one RecordError naming the line, the terminal when known, the
// field (`measurements[3].sat_pos_m`) and the reason; the other lines are unaffected. Unknown
// fields are ignored, as the format requires.
//
// The hot path: simdjson's DOM parser, reused across lines (one allocation per stream).
#ifndef SATFENCE_VERIFY_TELEMETRY_H_
#define SATFENCE_VERIFY_TELEMETRY_H_

#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "satfence/base/record_error.h"
#include "satfence/verify/report.h"

namespace satfence::verify {

// Limits checked before any work on a line.
inline constexpr size_t kMaxLineBytes = 4 << 20;
inline constexpr size_t kMaxMeasurementsPerReport = 20'000;
inline constexpr size_t kMaxJsonDepth = 16;
inline constexpr size_t kMaxTerminalIdBytes = 128;
// Measurements further than this from the report time are rejected.
inline constexpr double kMaxMeasurementOffset_s = 3600.0;
// Value ranges, the same for every encoding of a report (JSON here, protobuf in serve).
// Satellites sit between the surface and beyond GEO; anything else is a unit mistake.
inline constexpr double kMinSatRadius_m = 6.4e6;
inline constexpr double kMaxSatRadius_m = 5.0e7;
inline constexpr double kMaxSatSpeed_mps = 2.0e4;
inline constexpr double kMaxSatPosSigma_m = 1.0e6;
inline constexpr double kMaxRange_m = 5.0e7;
inline constexpr double kMaxTerminalSpeed_mps = 1.0e4;
inline constexpr double kMinAltitude_m = -12'000.0;
inline constexpr double kMaxAltitude_m = 100'000.0;
inline constexpr double kMaxBeamRadius_m = 5.0e6;
inline constexpr double kUnitTolerance = 1e-3;  // |aoa| must be 1 within this
inline constexpr size_t kMaxSatIdBytes = 32;

class TelemetryParser {
 public:
  TelemetryParser();
  ~TelemetryParser();
  TelemetryParser(TelemetryParser&&) noexcept;
  TelemetryParser& operator=(TelemetryParser&&) noexcept;

  // Parses one line into `report` (reusing its storage). On error returns false and fills
  // `error`: source, line, record_id (when the terminal id was read), field and message.
  bool Parse(std::string_view line, int line_number, std::string_view source, Report& report,
             RecordError& error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Calls `on_report` for each good line and `on_error` for each bad one, in order, reading a
// file or stdin. Blank lines are skipped. Reports are handed over one at a time and at most
// kMaxLineBytes of any line is held (a longer line is skipped to its end and reported), so a
// stream of any length runs in constant memory. `on_report` also gets the line as received,
// without its terminator ("\n" or "\r\n"): the bytes a report's digest is taken of.
struct TelemetryCounts {
  int accepted = 0;
  int rejected = 0;
};
TelemetryCounts ForEachReport(std::istream& in, std::string_view source, TelemetryParser& parser,
                              const std::function<void(Report&&, std::string_view line)>& on_report,
                              const std::function<void(RecordError&&)>& on_error);

// One report as a v1 line (no trailing newline). Numbers are written in their shortest form
// that reads back to the same double, so ReportJson and the parser round-trip exactly.
std::string ReportJson(const Report& report);

// Everything at once, for tests and small inputs.
ReadResult<Report> ReadTelemetry(std::string_view text, std::string_view source);

}  // namespace satfence::verify

#endif  // SATFENCE_VERIFY_TELEMETRY_H_
