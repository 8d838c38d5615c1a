// The demo's HTML report: one self-contained page (libraries, styles, basemap and data
// inlined; nothing loaded from the network) with a map of zones and terminals, the
// verifier's detection and ROC plots, and the diversion tables. web/README.md describes it.
//
//   absl::StatusOr<Assets> assets = LoadAssets("web");   // web/ and web/node_modules
//   std::string html = *Render(data, *assets);
#ifndef SATFENCE_REPORT_REPORT_H_
#define SATFENCE_REPORT_REPORT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace satfence::report {

struct Fix {
  double lat_deg = 0.0;
  double lon_deg = 0.0;
  double semi_major_m = 0.0;  // 1 sigma
  double semi_minor_m = 0.0;
  double azimuth_deg = 0.0;  // of the major axis, clockwise from north
};

// One terminal as last decided.
struct TerminalMark {
  std::string id;
  std::string action;  // published: allow, review, deny
  std::string verdict;
  std::vector<std::string> reasons;
  std::string seller;  // "reseller BorderTrade (POL)"
  double claimed_lat_deg = 0.0;
  double claimed_lon_deg = 0.0;
  std::optional<Fix> fix;
  bool claim_outside = false;  // the claim lies outside the fix's k-sigma ellipse
};

struct ReportData {
  std::string title;
  std::string generated;  // RFC 3339
  std::string policy_version;
  std::string zone_set_version;
  double k_sigma = 3.0;
  int reports = 0;
  std::uint64_t audit_records = 0;
  nlohmann::json zones;       // the operator's zones (GeoJSON FeatureCollection)
  nlohmann::json evaluation;  // sim::EvaluationJson
  nlohmann::json channels;    // analytics::ChannelReportJson
  nlohmann::json clusters;    // analytics::ClustersJson
  std::vector<TerminalMark> terminals;
};

struct Assets {
  std::string page;                    // web/report.html
  std::string app;                     // web/report.js
  std::string style;                   // leaflet.css
  std::vector<std::string> libraries;  // leaflet, topojson-client, chart.js
  nlohmann::json basemap;              // world-atlas countries-50m (TopoJSON)
};

// Reads the page, the app and the installed libraries; errors name the missing file (and
// say that scripts/setup installs them) or a file that cannot be inlined safely.
absl::StatusOr<Assets> LoadAssets(const std::string& web_dir);

// The page with everything inlined.
std::string Render(const ReportData& data, const Assets& assets);

}  // namespace satfence::report

#endif  // SATFENCE_REPORT_REPORT_H_
