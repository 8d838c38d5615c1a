#include "satfence/sim/evaluation.h"

#include <algorithm>
#include <boost/math/distributions/non_central_chi_squared.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "satfence/base/binomial.h"
#include "satfence/base/utc_time.h"
#include "satfence/geo/geodetic.h"
#include "satfence/geo/local_frame.h"

namespace satfence::sim {
namespace {

using nlohmann::json;

constexpr double kPi = 3.14159265358979323846;
constexpr size_t kMaxLine = 1 << 20;

struct Truth {
  std::string behaviour;
  double lat = 0, lon = 0, alt = 0;
  double displacement_m = 0;
  double lambda_all = 0, lambda_physical = 0, crlb_h_m = -1;
  UtcTime time;
  std::string terminal;
};

bool Honest(const std::string& b) { return b != "a1" && b != "a2"; }

double Power(double lambda, int dof, double threshold) {
  if (dof <= 0 || !std::isfinite(threshold)) return 0.0;
  boost::math::non_central_chi_squared_distribution<double> nc(dof, std::max(lambda, 0.0));
  return boost::math::cdf(boost::math::complement(nc, threshold));
}

// Reads a JSON Lines file, calling `each` with (line number, object); a bad line is an error.
absl::Status ForEachLine(const std::string& path,
                         const std::function<absl::Status(int, const json&)>& each) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.size() > kMaxLine)
      return absl::InvalidArgumentError(absl::StrFormat("%s:%d: line too long", path, n));
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::InvalidArgumentError(absl::StrFormat("%s:%d: not a JSON object", path, n));
    }
    absl::Status s = each(n, j);
    if (!s.ok())
      return absl::InvalidArgumentError(absl::StrFormat("%s:%d: %s", path, n, s.message()));
  }
  return absl::OkStatus();
}

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Displacement bins (m) for detection and time to detection.
const std::vector<double> kEdges_m = {0, 30, 100, 300, 1000, 3000, 10000, 30000, 1e9};

int BinOf(double displacement_m) {
  return int(std::upper_bound(kEdges_m.begin(), kEdges_m.end(), displacement_m) -
             kEdges_m.begin()) -
         1;
}

std::string BinLabel(double lo_m, double hi_m) {
  return hi_m >= 1e8 ? absl::StrFormat("%.0f+", lo_m) : absl::StrFormat("%.0f-%.0f", lo_m, hi_m);
}

std::string Key(const std::string& terminal, const std::string& time) {
  return absl::StrCat(terminal, "\x1f", time);
}

}  // namespace

absl::StatusOr<Evaluation> EvaluateFiles(const std::string& truth_path,
                                         const std::string& verdicts_path,
                                         const decide::SequentialPolicy& sequential) {
  Evaluation e;
  std::unordered_map<std::string, Truth> truth;
  absl::Status s = ForEachLine(truth_path, [&](int, const json& j) -> absl::Status {
    try {
      Truth t;
      t.terminal = j.at("terminal").get<std::string>();
      std::string time = j.at("time").get<std::string>();
      absl::StatusOr<UtcTime> parsed = ParseRfc3339(time);
      if (!parsed.ok()) return absl::InvalidArgumentError("time: not RFC 3339");
      t.time = *parsed;
      t.behaviour = j.at("behaviour").get<std::string>();
      t.lat = j.at("lat").get<double>();
      t.lon = j.at("lon").get<double>();
      t.alt = j.at("alt_m").get<double>();
      t.displacement_m = j.at("displacement_m").get<double>();
      t.lambda_all = j.at("lambda_all").get<double>();
      t.lambda_physical = j.at("lambda_physical").get<double>();
      t.crlb_h_m = j.at("crlb_h_m").get<double>();
      truth[Key(t.terminal, FormatRfc3339(t.time))] = t;
      ++e.truth_records;
    } catch (const json::exception& ex) {
      return absl::InvalidArgumentError(ex.what());
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;

  std::map<std::string, ClassRate> classes;
  std::map<std::pair<std::string, int>, DetectionBin> bins;
  struct Scored {
    bool liar;
    double p;
  };
  std::vector<Scored> scored;
  double sum_err2 = 0, sum_crlb2 = 0, sum_nees = 0;
  // Each terminal's verdicts, for time to detection and the sequential test.
  struct Seen {
    UtcTime time;
    bool spoofed = false;
    int tests = 0;  // the verdict's sequential evidence (none in verdicts without it)
    double p = 1.0;
    double history = 0.0;
  };
  struct TerminalReports {
    std::string behaviour;
    double displacement_m = 0.0;
    bool sequential = false;  // its verdicts carry sequential evidence
    std::vector<Seen> reports;
  };
  std::map<std::string, TerminalReports> terminals;

  s = ForEachLine(verdicts_path, [&](int line, const json& v) -> absl::Status {
    ++e.verdicts;
    try {
      std::string terminal = v.at("terminal").get<std::string>();
      std::string time = v.at("time").get<std::string>();
      auto it = truth.find(Key(terminal, time));
      if (it == truth.end()) {
        e.unmatched.push_back(
            absl::StrFormat("%s:%d: no truth for %s at %s", verdicts_path, line, terminal, time));
        return absl::OkStatus();
      }
      ++e.matched;
      const Truth& t = it->second;
      const std::string verdict = v.at("verdict").get<std::string>();
      const bool spoofed = verdict == "spoofed";
      std::vector<std::string> flags = v.at("flags").get<std::vector<std::string>>();
      auto has = [&](const char* f) {
        return std::find(flags.begin(), flags.end(), f) != flags.end();
      };
      ClassRate& c = classes[t.behaviour];
      c.behaviour = t.behaviour;
      ++c.reports;
      c.spoofed += spoofed;
      c.inconclusive += verdict == "inconclusive";
      c.flagged += (t.behaviour == "drone" && has("speed_limit")) ||
                   (t.behaviour == "clone" && has("clone"));
      const json& tests = v.at("tests");
      if (tests.contains("all") && tests["all"].is_object() && e.configured_alpha == 0.0) {
        int ran = int(!tests["all"].is_null()) + int(!tests["physical"].is_null()) +
                  int(!tests["history"].is_null()) +
                  int(tests.contains("physical_history") && !tests["physical_history"].is_null());
        e.configured_alpha = tests["all"].at("alpha").get<double>() * ran;
      }
      double p = v.at("p_value").is_number() ? v["p_value"].get<double>() : 1.0;
      scored.push_back({!Honest(t.behaviour), p});
      TerminalReports& tr = terminals[terminal];
      tr.behaviour = t.behaviour;
      tr.displacement_m = t.displacement_m;
      Seen& seen = tr.reports.emplace_back(Seen{t.time, spoofed});
      if (v.contains("sequential") && v["sequential"].is_object()) {
        const json& q = v["sequential"];
        tr.sequential = true;
        seen.tests = q.at("report_tests").get<int>();
        seen.p = q.at("report_p_value").is_number() ? q["report_p_value"].get<double>() : 1.0;
        seen.history = q.at("history_log_lr").is_number() ? q["history_log_lr"].get<double>() : 0.0;
      }
      if (Honest(t.behaviour)) {
        ++e.honest_reports;
        if (v.at("fix").is_object() && t.crlb_h_m > 0) {
          const json& f = v["fix"];
          geo::LocalFrame frame({t.lat, t.lon, t.alt});
          geo::Vec3 enu = frame.EcefToEnu_m(geo::GeodeticToEcef(
              {f.at("lat").get<double>(), f.at("lon").get<double>(), f.at("alt_m").get<double>()}));
          sum_err2 += enu.x * enu.x + enu.y * enu.y;
          sum_crlb2 += t.crlb_h_m * t.crlb_h_m;
          double a = f.at("semi_major_m").get<double>(), b = f.at("semi_minor_m").get<double>();
          double az = f.at("azimuth_deg").get<double>() * kPi / 180.0;
          double along = enu.x * std::sin(az) + enu.y * std::cos(az);
          double across = enu.x * std::cos(az) - enu.y * std::sin(az);
          sum_nees += along * along / (a * a) + across * across / (b * b);
          ++e.fixes;
        }
      } else {
        const bool a1 = t.behaviour == "a1";
        const json& test = tests.at(a1 ? "all" : "physical");
        const int bin = BinOf(t.displacement_m);
        DetectionBin& d = bins[{t.behaviour, bin}];
        d.behaviour = t.behaviour;
        d.lo_m = kEdges_m[bin];
        d.hi_m = kEdges_m[bin + 1];
        ++d.reports;
        d.detected += spoofed;
        if (test.is_object()) {
          d.test_rejected += test.at("chi2_rejected").get<bool>();
          double threshold =
              test.at("threshold").is_number() ? test["threshold"].get<double>() : NAN;
          d.theory +=
              Power(a1 ? t.lambda_all : t.lambda_physical, test.at("dof").get<int>(), threshold);
        }
      }
    } catch (const json::exception& ex) {
      return absl::InvalidArgumentError(ex.what());
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;

  int honest_spoofed = 0;
  for (auto& [name, c] : classes) {
    const Interval ci = ClopperPearson(c.spoofed, c.reports);
    c.rate_lo = ci.lo;
    c.rate_hi = ci.hi;
    if (Honest(name)) honest_spoofed += c.spoofed;
    e.classes.push_back(c);
  }
  e.honest_false_alarm = e.honest_reports ? double(honest_spoofed) / e.honest_reports : 0.0;
  for (auto& [key, d] : bins) {
    d.theory /= std::max(d.reports, 1);
    e.bins.push_back(d);
  }
  for (double alpha : {1e-6, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0}) {
    int h = 0, hn = 0, l = 0, ln = 0;
    for (const Scored& x : scored) {
      (x.liar ? ln : hn) += 1;
      if (x.p < alpha) (x.liar ? l : h) += 1;
    }
    e.roc.push_back({alpha, hn ? double(h) / hn : 0.0, ln ? double(l) / ln : 0.0});
  }
  if (e.fixes > 0) {
    e.rms_error_h_m = std::sqrt(sum_err2 / e.fixes);
    e.rms_crlb_h_m = std::sqrt(sum_crlb2 / e.fixes);
    e.mean_nees_h = sum_nees / e.fixes;
  }
  std::vector<double> ttd, rtd;
  std::map<std::pair<std::string, int>, std::pair<std::vector<double>, std::vector<double>>> by_bin;
  std::map<std::pair<std::string, int>, TimeToDetection> ttd_bins;
  for (auto& [terminal, tr] : terminals) {
    std::sort(tr.reports.begin(), tr.reports.end(),
              [](const Seen& a, const Seen& b) { return a.time < b.time; });
  }
  for (const auto& [terminal, tr] : terminals) {
    if (Honest(tr.behaviour)) continue;
    const std::vector<Seen>& reports = tr.reports;
    ++e.liars;
    const int bin = BinOf(tr.displacement_m);
    const auto key = std::make_pair(tr.behaviour, bin);
    TimeToDetection& b = ttd_bins[key];
    b.behaviour = tr.behaviour;
    b.lo_m = kEdges_m[bin];
    b.hi_m = kEdges_m[bin + 1];
    ++b.terminals;
    for (size_t i = 0; i < reports.size(); ++i) {
      if (reports[i].spoofed) {
        ++e.liars_detected;
        ++b.detected;
        const double seconds =
            std::chrono::duration<double>(reports[i].time - reports[0].time).count();
        ttd.push_back(seconds);
        rtd.push_back(double(i + 1));
        by_bin[key].first.push_back(seconds);
        by_bin[key].second.push_back(double(i + 1));
        break;
      }
    }
  }
  // The sequential test, as the Decider runs it (decide.cc): the CUSUM kept in [0, 2h].
  SequentialEvaluation& q = e.sequential;
  q.threshold = decide::SpoofThreshold(sequential);
  q.design_shift = sequential.design_shift;
  q.fleet_terminals = sequential.fleet_terminals;
  q.reports_per_terminal_per_day = sequential.reports_per_terminal_per_day;
  q.false_denials_per_day = sequential.false_denials_per_day;
  q.arl0_bound = decide::CusumArl0Bound(q.threshold);
  const decide::ArlEstimate arl0 =
      decide::CusumArlImportanceSampling(q.threshold, q.design_shift, 100'000, 20261208);
  q.arl0_importance_sampling = arl0.arl;
  q.arl0_relative_error = arl0.relative_error;
  q.fleet_denials_per_day = q.fleet_terminals * q.reports_per_terminal_per_day / arl0.arl;
  for (double mu : {2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0}) {
    q.delay_curve.push_back(
        {mu, decide::CusumArlMonteCarlo(q.threshold, q.design_shift, mu, 2'000, 7).arl,
         decide::CusumArlSiegmund(q.threshold, q.design_shift, mu)});
  }
  double lr_sum = 0.0;
  std::map<std::pair<std::string, int>, std::vector<double>> reports_to_denial;
  std::map<std::pair<std::string, int>, SequentialBin> seq_bins;
  for (const auto& [terminal, te] : terminals) {
    if (!te.sequential) continue;
    const bool honest = Honest(te.behaviour);
    double cusum = 0.0;
    int denied_at = 0;
    for (size_t i = 0; i < te.reports.size(); ++i) {
      const Seen& r = te.reports[i];
      const double llr = decide::ReportEvidence(r.tests, r.p, q.design_shift);
      if (honest && r.tests > 0) {
        lr_sum += std::exp(std::min(llr, 700.0));
        ++q.honest_scored;
      }
      cusum = decide::CusumStep(cusum, llr, q.threshold);
      if (denied_at == 0 && decide::SpoofAlarm(cusum, r.history, q.threshold)) {
        denied_at = static_cast<int>(i) + 1;
      }
    }
    if (honest) {
      ++q.honest_terminals;
      q.honest_denied += denied_at > 0;
      continue;
    }
    const int bin = BinOf(te.displacement_m);
    const auto key = std::make_pair(te.behaviour, bin);
    SequentialBin& b = seq_bins[key];
    b.behaviour = te.behaviour;
    b.lo_m = kEdges_m[bin];
    b.hi_m = kEdges_m[bin + 1];
    ++b.terminals;
    if (denied_at > 0) {
      ++b.denied;
      b.on_first += denied_at == 1;
      b.within_5 += denied_at <= 5;
      reports_to_denial[key].push_back(denied_at);
    }
  }
  q.honest_mean_lr = q.honest_scored > 0 ? lr_sum / q.honest_scored : 0.0;
  for (auto& [key, b] : seq_bins) {
    b.median_reports = Median(reports_to_denial[key]);
    q.bins.push_back(b);
  }

  e.median_time_to_detection_s = Median(ttd);
  e.median_reports_to_detection = Median(rtd);
  for (auto& [key, b] : ttd_bins) {
    b.median_s = Median(by_bin[key].first);
    b.median_reports = Median(by_bin[key].second);
    e.time_to_detection.push_back(b);
  }
  return e;
}

std::string EvaluationText(const Evaluation& e) {
  std::ostringstream o;
  o << absl::StrFormat("%d verdicts, %d matched to truth (%d truth records), %d unmatched\n",
                       e.verdicts, e.matched, e.truth_records,
                       static_cast<int>(e.unmatched.size()));
  o << absl::StrFormat("\nVerdicts by class (configured false-alarm probability %.3g per report)\n",
                       e.configured_alpha);
  o << absl::StrFormat("  %-10s %8s %8s %9s %22s %8s\n", "class", "reports", "spoofed", "inconcl.",
                       "spoofed rate (95% CI)", "flagged");
  for (const ClassRate& c : e.classes) {
    o << absl::StrFormat("  %-10s %8d %8d %9d %8.4f [%.4f,%.4f] %8d\n", c.behaviour, c.reports,
                         c.spoofed, c.inconclusive, c.reports ? double(c.spoofed) / c.reports : 0.0,
                         c.rate_lo, c.rate_hi, c.flagged);
  }
  o << absl::StrFormat("  honest false-alarm rate: %.4f over %d reports\n", e.honest_false_alarm,
                       e.honest_reports);
  o << "\nDetection by displacement (the class's own test: measured vs noncentral chi-square; "
       "then any test)\n";
  o << absl::StrFormat("  %-5s %18s %8s %9s %9s %9s\n", "class", "displacement (m)", "reports",
                       "measured", "theory", "verdict");
  for (const DetectionBin& d : e.bins) {
    o << absl::StrFormat("  %-5s %18s %8d %9.3f %9.3f %9.3f\n", d.behaviour,
                         BinLabel(d.lo_m, d.hi_m), d.reports, double(d.test_rejected) / d.reports,
                         d.theory, double(d.detected) / d.reports);
  }
  for (const char* cls : {"a1", "a2"}) {
    int n = 0, rejected = 0;
    double theory = 0.0;
    for (const DetectionBin& d : e.bins) {
      if (d.behaviour != cls) continue;
      n += d.reports;
      rejected += d.test_rejected;
      theory += d.theory * d.reports;
    }
    if (n == 0) continue;
    o << absl::StrFormat("  %-5s %18s %8d %9.3f %9.3f  (difference %+.1f percentage points)\n", cls,
                         "all", n, double(rejected) / n, theory / n,
                         100.0 * (double(rejected) - theory) / n);
  }
  o << "\nROC (threshold on the verdict's p-value)\n  alpha     false alarm  detection\n";
  for (const RocPoint& r : e.roc) {
    o << absl::StrFormat("  %-9.0e %11.4f %10.4f\n", r.alpha, r.false_alarm, r.detection);
  }
  o << absl::StrFormat(
      "\nFixes (honest): %d; RMS horizontal error %.1f m, RMS CRLB %.1f m, ratio %.3f; mean "
      "horizontal NEES %.3f (2 when the ellipses are right)\n",
      e.fixes, e.rms_error_h_m, e.rms_crlb_h_m,
      e.rms_crlb_h_m > 0 ? e.rms_error_h_m / e.rms_crlb_h_m : 0.0, e.mean_nees_h);
  o << absl::StrFormat(
      "Liars: %d terminals, %d detected; median time to detection %.0f s (%.1f reports)\n", e.liars,
      e.liars_detected, e.median_time_to_detection_s, e.median_reports_to_detection);
  o << absl::StrFormat("  %-5s %18s %9s %9s %12s %8s\n", "class", "displacement (m)", "terminals",
                       "detected", "median (s)", "reports");
  for (const TimeToDetection& b : e.time_to_detection) {
    o << absl::StrFormat("  %-5s %18s %9d %9d %12.0f %8.1f\n", b.behaviour,
                         BinLabel(b.lo_m, b.hi_m), b.terminals, b.detected, b.median_s,
                         b.median_reports);
  }
  const SequentialEvaluation& q = e.sequential;
  o << absl::StrFormat(
      "\nThe sequential spoof test (threshold %.2f for at most %g honest terminals denied a day "
      "across %.0f reporting %g times a day; design shift %g)\n"
      "  run length to a false alarm: %.3g reports by importance sampling (+-%.1f%%), Lorden's "
      "bound %.3g; %.3g honest terminals denied a day across the fleet\n"
      "  honest: %d terminals, %d denied; mean exp(llr) %.3g over %d reports (at most 1 when the "
      "p-values are valid)\n",
      q.threshold, q.false_denials_per_day, q.fleet_terminals, q.reports_per_terminal_per_day,
      q.design_shift, q.arl0_importance_sampling, 100.0 * q.arl0_relative_error, q.arl0_bound,
      q.fleet_denials_per_day, q.honest_terminals, q.honest_denied, q.honest_mean_lr,
      q.honest_scored);
  o << absl::StrFormat("  %-5s %18s %9s %7s %7s %9s %8s\n", "class", "displacement (m)",
                       "terminals", "denied", "on 1st", "within 5", "median");
  for (const SequentialBin& b : q.bins) {
    o << absl::StrFormat("  %-5s %18s %9d %7d %7d %9d %8.1f\n", b.behaviour,
                         BinLabel(b.lo_m, b.hi_m), b.terminals, b.denied, b.on_first, b.within_5,
                         b.median_reports);
  }
  o << "  delay: mean score of a report -> reports to denial (simulated; Siegmund)\n";
  for (const DelayPoint& d : q.delay_curve) {
    o << absl::StrFormat("    %4.1f -> %5.2f; %5.2f\n", d.mean_score, d.simulated, d.siegmund);
  }
  for (const std::string& u : e.unmatched) o << "  " << u << "\n";
  return o.str();
}

std::string EvaluationJson(const Evaluation& e) {
  json j;
  j["verdicts"] = e.verdicts;
  j["matched"] = e.matched;
  j["truth_records"] = e.truth_records;
  j["unmatched"] = e.unmatched;
  j["configured_alpha"] = e.configured_alpha;
  j["honest_false_alarm"] = e.honest_false_alarm;
  j["honest_reports"] = e.honest_reports;
  for (const ClassRate& c : e.classes) {
    j["classes"].push_back({{"class", c.behaviour},
                            {"reports", c.reports},
                            {"spoofed", c.spoofed},
                            {"inconclusive", c.inconclusive},
                            {"flagged", c.flagged},
                            {"spoofed_rate_ci95", {c.rate_lo, c.rate_hi}}});
  }
  for (const DetectionBin& d : e.bins) {
    j["detection"].push_back({{"class", d.behaviour},
                              {"displacement_m", {d.lo_m, d.hi_m}},
                              {"reports", d.reports},
                              {"measured", double(d.test_rejected) / d.reports},
                              {"theory", d.theory},
                              {"verdict", double(d.detected) / d.reports}});
  }
  for (const RocPoint& r : e.roc) {
    j["roc"].push_back(
        {{"alpha", r.alpha}, {"false_alarm", r.false_alarm}, {"detection", r.detection}});
  }
  j["fix"] = {{"count", e.fixes},
              {"rms_error_h_m", e.rms_error_h_m},
              {"rms_crlb_h_m", e.rms_crlb_h_m},
              {"mean_nees_h", e.mean_nees_h}};
  j["liars"] = {{"terminals", e.liars},
                {"detected", e.liars_detected},
                {"median_time_to_detection_s", std::isfinite(e.median_time_to_detection_s)
                                                   ? json(e.median_time_to_detection_s)
                                                   : json(nullptr)},
                {"median_reports_to_detection", std::isfinite(e.median_reports_to_detection)
                                                    ? json(e.median_reports_to_detection)
                                                    : json(nullptr)}};
  for (const TimeToDetection& b : e.time_to_detection) {
    j["time_to_detection"].push_back(
        {{"class", b.behaviour},
         {"displacement_m", {b.lo_m, b.hi_m}},
         {"terminals", b.terminals},
         {"detected", b.detected},
         {"median_s", std::isfinite(b.median_s) ? json(b.median_s) : json(nullptr)},
         {"median_reports",
          std::isfinite(b.median_reports) ? json(b.median_reports) : json(nullptr)}});
  }
  const SequentialEvaluation& q = e.sequential;
  auto number = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
  json seq = {{"threshold", q.threshold},
              {"design_shift", q.design_shift},
              {"fleet_terminals", q.fleet_terminals},
              {"reports_per_terminal_per_day", q.reports_per_terminal_per_day},
              {"false_denials_per_day", q.false_denials_per_day},
              {"arl0_bound", q.arl0_bound},
              {"arl0_importance_sampling", number(q.arl0_importance_sampling)},
              {"arl0_relative_error", number(q.arl0_relative_error)},
              {"fleet_denials_per_day", number(q.fleet_denials_per_day)},
              {"honest_terminals", q.honest_terminals},
              {"honest_denied", q.honest_denied},
              {"honest_scored", q.honest_scored},
              {"honest_mean_lr", number(q.honest_mean_lr)},
              {"bins", json::array()},
              {"delay_curve", json::array()}};
  for (const SequentialBin& b : q.bins) {
    seq["bins"].push_back({{"class", b.behaviour},
                           {"displacement_m", {b.lo_m, b.hi_m}},
                           {"terminals", b.terminals},
                           {"denied", b.denied},
                           {"on_first", b.on_first},
                           {"within_5", b.within_5},
                           {"median_reports", number(b.median_reports)}});
  }
  for (const DelayPoint& d : q.delay_curve) {
    seq["delay_curve"].push_back(
        {{"mean_score", d.mean_score}, {"simulated", d.simulated}, {"siegmund", d.siegmund}});
  }
  j["sequential"] = seq;
  return j.dump(1);
}

}  // namespace satfence::sim
