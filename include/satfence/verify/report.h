// One telemetry report: what a terminal claims, and what the network measured about it.
//
// This is the in-memory form of the v1 interchange format (JSON Lines, one report per line;
// `docs/telemetry.md`). Frames: satellite states and angle-of-arrival directions are in the
// WGS-84 Earth-fixed frame (ECEF), metres and m/s; positions are WGS-84 geodetic.
//
// Who can forge what (DESIGN.md, threat model): `range` and `range_rate` come from the
// terminal's own timing and oscillator, so a modified terminal (adversary A2) can make them
// agree with a false claim; `range_bound`, `aoa` and `beam` are physics nobody can move.
#ifndef SATFENCE_VERIFY_REPORT_H_
#define SATFENCE_VERIFY_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "satfence/base/utc_time.h"
#include "satfence/geo/geodetic.h"
#include "satfence/geo/vec3.h"

namespace satfence::verify {

enum class Kind : std::uint8_t {
  kRange,       // slant range (m) plus an unknown constant per-report offset
  kRangeRate,   // range-rate (m/s) plus an unknown constant per-report offset
  kRangeBound,  // an upper bound on the true slant range (m); one-sided
  kAoa,         // unit vector from the satellite to the terminal (ECEF), sigma in rad
  kBeam,        // the terminal was inside the beam's circle on the ground
};
inline constexpr int kKindCount = 5;

// "range", "range_rate", "range_bound", "aoa", "beam": the names of the format.
std::string_view KindName(Kind kind);
std::optional<Kind> ParseKind(std::string_view name);

// A modified terminal (A2) can forge it.
constexpr bool Forgeable(Kind kind) { return kind == Kind::kRange || kind == Kind::kRangeRate; }

// A set of kinds, one bit per Kind.
class KindSet {
 public:
  constexpr KindSet() = default;
  static constexpr KindSet All() { return KindSet((1u << kKindCount) - 1); }
  // The kinds a modified terminal cannot forge: what an A2 verdict may rest on.
  static constexpr KindSet Physical() {
    return KindSet((1u << int(Kind::kRangeBound)) | (1u << int(Kind::kAoa)) |
                   (1u << int(Kind::kBeam)));
  }
  constexpr bool Has(Kind k) const { return (bits_ >> int(k)) & 1u; }
  constexpr void Add(Kind k) { bits_ |= 1u << int(k); }
  constexpr KindSet Intersect(KindSet o) const { return KindSet(bits_ & o.bits_); }
  constexpr bool Empty() const { return bits_ == 0; }
  constexpr bool HasForgeable() const { return Has(Kind::kRange) || Has(Kind::kRangeRate); }
  friend constexpr bool operator==(KindSet, KindSet) = default;
  // Names in Kind order.
  std::vector<std::string_view> Names() const;

 private:
  constexpr explicit KindSet(std::uint32_t bits) : bits_(bits) {}
  std::uint32_t bits_ = 0;
};

struct Measurement {
  Kind kind = Kind::kRange;
  UtcTime time;
  std::string sat;  // the satellite's id (NORAD catalogue number as text); may be empty for beams
  // Satellite state at `time`; given in the report, or filled from a catalogue.
  bool has_sat_state = false;
  geo::Vec3 sat_pos_ecef_m;
  geo::Vec3 sat_vel_ecef_mps;
  // How far off sat_pos_ecef_m may be, per axis (m), as its source declares it: the same
  // for the whole pass (an ephemeris error is a bias, not noise). 0: not stated.
  double sat_pos_sigma_m = 0.0;
  // kRange, kRangeBound: metres; kRangeRate: m/s.
  double value = 0.0;
  // kAoa: unit vector from the satellite towards the terminal, ECEF.
  geo::Vec3 direction_ecef;
  // kBeam: the beam's centre on the ground and its radius.
  geo::Geodetic beam_centre;
  double beam_radius_m = 0.0;
  // One standard deviation: m (range, range_bound, beam edge), m/s (range_rate), rad (aoa).
  double sigma = 0.0;
};

struct Claim {
  geo::Geodetic position;
  // East, north, up velocity, constant over the report window; absent for a static claim.
  std::optional<geo::Vec3> vel_enu_mps;
};

struct Report {
  std::string terminal;
  UtcTime time;  // the claim's epoch; measurement times are relative to it
  Claim claimed;
  std::vector<Measurement> measurements;
  int line = 0;  // 1-based line in the telemetry stream
};

}  // namespace satfence::verify

#endif  // SATFENCE_VERIFY_REPORT_H_
