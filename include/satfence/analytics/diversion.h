// Diversion analytics: which sales channels leak terminals to where they must not be used,
// and where many terminals sit at one site.
//
//   UsageBuilder usage;
//   for (const store::DecisionRecord& d : decisions) usage.Add(d);   // in store order
//   ChannelReport channels = RankChannels(usage.Finish(), registry_terminals);
//   std::vector<Cluster> sites = FindClusters(usage.Finish(), registry_terminals, {});
//
// Everything rests on what the network measured (the decisions' reasons and fixes), never
// on the positions terminals claim.
#ifndef SATFENCE_ANALYTICS_DIVERSION_H_
#define SATFENCE_ANALYTICS_DIVERSION_H_

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/base/binomial.h"
#include "satfence/geo/geodetic.h"
#include "satfence/registry/registry.h"
#include "satfence/store/store.h"

namespace satfence::analytics {

// What the network saw of one terminal, from its decisions.
struct TerminalUsage {
  std::string terminal;
  int decisions = 0;
  int in_deny_zone = 0;                   // decisions with the reason in_deny_zone
  int spoof_suspected = 0;                // ... spoof_suspected
  int outside_plan_area = 0;              // ... plan_outside_area
  std::string last_published;             // allow, review, deny
  std::vector<std::string> zones;         // of the latest decision
  std::optional<geo::Geodetic> position;  // the latest fix precise enough to place it
  double position_sigma_m = 0.0;          // that fix's semi-major axis (1 sigma)
};

struct UsageOptions {
  // A fix places a terminal when its error ellipse's semi-major axis is at most this.
  double max_fix_semi_major_m = 1000.0;
};

// Folds decisions (in store order) into one usage summary per terminal.
class UsageBuilder {
 public:
  explicit UsageBuilder(UsageOptions options = {}) : options_(options) {}
  void Add(const store::DecisionRecord& d);
  // Sorted by terminal id.
  std::vector<TerminalUsage> Finish() const;

 private:
  UsageOptions options_;
  std::map<std::string, TerminalUsage> by_terminal_;
};

// Reads every decision of `store`, in pages.
absl::StatusOr<std::vector<TerminalUsage>> ReadUsage(const store::Store& store,
                                                     UsageOptions options = {});

// One sales channel: how its kit was sold (channel, seller, country of sale).
struct ChannelRow {
  std::string channel;  // direct, reseller, marketplace; "(unregistered)" for unknown kits
  std::string seller;
  std::string sale_country;
  int terminals = 0;  // in the registry
  int reporting = 0;  // with at least one decision
  int in_deny_zone = 0, spoof_suspected = 0, outside_plan_area = 0;
  int diverted = 0;            // terminals with any of the three
  double rate = 0.0;           // diverted / reporting
  Interval rate_ci;            // exact 95%
  double expected_rate = 0.0;  // the null: the unflagged rest of the fleet's rate (smoothed)
  double p_value = 1.0;        // one-sided binomial: this many diverted or more under the null
  bool flagged = false;        // leaking, at family-wise error alpha (Holm)
};

struct ChannelReport {
  std::vector<ChannelRow> rows;  // most significant first (p-value, then rate, then size)
  int tested = 0;                // channels with a reporting terminal
  double alpha = 0.01;
  int reporting = 0, diverted = 0;  // the whole fleet
};

// Groups terminals by sales channel, counts what their terminals did, and ranks channels
// by how unlikely their diverted count is if they diverted at the rest of the fleet's rate
// (Laplace-smoothed: (d + 1) / (n + 2)); one-sided binomial tests. Channels are flagged by
// Holm's step-down procedure at family-wise error `alpha`: the most significant channel is
// flagged if its p-value is below alpha / m, the next below alpha / (m - 1), and so on,
// and after each flag the other channels' null rate is re-estimated without the flagged
// ones (a few leaking channels must not hide another). A flagged channel keeps the p-value
// it was flagged with. Terminals with decisions but no registry entry form the
// "(unregistered)" row.
ChannelReport RankChannels(const std::vector<TerminalUsage>& usage,
                           const std::vector<registry::Terminal>& terminals, double alpha = 0.01);

struct ClusterOptions {
  double radius_m = 300.0;  // neighbours: terminals within this of each other
  int min_terminals = 10;   // a site: at least this many terminals within radius_m of one
};

struct Cluster {
  geo::Geodetic centre;                // mean of the members' positions (ECEF, back to geodetic)
  double radius_m = 0.0;               // farthest member from the centre
  std::vector<std::string> terminals;  // sorted
  int denied = 0;                      // members whose published decision is deny
  std::map<std::string, int> sellers;  // "reseller BorderTrade (POL)" -> members
  std::map<std::string, int> zones;    // zone id -> members in it
};

// Sites where many terminals sit together: DBSCAN over the terminals' network fixes, with
// radius_m as epsilon and min_terminals as the core density (distances as ECEF chords,
// equal to surface distances to under a millimetre at these scales); clusters with at
// least min_terminals members, largest first.
std::vector<Cluster> FindClusters(const std::vector<TerminalUsage>& usage,
                                  const std::vector<registry::Terminal>& terminals,
                                  const ClusterOptions& options);

// As written by `satfence channels -o` and `satfence clusters -o` (docs/analytics.md).
nlohmann::json ChannelReportJson(const ChannelReport& r);
nlohmann::json ClustersJson(const std::vector<Cluster>& sites, const ClusterOptions& options);

// "reseller BorderTrade (POL)", "direct (UKR)".
std::string SellerLabel(const registry::Terminal& t);

}  // namespace satfence::analytics

#endif  // SATFENCE_ANALYTICS_DIVERSION_H_
