// The report page against the installed libraries: everything inlined (no script, style or
// image loaded from elsewhere), data that tries to close its element or open a comment
// comes back intact, and missing libraries are named.
#include "satfence/report/report.h"

#include <gtest/gtest.h>

#include <regex>

namespace satfence::report {
namespace {

const std::string kWeb = std::string(SATFENCE_SOURCE_DIR) + "/web";

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

ReportData Sample() {
  ReportData d;
  d.title = "test";
  d.zones = nlohmann::json::parse(R"({"type":"FeatureCollection","features":[]})");
  d.evaluation = nlohmann::json::object();
  d.channels = {{"channels", nlohmann::json::array()}};
  d.clusters = {{"sites", nlohmann::json::array()}};
  TerminalMark t;
  t.id = "</script><!-- KIT";
  t.action = "deny";
  t.reasons = {"in_deny_zone"};
  t.fix = Fix{48.0, 37.8, 150.0, 90.0, 30.0};
  d.terminals.push_back(t);
  return d;
}

TEST(Report, InlinesEverythingAndKeepsHostileDataIntact) {
  absl::StatusOr<Assets> assets = LoadAssets(kWeb);
  ASSERT_TRUE(assets.ok()) << assets.status();
  const std::string html = Render(Sample(), *assets);
  // Every <script> element is opened and closed by the page itself: 3 libraries, the data
  // and the app.
  EXPECT_EQ(Count(html, "<script"), 5u);
  EXPECT_EQ(Count(html, "</script>"), 5u);
  EXPECT_EQ(Count(html, "<!--"), 0u);
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(<(script|img|iframe)[^>]*\ssrc=)")));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(<link[^>]*href=)")));
  EXPECT_EQ(html.find("sourceMappingURL"), std::string::npos);
  // The data parses back as it went in.
  const std::string open = R"(<script type="application/json" id="satfence-data">)";
  const size_t begin = html.find(open) + open.size();
  const size_t end = html.find("</script>", begin);
  nlohmann::json data = nlohmann::json::parse(html.substr(begin, end - begin));
  EXPECT_EQ(data["terminals"][0]["id"], "</script><!-- KIT");
  EXPECT_EQ(data["terminals"][0]["fix"]["a"], 150.0);
  EXPECT_TRUE(data["basemap"]["objects"].contains("countries"));
}

TEST(Report, NamesAMissingLibrary) {
  absl::StatusOr<Assets> assets = LoadAssets(::testing::TempDir());
  ASSERT_FALSE(assets.ok());
  EXPECT_NE(assets.status().message().find("report.html"), std::string::npos);
  EXPECT_NE(assets.status().message().find("scripts/setup"), std::string::npos);
}

}  // namespace
}  // namespace satfence::report
