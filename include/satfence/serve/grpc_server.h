// The service's gRPC listener: satfence.v1.Telemetry (proto/satfence/v1/telemetry.proto),
// grpc.health.v1.Health and server reflection. docs/serve.md describes the calls.
#ifndef SATFENCE_SERVE_GRPC_SERVER_H_
#define SATFENCE_SERVE_GRPC_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "satfence/serve/auth.h"
#include "satfence/serve/service.h"

namespace satfence::serve {

struct GrpcOptions {
  std::string address = "127.0.0.1:50051";  // ADDR:PORT; port 0: any free port
  int max_message_bytes = 64 << 20;         // larger messages are refused before parsing
  std::size_t max_reports_per_request = 10'000;
  int stream_window = 256;  // reports of one stream in flight before reading pauses
  std::shared_ptr<const Authenticator> auth;  // none: open
  std::string tls_cert, tls_key;  // PEM files; both empty: plaintext
};

class GrpcServer {
 public:
  GrpcServer(const std::atomic<Service*>& service, GrpcOptions options);
  ~GrpcServer();
  absl::Status Start();  // listening on return
  int port() const;
  void SetServing(bool serving);  // what grpc.health.v1 says
  void Stop();                    // no new calls; calls in progress finish

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace satfence::serve

#endif  // SATFENCE_SERVE_GRPC_SERVER_H_
