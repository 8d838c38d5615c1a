#include "satfence/analytics/diversion.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "satfence/geo/vec3.h"

namespace satfence::analytics {
namespace {

bool Has(const std::vector<std::string>& reasons, const char* reason) {
  return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

// The fix of a verdict line, when it has one: lat, lon, alt_m and semi_major_m.
std::optional<std::pair<geo::Geodetic, double>> FixOf(const std::string& verdict_json) {
  nlohmann::json v = nlohmann::json::parse(verdict_json, nullptr, /*allow_exceptions=*/false);
  if (!v.is_object()) return std::nullopt;
  auto fix = v.find("fix");
  if (fix == v.end() || !fix->is_object()) return std::nullopt;
  auto number = [&](const char* key) -> std::optional<double> {
    auto it = fix->find(key);
    if (it == fix->end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  };
  std::optional<double> lat = number("lat"), lon = number("lon"), alt = number("alt_m"),
                        a = number("semi_major_m");
  if (!lat || !lon || !a) return std::nullopt;
  return std::make_pair(geo::Geodetic{*lat, *lon, alt.value_or(0.0)}, *a);
}

}  // namespace

std::string SellerLabel(const registry::Terminal& t) {
  std::string label(registry::ChannelName(t.channel));
  if (!t.seller.empty()) absl::StrAppend(&label, " ", t.seller);
  absl::StrAppend(&label, " (", t.sale_country, ")");
  return label;
}

void UsageBuilder::Add(const store::DecisionRecord& d) {
  TerminalUsage& u = by_terminal_[d.terminal];
  u.terminal = d.terminal;
  ++u.decisions;
  u.in_deny_zone += Has(d.reasons, "in_deny_zone");
  u.spoof_suspected += Has(d.reasons, "spoof_suspected");
  u.outside_plan_area += Has(d.reasons, "plan_outside_area");
  u.last_published = d.published;
  u.zones = d.zones;
  if (auto fix = FixOf(d.verdict_json); fix && fix->second <= options_.max_fix_semi_major_m) {
    u.position = fix->first;
    u.position_sigma_m = fix->second;
  }
}

std::vector<TerminalUsage> UsageBuilder::Finish() const {
  std::vector<TerminalUsage> out;
  out.reserve(by_terminal_.size());
  for (const auto& [id, u] : by_terminal_) out.push_back(u);
  return out;
}

absl::StatusOr<std::vector<TerminalUsage>> ReadUsage(const store::Store& store,
                                                     UsageOptions options) {
  UsageBuilder builder(options);
  std::int64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<store::DecisionRecord>> page = store.Decisions(after, 10000);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const store::DecisionRecord& d : *page) builder.Add(d);
    after = page->back().seq;
  }
  return builder.Finish();
}

ChannelReport RankChannels(const std::vector<TerminalUsage>& usage,
                           const std::vector<registry::Terminal>& terminals, double alpha) {
  ChannelReport report;
  report.alpha = alpha;
  std::map<std::string, ChannelRow> rows;  // by label
  std::unordered_map<std::string, std::string> label_of;
  for (const registry::Terminal& t : terminals) {
    const std::string label = SellerLabel(t);
    label_of[t.id] = label;
    ChannelRow& row = rows[label];
    row.channel = std::string(registry::ChannelName(t.channel));
    row.seller = t.seller;
    row.sale_country = t.sale_country;
    ++row.terminals;
  }
  for (const TerminalUsage& u : usage) {
    auto it = label_of.find(u.terminal);
    ChannelRow& row = rows[it == label_of.end() ? "(unregistered)" : it->second];
    if (it == label_of.end()) row.channel = "(unregistered)";
    ++row.reporting;
    row.in_deny_zone += u.in_deny_zone > 0;
    row.spoof_suspected += u.spoof_suspected > 0;
    row.outside_plan_area += u.outside_plan_area > 0;
    const bool diverted = u.in_deny_zone > 0 || u.spoof_suspected > 0 || u.outside_plan_area > 0;
    row.diverted += diverted;
    ++report.reporting;
    report.diverted += diverted;
  }
  // Holm's step-down, with the null re-estimated from the channels not flagged so far: a
  // few leaking channels must not raise the bar for the others.
  std::vector<ChannelRow*> open;
  for (auto& [label, row] : rows) {
    if (row.reporting == 0) continue;
    row.rate = static_cast<double>(row.diverted) / row.reporting;
    row.rate_ci = ClopperPearson(row.diverted, row.reporting);
    open.push_back(&row);
  }
  report.tested = static_cast<int>(open.size());
  int clean_n = report.reporting, clean_d = report.diverted;  // over channels not flagged
  while (!open.empty()) {
    ChannelRow* most = nullptr;
    for (ChannelRow* row : open) {
      const int rest_n = clean_n - row->reporting, rest_d = clean_d - row->diverted;
      row->expected_rate = (rest_d + 1.0) / (rest_n + 2.0);
      row->p_value = BinomialUpperTail(row->diverted, row->reporting, row->expected_rate);
      if (most == nullptr || row->p_value < most->p_value) most = row;
    }
    const int already = report.tested - static_cast<int>(open.size());
    if (most->p_value >= alpha / (report.tested - already)) break;
    most->flagged = true;
    clean_n -= most->reporting;
    clean_d -= most->diverted;
    open.erase(std::find(open.begin(), open.end(), most));
  }
  for (auto& [label, row] : rows) report.rows.push_back(row);
  std::stable_sort(report.rows.begin(), report.rows.end(),
                   [](const ChannelRow& a, const ChannelRow& b) {
                     if (a.p_value != b.p_value) return a.p_value < b.p_value;
                     if (a.rate != b.rate) return a.rate > b.rate;
                     return a.reporting > b.reporting;
                   });
  return report;
}

std::vector<Cluster> FindClusters(const std::vector<TerminalUsage>& usage,
                                  const std::vector<registry::Terminal>& terminals,
                                  const ClusterOptions& options) {
  struct Point {
    const TerminalUsage* usage;
    geo::Vec3 ecef;
  };
  std::vector<Point> points;
  for (const TerminalUsage& u : usage) {
    if (u.position) points.push_back({&u, geo::GeodeticToEcef(*u.position)});
  }
  const double eps = options.radius_m;
  // A hash grid over ECEF with cells of side eps: neighbours are in the 27 cells around.
  auto cell = [eps](const geo::Vec3& p) {
    return std::array<std::int64_t, 3>{static_cast<std::int64_t>(std::floor(p.x / eps)),
                                       static_cast<std::int64_t>(std::floor(p.y / eps)),
                                       static_cast<std::int64_t>(std::floor(p.z / eps))};
  };
  auto key = [](std::int64_t x, std::int64_t y, std::int64_t z) {
    constexpr std::int64_t kBias = 1 << 20, kMask = (1 << 21) - 1;
    return (static_cast<std::uint64_t>((x + kBias) & kMask) << 42) |
           (static_cast<std::uint64_t>((y + kBias) & kMask) << 21) |
           static_cast<std::uint64_t>((z + kBias) & kMask);
  };
  std::unordered_map<std::uint64_t, std::vector<int>> grid;
  for (int i = 0; i < static_cast<int>(points.size()); ++i) {
    const auto c = cell(points[i].ecef);
    grid[key(c[0], c[1], c[2])].push_back(i);
  }
  auto neighbours = [&](int i) {
    std::vector<int> out;
    const auto c = cell(points[i].ecef);
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dz = -1; dz <= 1; ++dz) {
          auto it = grid.find(key(c[0] + dx, c[1] + dy, c[2] + dz));
          if (it == grid.end()) continue;
          for (int j : it->second) {
            if (geo::Norm(points[j].ecef - points[i].ecef) <= eps) out.push_back(j);
          }
        }
    return out;
  };
  // DBSCAN: a core point has min_terminals within eps (itself included); clusters grow from
  // cores through their neighbours; non-core neighbours join but do not extend.
  constexpr int kUnvisited = -2, kNoise = -1;
  std::vector<int> label(points.size(), kUnvisited);
  int clusters = 0;
  for (int i = 0; i < static_cast<int>(points.size()); ++i) {
    if (label[i] != kUnvisited) continue;
    std::vector<int> seeds = neighbours(i);
    if (static_cast<int>(seeds.size()) < options.min_terminals) {
      label[i] = kNoise;
      continue;
    }
    const int id = clusters++;
    label[i] = id;
    for (size_t k = 0; k < seeds.size(); ++k) {
      const int j = seeds[k];
      if (label[j] == kNoise) label[j] = id;
      if (label[j] != kUnvisited) continue;
      label[j] = id;
      std::vector<int> more = neighbours(j);
      if (static_cast<int>(more.size()) >= options.min_terminals) {
        seeds.insert(seeds.end(), more.begin(), more.end());
      }
    }
  }
  std::unordered_map<std::string, const registry::Terminal*> entry;
  for (const registry::Terminal& t : terminals) entry[t.id] = &t;
  std::vector<std::vector<int>> members(clusters);
  for (int i = 0; i < static_cast<int>(points.size()); ++i) {
    if (label[i] >= 0) members[label[i]].push_back(i);
  }
  std::vector<Cluster> out;
  for (const std::vector<int>& m : members) {
    if (static_cast<int>(m.size()) < options.min_terminals) continue;
    Cluster c;
    geo::Vec3 sum{0.0, 0.0, 0.0};
    for (int i : m) sum = sum + points[i].ecef;
    const geo::Vec3 mean = (1.0 / static_cast<double>(m.size())) * sum;
    c.centre = geo::EcefToGeodetic(mean);
    c.centre.height_m = 0.0;
    for (int i : m) {
      const TerminalUsage& u = *points[i].usage;
      c.radius_m = std::max(c.radius_m, geo::Norm(points[i].ecef - mean));
      c.terminals.push_back(u.terminal);
      c.denied += u.last_published == "deny";
      auto it = entry.find(u.terminal);
      ++c.sellers[it == entry.end() ? "(unregistered)" : SellerLabel(*it->second)];
      for (const std::string& z : u.zones) ++c.zones[z];
    }
    std::sort(c.terminals.begin(), c.terminals.end());
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const Cluster& a, const Cluster& b) {
    return a.terminals.size() > b.terminals.size();
  });
  return out;
}

nlohmann::json ChannelReportJson(const ChannelReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ChannelRow& row : r.rows) {
    rows.push_back({{"channel", row.channel},
                    {"seller", row.seller},
                    {"sale_country", row.sale_country},
                    {"terminals", row.terminals},
                    {"reporting", row.reporting},
                    {"in_deny_zone", row.in_deny_zone},
                    {"spoof_suspected", row.spoof_suspected},
                    {"outside_plan_area", row.outside_plan_area},
                    {"diverted", row.diverted},
                    {"rate", row.rate},
                    {"rate_ci", {row.rate_ci.lo, row.rate_ci.hi}},
                    {"expected_rate", row.expected_rate},
                    {"p_value", row.p_value},
                    {"flagged", row.flagged}});
  }
  return {{"alpha", r.alpha},
          {"tested", r.tested},
          {"reporting", r.reporting},
          {"diverted", r.diverted},
          {"channels", rows}};
}

nlohmann::json ClustersJson(const std::vector<Cluster>& sites, const ClusterOptions& options) {
  nlohmann::json out = nlohmann::json::array();
  for (const Cluster& c : sites) {
    out.push_back({{"lat", c.centre.lat_deg},
                   {"lon", c.centre.lon_deg},
                   {"radius_m", c.radius_m},
                   {"terminals", c.terminals},
                   {"denied", c.denied},
                   {"sellers", c.sellers},
                   {"zones", c.zones}});
  }
  return {{"radius_m", options.radius_m}, {"min_terminals", options.min_terminals}, {"sites", out}};
}

}  // namespace satfence::analytics
