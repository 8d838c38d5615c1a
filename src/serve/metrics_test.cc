// Histograms count each observation in the first bucket whose upper bound holds it (le:
// bound inclusive, as Prometheus defines it) and expose cumulative counts; the page follows
// the text format. The service's CLI test parses a live page with Prometheus's own Python
// parser (prometheus_client).
#include "satfence/serve/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace satfence::serve {
namespace {

TEST(Histogram, CumulativeBucketsWithInclusiveBounds) {
  Histogram h({1, 2, 4});
  for (double v : {0.5, 1.0, 1.5, 4.0, 9.0, 2.0}) h.Observe(v);
  const Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 4, 5, 6}));
  EXPECT_EQ(s.count, 6u);
  EXPECT_DOUBLE_EQ(s.sum, 18.0);
}

TEST(Histogram, ObservationsFromManyThreadsAllCount) {
  Histogram h({0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10'000; ++i) h.Observe(i % 2 == 0 ? 0.25 : 1.0);
    });
  }
  for (std::thread& t : threads) t.join();
  const Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{20'000, 40'000}));
  EXPECT_DOUBLE_EQ(s.sum, 20'000 * 0.25 + 20'000 * 1.0);
}

TEST(Metrics, ExpositionNamesTypesAndLabels) {
  Metrics m;
  m.reports_received.Add(7);
  m.lines_rejected[static_cast<int>(Rejection::kInvalidField)].Add(2);
  m.stage_seconds[static_cast<int>(Stage::kCommit)].Observe(0.003);
  const std::string page = m.Exposition();
  EXPECT_NE(page.find("# TYPE satfence_reports_received_total counter\n"
                      "satfence_reports_received_total 7\n"),
            std::string::npos);
  EXPECT_NE(page.find("satfence_lines_rejected_total{reason=\"invalid_field\"} 2\n"),
            std::string::npos);
  EXPECT_NE(page.find("satfence_stage_seconds_bucket{stage=\"commit\",le=\"0.0025\"} 0\n"),
            std::string::npos);
  EXPECT_NE(page.find("satfence_stage_seconds_bucket{stage=\"commit\",le=\"0.005\"} 1\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("satfence_stage_seconds_bucket{stage=\"commit\",le=\"+Inf\"} 1\n"),
            std::string::npos);
  EXPECT_NE(page.find("satfence_stage_seconds_count{stage=\"commit\"} 1\n"), std::string::npos);
  EXPECT_EQ(page.back(), '\n');
}

}  // namespace
}  // namespace satfence::serve
