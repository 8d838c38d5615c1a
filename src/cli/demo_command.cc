// `satfence demo`: the main job a newcomer runs first.
//
// It runs every stage on real data: the orbit module (the Starlink element-set snapshot,
// propagated for the region the project is about: "which satellites could measure a
// terminal here, and how well covered is each place"), the zones module (world borders and
// the example operator zones: "which rules apply here"), the verifier on a simulated fleet
// measured by that constellation (honest terminals, GNSS-spoofed and modified ones, drones,
// clones: "who is lying, and how close is that to the limit"), the decisions with their
// store and audit log, the diversion analytics, and the HTML report. Its inputs default to
// the data directory's (base/data_dir.h).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "satfence/pipeline/pipeline.h"
#include "satfence/analytics/diversion.h"
#include "satfence/audit/merkle.h"
#include "satfence/audit/note.h"
#include "satfence/base/file.h"
#include "satfence/base/text.h"
#include "satfence/decide/decide.h"
#include "satfence/geo/geodesic.h"
#include "satfence/orbit/constellation.h"
#include "satfence/orbit/elements_file.h"
#include "satfence/orbit/passes.h"
#include "satfence/orbit/visibility.h"
#include "satfence/registry/registry.h"
#include "satfence/report/report.h"
#include "satfence/sim/evaluation.h"
#include "satfence/sim/scenario.h"
#include "satfence/store/audit_log.h"
#include "satfence/store/store.h"
#include "satfence/verify/telemetry.h"
#include "satfence/verify/verifier.h"
#include "satfence/zones/geojson_reader.h"
#include "satfence/zones/zone_index.h"

namespace satfence::cli {
namespace {

struct Place {
  const char* name;
  geo::Geodetic where;
};

// The scenario's places: government-controlled Ukraine, the front, occupied areas, and
// the neighbours (approximate city centres).
constexpr Place kPlaces[] = {
    {"Kyiv", {50.4501, 30.5234, 180}},
    {"Kharkiv", {49.9935, 36.2304, 150}},
    {"Pokrovsk (front line)", {48.2820, 37.1760, 180}},
    {"Donetsk (occupied)", {48.0159, 37.8029, 200}},
    {"Sevastopol (occupied)", {44.6166, 33.5254, 50}},
    {"Moscow", {55.7558, 37.6173, 150}},
    {"Minsk", {53.9006, 27.5590, 220}},
    {"Warsaw", {52.2297, 21.0122, 100}},
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// The zones stage: world borders with territorial waters and the example operator zones,
// and what they say at each place (highest priority first).
// The zones the demo decides with: the world (as the map: action allow) and the operator's.
struct DemoZones {
  std::unique_ptr<zones::ZoneSet> set;
  std::unique_ptr<zones::ZoneIndex> index;
  std::string operator_path;  // the operator's zones (GeoJSON), drawn on the report's map
};

DemoZones ShowZones(const std::string& world_path, const std::string& scenario_path) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::printf("\n[zones] loading %s\n        and %s ...\n", world_path.c_str(),
              scenario_path.c_str());
  zones::ZoneReadResult world =
      zones::ReadZonesGeoJsonFile(world_path, {.id_property = "A3",
                                               .default_kind = zones::ZoneKind::kTerritorialWaters,
                                               .default_action = zones::ZoneAction::kAllow,
                                               .mercator_polar_clip = true});
  if (world.zones.empty()) {
    std::printf("        no world zones (run scripts/setup to install them); zones skipped\n");
    return {};
  }
  zones::ZoneReadResult scenario =
      zones::ReadZonesGeoJsonFile(scenario_path, {.countries = &world.zones});
  const size_t rejected = world.errors.size() + scenario.errors.size();
  for (zones::Zone& z : scenario.zones) world.zones.push_back(std::move(z));
  DemoZones loaded;
  loaded.operator_path = scenario_path;
  loaded.set = std::make_unique<zones::ZoneSet>(std::move(world.zones));
  loaded.index = std::make_unique<zones::ZoneIndex>(*loaded.set);
  const zones::ZoneSet& set = *loaded.set;
  const zones::ZoneIndex& index = *loaded.index;
  std::printf(
      "        %zu zones (%zu rejected, see `satfence zones check`), version %.23s..., "
      "indexed (%.1f s)\n\n",
      set.size(), rejected, set.version().c_str(),
      std::chrono::duration<double>(Clock::now() - t0).count());
  std::printf("  %-24s %-22s %s\n", "place", "operator rule", "zones holding it");
  for (const Place& p : kPlaces) {
    std::vector<int> in = index.Containing(p.where.lat_deg, p.where.lon_deg);
    std::sort(in.begin(), in.end(),
              [&](int a, int b) { return set.zones()[a].priority > set.zones()[b].priority; });
    std::string rule = "(none)", list;
    for (int z : in) {
      const zones::Zone& zone = set.zones()[z];
      if (zone.kind == zones::ZoneKind::kOperator && rule == "(none)") {
        rule = zones::ZoneActionName(zone.action);
      }
      list += (list.empty() ? "" : ", ") + zone.id + (zone.approximate ? " (approx.)" : "");
    }
    std::printf("  %-24s %-22s %s\n", p.name, rule.c_str(), list.c_str());
  }
  return loaded;
}

std::string Indented(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += "         " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

// Signs the store's audit log with the demo's key (made on first use, kept across runs) and
// says how to check it.
bool SignDemoCheckpoint(store::Store& db, const std::string& out_dir, const std::string& store_path,
                        std::uint64_t& records) {
  const std::string key_path = out_dir + "/audit.key", pub_path = out_dir + "/audit.pub";
  absl::StatusOr<audit::SignerKey> key = absl::NotFoundError("no key");
  if (absl::StatusOr<std::string> text = ReadFileLimited(key_path, 4096); text.ok()) {
    key = audit::ParseSignerKey(Trim(*text));
  }
  if (!key.ok()) {
    key = audit::GenerateSignerKey("satfence.demo/decisions");
    if (key.ok()) {
      std::ofstream(key_path) << audit::SignerKeyText(*key) << '\n';
      std::filesystem::permissions(
          key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
  }
  if (!key.ok()) {
    std::fprintf(stderr, "satfence demo: audit key: %s\n",
                 std::string(key.status().message()).c_str());
    return false;
  }
  std::ofstream(pub_path) << audit::VerifierKeyText(audit::VerifierOf(*key)) << '\n';
  const std::string now = FormatRfc3339(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
  absl::StatusOr<store::SignedCheckpoint> head = store::SignCheckpoint(db, {*key}, now);
  if (!head.ok()) {
    std::fprintf(stderr, "satfence demo: audit: %s\n",
                 std::string(head.status().message()).c_str());
    return false;
  }
  records = head->checkpoint.size;
  const std::string checkpoint_path = out_dir + "/checkpoint";
  std::ofstream(checkpoint_path) << head->note;
  std::printf(
      "[audit]  %llu records in the tamper-evident log (policy, zone set, registry, "
      "decisions); checkpoint signed by %s+%08x in %s\n"
      "         check it: satfence audit verify --store %s --key %s\n",
      static_cast<unsigned long long>(head->checkpoint.size), key->name.c_str(), key->id,
      checkpoint_path.c_str(), store_path.c_str(), pub_path.c_str());
  return true;
}

// The leaking channels and crowded sites, from the store just written.
bool ShowDiversion(const store::Store& db, nlohmann::json& channels_json,
                   nlohmann::json& clusters_json) {
  absl::StatusOr<std::vector<analytics::TerminalUsage>> usage = analytics::ReadUsage(db);
  absl::StatusOr<std::vector<registry::Terminal>> terminals = db.Terminals();
  if (!usage.ok() || !terminals.ok()) {
    std::fprintf(stderr, "satfence demo: analytics: %s\n",
                 std::string((usage.ok() ? terminals.status() : usage.status()).message()).c_str());
    return false;
  }
  const analytics::ChannelReport channels = analytics::RankChannels(*usage, *terminals);
  std::printf("[channels] sales channels ranked by diverted terminals (`satfence channels`):\n");
  std::fputs(Indented(ChannelsText(channels, 8)).c_str(), stdout);
  const analytics::ClusterOptions options;
  const std::vector<analytics::Cluster> sites =
      analytics::FindClusters(*usage, *terminals, options);
  std::printf("[clusters] `satfence clusters`: ");
  std::fputs(Indented(ClustersText(sites, options.radius_m, options.min_terminals, 5)).c_str() + 9,
             stdout);
  channels_json = analytics::ChannelReportJson(channels);
  clusters_json = analytics::ClustersJson(sites, options);
  return true;
}

// The verification stage: simulate the scenario, verify every report, decide, store, log,
// analyse, score the verdicts and draw the report.
bool RunVerification(const DataDir& shipped, const std::string& scenario_path,
                     const std::string& out_dir,
                     const DemoZones& zones_at, const std::string& policy_path) {
  using Clock = std::chrono::steady_clock;
  std::printf("\n[verify] simulating %s ...\n", scenario_path.c_str());
  absl::StatusOr<sim::Scenario> scenario = sim::LoadScenario(scenario_path, shipped.root);
  if (!scenario.ok()) {
    std::fprintf(stderr, "satfence demo: %s\n", std::string(scenario.status().message()).c_str());
    return false;
  }
  const std::string telemetry_path = out_dir + "/telemetry.jsonl";
  const std::string truth_path = out_dir + "/truth.jsonl";
  const std::string verdicts_path = out_dir + "/verdicts.jsonl";
  const std::string evaluation_path = out_dir + "/evaluation.json";
  const std::string decisions_path = out_dir + "/decisions.jsonl";
  const std::string store_path = out_dir + "/satfence.db";
  const std::string report_path = out_dir + "/report.html";
  std::vector<registry::Terminal> terminals;
  // For the report: each terminal as last decided, the diversion tables, the log's size.
  std::map<std::string, report::TerminalMark> marks;
  nlohmann::json channels_json, clusters_json;
  std::uint64_t audit_records = 0;
  int reports_verified = 0, simulated_reports = 0;
  double k_sigma = 3.0;
  std::string policy_version;
  decide::SequentialPolicy sequential;
  auto t0 = Clock::now();
  {
    std::ofstream telemetry(telemetry_path), truth(truth_path);
    sim::SimulationStats stats = sim::Simulate(
        *scenario,
        [&](const verify::Report& r, const sim::TruthRecord& t) {
          telemetry << verify::ReportJson(r) << '\n';
          truth << sim::TruthJson(t) << '\n';
        },
        [](double done) {
          std::printf("\r         %3.0f%%", 100.0 * done);
          std::fflush(stdout);
        },
        [&](const registry::Terminal& t) { terminals.push_back(t); });
    std::printf("\r         %d terminals, %d reports of network measurements (%.1f s)\n",
                stats.terminals, stats.reports, Seconds(t0));
    simulated_reports = stats.reports;
    std::ofstream(out_dir + "/registry.csv")
        << registry::RegistryCsv(registry::Registry(terminals));
  }
  t0 = Clock::now();
  std::printf("[verify] fixing every terminal from its measurements and testing its claim ...\n");
  {
    std::ifstream in(telemetry_path, std::ios::binary);
    std::ofstream out(verdicts_path);
    verify::TelemetryParser parser;
    absl::StatusOr<decide::Policy> policy = decide::LoadPolicy(policy_path);
    if (!policy.ok()) {
      std::fprintf(stderr, "satfence demo: %s\n", std::string(policy.status().message()).c_str());
      return false;
    }
    k_sigma = policy->k_sigma;
    policy_version = policy->version;
    sequential = policy->sequential;
    const registry::Registry registry(std::move(terminals));
    std::ofstream decisions(decisions_path);
    // Decisions, when the zones are there, into the embedded store: a fresh database per
    // run. Without zones, verdicts only.
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(store_path + suffix);
    std::unique_ptr<store::Store> db;
    std::unique_ptr<pipeline::Pipeline> pipeline;
    pipeline::InMemoryTerminalStates states;
    verify::Verifier verifier;
    if (zones_at.index != nullptr) {
      absl::StatusOr<std::unique_ptr<store::Store>> opened = store::OpenSqliteStore(store_path);
      absl::Status s = opened.status();
      if (opened.ok()) {
        db = *std::move(opened);
        for (const std::string& id : pipeline::UnknownPolicyZones(*policy, *zones_at.set)) {
          std::fprintf(stderr, "satfence demo: %s: zones.\"%s\": no zone with that id is loaded\n",
                       policy_path.c_str(), id.c_str());
        }
        pipeline = std::make_unique<pipeline::Pipeline>(
            pipeline::Inputs{*policy, *zones_at.set, *zones_at.index, registry, verifier}, states,
            db.get());
        absl::StatusOr<std::string> policy_text = ReadFileLimited(policy_path, 1 << 20);
        s = pipeline->StoreVersions(
            policy_text.ok() ? *policy_text : "",
            absl::StrFormat("%d zones: world borders and the operator's", zones_at.set->size()));
      }
      if (!s.ok()) {
        std::fprintf(stderr, "satfence demo: store: %s\n", std::string(s.message()).c_str());
        return false;
      }
    }
    int outcomes[3] = {0, 0, 0};
    verify::TelemetryCounts counts = verify::ForEachReport(
        in, telemetry_path, parser,
        [&](verify::Report&& r, std::string_view line) {
          if (const int done = outcomes[0] + outcomes[1] + outcomes[2]; done % 500 == 0) {
            std::printf("\r         %3.0f%%", 100.0 * done / std::max(simulated_reports, 1));
            std::fflush(stdout);
          }
          pipeline::Decided p;
          if (pipeline) {
            p = pipeline->Process(r, pipeline::DigestOf(line));
          } else {
            p.verdict = verifier.Verify(r);
          }
          const verify::Verdict& v = p.verdict;
          ++outcomes[static_cast<int>(v.outcome)];
          out << verify::VerdictJson(v) << '\n';
          if (!pipeline) return;
          decisions << pipeline::DecisionLine(r, p, *policy, *zones_at.set) << '\n';
          // For the report: the terminal as last decided.
          report::TerminalMark& mark = marks[r.terminal];
          mark.id = r.terminal;
          mark.action = std::string(decide::ActionName(p.decision.published));
          mark.verdict = std::string(verify::OutcomeName(v.outcome));
          mark.reasons = p.decision.decision.reasons;
          const registry::Terminal* entry = registry.Find(r.terminal);
          mark.seller = entry ? analytics::SellerLabel(*entry) : "(unregistered)";
          mark.claimed_lat_deg = r.claimed.position.lat_deg;
          mark.claimed_lon_deg = r.claimed.position.lon_deg;
          mark.fix.reset();
          mark.claim_outside = false;
          if (v.fix) {
            mark.fix = report::Fix{v.fix->position.lat_deg, v.fix->position.lon_deg,
                                   v.fix->ellipse.semi_major_m, v.fix->ellipse.semi_minor_m,
                                   v.fix->ellipse.azimuth_deg};
            mark.claim_outside =
                geo::GeodesicInverse(v.fix->position, r.claimed.position).distance_m >
                policy->k_sigma * v.fix->ellipse.semi_major_m;
          }
        },
        [](RecordError&& e) { std::fprintf(stderr, "%s\n", e.ToString().c_str()); });
    reports_verified = counts.accepted;
    std::printf("\r         %d reports: %d consistent, %d spoofed, %d inconclusive (%.1f s)\n",
                counts.accepted, outcomes[0], outcomes[1], outcomes[2], Seconds(t0));
    if (pipeline) {
      if (absl::Status s = pipeline->Flush(); !s.ok()) {
        std::fprintf(stderr, "satfence demo: store: %s\n", std::string(s.message()).c_str());
        return false;
      }
      const pipeline::Counts& c = pipeline->counts();
      std::printf("[decide] policy %s (version %.12s...), stored in %s (%lld decisions):\n",
                  policy_path.c_str(), policy->version.c_str(), store_path.c_str(),
                  static_cast<long long>(db->DecisionCount().value_or(-1)));
      std::printf(
          "         this report: %d allow, %d review, %d deny; published after "
          "hysteresis: %d allow, %d review, %d deny\n",
          c.actions[0], c.actions[1], c.actions[2], c.published[0], c.published[1], c.published[2]);
      for (const auto& [reason, n] : c.reasons) {
        std::printf("         %-24s %d\n", reason.c_str(), n);
      }
      if (!SignDemoCheckpoint(*db, out_dir, store_path, audit_records)) return false;
      if (!ShowDiversion(*db, channels_json, clusters_json)) return false;
    }
  }
  absl::StatusOr<sim::Evaluation> e = sim::EvaluateFiles(truth_path, verdicts_path, sequential);
  if (!e.ok()) {
    std::fprintf(stderr, "satfence demo: %s\n", std::string(e.status().message()).c_str());
    return false;
  }
  std::printf("[verify] against the truth and the theoretical limits:\n\n");
  std::fputs(sim::EvaluationText(*e).c_str(), stdout);
  const std::string evaluation_json = sim::EvaluationJson(*e);
  std::ofstream(evaluation_path) << evaluation_json << '\n';
  std::printf("\nwrote %s, %s,\n      %s, %s,\n      %s, %s/registry.csv\n", telemetry_path.c_str(),
              truth_path.c_str(), verdicts_path.c_str(), evaluation_path.c_str(),
              zones_at.index ? decisions_path.c_str() : "(no decisions: no zones)",
              out_dir.c_str());
  if (zones_at.index == nullptr) return true;

  // The report: one self-contained HTML page.
  absl::StatusOr<report::Assets> assets =
      report::LoadAssets(shipped.Path(DataDir::kWeb));
  absl::StatusOr<std::string> zones_text = ReadFileLimited(zones_at.operator_path, 16 << 20);
  if (!assets.ok() || !zones_text.ok()) {
    std::fprintf(
        stderr, "satfence demo: report: %s\n",
        std::string((assets.ok() ? zones_text.status() : assets.status()).message()).c_str());
    return false;
  }
  report::ReportData data;
  data.title = "satfence demo: " + scenario_path.substr(scenario_path.rfind('/') + 1);
  data.generated = FormatRfc3339(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
  data.policy_version = policy_version;
  data.zone_set_version = zones_at.set->version();
  data.k_sigma = k_sigma;
  data.reports = reports_verified;
  data.audit_records = audit_records;
  data.zones = nlohmann::json::parse(*zones_text, nullptr, false);
  data.evaluation = nlohmann::json::parse(evaluation_json, nullptr, false);
  data.channels = std::move(channels_json);
  data.clusters = std::move(clusters_json);
  for (auto& [id, mark] : marks) data.terminals.push_back(std::move(mark));
  std::ofstream out(report_path);
  out << report::Render(data, *assets);
  if (!out) {
    std::fprintf(stderr, "satfence demo: cannot write %s\n", report_path.c_str());
    return false;
  }
  std::printf("\n[report] %s: the map, the plots and the tables in one page (opens offline)\n",
              report_path.c_str());
  return true;
}

void RunDemo(const DataDir& data, const std::string& elements_path, const std::string& time_text,
             const std::string& out_dir, const std::string& world_path,
             const std::string& scenario_path, const std::string& verify_scenario,
             const std::string& policy_path, ExitCode& exit) {
  using Clock = std::chrono::steady_clock;
  std::printf(
      "satfence demo: orbit, zones, verification, decisions, audit log, diversion analytics "
      "and a report, on real data\n\n");

  auto t0 = Clock::now();
  std::printf("[1/4] reading %s ...\n", elements_path.c_str());
  const ReadResult<orbit::ElementSet> cat = orbit::ReadElementsFile(elements_path);
  for (const RecordError& e : cat.errors)
    std::fprintf(stderr, "  rejected: %s\n", e.ToString().c_str());
  if (cat.records.empty()) {
    std::fprintf(stderr, "satfence demo: no element sets; set --elements\n");
    exit.value = 2;
    return;
  }
  const orbit::Constellation real = orbit::Constellation::FromElements(cat.records);
  UtcTime latest = cat.records.front().epoch;
  for (const orbit::ElementSet& e : cat.records) latest = std::max(latest, e.epoch);
  UtcTime t = latest;
  if (!time_text.empty()) {
    const std::optional<UtcTime> parsed = ParseTimeOption(time_text, "demo", exit);
    if (!parsed) return;
    t = *parsed;
  }
  std::printf("      %zu satellites, %zu rejected, latest epoch %s (%.2f s)\n", real.size(),
              cat.errors.size(), FormatRfc3339(latest).c_str(), Seconds(t0));

  t0 = Clock::now();
  std::printf("[2/4] propagating every satellite to %s (SGP4, SIMD batch) ...\n",
              FormatRfc3339(t).c_str());
  const std::vector<orbit::SatelliteState> states = real.EcefStatesAt(t);
  const orbit::VisibilityIndex index(states, 25.0);
  const orbit::Constellation gen1 =
      orbit::Constellation::FromShells(orbit::StarlinkGen1Shells(), t);
  const orbit::VisibilityIndex gen1_index(gen1.EcefStatesAt(t), 25.0);
  std::printf("      %zu states (%zu failed), and %zu from the filed Gen1 shells (%.3f s)\n",
              states.size(), real.size() - states.size(), gen1.size(), Seconds(t0));

  std::printf(
      "[3/4] satellites above 25 deg: the ones whose ranges, Doppler and angles could "
      "locate a terminal\n\n");
  std::printf("  %-24s %9s %9s   %s\n", "place", "snapshot", "Gen1",
              "highest three (norad az/elev)");
  for (const Place& p : kPlaces) {
    const auto vis = index.Visible(p.where);
    std::string top;
    for (size_t i = 0; i < vis.size() && i < 3; ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%u %.0f/%.0f", i ? ", " : "",
                    index.states()[vis[i].index].catalog_number, vis[i].look.azimuth_deg,
                    vis[i].look.elevation_deg);
      top += buf;
    }
    std::printf("  %-24s %9zu %9zu   %s\n", p.name, vis.size(), gen1_index.Visible(p.where).size(),
                top.c_str());
  }

  // Coverage over the region: a 0.25-degree grid from 44 to 56 N and 20 to 42 E.
  t0 = Clock::now();
  std::filesystem::create_directories(out_dir);
  const std::string grid_path = out_dir + "/visibility_grid.csv";
  std::ofstream grid(grid_path);
  grid << "lat_deg,lon_deg,visible_snapshot,visible_gen1\n";
  size_t cells = 0, thin = 0, total = 0;
  for (double lat = 44.0; lat <= 56.0001; lat += 0.25) {
    for (double lon = 20.0; lon <= 42.0001; lon += 0.25) {
      const size_t n = index.Visible({lat, lon, 0.0}).size();
      grid << lat << "," << lon << "," << n << "," << gen1_index.Visible({lat, lon, 0.0}).size()
           << "\n";
      ++cells;
      total += n;
      if (n < 4) ++thin;
    }
  }
  std::printf(
      "\n  region 44-56 N, 20-42 E: %zu grid points, mean %.1f satellites in view, "
      "%zu with fewer than 4 (%.2f s)\n",
      cells, static_cast<double>(total) / cells, thin, Seconds(t0));

  std::printf("\n[4/4] next passes above 25 deg over Kyiv of the highest satellite now:\n");
  const auto kyiv_vis = index.Visible(kPlaces[0].where);
  if (!kyiv_vis.empty()) {
    const std::uint32_t id = index.states()[kyiv_vis[0].index].catalog_number;
    for (const orbit::Sgp4& s : real.satellites()) {
      if (s.catalog_number() != id) continue;
      for (const orbit::Pass& p :
           orbit::PredictPasses(s, kPlaces[0].where, t, AddMinutes(t, 360))) {
        std::printf("  %u  rise %s  max %.1f deg at %s  set %s%s\n", id,
                    FormatRfc3339(p.rise).substr(11, 8).c_str(), p.max_elevation_deg,
                    FormatRfc3339(p.culmination).substr(11, 8).c_str(),
                    FormatRfc3339(p.set).substr(11, 8).c_str(),
                    p.starts_before_window ? " (up at start)" : "");
      }
    }
  }
  const DemoZones zones_at = ShowZones(world_path, scenario_path);
  std::printf("\nwrote %s\n", grid_path.c_str());
  const bool verified =
      verify_scenario.empty() ||
      RunVerification(data, verify_scenario, out_dir, zones_at, policy_path);
  exit.value = cat.errors.empty() && verified ? 0 : 1;
}

}  // namespace

void RegisterDemoCommand(CLI::App& app, ExitCode& exit) {
  struct Options {
    std::string elements, time, out = "out/demo", world, scenario, policy;
    std::optional<std::string> verify_scenario;
  };
  auto o = std::make_shared<Options>();
  CLI::App* demo = app.add_subcommand(
      "demo", "Run the main job on real data (orbit, zones, verification; see README)");
  demo->add_option("--elements", o->elements,
                   absl::StrCat("Element-set file (default: the data directory's ",
                                std::string(DataDir::kStarlinkElements), ")"));
  demo->add_option("--time", o->time, "Instant (RFC 3339); default: the latest epoch");
  demo->add_option("--out", o->out, "Output folder")->capture_default_str();
  demo->add_option("--world-zones", o->world,
                   absl::StrCat("World borders (GeoJSON, ISO A3 ids; default: the data "
                                "directory's ",
                                std::string(DataDir::kWorldMaritime), ")"));
  demo->add_option("--scenario-zones", o->scenario,
                   absl::StrCat("Operator zones (GeoJSON; default: the data directory's ",
                                std::string(DataDir::kScenarioZones), ")"));
  demo->add_option("--policy", o->policy,
                   absl::StrCat("Policy for the decisions (TOML; default: the data directory's ",
                                std::string(DataDir::kExamplePolicy), ")"));
  demo->add_option("--verify-scenario", o->verify_scenario,
                   absl::StrCat("Simulation scenario for the verification stage (TOML; empty: "
                                "skip it; default: the data directory's ",
                                std::string(DataDir::kDemoScenario), ")"));
  demo->callback([o, &exit] {
    const std::optional<DataDir> data = FindData("demo", exit);
    if (!data) return;
    auto or_default = [&](const std::string& given, std::string_view shipped) {
      return given.empty() ? data->Path(shipped) : given;
    };
    RunDemo(*data, or_default(o->elements, DataDir::kStarlinkElements), o->time, o->out,
            or_default(o->world, DataDir::kWorldMaritime),
            or_default(o->scenario, DataDir::kScenarioZones),
            o->verify_scenario ? *o->verify_scenario : data->Path(DataDir::kDemoScenario),
            or_default(o->policy, DataDir::kExamplePolicy), exit);
  });
}

}  // namespace satfence::cli
