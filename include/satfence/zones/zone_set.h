// A versioned set of zones: every decision names the version of the zones it used.
//
//   ZoneSet set(std::move(zones));
//   set.version();   // "sha256:3f1c..." over the canonical form of every zone
//
// The version is the SHA-256 (libsodium) of a canonical serialisation: zones in id order;
// for each, its fields as text and its vertices as IEEE-754 doubles (little-endian x, y,
// z of each S2 unit vector) ring by ring. The same zones always give the same version,
// whatever file order or format they came from; any change to a field or a vertex gives
// another. Immutable; thread-safe.
#ifndef SATFENCE_ZONES_ZONE_SET_H_
#define SATFENCE_ZONES_ZONE_SET_H_

#include <string>
#include <vector>

#include "satfence/zones/zone.h"

namespace satfence::zones {

class ZoneSet {
 public:
  ZoneSet() = default;
  // REQUIRES: ids are unique (the readers guarantee it within a file; Merge checks it).
  explicit ZoneSet(std::vector<Zone> zones);

  const std::vector<Zone>& zones() const { return zones_; }
  size_t size() const { return zones_.size(); }
  const std::string& version() const { return version_; }
  // Index of the zone with this id, or -1.
  int Find(std::string_view id) const;

 private:
  std::vector<Zone> zones_;  // in id order
  std::string version_;
};

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_ZONE_SET_H_
