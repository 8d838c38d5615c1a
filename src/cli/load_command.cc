// `satfence load`: a load generator for `satfence serve`. Replays telemetry at a set rate
// (open loop: each report has its send time, and its latency counts from then, so a slow
// server cannot hide queueing by slowing the sender) or as fast as the connections go
// (--rate 0), with terminal ids rewritten to make a fleet of K so that no replay repeats a
// report. Prints a progress line each second and, at the end, throughput and latency
// percentiles of the acknowledged reports.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "satfence/serve/proto_report.h"
#include "satfence/v1/telemetry.grpc.pb.h"
#include "satfence/verify/telemetry.h"

namespace satfence::cli {
namespace {

using Clock = std::chrono::steady_clock;
namespace pb = satfence::v1;

struct LoadArgs {
  std::string target;
  std::string telemetry;
  double rate = 0.0;  // reports/s; 0: as fast as the connections go
  double duration_s = 10.0;
  int terminals = 0;  // 0: as in the file
  int connections = 8;
  int batch = 1;  // reports per request
  int max_reports = 100'000;
  std::string id_prefix;  // default: "load<start time>", so runs never repeat a report
  std::string json;
};

// One report of the file: its line split around the terminal id's text, and the id's
// index in the file's list of terminals.
struct Template {
  std::string before, after;  // the line is before + terminal id + after
  int terminal = 0;
  pb::Report proto;  // for gRPC
};

// The send loop's shared state.
struct Run {
  std::vector<Template> templates;
  int file_terminals = 0;
  int fleet = 0;
  std::string prefix;
  std::atomic<std::int64_t> next{0};
  std::int64_t total = 0;  // reports to send (open loop), or unbounded (closed loop)
  Clock::time_point start, stop;
  double rate = 0.0;
  std::mutex mu;
  std::vector<double> latencies_s;  // of acknowledged reports
  std::atomic<std::int64_t> sent{0}, acked{0}, refused{0}, failed{0};
  std::string first_error;

  // The id of report `k` (k-th sent): its file terminal shifted by the replay pass.
  std::string TerminalOf(std::int64_t k) const {
    const std::int64_t n = static_cast<std::int64_t>(templates.size());
    const std::int64_t pass = k / n;
    const Template& t = templates[static_cast<size_t>(k % n)];
    const std::int64_t id = (t.terminal + pass * file_terminals) % fleet;
    return absl::StrFormat("%s-%07d-p%d", prefix, id, pass);
  }
  void Failed(const std::string& why, bool overloaded) {
    (overloaded ? refused : failed).fetch_add(1);
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = why;
  }
};

bool LoadTemplates(const LoadArgs& args, bool grpc, Run& run) {
  std::ifstream in(args.telemetry, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "satfence load: cannot open %s\n", args.telemetry.c_str());
    return false;
  }
  verify::TelemetryParser parser;
  std::map<std::string, int> terminals;
  verify::ForEachReport(
      in, args.telemetry, parser,
      [&](verify::Report&& r, std::string_view line) {
        if (static_cast<int>(run.templates.size()) >= args.max_reports) return;
        // The id as the line spells it: "terminal" then ':' then the quoted id.
        const std::string quoted = nlohmann::json(r.terminal).dump();
        size_t key = line.find("\"terminal\"");
        size_t at = std::string_view::npos;
        if (key != std::string_view::npos) {
          size_t p = key + 10;
          while (p < line.size() && (line[p] == ' ' || line[p] == ':')) ++p;
          if (line.substr(p, quoted.size()) == quoted) at = p;
        }
        if (at == std::string_view::npos) return;
        Template t;
        t.before = std::string(line.substr(0, at));
        t.after = std::string(line.substr(at + quoted.size()));
        t.terminal = terminals.try_emplace(r.terminal, static_cast<int>(terminals.size()))
                         .first->second;
        if (grpc) serve::ReportToProto(r, t.proto);
        run.templates.push_back(std::move(t));
      },
      [](RecordError&& e) { std::fprintf(stderr, "%s\n", e.ToString().c_str()); });
  run.file_terminals = static_cast<int>(terminals.size());
  if (run.templates.empty()) {
    std::fprintf(stderr, "satfence load: %s: no reports\n", args.telemetry.c_str());
    return false;
  }
  return true;
}

// The reports of one request: indices [k, k + count) and their send time.
bool Take(Run& run, int batch, std::int64_t& k, int& count, Clock::time_point& due) {
  k = run.next.fetch_add(batch);
  if (run.rate > 0.0) {
    if (k >= run.total) return false;
    count = static_cast<int>(std::min<std::int64_t>(batch, run.total - k));
    due = run.start + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>((k + count - 1) / run.rate));
    std::this_thread::sleep_until(due);
  } else {
    if (Clock::now() >= run.stop) return false;
    count = batch;
    due = Clock::now();
  }
  return true;
}

void Acked(Run& run, int count, Clock::time_point due) {
  const double s = std::chrono::duration<double>(Clock::now() - due).count();
  run.acked.fetch_add(count);
  std::lock_guard lock(run.mu);
  for (int i = 0; i < count; ++i) run.latencies_s.push_back(s);
}

void HttpClient(Run& run, const std::string& host, int port, int batch) {
  httplib::Client client(host, port);
  client.set_keep_alive(true);
  client.set_read_timeout(120, 0);
  std::int64_t k;
  int count;
  Clock::time_point due;
  while (Take(run, batch, k, count, due)) {
    std::string body;
    for (int i = 0; i < count; ++i) {
      const Template& t = run.templates[static_cast<size_t>((k + i) % run.templates.size())];
      absl::StrAppend(&body, t.before, nlohmann::json(run.TerminalOf(k + i)).dump(), t.after, "\n");
    }
    run.sent.fetch_add(count);
    httplib::Result r = client.Post("/v1/reports", body, "application/x-ndjson");
    if (!r) {
      run.Failed(absl::StrCat("HTTP: ", httplib::to_string(r.error())), false);
    } else if (r->status == 200) {
      Acked(run, count, due);
    } else {
      run.Failed(absl::StrCat("HTTP ", r->status, ": ", r->body.substr(0, 200)), r->status == 429);
    }
  }
}

void GrpcClient(Run& run, const std::shared_ptr<grpc::Channel>& channel, int batch) {
  std::unique_ptr<pb::Telemetry::Stub> stub = pb::Telemetry::NewStub(channel);
  std::int64_t k;
  int count;
  Clock::time_point due;
  pb::SubmitRequest request;
  while (Take(run, batch, k, count, due)) {
    request.clear_reports();
    for (int i = 0; i < count; ++i) {
      pb::Report* r = request.add_reports();
      *r = run.templates[static_cast<size_t>((k + i) % run.templates.size())].proto;
      r->set_terminal(run.TerminalOf(k + i));
    }
    run.sent.fetch_add(count);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    pb::SubmitResponse response;
    grpc::Status s = stub->Submit(&context, request, &response);
    if (s.ok()) {
      Acked(run, count, due);
    } else {
      run.Failed(absl::StrCat("gRPC ", s.error_code(), ": ", s.error_message()),
                 s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    }
  }
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size()))) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

void Load(const LoadArgs& args, ExitCode& exit) {
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "satfence load: %s\n", why.c_str());
    exit.value = 2;
  };
  bool grpc = false;
  std::string rest;
  if (absl::StartsWith(args.target, "http://")) {
    rest = args.target.substr(7);
  } else if (absl::StartsWith(args.target, "grpc://")) {
    rest = args.target.substr(7);
    grpc = true;
  } else {
    return fail("--target: expected http://HOST:PORT or grpc://HOST:PORT");
  }
  const size_t colon = rest.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(rest.substr(colon + 1), &port) ||
      port <= 0 || port > 65535) {
    return fail("--target: expected http://HOST:PORT or grpc://HOST:PORT");
  }
  const std::string host = rest.substr(0, colon);

  Run run;
  if (!LoadTemplates(args, grpc, run)) {
    exit.value = 2;
    return;
  }
  run.fleet = args.terminals > 0 ? args.terminals : run.file_terminals;
  run.prefix = !args.id_prefix.empty()
                   ? args.id_prefix
                   : absl::StrCat("load", std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  run.rate = args.rate;
  run.total = static_cast<std::int64_t>(args.rate * args.duration_s);
  std::fprintf(stderr, "satfence load: %zu reports of %d terminals from %s, fleet of %d, %s\n",
               run.templates.size(), run.file_terminals, args.telemetry.c_str(), run.fleet,
               args.rate > 0 ? absl::StrFormat("%.0f reports/s for %.0f s", args.rate,
                                               args.duration_s).c_str()
                             : absl::StrFormat("as fast as %d connections go for %.0f s",
                                               args.connections, args.duration_s).c_str());
  run.start = Clock::now();
  run.stop = run.start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(args.duration_s));
  std::vector<std::thread> clients;
  std::shared_ptr<grpc::Channel> channel;
  if (grpc) {
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxSendMessageSize(256 << 20);
    channel_args.SetMaxReceiveMessageSize(256 << 20);
    channel = grpc::CreateCustomChannel(absl::StrCat(host, ":", port),
                                        grpc::InsecureChannelCredentials(), channel_args);
  }
  for (int c = 0; c < args.connections; ++c) {
    clients.emplace_back([&, c] {
      if (grpc) {
        GrpcClient(run, channel, args.batch);
      } else {
        HttpClient(run, host, port, args.batch);
      }
    });
  }
  std::atomic<bool> running{true};
  std::thread progress([&] {
    std::int64_t last = 0;
    while (running.load()) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      if (!running.load()) break;
      const std::int64_t acked = run.acked.load();
      std::fprintf(stderr, "\r%6.1f s  sent %lld  acked %lld  %lld/s  refused %lld  failed %lld ",
                   std::chrono::duration<double>(Clock::now() - run.start).count(),
                   static_cast<long long>(run.sent.load()), static_cast<long long>(acked),
                   static_cast<long long>(acked - last),
                   static_cast<long long>(run.refused.load()),
                   static_cast<long long>(run.failed.load()));
      last = acked;
    }
  });
  for (std::thread& t : clients) t.join();
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - run.start).count();
  running = false;
  progress.join();
  std::fprintf(stderr, "\n");
  std::sort(run.latencies_s.begin(), run.latencies_s.end());
  const double throughput = static_cast<double>(run.acked.load()) / elapsed_s;
  const auto ms = [](double s) { return 1000.0 * s; };
  std::printf(
      "%s: %lld reports acknowledged in %.1f s: %.0f reports/s (offered %s); latency p50 "
      "%.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; %lld refused (overloaded), %lld "
      "failed\n",
      args.target.c_str(), static_cast<long long>(run.acked.load()), elapsed_s, throughput,
      args.rate > 0 ? absl::StrFormat("%.0f/s", args.rate).c_str() : "closed loop",
      ms(Percentile(run.latencies_s, 0.50)), ms(Percentile(run.latencies_s, 0.90)),
      ms(Percentile(run.latencies_s, 0.99)),
      ms(run.latencies_s.empty() ? 0.0 : run.latencies_s.back()),
      static_cast<long long>(run.refused.load()), static_cast<long long>(run.failed.load()));
  if (!run.first_error.empty()) std::printf("first error: %s\n", run.first_error.c_str());
  if (!args.json.empty()) {
    nlohmann::ordered_json j = {{"target", args.target},
                                {"offered_per_s", args.rate},
                                {"acked", run.acked.load()},
                                {"elapsed_s", elapsed_s},
                                {"throughput_per_s", throughput},
                                {"p50_ms", ms(Percentile(run.latencies_s, 0.50))},
                                {"p90_ms", ms(Percentile(run.latencies_s, 0.90))},
                                {"p99_ms", ms(Percentile(run.latencies_s, 0.99))},
                                {"max_ms", ms(run.latencies_s.empty() ? 0.0 : run.latencies_s.back())},
                                {"refused", run.refused.load()},
                                {"failed", run.failed.load()}};
    std::ofstream(args.json) << j.dump() << "\n";
  }
  if (run.acked.load() == 0 || run.failed.load() > 0) exit.value = 1;
}

}  // namespace

void RegisterLoadCommand(CLI::App& app, ExitCode& exit) {
  auto args = std::make_shared<LoadArgs>();
  CLI::App* cmd = app.add_subcommand(
      "load",
      "Load generator for `satfence serve`: replay telemetry at a rate, report throughput and "
      "latency percentiles of acknowledged reports");
  cmd->add_option("telemetry", args->telemetry, "Telemetry to replay (JSON Lines)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--target", args->target, "http://HOST:PORT or grpc://HOST:PORT")->required();
  cmd->add_option("--rate", args->rate, "Reports per second (open loop); 0: as fast as possible")
      ->check(CLI::Range(0.0, 1e7))
      ->capture_default_str();
  cmd->add_option("--duration", args->duration_s, "Seconds")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  cmd->add_option("--terminals", args->terminals,
                  "Fleet size: terminal ids rewritten to K distinct ones (0: as in the file)")
      ->check(CLI::Range(0, 100'000'000));
  cmd->add_option("--connections", args->connections, "Concurrent requests")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--batch", args->batch, "Reports per request")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  cmd->add_option("--max-reports", args->max_reports, "Read at most this many reports of the file")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  cmd->add_option("--id-prefix", args->id_prefix,
                  "Terminal ids PREFIX-NNNNNNN-pPASS (default: load<unix time>: a new fleet per run)");
  cmd->add_option("--json", args->json, "Also write the figures here (JSON)");
  cmd->callback([args, &exit] { Load(*args, exit); });
}

}  // namespace satfence::cli
