// The service's metrics in the Prometheus text exposition format (version 0.0.4): counters,
// gauges and histograms with fixed label values, safe to update from any thread. Names follow
// Prometheus's conventions: a `satfence_` prefix, base units (seconds, bytes), `_total` on
// counters. docs/serve.md lists them.
//
//   Metrics m;
//   m.reports_received.Add(12);
//   m.stage_seconds[Stage::kDecide].Observe(0.00021);
//   std::string page = m.Exposition();   // GET /metrics
#ifndef SATFENCE_SERVE_METRICS_H_
#define SATFENCE_SERVE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace satfence::serve {

class Counter {
 public:
  void Add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Cumulative buckets at fixed upper bounds (seconds or counts), a sum and a count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);
  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_;  // per bucket (not cumulative), then +Inf
  std::atomic<double> sum_{0.0};
};

enum class Stage { kParse, kQueue, kDecide, kCommit, kCount };
enum class Rejection { kMalformed, kInvalidField, kTooLong, kNoSatelliteState, kCount };

struct Metrics {
  Metrics();
  Counter reports_received;                    // report lines (or messages) that came in
  std::array<Counter, 4> lines_rejected;       // by Rejection
  std::array<Counter, 3> verdicts;             // by verify::Outcome
  std::array<Counter, 3> decisions;            // this report's action, by decide::Action
  Counter duplicates;                          // reports already decided: answered from the store
  Counter overloaded;                          // requests refused with 429 / RESOURCE_EXHAUSTED
  Counter webhook_events;                      // events delivered to webhooks (acknowledged)
  Counter webhook_failures;                    // webhook posts that failed (retried)
  std::array<Histogram, 4> stage_seconds;      // by Stage
  Histogram commit_reports;                    // reports per group commit
  Histogram request_seconds;                   // HTTP and gRPC requests, end to end
  Gauge queue_depth;                           // reports accepted and not yet answered
  Gauge log_size;                              // audit-log leaves
  Gauge ready;                                 // 1 once zones, policy and registry are loaded

  // Everything above in the text format.
  std::string Exposition() const;
};

}  // namespace satfence::serve

#endif  // SATFENCE_SERVE_METRICS_H_
