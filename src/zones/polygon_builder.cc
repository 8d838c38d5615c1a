#include "satfence/zones/polygon_builder.h"

#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "s2/s2builder.h"
#include "s2/s2builderutil_s2polyline_vector_layer.h"
#include "s2/s2builderutil_snap_functions.h"
#include "s2/s2edge_crossings.h"
#include "s2/s2error.h"
#include "s2/s2latlng.h"
#include "s2/s2loop.h"
#include "s2/s2loop_measures.h"
#include "s2/s2polyline.h"
#include "satfence/zones/region.h"

namespace satfence::zones {
namespace {

std::string Where(LonLat p) {
  return absl::StrFormat("(lon %.9g, lat %.9g)", p.lon_deg, p.lat_deg);
}
std::string Where(const S2Point& p) {
  const S2LatLng ll(p);
  return Where({ll.lng().degrees(), ll.lat().degrees()});
}

std::string Path(bool multi, size_t part, size_t ring, std::optional<size_t> pos = {}) {
  std::string s = "coordinates";
  if (multi) absl::StrAppend(&s, "[", part, "]");
  absl::StrAppend(&s, "[", ring, "]");
  if (pos) absl::StrAppend(&s, "[", *pos, "]");
  return s;
}

// The unit vector of a position, with the antimeridian and the poles made exact: -180 and
// +180 give the same point (so parts cut along the antimeridian share their vertices
// bit for bit), and every longitude at a pole gives the pole itself.
S2Point ToPoint(const LonLat& q) {
  if (q.lat_deg == 90.0) return S2Point(0, 0, 1);
  if (q.lat_deg == -90.0) return S2Point(0, 0, -1);
  return S2LatLng::FromDegrees(q.lat_deg, q.lon_deg == -180.0 ? 180.0 : q.lon_deg).ToPoint();
}

struct Ring {
  std::vector<S2Point> points;
  std::vector<size_t> source_index;  // position in the input ring of each kept point
};

// Splits a ring that passes through the same point more than once (a "pinch", allowed in
// shapefiles, not in OGC or S2) into simple rings, each keeping the traversal direction.
std::vector<Ring> SplitAtRepeatedPoints(const Ring& ring) {
  std::vector<Ring> out;
  Ring path;
  std::map<std::tuple<double, double, double>, size_t> where;  // point -> index in path
  auto key = [](const S2Point& p) { return std::make_tuple(p.x(), p.y(), p.z()); };
  for (size_t i = 0; i < ring.points.size(); ++i) {
    const auto it = where.find(key(ring.points[i]));
    if (it != where.end()) {
      // Close the sub-ring from the earlier visit up to here.
      Ring sub;
      sub.points.assign(path.points.begin() + it->second, path.points.end());
      sub.source_index.assign(path.source_index.begin() + it->second, path.source_index.end());
      for (size_t j = it->second + 1; j < path.points.size(); ++j) where.erase(key(path.points[j]));
      path.points.resize(it->second + 1);
      path.source_index.resize(it->second + 1);
      if (sub.points.size() >= 3) out.push_back(std::move(sub));
      continue;
    }
    where[key(ring.points[i])] = path.points.size();
    path.points.push_back(ring.points[i]);
    path.source_index.push_back(ring.source_index[i]);
  }
  if (path.points.size() >= 3) out.push_back(std::move(path));
  return out;
}

// A ring that crosses itself on the sphere, noded there: S2Builder splits every pair of
// crossing geodesic edges at their intersection (S2's robust predicates; vertices within
// 1 mm merged, edges and their reverses dropped), giving closed walks that pass twice
// through each crossing; SplitAtRepeatedPoints then makes them simple rings, as for
// pinches. This is the spherical counterpart of a planar repair: where the ring's edges
// are geodesics, only it knows where they cross. Nothing if S2Builder cannot do it.
std::optional<std::vector<Ring>> NodeOnSphere(const Ring& ring) {
  constexpr double kSnap_m = 1e-3;
  S2Builder::Options options(
      s2builderutil::IdentitySnapFunction(S1Angle::Radians(kSnap_m / kEarthRadius_m)));
  options.set_split_crossing_edges(true);
  S2Builder builder(options);
  std::vector<std::unique_ptr<S2Polyline>> walks;
  s2builderutil::S2PolylineVectorLayer::Options layer;
  layer.set_polyline_type(S2Builder::Graph::PolylineType::WALK);
  layer.set_sibling_pairs(S2Builder::GraphOptions::SiblingPairs::DISCARD);
  layer.set_s2debug_override(S2Debug::DISABLE);
  builder.StartLayer(std::make_unique<s2builderutil::S2PolylineVectorLayer>(&walks, layer));
  const size_t n = ring.points.size();
  for (size_t i = 0; i < n; ++i) builder.AddEdge(ring.points[i], ring.points[(i + 1) % n]);
  S2Error error;
  if (!builder.Build(&error)) return std::nullopt;
  std::vector<Ring> out;
  for (const std::unique_ptr<S2Polyline>& walk : walks) {
    const int m = walk->num_vertices();
    if (m < 4 || walk->vertex(0) != walk->vertex(m - 1)) return std::nullopt;  // not closed
    Ring closed;
    for (int i = 0; i + 1 < m; ++i) {
      closed.points.push_back(walk->vertex(i));
      closed.source_index.push_back(ring.source_index[0]);
    }
    for (Ring& simple : SplitAtRepeatedPoints(closed)) out.push_back(std::move(simple));
  }
  return out;
}

}  // namespace

namespace {

// Builds one polygon (shell + holes) into `geometry`, or explains why it cannot be.
// Nothing is added to `geometry` unless the whole polygon is valid.
class PartBuilder {
 public:
  PartBuilder(bool multi, GeometryBuild& out, ZoneGeometry& geometry, const RingRepair& repair)
      : multi_(multi), out_(out), geometry_(geometry), repair_(repair) {}

  struct Failure {
    std::string path, message;
    bool fatal = false;
  };
  // A loop of the polygon, normalised (interior = smaller side), with its role.
  struct Piece {
    std::unique_ptr<S2Loop> loop;
    bool shell;
    size_t ring;
    Ring points;
  };

  // Builds polygon `p` into the geometry. A defect in a ring fails the polygon when there
  // is no repair hook; with one (lenient), a ring without area or beyond repair is dropped
  // and listed in `out_.dropped`, and when that ring is the shell, the polygon with it.
  std::optional<Failure> Build(const PolygonRings& rings, size_t p) {
    if (rings.empty()) return Failure{Path(multi_, p, 0), "polygon without rings"};
    std::vector<Piece> pieces;
    for (size_t r = 0; r < rings.size(); ++r) {
      std::optional<Failure> defect = AddRing(rings[r], p, r, pieces);
      if (!defect) continue;
      if (!repair_ || defect->fatal) return defect;
      if (r == 0) {
        out_.dropped.push_back({defect->path, "polygon dropped: its shell " + defect->message});
        return std::nullopt;
      }
      out_.dropped.push_back({defect->path, "hole dropped: " + defect->message});
    }
    return Assemble(pieces, p);
  }

 private:
  // Adds ring `r`'s loops to `pieces`, or says what is wrong with it. `fatal` defects
  // (coordinates out of range, an unclosed ring) are errors in the input's structure that
  // no repair can interpret.
  std::optional<Failure> AddRing(const std::vector<LonLat>& ring, size_t p, size_t r,
                                 std::vector<Piece>& pieces) {
    const bool multi = multi_;
    GeometryBuild& out = out_;
    auto fail = [&](std::string path, std::string message, bool fatal = false) {
      return std::optional<Failure>(Failure{std::move(path), std::move(message), fatal});
    };
    if (ring.size() < 4) {
      return fail(Path(multi, p, r),
                  absl::StrCat("ring has ", ring.size(),
                               " positions; a closed ring needs at least 4 (it has no area)"));
    }
    for (size_t i = 0; i < ring.size(); ++i) {
      const LonLat& q = ring[i];
      if (!std::isfinite(q.lon_deg) || q.lon_deg < -180.0 || q.lon_deg > 180.0 ||
          !std::isfinite(q.lat_deg) || q.lat_deg < -90.0 || q.lat_deg > 90.0) {
        return fail(Path(multi, p, r, i),
                    absl::StrCat("coordinate out of range ", Where(q),
                                 ": longitude must be in [-180, 180], latitude in [-90, 90]"),
                    /*fatal=*/true);
      }
    }
    if (ring.front().lon_deg != ring.back().lon_deg ||
        ring.front().lat_deg != ring.back().lat_deg) {
      return fail(Path(multi, p, r, ring.size() - 1),
                  absl::StrCat("ring is not closed: last position ", Where(ring.back()),
                               " differs from the first ", Where(ring.front())),
                  /*fatal=*/true);
    }

    // Unit vectors without the closing repeat, consecutive duplicates and spikes.
    Ring k;
    for (size_t i = 0; i + 1 < ring.size(); ++i) {
      const S2Point v = ToPoint(ring[i]);
      if (!k.points.empty() && k.points.back() == v) {
        ++out.duplicate_points_dropped;
        continue;
      }
      // a -> b -> a: drop b and the second a.
      if (k.points.size() >= 2 && k.points[k.points.size() - 2] == v) {
        k.points.pop_back();
        k.source_index.pop_back();
        ++out.spikes_removed;
        continue;
      }
      k.points.push_back(v);
      k.source_index.push_back(i);
    }
    // The same across the closing vertex.
    bool changed = true;
    while (changed && k.points.size() >= 3) {
      changed = false;
      if (k.points.back() == k.points.front()) {
        k.points.pop_back();
        k.source_index.pop_back();
        ++out.duplicate_points_dropped;
        changed = true;
      } else if (k.points[k.points.size() - 2] == k.points.front()) {
        k.points.resize(k.points.size() - 2);
        k.source_index.resize(k.source_index.size() - 2);
        ++out.spikes_removed;
        changed = true;
      } else if (k.points.back() == k.points[1]) {
        k.points.erase(k.points.begin());
        k.points.pop_back();
        k.source_index.erase(k.source_index.begin());
        k.source_index.pop_back();
        ++out.spikes_removed;
        changed = true;
      }
    }
    if (k.points.size() < 3) {
      return fail(Path(multi, p, r),
                  "ring collapses to fewer than 3 distinct points (repeated or back-and-forth "
                  "positions): it has no area");
    }

    // A ring that touches itself is split; each piece keeps the ring's direction, so a
    // piece turning the same way as the whole ring is a lobe, the other way a hole.
    std::vector<Ring> subs = SplitAtRepeatedPoints(k);
    if (subs.size() > 1) ++out.rings_split_at_touching_points;
    const bool ring_ccw = S2::GetSignedArea(S2PointLoopSpan(k.points)) >= 0;
    std::vector<Piece> added;
    for (Ring& sub : subs) {
      auto loop = std::make_unique<S2Loop>(sub.points, S2Debug::DISABLE);
      S2Error err;
      if (loop->FindValidationError(&err)) {
        const absl::Status repaired = RepairRing(ring, sub, /*shell=*/r == 0, r, added);
        if (repaired.ok()) {
          out.repairs.push_back(absl::StrCat(Path(multi, p, r), ": ", err.text()));
          continue;
        }
        static const std::regex kCross("Edge (\\d+) crosses edge (\\d+)");
        static const std::regex kEdge("Edge (\\d+)");
        std::smatch m;
        const std::string text = err.text();
        const size_t n = sub.points.size();
        const std::string beyond =
            repair_ ? absl::StrCat(", and ", repaired.message()) : std::string();
        if (std::regex_search(text, m, kCross)) {
          const size_t a = std::stoul(m[1]), b = std::stoul(m[2]);
          const S2Point x = S2::GetIntersection(sub.points[a], sub.points[(a + 1) % n],
                                                sub.points[b], sub.points[(b + 1) % n]);
          return fail(Path(multi, p, r, sub.source_index[a]),
                      absl::StrCat("ring crosses itself at ", Where(x), " (edges from positions ",
                                   sub.source_index[a], " and ", sub.source_index[b], ")",
                                   beyond));
        }
        size_t at = 0;
        if (std::regex_search(text, m, kEdge)) at = std::min<size_t>(std::stoul(m[1]), n - 1);
        return fail(Path(multi, p, r, sub.source_index[at]),
                    absl::StrCat("invalid ring near ", Where(sub.points[at]), ": ", text, beyond));
      }
      const bool sub_ccw = loop->IsNormalized();
      const bool shell = (r == 0) == (sub_ccw == ring_ccw);
      // RFC 7946: shells counter-clockwise, holes clockwise, around their smaller side.
      if (shell != sub_ccw) ++out.rings_against_rfc7946;
      loop->Normalize();
      added.push_back({std::move(loop), shell, r, std::move(sub)});
    }
    for (Piece& piece : added) pieces.push_back(std::move(piece));
    return std::nullopt;
  }

  // Each hole goes to the shell that holds it; each shell becomes a part of the geometry.
  std::optional<Failure> Assemble(std::vector<Piece>& pieces, size_t p) {
    const bool multi = multi_;
    GeometryBuild& out = out_;
    auto fail = [&](std::string path, std::string message) {
      return std::optional<Failure>(Failure{std::move(path), std::move(message), false});
    };
    std::vector<std::vector<Piece*>> groups;
    std::vector<Piece*> shells;
    for (Piece& piece : pieces) {
      if (piece.shell) {
        shells.push_back(&piece);
        groups.push_back({&piece});
      }
    }
    for (Piece& piece : pieces) {
      if (piece.shell) continue;
      bool placed = false;
      for (size_t s = 0; s < shells.size() && !placed; ++s) {
        if (shells[s]->loop->Contains(*piece.loop)) {
          groups[s].push_back(&piece);
          placed = true;
        }
      }
      if (!placed && repair_) {
        // What MakeValid makes of a hole outside its shell: an island of its own.
        out.repairs.push_back(
            absl::StrCat(Path(multi, p, piece.ring), ": hole outside its shell kept as an island"));
        piece.shell = true;
        shells.push_back(&piece);
        groups.push_back({&piece});
        continue;
      }
      if (!placed) {
        return fail(Path(multi, p, piece.ring, piece.points.source_index[0]),
                    absl::StrCat("hole is not inside its shell (its first point ",
                                 Where(piece.points.points[0]), ")"));
      }
    }
    for (const auto& group : groups) {
      std::vector<std::vector<S2Point>> part;
      for (size_t g = 0; g < group.size(); ++g) {
        S2Loop& loop = *group[g]->loop;
        const double area = loop.GetArea();
        geometry_.area_steradians += g == 0 ? area : -area;
        geometry_.bound = geometry_.bound.Union(loop.GetRectBound());
        if (g > 0) loop.Invert();  // holes: the zone's interior on the left
        std::vector<S2Point> v;
        v.reserve(loop.num_vertices());
        for (int i = 0; i < loop.num_vertices(); ++i) v.push_back(loop.vertex(i));
        geometry_.vertices += v.size();
        part.push_back(std::move(v));
      }
      geometry_.parts.push_back(std::move(part));
    }
    return std::nullopt;
  }

  // Normalised loops for a ring that failed validation, from the repair hook (GEOS, in the
  // plane of longitude and latitude); a piece of its result that is still invalid on the
  // sphere, or the ring itself when the hook gives nothing, is noded on the sphere
  // (NodeOnSphere). Pieces keep the ring's role, their holes and reversed lobes the other
  // one. An error says why the ring cannot be repaired.
  absl::Status RepairRing(const std::vector<LonLat>& ring, const Ring& sub, bool shell, size_t r,
                          std::vector<Piece>& pieces) {
    if (!repair_) return absl::FailedPreconditionError("strict: no repair");
    std::vector<LonLat> positions;
    for (size_t i : sub.source_index) positions.push_back(ring[i]);
    positions.push_back(positions.front());
    const std::optional<std::vector<PolygonRings>> fixed = repair_(positions);
    std::vector<std::pair<Ring, bool>> candidates;  // (ring, is a shell)
    if (!fixed) candidates.push_back({sub, shell});
    for (const PolygonRings& polygon : fixed.value_or(std::vector<PolygonRings>{})) {
      for (size_t k = 0; k < polygon.size(); ++k) {
        Ring piece;
        for (size_t i = 0; i + 1 < polygon[k].size(); ++i) {
          const S2Point v = ToPoint(polygon[k][i]);
          if (!piece.points.empty() && piece.points.back() == v) continue;
          piece.points.push_back(v);
          piece.source_index.push_back(sub.source_index[0]);
        }
        if (piece.points.size() >= 2 && piece.points.back() == piece.points.front()) {
          piece.points.pop_back();
          piece.source_index.pop_back();
        }
        if (piece.points.size() >= 3) candidates.push_back({std::move(piece), k == 0 ? shell : !shell});
      }
    }
    std::vector<Piece> added;
    for (auto& [piece, role] : candidates) {
      auto loop = std::make_unique<S2Loop>(piece.points, S2Debug::DISABLE);
      S2Error err;
      if (!loop->FindValidationError(&err)) {
        loop->Normalize();
        added.push_back({std::move(loop), role, r, std::move(piece)});
        continue;
      }
      const std::optional<std::vector<Ring>> noded = NodeOnSphere(piece);
      if (!noded) {
        return absl::InternalError(absl::StrCat("its repair is not valid on the sphere: ",
                                                err.text(), " near ", Where(piece.points[0])));
      }
      const bool piece_ccw = S2::GetSignedArea(S2PointLoopSpan(piece.points)) >= 0;
      for (const Ring& simple : *noded) {
        auto part = std::make_unique<S2Loop>(simple.points, S2Debug::DISABLE);
        S2Error part_err;
        if (part->FindValidationError(&part_err)) {
          return absl::InternalError(absl::StrCat(
              "its repair is not valid on the sphere, even noded there: ", part_err.text()));
        }
        const bool same_turn = part->IsNormalized() == piece_ccw;
        part->Normalize();
        added.push_back({std::move(part), same_turn ? role : !role, r, simple});
      }
    }
    for (Piece& piece : added) pieces.push_back(std::move(piece));
    return absl::OkStatus();
  }

  bool multi_;
  GeometryBuild& out_;
  ZoneGeometry& geometry_;
  const RingRepair& repair_;
};

}  // namespace

GeometryBuild BuildZoneGeometry(const std::vector<PolygonRings>& parts, bool multi,
                                const RingRepair& repair) {
  GeometryBuild out;
  auto geometry = std::make_shared<ZoneGeometry>();
  if (parts.empty()) {
    out.error_path = "coordinates";
    out.error = "no polygon";
    return out;
  }
  PartBuilder builder(multi, out, *geometry, repair);
  for (size_t p = 0; p < parts.size(); ++p) {
    if (std::optional<PartBuilder::Failure> failure = builder.Build(parts[p], p)) {
      out.error_path = std::move(failure->path);
      out.error = std::move(failure->message);
      return out;
    }
  }
  if (geometry->parts.empty()) {
    // Everything was dropped (there is at least one polygon, so at least one drop).
    out.error_path = out.dropped.front().path;
    out.error = absl::StrCat("nothing of the feature can be made valid: ",
                             out.dropped.front().message);
    return out;
  }
  out.geometry = std::move(geometry);
  return out;
}

}  // namespace satfence::zones
