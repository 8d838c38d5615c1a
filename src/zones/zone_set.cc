#include "satfence/zones/zone_set.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace satfence::zones {
namespace {

void Absorb(crypto_hash_sha256_state& st, std::string_view text) {
  // Length-prefixed, so that field boundaries are part of the hash.
  const std::uint64_t n = text.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  crypto_hash_sha256_update(&st, len, sizeof len);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(text.data()), n);
}

void AbsorbDouble(crypto_hash_sha256_state& st, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(bits >> (8 * i));
  crypto_hash_sha256_update(&st, le, sizeof le);
}

std::string TimeText(const std::optional<UtcTime>& t) { return t ? FormatRfc3339(*t) : "-"; }

}  // namespace

ZoneSet::ZoneSet(std::vector<Zone> zones) : zones_(std::move(zones)) {
  std::sort(zones_.begin(), zones_.end(), [](const Zone& a, const Zone& b) { return a.id < b.id; });
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  Absorb(st, "satfence zone set v1");
  for (const Zone& z : zones_) {
    for (const std::string& field :
         {z.id, z.name, std::string(ZoneKindName(z.kind)), std::string(ZoneActionName(z.action)),
          absl::StrCat(z.priority), TimeText(z.valid_from), TimeText(z.valid_until), z.source,
          z.source_date, std::string(z.approximate ? "approximate" : "exact")}) {
      Absorb(st, field);
    }
    const ZoneGeometry& g = *z.geometry;
    Absorb(st, absl::StrCat("parts ", g.parts.size()));
    for (const auto& part : g.parts) {
      Absorb(st, absl::StrCat("rings ", part.size()));
      for (const auto& ring : part) {
        Absorb(st, absl::StrCat("vertices ", ring.size()));
        for (const S2Point& p : ring) {
          AbsorbDouble(st, p.x());
          AbsorbDouble(st, p.y());
          AbsorbDouble(st, p.z());
        }
      }
    }
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  version_ = "sha256:";
  for (unsigned char b : digest) {
    version_ += kHex[b >> 4];
    version_ += kHex[b & 15];
  }
}

int ZoneSet::Find(std::string_view id) const {
  const auto it = std::lower_bound(zones_.begin(), zones_.end(), id,
                                   [](const Zone& z, std::string_view v) { return z.id < v; });
  return it != zones_.end() && it->id == id ? static_cast<int>(it - zones_.begin()) : -1;
}

}  // namespace satfence::zones
