// `satfence verify`: an independent fix and a spoof test for each telemetry report.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "decision_inputs.h"
#include "satfence/orbit/elements_file.h"
#include "satfence/verify/catalog.h"
#include "satfence/verify/telemetry.h"
#include "satfence/verify/verifier.h"

namespace satfence::cli {
namespace {

struct VerifyArgs {
  std::string input;
  std::string catalog;
  std::string output;
  verify::VerifyOptions options;
  double speed_limit_kmh = 90.0;
  bool no_robust = false;
  bool stable_oscillator = false;
  RangeBoundArgs range_bound;
};


void Verify(const VerifyArgs& args, ExitCode& exit) {
  std::unique_ptr<verify::SatelliteCatalog> catalog;
  if (!args.catalog.empty()) {
    catalog = LoadCatalog(args.catalog, "verify", exit);
    if (catalog == nullptr) return;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.input != "-") {
    file.open(args.input, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "satfence verify: cannot open %s\n", args.input.c_str());
      exit.value = 2;
      return;
    }
    in = &file;
  }
  std::ofstream out_file;
  std::ostream* out = &std::cout;
  if (!args.output.empty()) {
    out_file.open(args.output);
    if (!out_file) {
      std::fprintf(stderr, "satfence verify: cannot write %s\n", args.output.c_str());
      exit.value = 2;
      return;
    }
    out = &out_file;
  }

  verify::VerifyOptions options = args.options;
  options.speed_limit_mps = args.speed_limit_kmh / 3.6;
  options.robust = !args.no_robust;
  if (args.stable_oscillator) options.rate_drift_sigma_mps_per_s = 0.0;
  options.range_bound_delay = args.range_bound.Delay();
  verify::Verifier verifier(options);
  const std::string source = args.input == "-" ? "<stdin>" : args.input;
  int rejected = 0;
  int outcomes[3] = {0, 0, 0};
  const int accepted = ForEachTelemetryReport(
      *in, source, catalog.get(),
      [&](verify::Report&& report, std::string_view) {
        verify::Verdict v = verifier.Verify(report);
        ++outcomes[static_cast<int>(v.outcome)];
        *out << verify::VerdictJson(v) << '\n';
      },
      [&](RecordError&& e) {
        ++rejected;
        std::fprintf(stderr, "%s\n", e.ToString().c_str());
      });
  out->flush();
  std::fprintf(stderr,
               "satfence verify: %d reports accepted (%d consistent, %d spoofed, %d inconclusive), "
               "%d rejected\n",
               accepted, outcomes[0], outcomes[1], outcomes[2], rejected);
  if (rejected > 0) exit.value = 1;
}

}  // namespace

void RegisterVerifyCommand(CLI::App& app, ExitCode& exit) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Fix each terminal from its network measurements and test its claimed position "
      "(telemetry v1, JSON Lines; one verdict per line on stdout)");
  cmd->add_option("input", args->input, "Telemetry file (JSON Lines), or - for stdin")->required();
  cmd->add_option("--false-alarm", args->options.false_alarm,
                  "False-alarm probability per report, split over the tests that run")
      ->check(CLI::Range(1e-12, 0.5))
      ->capture_default_str();
  cmd->add_option("--catalog", args->catalog,
                  "Element sets (TLE/3LE or OMM) for measurements without satellite states");
  cmd->add_option("--speed-limit-kmh", args->speed_limit_kmh,
                  "Flag claimed or fixed ground speeds above this")
      ->check(CLI::Range(0.0, 1e5))
      ->capture_default_str();
  cmd->add_option("--max-crlb-m", args->options.max_crlb_h_m,
                  "Measurement sets that cannot fix the terminal better than this are inconclusive")
      ->check(CLI::Range(1.0, 1e7))
      ->capture_default_str();
  cmd->add_option("--surface-sigma-m", args->options.surface_sigma_m,
                  "Assume terminals are on the ground (height 0 m, this sigma); 0 = off")
      ->check(CLI::Range(0.0, 1e5))
      ->capture_default_str();
  cmd->add_option("--ephemeris-sigma-m", args->options.ephemeris_sigma_m,
                  "How far off every satellite position may be, per axis (m), at least; reports "
                  "declare their own (sat_pos_sigma_m), and --catalog states carry 1000")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--drift-sigma", args->options.rate_drift_sigma_mps_per_s,
                  "How fast the range-rate offset may drift, one sigma (m/s per s)")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  cmd->add_flag("--stable-oscillator", args->stable_oscillator,
                "The range-rate offset does not drift (as --drift-sigma 0: Doppler-only fixes "
                "are sharper, a drift shows as a displacement)");
  AddRangeBoundOptions(cmd, args->range_bound);
  cmd->add_flag("--no-robust", args->no_robust,
                "Trust the stated sigmas: no outlier removal, no rescaling (for comparison)");
  cmd->add_option("-o,--output", args->output, "Write verdicts here instead of stdout");
  cmd->callback([args, &exit] { Verify(*args, exit); });
}

}  // namespace satfence::cli
