#include "satfence/verify/catalog.h"

#include <algorithm>

#include <charconv>

#include "absl/strings/str_cat.h"
#include "satfence/orbit/teme.h"

namespace satfence::verify {

SatelliteCatalog::SatelliteCatalog(const std::vector<orbit::ElementSet>& elements) {
  for (const orbit::ElementSet& e : elements) {
    absl::StatusOr<orbit::Sgp4> model = orbit::Sgp4::Create(e);
    if (!model.ok()) continue;
    by_number_[e.catalog_number] = models_.size();
    models_.push_back(*std::move(model));
  }
}

const orbit::Sgp4* SatelliteCatalog::Find(const std::string& sat) const {
  std::uint32_t number = 0;
  auto [end, ec] = std::from_chars(sat.data(), sat.data() + sat.size(), number);
  if (ec != std::errc() || end != sat.data() + sat.size()) return nullptr;
  auto it = by_number_.find(number);
  return it == by_number_.end() ? nullptr : &models_[it->second];
}

bool FillSatelliteStates(Report& report, const SatelliteCatalog* catalog, RecordError& error) {
  for (size_t i = 0; i < report.measurements.size(); ++i) {
    Measurement& m = report.measurements[i];
    if (m.kind == Kind::kBeam || m.has_sat_state) continue;
    auto fail = [&](std::string message) {
      error = RecordError();
      error.line = report.line;
      error.record_id = report.terminal;
      error.field = absl::StrCat("measurements[", i, "].sat_pos_m");
      error.message = std::move(message);
      return false;
    };
    if (catalog == nullptr) return fail("missing (and no satellite catalogue was given)");
    const orbit::Sgp4* model = catalog->Find(m.sat);
    if (model == nullptr) {
      return fail(absl::StrCat("missing, and satellite '", m.sat, "' is not in the catalogue"));
    }
    orbit::Sgp4Result r = model->PropagateTo(m.time);
    if (r.error != orbit::Sgp4Error::kNone) {
      return fail(absl::StrCat("missing, and SGP4 fails for satellite '", m.sat, "' at that time"));
    }
    orbit::EcefState ecef = orbit::TemeToEcef(r.state, m.time);
    m.sat_pos_ecef_m = 1000.0 * ecef.position_km;
    m.sat_vel_ecef_mps = 1000.0 * ecef.velocity_km_s;
    m.sat_pos_sigma_m = std::max(m.sat_pos_sigma_m, kElementSetPositionSigma_m);
    m.has_sat_state = true;
  }
  return true;
}

}  // namespace satfence::verify
