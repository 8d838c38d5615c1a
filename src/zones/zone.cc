#include "satfence/zones/zone.h"

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

}  // namespace satfence::zones
