// What the service's door costs per report, on a real telemetry file, against simdjson's own
// parse of the same bytes (the peer the HTTP path is held to): simdjson DOM parse alone;
// TelemetryParser (parse, check every field, build the report); SHA-256 of the line (the
// report digest); and the protobuf path (a Report message parsed and checked).
//
//   build/release/src/serve/ingest_bench FILE [MAX_REPORTS]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <simdjson.h>
#include <string>
#include <vector>

#include "satfence/pipeline/pipeline.h"
#include "satfence/serve/proto_report.h"
#include "satfence/verify/telemetry.h"

using namespace satfence;
using Clock = std::chrono::steady_clock;

namespace {

// Runs `pass` (over every line) until at least `min_s` seconds have gone; reports per second.
template <typename F>
double Rate(size_t n, double min_s, F pass) {
  int passes = 0;
  const Clock::time_point t0 = Clock::now();
  double s = 0.0;
  do {
    pass();
    ++passes;
    s = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (s < min_s);
  return static_cast<double>(n) * passes / s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ingest_bench TELEMETRY.jsonl [MAX_REPORTS] [--smoke]\n");
    return 2;
  }
  const size_t max_reports = argc > 2 ? std::stoul(argv[2]) : 3000;
  const bool smoke = argc > 3 && std::string(argv[3]) == "--smoke";
  const double min_s = smoke ? 0.0 : 2.0;
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<std::string> lines;
  size_t bytes = 0;
  for (std::string line; lines.size() < max_reports && std::getline(in, line);) {
    if (line.empty()) continue;
    bytes += line.size() + 1;
    lines.push_back(std::move(line));
  }
  if (lines.empty()) {
    std::fprintf(stderr, "ingest_bench: %s: no lines\n", argv[1]);
    return 2;
  }
  const double mb_per_report = static_cast<double>(bytes) / 1e6 / lines.size();
  std::printf("%zu reports, %.1f kB per line\n", lines.size(), 1000.0 * mb_per_report);

  simdjson::dom::parser dom;
  size_t ok = 0;
  const double simdjson_rate = Rate(lines.size(), min_s, [&] {
    for (const std::string& l : lines) ok += dom.parse(l).error() == simdjson::SUCCESS;
  });
  verify::TelemetryParser parser;
  std::vector<verify::Report> reports(lines.size());
  RecordError error;
  const double parse_rate = Rate(lines.size(), min_s, [&] {
    for (size_t i = 0; i < lines.size(); ++i) {
      ok += parser.Parse(lines[i], static_cast<int>(i) + 1, "bench", reports[i], error);
    }
  });
  std::uint8_t digest_bits = 0;  // kept so the hashing is not optimised away
  const double digest_rate = Rate(lines.size(), min_s, [&] {
    for (const std::string& l : lines) digest_bits ^= pipeline::DigestOf(l)[0];
  });
  std::vector<std::string> messages;
  for (const verify::Report& r : reports) {
    satfence::v1::Report p;
    serve::ReportToProto(r, p);
    messages.push_back(p.SerializeAsString());
  }
  verify::Report back;
  const double proto_rate = Rate(lines.size(), min_s, [&] {
    satfence::v1::Report p;
    for (const std::string& m : messages) {
      ok += p.ParseFromString(m) && serve::ReportFromProto(p, back, error);
    }
  });
  auto line = [&](const char* what, double rate, double mb) {
    std::printf("%-44s %9.0f reports/s  %7.0f MB/s  (%.2f of simdjson)\n", what, rate, rate * mb,
                rate / simdjson_rate);
  };
  line("simdjson DOM parse alone (peer)", simdjson_rate, mb_per_report);
  line("TelemetryParser: parse, check, build", parse_rate, mb_per_report);
  line("SHA-256 of the line (report digest)", digest_rate, mb_per_report);
  line("protobuf Report: parse, check, build", proto_rate,
       static_cast<double>(messages[0].size()) / 1e6);
  std::printf("(checksum %u)\n", digest_bits);
  return ok > 0 ? 0 : 1;
}
