#include "satfence/zones/region.h"

namespace satfence::zones {

const char* ToString(RegionClass c) {
  switch (c) {
    case RegionClass::kInside:
      return "inside";
    case RegionClass::kOutside:
      return "outside";
    case RegionClass::kStraddles:
      return "straddles";
  }
  return "?";
}

std::vector<int> Proximity::Straddled() const {
  std::vector<int> out;
  for (const ZoneNearby& z : zones) {
    if (z.region == RegionClass::kStraddles) out.push_back(z.zone);
  }
  return out;
}

std::vector<int> Proximity::Containing() const {
  std::vector<int> out;
  for (const ZoneNearby& z : zones) {
    if (z.contains) out.push_back(z.zone);
  }
  return out;
}

}  // namespace satfence::zones
