// Diversion analytics on fleets whose truth is known by construction: the channel that
// leaks is ranked first and flagged, the others are not; the site where many terminals sit
// is found with its members and centre (positions placed by GeographicLib's direct
// geodesic), and nothing is found where terminals are merely dense.
#include "satfence/analytics/diversion.h"

#include <gtest/gtest.h>

#include <random>

#include "satfence/geo/geodesic.h"

namespace satfence::analytics {
namespace {

registry::Terminal Kit(const std::string& id, registry::Channel channel, const std::string& seller,
                       const std::string& country) {
  registry::Terminal t;
  t.id = id;
  t.plan = registry::Plan::kRoam;
  t.channel = channel;
  t.seller = seller;
  t.sale_country = country;
  return t;
}

store::DecisionRecord Decision(const std::string& terminal, std::vector<std::string> reasons,
                               std::optional<geo::Geodetic> fix = std::nullopt,
                               double semi_major_m = 150.0) {
  store::DecisionRecord d;
  d.terminal = terminal;
  d.reasons = std::move(reasons);
  d.published = d.reasons.empty() ? "allow" : "deny";
  d.zones = {"UKR"};
  if (fix) {
    d.verdict_json = "{\"fix\":{\"lat\":" + std::to_string(fix->lat_deg) +
                     ",\"lon\":" + std::to_string(fix->lon_deg) +
                     ",\"alt_m\":0.0,\"semi_major_m\":" + std::to_string(semi_major_m) + "}}";
  } else {
    d.verdict_json = R"({"fix":null})";
  }
  return d;
}

TEST(UsageBuilder, CountsReasonsAndKeepsTheLatestPreciseFix) {
  UsageBuilder b({.max_fix_semi_major_m = 500.0});
  b.Add(Decision("K1", {}, geo::Geodetic{50.0, 30.0, 0.0}));
  b.Add(Decision("K1", {"in_deny_zone", "spoof_suspected"}, geo::Geodetic{51.0, 31.0, 0.0}));
  b.Add(Decision("K1", {"in_deny_zone"}, geo::Geodetic{52.0, 32.0, 0.0}, 2000.0));  // too vague
  b.Add(Decision("K2", {"plan_outside_area"}));
  std::vector<TerminalUsage> u = b.Finish();
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].terminal, "K1");
  EXPECT_EQ(u[0].decisions, 3);
  EXPECT_EQ(u[0].in_deny_zone, 2);
  EXPECT_EQ(u[0].spoof_suspected, 1);
  ASSERT_TRUE(u[0].position.has_value());
  EXPECT_DOUBLE_EQ(u[0].position->lat_deg, 51.0);
  EXPECT_EQ(u[0].last_published, "deny");
  EXPECT_EQ(u[1].outside_plan_area, 1);
  EXPECT_FALSE(u[1].position.has_value());
}

TEST(RankChannels, TheLeakingResellerIsFirstAndAloneFlagged) {
  std::vector<registry::Terminal> kits;
  UsageBuilder b;
  auto add = [&](const std::string& prefix, registry::Channel ch, const std::string& seller,
                 const std::string& country, int n, int diverted, int silent) {
    for (int i = 0; i < n; ++i) {
      const std::string id = prefix + std::to_string(i);
      kits.push_back(Kit(id, ch, seller, country));
      if (i >= n - silent) continue;  // registered, never reported
      b.Add(Decision(id, i < diverted ? std::vector<std::string>{"in_deny_zone"}
                                      : std::vector<std::string>{}));
    }
  };
  add("bt-", registry::Channel::kReseller, "BorderTrade", "POL", 30, 12, 2);
  add("dir-", registry::Channel::kDirect, "", "UKR", 100, 2, 0);
  add("mkt-", registry::Channel::kMarketplace, "Bazaar", "LTU", 20, 1, 0);
  b.Add(Decision("ghost-1", {"spoof_suspected"}));  // not in the registry

  ChannelReport r = RankChannels(b.Finish(), kits, 0.01);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.tested, 4);
  EXPECT_EQ(r.reporting, 149);
  EXPECT_EQ(r.diverted, 16);
  const ChannelRow& top = r.rows[0];
  EXPECT_EQ(top.seller, "BorderTrade");
  EXPECT_EQ(top.terminals, 30);
  EXPECT_EQ(top.reporting, 28);
  EXPECT_EQ(top.in_deny_zone, 12);
  EXPECT_DOUBLE_EQ(top.rate, 12.0 / 28.0);
  EXPECT_LT(top.rate_ci.lo, 12.0 / 28.0);
  EXPECT_GT(top.rate_ci.hi, 12.0 / 28.0);
  // The rest of the fleet diverted 4 of 121: the null rate is (4 + 1) / (121 + 2).
  EXPECT_DOUBLE_EQ(top.expected_rate, 5.0 / 123.0);
  EXPECT_TRUE(top.flagged);
  EXPECT_LT(top.p_value, 1e-8);
  for (size_t i = 1; i < r.rows.size(); ++i) {
    EXPECT_FALSE(r.rows[i].flagged) << r.rows[i].seller;
  }
  bool unregistered = false;
  for (const ChannelRow& row : r.rows) unregistered |= row.channel == "(unregistered)";
  EXPECT_TRUE(unregistered);
}

TEST(RankChannels, OneBadChannelDoesNotHideAnother) {
  // A leaks everything; B leaks one kit in five; C and D are clean but for one kit. Tested
  // against the rest of the fleet including A, B would not stand out (null 52/712 = 7.3%,
  // P(X >= 8 | 40) ~ 0.01 > 0.01 / 4); with A set aside it does.
  std::vector<registry::Terminal> kits;
  UsageBuilder b;
  auto add = [&](const std::string& seller, int n, int diverted) {
    for (int i = 0; i < n; ++i) {
      const std::string id = seller + "-" + std::to_string(i);
      kits.push_back(Kit(id, registry::Channel::kReseller, seller, "POL"));
      b.Add(Decision(id, i < diverted ? std::vector<std::string>{"in_deny_zone"}
                                      : std::vector<std::string>{}));
    }
  };
  add("A", 50, 50);
  add("B", 40, 8);
  add("C", 400, 0);
  add("D", 300, 1);
  ChannelReport r = RankChannels(b.Finish(), kits, 0.01);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0].seller, "A");
  EXPECT_TRUE(r.rows[0].flagged);
  EXPECT_EQ(r.rows[1].seller, "B");
  EXPECT_TRUE(r.rows[1].flagged);
  EXPECT_DOUBLE_EQ(r.rows[1].expected_rate, 2.0 / 702.0);  // C and D: (1 + 1) / (700 + 2)
  EXPECT_FALSE(r.rows[2].flagged);
  EXPECT_FALSE(r.rows[3].flagged);
  // Tested against everyone else, B alone would have missed the bar.
  EXPECT_GT(BinomialUpperTail(8, 40, 52.0 / 712.0), 0.01 / 4);
}

TEST(FindClusters, FindsTheSiteAndNotTheCrowd) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> azimuth(-180.0, 180.0), unit(0.0, 1.0);
  const geo::Geodetic site{48.0159, 37.8029, 0.0};  // Donetsk
  std::vector<registry::Terminal> kits;
  UsageBuilder b;
  auto place = [&](const std::string& id, const geo::Geodetic& centre, double radius_m,
                   const std::string& seller) {
    // Uniform over the disc.
    geo::Geodetic p = geo::GeodesicDirect(centre, azimuth(rng), radius_m * std::sqrt(unit(rng)));
    kits.push_back(Kit(id, registry::Channel::kMarketplace, seller, "UKR"));
    b.Add(Decision(id, {"in_deny_zone"}, p));
  };
  for (int i = 0; i < 25; ++i) place("site-" + std::to_string(i), site, 100.0, "Bazaar");
  // A city's worth of homes: 400 over a 30 km disc, ~0.14 per km^2.
  for (int i = 0; i < 400; ++i) {
    place("home-" + std::to_string(i), geo::Geodetic{50.45, 30.52, 0.0}, 30000.0, "Shop");
  }
  // Five together: below the threshold of ten.
  for (int i = 0; i < 5; ++i)
    place("few-" + std::to_string(i), geo::Geodetic{49.0, 32.0, 0.0}, 50.0, "Shop");

  std::vector<Cluster> c = FindClusters(b.Finish(), kits, {.radius_m = 300.0, .min_terminals = 10});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].terminals.size(), 25u);
  EXPECT_EQ(c[0].terminals[0].rfind("site-", 0), 0u);
  EXPECT_LT(geo::GeodesicInverse(c[0].centre, site).distance_m, 40.0);
  EXPECT_LE(c[0].radius_m, 140.0);
  EXPECT_EQ(c[0].denied, 25);
  EXPECT_EQ(c[0].sellers.at("marketplace Bazaar (UKR)"), 25);
  EXPECT_EQ(c[0].zones.at("UKR"), 25);
}

TEST(FindClusters, ASiteAcrossTheAntimeridianIsOneSite) {
  std::vector<registry::Terminal> kits;
  UsageBuilder b;
  for (int i = 0; i < 12; ++i) {
    const std::string id = "fiji-" + std::to_string(i);
    kits.push_back(Kit(id, registry::Channel::kDirect, "", "FJI"));
    // Alternating sides of the 180th meridian, within ~60 m of (-16.5, 180).
    const double lon = (i % 2 ? 179.9995 : -179.9995) + (i % 3) * 1e-4 * (i % 2 ? -1 : 1);
    b.Add(Decision(id, {}, geo::Geodetic{-16.5 + i * 1e-5, lon, 0.0}));
  }
  std::vector<Cluster> c = FindClusters(b.Finish(), kits, {.radius_m = 300.0, .min_terminals = 10});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].terminals.size(), 12u);
  EXPECT_GT(std::abs(c[0].centre.lon_deg), 179.99);
}

}  // namespace
}  // namespace satfence::analytics
