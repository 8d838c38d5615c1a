// The service's HTTP listener (cpp-httplib): JSON Lines ingest, reads, health and metrics.
// docs/serve.md is the reference for every route, status and body.
//
//   std::atomic<Service*> service{nullptr};
//   HttpServer http(service, {.address = "127.0.0.1", .port = 8080});
//   http.Bind();                      // routes answer 503 "not ready" until service is set
//   std::thread t([&] { http.Serve(); });
//   service = loaded.get(); ... http.Stop(); t.join();
#ifndef SATFENCE_SERVE_HTTP_SERVER_H_
#define SATFENCE_SERVE_HTTP_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "satfence/serve/auth.h"
#include "satfence/serve/service.h"
#include "satfence/verify/telemetry.h"

namespace satfence::serve {

struct HttpOptions {
  std::string address = "127.0.0.1";
  int port = 8080;  // 0: any free port (port() says which)
  std::size_t max_body_bytes = 64 << 20;
  std::size_t max_line_bytes = verify::kMaxLineBytes;
  std::size_t max_reports_per_request = 10'000;
  int threads = 16;  // connections served at once
  std::chrono::seconds read_timeout{10};   // a client this slow to send is dropped
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds keep_alive_timeout{5};
  std::shared_ptr<const Authenticator> auth;  // none: open
  std::string tls_cert, tls_key;  // PEM files; both empty: plain HTTP
  // PUT /v1/zones: builds a zone set with the file at `path` in place of the service's
  // zone file number `file` (-1: the last). None: zones cannot be changed live.
  std::function<absl::StatusOr<Service::ZoneBuild>(const std::string& path, int file)>
      zone_loader;
};

class HttpServer {
 public:
  HttpServer(const std::atomic<Service*>& service, HttpOptions options);
  ~HttpServer();
  absl::Status Bind();
  int port() const { return port_; }
  void Serve();  // until Stop()
  void Stop();   // stops accepting; requests in progress finish

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace satfence::serve

#endif  // SATFENCE_SERVE_HTTP_SERVER_H_
