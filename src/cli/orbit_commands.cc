// `satfence orbit ...`: propagate element sets, list visible satellites, predict passes.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "commands.h"
#include "satfence/base/text.h"
#include "satfence/orbit/elements_file.h"
#include "satfence/orbit/sgp4.h"
#include "satfence/orbit/teme.h"

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
               const std::string& frame, ExitCode& exit) {
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
    const absl::StatusOr<orbit::Sgp4> sat = orbit::Sgp4::Create(e);
    if (!sat.ok()) {
      std::cerr << "satfence: " << e.catalog_number << ": " << sat.status().message() << "\n";
      continue;
    }
    for (double t : minutes) {
      const orbit::Sgp4Result r = sat->Propagate(t);
      if (r.error != orbit::Sgp4Error::kNone) {
        std::cerr << absl::StrFormat("satfence: %u at %s min: SGP4 error %d (%s)\n",
                                     e.catalog_number, ExactDouble(t),
                                     static_cast<int>(r.error), orbit::Sgp4ErrorName(r.error));
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

}  // namespace

void RegisterOrbitCommands(CLI::App& app, ExitCode& exit) {
  CLI::App* orbit = app.add_subcommand("orbit", "Element sets, SGP4 propagation, visibility");
  orbit->require_subcommand(1);

  CLI::App* prop = orbit->add_subcommand(
      "propagate",
      "Propagate every element set (TLE/3LE or OMM JSON/XML/KVN/CSV) with SGP4/SDP4 (WGS-72, "
      "improved mode) and write CSV: norad_id,tsince_min,x_km,y_km,z_km,vx_km_s,vy_km_s,vz_km_s");
  auto* elements = new std::string;
  auto* minutes = new std::string("0");
  auto* frame = new std::string("teme");
  prop->add_option("--elements", *elements, "Element-set file")->required()->check(CLI::ExistingFile);
  prop->add_option("--minutes", *minutes,
                   "Minutes since each epoch: a list '0,60,360' and/or ranges 'start:stop:step'")
      ->capture_default_str();
  prop->add_option("--frame", *frame, "Output frame: teme (SGP4's own) or ecef (WGS-84)")
      ->check(CLI::IsMember({"teme", "ecef"}))
      ->capture_default_str();
  prop->callback([=, &exit] { Propagate(*elements, *minutes, *frame, exit); });
}

}  // namespace satfence::cli
