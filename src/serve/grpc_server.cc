#include "satfence/serve/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <deque>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "satfence/base/file.h"
#include "satfence/serve/proto_report.h"
#include "satfence/v1/telemetry.grpc.pb.h"

namespace satfence::serve {
namespace {

namespace pb = satfence::v1;
using Clock = std::chrono::steady_clock;

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer Serialized(const google::protobuf::Message& m) {
  std::string bytes = m.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::Status FromStatus(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnauthenticated:
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(s.message()));
    case absl::StatusCode::kPermissionDenied:
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, std::string(s.message()));
    case absl::StatusCode::kResourceExhausted:
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, std::string(s.message()));
    case absl::StatusCode::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(s.message()));
    default:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(s.message()));
  }
}

void ErrorResult(std::int64_t index, const std::string& field, const std::string& reason,
                 pb::Result& out) {
  pb::Error* e = out.mutable_error();
  e->set_index(index);
  e->set_field(field);
  e->set_reason(reason);
}

void AnswerResult(std::int64_t index, const Answer& a, pb::Result& out) {
  if (a.status.ok()) {
    DecisionToProto(a.record, *out.mutable_decision());
  } else {
    ErrorResult(index, "", absl::StrCat("not decided: ", a.status.message()), out);
  }
}

// One report's bytes to a Submission, or an error result.
bool Read(std::string_view bytes, std::int64_t index, const Configuration& config, Metrics& m,
          Submission& sub, pb::Result& error) {
  pb::Report report;
  if (!report.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    m.lines_rejected[static_cast<int>(Rejection::kMalformed)].Add();
    ErrorResult(index, "", "not a well-formed satfence.v1.Report", error);
    return false;
  }
  RecordError e;
  if (!ReportFromProto(report, sub.report, e)) {
    m.lines_rejected[static_cast<int>(Rejection::kInvalidField)].Add();
    ErrorResult(index, e.field, e.message, error);
    return false;
  }
  if (!verify::FillSatelliteStates(sub.report, config.catalog.get(), e)) {
    m.lines_rejected[static_cast<int>(Rejection::kNoSatelliteState)].Add();
    ErrorResult(index, e.field, e.message, error);
    return false;
  }
  sub.digest = pipeline::DigestOf(bytes);
  return true;
}

// Reports in, results out in order; reading pauses while `window` reports are unanswered.
class StreamReactor final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamReactor(Service* service, int window)
      : service_(service), window_(window), self_(this) {
    StartRead(&in_);
    reading_ = true;
  }

  void OnReadDone(bool ok) override {
    std::unique_lock lock(mu_);
    reading_ = false;
    if (!ok) {  // the client finished sending (or went away)
      reads_done_ = true;
      MaybeFinish(lock);
      return;
    }
    const std::int64_t index = next_index_++;
    const std::string bytes = Flatten(in_);
    in_.Clear();
    Metrics& m = service_->metrics();
    m.reports_received.Add();
    const std::shared_ptr<const Configuration> config = service_->configuration();
    std::vector<Submission> one(1);
    pb::Result error;
    if (!Read(bytes, index, *config, m, one[0], error)) {
      results_[index] = error.SerializeAsString();
    } else {
      ++in_flight_;
      std::shared_ptr<StreamReactor> self = self_;
      absl::Status s = service_->Submit(std::move(one), [self, index](std::vector<Answer>&& a) {
        pb::Result r;
        AnswerResult(index, a[0], r);
        std::unique_lock inner(self->mu_);
        --self->in_flight_;
        self->results_[index] = r.SerializeAsString();
        self->Pump(inner);
      });
      if (!s.ok()) {
        --in_flight_;
        pb::Result r;
        ErrorResult(index, "", std::string(s.message()), r);
        results_[index] = r.SerializeAsString();
        if (absl::IsResourceExhausted(s)) m.overloaded.Add();
      }
    }
    Pump(lock);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    writing_ = false;
    if (!ok) {
      broken_ = true;
      MaybeFinish(lock);
      return;
    }
    Pump(lock);
  }

  void OnDone() override {
    std::lock_guard lock(mu_);
    done_ = true;
    self_.reset();  // the last pending answer, if any, frees this
  }

  void OnCancel() override {}

 private:
  // Writes the next result in order if it is there, reads more if the window allows.
  void Pump(std::unique_lock<std::mutex>& lock) {
    if (done_ || finished_) return;
    if (!writing_ && !broken_) {
      auto it = results_.find(next_write_);
      if (it != results_.end()) {
        grpc::Slice slice(it->second);
        out_ = grpc::ByteBuffer(&slice, 1);
        results_.erase(it);
        ++next_write_;
        writing_ = true;
        StartWrite(&out_);
      }
    }
    if (!reading_ && !reads_done_ && !broken_ &&
        next_index_ - next_write_ < static_cast<std::int64_t>(window_)) {
      reading_ = true;
      StartRead(&in_);
    }
    MaybeFinish(lock);
  }

  void MaybeFinish(std::unique_lock<std::mutex>&) {
    if (finished_ || done_ || writing_ || reading_ || in_flight_ > 0) return;
    if (broken_ || (reads_done_ && next_write_ == next_index_)) {
      finished_ = true;
      Finish(grpc::Status::OK);
    }
  }

  Service* service_;
  const int window_;
  std::shared_ptr<StreamReactor> self_;  // alive while gRPC or an answer may call in
  std::mutex mu_;
  grpc::ByteBuffer in_, out_;
  std::map<std::int64_t, std::string> results_;  // serialized Result by index, not yet written
  std::int64_t next_index_ = 0, next_write_ = 0;
  int in_flight_ = 0;
  bool reading_ = false, writing_ = false, reads_done_ = false, broken_ = false;
  bool finished_ = false, done_ = false;
};

class TelemetryService final
    : public pb::Telemetry::WithRawCallbackMethod_Submit<
          pb::Telemetry::WithRawCallbackMethod_Stream<pb::Telemetry::Service>> {
 public:
  TelemetryService(const std::atomic<serve::Service*>& service, const GrpcOptions& options)
      : service_(service), options_(options) {}

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const Clock::time_point t0 = Clock::now();
    if (absl::Status door = Door(*context); !door.ok()) {
      reactor->Finish(FromStatus(door));
      return reactor;
    }
    serve::Service* s = service_.load();
    if (s == nullptr) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   "not ready: zones, policy and registry are loading"));
      return reactor;
    }
    const std::string bytes = Flatten(*request);
    std::vector<std::string_view> reports;
    if (!TopLevelFields(bytes, 1, reports)) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "not a well-formed satfence.v1.SubmitRequest"));
      return reactor;
    }
    if (reports.size() > options_.max_reports_per_request) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("more than ", options_.max_reports_per_request, " reports in one request")));
      return reactor;
    }
    Metrics& m = s->metrics();
    m.reports_received.Add(reports.size());
    const std::shared_ptr<const Configuration> config = s->configuration();
    auto results = std::make_shared<pb::SubmitResponse>();
    std::vector<Submission> submissions;
    std::vector<int> index_of;
    for (size_t i = 0; i < reports.size(); ++i) {
      pb::Result* r = results->add_results();
      Submission sub;
      if (Read(reports[i], static_cast<std::int64_t>(i), *config, m, sub, *r)) {
        submissions.push_back(std::move(sub));
        index_of.push_back(static_cast<int>(i));
      }
    }
    m.stage_seconds[static_cast<int>(Stage::kParse)].Observe(
        std::chrono::duration<double>(Clock::now() - t0).count());
    absl::Status submitted = s->Submit(
        std::move(submissions),
        [reactor, response, results, index_of, &m, t0](std::vector<Answer>&& answers) {
          for (size_t k = 0; k < answers.size(); ++k) {
            AnswerResult(index_of[k], answers[k], *results->mutable_results(index_of[k]));
          }
          *response = Serialized(*results);
          m.request_seconds.Observe(std::chrono::duration<double>(Clock::now() - t0).count());
          reactor->Finish(grpc::Status::OK);
        });
    if (!submitted.ok()) {
      if (absl::IsResourceExhausted(submitted)) {
        context->AddTrailingMetadata("grpc-retry-pushback-ms", "1000");
      }
      reactor->Finish(FromStatus(submitted));
    }
    return reactor;
  }

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Stream(
      grpc::CallbackServerContext* context) override {
    class Refuse final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
     public:
      explicit Refuse(const grpc::Status& why) { Finish(why); }
      void OnDone() override { delete this; }
    };
    if (absl::Status door = Door(*context); !door.ok()) return new Refuse(FromStatus(door));
    serve::Service* s = service_.load();
    if (s == nullptr) {
      return new Refuse(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                     "not ready: zones, policy and registry are loading"));
    }
    return new StreamReactor(s, options_.stream_window);
  }

 private:
  absl::Status Door(const grpc::CallbackServerContext& context) const {
    if (options_.auth == nullptr) return absl::OkStatus();
    const auto& metadata = context.client_metadata();
    auto it = metadata.find("authorization");
    const std::string value = it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
    return options_.auth->Check(value, Access::kIngest);
  }

  const std::atomic<serve::Service*>& service_;
  GrpcOptions options_;
};

}  // namespace

struct GrpcServer::Impl {
  const std::atomic<Service*>& service;
  GrpcOptions options;
  std::unique_ptr<TelemetryService> telemetry;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

GrpcServer::GrpcServer(const std::atomic<Service*>& service, GrpcOptions options)
    : impl_(std::make_unique<Impl>(Impl{service, std::move(options), nullptr, nullptr, 0})) {}

GrpcServer::~GrpcServer() { Stop(); }

absl::Status GrpcServer::Start() {
  Impl& i = *impl_;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  i.telemetry = std::make_unique<TelemetryService>(i.service, i.options);
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!i.options.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadFileLimited(i.options.tls_cert, 1 << 20);
    absl::StatusOr<std::string> key = ReadFileLimited(i.options.tls_key, 1 << 20);
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort(i.options.address, credentials, &i.port);
  builder.SetMaxReceiveMessageSize(i.options.max_message_bytes);
  builder.RegisterService(i.telemetry.get());
  i.server = builder.BuildAndStart();
  if (i.server == nullptr || i.port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", i.options.address));
  }
  SetServing(false);
  return absl::OkStatus();
}

int GrpcServer::port() const { return impl_->port; }

void GrpcServer::SetServing(bool serving) {
  if (impl_->server == nullptr) return;
  if (grpc::HealthCheckServiceInterface* h = impl_->server->GetHealthCheckService()) {
    h->SetServingStatus(serving);
  }
}

void GrpcServer::Stop() {
  if (impl_->server == nullptr) return;
  SetServing(false);
  impl_->server->Shutdown();  // waits for calls in progress
  impl_->server->Wait();
  impl_->server.reset();
}

}  // namespace satfence::serve
