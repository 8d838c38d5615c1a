// `satfence channels` and `satfence clusters`: diversion analytics over a store's decisions
// and registry (docs/analytics.md).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "satfence/analytics/diversion.h"
#include "satfence/store/store.h"

namespace satfence::cli {
namespace {

struct AnalyticsArgs {
  std::string store = "out/demo/satfence.db";
  std::string output;
  double alpha = 0.01;
  int top = 20;
  double radius_m = 300.0;
  int min_terminals = 10;
  double max_fix_semi_major_m = 1000.0;
};

// The store's usage and registry; on failure says so and sets the exit status.
bool Load(const AnalyticsArgs& args, const char* verb, ExitCode& exit,
          std::vector<analytics::TerminalUsage>& usage,
          std::vector<registry::Terminal>& terminals) {
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "satfence %s: %s\n", verb, why.c_str());
    exit.value = 2;
    return false;
  };
  if (!std::filesystem::exists(args.store)) {
    return fail("no store at " + args.store + " (run `satfence demo` or name one with --store)");
  }
  absl::StatusOr<std::unique_ptr<store::Store>> s = store::OpenSqliteStore(args.store);
  if (!s.ok()) return fail(std::string(s.status().message()));
  absl::StatusOr<std::vector<analytics::TerminalUsage>> u =
      analytics::ReadUsage(**s, {.max_fix_semi_major_m = args.max_fix_semi_major_m});
  if (!u.ok()) return fail(std::string(u.status().message()));
  absl::StatusOr<std::vector<registry::Terminal>> t = (*s)->Terminals();
  if (!t.ok()) return fail(std::string(t.status().message()));
  usage = *std::move(u);
  terminals = *std::move(t);
  return true;
}

bool WriteJson(const std::string& path, const nlohmann::json& j, const char* verb, ExitCode& exit) {
  std::ofstream out(path);
  out << j.dump(1) << '\n';
  if (!out) {
    std::fprintf(stderr, "satfence %s: cannot write %s\n", verb, path.c_str());
    exit.value = 2;
  }
  return static_cast<bool>(out);
}

std::string Percent(double v) { return absl::StrFormat("%.1f%%", 100.0 * v); }

void Channels(const AnalyticsArgs& args, ExitCode& exit) {
  std::vector<analytics::TerminalUsage> usage;
  std::vector<registry::Terminal> terminals;
  if (!Load(args, "channels", exit, usage, terminals)) return;
  const analytics::ChannelReport r = analytics::RankChannels(usage, terminals, args.alpha);
  std::fputs(ChannelsText(r, args.top).c_str(), stdout);
  if (!args.output.empty())
    WriteJson(args.output, analytics::ChannelReportJson(r), "channels", exit);
}

void Clusters(const AnalyticsArgs& args, ExitCode& exit) {
  std::vector<analytics::TerminalUsage> usage;
  std::vector<registry::Terminal> terminals;
  if (!Load(args, "clusters", exit, usage, terminals)) return;
  const std::vector<analytics::Cluster> sites = analytics::FindClusters(
      usage, terminals, {.radius_m = args.radius_m, .min_terminals = args.min_terminals});
  std::fputs(ClustersText(sites, args.radius_m, args.min_terminals, args.top).c_str(), stdout);
  if (!args.output.empty()) {
    WriteJson(args.output,
              analytics::ClustersJson(
                  sites, {.radius_m = args.radius_m, .min_terminals = args.min_terminals}),
              "clusters", exit);
  }
}

}  // namespace

std::string ChannelsText(const analytics::ChannelReport& r, int top) {
  std::string out = absl::StrFormat(
      "%d terminals reporting, %d diverted (in a deny zone, spoof-suspected or off their plan's "
      "area: %s); %d channels tested, family-wise alpha %g (Holm)\n",
      r.reporting, r.diverted, Percent(r.reporting ? double(r.diverted) / r.reporting : 0.0),
      r.tested, r.alpha);
  absl::StrAppend(
      &out, absl::StrFormat("%-4s %-12s %-24s %-7s %5s %5s %5s %5s %5s %5s %7s %-17s "
                            "%8s %9s\n",
                            "rank", "channel", "seller", "country", "kits", "seen", "deny", "spoof",
                            "plan", "div", "rate", "95% CI", "expected", "p-value"));
  int rank = 0;
  for (const analytics::ChannelRow& row : r.rows) {
    if (++rank > top) break;
    absl::StrAppend(
        &out, absl::StrFormat(
                  "%-4d %-12s %-24s %-7s %5d %5d %5d %5d %5d %5d %7s %-17s %8s %9.2g%s\n", rank,
                  row.channel, row.seller.empty() ? "-" : row.seller.substr(0, 24),
                  row.sale_country.empty() ? "-" : row.sale_country, row.terminals, row.reporting,
                  row.in_deny_zone, row.spoof_suspected, row.outside_plan_area, row.diverted,
                  Percent(row.rate),
                  absl::StrFormat("[%s, %s]", Percent(row.rate_ci.lo), Percent(row.rate_ci.hi)),
                  Percent(row.expected_rate), row.p_value, row.flagged ? "  LEAKING" : ""));
  }
  if (static_cast<int>(r.rows.size()) > top) {
    absl::StrAppend(&out, absl::StrFormat("(%d more)\n", static_cast<int>(r.rows.size()) - top));
  }
  return out;
}

std::string ClustersText(const std::vector<analytics::Cluster>& sites, double radius_m,
                         int min_terminals, int top) {
  std::string out = absl::StrFormat(
      "%d sites with at least %d terminals within %.0f m of one of them (network fixes)\n",
      static_cast<int>(sites.size()), min_terminals, radius_m);
  if (sites.empty()) return out;
  absl::StrAppend(&out, absl::StrFormat("%-4s %9s %6s %-22s %8s  %s\n", "site", "terminals",
                                        "denied", "centre (lat, lon)", "radius", "zones; sellers"));
  int rank = 0;
  for (const analytics::Cluster& c : sites) {
    if (++rank > top) break;
    std::string zones, sellers;
    for (const auto& [z, n] : c.zones)
      absl::StrAppend(&zones, zones.empty() ? "" : ", ", z, " ", n);
    for (const auto& [s, n] : c.sellers)
      absl::StrAppend(&sellers, sellers.empty() ? "" : ", ", s, " ", n);
    absl::StrAppend(
        &out, absl::StrFormat("%-4d %9d %6d %10.5f, %10.5f %6.0f m  %s; %s\n", rank,
                              static_cast<int>(c.terminals.size()), c.denied, c.centre.lat_deg,
                              c.centre.lon_deg, c.radius_m, zones.empty() ? "-" : zones, sellers));
  }
  return out;
}

void RegisterAnalyticsCommands(CLI::App& app, ExitCode& exit) {
  auto args = std::make_shared<AnalyticsArgs>();
  CLI::App* channels = app.add_subcommand(
      "channels",
      "Rank sales channels by how many of their terminals the network places in deny zones, "
      "suspects of spoofing, or finds off their plan's area");
  channels->add_option("--store", args->store, "The store (SQLite)")->capture_default_str();
  channels->add_option("--alpha", args->alpha, "Family-wise false-alarm rate for LEAKING")
      ->capture_default_str()
      ->check(CLI::Range(1e-12, 0.5));
  channels->add_option("--top", args->top, "Rows to print")->capture_default_str();
  channels->add_option("-o,--output", args->output, "Write every row as JSON here");
  channels->callback([args, &exit] { Channels(*args, exit); });

  CLI::App* clusters = app.add_subcommand(
      "clusters", "Sites where many terminals sit together, from their network fixes");
  clusters->add_option("--store", args->store, "The store (SQLite)")->capture_default_str();
  clusters->add_option("--radius-m", args->radius_m, "Neighbours within this distance")
      ->capture_default_str()
      ->check(CLI::Range(10.0, 100000.0));
  clusters
      ->add_option("--min-terminals", args->min_terminals,
                   "Terminals within the radius that make a site")
      ->capture_default_str()
      ->check(CLI::Range(2, 1000000));
  clusters
      ->add_option("--max-fix-m", args->max_fix_semi_major_m,
                   "Ignore fixes whose error ellipse's semi-major axis is larger")
      ->capture_default_str();
  clusters->add_option("--top", args->top, "Sites to print")->capture_default_str();
  clusters->add_option("-o,--output", args->output, "Write every site as JSON here");
  clusters->callback([args, &exit] { Clusters(*args, exit); });
}

}  // namespace satfence::cli
