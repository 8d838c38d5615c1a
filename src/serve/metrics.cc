#include "satfence/serve/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "satfence/decide/decide.h"
#include "satfence/verify/verifier.h"

namespace satfence::serve {
namespace {

// Latency buckets: 100 us to 10 s.
std::vector<double> SecondsBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5, 5.0, 10.0};
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buffer[32];  // the shortest text that reads back to v
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

void Header(std::string& out, const char* name, const char* type, const char* help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void Sample(std::string& out, const char* name, const std::string& labels, double v) {
  absl::StrAppend(&out, name, labels.empty() ? "" : "{", labels, labels.empty() ? "" : "}", " ",
                  Number(v), "\n");
}

// A counter family with one label: `values[i]` labels `counters[i]`.
template <size_t N>
void Counters(std::string& out, const char* name, const char* help, const char* label,
              const std::array<std::string_view, N>& values, const std::array<Counter, N>& counters) {
  Header(out, name, "counter", help);
  for (size_t i = 0; i < N; ++i) {
    Sample(out, name, absl::StrCat(label, "=\"", std::string(values[i]), "\""),
           static_cast<double>(counters[i].value()));
  }
}

void OneCounter(std::string& out, const char* name, const char* help, const Counter& c) {
  Header(out, name, "counter", help);
  Sample(out, name, "", static_cast<double>(c.value()));
}

void HistogramLines(std::string& out, const char* name, const std::string& labels,
                    const Histogram& h) {
  const Histogram::Snapshot s = h.Read();
  const std::string prefix = labels.empty() ? "" : labels + ",";
  for (size_t i = 0; i <= s.upper_bounds.size(); ++i) {
    const std::string le =
        i < s.upper_bounds.size() ? Number(s.upper_bounds[i]) : std::string("+Inf");
    absl::StrAppend(&out, name, "_bucket{", prefix, "le=\"", le, "\"} ", s.cumulative[i], "\n");
  }
  Sample(out, absl::StrCat(name, "_sum").c_str(), labels, s.sum);
  Sample(out, absl::StrCat(name, "_count").c_str(), labels, static_cast<double>(s.count));
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1) {}

void Histogram::Observe(double v) {
  const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                       bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + v, std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.upper_bounds = bounds_;
  std::uint64_t running = 0;
  for (const std::atomic<std::uint64_t>& c : counts_) {
    running += c.load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

Metrics::Metrics()
    : stage_seconds{Histogram(SecondsBuckets()), Histogram(SecondsBuckets()),
                    Histogram(SecondsBuckets()), Histogram(SecondsBuckets())},
      commit_reports({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}),
      request_seconds(SecondsBuckets()) {}

std::string Metrics::Exposition() const {
  std::string out;
  OneCounter(out, "satfence_reports_received_total",
             "Reports that came in (telemetry lines or protobuf messages), good or bad.",
             reports_received);
  Counters<4>(out, "satfence_lines_rejected_total", "Reports refused before deciding, by reason.",
              "reason", {"malformed", "invalid_field", "too_long", "no_satellite_state"},
              lines_rejected);
  Counters<3>(out, "satfence_verdicts_total", "Verifier verdicts, by outcome.", "verdict",
              {verify::OutcomeName(verify::Outcome::kConsistent),
               verify::OutcomeName(verify::Outcome::kSpoofed),
               verify::OutcomeName(verify::Outcome::kInconclusive)},
              verdicts);
  Counters<3>(out, "satfence_decisions_total",
              "Decisions committed, by the report's own action (before hysteresis).", "action",
              {decide::ActionName(decide::Action::kAllow), decide::ActionName(decide::Action::kReview),
               decide::ActionName(decide::Action::kDeny)},
              decisions);
  OneCounter(out, "satfence_duplicate_reports_total",
             "Reports already decided (same digest), answered with the stored decision.",
             duplicates);
  OneCounter(out, "satfence_overloaded_requests_total",
             "Requests refused because the queue was full (HTTP 429, gRPC RESOURCE_EXHAUSTED).",
             overloaded);
  OneCounter(out, "satfence_webhook_events_total",
             "Events delivered to webhooks and acknowledged (2xx).", webhook_events);
  OneCounter(out, "satfence_webhook_failures_total",
             "Webhook deliveries that failed and will be retried with backoff.", webhook_failures);
  Header(out, "satfence_stage_seconds", "histogram",
         "Time per report in each stage: parse, queue (waiting for a worker), decide "
         "(verify, place, decide), commit (waiting for its group commit to be durable).");
  const char* stages[] = {"parse", "queue", "decide", "commit"};
  for (int i = 0; i < 4; ++i) {
    HistogramLines(out, "satfence_stage_seconds", absl::StrCat("stage=\"", stages[i], "\""),
                   stage_seconds[i]);
  }
  Header(out, "satfence_commit_reports", "histogram", "Reports per group commit (transaction).");
  HistogramLines(out, "satfence_commit_reports", "", commit_reports);
  Header(out, "satfence_request_seconds", "histogram",
         "Ingest requests from arrival to answer (every report in it committed).");
  HistogramLines(out, "satfence_request_seconds", "", request_seconds);
  Header(out, "satfence_queue_depth", "gauge", "Reports accepted and not yet answered.");
  Sample(out, "satfence_queue_depth", "", queue_depth.value());
  Header(out, "satfence_audit_log_leaves", "gauge", "Leaves in the audit log.");
  Sample(out, "satfence_audit_log_leaves", "", log_size.value());
  Header(out, "satfence_ready", "gauge", "1 once zones, policy and registry are loaded.");
  Sample(out, "satfence_ready", "", ready.value());
  return out;
}

}  // namespace satfence::serve
