// Propagations per second on one core for the real Starlink snapshot (8,325 satellites):
// the scalar SGP4 path (an operation-for-operation port of Vallado's C++), the SIMD batch
// path, and Debian's python3-sgp4 SatrecArray.sgp4 in the same run, with the ratios.
//
//   build/release/src/orbit/orbit_propagation_bench            # full run, prints ratios
//   build/release/src/orbit/orbit_propagation_bench --smoke    # CI: does it still run?
//   build/release/src/orbit/orbit_propagation_bench --no-avx512  # as on an AVX2-only CPU
//
// Debian 12's python3-sgp4 is the pure-Python build (sgp4.api.accelerated == False): its
// array mode loops over Python Satrec objects, not over Vallado's compiled C++.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "hwy/targets.h"
#include "satfence/orbit/batch_propagator.h"
#include "satfence/orbit/constellation.h"
#include "satfence/orbit/tle.h"

namespace satfence::orbit {
namespace {

const std::string kSnapshot =
    std::string(SATFENCE_TESTDATA_DIR) + "/starlink/starlink_20250923.tle";

const std::vector<Sgp4>& Models() {
  static const std::vector<Sgp4> models =
      Constellation::ModelsFromElements(ReadTleFile(kSnapshot).records).records;
  return models;
}

// Times spread over a day so that the Kepler iteration sees varied anomalies.
double TimeOf(int64_t iteration) { return static_cast<double>(iteration % 144) * 10.0; }

void BM_ScalarSgp4(benchmark::State& state) {
  const std::vector<Sgp4>& sats = Models();
  double sink = 0.0;
  for (auto _ : state) {
    const double t = TimeOf(state.iterations());
    for (const Sgp4& s : sats) sink += s.Propagate(t).state.position_km.x;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(sats.size()));
}
BENCHMARK(BM_ScalarSgp4)->Unit(benchmark::kMillisecond);

void BM_BatchSgp4(benchmark::State& state) {
  const BatchPropagator batch(Models());
  BatchStates out;
  std::vector<double> t(batch.size());
  for (auto _ : state) {
    std::fill(t.begin(), t.end(), TimeOf(state.iterations()));
    batch.Propagate(t, out);
    benchmark::DoNotOptimize(out.x_km.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
}
BENCHMARK(BM_BatchSgp4)->Unit(benchmark::kMillisecond);

// Captures items/s per benchmark for the ratio table.
class RateReporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> rate;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      const auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rate[r.benchmark_name()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

// python3-sgp4's SatrecArray.sgp4 over the same file, one time per call; props/s or 0.
double PythonSgp4Rate(bool smoke) {
  const std::string script =
      "import sys, time\n"
      "from sgp4.api import Satrec, SatrecArray, WGS72, accelerated\n"
      "import numpy as np\n"
      "lines = [l.rstrip() for l in open(sys.argv[1]) if l[:2] in (\"1 \", \"2 \")]\n"
      "sats = [Satrec.twoline2rv(lines[i], lines[i+1], WGS72) for i in range(0, len(lines), 2)]\n"
      "if sys.argv[2] == \"1\": sats = sats[:200]\n"
      "a = SatrecArray(sats)\n"
      "jd = np.array([sats[0].jdsatepoch]); fr = np.array([sats[0].jdsatepochF])\n"
      "t0 = time.perf_counter(); a.sgp4(jd, fr); dt = time.perf_counter() - t0\n"
      "print(len(sats) / dt, int(accelerated))\n";
  const std::string cmd = "/usr/bin/python3 -c '" + script + "' '" + kSnapshot + "' " +
                          (smoke ? "1" : "0") + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return 0.0;
  double rate = 0.0;
  int accelerated = -1;
  if (std::fscanf(p, "%lf %d", &rate, &accelerated) != 2) rate = 0.0;
  pclose(p);
  std::printf("python3-sgp4 SatrecArray.sgp4: %.0f props/s (compiled extension: %s)\n", rate,
              accelerated == 1 ? "yes" : "no, pure Python");
  return rate;
}

}  // namespace
}  // namespace satfence::orbit

int main(int argc, char** argv) {
  bool smoke = false;
  int kept = 0;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      smoke = true;
    } else if (std::strcmp(argv[i], "--no-avx512") == 0) {
      hwy::DisableTargets(HWY_AVX3 | HWY_AVX3_DL);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  satfence::orbit::RateReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double scalar = reporter.rate["BM_ScalarSgp4"];
  const double batch = reporter.rate["BM_BatchSgp4"];
  const double python = satfence::orbit::PythonSgp4Rate(smoke);
  const int64_t targets = hwy::SupportedTargets() & HWY_TARGETS;
  std::printf("\nSGP4 propagations per second, one core, %zu satellites (SIMD: %s):\n",
              satfence::orbit::Models().size(), hwy::TargetName(targets & -targets));
  std::printf("  scalar (Vallado's algorithm)  %12.0f\n", scalar);
  std::printf("  batch (SIMD)                  %12.0f   %.2fx scalar\n", batch,
              scalar > 0 ? batch / scalar : 0.0);
  std::printf("  python3-sgp4 SatrecArray      %12.0f   batch is %.0fx\n", python,
              python > 0 ? batch / python : 0.0);
  return scalar > 0 && batch > 0 ? 0 : 1;
}
