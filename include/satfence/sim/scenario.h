// Scenarios: who is where, doing what, measured how. Read from TOML; see
// docs/simulation.md for every key and examples/scenarios/ for complete files.
//
//   absl::StatusOr<Scenario> s = LoadScenario("examples/scenarios/front-line.toml");
//   Simulate(*s, [](const verify::Report& r, const TruthRecord& t) { ... });
//
// Everything random comes from one seeded generator, walked in a fixed order, so a scenario
// and its seed give the same telemetry on every run of the same build.
#ifndef SATFENCE_SIM_SCENARIO_H_
#define SATFENCE_SIM_SCENARIO_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/base/utc_time.h"
#include "satfence/registry/registry.h"
#include "satfence/sim/measure.h"
#include "satfence/verify/report.h"

namespace satfence::sim {

enum class Behaviour {
  kStatic,    // honest, fixed
  kVehicle,   // honest, moving on land
  kShip,      // honest, moving on water
  kAircraft,  // honest, high and fast
  kDrone,     // honest GNSS, low and above the land speed cut-off
  kA1,        // GNSS-spoofed: claims a displaced position; measurements are true physics
  kA2,        // modified terminal: claims a displaced position and forges range/range_rate
  kClone,     // one identity, two kits in different places, reporting in turn
};
std::string_view BehaviourName(Behaviour b);
std::optional<Behaviour> ParseBehaviour(std::string_view name);
// Whether reports of this behaviour carry a false claim.
constexpr bool Lies(Behaviour b) { return b == Behaviour::kA1 || b == Behaviour::kA2; }

struct Group {
  std::string name;
  Behaviour behaviour = Behaviour::kStatic;
  int count = 1;
  double centre_lat_deg = 0.0;
  double centre_lon_deg = 0.0;
  double radius_km = 10.0;            // terminals placed uniformly in this disc
  double speed_mps = 0.0;             // movers; 0 = the behaviour's usual speed
  double altitude_m = 0.0;            // true height above the ellipsoid; aircraft default 10 km
  double displacement_min_m = 100.0;  // A1/A2: claim offset, log-uniform between these
  double displacement_max_m = 20'000.0;
  double clone_distance_km = 300.0;  // clone: the second kit this far away
  double report_probability = 1.0;   // < 1: sparse reporting
  std::string id_prefix;             // terminal ids: <prefix>-<n>; default the group name
  // The registry entries of the group's terminals (registry.h): the plan (default by
  // behaviour: residential for static, A1, A2 and clones at their true, claimed or first
  // place; roam for vehicles and drones; maritime; aviation), how they were sold, and the
  // fraction of them whitelisted.
  std::string plan;
  std::string channel = "direct";
  std::string seller;
  std::string sale_country = "UKR";
  double whitelisted = 0.0;
};

struct Scenario {
  std::string source;  // the file it came from
  std::uint64_t seed = 1;
  UtcTime start;
  double duration_s = 3600.0;
  // Constellation: an element-set file, or the filed Starlink Gen1 shells.
  std::string elements_path;
  bool gen1_shells = false;
  double min_elevation_deg = 25.0;
  double slot_s = 15.0;
  // Reports.
  double window_s = 40.0;
  double cadence_s = 1.0;
  double interval_s = 300.0;
  verify::KindSet kinds;
  bool include_sat_states = true;
  MeasurementNoise noise;
  Mismatch mismatch;  // [mismatch]: how the world departs from the stated model
  std::vector<Group> groups;
};

// Reads and checks a scenario; errors name the file, line and key. Relative element-set
// paths are resolved against the file's folder, then `data_dir` (satfence's data directory,
// base/data_dir.h; none when empty).
absl::StatusOr<Scenario> LoadScenario(const std::string& path, const std::string& data_dir);

// What really happened for one report.
struct TruthRecord {
  std::string terminal;
  UtcTime time;
  std::string group;
  Behaviour behaviour = Behaviour::kStatic;
  geo::Geodetic position;       // true, at the report time
  geo::Vec3 vel_enu_mps;        // true
  double displacement_m = 0.0;  // claimed minus true, horizontal
  int kit = 0;                  // clones: which of the two kits
  // Noncentrality of the verifier's tests for this report (noiseless measurements).
  double lambda_all = 0.0;
  double lambda_physical = 0.0;
  double crlb_h_m = 0.0;  // at the truth
};

std::string TruthJson(const TruthRecord& t);

struct SimulationStats {
  int reports = 0;
  int terminals = 0;
  int skipped_no_satellite = 0;  // report windows with fewer than 3 epochs served
};

// Runs the scenario, calling `emit` for each report in time order. `progress` (optional) is
// called with the fraction done.
// `on_terminal` (optional) receives each terminal's registry entry before any report.
SimulationStats Simulate(const Scenario& scenario,
                         const std::function<void(const verify::Report&, const TruthRecord&)>& emit,
                         const std::function<void(double)>& progress = {},
                         const std::function<void(const registry::Terminal&)>& on_terminal = {});

}  // namespace satfence::sim

#endif  // SATFENCE_SIM_SCENARIO_H_
