#include "satfence/verify/telemetry.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "satfence/base/text.h"

namespace satfence::verify {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

const char* TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
}

// Names a field for an error message; built only when there is an error.
struct Field {
  int index = -1;         // measurement index, or -1 at the top level
  std::string_view a, b;  // path below it: "value", "radius_m"
  int element = -1;       // array element
  Field() = default;
  Field(const char* top) : a(top) {}  // NOLINT: top-level names read best bare
  Field(int i, std::string_view x = {}, std::string_view y = {}) : index(i), a(x), b(y) {}
  Field Child(std::string_view key) const {
    Field f = *this;
    (f.a.empty() ? f.a : f.b) = key;
    return f;
  }
  Field Element(int i) const {
    Field f = *this;
    f.element = i;
    return f;
  }
  std::string Name() const {
    std::string out;
    if (index >= 0) absl::StrAppend(&out, "measurements[", index, "]");
    for (std::string_view part : {a, b}) {
      if (part.empty()) continue;
      if (!out.empty()) out += '.';
      out.append(part);
    }
    if (element >= 0) absl::StrAppend(&out, "[", element, "]");
    return out;
  }
};

// Reads fields of one line, remembering the first problem.
class LineReader {
 public:
  explicit LineReader(RecordError& error) : error_(error) {}

  bool Fail(const Field& field, std::string message) {
    error_.field = field.Name();
    error_.message = std::move(message);
    return false;
  }

  bool Member(object o, std::string_view key, const Field& field, element& out) {
    if (o[key].get(out) != simdjson::SUCCESS || out.is_null()) return Fail(field, "missing");
    return true;
  }

  bool Number(element e, const Field& field, double& out) {
    if (!e.is_number())
      return Fail(field, absl::StrCat("expected a number, got ", TypeName(e.type())));
    out = e.get_double().value_unsafe();
    if (!std::isfinite(out)) return Fail(field, "not finite");
    return true;
  }

  bool NumberIn(element e, const Field& field, double lo, double hi, double& out) {
    if (!Number(e, field, out)) return false;
    if (out < lo || out > hi) {
      return Fail(field, absl::StrFormat("%g is outside [%g, %g]", out, lo, hi));
    }
    return true;
  }

  bool MemberNumberIn(object o, std::string_view key, const Field& field, double lo, double hi,
                      double& out) {
    element e;
    return Member(o, key, field, e) && NumberIn(e, field, lo, hi, out);
  }

  bool Object(element e, const Field& field, object& out) {
    if (e.get(out) != simdjson::SUCCESS) {
      return Fail(field, absl::StrCat("expected an object, got ", TypeName(e.type())));
    }
    return true;
  }

  bool String(element e, const Field& field, std::string_view& out) {
    if (e.get(out) != simdjson::SUCCESS) {
      return Fail(field, absl::StrCat("expected a string, got ", TypeName(e.type())));
    }
    return true;
  }

  bool Time(element e, const Field& field, UtcTime& out) {
    std::string_view text;
    if (!String(e, field, text)) return false;
    absl::StatusOr<UtcTime> t = ParseRfc3339(text);
    if (!t.ok()) return Fail(field, std::string(t.status().message()));
    out = *t;
    return true;
  }

  bool Vector3(element e, const Field& field, geo::Vec3& out) {
    array a;
    if (e.get(a) != simdjson::SUCCESS) {
      return Fail(field, absl::StrCat("expected an array of 3 numbers, got ", TypeName(e.type())));
    }
    if (a.size() != 3) {
      return Fail(field, absl::StrCat("expected 3 numbers, got ", a.size()));
    }
    double v[3];
    int i = 0;
    for (element x : a) {
      if (!Number(x, field.Element(i), v[i])) return false;
      ++i;
    }
    out = {v[0], v[1], v[2]};
    return true;
  }

  bool Position(object o, const Field& parent, geo::Geodetic& out) {
    return MemberNumberIn(o, "lat", parent.Child("lat"), -90.0, 90.0, out.lat_deg) &&
           MemberNumberIn(o, "lon", parent.Child("lon"), -180.0, 180.0, out.lon_deg);
  }

 private:
  RecordError& error_;
};

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kRange:
      return "range";
    case Kind::kRangeRate:
      return "range_rate";
    case Kind::kRangeBound:
      return "range_bound";
    case Kind::kAoa:
      return "aoa";
    case Kind::kBeam:
      return "beam";
  }
  return "unknown";
}

std::optional<Kind> ParseKind(std::string_view name) {
  for (int k = 0; k < kKindCount; ++k) {
    if (KindName(Kind(k)) == name) return Kind(k);
  }
  return std::nullopt;
}

std::vector<std::string_view> KindSet::Names() const {
  std::vector<std::string_view> names;
  for (int k = 0; k < kKindCount; ++k) {
    if (Has(Kind(k))) names.push_back(KindName(Kind(k)));
  }
  return names;
}

struct TelemetryParser::Impl {
  simdjson::dom::parser parser;
};

TelemetryParser::TelemetryParser() : impl_(std::make_unique<Impl>()) {
  // Depth is enforced by simdjson itself, before any of our code sees the document.
  if (impl_->parser.allocate(64 * 1024, kMaxJsonDepth) != simdjson::SUCCESS) {
    throw std::bad_alloc();
  }
}
TelemetryParser::~TelemetryParser() = default;
TelemetryParser::TelemetryParser(TelemetryParser&&) noexcept = default;
TelemetryParser& TelemetryParser::operator=(TelemetryParser&&) noexcept = default;

namespace {

bool ParseMeasurement(LineReader& in, element e, int index, UtcTime report_time, Measurement& m) {
  auto F = [index](std::string_view a = {}, std::string_view b = {}) { return Field(index, a, b); };
  object o;
  if (!in.Object(e, F(), o)) return false;

  element kind_el;
  std::string_view kind_name;
  if (!in.Member(o, "kind", F("kind"), kind_el) || !in.String(kind_el, F("kind"), kind_name)) {
    return false;
  }
  std::optional<Kind> kind = ParseKind(kind_name);
  if (!kind) {
    return in.Fail(F("kind"), absl::StrCat("unknown kind '", std::string(kind_name),
                                           "' (range, range_rate, range_bound, aoa, beam)"));
  }
  m.kind = *kind;

  element t;
  if (!in.Member(o, "time", F("time"), t) || !in.Time(t, F("time"), m.time)) {
    return false;
  }
  double offset_s = std::chrono::duration<double>(m.time - report_time).count();
  if (std::abs(offset_s) > kMaxMeasurementOffset_s) {
    return in.Fail(F("time"), absl::StrFormat("%.0f s from the report time (at most %.0f s)",
                                              offset_s, kMaxMeasurementOffset_s));
  }

  m.sat.clear();
  element sat;
  if (o["sat"].get(sat) == simdjson::SUCCESS && !sat.is_null()) {
    std::string_view id;
    if (sat.is_string()) {
      id = sat.get_string().value_unsafe();
      if (id.empty() || id.size() > 32) {
        return in.Fail(F("sat"), "expected a satellite id of 1 to 32 characters");
      }
      m.sat.assign(id);
    } else if (sat.is_uint64() || sat.is_int64()) {
      m.sat = sat.is_uint64() ? absl::StrCat(sat.get_uint64().value_unsafe())
                              : absl::StrCat(sat.get_int64().value_unsafe());
    } else {
      return in.Fail(F("sat"),
                     absl::StrCat("expected a string or an integer, got ", TypeName(sat.type())));
    }
  } else if (m.kind != Kind::kBeam) {
    return in.Fail(F("sat"), "missing");
  }

  element pos, vel;
  bool has_pos = o["sat_pos_m"].get(pos) == simdjson::SUCCESS && !pos.is_null();
  bool has_vel = o["sat_vel_mps"].get(vel) == simdjson::SUCCESS && !vel.is_null();
  m.has_sat_state = false;
  if (has_pos != has_vel) {
    return in.Fail(F(has_pos ? "sat_vel_mps" : "sat_pos_m"),
                   "missing (sat_pos_m and sat_vel_mps come together)");
  }
  if (has_pos) {
    if (!in.Vector3(pos, F("sat_pos_m"), m.sat_pos_ecef_m) ||
        !in.Vector3(vel, F("sat_vel_mps"), m.sat_vel_ecef_mps)) {
      return false;
    }
    double r = geo::Norm(m.sat_pos_ecef_m);
    if (r < kMinSatRadius_m || r > kMaxSatRadius_m) {
      return in.Fail(F("sat_pos_m"),
                     absl::StrFormat("%.0f m from the Earth's centre (expected %.0f to %.0f)", r,
                                     kMinSatRadius_m, kMaxSatRadius_m));
    }
    double v = geo::Norm(m.sat_vel_ecef_mps);
    if (v > kMaxSatSpeed_mps) {
      return in.Fail(F("sat_vel_mps"),
                     absl::StrFormat("speed %.0f m/s (at most %.0f)", v, kMaxSatSpeed_mps));
    }
    m.has_sat_state = true;
  }
  element pos_sigma;
  if (o["sat_pos_sigma_m"].get(pos_sigma) == simdjson::SUCCESS && !pos_sigma.is_null()) {
    if (!in.NumberIn(pos_sigma, F("sat_pos_sigma_m"), 0.0, kMaxSatPosSigma_m,
                     m.sat_pos_sigma_m)) {
      return false;
    }
  }

  element value;
  if (!in.Member(o, "value", F("value"), value)) return false;
  const Field value_field = F("value");
  const Field sigma_field = F("sigma");
  element sigma_el;
  bool has_sigma = o["sigma"].get(sigma_el) == simdjson::SUCCESS && !sigma_el.is_null();
  switch (m.kind) {
    case Kind::kRange:
    case Kind::kRangeBound:
      if (!in.NumberIn(value, value_field, 0.0, kMaxRange_m, m.value)) return false;
      if (!has_sigma) return in.Fail(sigma_field, "missing");
      if (!in.NumberIn(sigma_el, sigma_field, 1e-6, 1e6, m.sigma)) return false;
      break;
    case Kind::kRangeRate:
      if (!in.NumberIn(value, value_field, -kMaxSatSpeed_mps, kMaxSatSpeed_mps, m.value)) {
        return false;
      }
      if (!has_sigma) return in.Fail(sigma_field, "missing");
      if (!in.NumberIn(sigma_el, sigma_field, 1e-9, 1e4, m.sigma)) return false;
      break;
    case Kind::kAoa: {
      if (!in.Vector3(value, value_field, m.direction_ecef)) return false;
      double n = geo::Norm(m.direction_ecef);
      if (std::abs(n - 1.0) > kUnitTolerance) {
        return in.Fail(value_field, absl::StrFormat("not a unit vector (norm %.6f)", n));
      }
      if (std::abs(n - 1.0) > 1e-12) m.direction_ecef = (1.0 / n) * m.direction_ecef;
      if (!has_sigma) return in.Fail(sigma_field, "missing");
      if (!in.NumberIn(sigma_el, sigma_field, 1e-9, 0.5, m.sigma)) return false;
      break;
    }
    case Kind::kBeam: {
      object b;
      if (!in.Object(value, value_field, b) || !in.Position(b, value_field, m.beam_centre) ||
          !in.MemberNumberIn(b, "radius_m", F("value", "radius_m"), 1.0, kMaxBeamRadius_m,
                             m.beam_radius_m)) {
        return false;
      }
      m.beam_centre.height_m = 0.0;
      // The edge of a beam is soft; unless told, its sigma is 5% of the radius.
      m.sigma = 0.05 * m.beam_radius_m;
      if (has_sigma && !in.NumberIn(sigma_el, sigma_field, 1e-3, kMaxBeamRadius_m, m.sigma)) {
        return false;
      }
      break;
    }
  }
  if (m.kind != Kind::kBeam && !m.has_sat_state && m.sat.empty()) {
    return in.Fail(F("sat_pos_m"), "missing");
  }
  return true;
}

}  // namespace

bool TelemetryParser::Parse(std::string_view line, int line_number, std::string_view source,
                            Report& report, RecordError& error) {
  error = RecordError();
  error.source.assign(source);
  error.line = line_number;
  report.line = line_number;
  LineReader in(error);
  if (line.size() > kMaxLineBytes) {
    return in.Fail("",
                   absl::StrFormat("line of %d bytes (at most %d)", line.size(), kMaxLineBytes));
  }
  element doc;
  simdjson::error_code code = impl_->parser.parse(line.data(), line.size(), true).get(doc);
  if (code == simdjson::DEPTH_ERROR) {
    return in.Fail("", absl::StrFormat("JSON nested deeper than %d levels", kMaxJsonDepth));
  }
  if (code != simdjson::SUCCESS) {
    return in.Fail("", absl::StrCat("not valid JSON: ", simdjson::error_message(code)));
  }
  object o;
  if (!in.Object(doc, "", o)) return false;

  element e;
  std::string_view terminal;
  if (!in.Member(o, "terminal", "terminal", e) || !in.String(e, "terminal", terminal)) return false;
  if (terminal.empty() || terminal.size() > kMaxTerminalIdBytes) {
    return in.Fail("terminal", absl::StrFormat("expected 1 to %d characters, got %d",
                                               kMaxTerminalIdBytes, terminal.size()));
  }
  report.terminal.assign(terminal);
  error.record_id = report.terminal;

  if (!in.Member(o, "time", "time", e) || !in.Time(e, "time", report.time)) return false;

  object claimed;
  if (!in.Member(o, "claimed", "claimed", e) || !in.Object(e, "claimed", claimed)) return false;
  if (!in.Position(claimed, "claimed", report.claimed.position) ||
      !in.MemberNumberIn(claimed, "alt_m", "claimed.alt_m", kMinAltitude_m, kMaxAltitude_m,
                         report.claimed.position.height_m)) {
    return false;
  }
  report.claimed.vel_enu_mps.reset();
  if (claimed["vel_enu_mps"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    geo::Vec3 v;
    if (!in.Vector3(e, "claimed.vel_enu_mps", v)) return false;
    if (geo::Norm(v) > kMaxTerminalSpeed_mps) {
      return in.Fail("claimed.vel_enu_mps", absl::StrFormat("speed %.0f m/s (at most %.0f)",
                                                            geo::Norm(v), kMaxTerminalSpeed_mps));
    }
    report.claimed.vel_enu_mps = v;
  }

  array list;
  if (!in.Member(o, "measurements", "measurements", e)) return false;
  if (e.get(list) != simdjson::SUCCESS) {
    return in.Fail("measurements", absl::StrCat("expected an array, got ", TypeName(e.type())));
  }
  size_t n = list.size();
  if (n == 0) return in.Fail("measurements", "empty");
  if (n > kMaxMeasurementsPerReport) {
    return in.Fail("measurements",
                   absl::StrFormat("%d measurements (at most %d)", n, kMaxMeasurementsPerReport));
  }
  report.measurements.resize(n);
  size_t i = 0;
  for (element m : list) {
    if (!ParseMeasurement(in, m, static_cast<int>(i), report.time, report.measurements[i])) {
      return false;
    }
    ++i;
  }
  return true;
}

TelemetryCounts ForEachReport(std::istream& in, std::string_view source, TelemetryParser& parser,
                              const std::function<void(Report&&, std::string_view line)>& on_report,
                              const std::function<void(RecordError&&)>& on_error) {
  TelemetryCounts counts;
  std::string line;
  std::string chunk(1 << 20, '\0');
  size_t chunk_size = 0, chunk_pos = 0;
  int line_number = 0;
  bool too_long = false;
  Report report;
  RecordError error;
  auto finish_line = [&] {
    ++line_number;
    std::string_view text = line;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (too_long) {
      error = RecordError();
      error.source.assign(source);
      error.line = line_number;
      error.message = absl::StrFormat("line longer than %d bytes", kMaxLineBytes);
      ++counts.rejected;
      on_error(std::move(error));
    } else if (!Trim(text).empty()) {
      if (parser.Parse(text, line_number, source, report, error)) {
        ++counts.accepted;
        on_report(std::move(report), text);
        report = Report();
      } else {
        ++counts.rejected;
        on_error(std::move(error));
      }
    }
    line.clear();
    too_long = false;
  };
  while (true) {
    if (chunk_pos == chunk_size) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk_size = static_cast<size_t>(in.gcount());
      chunk_pos = 0;
      if (chunk_size == 0) break;
    }
    const char* begin = chunk.data() + chunk_pos;
    const char* newline =
        static_cast<const char*>(std::memchr(begin, '\n', chunk_size - chunk_pos));
    size_t take = newline ? static_cast<size_t>(newline - begin) : chunk_size - chunk_pos;
    if (!too_long && line.size() + take <= kMaxLineBytes) {
      line.append(begin, take);
    } else {
      too_long = true;
      line.clear();
    }
    chunk_pos += take;
    if (newline) {
      ++chunk_pos;
      finish_line();
    }
  }
  if (!line.empty() || too_long) finish_line();
  return counts;
}

namespace {

void AppendDouble(std::string& out, double v) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, end);
}

void AppendVec(std::string& out, geo::Vec3 v) {
  out += '[';
  AppendDouble(out, v.x);
  out += ',';
  AppendDouble(out, v.y);
  out += ',';
  AppendDouble(out, v.z);
  out += ']';
}

}  // namespace

std::string ReportJson(const Report& r) {
  std::string out;
  out.reserve(64 + 220 * r.measurements.size());
  out += "{\"terminal\":";
  out += nlohmann::json(r.terminal).dump();
  out += ",\"time\":\"" + FormatRfc3339(r.time) + "\",\"claimed\":{\"lat\":";
  AppendDouble(out, r.claimed.position.lat_deg);
  out += ",\"lon\":";
  AppendDouble(out, r.claimed.position.lon_deg);
  out += ",\"alt_m\":";
  AppendDouble(out, r.claimed.position.height_m);
  if (r.claimed.vel_enu_mps) {
    out += ",\"vel_enu_mps\":";
    AppendVec(out, *r.claimed.vel_enu_mps);
  }
  out += "},\"measurements\":[";
  for (size_t i = 0; i < r.measurements.size(); ++i) {
    const Measurement& m = r.measurements[i];
    if (i) out += ',';
    out += "{\"time\":\"" + FormatRfc3339(m.time) + "\"";
    if (!m.sat.empty()) out += ",\"sat\":" + nlohmann::json(m.sat).dump();
    if (m.has_sat_state) {
      out += ",\"sat_pos_m\":";
      AppendVec(out, m.sat_pos_ecef_m);
      out += ",\"sat_vel_mps\":";
      AppendVec(out, m.sat_vel_ecef_mps);
    }
    if (m.sat_pos_sigma_m > 0.0) {
      out += ",\"sat_pos_sigma_m\":";
      AppendDouble(out, m.sat_pos_sigma_m);
    }
    out += ",\"kind\":\"";
    out += KindName(m.kind);
    out += "\",\"value\":";
    switch (m.kind) {
      case Kind::kAoa:
        AppendVec(out, m.direction_ecef);
        break;
      case Kind::kBeam:
        out += "{\"lat\":";
        AppendDouble(out, m.beam_centre.lat_deg);
        out += ",\"lon\":";
        AppendDouble(out, m.beam_centre.lon_deg);
        out += ",\"radius_m\":";
        AppendDouble(out, m.beam_radius_m);
        out += '}';
        break;
      default:
        AppendDouble(out, m.value);
    }
    out += ",\"sigma\":";
    AppendDouble(out, m.sigma);
    out += '}';
  }
  out += "]}";
  return out;
}

ReadResult<Report> ReadTelemetry(std::string_view text, std::string_view source) {
  ReadResult<Report> result;
  TelemetryParser parser;
  std::istringstream in{std::string(text)};
  ForEachReport(
      in, source, parser, [&](Report&& r, std::string_view) { result.records.push_back(std::move(r)); },
      [&](RecordError&& e) { result.errors.push_back(std::move(e)); });
  return result;
}

}  // namespace satfence::verify
