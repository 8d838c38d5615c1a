// ZoneIndex: border distances and uncertainty classes (the method is in zone_index.h).
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include "s2/s2edge_distances.h"
#include "s2/s2latlng.h"
#include "satfence/zones/zone_index.h"

namespace satfence::zones {
namespace {

constexpr double kDeg = M_PI / 180.0;
// Discs wider than this, or nearest borders farther than kMaxNearestRad, go to S2ZoneIndex:
// the table is made for the neighbourhood of a position, S2's cell hierarchy for far reaches
// (and tan^2 orders angles only below 90 degrees).
constexpr double kMaxSearchRad = 10.0 * kDeg;
constexpr double kMaxNearestRad = 60.0 * kDeg;
// A nearest border whose starting bound exceeds this searches the chain tree, not the cells.
// (Measured: the cells win near borders, where a search opens two or three of them; the
// tree wins from about half a degree, where the cells within reach are many.)
constexpr double kTreeMinRad = 0.5 * kDeg;
// Squared distance from the origin to the segment (ax, ay)-(bx, by).
double SegmentDistance2(double ax, double ay, double bx, double by) {
  const double dx = bx - ax, dy = by - ay;
  const double len2 = dx * dx + dy * dy;
  const double t = len2 > 0.0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
  const double x = ax + t * dx, y = ay + t * dy;
  return x * x + y * y;
}

// An edge's ends in the gnomonic plane.
struct Segment {
  double ax, ay, bx, by;
};

// The gnomonic plane tangent at a position (its centre c, from the position's sines and
// cosines), with the cosine of its latitude.
struct Plane : GnomonicFrame {
  double cos_lat;

  Plane(double lat_deg, double lon_deg) {
    const geo::SinCos lat = geo::SinCosDeg(lat_deg), lon = geo::SinCosDeg(lon_deg);
    const double sl = lat.sin, cl = lat.cos, so = lon.sin, co = lon.cos;
    cos_lat = cl;
    c = S2Point(cl * co, cl * so, sl);
    e = S2Point(-so, co, 0.0);
    n = S2Point(-sl * co, -sl * so, cl);
  }

  // Walks the `edges` edges of the vertex chain v, projecting each vertex once for the two
  // edges it ends: planar(seg) for an edge whose ends both project (seg holds them), else
  // off(a, b) with its ends on the sphere (an edge reaching the horizon; only a very long
  // one can also come near).
  template <typename P, typename O>
  void ForEachEdge(const S2Point* v, std::uint32_t edges, P&& planar, O&& off) const {
    Segment seg;
    bool a_on = Project(v[0], seg.ax, seg.ay);
    for (std::uint32_t j = 0; j < edges; ++j) {
      const bool b_on = Project(v[j + 1], seg.bx, seg.by);
      if (a_on && b_on) {
        planar(seg);
      } else {
        off(v[j], v[j + 1]);
      }
      seg.ax = seg.bx;
      seg.ay = seg.by;
      a_on = b_on;
    }
  }

  // tan^2 of the angle from c to the edge (a, b), measured on the sphere; infinite from 90
  // degrees (where tan^2 no longer orders angles).
  double SphereTan2(const S2Point& a, const S2Point& b) const {
    const double angle = S2::GetDistance(c, a, b).radians();
    const double t = std::tan(angle);
    return angle < M_PI / 2 ? t * t : std::numeric_limits<double>::infinity();
  }

  // tan^2 of the angle from c to each of the `edges` edges of the vertex chain v, passed to
  // each(tan2, seg, planar): in the plane when both ends project (then `seg` holds them and
  // `planar` is true), else on the sphere.
  template <typename F>
  void ChainTan2(const S2Point* v, std::uint32_t edges, F&& each) const {
    ForEachEdge(
        v, edges,
        [&](const Segment& seg) {
          each(SegmentDistance2(seg.ax, seg.ay, seg.bx, seg.by), seg, true);
        },
        [&](const S2Point& a, const S2Point& b) { each(SphereTan2(a, b), Segment{}, false); });
  }

  // Lowers `best` (a tan^2 of an angle from c) to the least of ChainTan2's values for the
  // chain where one is below it. The same values (to a rounding), at less cost: an edge's
  // nearest point is an end, or the foot of the perpendicular, |a x b| / |b - a| from the
  // origin, compared with best squared out, so that an edge passing beyond best takes no
  // division. The comparison allows for the rounding of the cross product (1e-15 of its
  // terms) and of best (1e-12), so an edge it passes over is beyond best by more than the
  // rounding of its distance.
  void LowerBest(const S2Point* v, std::uint32_t edges, double& best) const {
    ForEachEdge(
        v, edges,
        [&](const Segment& seg) {
          const double dx = seg.bx - seg.ax, dy = seg.by - seg.ay;
          const double along = -(seg.ax * dx + seg.ay * dy);  // the foot's fraction, times len2
          const double len2 = dx * dx + dy * dy;
          if (along <= 0.0) {
            best = std::min(best, seg.ax * seg.ax + seg.ay * seg.ay);
          } else if (along >= len2) {
            best = std::min(best, seg.bx * seg.bx + seg.by * seg.by);
          } else {
            const double p = seg.ax * seg.by, q = seg.ay * seg.bx, cross = p - q;
            const double m = 1e-15 * (std::abs(p) + std::abs(q));
            const double b = best * (1.0 + 1e-12);
            if (cross * cross <= b * len2 + m * (b + len2) + m * m) {
              best = std::min(best, SegmentDistance2(seg.ax, seg.ay, seg.bx, seg.by));
            }
          }
        },
        [&](const S2Point& a, const S2Point& b) { best = std::min(best, SphereTan2(a, b)); });
  }
};

// The region's whitening of the plane: (x, y) . major / A and (x, y) . minor / B, with A and
// B its semi-axes on the plane; inside the region is within 1 of the origin.
struct Whitening {
  double ue, un, we, wn;

  // tan_extent: tan of the region's extent (k-sigma semi-major axis) as an angle.
  Whitening(const Region& region, double tan_extent) {
    const double az = region.azimuth_deg * kDeg;
    // A zero axis is given the smallest positive one so the whitening stays finite (a
    // degenerate region meets only what passes through it).
    const double a = std::max(tan_extent, 1e-300);
    const double b =
        region.semi_minor_m == region.semi_major_m
            ? a
            : std::max(std::tan(region.k_sigma * region.semi_minor_m / kEarthRadius_m), 1e-300);
    const double sin_az = az == 0.0 ? 0.0 : std::sin(az), cos_az = az == 0.0 ? 1.0 : std::cos(az);
    ue = sin_az / a;
    un = cos_az / a;
    we = cos_az / b;
    wn = -sin_az / b;
  }

  double Distance2(const Segment& s) const {
    return SegmentDistance2(ue * s.ax + un * s.ay, we * s.ax + wn * s.ay, ue * s.bx + un * s.by,
                            we * s.bx + wn * s.by);
  }
};

// Per zone met in the search: the smallest tan^2 of the angle to its border, and the
// smallest squared whitened distance.
struct Near {
  int zone;
  double tan2;
  double white2;
};

// A cell, cap or super-cell waiting in the best-first search, by the lower bound of its
// angle from the query point. A super-cell keeps its first row and its first column in the
// query's unwrapped frame.
struct Pending {
  double lb;
  std::uint32_t node;
  bool super_cell;
  int row0, col0;
  bool operator>(const Pending& o) const { return lb > o.lb; }
};

// A chain-tree node waiting in the nearest-border search, or a chain within reach, by the
// lower bound of its chord from the position.
struct ByBound {
  double lb;
  std::uint32_t index;  // into tree_, or cell_chains_
  bool operator>(const ByBound& o) const { return lb > o.lb; }
};

// Lower bound (radians) of the angle from (lat, lon) to any point between latitudes lat_lo
// and lat_hi and within lon_half of longitude lon_mid (degrees): the larger of the latitude
// gap and the distance to the nearer bounding meridian, cos(lat) * sin(longitude gap),
// taken through sin(g) >= g - g^3 / 6.
double BoxLowerBound(double lat, double lon, double cos_lat, double lat_lo, double lat_hi,
                     double lon_mid, double lon_half) {
  const double dlat = std::max({0.0, lat_lo - lat, lat - lat_hi});
  double d = lon - lon_mid;
  if (d > 180.0) d -= 360.0;
  if (d < -180.0) d += 360.0;
  const double g = std::min(std::max(std::abs(d) - lon_half, 0.0) * kDeg, M_PI / 2);
  return std::max(dlat * kDeg, cos_lat * (g - g * g * g / 6.0));
}

// The same for the square box of `size` degrees from (lat0, lon0).
double LowerBound(double lat, double lon, double cos_lat, double lat0, double lon0, double size) {
  return BoxLowerBound(lat, lon, cos_lat, lat0, lat0 + size, lon0 + 0.5 * size, 0.5 * size);
}

// The chord (straight-line distance between unit vectors) of an angle. Chords are a metric
// on the sphere as angles are, so every point of the cap of chord c about q lies at least
// |p - q| - c from p (and |p - q| taken from the difference has no cancellation, unlike
// 2 - 2 p.q: it is good to ~1e-16 at any distance). Searches compare chords, free of
// trigonometry; a chord is 2 sin(angle / 2), so chords order as angles do.
double Chord(double angle_rad) { return 2.0 * std::sin(0.5 * std::min(angle_rad, M_PI)); }

// A chord a little above the angle's, for rounding: what a search compares caps against.
double ChordAbove(double angle_rad) { return Chord(angle_rad) * (1.0 + 1e-12) + 1e-15; }

// Lower bound of the chord from p to any point of a cap (centre, chord of its radius).
inline double CapChordLowerBound(const S2Point& p, const S2Point& center, double chord) {
  return (p - center).Norm() - chord;
}

// Whether the cap can come within `limit` (a chord) of p: the same bound, squared, to
// spare the square root.
inline bool CapWithin(const S2Point& p, const S2Point& center, double chord, double limit) {
  const double reach = limit + chord;
  return (p - center).Norm2() <= reach * reach;
}

// The same two for a cap in floats (x, y, z, chord: a chain's half).
template <typename Cap>
inline double CapChordLowerBound(const S2Point& p, const Cap& cap) {
  return (p - S2Point(cap.x, cap.y, cap.z)).Norm() - cap.chord;
}
template <typename Cap>
inline bool CapWithin(const S2Point& p, const Cap& cap, double limit) {
  const double dx = p.x() - cap.x, dy = p.y() - cap.y, dz = p.z() - cap.z;
  const double reach = limit + cap.chord;
  return dx * dx + dy * dy + dz * dz <= reach * reach;
}

// A chain (its two halves' caps) against p: whether it can come within `limit` (a chord),
// and a lower bound of the chord from p to it.
template <typename C>
inline bool ChainWithin(const S2Point& p, const C& ch, double limit) {
  return CapWithin(p, ch.half[0], limit) || CapWithin(p, ch.half[1], limit);
}
template <typename C>
inline double ChainChordLowerBound(const S2Point& p, const C& ch) {
  return std::min(CapChordLowerBound(p, ch.half[0]), CapChordLowerBound(p, ch.half[1]));
}

// Calls each(first edge, edges) for the halves of a chain whose caps come within `limit` (a
// chord, read afresh for the second half, as each may lower it) of p.
template <typename C, typename F>
inline void ForEachHalf(const C& ch, const S2Point& p, const double& limit, F&& each) {
  const std::uint32_t first_half = ch.first_half();
  if (CapWithin(p, ch.half[0], limit)) each(ch.first_edge, first_half);
  if (ch.edges > first_half && CapWithin(p, ch.half[1], limit)) {
    each(ch.first_edge + first_half, ch.edges - first_half);
  }
}

// Calls each(w, edge) for each edge of the halves ForEachHalf passes, w its first vertex
// in the chain's plane vertices v (x, y, then the next vertex's).
template <typename C, typename F>
inline void ForEachPlaneEdge(const C& ch, const float* v, const S2Point& p, const double& limit,
                             F&& each) {
  ForEachHalf(ch, p, limit, [&](std::uint32_t first, std::uint32_t edges) {
    const float* w = v + 2 * (first - ch.first_edge);
    for (std::uint32_t j = 0; j < edges; ++j, w += 2) each(w, first + j);
  });
}

// The angle (radians) of a chord, less 1e-12 rad for rounding: a lower bound as an angle.
double AngleBelow(double chord) {
  return 2.0 * std::asin(std::clamp(0.5 * chord, -1.0, 1.0)) - 1e-12;
}

// CapChordLowerBound as an angle. A box of `size` degrees lies in the cap of radius size
// about its centre (half of it along the meridian, at most half of it along a parallel),
// which beats the latitude/longitude bound diagonally, where that one is short by up to
// sqrt(2).
double CapLowerBound(const S2Point& p, const S2Point& center, double chord) {
  return AngleBelow(CapChordLowerBound(p, center, chord));
}

// Half-widths (degrees) of the latitude/longitude box of the disc of radius_rad about a
// point whose latitude has cosine cos_lat (a cap's longitude half-width is asin(sin(r) /
// cos(lat)), all round when the cap holds a pole), with a margin for rounding.
struct HalfWidths {
  double lat_deg, lon_deg;
};
HalfWidths DiscHalfWidths(double radius_rad, double cos_lat) {
  constexpr double kMarginDeg = 1e-9;
  const double s = std::sin(std::min(radius_rad, M_PI / 2));
  const bool all_round = radius_rad >= M_PI / 2 || s >= cos_lat;
  return {radius_rad / kDeg + kMarginDeg,
          all_round ? 180.0 : std::asin(s / cos_lat) / kDeg + kMarginDeg};
}

}  // namespace

struct ZoneIndex::ChainReach {
  double qx = 0.0, qy = 0.0, reach2 = 0.0;
  double stretch = 0.0;  // the bound's 1 / cos^2 (0: no plane to decide in)

  ChainReach(const Chain& ch, const S2Point& q, double theta_rad) {
    if (ch.plane == kNoPlane) return;
    const GnomonicFrame frame = ChainFrame(ch);
    const double cq = q.DotProd(frame.c);
    // (Past 60 degrees from the centre the bound's slack, 1 / cos^2, is left to the exact
    // measure.)
    if (!(cq >= 0.5)) return;
    qx = q.DotProd(frame.e) / cq;
    qy = q.DotProd(frame.n) / cq;
    static const double cos_max = std::cos(kMaxPlaneRad);
    const double cos_r = std::min(cq, cos_max);
    stretch = 1.0 / (cos_r * cos_r) * (1.0 + 1e-12);
    Limit(theta_rad);
  }
  bool valid() const { return stretch > 0.0; }
  // A new theta (a search's shrinking limit).
  void Limit(double theta_rad) {
    const double reach = theta_rad * stretch + kPlaneErr;
    reach2 = reach * reach;
  }
  // The squared plane distance from q to the edge from plane vertex w: beyond reach2, the
  // edge is beyond theta.
  double Distance2(const float* w) const {
    return SegmentDistance2(w[0] - qx, w[1] - qy, w[2] - qx, w[3] - qy);
  }
  // A lower bound of the angle from q to an edge, from its squared plane distance d2.
  double AngleLowerBound(double d2) const {
    return std::max(0.0, (std::sqrt(d2) - kPlaneErr) / stretch);
  }
};

template <typename F, typename S>
void ZoneIndex::BestFirst(double lat_deg, double lon_deg, const S2Point& p, double cos_lat,
                          double radius_rad, F&& leaf, S&& settled) const {
  // The latitude/longitude box of the disc within `limit`; it shrinks with the limit.
  double limit = radius_rad;
  double lat_lo, lat_hi, lon_lo, lon_hi;
  auto set_box = [&] {
    const HalfWidths half = DiscHalfWidths(limit, cos_lat);
    lat_lo = lat_deg - half.lat_deg;
    lat_hi = lat_deg + half.lat_deg;
    lon_lo = lon_deg - half.lon_deg;
    lon_hi = lon_deg + half.lon_deg;
  };
  set_box();
  const int row0 = CellOf(lat_lo, 0.0) / kLonCells, row1 = CellOf(lat_hi, 0.0) / kLonCells;
  int col0 = static_cast<int>(std::floor((lon_lo + 180.0) / kCellDeg));
  int col1 = static_cast<int>(std::floor((lon_hi + 180.0) / kCellDeg));
  if (col1 - col0 + 1 > kLonCells) {  // all the way round: each column once
    col0 = static_cast<int>(std::floor((lon_deg + 180.0) / kCellDeg)) - kLonCells / 2;
    col1 = col0 + kLonCells - 1;
  }
  static const double cell_chord = Chord(kCellDeg * kDeg);
  thread_local std::vector<Pending> heap;
  heap.clear();
  auto push = [&](const Pending& entry) {
    heap.push_back(entry);
    std::push_heap(heap.begin(), heap.end(), std::greater<>());
  };
  // The cells with border edges in rows ra..rb and columns ca..cb of the query's unwrapped
  // frame, as stretches within the table.
  auto scan = [&](int ra, int rb, int ca, int cb) {
    for (int row = ra; row <= rb; ++row) {
      const std::uint64_t* bits = &occupied_[static_cast<size_t>(row) * kRowWords];
      const double lat0 = -kMaxLatDeg + row * kCellDeg;
      for (int c = ca; c <= cb;) {
        const int shift =
            static_cast<int>(std::floor(static_cast<double>(c) / kLonCells)) * kLonCells;
        const int a = c - shift, b = std::min(cb - shift, kLonCells - 1);
        for (int w = a / 64; w <= b / 64; ++w) {
          std::uint64_t word = bits[w];
          if (w == a / 64) word &= ~std::uint64_t{0} << (a % 64);
          if (w == b / 64 && b % 64 != 63) word &= (std::uint64_t{1} << (b % 64 + 1)) - 1;
          while (word != 0) {
            const int col = w * 64 + std::countr_zero(word);
            word &= word - 1;
            const double lon0 = -180.0 + (col + shift) * kCellDeg;
            double lb = LowerBound(lat_deg, lon_deg, cos_lat, lat0, lon0, kCellDeg);
            if (lb > limit) continue;
            const auto node = static_cast<std::uint32_t>(row * kLonCells + col);
            // (The computed centre may differ from the record's by rounding: the cell's
            // half-diagonal is under 0.18 degree, its cap 0.25.)
            lb = std::max(lb, CapLowerBound(p, CellCenter(row, col), cell_chord));
            if (lb <= limit && !settled(node, lb)) {
              __builtin_prefetch(&chain_start_[node]);  // wanted if it is opened
              push({lb, node, false, 0, 0});
            }
          }
        }
        c = b + shift + 1;
      }
    }
  };
  if (static_cast<long>(row1 - row0 + 1) * (col1 - col0 + 1) <= 4 * kSuper * kSuper) {
    scan(row0, row1, col0, col1);
  } else {  // a wide search: super-cells first, each opened when its turn comes
    const int s_col0 = static_cast<int>(std::floor(static_cast<double>(col0) / kSuper));
    const int s_col1 = static_cast<int>(std::floor(static_cast<double>(col1) / kSuper));
    for (int sr = row0 / kSuper; sr <= row1 / kSuper; ++sr) {
      const double lat0 = -kMaxLatDeg + sr * kSuper * kCellDeg;
      for (int su = s_col0; su <= s_col1; ++su) {
        const int sc = (su % kSuperCols + kSuperCols) % kSuperCols;
        if (!super_occupied_[sr * kSuperCols + sc]) continue;
        const double lon0 = -180.0 + su * kSuper * kCellDeg;
        const double lb = LowerBound(lat_deg, lon_deg, cos_lat, lat0, lon0, kSuper * kCellDeg);
        if (lb <= limit) push({lb, 0, true, sr * kSuper, su * kSuper});
      }
    }
  }
  for (int pole = 0; pole < 2; ++pole) {
    const std::uint32_t cap = cap_node_[pole];
    const double gap = pole == 0 ? lat_deg + kMaxLatDeg : kMaxLatDeg - lat_deg;
    const double lb = std::max(gap, 0.0) * kDeg;
    if (!Empty(cap) && lb <= limit && !settled(cap, lb)) push({lb, cap, false, 0, 0});
  }
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    const Pending top = heap.back();
    heap.pop_back();
    if (top.lb > limit) break;
    if (top.super_cell) {
      scan(std::max(top.row0, row0), std::min(top.row0 + kSuper - 1, row1),
           std::max(top.col0, col0), std::min(top.col0 + kSuper - 1, col1));
      continue;
    }
    if (settled(top.node, top.lb)) continue;
    const double next = leaf(top.node, top.lb);
    if (next < limit) {
      limit = next;
      set_box();
    }
  }
}

void ZoneIndex::Classify(double lat_deg, double lon_deg, const Region& region, double search_m,
                         Proximity& out) const {
  // The containment first: the leaf holding the position, its block asked for now if it
  // has one (it is read after the search).
  Walk walk{};
  std::uint32_t code = 0;
  walk.depth = -1;
  if (std::abs(lat_deg) < kMaxLatDeg) {
    code = LeafCode(lat_deg, lon_deg, walk, true);
    if (LeafBlock(code)) AskForBlock(code);
  }
  ClassifyAt(lat_deg, lon_deg, region, search_m, code, walk, out);
}

void ZoneIndex::ClassifyMany(const std::vector<RegionAt>& regions, double search_m,
                             std::vector<Proximity>& out) const {
  out.resize(regions.size());
  LatLngDeg pt[kGroup];
  std::uint32_t codes[kGroup];
  Walk walks[kGroup];
  for (size_t first = 0; first < regions.size(); first += kGroup) {
    const size_t n = std::min(kGroup, regions.size() - first);
    for (size_t j = 0; j < n; ++j) pt[j] = {regions[first + j].lat_deg, regions[first + j].lon_deg};
    LeafCodes(pt, n, codes, walks);
    // The leaves' clearances, which ClassifyAt reads first.
    for (size_t j = 0; j < n; ++j) {
      if (walks[j].depth >= 1) __builtin_prefetch(&node_clear_[walks[j].node]);
    }
    for (size_t j = 0; j < n; ++j) {
      ClassifyAt(pt[j].lat_deg, pt[j].lon_deg, regions[first + j].region, search_m, codes[j],
                 walks[j], out[first + j]);
    }
  }
}

void ZoneIndex::ClassifyAt(double lat_deg, double lon_deg, const Region& region, double search_m,
                           std::uint32_t code, const Walk& walk, Proximity& out) const {
  const double searched_m = std::max(search_m, region.extent_m());
  const double theta = searched_m / kEarthRadius_m;
  if (theta > kMaxSearchRad) {
    reference_.Classify(S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint(), region, search_m, out);
    return;
  }
  const bool in_table = walk.depth >= 0;
  const int cell = CellOf(lat_deg, lon_deg);
  const double theta_chord = ChordAbove(theta);
  bool clear = false;  // no border within theta
  if (in_table) {
    // A disc within the clearance of the leaf holding its centre reaches no border: the
    // answer is the containment alone, found without a search (most positions off the
    // borders).
    const double cos_lat = geo::SinCosDeg(lat_deg).cos;
    clear = ClearOfBorders(lat_deg, lon_deg, cos_lat, theta_chord, cell, walk);
  }
  thread_local std::vector<Near> near;
  near.clear();
  if (!clear) {
    // The search starts from the position's cell (whose fast codes the leaf's walk has
    // read): ask for its summary and chain list now, so their misses overlap the setup.
    if (in_table) {
      __builtin_prefetch(&summaries_[cell]);
      __builtin_prefetch(&chain_start_[cell]);
    }
    const Plane plane(lat_deg, lon_deg);
    const double cos_lat = plane.cos_lat;
    const double extent_rad = region.extent_m() / kEarthRadius_m;
    const double tan_extent = std::tan(extent_rad);
    const double tan2_extent = tan_extent * tan_extent;
    const Whitening whitening(region, tan_extent);
    const double tan_theta = theta == extent_rad ? tan_extent : std::tan(theta);
    const double tan2_searched = tan_theta * tan_theta;
    // What arrived meanwhile says where to ask next: the masks and planes of the cell's
    // chain copies (its first eight copies asked for too: 1.0x, A/B).
    if (in_table && chain_start_[cell] < chain_start_[cell + 1]) {
      __builtin_prefetch(&cell_chain_mask_[chain_start_[cell]]);
      __builtin_prefetch(&cell_chain_plane_[chain_start_[cell]]);
    }
    auto find = [&](int zone) -> Near* {
      for (Near& m : near) {
        if (m.zone == zone) return &m;
      }
      return nullptr;
    };
    // Nothing at least `lb` away can bring the zone nearer, or newly into the region.
    auto done = [&](const Near* n, double lb, double tan2_lb) {
      return n != nullptr && tan2_lb >= n->tan2 && (n->white2 <= 1.0 || lb > extent_rad);
    };
    // An edge's tan^2 (and its segment in the position's plane, if planar) into its zone's
    // entry n (created when null).
    auto take = [&](std::int32_t zone, Near*& n, double tan2, const Segment& seg, bool planar) {
      if (tan2 > tan2_searched) return;
      // Off the plane, the region's whole disc is taken as the region.
      const double white2 = planar ? whitening.Distance2(seg) : (tan2 <= tan2_extent ? 0.0 : 2.0);
      if (n == nullptr) {
        near.push_back({zone, tan2, white2});
        n = &near.back();
      } else {
        n->tan2 = std::min(n->tan2, tan2);
        n->white2 = std::min(n->white2, white2);
      }
    };
    // Chains are measured in their planes first: of their edges, the few the plane cannot
    // place beyond theta wait here (with the plane's lower bound of their angle, edge and
    // zone), their exact vertices asked for, and are measured a handful at a time, so that
    // their misses overlap and a zone settled by them passes over its later chains (1.07x
    // at 1 km and 1.04x at 10 km against each chain's edges measured before the next
    // chain's plane is read, A/B). Nearest first by that bound, so that an edge its zone's
    // nearer ones have settled is passed over: five in six of the bench's 1 km discs'
    // (1.02x at 1 km, 1.09x at 10 km, A/B).
    constexpr size_t kExactBatch = 8;
    struct Exact {
      double lb;
      std::uint32_t edge;
      std::int32_t zone;
    };
    thread_local std::vector<Exact> exact;
    exact.clear();
    auto measure_exact = [&] {
      std::sort(exact.begin(), exact.end(),
                [](const Exact& a, const Exact& b) { return a.lb < b.lb; });
      for (const auto& [lb, k, zone] : exact) {
        Near* n = find(zone);
        if (done(n, lb, lb * lb)) continue;
        plane.ChainTan2(&vertices_[k], 1, [&](double tan2, const Segment& seg, bool planar) {
          take(zone, n, tan2, seg, planar);
        });
      }
      exact.clear();
    };
    // A chain's edges that may be within theta: to `exact` from its plane, else (a chain
    // without one) measured at once.
    auto measure = [&](const Chain& ch, Near* n) {
      const ChainReach reach(ch, plane.c, theta);
      if (!reach.valid()) {
        ForEachHalf(ch, plane.c, theta_chord, [&](std::uint32_t first, std::uint32_t edges) {
          plane.ChainTan2(&vertices_[first], edges,
                          [&](double tan2, const Segment& seg, bool planar) {
                            take(ch.zone, n, tan2, seg, planar);
                          });
        });
        return;
      }
      ForEachPlaneEdge(ch, &chain_plane_[2 * size_t{ch.plane}], plane.c, theta_chord,
                       [&](const float* w, std::uint32_t edge) {
                         const double d2 = reach.Distance2(w);
                         if (d2 > reach.reach2) return;
                         exact.push_back({reach.AngleLowerBound(d2), edge, ch.zone});
                         __builtin_prefetch(&vertices_[edge]);
                         __builtin_prefetch(&vertices_[edge + 1]);
                       });
    };
    // A node whose border zones are all done (lb^2 <= tan^2 lb: a weaker test, still sound).
    auto settled = [&](std::uint32_t node, double lb) {
      const Summary& sum = SummaryOf(node);
      if (sum.zone[1] == kMany) return false;
      for (const std::int32_t z : sum.zone) {
        if (z >= 0 && !done(find(z), lb, lb * lb)) return false;
      }
      return true;
    };
    // The disc's latitude/longitude box (BestFirst's), for the sub-cells it meets (which
    // hold the chains that may come within it).
    const HalfWidths half = DiscHalfWidths(theta, cos_lat);
    BestFirst(
        lat_deg, lon_deg, plane.c, cos_lat, theta,
        [&](std::uint32_t node, double) {
          // The chains within reach first, their vertices asked for together, then measured.
          thread_local std::vector<ByBound> reach;
          reach.clear();
          const std::uint32_t list = SearchList(node);
          const std::uint64_t disc =
              node < kLatCells * kLonCells
                  ? SubCellMask(static_cast<int>(node), lat_deg - half.lat_deg,
                                lat_deg + half.lat_deg, lon_deg, half.lon_deg)
                  : ~std::uint64_t{0};  // a cap
          // The copies whose sub-cells meet the disc's, their records asked for together
          // (1.04x at 1 km, 1.05x at 10 km, A/B, against each read as its mask is), and
          // their planes with them (cell_chain_plane_).
          thread_local std::vector<std::uint32_t> hits;
          hits.clear();
          for (std::uint32_t i = chain_start_[list]; i < chain_start_[list + 1]; ++i) {
            if ((cell_chain_mask_[i] & disc) == 0) continue;
            hits.push_back(i);
            __builtin_prefetch(&cell_chains_[i]);
            if (cell_chain_plane_[i] != kNoPlane) {
              PrefetchPlaneLines(cell_chain_plane_[i], kChainEdges + 1);  // the most it has
            }
          }
          for (const std::uint32_t i : hits) {
            const Chain& ch = cell_chains_[i];
            const double lb = BoxLowerBound(lat_deg, lon_deg, cos_lat, ch.lat_lo, ch.lat_hi,
                                            ch.lon_mid, ch.lon_half);
            if (lb > theta || !ChainWithin(plane.c, ch, theta_chord)) continue;
            reach.push_back({lb, i});
            if (ch.plane == kNoPlane) PrefetchVertices(ch);  // (the plane's are asked for)
          }
          for (const ByBound& r : reach) {
            if (exact.size() >= kExactBatch) measure_exact();
            const Chain& ch = cell_chains_[r.index];
            double lb = r.lb;
            Near* n = find(ch.zone);
            if (n != nullptr) {  // the zone met already: is this chain any use?
              lb = std::max(lb, AngleBelow(ChainChordLowerBound(plane.c, ch)));
              if (done(n, lb, lb * lb)) continue;
            }
            measure(ch, n);
          }
          measure_exact();
          return theta;
        },
        settled);
  }
  thread_local std::vector<int> containing;
  if (!in_table) {
    Containing(lat_deg, lon_deg, containing);
  } else if (LeafBlock(code)) {
    Resolve(code & kCodeMask, LatLngDeg{lat_deg, lon_deg}, containing);
  } else {
    containing.clear();
    if (code != 0) containing.push_back(static_cast<int>(code - 1));
  }
  out.zones.clear();
  out.searched_m = searched_m;
  bool straddles = false;
  for (int z : containing) out.zones.push_back({.zone = z, .contains = true});
  for (const Near& n : near) {
    ZoneNearby* zn = nullptr;
    for (ZoneNearby& c : out.zones) {
      if (c.zone == n.zone) zn = &c;
    }
    if (zn == nullptr) {
      out.zones.push_back({.zone = n.zone});
      zn = &out.zones.back();
    }
    zn->border_m = std::atan(std::sqrt(n.tan2)) * kEarthRadius_m;
    if (n.white2 <= 1.0) {
      zn->region = RegionClass::kStraddles;
      straddles = true;
    }
  }
  for (ZoneNearby& z : out.zones) {
    if (z.region != RegionClass::kStraddles) {
      z.region = z.contains ? RegionClass::kInside : RegionClass::kOutside;
    }
  }
  std::sort(out.zones.begin(), out.zones.end(),
            [](const ZoneNearby& a, const ZoneNearby& b) { return a.zone < b.zone; });
  out.overall = straddles            ? RegionClass::kStraddles
                : containing.empty() ? RegionClass::kOutside
                                     : RegionClass::kInside;
}

bool ZoneIndex::ClearOfBorders(double lat_deg, double lon_deg, double cos_lat, double theta_chord,
                               int cell, const Walk& walk) const {
  const double clear =
      Chord16(walk.depth == 0 ? block_clear_[BlockOf(cell)] : node_clear_[walk.node]);
  if (clear <= theta_chord) return false;
  // |p - c| <= 2 sqrt(hav(dlat) + cos(lat_p) cos(lat_c) hav(dlon)), hav(x) <= x^2 / 4,
  // cos(lat_p) cos(lat_c) <= cos^2(mid latitude) and that cosine is at most cos(lat_p) +
  // |dlat| / 2: so |p - c| <= sqrt(dlat^2 + (cos(lat_p) + |dlat| / 2)^2 dlon^2).
  const double dlat = (lat_deg - (walk.lat0 + 0.5 * walk.size)) * kDeg;
  const double dlon = (lon_deg - (walk.lon0 + 0.5 * walk.size)) * kDeg;
  const double cos_mid = cos_lat + 0.5 * std::abs(dlat);
  const double off2 = dlat * dlat + cos_mid * cos_mid * dlon * dlon;
  // (With margins for the rounding of the walk's box against the centre the chord was
  // measured from, and of this arithmetic.)
  const double room = clear - theta_chord - 1e-12;
  return room > 0.0 && off2 * (1.0 + 1e-9) < room * room;
}

std::uint16_t ZoneIndex::ChordDown16(double chord) {
  float f = static_cast<float>(chord);
  if (f > chord) f = std::nextafter(f, 0.0f);
  return static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(f) >> 16);  // down, as f >= 0
}

void ZoneIndex::BuildClearances() {
  // The chord from (lat, lon) to its nearest border, rounded down (the search's angle is
  // within 1e-15 rad; none: the largest chord).
  auto clearance = [&](double lat_deg, double lon_deg) -> std::uint16_t {
    const double angle = Nearest(lat_deg, lon_deg).distance_m / kEarthRadius_m;
    if (!(angle < M_PI)) return ChordDown16(2.0);
    return ChordDown16(std::max(0.0, Chord(angle * (1.0 - 1e-9) - 1e-12)));
  };
  block_clear_.assign(block_fast_.size(), 0);
  for (size_t b = 0; b < block_fast_.size(); ++b) {
    if (block_fast_[b] >= kFastChildren) continue;  // not an answer
    // (The block's box as a lookup's walk has it, whose centre ClearOfBorders takes.)
    const int row = static_cast<int>(b) / kBlockCols * kBlock, col = b % kBlockCols * kBlock;
    const Walk block = BlockWalk(row * kLonCells + col);
    block_clear_[b] = clearance(block.lat0 + 0.5 * block.size, block.lon0 + 0.5 * block.size);
  }
  // The leaves (not the caps), shared among the machine's cores.
  const size_t nodes = cap_node_[0];
  node_clear_.assign(nodes, 0);
  auto work = [&](size_t first, size_t step) {
    for (size_t i = first; i < nodes; i += step) {
      if (nodes_[i].first_child != 0) continue;
      const S2LatLng at(nodes_[i].center);
      node_clear_[i] = clearance(at.lat().degrees(), at.lng().degrees());
    }
  };
  const size_t threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work, t, threads);
  work(0, threads);
  for (std::thread& helper : helpers) helper.join();
}

void ZoneIndex::BuildLists() {
  if (chains_.size() >= kSubCells) throw std::length_error("ZoneIndex: too many border chains");
  const int cells = kLatCells * kLonCells;
  // Empty lists until they are made (Nearest asks for a cell's entry, then searches as usual).
  far_start_.assign(cells + 1, 0);
  // A cell's (or sub-cell's) radius, the same along its row: its farthest point from the
  // centre is a corner (along a side the distance from the centre has one minimum), with a
  // margin for rounding.
  auto radius = [](const S2Point& c, double lat0, double lon0, double size) {
    double r = 0.0;
    for (const double lat : {lat0, lat0 + size}) {
      for (const double lon : {lon0, lon0 + size}) {
        r = std::max(r, c.Angle(S2LatLng::FromDegrees(lat, lon).ToPoint()));
      }
    }
    return r * (1.0 + 1e-9) + 1e-12;
  };
  constexpr double kSubDeg = kCellDeg / kSub;
  std::vector<double> row_radius(kLatCells), sub_radius(kLatCells * kSub);
  for (int row = 0; row < kLatCells; ++row) {
    const double lat0 = -kMaxLatDeg + row * kCellDeg;
    row_radius[row] = radius(CellCenter(row, 0), lat0, -180.0, kCellDeg);
    for (int sr = 0; sr < kSub; ++sr) {
      sub_radius[row * kSub + sr] =
          radius(SubCenter(row, 0, sr, 0), lat0 + sr * kSubDeg, -180.0, kSubDeg);
    }
  }
  // The chains with an edge within `reach` (a chord) of c, through the chain tree, with
  // their distances from c (S2's, within 1e-15), nearest first.
  auto within = [&](const S2Point& c, double reach, std::vector<FarChain>& list) {
    thread_local std::vector<std::uint32_t> stack;
    thread_local std::vector<std::pair<double, std::uint32_t>> found;
    found.clear();
    stack.assign(1, 0);
    while (!stack.empty()) {
      const TreeNode& node = tree_[stack.back()];
      stack.pop_back();
      if (!CapWithin(c, node.center, node.chord, reach)) continue;
      for (std::uint32_t i = node.first; i < node.first + node.count; ++i) {
        if (!node.leaf) {
          stack.push_back(i);
        } else {  // measured in the halves within reach (which hold any edge within it)
          S1ChordAngle dist = S1ChordAngle::Infinity();
          ForEachHalf(chains_[i], c, reach, [&](std::uint32_t from, std::uint32_t edges) {
            for (std::uint32_t k = from; k < from + edges; ++k) {
              S2::UpdateMinDistance(c, vertices_[k], vertices_[k + 1], &dist);
            }
          });
          const double lb = std::sqrt(dist.length2()) - 1e-13;
          if (lb <= reach) found.push_back({lb, i});
        }
      }
    }
    std::sort(found.begin(), found.end());
    for (const auto& [lb, i] : found) {
      list.push_back({i, std::nextafter(static_cast<float>(lb), -1.0f)});
    }
  };
  // Per cell: its list if it is far (one list), else its sub-cells' (kSub * kSub lists, an
  // empty one where the nearest border is out of the table's reach), or none.
  struct CellLists {
    bool far = false;
    std::vector<std::uint32_t> ends;  // per list, its end in `chains`
    std::vector<FarChain> chains;
  };
  std::vector<CellLists> lists(cells);
  // Each cell asks Nearest of its centre (and its sub-cells') and the chain tree for the
  // chains within reach: independent work, shared among the machine's cores (cells taken
  // in turn).
  auto work = [&](int first, int step) {
    for (int cell = first; cell < cells; cell += step) {
      if (cell_near_[cell] == kNoEdge) continue;
      const int row = cell / kLonCells, col = cell % kLonCells;
      const double lat0 = -kMaxLatDeg + row * kCellDeg, lon0 = -180.0 + col * kCellDeg;
      const double r = row_radius[row];
      const double d =
          Nearest(lat0 + 0.5 * kCellDeg, lon0 + 0.5 * kCellDeg).distance_m / kEarthRadius_m;
      CellLists& out = lists[cell];
      if (d >= r) {  // far: one list about the cell's centre
        if (d + 2.0 * r >= kMaxNearestRad) continue;
        out.far = true;
        within(CellCenter(row, col), ChordAbove(d + 2.0 * r + 1e-9), out.chains);
        out.ends.push_back(static_cast<std::uint32_t>(out.chains.size()));
        continue;
      }
      for (int sr = 0; sr < kSub; ++sr) {
        const double rs = sub_radius[row * kSub + sr];
        for (int sc = 0; sc < kSub; ++sc) {
          const double ds =
              Nearest(lat0 + (sr + 0.5) * kSubDeg, lon0 + (sc + 0.5) * kSubDeg).distance_m /
              kEarthRadius_m;
          if (ds + 2.0 * rs < kMaxNearestRad) {
            within(SubCenter(row, col, sr, sc), ChordAbove(ds + 2.0 * rs + 1e-9), out.chains);
          }
          out.ends.push_back(static_cast<std::uint32_t>(out.chains.size()));
        }
      }
    }
  };
  const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) helpers.emplace_back(work, t, threads);
  work(0, threads);
  for (std::thread& helper : helpers) helper.join();
  // Laid out cell by cell; a cell takes its lists only if none is empty (else it keeps
  // its search through the cells). A far cell's search starts from its first chain (the
  // vertices asked for with it); a cell of sub-cells, from its sub-cell's record.
  for (int cell = 0; cell < cells; ++cell) {
    far_start_[cell] = static_cast<std::uint32_t>(far_chains_.size());
    const CellLists& in = lists[cell];
    bool complete = !in.ends.empty();
    for (size_t k = 0; k < in.ends.size(); ++k) {
      complete = complete && in.ends[k] > (k == 0 ? 0 : in.ends[k - 1]);
    }
    if (!complete) continue;
    const auto base = static_cast<std::uint32_t>(far_chains_.size());
    far_chains_.insert(far_chains_.end(), in.chains.begin(), in.chains.end());
    if (in.far) {
      ++stats_.far_cells;
      cell_near_[cell] = kFarCell | in.chains.front().chain;
      cell_near_edge_[cell] = chains_[in.chains.front().chain].first_edge;
      continue;
    }
    if (sub_lists_.size() >= kSubCells) throw std::length_error("ZoneIndex: too many sub-cells");
    ++stats_.sub_cells;
    cell_near_[cell] = kSubCells | static_cast<std::uint32_t>(sub_lists_.size());
    cell_near_edge_[cell] = 0;
    for (size_t k = 0; k < in.ends.size(); ++k) {
      const std::uint32_t start = base + (k == 0 ? 0 : in.ends[k - 1]);
      const std::uint32_t first = far_chains_[start].chain;
      sub_lists_.push_back({first, chains_[first].first_edge, start, base + in.ends[k]});
    }
  }
  far_start_[cells] = static_cast<std::uint32_t>(far_chains_.size());
  stats_.far_chains = far_chains_.size();
}

NearestBorder ZoneIndex::Nearest(double lat_deg, double lon_deg) const {
  const int cell = CellOf(lat_deg, lon_deg);
  // The cell's chains are where a search near borders goes first: ask for their start now,
  // and for the vertices of the chain the search measures first.
  const bool in_table = std::abs(lat_deg) < kMaxLatDeg;
  if (in_table) {
    __builtin_prefetch(&chain_start_[cell]);
    __builtin_prefetch(&far_start_[cell]);
  }
  constexpr int kChainLines = ((kChainEdges + 1) * sizeof(S2Point) + 63) / 64 + 1;  // at most
  auto ask_for_vertices = [&](std::uint32_t edge) {
    // (Pointer arithmetic, not vertices_[...]: a set without borders has no vertices.)
    const auto* first = reinterpret_cast<const char*>(vertices_.data() + edge);
    for (int line = 0; line < kChainLines; ++line) __builtin_prefetch(first + 64 * line);
  };
  ask_for_vertices(cell_near_edge_[cell]);
  const std::uint32_t near = cell_near_[cell];
  if (near == kNoEdge) return reference_.Nearest(S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint());
  // A listed cell (far from borders, or a sub-cell) starts from the first of its list's
  // chains, the others to come; the rest from the cell's near chain.
  std::uint32_t start = near & kNearMask, from = 0, to = 0;
  const bool listed = in_table && (near & (kFarCell | kSubCells)) != 0;
  const int row = cell / kLonCells, col = cell % kLonCells;
  int sr = 0, sc = 0;  // the sub-cell, if any
  if ((near & kFarCell) != 0) {
    from = far_start_[cell] + 1;
    to = far_start_[cell + 1];
  } else if ((near & kSubCells) != 0) {  // (beyond the table, a start all the same)
    // The sub-cell as CellOf finds the cell, from the same quotients (clamped, so a point
    // on the cell's far side falls in its last sub-cell).
    const double y = (lat_deg + kMaxLatDeg) / kCellDeg, x = (lon_deg + 180.0) / kCellDeg;
    sr = std::clamp(static_cast<int>((y - row) * kSub), 0, kSub - 1);
    sc = std::clamp(static_cast<int>((x - col) * kSub), 0, kSub - 1);
    const SubList& sub = sub_lists_[start + sr * kSub + sc];
    start = sub.first_chain;
    ask_for_vertices(sub.first_edge);
    from = sub.start + 1;
    to = sub.end;
  }
  __builtin_prefetch(&chains_[start]);
  if (listed) __builtin_prefetch(far_chains_.data() + from);  // may be the end
  // The cell's chain bounds the search; tan^2 of the angle orders edges below 90 degrees.
  const Plane plane(lat_deg, lon_deg);
  if (in_table && !listed) PrefetchCellChains(cell);
  double best_tan2 = std::numeric_limits<double>::infinity();
  int best_zone = -1;
  // The angle to beat and its chord, shrinking as chains are measured.
  double limit = M_PI, chord = 2.0;
  // Measures a chain's edges against the best so far, and tightens the limit: in the
  // chain's plane first where it has one, on the exact vertices only the edges that may
  // come nearer: the nearest in the plane first, so the limit shrinks before the others
  // are read, then the rest in order (1.05x near borders against the chain's order, 0.985x
  // from uniform points, A/B; sorting them all by their bounds, 1.04x and 0.94x). The
  // first chain too, with no limit yet: its plane-nearest edge sets one (1.19x near
  // borders, 1.03x uniform, against its edges all measured exactly).
  auto take = [&](const Chain& ch) {
    ChainReach reach(ch, plane.c, limit);
    if (reach.valid()) {
      ByBound wanted[kChainEdges];  // squared plane distance, edge
      std::uint32_t count = 0, nearest = 0;
      ForEachPlaneEdge(ch, &chain_plane_[2 * size_t{ch.plane}], plane.c, chord,
                       [&](const float* w, std::uint32_t edge) {
                         const double d2 = reach.Distance2(w);
                         if (d2 > reach.reach2) return;
                         if (count == 0 || d2 < wanted[nearest].lb) nearest = count;
                         wanted[count++] = {d2, edge};
                         __builtin_prefetch(&vertices_[edge]);
                       });
      auto measure = [&](std::uint32_t edge) {
        const double before = best_tan2;
        plane.LowerBest(&vertices_[edge], 1, best_tan2);
        if (best_tan2 < before) {
          best_zone = ch.zone;
          limit = std::atan(std::sqrt(best_tan2));
          chord = ChordAbove(limit);
          reach.Limit(limit);
        }
      };
      if (count != 0) measure(wanted[nearest].index);
      for (std::uint32_t i = 0; i < count; ++i) {
        if (i != nearest && wanted[i].lb <= reach.reach2) measure(wanted[i].index);
      }
      return;
    }
    ForEachHalf(ch, plane.c, chord, [&](std::uint32_t first, std::uint32_t edges) {
      const double before = best_tan2;
      plane.LowerBest(&vertices_[first], edges, best_tan2);
      if (best_tan2 < before) {
        best_zone = ch.zone;
        limit = std::atan(std::sqrt(best_tan2));
        chord = ChordAbove(limit);
      }
    });
  };
  take(chains_[start]);
  const double bound = limit;
  if (bound > kMaxNearestRad) return reference_.Nearest(plane.c);
  limit = bound * (1.0 + 1e-12) + 1e-15;
  chord = ChordAbove(limit);
  const double cos_lat = plane.cos_lat;
  // Whether a chain can hold an edge within the limit.
  auto reaches = [&](const Chain& ch) {
    return ChainWithin(plane.c, ch, chord) &&
           BoxLowerBound(lat_deg, lon_deg, cos_lat, ch.lat_lo, ch.lat_hi, ch.lon_mid,
                         ch.lon_half) <= limit;
  };
  if (listed) {  // the list holds the nearest border: measured where a half can reach
    constexpr std::uint32_t kAhead = 8;  // chains asked for ahead of their test
    for (std::uint32_t i = from; i < std::min(to, from + kAhead); ++i) {
      __builtin_prefetch(&chains_[far_chains_[i].chain]);
    }
    // Chains are listed by their distance (chord) from the list's centre c: the position is
    // at least that less |p - c| from them (chords are a metric), so the rest are beyond.
    const S2Point c = (near & kFarCell) != 0 ? CellCenter(row, col) : SubCenter(row, col, sr, sc);
    const double off = (plane.c - c).Norm() + 1e-12;
    for (std::uint32_t i = from; i < to; ++i) {
      if (far_chains_[i].lb - off > chord) break;
      if (i + kAhead < to) __builtin_prefetch(&chains_[far_chains_[i + kAhead].chain]);
      const Chain& ch = chains_[far_chains_[i].chain];
      if (reaches(ch)) take(ch);
    }
    return {best_zone, std::atan(std::sqrt(best_tan2)) * kEarthRadius_m};
  }
  if (bound > kTreeMinRad) {
    thread_local std::vector<ByBound> heap;
    heap.clear();
    heap.push_back({0.0, 0});
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      const ByBound top = heap.back();
      heap.pop_back();
      if (top.lb > chord) break;
      const TreeNode& node = tree_[top.index];
      if (node.leaf) {             // the chains within reach, their vertices asked for together
        std::uint32_t within = 0;  // a bit per member
        for (std::uint32_t i = 0; i < node.count; ++i) {
          if (reaches(chains_[node.first + i])) {
            within |= 1u << i;
            PrefetchPlane(chains_[node.first + i]);
          }
        }
        for (std::uint32_t i = 0; i < node.count; ++i) {
          if ((within >> i & 1) && reaches(chains_[node.first + i])) take(chains_[node.first + i]);
        }
        continue;
      }
      for (std::uint32_t i = node.first; i < node.first + node.count; ++i) {
        const TreeNode& child = tree_[i];
        if (!CapWithin(plane.c, child.center, child.chord, chord)) continue;
        heap.push_back({CapChordLowerBound(plane.c, child.center, child.chord), i});
        std::push_heap(heap.begin(), heap.end(), std::greater<>());
      }
    }
    return {best_zone, std::atan(std::sqrt(best_tan2)) * kEarthRadius_m};
  }
  BestFirst(
      lat_deg, lon_deg, plane.c, cos_lat, limit,
      [&](std::uint32_t node, double) {
        // The chains within reach, measured nearest first (by their caps) so the limit
        // shrinks early and the farther ones are passed over.
        thread_local std::vector<ByBound> reach;
        reach.clear();
        const std::uint32_t list = SearchList(node);
        for (std::uint32_t i = chain_start_[list]; i < chain_start_[list + 1]; ++i) {
          const Chain& ch = cell_chains_[i];
          if (reaches(ch)) {
            reach.push_back({ChainChordLowerBound(plane.c, ch), i});
            PrefetchPlane(ch);  // as soon as it is known to be wanted
          }
        }
        std::sort(reach.begin(), reach.end(),
                  [](const ByBound& a, const ByBound& b) { return a.lb < b.lb; });
        for (const ByBound& r : reach) {
          if (r.lb > chord) break;
          take(cell_chains_[r.index]);
        }
        return limit;
      },
      [](std::uint32_t, double) { return false; });
  return {best_zone, std::atan(std::sqrt(best_tan2)) * kEarthRadius_m};
}

}  // namespace satfence::zones
