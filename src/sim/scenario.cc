#include "satfence/sim/scenario.h"

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "satfence/geo/geodesic.h"
#include "satfence/geo/local_frame.h"
#include "satfence/orbit/constellation.h"
#include "satfence/orbit/elements_file.h"
#include "satfence/verify/verifier.h"

namespace satfence::sim {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct BehaviourInfo {
  Behaviour behaviour;
  std::string_view name;
  double speed_mps;   // usual speed
  double altitude_m;  // usual height
};
constexpr BehaviourInfo kBehaviours[] = {
    {Behaviour::kStatic, "static", 0.0, 0.0},  {Behaviour::kVehicle, "vehicle", 20.0, 0.0},
    {Behaviour::kShip, "ship", 8.0, 0.0},      {Behaviour::kAircraft, "aircraft", 230.0, 10'000.0},
    {Behaviour::kDrone, "drone", 40.0, 100.0}, {Behaviour::kA1, "a1", 0.0, 0.0},
    {Behaviour::kA2, "a2", 0.0, 0.0},          {Behaviour::kClone, "clone", 0.0, 0.0},
};

const BehaviourInfo& Info(Behaviour b) {
  for (const BehaviourInfo& i : kBehaviours) {
    if (i.behaviour == b) return i;
  }
  return kBehaviours[0];
}

bool Moves(Behaviour b) {
  return b == Behaviour::kVehicle || b == Behaviour::kShip || b == Behaviour::kAircraft ||
         b == Behaviour::kDrone;
}

// Reads keys of one TOML table, naming file, line and key in every error.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string file, std::string prefix)
      : table_(t), file_(std::move(file)), prefix_(std::move(prefix)) {}

  absl::Status Error(const toml::node* node, std::string_view key, std::string message) const {
    int line = node ? static_cast<int>(node->source().begin.line)
                    : static_cast<int>(table_.source().begin.line);
    return absl::InvalidArgumentError(
        absl::StrFormat("%s:%d: %s%s: %s", file_, line, prefix_, std::string(key), message));
  }

  absl::Status Number(std::string_view key, double lo, double hi, double& out) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return absl::OkStatus();
    std::optional<double> v = n->value<double>();
    if (!v) return Error(n, key, "expected a number");
    if (!std::isfinite(*v) || *v < lo || *v > hi) {
      return Error(n, key, absl::StrFormat("%g is outside [%g, %g]", *v, lo, hi));
    }
    out = *v;
    return absl::OkStatus();
  }

  absl::Status Integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                       std::int64_t& out) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return absl::OkStatus();
    std::optional<std::int64_t> v = n->value<std::int64_t>();
    if (!n->is_integer() || !v) return Error(n, key, "expected an integer");
    if (*v < lo || *v > hi)
      return Error(n, key, absl::StrFormat("%d is outside [%d, %d]", *v, lo, hi));
    out = *v;
    return absl::OkStatus();
  }

  absl::Status String(std::string_view key, std::string& out) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return absl::OkStatus();
    if (!n->is_string()) return Error(n, key, "expected a string");
    out = *n->value<std::string>();
    return absl::OkStatus();
  }

  absl::Status Bool(std::string_view key, bool& out) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return absl::OkStatus();
    if (!n->is_boolean()) return Error(n, key, "expected true or false");
    out = *n->value<bool>();
    return absl::OkStatus();
  }

  absl::Status Unknown(std::initializer_list<std::string_view> known) const {
    for (auto&& [k, v] : table_) {
      if (std::find(known.begin(), known.end(), k.str()) == known.end()) {
        return Error(&v, k.str(), "unknown key");
      }
    }
    return absl::OkStatus();
  }

  const toml::table& table() const { return table_; }

 private:
  const toml::table& table_;
  std::string file_;
  std::string prefix_;
};

#define SATFENCE_RETURN_IF_ERROR(expr) \
  do {                                 \
    absl::Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (false)

absl::Status ReadGroup(const TableReader& r, Group& g) {
  SATFENCE_RETURN_IF_ERROR(
      r.Unknown({"name", "behaviour", "count", "centre", "radius_km", "speed_mps", "altitude_m",
                 "displacement_m", "clone_distance_km", "report_probability", "id_prefix", "plan",
                 "channel", "seller", "sale_country", "whitelisted"}));
  SATFENCE_RETURN_IF_ERROR(r.String("name", g.name));
  if (g.name.empty()) return r.Error(nullptr, "name", "missing");
  std::string behaviour = "static";
  SATFENCE_RETURN_IF_ERROR(r.String("behaviour", behaviour));
  std::optional<Behaviour> b = ParseBehaviour(behaviour);
  if (!b) {
    return r.Error(r.table().get("behaviour"), "behaviour",
                   absl::StrCat("unknown '", behaviour,
                                "' (static, vehicle, ship, aircraft, drone, a1, a2, clone)"));
  }
  g.behaviour = *b;
  std::int64_t count = 1;
  SATFENCE_RETURN_IF_ERROR(r.Integer("count", 1, 1'000'000, count));
  g.count = static_cast<int>(count);
  const toml::node* centre = r.table().get("centre");
  const toml::array* a = centre ? centre->as_array() : nullptr;
  if (a == nullptr || a->size() != 2 || !a->get(0)->value<double>() ||
      !a->get(1)->value<double>()) {
    return r.Error(centre, "centre", "expected [lat_deg, lon_deg]");
  }
  g.centre_lat_deg = *a->get(0)->value<double>();
  g.centre_lon_deg = *a->get(1)->value<double>();
  if (std::abs(g.centre_lat_deg) > 85.0 || std::abs(g.centre_lon_deg) > 180.0) {
    return r.Error(centre, "centre", "latitude within +-85, longitude within +-180");
  }
  SATFENCE_RETURN_IF_ERROR(r.Number("radius_km", 0.0, 2000.0, g.radius_km));
  g.speed_mps = Info(g.behaviour).speed_mps;
  g.altitude_m = Info(g.behaviour).altitude_m;
  SATFENCE_RETURN_IF_ERROR(r.Number("speed_mps", 0.0, 1000.0, g.speed_mps));
  SATFENCE_RETURN_IF_ERROR(r.Number("altitude_m", -500.0, 20'000.0, g.altitude_m));
  if (const toml::node* d = r.table().get("displacement_m")) {
    const toml::array* da = d->as_array();
    if (da == nullptr || da->size() != 2 || !da->get(0)->value<double>() ||
        !da->get(1)->value<double>()) {
      return r.Error(d, "displacement_m", "expected [min_m, max_m]");
    }
    g.displacement_min_m = *da->get(0)->value<double>();
    g.displacement_max_m = *da->get(1)->value<double>();
    if (!(g.displacement_min_m > 0.0) || !(g.displacement_max_m >= g.displacement_min_m) ||
        g.displacement_max_m > 2.0e6) {
      return r.Error(d, "displacement_m", "expected 0 < min <= max <= 2,000,000");
    }
  }
  SATFENCE_RETURN_IF_ERROR(r.Number("clone_distance_km", 0.0, 5000.0, g.clone_distance_km));
  SATFENCE_RETURN_IF_ERROR(r.Number("report_probability", 0.0, 1.0, g.report_probability));
  g.id_prefix = g.name;
  SATFENCE_RETURN_IF_ERROR(r.String("id_prefix", g.id_prefix));
  SATFENCE_RETURN_IF_ERROR(r.String("plan", g.plan));
  if (!g.plan.empty() && g.plan != "residential" && g.plan != "roam" && g.plan != "maritime" &&
      g.plan != "aviation") {
    return r.Error(r.table().get("plan"), "plan",
                   "expected residential, roam, maritime or aviation");
  }
  SATFENCE_RETURN_IF_ERROR(r.String("channel", g.channel));
  if (g.channel != "direct" && g.channel != "reseller" && g.channel != "marketplace") {
    return r.Error(r.table().get("channel"), "channel", "expected direct, reseller or marketplace");
  }
  SATFENCE_RETURN_IF_ERROR(r.String("seller", g.seller));
  if (g.channel != "direct" && g.seller.empty()) {
    return r.Error(r.table().get("channel"), "seller",
                   "a reseller or marketplace sale names its seller");
  }
  SATFENCE_RETURN_IF_ERROR(r.String("sale_country", g.sale_country));
  if (g.sale_country.size() != 3) {
    return r.Error(r.table().get("sale_country"), "sale_country",
                   "expected an ISO 3166-1 alpha-3 code");
  }
  SATFENCE_RETURN_IF_ERROR(r.Number("whitelisted", 0.0, 1.0, g.whitelisted));
  return absl::OkStatus();
}

}  // namespace

std::string_view BehaviourName(Behaviour b) { return Info(b).name; }

std::optional<Behaviour> ParseBehaviour(std::string_view name) {
  for (const BehaviourInfo& i : kBehaviours) {
    if (i.name == name) return i.behaviour;
  }
  return std::nullopt;
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path, const std::string& data_dir) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s:%d: %s", path, e.source().begin.line, std::string(e.description())));
  }
  Scenario s;
  s.source = path;
  TableReader top(root, path, "");
  SATFENCE_RETURN_IF_ERROR(
      top.Unknown({"seed", "start", "duration_s", "constellation", "report", "noise", "mismatch",
                   "group"}));
  std::int64_t seed = 1;
  SATFENCE_RETURN_IF_ERROR(top.Integer("seed", 0, INT64_MAX, seed));
  s.seed = static_cast<std::uint64_t>(seed);
  std::string start;
  SATFENCE_RETURN_IF_ERROR(top.String("start", start));
  if (start.empty()) return top.Error(nullptr, "start", "missing (an RFC 3339 time)");
  absl::StatusOr<UtcTime> t = ParseRfc3339(start);
  if (!t.ok()) return top.Error(root.get("start"), "start", std::string(t.status().message()));
  s.start = *t;
  SATFENCE_RETURN_IF_ERROR(top.Number("duration_s", 1.0, 30.0 * 86400.0, s.duration_s));

  static const toml::table kEmpty;
  auto table = [&](std::string_view key) -> const toml::table& {
    const toml::table* found = root[key].as_table();
    return found ? *found : kEmpty;
  };
  TableReader c(table("constellation"), path, "constellation.");
  SATFENCE_RETURN_IF_ERROR(c.Unknown({"elements", "shells", "min_elevation_deg", "slot_s"}));
  SATFENCE_RETURN_IF_ERROR(c.String("elements", s.elements_path));
  std::string shells;
  SATFENCE_RETURN_IF_ERROR(c.String("shells", shells));
  if (!shells.empty() && shells != "starlink-gen1") {
    return c.Error(c.table().get("shells"), "shells",
                   "the only filed shells known are 'starlink-gen1'");
  }
  s.gen1_shells = !shells.empty();
  if (s.gen1_shells == !s.elements_path.empty()) {
    return c.Error(nullptr, "elements",
                   "give either elements (a file) or shells = \"starlink-gen1\"");
  }
  if (!s.elements_path.empty() && std::filesystem::path(s.elements_path).is_relative()) {
    const std::filesystem::path beside =
        std::filesystem::path(path).parent_path() / s.elements_path;
    const std::filesystem::path shipped = std::filesystem::path(data_dir) / s.elements_path;
    s.elements_path = std::filesystem::exists(beside) || data_dir.empty() ||
                              !std::filesystem::exists(shipped)
                          ? beside.string()
                          : shipped.string();
  }
  if (!s.elements_path.empty() && !std::filesystem::is_regular_file(s.elements_path)) {
    return c.Error(c.table().get("elements"), "elements",
                   absl::StrCat("no such file: ", s.elements_path,
                                data_dir.empty() ? " (and no data directory to look in)"
                                                 : " (nor in the data directory " + data_dir + ")"));
  }
  SATFENCE_RETURN_IF_ERROR(c.Number("min_elevation_deg", 0.0, 89.0, s.min_elevation_deg));
  SATFENCE_RETURN_IF_ERROR(c.Number("slot_s", 1.0, 3600.0, s.slot_s));

  TableReader r(table("report"), path, "report.");
  SATFENCE_RETURN_IF_ERROR(
      r.Unknown({"window_s", "cadence_s", "interval_s", "kinds", "include_sat_states"}));
  SATFENCE_RETURN_IF_ERROR(r.Number("window_s", 1.0, 3600.0, s.window_s));
  SATFENCE_RETURN_IF_ERROR(r.Number("cadence_s", 0.01, 3600.0, s.cadence_s));
  SATFENCE_RETURN_IF_ERROR(r.Number("interval_s", 1.0, 86400.0, s.interval_s));
  if (s.window_s / s.cadence_s > 10'000)
    return r.Error(nullptr, "cadence_s", "more than 10,000 epochs per window");
  SATFENCE_RETURN_IF_ERROR(r.Bool("include_sat_states", s.include_sat_states));
  if (const toml::node* k = r.table().get("kinds")) {
    const toml::array* ka = k->as_array();
    if (ka == nullptr) return r.Error(k, "kinds", "expected an array of kind names");
    for (const toml::node& item : *ka) {
      std::optional<std::string> name = item.value<std::string>();
      std::optional<verify::Kind> kind = name ? verify::ParseKind(*name) : std::nullopt;
      if (!kind)
        return r.Error(&item, "kinds", "expected range, range_rate, range_bound, aoa or beam");
      s.kinds.Add(*kind);
    }
  } else {
    for (verify::Kind kind : {verify::Kind::kRange, verify::Kind::kRangeRate, verify::Kind::kAoa,
                              verify::Kind::kBeam}) {
      s.kinds.Add(kind);
    }
  }
  if (s.kinds.Empty()) return r.Error(r.table().get("kinds"), "kinds", "empty");

  TableReader n(table("noise"), path, "noise.");
  SATFENCE_RETURN_IF_ERROR(
      n.Unknown({"range_sigma_m", "range_rate_sigma_mps", "aoa_sigma_rad", "range_bound_sigma_m",
                 "range_bound_delay_mean_m", "range_bound_delay_sigma_m", "beam_radius_m", "range_offset_sigma_m",
                 "range_rate_offset_sigma_mps", "ephemeris_sigma_m"}));
  MeasurementNoise& m = s.noise;
  SATFENCE_RETURN_IF_ERROR(n.Number("range_sigma_m", 1e-3, 1e5, m.range_sigma_m));
  SATFENCE_RETURN_IF_ERROR(n.Number("range_rate_sigma_mps", 1e-6, 1e3, m.range_rate_sigma_mps));
  SATFENCE_RETURN_IF_ERROR(n.Number("aoa_sigma_rad", 1e-7, 0.5, m.aoa_sigma_rad));
  SATFENCE_RETURN_IF_ERROR(n.Number("range_bound_sigma_m", 1e-3, 1e5, m.range_bound_sigma_m));
  SATFENCE_RETURN_IF_ERROR(
      n.Number("range_bound_delay_mean_m", 0.0, 1e6, m.range_bound_delay_mean_m));
  SATFENCE_RETURN_IF_ERROR(
      n.Number("range_bound_delay_sigma_m", 0.0, 1e5, m.range_bound_delay_sigma_m));
  SATFENCE_RETURN_IF_ERROR(n.Number("beam_radius_m", 100.0, 1e6, m.beam_radius_m));
  SATFENCE_RETURN_IF_ERROR(n.Number("range_offset_sigma_m", 0.0, 1e6, m.range_offset_sigma_m));
  SATFENCE_RETURN_IF_ERROR(
      n.Number("range_rate_offset_sigma_mps", 0.0, 1e4, m.range_rate_offset_sigma_mps));
  SATFENCE_RETURN_IF_ERROR(n.Number("ephemeris_sigma_m", 0.0, 1e5, m.ephemeris_sigma_m));

  TableReader mm(table("mismatch"), path, "mismatch.");
  SATFENCE_RETURN_IF_ERROR(
      mm.Unknown({"sigma_scale", "student_t_dof", "outlier_fraction", "outlier_sigmas",
                  "ephemeris_bias_sigma_m", "rate_drift_mps_per_s", "multipath_fraction",
                  "multipath_mean_m"}));
  Mismatch& x = s.mismatch;
  SATFENCE_RETURN_IF_ERROR(mm.Number("sigma_scale", 0.01, 100.0, x.sigma_scale));
  SATFENCE_RETURN_IF_ERROR(mm.Number("student_t_dof", 0.0, 1e6, x.student_t_dof));
  if (x.student_t_dof != 0.0 && x.student_t_dof <= 2.0) {
    return mm.Error(mm.table().get("student_t_dof"), "student_t_dof",
                    "must be more than 2 (a finite variance), or 0 for Gaussian noise");
  }
  SATFENCE_RETURN_IF_ERROR(mm.Number("outlier_fraction", 0.0, 1.0, x.outlier_fraction));
  SATFENCE_RETURN_IF_ERROR(mm.Number("outlier_sigmas", 0.0, 1e4, x.outlier_sigmas));
  SATFENCE_RETURN_IF_ERROR(
      mm.Number("ephemeris_bias_sigma_m", 0.0, 1e6, x.ephemeris_bias_sigma_m));
  SATFENCE_RETURN_IF_ERROR(mm.Number("rate_drift_mps_per_s", -100.0, 100.0, x.rate_drift_mps_per_s));
  SATFENCE_RETURN_IF_ERROR(mm.Number("multipath_fraction", 0.0, 1.0, x.multipath_fraction));
  SATFENCE_RETURN_IF_ERROR(mm.Number("multipath_mean_m", 0.0, 1e5, x.multipath_mean_m));

  const toml::array* groups = root["group"].as_array();
  if (groups == nullptr || groups->empty()) {
    return top.Error(root.get("group"), "group", "missing: at least one [[group]] of terminals");
  }
  for (size_t i = 0; i < groups->size(); ++i) {
    const toml::table* g = groups->get(i)->as_table();
    if (g == nullptr) return top.Error(groups->get(i), "group", "expected a table");
    Group group;
    SATFENCE_RETURN_IF_ERROR(
        ReadGroup(TableReader(*g, path, absl::StrCat("group[", i, "].")), group));
    s.groups.push_back(std::move(group));
  }
  return s;
}

std::string TruthJson(const TruthRecord& t) {
  return absl::StrFormat(
      "{\"terminal\":%s,\"time\":\"%s\",\"group\":%s,\"behaviour\":\"%s\",\"kit\":%d,"
      "\"lat\":%.8f,\"lon\":%.8f,\"alt_m\":%.2f,\"vel_enu_mps\":[%.3f,%.3f,%.3f],"
      "\"displacement_m\":%.2f,\"lambda_all\":%.6g,\"lambda_physical\":%.6g,\"crlb_h_m\":%.4g}",
      nlohmann::json(t.terminal).dump(), FormatRfc3339(t.time), nlohmann::json(t.group).dump(),
      std::string(BehaviourName(t.behaviour)), t.kit, t.position.lat_deg, t.position.lon_deg,
      t.position.height_m, t.vel_enu_mps.x, t.vel_enu_mps.y, t.vel_enu_mps.z, t.displacement_m,
      t.lambda_all, t.lambda_physical, std::isfinite(t.crlb_h_m) ? t.crlb_h_m : -1.0);
}

namespace {

struct Terminal {
  const Group* group;
  std::string id;
  geo::Geodetic start;       // true place at the scenario start (kit 0)
  geo::Geodetic clone_site;  // kit 1
  double heading_deg = 0.0;
  double speed_mps = 0.0;
  geo::Geodetic claim;  // liars: the displaced place they claim
  double displacement_m = 0.0;
  double first_report_s = 0.0;
};

struct Event {
  double at_s;
  size_t terminal;
  int kit;
};

std::chrono::microseconds Micros(double s) {
  return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(s * 1e6)));
}

}  // namespace

namespace {

registry::Terminal RegistryEntry(const Terminal& t, Rng& rng) {
  const Group& g = *t.group;
  registry::Terminal r;
  r.id = t.id;
  r.model = "UTR-231";
  r.activated = "2025-09-01";
  std::string plan = g.plan;
  if (plan.empty()) {
    switch (g.behaviour) {
      case Behaviour::kVehicle:
      case Behaviour::kDrone:
        plan = "roam";
        break;
      case Behaviour::kShip:
        plan = "maritime";
        break;
      case Behaviour::kAircraft:
        plan = "aviation";
        break;
      default:
        plan = "residential";
    }
  }
  r.plan = plan == "roam"       ? registry::Plan::kRoam
           : plan == "maritime" ? registry::Plan::kMaritime
           : plan == "aviation" ? registry::Plan::kAviation
                                : registry::Plan::kResidential;
  if (r.plan == registry::Plan::kResidential) {
    geo::Geodetic address = Lies(g.behaviour) ? t.claim : t.start;
    r.service_address = geo::Geodetic{address.lat_deg, address.lon_deg, 0.0};
  }
  r.channel = g.channel == "reseller"      ? registry::Channel::kReseller
              : g.channel == "marketplace" ? registry::Channel::kMarketplace
                                           : registry::Channel::kDirect;
  r.seller = g.seller;
  r.sale_country = g.sale_country;
  r.owner = "owner-" + t.id;
  r.owner_type = registry::OwnerType::kPerson;
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  r.whitelisted = u01(rng) < g.whitelisted;
  return r;
}

}  // namespace

SimulationStats Simulate(const Scenario& s,
                         const std::function<void(const verify::Report&, const TruthRecord&)>& emit,
                         const std::function<void(double)>& progress,
                         const std::function<void(const registry::Terminal&)>& on_terminal) {
  SimulationStats stats;
  Rng rng(s.seed);
  std::uniform_real_distribution<double> u01(0.0, 1.0);

  orbit::Constellation constellation =
      s.gen1_shells
          ? orbit::Constellation::FromShells(orbit::StarlinkGen1Shells(), s.start)
          : orbit::Constellation::FromElements(orbit::ReadElementsFile(s.elements_path).records);
  ServingSchedule schedule(constellation, s.min_elevation_deg, s.slot_s);

  // Terminals, group by group, each drawn completely before the next.
  std::vector<Terminal> terminals;
  for (const Group& g : s.groups) {
    for (int i = 0; i < g.count; ++i) {
      Terminal t;
      t.group = &g;
      t.id = absl::StrFormat("%s-%04d", g.id_prefix, i + 1);
      double az = 360.0 * u01(rng), r_m = 1000.0 * g.radius_km * std::sqrt(u01(rng));
      t.start = geo::GeodesicDirect({g.centre_lat_deg, g.centre_lon_deg, 0.0}, az, r_m);
      t.start.height_m = g.altitude_m;
      t.heading_deg = 360.0 * u01(rng);
      t.speed_mps = Moves(g.behaviour) ? g.speed_mps * (0.8 + 0.4 * u01(rng)) : 0.0;
      double claim_az = 360.0 * u01(rng);
      double log_lo = std::log(g.displacement_min_m), log_hi = std::log(g.displacement_max_m);
      t.displacement_m = std::exp(log_lo + (log_hi - log_lo) * u01(rng));
      double clone_az = 360.0 * u01(rng);
      t.first_report_s = s.window_s + s.interval_s * u01(rng);
      if (Lies(g.behaviour)) {
        t.claim = geo::GeodesicDirect(t.start, claim_az, t.displacement_m);
        t.claim.height_m = t.start.height_m;
      } else {
        t.displacement_m = 0.0;
      }
      if (g.behaviour == Behaviour::kClone) {
        t.clone_site = geo::GeodesicDirect(t.start, clone_az, 1000.0 * g.clone_distance_km);
        t.clone_site.height_m = t.start.height_m;
      }
      terminals.push_back(t);
    }
  }
  stats.terminals = static_cast<int>(terminals.size());
  if (on_terminal) {
    // Registry draws come from their own generator, so they leave the telemetry unchanged.
    Rng registry_rng(s.seed ^ 0x5EED5EED5EEDull);
    for (const Terminal& t : terminals) on_terminal(RegistryEntry(t, registry_rng));
  }

  std::vector<Event> events;
  for (size_t i = 0; i < terminals.size(); ++i) {
    const Terminal& t = terminals[i];
    for (double at = t.first_report_s; at <= s.duration_s; at += s.interval_s) {
      events.push_back({at, i, 0});
      if (t.group->behaviour == Behaviour::kClone && at + s.interval_s / 2 <= s.duration_s) {
        events.push_back({at + s.interval_s / 2, i, 1});
      }
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at_s < b.at_s; });

  const int epochs = std::max(1, static_cast<int>(std::floor(s.window_s / s.cadence_s + 1e-9)));
  const bool two_tests =
      s.kinds.HasForgeable() && !s.kinds.Intersect(verify::KindSet::Physical()).Empty();
  for (size_t e = 0; e < events.size(); ++e) {
    const Event& ev = events[e];
    const Terminal& t = terminals[ev.terminal];
    if (progress && e % 256 == 0) progress(static_cast<double>(e) / events.size());
    // Sparse reporting draws for every event, so the stream stays the same for the others.
    if (u01(rng) >= t.group->report_probability) continue;
    const UtcTime when = s.start + Micros(ev.at_s);

    // The true state at the report time: movers follow a geodesic at constant speed.
    geo::Geodetic where = ev.kit == 1 ? t.clone_site : t.start;
    geo::Vec3 vel_enu;
    if (t.speed_mps > 0.0) {
      double along = t.speed_mps * ev.at_s;
      where = geo::GeodesicDirect(t.start, t.heading_deg, along);
      where.height_m = t.start.height_m;
      geo::GeodesicInverseResult back = geo::GeodesicInverse(t.start, where);
      double heading = along > 1.0 ? back.end_azimuth_deg : t.heading_deg;
      vel_enu = {t.speed_mps * std::sin(heading * kPi / 180.0),
                 t.speed_mps * std::cos(heading * kPi / 180.0), 0.0};
    }
    std::vector<UtcTime> times;
    times.reserve(epochs);
    for (int k = epochs - 1; k >= 0; --k) times.push_back(when - Micros(k * s.cadence_s));
    std::vector<SatelliteSample> samples = schedule.Serving(where, times);
    if (samples.size() < 3) {
      ++stats.skipped_no_satellite;
      continue;
    }

    TruthTrack truth;
    truth.report_time = when;
    truth.at_report.position_ecef_m = geo::GeodeticToEcef(where);
    truth.at_report.velocity_ecef_mps = geo::LocalFrame(where).RotateEnuToEcef(vel_enu);

    ReportSpec spec;
    spec.terminal = t.id;
    spec.time = when;
    spec.kinds = s.kinds;
    spec.include_sat_states = s.include_sat_states;
    spec.claimed.position = Lies(t.group->behaviour) ? t.claim : where;
    if (t.speed_mps > 0.0) spec.claimed.vel_enu_mps = vel_enu;
    if (t.group->behaviour == Behaviour::kA2) {
      TruthTrack forged = truth;
      forged.at_report = verify::ClaimedState(spec.claimed);
      spec.forge_from = forged;
    }
    verify::Report report = MeasureReport(spec, truth, samples, s.noise, rng, s.mismatch);

    TruthRecord record;
    record.terminal = t.id;
    record.time = when;
    record.group = t.group->name;
    record.behaviour = t.group->behaviour;
    record.position = where;
    record.vel_enu_mps = vel_enu;
    record.displacement_m = t.displacement_m;
    record.kit = ev.kit;
    verify::Report noiseless = NoiselessReport(spec, truth, samples, s.noise);
    // The range bounds read with the delay the scenario draws (the verifier's calibration).
    const verify::RangeBoundDelay delay{true, s.noise.range_bound_delay_mean_m,
                                        s.noise.range_bound_delay_sigma_m};
    verify::SubsetAnalysis all =
        verify::Analyze(noiseless, verify::KindSet::All(), 0.0, true,
                        verify::kDefaultDriftSigma_mps_per_s, delay);
    record.lambda_all = all.statistic;
    record.crlb_h_m = all.crlb_h_m;
    if (two_tests) {
      // As the verifier tests it: by the score test at the claim.
      record.lambda_physical =
          verify::Noncentrality(noiseless, verify::KindSet::Physical(), 0.0, /*locate=*/false,
                                verify::kDefaultDriftSigma_mps_per_s, delay);
    }
    emit(report, record);
    ++stats.reports;
  }
  if (progress) progress(1.0);
  return stats;
}

}  // namespace satfence::sim
