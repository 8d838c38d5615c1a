// `satfence serve`: the decision pipeline as a service on one machine: reports in over HTTP
// (JSON Lines), each answered with its decision once the decision, its events and its
// audit-log leaf are committed; reads, health and metrics. docs/serve.md is the reference.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include <toml++/toml.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "commands.h"
#include "decision_inputs.h"
#include "satfence/audit/note.h"
#include "satfence/base/file.h"
#include "satfence/base/text.h"
#include "satfence/serve/auth.h"
#include "satfence/serve/grpc_server.h"
#include "satfence/serve/http_server.h"
#include "satfence/serve/service.h"

namespace satfence::cli {
namespace {

struct ServeArgs {
  std::string config;
  DecisionInputArgs inputs;
  std::string http = "127.0.0.1:8080";
  std::string grpc = "127.0.0.1:50051";
  std::string store = "satfence.db";
  std::string audit_key;
  int workers = 0;
  std::size_t max_queued_reports = 16'384;
  std::size_t max_body_bytes = 64 << 20;
  std::size_t max_reports_per_request = 10'000;
  int http_threads = 16;
  double checkpoint_interval_s = 10.0;
  std::vector<std::string> tokens;  // "ROLE:SHA256"
  std::string tls_cert, tls_key;
  std::vector<std::string> events = {"enter", "exit", "action_changed", "spoof_suspected"};
  std::vector<std::string> webhooks;
};

// One structured log line on stderr: {"time", "level", "msg", ...fields}.
void Log(const char* level, const char* msg, nlohmann::ordered_json fields = {}) {
  nlohmann::ordered_json j = {
      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())},
      {"level", level},
      {"msg", msg}};
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) j[k] = v;
  }
  std::fprintf(stderr, "%s\n",
               j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

// Sets the options of `cmd` that the command line left unset from the TOML file at `path`,
// keyed by long option name without its dashes; each value is checked as the option checks
// its argument. Errors name the file, line and key.
absl::Status ApplyConfigFile(CLI::App& cmd, const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileLimited(path, 1 << 20);
  if (!text.ok()) return text.status();
  toml::table root;
  try {
    root = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrFormat("%s:%d: %s", path, e.source().begin.line,
                                                      std::string(e.description())));
  }
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    const int line = static_cast<int>(node.source().begin.line);
    auto fail = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrFormat("%s:%d: %s: %s", path, line, name, why));
    };
    CLI::Option* option = name == "config" ? nullptr : cmd.get_option_no_throw("--" + name);
    if (option == nullptr) return fail("not an option of satfence serve");
    if (option->count() > 0) continue;  // the command line wins
    std::vector<std::string> values;
    auto text_of = [](const toml::node& n) -> std::optional<std::string> {
      if (auto s = n.value_exact<std::string>()) return *s;
      if (auto b = n.value_exact<bool>()) return *b ? "true" : "false";
      if (auto i = n.value_exact<std::int64_t>()) return std::to_string(*i);
      if (auto d = n.value_exact<double>()) return absl::StrFormat("%.17g", *d);
      return std::nullopt;
    };
    if (const toml::array* list = node.as_array()) {
      for (const toml::node& item : *list) {
        std::optional<std::string> v = text_of(item);
        if (!v) return fail("expected strings or numbers in the list");
        values.push_back(*v);
      }
    } else if (std::optional<std::string> v = text_of(node)) {
      values.push_back(*v);
    } else {
      return fail("expected a string, number, boolean or list");
    }
    try {
      option->add_result(values);
      option->run_callback();
    } catch (const CLI::Error& e) {
      return fail(e.what());
    }
  }
  return absl::OkStatus();
}

// "ADDR:PORT", "[IPv6]:PORT" or ":PORT" (loopback).
bool SplitAddress(const std::string& text, std::string& host, int& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";
  return absl::SimpleAtoi(text.substr(colon + 1), &port) && port >= 0 && port <= 65535;
}

void Serve(const ServeArgs& args, ExitCode& exit) {
  auto fail = [&](const std::string& why) {
    Log("error", "cannot serve", {{"reason", why}});
    exit.value = 2;
  };
  serve::HttpOptions http;
  if (!SplitAddress(args.http, http.address, http.port)) {
    return fail(absl::StrCat("--http ", args.http, ": expected ADDR:PORT"));
  }
  http.max_body_bytes = args.max_body_bytes;
  http.max_reports_per_request = args.max_reports_per_request;
  http.threads = args.http_threads;
  // PUT /v1/zones: the service's zone files with one replaced, loaded as at start. Refused
  // when the new file cannot be read as a whole; features left out are warnings, as at start.
  http.zone_loader = [zone_options = args.inputs.zones](
                         const std::string& path,
                         int file) -> absl::StatusOr<serve::Service::ZoneBuild> {
    LoadOptions o = zone_options;
    const int k = file < 0 ? static_cast<int>(o.files.size()) - 1 : file;
    if (k < 0 || k >= static_cast<int>(o.files.size())) {
      return absl::InvalidArgumentError(
          absl::StrCat("file: the service has ", o.files.size(), " zone files"));
    }
    o.files[static_cast<size_t>(k)] = path;
    Loaded loaded = LoadFiles(o);
    serve::Service::ZoneBuild b;
    std::string why;
    for (const RecordError& e : loaded.errors) {
      if (e.source != path) continue;
      RecordError named = e;
      named.source = "PUT /v1/zones";
      if (e.record == 0) {
        absl::StrAppend(&why, why.empty() ? "" : "\n", named.ToString());
      } else {
        b.warnings.push_back(named.ToString());
      }
    }
    if (!why.empty()) return absl::InvalidArgumentError(why);
    if (loaded.zones.empty()) return absl::InvalidArgumentError("no zones loaded");
    auto set = std::make_shared<const zones::ZoneSet>(std::move(loaded.zones));
    b.index = std::make_shared<const zones::ZoneIndex>(*set);
    b.description = absl::StrFormat("%d zones from %d files (file %d replaced live)",
                                    set->size(), static_cast<int>(o.files.size()), k);
    b.zones = std::move(set);
    return b;
  };
  serve::GrpcOptions grpc;
  grpc.address = args.grpc;
  grpc.max_message_bytes = static_cast<int>(args.max_body_bytes);
  grpc.max_reports_per_request = args.max_reports_per_request;
  if (args.tls_cert.empty() != args.tls_key.empty()) {
    return fail("--tls-cert and --tls-key come together");
  }
  http.tls_cert = grpc.tls_cert = args.tls_cert;
  http.tls_key = grpc.tls_key = args.tls_key;
  absl::StatusOr<serve::Authenticator> auth = serve::Authenticator::FromEntries(args.tokens);
  if (!auth.ok()) return fail(absl::StrCat("--token: ", auth.status().message()));
  http.auth = grpc.auth = std::make_shared<const serve::Authenticator>(*std::move(auth));
  if (http.auth->open()) {
    Log("warn", "no --token: anyone who reaches the listeners may send and read");
  }
  serve::ServiceOptions options;
  options.store_path = args.store;
  options.workers = args.workers;
  options.max_queued_reports = std::max(args.max_queued_reports, args.max_reports_per_request);
  absl::StatusOr<pipeline::EventKinds> kinds = pipeline::ParseEventKinds(args.events);
  if (!kinds.ok()) return fail(absl::StrCat("--event: ", kinds.status().message()));
  options.events = *kinds;
  options.webhooks = args.webhooks;
  options.checkpoint_interval =
      std::chrono::milliseconds(static_cast<std::int64_t>(args.checkpoint_interval_s * 1000));
  if (!args.audit_key.empty()) {
    absl::StatusOr<std::string> text = ReadFileLimited(args.audit_key, 4096);
    if (!text.ok()) return fail(absl::StrCat("--audit-key: ", text.status().message()));
    absl::StatusOr<audit::SignerKey> key = audit::ParseSignerKey(Trim(*text));
    if (!key.ok()) return fail(absl::StrCat("--audit-key ", args.audit_key, ": ", key.status().message()));
    options.audit_keys.push_back(*std::move(key));
  }

  // SIGTERM and SIGINT are taken by sigwait below, in this thread only.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Listening first: health answers while the zones load; the rest says "not ready".
  std::atomic<serve::Service*> service{nullptr};
  serve::HttpServer server(service, http);
  if (absl::Status s = server.Bind(); !s.ok()) return fail(std::string(s.message()));
  std::unique_ptr<serve::GrpcServer> grpc_server;
  if (args.grpc != "off") {
    grpc_server = std::make_unique<serve::GrpcServer>(service, grpc);
    if (absl::Status s = grpc_server->Start(); !s.ok()) return fail(std::string(s.message()));
  }
  std::thread listener([&server] { server.Serve(); });
  nlohmann::ordered_json where = {{"http", absl::StrCat(http.address, ":", server.port())}};
  if (grpc_server) {
    where["grpc"] = absl::StrCat(args.grpc.substr(0, args.grpc.rfind(':')), ":", grpc_server->port());
  }
  where["tls"] = !args.tls_cert.empty();
  Log("info", "listening", where);

  const auto t0 = std::chrono::steady_clock::now();
  LoadedInputs loaded = LoadDecisionInputs(args.inputs, "serve");
  std::unique_ptr<serve::Service> running;
  if (loaded.config != nullptr) {
    absl::StatusOr<std::unique_ptr<serve::Service>> opened =
        serve::Service::Open(loaded.config, options);
    if (opened.ok()) {
      running = *std::move(opened);
    } else {
      Log("error", "cannot open the store",
          {{"store", args.store}, {"reason", std::string(opened.status().message())}});
    }
  }
  if (running == nullptr) {
    if (grpc_server) grpc_server->Stop();
    server.Stop();
    listener.join();
    exit.value = 2;
    return;
  }
  service = running.get();
  if (grpc_server) grpc_server->SetServing(true);
  Log("info", "ready",
      {{"zones", running->configuration()->zones->size()},
       {"zone_set", running->configuration()->zones->version()},
       {"policy", running->configuration()->policy.version},
       {"terminals", running->configuration()->registry.terminals().size()},
       {"spoof_threshold", decide::SpoofThreshold(running->configuration()->policy.sequential)},
       {"sequential", decide::SequentialSummary(running->configuration()->policy.sequential)},
       {"store", args.store},
       {"load_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  Log("info", "stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.Stop();  // no new requests; those in progress finish
  listener.join();
  if (grpc_server) grpc_server->Stop();
  running->Drain();
  const serve::Metrics& m = running->metrics();
  Log("info", "stopped",
      {{"reports", m.reports_received.value()},
       {"decisions", m.decisions[0].value() + m.decisions[1].value() + m.decisions[2].value()}});
  service = nullptr;
}

}  // namespace

void RegisterTokenCommand(CLI::App& app, ExitCode& exit) {
  auto role = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "token", "Make a bearer token for `satfence serve`: prints the token (give it to the "
               "client) and its --token entry (keep it in the service's config)");
  cmd->add_option("--role", *role, "ingest, operator, reviewer or auditor")
      ->required()
      ->check(CLI::IsMember({"ingest", "operator", "reviewer", "auditor"}));
  cmd->callback([role, &exit] {
    const serve::NewToken t = serve::MakeToken(*serve::ParseRole(*role));
    std::printf("token: %s\n--token %s\n", t.token.c_str(), t.entry.c_str());
    exit.value = 0;
  });
}

void RegisterServeCommand(CLI::App& app, ExitCode& exit) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the decision pipeline as a service: telemetry in over HTTP, each report answered "
      "with its decision once it is committed to the store (docs/serve.md)");
  cmd->add_option("--config", args->config,
                  "TOML file setting any of these options by name (the command line wins)")
      ->check(CLI::ExistingFile);
  AddDecisionInputOptions(cmd, args->inputs, /*required=*/false);
  cmd->add_option("--http", args->http, "Listen for HTTP on ADDR:PORT ([::1]:PORT for IPv6)")
      ->capture_default_str();
  cmd->add_option("--grpc", args->grpc,
                  "Listen for gRPC (satfence.v1.Telemetry) on ADDR:PORT, or off")
      ->capture_default_str();
  cmd->add_option("--store", args->store, "The store (SQLite)")->capture_default_str();
  cmd->add_option("--audit-key", args->audit_key,
                  "Sign audit-log checkpoints with this key (from `satfence audit keygen`)");
  cmd->add_option("--token", args->tokens,
                  "A client's bearer token as ROLE:SHA256 (ingest, operator, reviewer, auditor; "
                  "`satfence token` makes one); repeat for each. None: the door is open");
  cmd->add_option("--tls-cert", args->tls_cert,
                  "TLS on both listeners: the server's certificate chain (PEM)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", args->tls_key, "TLS: the certificate's private key (PEM)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--event", args->events,
                  "Event kinds to raise (repeat): enter, exit, inside, outside, action_changed, "
                  "spoof_suspected")
      ->capture_default_str();
  cmd->add_option("--webhook", args->webhooks,
                  "POST every event to this URL (repeat for several): at least once, in order, "
                  "retried with backoff, resumed after a restart");
  cmd->add_option("--workers", args->workers, "Deciding threads (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--max-queued-reports", args->max_queued_reports,
                  "Reports accepted and not yet answered; beyond, 429")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", args->max_body_bytes, "Largest request body; beyond, 413")
      ->check(CLI::Range(1024, 1 << 30))
      ->capture_default_str();
  cmd->add_option("--max-reports-per-request", args->max_reports_per_request,
                  "Most lines in one request; beyond, 413")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--http-threads", args->http_threads, "HTTP connections served at once")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--checkpoint-interval", args->checkpoint_interval_s,
                  "Seconds between signed checkpoints while the log grows (with --audit-key)")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  cmd->callback([cmd, args, &exit] {
    if (!args->config.empty()) {
      if (absl::Status s = ApplyConfigFile(*cmd, args->config); !s.ok()) {
        std::fprintf(stderr, "satfence serve: %s\n", std::string(s.message()).c_str());
        exit.value = 2;
        return;
      }
    }
    for (const char* name : {"zones", "policy", "registry"}) {
      if (cmd->get_option(std::string("--") + name)->count() == 0) {
        std::fprintf(stderr, "satfence serve: --%s is required (on the command line or as %s "
                     "in --config)\n", name, name);
        exit.value = 2;
        return;
      }
    }
    Serve(*args, exit);
  });
}

}  // namespace satfence::cli
