#include "satfence/zones/zone_index.h"

#include <algorithm>
#include <cmath>

#include "s2/s2edge_crosser.h"
#include "s2/s2latlng.h"
#include "s2/s2latlng_rect_bounder.h"

namespace satfence::zones {
namespace {

constexpr double kPadDeg = 0.01;

}  // namespace

int ZoneIndex::CellOf(double lat_deg, double lon_deg) const {
  const int row = std::clamp(static_cast<int>((lat_deg + kMaxLatDeg) / kCellDeg), 0, kLatCells - 1);
  int col = static_cast<int>(std::floor((lon_deg + 180.0) / kCellDeg));
  col = std::clamp(col, 0, kLonCells - 1);  // lon = 180 joins the last column
  return row * kLonCells + col;
}

S2Point ZoneIndex::CellCenter(int cell) const {
  const int row = cell / kLonCells, col = cell % kLonCells;
  return S2LatLng::FromDegrees(-kMaxLatDeg + (row + 0.5) * kCellDeg,
                               -180.0 + (col + 0.5) * kCellDeg)
      .ToPoint();
}

ZoneIndex::ZoneIndex(const ZoneSet& set) : reference_(set) {
  const int cells = kLatCells * kLonCells;
  // Flat edges, numbered by part in the order S2ZoneIndex numbers its shapes.
  std::int32_t shape = 0;
  for (size_t z = 0; z < set.zones().size(); ++z) {
    for (const auto& part : set.zones()[z].geometry->parts) {
      for (const auto& ring : part) {
        for (const S2Point& v : ring) {
          vertices_.push_back(v);
          edge_shape_.push_back(shape);
        }
        vertices_.push_back(ring.front());
        edge_shape_.push_back(-1);  // the closing copy starts no edge
      }
      ++shape;
    }
  }
  // Edges per cell: counts, prefix sums, fill (two passes over the same cell ranges).
  std::vector<std::uint32_t> count(cells + 1, 0);
  auto for_each_cell = [&](size_t k, auto&& visit) {
    S2LatLngRectBounder bounder;
    bounder.AddPoint(vertices_[k]);
    bounder.AddPoint(vertices_[k + 1]);
    const S2LatLngRect r = bounder.GetBound();
    const double lat_lo = r.lat_lo().degrees() - kPadDeg, lat_hi = r.lat_hi().degrees() + kPadDeg;
    if (lat_hi < -kMaxLatDeg || lat_lo >= kMaxLatDeg) return;
    const int row_lo = CellOf(std::max(lat_lo, -kMaxLatDeg), 0) / kLonCells;
    const int row_hi = CellOf(std::min(lat_hi, kMaxLatDeg), 0) / kLonCells;
    // Longitude range, possibly across the antimeridian (inverted), padded.
    std::vector<std::pair<double, double>> lon_ranges;
    if (r.lng().is_full() || r.lng().GetLength() > 2 * M_PI - 0.1) {
      lon_ranges.push_back({-180.0, 180.0});
    } else if (r.lng().is_inverted()) {
      lon_ranges.push_back({r.lng_lo().degrees() - kPadDeg, 180.0});
      lon_ranges.push_back({-180.0, r.lng_hi().degrees() + kPadDeg});
    } else {
      lon_ranges.push_back({r.lng_lo().degrees() - kPadDeg, r.lng_hi().degrees() + kPadDeg});
    }
    // Wrap padded ends that went past +/-180 onto the other side.
    std::vector<std::pair<double, double>> wrapped;
    for (auto [lo, hi] : lon_ranges) {
      if (lo < -180.0) {
        wrapped.push_back({lo + 360.0, 180.0});
        lo = -180.0;
      }
      if (hi > 180.0) {
        wrapped.push_back({-180.0, hi - 360.0});
        hi = 180.0;
      }
      wrapped.push_back({lo, hi});
    }
    for (const auto& [lo, hi] : wrapped) {
      const int col_lo = CellOf(0, lo) % kLonCells, col_hi = CellOf(0, hi) % kLonCells;
      for (int row = row_lo; row <= row_hi; ++row) {
        for (int col = col_lo; col <= col_hi; ++col) visit(row * kLonCells + col);
      }
    }
  };
  for (size_t k = 0; k + 1 < vertices_.size(); ++k) {
    if (edge_shape_[k] < 0) continue;
    ++stats_.edges;
    for_each_cell(k, [&](int c) { ++count[c + 1]; });
  }
  edge_start_.assign(cells + 1, 0);
  for (int c = 0; c < cells; ++c) edge_start_[c + 1] = edge_start_[c] + count[c + 1];
  cell_edges_.resize(edge_start_[cells]);
  std::vector<std::uint32_t> fill(edge_start_.begin(), edge_start_.end() - 1);
  for (size_t k = 0; k + 1 < vertices_.size(); ++k) {
    if (edge_shape_[k] < 0) continue;
    for_each_cell(k, [&](int c) {
      // An edge can reach a cell through two padded ranges; keep it once.
      const std::uint32_t at = fill[c];
      if (at > edge_start_[c] && cell_edges_[at - 1] == k) return;
      cell_edges_[fill[c]++] = static_cast<std::uint32_t>(k);
    });
  }
  // Compact away the duplicates skipped above.
  {
    std::vector<std::uint32_t> starts(cells + 1, 0), edges;
    edges.reserve(cell_edges_.size());
    for (int c = 0; c < cells; ++c) {
      starts[c] = static_cast<std::uint32_t>(edges.size());
      edges.insert(edges.end(), cell_edges_.begin() + edge_start_[c],
                   cell_edges_.begin() + fill[c]);
    }
    starts[cells] = static_cast<std::uint32_t>(edges.size());
    edge_start_ = std::move(starts);
    cell_edges_ = std::move(edges);
  }
  // Centre containment from the reference: parts for the crossing path, zones for the
  // fast path.
  centers_.resize(cells);
  zone_start_.assign(cells + 1, 0);
  zone_start_only_.assign(cells + 1, 0);
  for (int c = 0; c < cells; ++c) {
    centers_[c] = CellCenter(c);
    const std::vector<int> shapes = reference_.ContainingShapes(centers_[c]);
    std::vector<int> zones;
    for (int sh : shapes) {
      cell_shapes_.push_back(sh);
      zones.push_back(reference_.shape_zone(sh));
    }
    std::sort(zones.begin(), zones.end());
    zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
    cell_zones_.insert(cell_zones_.end(), zones.begin(), zones.end());
    zone_start_[c + 1] = static_cast<std::uint32_t>(cell_shapes_.size());
    zone_start_only_[c + 1] = static_cast<std::uint32_t>(cell_zones_.size());
    stats_.cells_with_edges += edge_start_[c + 1] > edge_start_[c];
  }
  stats_.cells = cells;
  stats_.edge_refs = cell_edges_.size();
  stats_.bytes = vertices_.size() * sizeof(S2Point) + edge_shape_.size() * 4 +
                 (zone_start_.size() + zone_start_only_.size() + edge_start_.size()) * 4 +
                 (cell_shapes_.size() + cell_zones_.size() + cell_edges_.size()) * 4 +
                 centers_.size() * sizeof(S2Point);
}

std::vector<int> ZoneIndex::Resolve(int cell, const S2Point& p) const {
  const std::uint32_t e0 = edge_start_[cell], e1 = edge_start_[cell + 1];
  if (e0 == e1) {
    return {cell_zones_.begin() + zone_start_only_[cell],
            cell_zones_.begin() + zone_start_only_[cell + 1]};
  }
  std::vector<int> shapes(cell_shapes_.begin() + zone_start_[cell],
                          cell_shapes_.begin() + zone_start_[cell + 1]);
  // Parity of crossings per part along centre -> p.
  const S2Point& c = centers_[cell];
  S2EdgeCrosser crosser(&c, &p);
  std::vector<std::pair<int, int>> flips;  // (part, crossings)
  for (std::uint32_t i = e0; i < e1; ++i) {
    const std::uint32_t k = cell_edges_[i];
    if (!crosser.EdgeOrVertexCrossing(&vertices_[k], &vertices_[k + 1])) continue;
    const int sh = edge_shape_[k];
    auto it =
        std::find_if(flips.begin(), flips.end(), [sh](const auto& f) { return f.first == sh; });
    if (it == flips.end()) {
      flips.push_back({sh, 1});
    } else {
      ++it->second;
    }
  }
  for (const auto& [sh, n] : flips) {
    if (n % 2 == 0) continue;
    const auto it = std::lower_bound(shapes.begin(), shapes.end(), sh);
    if (it != shapes.end() && *it == sh) {
      shapes.erase(it);
    } else {
      shapes.insert(it, sh);
    }
  }
  std::vector<int> zones;
  for (int sh : shapes) zones.push_back(reference_.shape_zone(sh));
  std::sort(zones.begin(), zones.end());
  zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
  return zones;
}

std::vector<int> ZoneIndex::Containing(double lat_deg, double lon_deg) const {
  if (std::abs(lat_deg) >= kMaxLatDeg) {
    return reference_.Containing(S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint());
  }
  const int cell = CellOf(lat_deg, lon_deg);
  if (edge_start_[cell] == edge_start_[cell + 1]) {  // the fast path: no edge in the cell
    return {cell_zones_.begin() + zone_start_only_[cell],
            cell_zones_.begin() + zone_start_only_[cell + 1]};
  }
  return Resolve(cell, S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint());
}

std::vector<int> ZoneIndex::Containing(const S2Point& p) const {
  const S2LatLng ll(p);
  const double lat = ll.lat().degrees();
  if (std::abs(lat) >= kMaxLatDeg) return reference_.Containing(p);
  const int cell = CellOf(lat, ll.lng().degrees());
  return Resolve(cell, p);
}

}  // namespace satfence::zones
