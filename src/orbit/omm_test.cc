#include "satfence/orbit/omm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "satfence/orbit/elements_file.h"
#include "satfence/orbit/tle.h"

namespace satfence::orbit {
namespace {

using ::testing::HasSubstr;

// Debian's python3-sgp4 ships CelesTrak-style OMM samples (Vanguard 1) beside its code.
const std::string kPySgp4 = "/usr/lib/python3/dist-packages/sgp4/";

void ExpectVanguard(const ElementSet& e) {
  EXPECT_EQ(e.catalog_number, 5u);
  EXPECT_EQ(e.name, "VANGUARD 1");
  EXPECT_EQ(e.international_designator, "1958-002B");
  EXPECT_EQ(FormatRfc3339(e.epoch), "2020-10-13T04:52:48.472320Z");
  EXPECT_DOUBLE_EQ(e.mean_motion_rev_per_day, 10.84869164);
  EXPECT_DOUBLE_EQ(e.eccentricity, 0.1845686);
  EXPECT_DOUBLE_EQ(e.inclination_deg, 34.2443);
  EXPECT_DOUBLE_EQ(e.raan_deg, 225.5254);
  EXPECT_DOUBLE_EQ(e.arg_perigee_deg, 162.2516);
  EXPECT_DOUBLE_EQ(e.mean_anomaly_deg, 205.2356);
  EXPECT_DOUBLE_EQ(e.bstar_per_earth_radius, -0.22483e-4);
  EXPECT_DOUBLE_EQ(e.mean_motion_dot_rev_per_day2, -1.6e-7);
  EXPECT_EQ(e.element_set_number, 999);
  EXPECT_EQ(e.rev_at_epoch, 21814);
  EXPECT_EQ(e.classification, 'U');
}

TEST(Omm, ReadsPythonSgp4sCsvAndXmlSamples) {
  for (const char* name : {"sample_omm.csv", "sample_omm.xml"}) {
    const ReadResult<ElementSet> r = ReadElementsFile(kPySgp4 + name);
    ASSERT_TRUE(r.errors.empty()) << r.errors.front().ToString();
    ASSERT_EQ(r.records.size(), 1u) << name;
    ExpectVanguard(r.records[0]);
  }
}

constexpr char kJson[] = R"([{"OBJECT_NAME":"VANGUARD 1","OBJECT_ID":"1958-002B",
 "EPOCH":"2020-10-13T04:52:48.472320","MEAN_MOTION":10.84869164,"ECCENTRICITY":0.1845686,
 "INCLINATION":34.2443,"RA_OF_ASC_NODE":225.5254,"ARG_OF_PERICENTER":162.2516,
 "MEAN_ANOMALY":205.2356,"EPHEMERIS_TYPE":0,"CLASSIFICATION_TYPE":"U","NORAD_CAT_ID":5,
 "ELEMENT_SET_NO":999,"REV_AT_EPOCH":21814,"BSTAR":-2.2483e-5,"MEAN_MOTION_DOT":-1.6e-7,
 "MEAN_MOTION_DDOT":0},
 {"OBJECT_NAME":"NEW OBJECT","OBJECT_ID":"2026-201A","EPOCH":"2026-07-01T00:00:00.000001",
 "MEAN_MOTION":15.2,"ECCENTRICITY":0.0002,"INCLINATION":53.0,"RA_OF_ASC_NODE":10,
 "ARG_OF_PERICENTER":90,"MEAN_ANOMALY":270,"NORAD_CAT_ID":270012345,"BSTAR":0.0001},
 {"OBJECT_NAME":"BROKEN","EPOCH":"2026-07-01T00:00:00","MEAN_MOTION":"fast",
 "ECCENTRICITY":0.1,"INCLINATION":53,"RA_OF_ASC_NODE":0,"ARG_OF_PERICENTER":0,
 "MEAN_ANOMALY":0,"NORAD_CAT_ID":99}])";

TEST(Omm, JsonAsCelesTrakServesItWithNineDigitNumbers) {
  const ReadResult<ElementSet> r = ParseOmmJson(kJson, "gp.json");
  ASSERT_EQ(r.records.size(), 2u);
  ExpectVanguard(r.records[0]);
  EXPECT_EQ(r.records[1].catalog_number, 270012345u);
  EXPECT_EQ(FormatRfc3339(r.records[1].epoch), "2026-07-01T00:00:00.000001Z");
  EXPECT_FALSE(FormatTle(r.records[1]).ok());  // no TLE form above 339,999
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(), "gp.json: record 3: MEAN_MOTION: 'fast' is not a number");
}

TEST(Omm, KvnWithSeveralMessagesCommentsAndUnits) {
  const char* kvn =
      "CCSDS_OMM_VERS = 2.0\nCOMMENT from a test\nCREATION_DATE = 2026-11-24T00:00:00\n"
      "ORIGINATOR = TEST\nOBJECT_NAME = VANGUARD 1\nOBJECT_ID = 1958-002B\n"
      "CENTER_NAME = EARTH\nREF_FRAME = TEME\nTIME_SYSTEM = UTC\nMEAN_ELEMENT_THEORY = SGP4\n"
      "EPOCH = 2020-10-13T04:52:48.472320\nMEAN_MOTION = 10.84869164 [rev/day]\n"
      "ECCENTRICITY = .1845686\nINCLINATION = 34.2443 [deg]\nRA_OF_ASC_NODE = 225.5254\n"
      "ARG_OF_PERICENTER = 162.2516\nMEAN_ANOMALY = 205.2356\nEPHEMERIS_TYPE = 0\n"
      "CLASSIFICATION_TYPE = U\nNORAD_CAT_ID = 5\nELEMENT_SET_NO = 999\nREV_AT_EPOCH = 21814\n"
      "BSTAR = -.22483E-4\nMEAN_MOTION_DOT = -1.6E-7\nMEAN_MOTION_DDOT = 0\n"
      "\n"
      "CCSDS_OMM_VERS = 2.0\nOBJECT_NAME = XP\nMEAN_ELEMENT_THEORY = SGP4-XP\nNORAD_CAT_ID = 7\n"
      "CCSDS_OMM_VERS = 2.0\nNORAD_CAT_ID = 8\nEPOCH = 2026-02-30T00:00:00\n";
  const ReadResult<ElementSet> r = ParseOmmKvn(kvn, "x.kvn");
  ASSERT_EQ(r.records.size(), 1u);
  ExpectVanguard(r.records[0]);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].ToString(),
            "x.kvn:29: record 2: MEAN_ELEMENT_THEORY: is 'SGP4-XP'; SGP4 elements need SGP4");
  EXPECT_EQ(r.errors[1].line, 33);
  EXPECT_EQ(r.errors[1].field, "EPOCH");
  EXPECT_THAT(r.errors[1].message, HasSubstr("no such calendar date"));
}

TEST(Omm, XmlErrorsCarryTheLineOfTheKeyword) {
  const char* xml =
      "<ndm>\n<omm>\n<body><segment><metadata><OBJECT_NAME>A</OBJECT_NAME></metadata>\n"
      "<data><meanElements><EPOCH>2026-01-01T00:00:00</EPOCH>\n"
      "<MEAN_MOTION>15</MEAN_MOTION><ECCENTRICITY>1.5</ECCENTRICITY>\n"
      "<INCLINATION>53</INCLINATION><RA_OF_ASC_NODE>0</RA_OF_ASC_NODE>"
      "<ARG_OF_PERICENTER>0</ARG_OF_PERICENTER><MEAN_ANOMALY>0</MEAN_ANOMALY></meanElements>\n"
      "<tleParameters><NORAD_CAT_ID>42</NORAD_CAT_ID></tleParameters></data></segment></body>"
      "</omm>\n</ndm>\n";
  const ReadResult<ElementSet> r = ParseOmmXml(xml, "bad.xml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(), "bad.xml:5: record 1: ECCENTRICITY: 1.5 is outside [0, 1)");
  EXPECT_FALSE(ParseOmmXml("<ndm><omm>", "cut.xml").errors.empty());
}

TEST(Omm, CsvRowsWithTheWrongWidthAreReportedAndSkipped) {
  const std::string csv =
      "OBJECT_NAME,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
      "ARG_OF_PERICENTER,MEAN_ANOMALY,NORAD_CAT_ID\n"
      "\"SAT, ONE\",2026-01-01T00:00:00,15,0.001,53,0,0,0,100001\n"
      "SAT TWO,2026-01-01T00:00:00,15,0.001,53\n"
      "SAT THREE,2026-01-01T00:00:00,15,0.001,53,0,0,0,1000000000\n";
  const ReadResult<ElementSet> r = ParseOmmCsv(csv, "gp.csv");
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].name, "SAT, ONE");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].ToString(), "gp.csv:3: record 2: has 5 cells, the header has 9");
  EXPECT_EQ(r.errors[1].line, 4);
  EXPECT_EQ(r.errors[1].field, "NORAD_CAT_ID");
}

TEST(Omm, LimitsAreCheckedBeforeParsing) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const ReadResult<ElementSet> r = ParseOmmJson(deep, "deep.json");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("nesting depth 100 exceeds the limit of 16"));
  EXPECT_EQ(ParseOmmJson("{not json", "bad.json").errors[0].message, "not valid JSON");
}

TEST(ElementsFile, DetectsEachFormat) {
  EXPECT_EQ(DetectElementsFormat(kJson), ElementsFormat::kOmmJson);
  EXPECT_EQ(DetectElementsFormat("  <?xml version=\"1.0\"?><ndm/>"), ElementsFormat::kOmmXml);
  EXPECT_EQ(DetectElementsFormat("CCSDS_OMM_VERS = 2.0\n"), ElementsFormat::kOmmKvn);
  EXPECT_EQ(DetectElementsFormat("OBJECT_NAME,NORAD_CAT_ID\n"), ElementsFormat::kOmmCsv);
  EXPECT_EQ(DetectElementsFormat("ISS (ZARYA)\n1 25544U"), ElementsFormat::kTle);
  EXPECT_EQ(ReadElementsFile("/nonexistent/x.tle").errors[0].ToString(),
            "/nonexistent/x.tle: cannot open the file");
}

}  // namespace
}  // namespace satfence::orbit
