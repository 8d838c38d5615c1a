#include "satfence/zones/zone.h"

#include <array>
#include <cmath>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"

namespace satfence::zones {

const char* ZoneKindName(ZoneKind k) {
  switch (k) {
    case ZoneKind::kCountryLand:
      return "country_land";
    case ZoneKind::kTerritorialWaters:
      return "territorial_waters";
    case ZoneKind::kOperator:
      return "operator";
  }
  return "?";
}

const char* ZoneActionName(ZoneAction a) {
  switch (a) {
    case ZoneAction::kAllow:
      return "allow";
    case ZoneAction::kAllowIfWhitelisted:
      return "allow_if_whitelisted";
    case ZoneAction::kReview:
      return "review";
    case ZoneAction::kDeny:
      return "deny";
  }
  return "?";
}

std::optional<ZoneKind> ParseZoneKind(std::string_view name) {
  for (ZoneKind k : {ZoneKind::kCountryLand, ZoneKind::kTerritorialWaters, ZoneKind::kOperator}) {
    if (name == ZoneKindName(k)) return k;
  }
  return std::nullopt;
}

std::optional<ZoneAction> ParseZoneAction(std::string_view name) {
  for (ZoneAction a : {ZoneAction::kAllow, ZoneAction::kAllowIfWhitelisted, ZoneAction::kReview,
                       ZoneAction::kDeny}) {
    if (name == ZoneActionName(a)) return a;
  }
  return std::nullopt;
}

namespace {

// A directed edge by the bits of its end points: seams repeat vertices exactly.
struct EdgeKey {
  std::array<double, 6> xyz;
  bool operator==(const EdgeKey& o) const {
    return std::memcmp(xyz.data(), o.xyz.data(), sizeof(xyz)) == 0;
  }
  template <typename H>
  friend H AbslHashValue(H h, const EdgeKey& e) {
    return H::combine_contiguous(std::move(h), reinterpret_cast<const char*>(e.xyz.data()),
                                 sizeof(e.xyz));
  }
};

EdgeKey Key(const S2Point& a, const S2Point& b) {
  return {{a.x(), a.y(), a.z(), b.x(), b.y(), b.z()}};
}

// On the antimeridian, to 1e-9 degree, or at a pole (where every meridian meets).
bool OnAntimeridian(const S2Point& v) {
  constexpr double kTol = 1e-9 * M_PI / 180.0;
  if (std::hypot(v.x(), v.y()) <= kTol) return true;
  return v.x() < 0.0 && std::abs(std::atan2(v.y(), -v.x())) <= kTol;
}

}  // namespace

std::vector<bool> BorderEdgeMask(const ZoneGeometry& g) {
  std::vector<bool> mask;
  mask.reserve(g.vertices);
  absl::flat_hash_set<EdgeKey> edges;
  edges.reserve(g.vertices);
  for (const auto& part : g.parts) {
    for (const auto& ring : part) {
      for (size_t i = 0; i < ring.size(); ++i) {
        edges.insert(Key(ring[i], ring[(i + 1) % ring.size()]));
      }
    }
  }
  for (const auto& part : g.parts) {
    for (const auto& ring : part) {
      for (size_t i = 0; i < ring.size(); ++i) {
        const S2Point &a = ring[i], &b = ring[(i + 1) % ring.size()];
        mask.push_back(!edges.contains(Key(b, a)) && !(OnAntimeridian(a) && OnAntimeridian(b)));
      }
    }
  }
  return mask;
}

}  // namespace satfence::zones
