// The registry's CSV: RFC 4180 quoting (the RFC's own examples), located errors for every bad
// row with the rest loaded, the whitelist caps per owner, and an exact round trip.
#include "satfence/registry/registry.h"

#include <gtest/gtest.h>

#include <string>

#include "satfence/base/csv.h"

namespace satfence::registry {
namespace {

TEST(Csv, ReadsTheRfc4180Examples) {
  std::vector<std::string> f;
  std::string error;
  ASSERT_TRUE(ParseCsvRecord(R"("aaa","b""bb","ccc")", f, error));  // RFC 4180 2.7
  EXPECT_EQ(f, (std::vector<std::string>{"aaa", "b\"bb", "ccc"}));
  ASSERT_TRUE(ParseCsvRecord(R"("aaa","b,bb","ccc")", f, error));  // 2.6, without the break
  EXPECT_EQ(f, (std::vector<std::string>{"aaa", "b,bb", "ccc"}));
  ASSERT_TRUE(ParseCsvRecord("zzz,yyy,xxx", f, error));  // 2.1
  EXPECT_EQ(f.size(), 3u);
  ASSERT_TRUE(ParseCsvRecord("a,,", f, error));
  EXPECT_EQ(f, (std::vector<std::string>{"a", "", ""}));
  EXPECT_FALSE(ParseCsvRecord(R"(a,"open)", f, error));
  EXPECT_EQ(error, "unterminated quote from column 3");
  EXPECT_FALSE(ParseCsvRecord(R"("a"b,c)", f, error));
  EXPECT_EQ(error, "text after a closing quote at column 4");
  EXPECT_EQ(CsvField("Shop, Ltd"), "\"Shop, Ltd\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("plain"), "plain");
}

constexpr char kHeader[] =
    "terminal,model,activated,plan,service_lat,service_lon,channel,seller,sale_country,owner,"
    "owner_type,inspected,whitelisted\n";

TEST(Registry, BadRowsAreLocatedAndTheRestLoads) {
  std::string csv =
      std::string(kHeader) +
      "KIT-1,UTR-231,2025-11-02,residential,50.45,30.52,direct,,UKR,P-1,person,false,true\n"
      "KIT-2,UTR-231,2025-02-30,roam,,,direct,,UKR,P-2,person,false,false\n"
      "KIT-3,UTR-231,2025-11-02,residential,,,direct,,UKR,P-3,person,false,false\n"
      "KIT-4,UTR-231,2025-11-02,boat,,,direct,,UKR,P-4,person,false,false\n"
      "KIT-5,UTR-231,2025-11-02,maritime,,,reseller,,POL,P-5,company,false,false\n"
      "KIT-6,UTR-231,2025-11-02,roam,,,marketplace,\"Shop, Ltd\",Pol,P-6,person,false,false\n"
      "KIT-1,UTR-231,2025-11-02,roam,,,direct,,UKR,P-7,person,false,false\n"
      "KIT-8,UTR-231,2025-11-02,aviation,,,direct,,UKR,P-8,person,yes,false\n"
      "KIT-9,UTR-231,2025-11-02,roam,91,30,direct,,UKR,P-9,person,false,false\n"
      "KIT-10,UTR-231,2025-11-02,roam\n"
      "KIT-11,\"UTR-231,2025-11-02,roam,,,direct,,UKR,P-11,person,false,false\n"
      "KIT-12,\"Mini, gen 2\",2026-01-15,roam,,,marketplace,\"Shop, "
      "Ltd\",POL,C-1,company,false,true\n";
  ReadResult<Terminal> r = ReadRegistryCsv(csv, "registry.csv");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].id, "KIT-1");
  EXPECT_EQ(r.records[1].model, "Mini, gen 2");
  EXPECT_EQ(r.records[1].seller, "Shop, Ltd");
  struct Expected {
    int line;
    std::string field, message;
  };
  const std::vector<Expected> expected = {
      {3, "activated", "'2025-02-30' is not a date"},
      {4, "service_lat", "a residential plan needs its service address"},
      {5, "plan", "'boat' is not residential"},
      {6, "seller", "names its seller"},
      {7, "sale_country", "'Pol' is not an ISO 3166-1 alpha-3 code"},
      {8, "terminal", "duplicate of line 2"},
      {9, "inspected", "'yes' is not true or false"},
      {10, "service_lat", "'91' is not a latitude"},
      {11, "", "4 fields, the header has 13"},
      {12, "", "unterminated quote"},
  };
  ASSERT_EQ(r.errors.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.errors[i].line, expected[i].line) << r.errors[i].ToString();
    EXPECT_EQ(r.errors[i].field, expected[i].field) << r.errors[i].ToString();
    EXPECT_NE(r.errors[i].message.find(expected[i].message), std::string::npos)
        << r.errors[i].ToString();
    EXPECT_EQ(r.errors[i].source, "registry.csv");
  }
}

TEST(Registry, WhitelistCapsPerOwner) {
  std::string csv = kHeader;
  auto row = [&](const std::string& id, const std::string& owner, const std::string& type,
                 bool inspected) {
    csv += id + ",UTR-231,2026-02-10,roam,,,direct,,UKR," + owner + "," + type + "," +
           (inspected ? "true" : "false") + ",true\n";
  };
  row("A1", "person-a", "person", false);
  row("A2", "person-a", "person", false);  // over the cap of 1
  for (int i = 1; i <= 4; ++i) row("B" + std::to_string(i), "person-b", "person", true);  // cap 3
  for (int i = 1; i <= 11; ++i)
    row("C" + std::to_string(i), "company-c", "company", false);  // cap 10
  for (int i = 1; i <= 25; ++i)
    row("D" + std::to_string(i), "ministry", "critical", false);  // none
  ReadResult<Terminal> r = ReadRegistryCsv(csv, "caps.csv");
  EXPECT_EQ(r.records.size(), 1u + 3u + 10u + 25u);
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].record_id, "A2");
  EXPECT_NE(r.errors[0].message.find(
                "already has 1 whitelisted terminals (the cap for a person not inspected)"),
            std::string::npos)
      << r.errors[0].message;
  EXPECT_EQ(r.errors[1].record_id, "B4");
  EXPECT_EQ(r.errors[2].record_id, "C11");
  EXPECT_EQ(r.errors[2].field, "whitelisted");
}

TEST(Registry, WritesWhatItReads) {
  std::string csv = std::string(kHeader) +
                    "KIT-1,UTR-231,2025-11-02,residential,50.4501000,30.5234000,direct,,UKR,P-1,"
                    "person,true,true\n"
                    "\"KIT \"\"2\"\"\",\"Mini, gen 2\",2026-01-15,maritime,,,reseller,\"Shop, "
                    "Ltd\",POL,C-1,company,false,false\n";
  ReadResult<Terminal> r = ReadRegistryCsv(csv, "in.csv");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].ToString();
  Registry registry(r.records);
  EXPECT_EQ(RegistryCsv(registry), csv);
  ASSERT_NE(registry.Find("KIT \"2\""), nullptr);
  EXPECT_EQ(registry.Find("KIT \"2\"")->plan, Plan::kMaritime);
  EXPECT_EQ(registry.Find("KIT-3"), nullptr);
}

TEST(Registry, MissingColumnsAreNamed) {
  ReadResult<Terminal> r = ReadRegistryCsv("terminal,model\nKIT-1,x\n", "short.csv");
  EXPECT_TRUE(r.records.empty());
  ASSERT_EQ(r.errors.size(), 11u);
  EXPECT_EQ(r.errors[0].field, "activated");
  EXPECT_EQ(r.errors[0].message, "column missing from the header");
}

}  // namespace
}  // namespace satfence::registry
