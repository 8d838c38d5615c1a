#include "satfence/serve/http_server.h"

#include <httplib.h>

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "satfence/base/text.h"

namespace satfence::serve {
namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr char kJsonLines[] = "application/x-ndjson";
constexpr char kJson[] = "application/json";

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Error(httplib::Response& res, int status, const std::string& reason) {
  res.status = status;
  res.set_content(Dump(Json{{"error", reason}}) + "\n", kJson);
}

std::string ErrorLine(int line, const std::string& field, const std::string& reason) {
  return Dump(Json{{"line", line}, {"error", {{"field", field}, {"reason", reason}}}});
}

// An integer in [min, max], the whole text; false when it is not one.
bool ParseInteger(const std::string& v, std::int64_t min, std::int64_t max, std::int64_t& out) {
  std::int64_t x = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || x < min || x > max) return false;
  out = x;
  return true;
}

// An integer parameter, left as it is when absent; false when malformed.
bool IntegerParam(const httplib::Request& req, const char* name, std::int64_t min,
                  std::int64_t max, std::int64_t& out) {
  return !req.has_param(name) || ParseInteger(req.get_param_value(name), min, max, out);
}

Json Parsed(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json() : j;
}

Json DecisionJson(const store::DecisionRecord& d) {
  return {{"seq", d.seq},
          {"terminal", d.terminal},
          {"time", d.time},
          {"action", d.action},
          {"published", d.published},
          {"reasons", d.reasons},
          {"zones", d.zones},
          {"verdict", d.verdict},
          {"report_sha256", d.report_digest},
          {"policy", d.policy_version},
          {"zone_set", d.zone_set_version}};
}


}  // namespace

struct HttpServer::Impl {
  const std::atomic<Service*>& service;
  HttpOptions options;
  std::atomic<int> streams{0};       // event streams open
  std::atomic<bool> closing{false};  // Stop() was called: end the streams
  std::unique_ptr<httplib::Server> owned;  // httplib::SSLServer with TLS
  httplib::Server& server;

  Impl(const std::atomic<Service*>& s, HttpOptions o)
      : service(s),
        options(std::move(o)),
        owned(options.tls_cert.empty()
                  ? std::make_unique<httplib::Server>()
                  : std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(),
                                                         options.tls_key.c_str())),
        server(*owned) {}

  Service* Ready(httplib::Response& res) {
    Service* s = service.load();
    if (s == nullptr) Error(res, 503, "not ready: zones, policy and registry are loading");
    return s;
  }

  // Before the body is read: the token, and the content type of an ingest.
  httplib::Server::HandlerResponse Door(const httplib::Request& req, httplib::Response& res) {
    using R = httplib::Server::HandlerResponse;
    std::optional<Access> access;
    if (req.path == "/v1/reports") {
      access = Access::kIngest;
    } else if (req.method == "PUT") {
      access = Access::kConfigure;
    } else if (absl::StartsWith(req.path, "/v1/")) {
      access = Access::kRead;
    }
    if (access && options.auth != nullptr) {
      const absl::Status s = options.auth->Check(req.get_header_value("Authorization"), *access);
      if (!s.ok()) {
        const bool who = absl::IsUnauthenticated(s);
        if (who) res.set_header("WWW-Authenticate", "Bearer realm=\"satfence\"");
        res.set_header("Connection", "close");
        Error(res, who ? 401 : 403, std::string(s.message()));
        return R::Handled;
      }
    }
    if (req.path == "/v1/reports" && req.method == "POST") {
      const std::string type = absl::AsciiStrToLower(req.get_header_value("Content-Type"));
      if (!absl::StartsWith(type, kJsonLines) ||
          (type.size() > sizeof kJsonLines - 1 && type[sizeof kJsonLines - 1] != ';')) {
        res.set_header("Connection", "close");
        Error(res, 415, absl::StrCat("expected Content-Type ", kJsonLines, " (telemetry v1)"));
        return R::Handled;
      }
    }
    return R::Unhandled;
  }

  void Routes() {
    server.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return Door(req, res); });
    server.Post("/v1/reports", [this](const httplib::Request& req, httplib::Response& res) {
      Reports(req, res);
    });
    server.Get(R"(/v1/terminals/([^/]+))",
               [this](const httplib::Request& req, httplib::Response& res) { Terminal(req, res); });
    server.Get(R"(/v1/terminals/([^/]+)/decisions)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 TerminalDecisions(req, res);
               });
    server.Get(R"(/v1/decisions/(\d{1,18}))",
               [this](const httplib::Request& req, httplib::Response& res) { Decision(req, res); });
    server.Put("/v1/policy", [this](const httplib::Request& req, httplib::Response& res) {
      Service* s = Ready(res);
      if (s == nullptr) return;
      absl::StatusOr<std::string> version = s->ReplacePolicy(req.body);
      if (!version.ok()) return Refused(res, version.status());
      res.set_content(Dump(Json{{"policy", *version}}) + "\n", kJson);
    });
    server.Put("/v1/registry", [this](const httplib::Request& req, httplib::Response& res) {
      Service* s = Ready(res);
      if (s == nullptr) return;
      absl::StatusOr<int> n = s->ReplaceRegistry(req.body);
      if (!n.ok()) return Refused(res, n.status());
      res.set_content(Dump(Json{{"terminals", *n}}) + "\n", kJson);
    });
    server.Put("/v1/zones", [this](const httplib::Request& req, httplib::Response& res) {
      PutZones(req, res);
    });
    server.Get("/v1/zones", [this](const httplib::Request&, httplib::Response& res) {
      Service* s = Ready(res);
      if (s == nullptr) return;
      const std::shared_ptr<const Configuration> c = s->configuration();
      const Service::ZoneChange z = s->zone_change();
      Json change = {{"state", z.state}};
      if (!z.version.empty()) change["zone_set"] = z.version;
      if (!z.error.empty()) change["error"] = z.error;
      if (!z.warnings.empty()) change["warnings"] = z.warnings;
      res.set_content(Dump(Json{{"zone_set", c->zones->version()},
                                {"zones", c->zones->size()},
                                {"description", c->zone_set_description},
                                {"change", change}}) +
                          "\n",
                      kJson);
    });
    server.Get("/v1/events",
               [this](const httplib::Request& req, httplib::Response& res) { Events(req, res); });
    server.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      Service* s = service.load();
      if (s != nullptr && !s->healthy()) return Error(res, 503, "the store failed");
      res.set_content("ok\n", "text/plain");
    });
    server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      Service* s = Ready(res);
      if (s == nullptr) return;
      if (!s->healthy()) return Error(res, 503, "the store failed");
      res.set_content("ready\n", "text/plain");
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      Service* s = service.load();
      res.set_content(s != nullptr ? s->metrics().Exposition() : Metrics().Exposition(),
                      "text/plain; version=0.0.4; charset=utf-8");
    });
    server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      const char* why = res.status == 413   ? "request body too large"
                        : res.status == 404 ? "no such resource"
                        : res.status == 400 ? "bad request"
                                            : "error";
      res.set_content(Dump(Json{{"error", why}}) + "\n", kJson);
    });
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          Error(res, 500, "internal error");
        });
  }

  // A zone file in any format the readers take (?format=geojson, topojson, kml, gpkg; default
  // geojson) in place of zone file number ?file=K (default the last, the operator's):
  // built in the background while the current zones serve; GET /v1/zones says when it is in.
  void PutZones(const httplib::Request& req, httplib::Response& res) {
    Service* s = Ready(res);
    if (s == nullptr) return;
    if (!options.zone_loader) return Error(res, 501, "zones cannot be changed on this service");
    const std::string format = req.has_param("format") ? req.get_param_value("format") : "geojson";
    if (format != "geojson" && format != "topojson" && format != "kml" && format != "gpkg") {
      return Error(res, 400, "format: expected geojson, topojson, kml or gpkg");
    }
    std::int64_t file = -1;
    if (!IntegerParam(req, "file", 0, 1000, file)) {
      return Error(res, 400, "file: expected the number of a --zones file (from 0)");
    }
    std::string path = (std::filesystem::temp_directory_path() / "satfence-zones-XXXXXX").string();
    const std::string suffix = "." + (format == "topojson" ? std::string("json") : format);
    path += suffix;
    const int fd = mkstemps(path.data(), static_cast<int>(suffix.size()));
    if (fd < 0) return Error(res, 500, "cannot write a temporary file");
    const bool written =
        ::write(fd, req.body.data(), req.body.size()) == static_cast<ssize_t>(req.body.size());
    ::close(fd);
    if (!written) {
      std::filesystem::remove(path);
      return Error(res, 500, "cannot write a temporary file");
    }
    auto loader = options.zone_loader;
    absl::Status started = s->ReplaceZonesInBackground([loader, path, file] {
      absl::StatusOr<Service::ZoneBuild> built = loader(path, static_cast<int>(file));
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
      return built;
    });
    if (!started.ok()) {
      std::filesystem::remove(path);
      return Error(res, 409, std::string(started.message()));
    }
    res.status = 202;
    res.set_content(Dump(Json{{"state", "building"}}) + "\n", kJson);
  }

  // A configuration change refused: 400 with the located errors, one per line, or 500.
  static void Refused(httplib::Response& res, const absl::Status& s) {
    if (!absl::IsInvalidArgument(s)) return Error(res, 500, std::string(s.message()));
    Json errors = Json::array();
    for (absl::string_view line : absl::StrSplit(s.message(), '\n')) {
      errors.push_back(std::string(line));
    }
    res.status = 400;
    res.set_content(Dump(Json{{"error", "not changed"}, {"errors", errors}}) + "\n", kJson);
  }

  void Reports(const httplib::Request& req, httplib::Response& res) {
    const Clock::time_point t0 = Clock::now();
    Service* s = Ready(res);
    if (s == nullptr) return;
    // The lines, without terminators; no line after a final newline.
    std::vector<std::string_view> lines;
    std::string_view body = req.body;
    while (!body.empty()) {
      const size_t nl = body.find('\n');
      std::string_view line = body.substr(0, nl);
      body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines.push_back(line);
      if (lines.size() > options.max_reports_per_request) {
        return Error(res, 413, absl::StrCat("more than ", options.max_reports_per_request,
                                            " lines in one request"));
      }
    }
    Metrics& m = s->metrics();
    m.reports_received.Add(lines.size());
    const std::shared_ptr<const Configuration> config = s->configuration();
    thread_local verify::TelemetryParser parser;
    std::vector<std::string> out(lines.size());
    std::vector<Submission> submissions;
    std::vector<size_t> line_of;  // submission -> line index
    submissions.reserve(lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      const int number = static_cast<int>(i) + 1;
      auto reject = [&](Rejection why, const std::string& field, const std::string& reason) {
        m.lines_rejected[static_cast<int>(why)].Add();
        out[i] = ErrorLine(number, field, reason);
      };
      if (lines[i].size() > options.max_line_bytes) {
        reject(Rejection::kTooLong, "",
               absl::StrCat("line longer than ", options.max_line_bytes, " bytes"));
        continue;
      }
      if (Trim(lines[i]).empty()) {
        reject(Rejection::kMalformed, "", "blank line");
        continue;
      }
      Submission sub;
      RecordError e;
      if (!parser.Parse(lines[i], number, "request", sub.report, e)) {
        reject(e.field.empty() ? Rejection::kMalformed : Rejection::kInvalidField, e.field,
               e.message);
        continue;
      }
      if (!verify::FillSatelliteStates(sub.report, config->catalog.get(), e)) {
        reject(Rejection::kNoSatelliteState, e.field, e.message);
        continue;
      }
      sub.digest = pipeline::DigestOf(lines[i]);
      submissions.push_back(std::move(sub));
      line_of.push_back(i);
    }
    m.stage_seconds[static_cast<int>(Stage::kParse)].Observe(
        std::chrono::duration<double>(Clock::now() - t0).count());
    absl::StatusOr<std::vector<Answer>> answers = s->Decide(std::move(submissions));
    if (!answers.ok()) {
      if (absl::IsResourceExhausted(answers.status())) {
        res.set_header("Retry-After", "1");
        return Error(res, 429, std::string(answers.status().message()));
      }
      return Error(res, 503, std::string(answers.status().message()));
    }
    bool all = true;
    for (size_t k = 0; k < answers->size(); ++k) {
      const Answer& a = (*answers)[k];
      if (a.status.ok()) {
        out[line_of[k]] = a.decision_line;
      } else {
        all = false;
        out[line_of[k]] = ErrorLine(static_cast<int>(line_of[k]) + 1, "",
                                    absl::StrCat("not decided: ", a.status.message()));
      }
    }
    std::string text;
    text.reserve(out.size() * 400);
    for (const std::string& line : out) absl::StrAppend(&text, line, "\n");
    res.status = all ? 200 : 503;
    res.set_content(std::move(text), kJsonLines);
    m.request_seconds.Observe(std::chrono::duration<double>(Clock::now() - t0).count());
  }

  void Terminal(const httplib::Request& req, httplib::Response& res) {
    Service* s = Ready(res);
    if (s == nullptr) return;
    const std::string id = req.matches[1];
    absl::StatusOr<Service::TerminalSummary> t = s->Terminal(id);
    if (!t.ok()) return Error(res, 500, std::string(t.status().message()));
    const registry::Terminal* entry = s->configuration()->registry.Find(id);
    if (!t->latest && entry == nullptr) {
      return Error(res, 404, absl::StrCat("terminal '", id, "': no decisions and not registered"));
    }
    Json j = {{"terminal", id}, {"registered", entry != nullptr}};
    if (t->latest) {
      const store::DecisionRecord& d = *t->latest;
      const Json verdict = Parsed(d.verdict_json);
      j["published"] = d.published;
      j["zones"] = d.zones;
      j["last_fix"] = verdict.is_object() && verdict.contains("fix") ? verdict["fix"] : Json();
      j["last_verdict"] = verdict;
      j["last_decision"] = DecisionJson(d);
    } else {
      j["published"] = nullptr;
    }
    const store::TerminalCounts& c = t->counts;
    j["history"] = {{"decisions", c.decisions}, {"first_time", c.first_time},
                    {"last_time", c.last_time}, {"actions", c.actions},
                    {"published", c.published}, {"verdicts", c.verdicts}};
    Json events = Json::array();
    for (const store::EventRecord& e : t->recent_events) events.push_back(Parsed(EventJson(e)));
    j["recent_events"] = events;
    res.set_content(Dump(j) + "\n", kJson);
  }

  void TerminalDecisions(const httplib::Request& req, httplib::Response& res) {
    Service* s = Ready(res);
    if (s == nullptr) return;
    std::int64_t since = 0, limit = 100;
    if (!IntegerParam(req, "since", 0, std::int64_t{1} << 62, since)) {
      return Error(res, 400, "since: expected a decision sequence number (an integer >= 0)");
    }
    if (!IntegerParam(req, "limit", 1, 1000, limit)) {
      return Error(res, 400, "limit: expected an integer in [1, 1000]");
    }
    absl::StatusOr<std::vector<store::DecisionRecord>> d =
        s->TerminalDecisions(req.matches[1], since, static_cast<int>(limit));
    if (!d.ok()) return Error(res, 500, std::string(d.status().message()));
    Json list = Json::array();
    for (const store::DecisionRecord& r : *d) list.push_back(DecisionJson(r));
    Json j = {{"terminal", std::string(req.matches[1])}, {"decisions", list}};
    if (!d->empty() && static_cast<std::int64_t>(d->size()) == limit) {
      j["next"] = absl::StrCat("?since=", d->back().seq, "&limit=", limit);
    }
    res.set_content(Dump(j) + "\n", kJson);
  }

  // Server-Sent Events: every event after `since` (or the Last-Event-ID a reconnecting
  // client sends), then each as it is committed; `terminal` narrows to one terminal. A
  // comment line every 15 s keeps idle connections open and finds dead ones.
  void Events(const httplib::Request& req, httplib::Response& res) {
    Service* s = Ready(res);
    if (s == nullptr) return;
    std::int64_t since = 0;
    const std::string last = req.get_header_value("Last-Event-ID");
    if (!last.empty()) {
      if (!ParseInteger(last, 0, std::int64_t{1} << 62, since)) {
        return Error(res, 400, "Last-Event-ID: expected an event id");
      }
    } else if (!IntegerParam(req, "since", 0, std::int64_t{1} << 62, since)) {
      return Error(res, 400, "since: expected an event id (an integer >= 0)");
    }
    const std::string terminal = req.has_param("terminal") ? req.get_param_value("terminal") : "";
    const int max_streams = std::max(1, options.threads / 2);
    if (streams.fetch_add(1) >= max_streams) {
      streams.fetch_sub(1);
      return Error(res, 503, absl::StrCat("at most ", max_streams, " event streams at once"));
    }
    auto cursor = std::make_shared<std::int64_t>(since);
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, s, cursor, terminal](size_t, httplib::DataSink& sink) {
          const std::uint64_t seen = s->event_generation();
          absl::StatusOr<std::vector<store::EventRecord>> events = s->EventsAfter(*cursor, 500);
          if (!events.ok() || closing.load() || s->stopping()) {
            sink.done();
            return true;
          }
          std::string out;
          for (const store::EventRecord& e : *events) {
            *cursor = e.seq;
            if (!terminal.empty() && e.terminal != terminal) continue;
            absl::StrAppend(&out, "id: ", e.seq, "\nevent: ", e.kind, "\ndata: ", EventJson(e),
                            "\n\n");
          }
          if (events->empty()) {
            const auto start = Clock::now();
            while (s->WaitForEvents(seen, std::chrono::milliseconds(500)) == seen) {
              if (closing.load() || s->stopping()) {
                sink.done();
                return true;
              }
              if (Clock::now() - start > std::chrono::seconds(15)) {
                out = ": keep-alive\n\n";
                break;
              }
            }
          }
          return out.empty() || sink.write(out.data(), out.size());
        },
        [this](bool) { streams.fetch_sub(1); });
  }

  void Decision(const httplib::Request& req, httplib::Response& res) {
    Service* s = Ready(res);
    if (s == nullptr) return;
    const std::int64_t seq = std::stoll(req.matches[1]);
    absl::StatusOr<std::optional<store::DecisionRecord>> d = s->Decision(seq);
    if (!d.ok()) return Error(res, 500, std::string(d.status().message()));
    if (!d->has_value()) return Error(res, 404, absl::StrCat("no decision ", seq));
    Json j = {{"decision", DecisionJson(**d)}, {"verdict", Parsed((*d)->verdict_json)}};
    absl::StatusOr<std::optional<Service::Proof>> proof = s->DecisionProof(seq);
    if (!proof.ok()) return Error(res, 500, std::string(proof.status().message()));
    if (proof->has_value()) {
      j["proof"] = {{"record", (*proof)->record},
                    {"tlog_proof", (*proof)->proof},
                    {"checkpoint", (*proof)->checkpoint}};
    } else {
      j["proof"] = nullptr;  // not under a signed checkpoint yet
    }
    res.set_content(Dump(j) + "\n", kJson);
  }
};

HttpServer::HttpServer(const std::atomic<Service*>& service, HttpOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Bind() {
  Impl& i = *impl_;
  if (!i.server.is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat("TLS: cannot use certificate ",
                                                   i.options.tls_cert, " with key ",
                                                   i.options.tls_key));
  }
  i.Routes();
  i.server.set_payload_max_length(i.options.max_body_bytes);
  i.server.set_read_timeout(i.options.read_timeout);
  i.server.set_write_timeout(i.options.write_timeout);
  i.server.set_keep_alive_timeout(i.options.keep_alive_timeout.count());
  i.server.set_keep_alive_max_count(100'000);  // a gateway keeps its connection
  const int threads = std::max(1, i.options.threads);
  i.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  if (i.options.port == 0) {
    port_ = i.server.bind_to_any_port(i.options.address);
    if (port_ <= 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", i.options.address));
    }
  } else {
    if (!i.server.bind_to_port(i.options.address, i.options.port)) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", i.options.address, ":", i.options.port));
    }
    port_ = i.options.port;
  }
  return absl::OkStatus();
}

void HttpServer::Serve() { impl_->server.listen_after_bind(); }

void HttpServer::Stop() {
  impl_->closing = true;
  if (impl_->server.is_running()) impl_->server.stop();
}

}  // namespace satfence::serve
