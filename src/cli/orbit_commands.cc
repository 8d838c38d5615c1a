// `satfence orbit ...`: propagate element sets, list visible satellites, predict passes.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "commands.h"
#include "satfence/base/text.h"
#include "satfence/orbit/constellation.h"
#include "satfence/orbit/elements_file.h"
#include "satfence/orbit/passes.h"
#include "satfence/orbit/sgp4.h"
#include "satfence/orbit/teme.h"
#include "satfence/orbit/visibility.h"

namespace satfence::cli {
namespace {

// "0,60,360" or ranges "0:1440:10" (start:stop:step, stop included), mixed freely.
bool ParseMinutes(const std::string& spec, std::vector<double>& out, std::string& error) {
  for (absl::string_view item_view : absl::StrSplit(spec, ',')) {
    const std::string item(Trim(std::string_view(item_view.data(), item_view.size())));
    std::vector<std::string> parts = absl::StrSplit(item, ':');
    std::vector<double> v;
    for (const std::string& p : parts) {
      char* end = nullptr;
      const double x = std::strtod(p.c_str(), &end);
      if (p.empty() || *end != '\0' || !std::isfinite(x)) {
        error = absl::StrFormat("--minutes: '%s' is not a number", p);
        return false;
      }
      v.push_back(x);
    }
    if (v.size() == 1) {
      out.push_back(v[0]);
    } else if (v.size() == 3 && v[2] > 0 && v[1] >= v[0] && (v[1] - v[0]) / v[2] <= 1e7) {
      const long n = static_cast<long>(std::floor((v[1] - v[0]) / v[2] + 1e-9));
      for (long i = 0; i <= n; ++i) out.push_back(v[0] + i * v[2]);
      if (out.back() < v[1]) out.push_back(v[1]);
    } else {
      error = absl::StrFormat("--minutes: '%s' is neither a number nor start:stop:step", item);
      return false;
    }
  }
  return true;
}

// Reports rejected element sets on stderr; true if there were any.
bool ReportRejected(const ReadResult<orbit::ElementSet>& r) {
  for (const RecordError& e : r.errors) std::cerr << "satfence: " << e.ToString() << "\n";
  return !r.errors.empty();
}

void Propagate(const std::string& elements_path, const std::string& minutes_spec,
               const std::string& frame, orbit::Sgp4Options options, ExitCode& exit) {
  std::vector<double> minutes;
  std::string error;
  if (!ParseMinutes(minutes_spec, minutes, error)) {
    std::cerr << "satfence orbit propagate: " << error << "\n";
    exit.value = 2;
    return;
  }
  const ReadResult<orbit::ElementSet> cat = orbit::ReadElementsFile(elements_path);
  const bool rejected = ReportRejected(cat);
  const bool ecef = frame == "ecef";

  std::string out = "norad_id,tsince_min,x_km,y_km,z_km,vx_km_s,vy_km_s,vz_km_s\n";
  for (const orbit::ElementSet& e : cat.records) {
    const absl::StatusOr<orbit::Sgp4> sat = orbit::Sgp4::Create(e, options);
    if (!sat.ok()) {
      std::cerr << "satfence: " << e.catalog_number << ": " << sat.status().message() << "\n";
      continue;
    }
    for (double t : minutes) {
      const orbit::Sgp4Result r = sat->Propagate(t);
      if (r.error != orbit::Sgp4Error::kNone) {
        std::cerr << absl::StrFormat("satfence: %u at %s min: SGP4 error %d (%s)\n",
                                     e.catalog_number, ExactDouble(t), static_cast<int>(r.error),
                                     orbit::Sgp4ErrorName(r.error));
        continue;
      }
      geo::Vec3 p = r.state.position_km, v = r.state.velocity_km_s;
      if (ecef) {
        const orbit::EcefState s = orbit::TemeToEcef(r.state, AddMinutes(e.epoch, t));
        p = s.position_km;
        v = s.velocity_km_s;
      }
      absl::StrAppend(&out, e.catalog_number, ",", ExactDouble(t), ",", ExactDouble(p.x), ",",
                      ExactDouble(p.y), ",", ExactDouble(p.z), ",", ExactDouble(v.x), ",",
                      ExactDouble(v.y), ",", ExactDouble(v.z), "\n");
      if (out.size() > (1 << 20)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  exit.value = rejected ? 1 : 0;
}

struct SiteOptions {
  std::string elements;
  std::string time;
  double lat_deg = 0.0, lon_deg = 0.0, alt_m = 0.0, min_elev_deg = 25.0;
};

bool ParseSite(const SiteOptions& o, UtcTime& t, geo::Geodetic& site, const char* verb,
               ExitCode& exit) {
  const std::optional<UtcTime> parsed =
      ParseTimeOption(o.time, absl::StrCat("orbit ", verb).c_str(), exit);
  if (!parsed) return false;
  t = *parsed;
  site = {o.lat_deg, o.lon_deg, o.alt_m};
  if (const absl::Status s = geo::ValidateGeodetic(site); !s.ok()) {
    std::cerr << "satfence orbit " << verb << ": " << s.message() << "\n";
    exit.value = 2;
    return false;
  }
  return true;
}

void Visible(const SiteOptions& o, ExitCode& exit) {
  UtcTime t;
  geo::Geodetic site;
  if (!ParseSite(o, t, site, "visible", exit)) return;
  const ReadResult<orbit::ElementSet> cat = orbit::ReadElementsFile(o.elements);
  const bool rejected = ReportRejected(cat);
  const orbit::Constellation c = orbit::Constellation::FromElements(cat.records);
  const orbit::VisibilityIndex index(c.EcefStatesAt(t), o.min_elev_deg);
  const std::vector<orbit::VisibleSatellite> vis = index.Visible(site);
  std::printf("%zu of %zu satellites above %.1f deg at %s from %.5f, %.5f, %.0f m\n", vis.size(),
              c.size(), o.min_elev_deg, FormatRfc3339(t).c_str(), site.lat_deg, site.lon_deg,
              site.height_m);
  if (!vis.empty()) {
    std::printf("%10s  %-26s %9s %9s %10s\n", "norad_id", "name", "az_deg", "elev_deg", "range_km");
  }
  std::map<std::uint32_t, const std::string*> names;
  for (const orbit::ElementSet& e : c.elements()) names[e.catalog_number] = &e.name;
  for (const orbit::VisibleSatellite& v : vis) {
    const orbit::SatelliteState& s = index.states()[v.index];
    const std::string& name = *names[s.catalog_number];
    std::printf("%10u  %-26s %9.2f %9.2f %10.1f\n", s.catalog_number, name.c_str(),
                v.look.azimuth_deg, v.look.elevation_deg, v.look.range_m / 1000.0);
  }
  exit.value = rejected ? 1 : 0;
}

std::string HhMmSs(UtcTime t) { return FormatRfc3339(t).substr(0, 19) + "Z"; }

void Passes(const SiteOptions& o, double hours, const std::vector<std::uint32_t>& norad,
            ExitCode& exit) {
  UtcTime start;
  geo::Geodetic site;
  if (!ParseSite(o, start, site, "passes", exit)) return;
  if (!(hours > 0.0 && hours <= 24.0 * 31)) {
    std::cerr << "satfence orbit passes: --hours must be in (0, 744]\n";
    exit.value = 2;
    return;
  }
  const UtcTime end = AddMinutes(start, hours * 60.0);
  const ReadResult<orbit::ElementSet> cat = orbit::ReadElementsFile(o.elements);
  const bool rejected = ReportRejected(cat);
  std::printf("%10s  %-24s %-20s %7s %-20s %8s %-20s %7s %7s\n", "norad_id", "name", "rise_utc",
              "az_deg", "culmination_utc", "elev_deg", "set_utc", "az_deg", "min");
  size_t count = 0;
  for (const orbit::ElementSet& e : cat.records) {
    if (!norad.empty() && std::find(norad.begin(), norad.end(), e.catalog_number) == norad.end()) {
      continue;
    }
    const absl::StatusOr<orbit::Sgp4> sat = orbit::Sgp4::Create(e);
    if (!sat.ok()) continue;
    for (const orbit::Pass& p :
         orbit::PredictPasses(*sat, site, start, end, {.min_elevation_deg = o.min_elev_deg})) {
      std::printf("%10u  %-24.24s %-20s %7.1f %-20s %8.2f %-20s %7.1f %7.2f%s%s\n",
                  e.catalog_number, e.name.c_str(), HhMmSs(p.rise).c_str(), p.rise_azimuth_deg,
                  HhMmSs(p.culmination).c_str(), p.max_elevation_deg, HhMmSs(p.set).c_str(),
                  p.set_azimuth_deg, MinutesBetween(p.rise, p.set),
                  p.starts_before_window ? "  (already up at start)" : "",
                  p.ends_after_window ? "  (still up at end)" : "");
      ++count;
    }
  }
  std::printf("%zu passes above %.1f deg\n", count, o.min_elev_deg);
  exit.value = rejected ? 1 : 0;
}

void AddSiteOptions(CLI::App* cmd, SiteOptions& o, const char* time_help) {
  cmd->add_option("--elements", o.elements, "Element-set file (TLE/3LE or OMM)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--time", o.time, time_help)->required();
  cmd->add_option("--lat", o.lat_deg, "Latitude, deg (WGS-84)")->required();
  cmd->add_option("--lon", o.lon_deg, "Longitude, deg")->required();
  cmd->add_option("--alt-m", o.alt_m, "Height above the ellipsoid, m")->capture_default_str();
  cmd->add_option("--min-elev", o.min_elev_deg, "Elevation mask, deg")
      ->check(CLI::Range(0.0, 89.9))
      ->capture_default_str();
}

}  // namespace

void RegisterOrbitCommands(CLI::App& app, ExitCode& exit) {
  CLI::App* orbit = app.add_subcommand("orbit", "Element sets, SGP4 propagation, visibility");
  orbit->require_subcommand(1);

  CLI::App* prop = orbit->add_subcommand(
      "propagate",
      "Propagate every element set (TLE/3LE or OMM JSON/XML/KVN/CSV) with SGP4/SDP4 (by default "
      "WGS-72, "
      "improved mode) and write CSV: norad_id,tsince_min,x_km,y_km,z_km,vx_km_s,vy_km_s,vz_km_s");
  struct PropagateOptions {
    std::string elements, minutes = "0", frame = "teme", gravity = "wgs72", opsmode = "improved";
  };
  auto po = std::make_shared<PropagateOptions>();
  prop->add_option("--elements", po->elements, "Element-set file")
      ->required()
      ->check(CLI::ExistingFile);
  prop->add_option("--minutes", po->minutes,
                   "Minutes since each epoch: a list '0,60,360' and/or ranges 'start:stop:step'")
      ->capture_default_str();
  prop->add_option("--frame", po->frame, "Output frame: teme (SGP4's own) or ecef (WGS-84)")
      ->check(CLI::IsMember({"teme", "ecef"}))
      ->capture_default_str();
  prop->add_option("--gravity", po->gravity,
                   "Gravity constants: wgs72 (what element sets are fitted with), wgs84, wgs72old")
      ->check(CLI::IsMember({"wgs72", "wgs84", "wgs72old"}))
      ->capture_default_str();
  prop->add_option("--opsmode", po->opsmode, "Vallado's operation mode: improved or afspc")
      ->check(CLI::IsMember({"improved", "afspc"}))
      ->capture_default_str();
  prop->callback([po, &exit] {
    orbit::Sgp4Options options;
    options.gravity = po->gravity == "wgs84"      ? orbit::GravityModel::kWgs84
                      : po->gravity == "wgs72old" ? orbit::GravityModel::kWgs72Old
                                                  : orbit::GravityModel::kWgs72;
    options.mode = po->opsmode == "afspc" ? orbit::OpsMode::kAfspc : orbit::OpsMode::kImproved;
    Propagate(po->elements, po->minutes, po->frame, options, exit);
  });

  auto vo = std::make_shared<SiteOptions>();
  CLI::App* vis = orbit->add_subcommand(
      "visible", "List the satellites above the elevation mask from one place at one instant");
  AddSiteOptions(vis, *vo, "Instant, RFC 3339 (e.g. 2025-09-23T12:00:00Z)");
  vis->callback([vo, &exit] { Visible(*vo, exit); });

  auto so = std::make_shared<SiteOptions>();
  auto hours = std::make_shared<double>(24.0);
  auto norad = std::make_shared<std::vector<std::uint32_t>>();
  CLI::App* passes =
      orbit->add_subcommand("passes", "Predict passes (rise, culmination, set) over one place");
  AddSiteOptions(passes, *so, "Start of the window, RFC 3339");
  passes->add_option("--hours", *hours, "Length of the window, hours")->capture_default_str();
  passes->add_option("--norad", *norad, "Only these catalogue numbers (repeatable)");
  passes->callback([so, hours, norad, &exit] { Passes(*so, *hours, *norad, exit); });
}

}  // namespace satfence::cli
