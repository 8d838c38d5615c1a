// Which satellites a ground point sees above an elevation mask, for many points at one
// instant, without testing every point against every satellite.
//
//   VisibilityIndex index(constellation.EcefStatesAt(t), /*min_elevation_deg=*/25.0);
//   for (const VisibleSatellite& v : index.Visible(Geodetic{50.45, 30.52, 180.0})) { ... }
//
// The satellites are bucketed by their geocentric sub-satellite direction on a 2-degree
// latitude/longitude grid. A query visits only the cells within the largest Earth-central
// angle at which any satellite of the set can clear the mask (from the highest satellite
// and the lowest possible ground radius, with the 0.2-degree geodetic/geocentric vertical
// difference added), then tests the candidates exactly: elevation is measured from the
// WGS-84 ellipsoid normal (LocalFrame::Look). The answer is therefore the same set as the
// all-pairs loop (visibility_test.cc checks this on the real snapshot), only faster.
// Immutable after construction; Visible() is thread-safe.
#ifndef SATFENCE_ORBIT_VISIBILITY_H_
#define SATFENCE_ORBIT_VISIBILITY_H_

#include <cstdint>
#include <vector>

#include "satfence/geo/geodetic.h"
#include "satfence/geo/local_frame.h"
#include "satfence/orbit/constellation.h"

namespace satfence::orbit {

struct VisibleSatellite {
  std::uint32_t index;  // position in the states given to the index
  geo::LookAngles look;
};

class VisibilityIndex {
 public:
  // REQUIRES: min_elevation_deg in [0, 90).
  VisibilityIndex(std::vector<SatelliteState> states, double min_elevation_deg = 25.0);

  // Satellites at or above the mask, highest elevation first.
  std::vector<VisibleSatellite> Visible(const geo::Geodetic& ground) const;
  // The same by testing every satellite: the reference the index is checked against.
  std::vector<VisibleSatellite> VisibleBruteForce(const geo::Geodetic& ground) const;

  const std::vector<SatelliteState>& states() const { return states_; }
  double min_elevation_deg() const { return min_elevation_deg_; }
  // Largest Earth-central angle between a ground point and a visible satellite, rad.
  double max_central_angle_rad() const { return max_central_angle_rad_; }

 private:
  static constexpr int kLatCells = 90;   // 2 degrees
  static constexpr int kLonCells = 180;  // 2 degrees
  std::vector<SatelliteState> states_;
  std::vector<geo::Vec3> unit_;  // geocentric unit vectors of the satellites
  double min_elevation_deg_;
  double max_central_angle_rad_ = 0.0;
  double cos_max_central_angle_ = 1.0;
  std::vector<std::uint32_t> cell_start_;  // CSR: satellites of cell c are
  std::vector<std::uint32_t> cell_items_;  // cell_items_[cell_start_[c] .. cell_start_[c+1])
};

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_VISIBILITY_H_
