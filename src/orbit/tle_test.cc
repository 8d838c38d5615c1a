#include "satfence/orbit/tle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace satfence::orbit {
namespace {

using ::testing::HasSubstr;

const std::string kStarlink =
    std::string(SATFENCE_TESTDATA_DIR) + "/starlink/starlink_20250923.tle";
const std::string kVallado = std::string(SATFENCE_TESTDATA_DIR) + "/sgp4/SGP4-VER.TLE";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Tle, Alpha5AsSpaceTrackDefinesIt) {
  // Space-Track "Alpha-5": A = 10 ... Z = 33, skipping I and O; A0000 = 100,000.
  EXPECT_EQ(*DecodeAlpha5("25544"), 25544u);
  EXPECT_EQ(*DecodeAlpha5(" 5"), 5u);
  EXPECT_EQ(*DecodeAlpha5("A0000"), 100000u);
  EXPECT_EQ(*DecodeAlpha5("E8493"), 148493u);
  EXPECT_EQ(*DecodeAlpha5("J0000"), 180000u);
  EXPECT_EQ(*DecodeAlpha5("P0000"), 230000u);
  EXPECT_EQ(*DecodeAlpha5("Z9999"), 339999u);
  EXPECT_FALSE(DecodeAlpha5("I0000").ok());
  EXPECT_FALSE(DecodeAlpha5("O1234").ok());
  EXPECT_FALSE(DecodeAlpha5("A12X4").ok());
  for (std::uint32_t n : {1u, 99999u, 100000u, 148493u, 179999u, 180000u, 229999u, 339999u}) {
    EXPECT_EQ(*DecodeAlpha5(*EncodeAlpha5(n)), n);
  }
  EXPECT_EQ(*EncodeAlpha5(148493), "E8493");
  EXPECT_FALSE(EncodeAlpha5(340000).ok());
}

TEST(Tle, ReadsTheRealStarlinkSnapshotWithEveryChecksum) {
  const ReadResult<ElementSet> r = ReadTleFile(kStarlink);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front().ToString();
  ASSERT_EQ(r.records.size(), 8325u);
  const ElementSet& first = r.records.front();
  EXPECT_EQ(first.catalog_number, 44714u);
  EXPECT_EQ(first.name, "STARLINK-1008");
  EXPECT_EQ(first.international_designator, "2019-074B");
  // 25266.17900924: 2025 day 266 = 23 Sep; 0.17900924 d = 15466.398336 s exactly.
  EXPECT_EQ(FormatRfc3339(first.epoch), "2025-09-23T04:17:46.398336Z");
  EXPECT_DOUBLE_EQ(first.mean_motion_dot_rev_per_day2, -0.00000055);
  EXPECT_DOUBLE_EQ(first.bstar_per_earth_radius, 0.15232e-4);
  EXPECT_DOUBLE_EQ(first.eccentricity, 0.0001564);
  EXPECT_DOUBLE_EQ(first.mean_motion_rev_per_day, 15.06390214);
  EXPECT_EQ(first.rev_at_epoch, 32350);
  EXPECT_EQ(r.records.back().catalog_number, 65543u);
}

TEST(Tle, FormatReproducesEveryLineOfTheSnapshot) {
  const std::string text = Slurp(kStarlink);
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.rfind("1 ", 0) == 0 || l.rfind("2 ", 0) == 0) lines.push_back(l);
  }
  const ReadResult<ElementSet> r = ParseTle(text, "starlink");
  ASSERT_EQ(lines.size(), 2 * r.records.size());
  for (size_t i = 0; i < r.records.size(); ++i) {
    const auto formatted = FormatTle(r.records[i]);
    ASSERT_TRUE(formatted.ok()) << formatted.status();
    EXPECT_EQ(formatted->first, lines[2 * i]);
    EXPECT_EQ(formatted->second, lines[2 * i + 1]);
  }
}

TEST(Tle, RejectsExactlyTheMadeUpCasesWithWrongChecksums) {
  // SGP4-VER.TLE README: 33333, 33334, 33335 have wrong line-1 checksums.
  const ReadResult<ElementSet> r = ReadTleFile(kVallado);
  ASSERT_EQ(r.errors.size(), 3u);
  std::set<int> lines;
  for (const RecordError& e : r.errors) {
    EXPECT_EQ(e.source, kVallado);
    EXPECT_THAT(e.field, HasSubstr("checksum"));
    lines.insert(e.line);
  }
  EXPECT_EQ(r.records.size(), 30u);  // the other 30 still load
  for (const ElementSet& e : r.records) {
    EXPECT_TRUE(e.catalog_number < 33333 || e.catalog_number > 33335) << e.catalog_number;
  }
}

TEST(Tle, BadFieldsAreNamedAndTheRestLoads) {
  const std::string good1 = "1 44714U 19074B   25266.17900924 -.00000055  00000+0  15232-4 0  9991";
  const std::string good2 = "2 44714  53.0533 218.6047 0001564  98.0837 262.0330 15.06390214323500";
  std::string bad2 = good2;
  bad2[28] = 'x';  // inside the eccentricity
  const std::string text = "GOOD\n" + good1 + "\n" + good2 + "\nBAD\n" + good1 + "\n" + bad2 +
                           "\n" + "ORPHAN\n" + good1 + "\n";
  const ReadResult<ElementSet> r =
      ParseTle(text, "mixed.tle", {.checksum = ChecksumPolicy::kIgnore});
  ASSERT_EQ(r.records.size(), 1u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 6);
  EXPECT_EQ(r.errors[0].record, 2);
  EXPECT_THAT(r.errors[0].ToString(),
              HasSubstr("mixed.tle:6: record 2: eccentricity (line 2, cols 27-33)"));
  EXPECT_EQ(r.errors[1].line, 8);
  EXPECT_THAT(r.errors[1].message, HasSubstr("not followed by a line starting with '2 '"));

  // A letter in a digit's place counts 0, so the checksum alone does not catch the 'x';
  // a changed digit it does.
  std::string wrong1 = good1;
  wrong1[68] = '2';
  const ReadResult<ElementSet> strict = ParseTle(wrong1 + "\n" + good2 + "\n", "sum.tle");
  ASSERT_EQ(strict.errors.size(), 1u);
  EXPECT_EQ(strict.errors[0].ToString(),
            "sum.tle:1: record 1: checksum (col 69): is 2, the line sums to 1");
}

TEST(Tle, ShortLinesAndMismatchedNumbersAreErrors) {
  const ReadResult<ElementSet> r = ParseTle(
      "1 44714U 19074B   25266.17900924 -.00000055  00000+0  15232-4 0  9991\n"
      "2 44715  53.0533 218.6047 0001564  98.0837 262.0330 15.06390214323500\n"
      "1 44714U 19074B   25266.17900924\n2 44714\n",
      "x", {.checksum = ChecksumPolicy::kIgnore});
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("differs from line 1's 44714"));
  EXPECT_THAT(r.errors[1].message, HasSubstr("a TLE line needs 69"));
}

}  // namespace
}  // namespace satfence::orbit
