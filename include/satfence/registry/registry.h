// The terminal registry: what the operator knows about each kit apart from where it is.
//
//   ReadResult<Terminal> r = ReadRegistryCsv(text, "registry.csv");
//   Registry registry(std::move(r.records));
//   const Terminal* t = registry.Find("KIT-00017");
//   std::string csv = RegistryCsv(registry);          // reads back to the same terminals
//
// CSV columns (header required, in any order; `docs/registry.md`):
//   terminal, model, activated (YYYY-MM-DD), plan (residential | roam | maritime | aviation),
//   service_lat, service_lon (residential: the service address, WGS-84 degrees),
//   channel (direct | reseller | marketplace), seller (the reseller's or marketplace's name),
//   sale_country (ISO 3166-1 alpha-3), owner, owner_type (person | company | critical),
//   inspected (true | false: the owner's identity checked in person), whitelisted (true | false)
// Every rejected row is reported with its line, terminal and field; the others load. Whitelist
// caps per owner (the rule of February 2026 in Ukraine): a person 1 terminal, 3 when
// inspected, a company 10, a critical operator unlimited; rows beyond the cap are rejected
// with the owner's count, in file order.
#ifndef SATFENCE_REGISTRY_REGISTRY_H_
#define SATFENCE_REGISTRY_REGISTRY_H_

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "satfence/base/record_error.h"
#include "satfence/geo/geodetic.h"

namespace satfence::registry {

enum class Plan { kResidential, kRoam, kMaritime, kAviation };
enum class Channel { kDirect, kReseller, kMarketplace };
enum class OwnerType { kPerson, kCompany, kCritical };

std::string_view PlanName(Plan p);
std::string_view ChannelName(Channel c);
std::string_view OwnerTypeName(OwnerType o);
std::optional<Plan> ParsePlan(std::string_view name);
std::optional<Channel> ParseChannel(std::string_view name);
std::optional<OwnerType> ParseOwnerType(std::string_view name);

struct Terminal {
  std::string id;
  std::string model;
  std::string activated;  // YYYY-MM-DD
  Plan plan = Plan::kResidential;
  std::optional<geo::Geodetic> service_address;  // residential plans
  Channel channel = Channel::kDirect;
  std::string seller;        // reseller or marketplace; empty for direct sales
  std::string sale_country;  // ISO 3166-1 alpha-3
  std::string owner;
  OwnerType owner_type = OwnerType::kPerson;
  bool inspected = false;
  bool whitelisted = false;
};

// How many whitelisted terminals an owner may hold; nullopt: no limit.
std::optional<int> WhitelistCap(OwnerType type, bool inspected);

ReadResult<Terminal> ReadRegistryCsv(std::string_view text, std::string_view source);
ReadResult<Terminal> ReadRegistryFile(const std::string& path);

class Registry {
 public:
  Registry() = default;
  explicit Registry(std::vector<Terminal> terminals);
  const Terminal* Find(std::string_view id) const;
  const std::vector<Terminal>& terminals() const { return terminals_; }

 private:
  std::vector<Terminal> terminals_;
  std::unordered_map<std::string, size_t> by_id_;
};

// The registry as CSV with the header above, terminals in registry order.
std::string RegistryCsv(const Registry& registry);

}  // namespace satfence::registry

#endif  // SATFENCE_REGISTRY_REGISTRY_H_
