#include "satfence/report/report.h"

#include "absl/strings/str_cat.h"
#include "satfence/base/file.h"

namespace satfence::report {
namespace {

constexpr size_t kMaxAssetBytes = 16 << 20;

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Library code ends with a source-map comment that would point at a file not shipped.
std::string WithoutSourceMap(std::string js) {
  const size_t at = js.rfind("//# sourceMappingURL=");
  if (at != std::string::npos) js.erase(at);
  return js;
}

// Text that can sit inside <script> or <style> without ending it early or switching the
// HTML tokenizer into its escaped states.
absl::Status CheckInlinable(const std::string& text, const std::string& path) {
  for (const char* bad : {"</script", "</SCRIPT", "<!--", "</style", "</STYLE"}) {
    if (text.find(bad) != std::string::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": contains '", bad, "' and cannot be inlined as it is"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Read(const std::string& path, bool is_code) {
  absl::StatusOr<std::string> text = ReadFileLimited(path, kMaxAssetBytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat(path, ": ", text.status().message(),
                                     " (scripts/setup installs the report's libraries)"));
  }
  if (is_code) {
    std::string code = WithoutSourceMap(*std::move(text));
    if (absl::Status s = CheckInlinable(code, path); !s.ok()) return s;
    return code;
  }
  return text;
}

nlohmann::json TerminalJson(const TerminalMark& t) {
  nlohmann::json j = {{"id", t.id},
                      {"action", t.action},
                      {"verdict", t.verdict},
                      {"reasons", t.reasons},
                      {"seller", t.seller},
                      {"claimed", {t.claimed_lat_deg, t.claimed_lon_deg}},
                      {"claim_outside", t.claim_outside},
                      {"fix", nullptr}};
  if (t.fix) {
    j["fix"] = {{"lat", t.fix->lat_deg},
                {"lon", t.fix->lon_deg},
                {"a", t.fix->semi_major_m},
                {"b", t.fix->semi_minor_m},
                {"az", t.fix->azimuth_deg}};
  }
  return j;
}

}  // namespace

absl::StatusOr<Assets> LoadAssets(const std::string& web_dir) {
  Assets a;
  const std::string modules = web_dir + "/node_modules/";
  absl::StatusOr<std::string> page = Read(web_dir + "/report.html", false);
  if (!page.ok()) return page.status();
  a.page = *std::move(page);
  absl::StatusOr<std::string> app = Read(web_dir + "/report.js", true);
  if (!app.ok()) return app.status();
  a.app = *std::move(app);
  absl::StatusOr<std::string> style = Read(modules + "leaflet/dist/leaflet.css", true);
  if (!style.ok()) return style.status();
  a.style = *std::move(style);
  for (const char* lib : {"leaflet/dist/leaflet.js", "topojson-client/dist/topojson-client.min.js",
                          "chart.js/dist/chart.umd.min.js"}) {
    absl::StatusOr<std::string> code = Read(modules + lib, true);
    if (!code.ok()) return code.status();
    a.libraries.push_back(*std::move(code));
  }
  const std::string basemap_path = modules + "world-atlas/countries-50m.json";
  absl::StatusOr<std::string> basemap = Read(basemap_path, false);
  if (!basemap.ok()) return basemap.status();
  a.basemap = nlohmann::json::parse(*basemap, nullptr, /*allow_exceptions=*/false);
  if (!a.basemap.is_object() || !a.basemap.contains("objects")) {
    return absl::DataLossError(absl::StrCat(basemap_path, ": not TopoJSON"));
  }
  for (const char* placeholder : {"<!--satfence:style-->", "<!--satfence:scripts-->",
                                  "<!--satfence:data-->", "<!--satfence:app-->"}) {
    if (a.page.find(placeholder) == std::string::npos) {
      return absl::DataLossError(
          absl::StrCat(web_dir, "/report.html: the placeholder ", placeholder, " is missing"));
    }
  }
  return a;
}

std::string Render(const ReportData& data, const Assets& assets) {
  nlohmann::json terminals = nlohmann::json::array();
  for (const TerminalMark& t : data.terminals) terminals.push_back(TerminalJson(t));
  const nlohmann::json payload = {{"title", data.title},
                                  {"generated", data.generated},
                                  {"policy", data.policy_version},
                                  {"zone_set", data.zone_set_version},
                                  {"k_sigma", data.k_sigma},
                                  {"reports", data.reports},
                                  {"audit", {{"records", data.audit_records}}},
                                  {"zones", data.zones},
                                  {"evaluation", data.evaluation},
                                  {"channels", data.channels},
                                  {"clusters", data.clusters},
                                  {"terminals", terminals},
                                  {"basemap", assets.basemap}};
  // '<' only ever occurs inside JSON strings, where \u003c means the same: the data cannot
  // end its <script> element or open a comment.
  std::string json = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ReplaceAll(json, "<", "\\u003c");

  std::string scripts;
  for (const std::string& lib : assets.libraries)
    absl::StrAppend(&scripts, "<script>\n", lib, "\n</script>\n");
  std::string page = assets.page;
  ReplaceAll(page, "<!--satfence:style-->", absl::StrCat("<style>\n", assets.style, "\n</style>"));
  ReplaceAll(page, "<!--satfence:scripts-->", scripts);
  ReplaceAll(
      page, "<!--satfence:data-->",
      absl::StrCat("<script type=\"application/json\" id=\"satfence-data\">", json, "</script>"));
  ReplaceAll(page, "<!--satfence:app-->", assets.app);
  return page;
}

}  // namespace satfence::report
