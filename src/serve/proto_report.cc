#include "satfence/serve/proto_report.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "satfence/geo/vec3.h"
#include "satfence/verify/telemetry.h"

namespace satfence::serve {
namespace {

namespace pb = satfence::v1;

// The first problem, by field name as telemetry v1 names it.
class Checker {
 public:
  explicit Checker(RecordError& e) : error_(e) {}
  bool Fail(const std::string& field, std::string message) {
    error_.field = field;
    error_.message = std::move(message);
    return false;
  }
  bool Finite(const std::string& field, double v) {
    return std::isfinite(v) || Fail(field, "not finite");
  }
  bool In(const std::string& field, double v, double lo, double hi) {
    if (!Finite(field, v)) return false;
    if (v < lo || v > hi) return Fail(field, absl::StrFormat("%g is outside [%g, %g]", v, lo, hi));
    return true;
  }
  bool Vector(const std::string& field, const pb::Vector3& v, geo::Vec3& out) {
    for (int i = 0; i < 3; ++i) {
      const double x = i == 0 ? v.x() : i == 1 ? v.y() : v.z();
      if (!std::isfinite(x)) return Fail(absl::StrCat(field, "[", i, "]"), "not finite");
    }
    out = {v.x(), v.y(), v.z()};
    return true;
  }
  bool Time(const std::string& field, bool present, const google::protobuf::Timestamp& t,
            UtcTime& out) {
    if (!present) return Fail(field, "missing");
    // google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    if (t.seconds() < -62'135'596'800 || t.seconds() > 253'402'300'799 || t.nanos() < 0 ||
        t.nanos() > 999'999'999) {
      return Fail(field, "not a valid timestamp");
    }
    out = UtcTime(std::chrono::microseconds(t.seconds() * 1'000'000 + t.nanos() / 1000));
    return true;
  }

 private:
  RecordError& error_;
};

bool Measurement(Checker& in, const pb::Measurement& m, int index, UtcTime report_time,
                 verify::Measurement& out) {
  auto F = [index](const std::string& a = {}) -> std::string {
    return a.empty() ? absl::StrCat("measurements[", index, "]")
                     : absl::StrCat("measurements[", index, "].", a);
  };
  switch (m.kind()) {
    case pb::RANGE: out.kind = verify::Kind::kRange; break;
    case pb::RANGE_RATE: out.kind = verify::Kind::kRangeRate; break;
    case pb::RANGE_BOUND: out.kind = verify::Kind::kRangeBound; break;
    case pb::AOA: out.kind = verify::Kind::kAoa; break;
    case pb::BEAM: out.kind = verify::Kind::kBeam; break;
    default:
      return in.Fail(F("kind"), absl::StrCat("unknown kind ", static_cast<int>(m.kind()),
                                             " (RANGE, RANGE_RATE, RANGE_BOUND, AOA, BEAM)"));
  }
  if (!in.Time(F("time"), m.has_time(), m.time(), out.time)) return false;
  const double offset_s = std::chrono::duration<double>(out.time - report_time).count();
  if (std::abs(offset_s) > verify::kMaxMeasurementOffset_s) {
    return in.Fail(F("time"), absl::StrFormat("%.0f s from the report time (at most %.0f s)",
                                              offset_s, verify::kMaxMeasurementOffset_s));
  }
  out.sat = m.sat();
  if (out.sat.size() > verify::kMaxSatIdBytes) {
    return in.Fail(F("sat"), "expected a satellite id of 1 to 32 characters");
  }
  if (out.sat.empty() && out.kind != verify::Kind::kBeam) return in.Fail(F("sat"), "missing");
  if (m.has_sat_pos_m() != m.has_sat_vel_mps()) {
    return in.Fail(F(m.has_sat_pos_m() ? "sat_vel_mps" : "sat_pos_m"),
                   "missing (sat_pos_m and sat_vel_mps come together)");
  }
  out.has_sat_state = false;
  if (m.has_sat_pos_m()) {
    if (!in.Vector(F("sat_pos_m"), m.sat_pos_m(), out.sat_pos_ecef_m) ||
        !in.Vector(F("sat_vel_mps"), m.sat_vel_mps(), out.sat_vel_ecef_mps)) {
      return false;
    }
    const double r = geo::Norm(out.sat_pos_ecef_m);
    if (r < verify::kMinSatRadius_m || r > verify::kMaxSatRadius_m) {
      return in.Fail(F("sat_pos_m"),
                     absl::StrFormat("%.0f m from the Earth's centre (expected %.0f to %.0f)", r,
                                     verify::kMinSatRadius_m, verify::kMaxSatRadius_m));
    }
    const double v = geo::Norm(out.sat_vel_ecef_mps);
    if (v > verify::kMaxSatSpeed_mps) {
      return in.Fail(F("sat_vel_mps"), absl::StrFormat("speed %.0f m/s (at most %.0f)", v,
                                                       verify::kMaxSatSpeed_mps));
    }
    out.has_sat_state = true;
  }
  out.sat_pos_sigma_m = m.sat_pos_sigma_m();
  if (!in.In(F("sat_pos_sigma_m"), out.sat_pos_sigma_m, 0.0, verify::kMaxSatPosSigma_m)) {
    return false;
  }
  const std::string value = F("value"), sigma = F("sigma");
  auto expect = [&](pb::Measurement::ValueCase c, const char* what) {
    if (m.value_case() == c) return true;
    return in.Fail(value, m.value_case() == pb::Measurement::VALUE_NOT_SET
                              ? std::string("missing")
                              : absl::StrCat("expected ", what, " for this kind"));
  };
  switch (out.kind) {
    case verify::Kind::kRange:
    case verify::Kind::kRangeBound:
      if (!expect(pb::Measurement::kScalar, "scalar") ||
          !in.In(value, m.scalar(), 0.0, verify::kMaxRange_m)) {
        return false;
      }
      out.value = m.scalar();
      if (!m.has_sigma()) return in.Fail(sigma, "missing");
      if (!in.In(sigma, m.sigma(), 1e-6, 1e6)) return false;
      out.sigma = m.sigma();
      break;
    case verify::Kind::kRangeRate:
      if (!expect(pb::Measurement::kScalar, "scalar") ||
          !in.In(value, m.scalar(), -verify::kMaxSatSpeed_mps, verify::kMaxSatSpeed_mps)) {
        return false;
      }
      out.value = m.scalar();
      if (!m.has_sigma()) return in.Fail(sigma, "missing");
      if (!in.In(sigma, m.sigma(), 1e-9, 1e4)) return false;
      out.sigma = m.sigma();
      break;
    case verify::Kind::kAoa: {
      if (!expect(pb::Measurement::kDirection, "direction") ||
          !in.Vector(value, m.direction(), out.direction_ecef)) {
        return false;
      }
      const double n = geo::Norm(out.direction_ecef);
      if (std::abs(n - 1.0) > verify::kUnitTolerance) {
        return in.Fail(value, absl::StrFormat("not a unit vector (norm %.6f)", n));
      }
      if (std::abs(n - 1.0) > 1e-12) out.direction_ecef = (1.0 / n) * out.direction_ecef;
      if (!m.has_sigma()) return in.Fail(sigma, "missing");
      if (!in.In(sigma, m.sigma(), 1e-9, 0.5)) return false;
      out.sigma = m.sigma();
      break;
    }
    case verify::Kind::kBeam: {
      if (!expect(pb::Measurement::kBeam, "beam")) return false;
      const pb::Beam& b = m.beam();
      if (!in.In(value + ".lat", b.lat_deg(), -90.0, 90.0) ||
          !in.In(value + ".lon", b.lon_deg(), -180.0, 180.0) ||
          !in.In(value + ".radius_m", b.radius_m(), 1.0, verify::kMaxBeamRadius_m)) {
        return false;
      }
      out.beam_centre = {b.lat_deg(), b.lon_deg(), 0.0};
      out.beam_radius_m = b.radius_m();
      out.sigma = 0.05 * out.beam_radius_m;  // a beam's soft edge, unless told
      if (m.has_sigma()) {
        if (!in.In(sigma, m.sigma(), 1e-3, verify::kMaxBeamRadius_m)) return false;
        out.sigma = m.sigma();
      }
      break;
    }
  }
  return true;
}

}  // namespace

bool ReportFromProto(const pb::Report& in, verify::Report& out, RecordError& error) {
  Checker c(error);
  if (in.terminal().empty() || in.terminal().size() > verify::kMaxTerminalIdBytes) {
    return c.Fail("terminal", absl::StrFormat("expected 1 to %d characters, got %d",
                                              verify::kMaxTerminalIdBytes, in.terminal().size()));
  }
  out.terminal = in.terminal();
  error.record_id = out.terminal;
  if (!c.Time("time", in.has_time(), in.time(), out.time)) return false;
  if (!in.has_claimed()) return c.Fail("claimed", "missing");
  const pb::Claim& claim = in.claimed();
  if (!c.In("claimed.lat", claim.lat_deg(), -90.0, 90.0) ||
      !c.In("claimed.lon", claim.lon_deg(), -180.0, 180.0) ||
      !c.In("claimed.alt_m", claim.alt_m(), verify::kMinAltitude_m, verify::kMaxAltitude_m)) {
    return false;
  }
  out.claimed.position = {claim.lat_deg(), claim.lon_deg(), claim.alt_m()};
  out.claimed.vel_enu_mps.reset();
  if (claim.has_vel_enu_mps()) {
    geo::Vec3 v;
    if (!c.Vector("claimed.vel_enu_mps", claim.vel_enu_mps(), v)) return false;
    if (geo::Norm(v) > verify::kMaxTerminalSpeed_mps) {
      return c.Fail("claimed.vel_enu_mps",
                    absl::StrFormat("speed %.0f m/s (at most %.0f)", geo::Norm(v),
                                    verify::kMaxTerminalSpeed_mps));
    }
    out.claimed.vel_enu_mps = v;
  }
  const int n = in.measurements_size();
  if (n == 0) return c.Fail("measurements", "empty");
  if (static_cast<size_t>(n) > verify::kMaxMeasurementsPerReport) {
    return c.Fail("measurements", absl::StrFormat("%d measurements (at most %d)", n,
                                                  verify::kMaxMeasurementsPerReport));
  }
  out.measurements.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    if (!Measurement(c, in.measurements(i), i, out.time, out.measurements[static_cast<size_t>(i)])) {
      return false;
    }
  }
  return true;
}

bool TopLevelFields(std::string_view message, int field, std::vector<std::string_view>& out) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(message.data()),
                                           static_cast<int>(message.size()));
  while (true) {
    const std::uint32_t tag = in.ReadTag();
    if (tag == 0) return in.CurrentPosition() == static_cast<int>(message.size());
    if (static_cast<int>(WireFormatLite::GetTagFieldNumber(tag)) == field &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const int at = in.CurrentPosition();
      if (length > message.size() - static_cast<size_t>(at)) return false;
      out.push_back(message.substr(static_cast<size_t>(at), length));
      if (!in.Skip(static_cast<int>(length))) return false;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
}

namespace {

void TimeToProto(UtcTime t, google::protobuf::Timestamp& out) {
  const std::int64_t us = t.time_since_epoch().count();
  std::int64_t s = us / 1'000'000, rem = us % 1'000'000;
  if (rem < 0) {
    rem += 1'000'000;
    s -= 1;
  }
  out.set_seconds(s);
  out.set_nanos(static_cast<int>(rem * 1000));
}

void VecToProto(const geo::Vec3& v, pb::Vector3& out) {
  out.set_x(v.x);
  out.set_y(v.y);
  out.set_z(v.z);
}

}  // namespace

void ReportToProto(const verify::Report& in, pb::Report& out) {
  out.Clear();
  out.set_terminal(in.terminal);
  TimeToProto(in.time, *out.mutable_time());
  pb::Claim& c = *out.mutable_claimed();
  c.set_lat_deg(in.claimed.position.lat_deg);
  c.set_lon_deg(in.claimed.position.lon_deg);
  c.set_alt_m(in.claimed.position.height_m);
  if (in.claimed.vel_enu_mps) VecToProto(*in.claimed.vel_enu_mps, *c.mutable_vel_enu_mps());
  for (const verify::Measurement& m : in.measurements) {
    pb::Measurement& p = *out.add_measurements();
    switch (m.kind) {
      case verify::Kind::kRange: p.set_kind(pb::RANGE); break;
      case verify::Kind::kRangeRate: p.set_kind(pb::RANGE_RATE); break;
      case verify::Kind::kRangeBound: p.set_kind(pb::RANGE_BOUND); break;
      case verify::Kind::kAoa: p.set_kind(pb::AOA); break;
      case verify::Kind::kBeam: p.set_kind(pb::BEAM); break;
    }
    TimeToProto(m.time, *p.mutable_time());
    p.set_sat(m.sat);
    if (m.has_sat_state) {
      VecToProto(m.sat_pos_ecef_m, *p.mutable_sat_pos_m());
      VecToProto(m.sat_vel_ecef_mps, *p.mutable_sat_vel_mps());
    }
    p.set_sat_pos_sigma_m(m.sat_pos_sigma_m);
    switch (m.kind) {
      case verify::Kind::kAoa: VecToProto(m.direction_ecef, *p.mutable_direction()); break;
      case verify::Kind::kBeam:
        p.mutable_beam()->set_lat_deg(m.beam_centre.lat_deg);
        p.mutable_beam()->set_lon_deg(m.beam_centre.lon_deg);
        p.mutable_beam()->set_radius_m(m.beam_radius_m);
        break;
      default: p.set_scalar(m.value); break;
    }
    p.set_sigma(m.sigma);
  }
}

void DecisionToProto(const store::DecisionRecord& d, pb::Decision& out) {
  out.set_terminal(d.terminal);
  out.set_time(d.time);
  out.set_action(d.action);
  out.set_published(d.published);
  for (const std::string& r : d.reasons) out.add_reasons(r);
  for (const std::string& z : d.zones) out.add_zones(z);
  out.set_policy(d.policy_version);
  out.set_zone_set(d.zone_set_version);
  out.set_seq(d.seq);
}

}  // namespace satfence::serve
