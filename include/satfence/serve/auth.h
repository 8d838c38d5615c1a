// Who may do what at the service's door: bearer tokens, each with a role, kept in the
// configuration only as their SHA-256 ("ROLE:HEX", e.g. from `satfence token`).
//
//   ingest    send telemetry (POST /v1/reports, satfence.v1.Telemetry)
//   operator  change the configuration; and read as a reviewer does
//   reviewer  read terminals, decisions and their evidence
//   auditor   read decisions, their evidence and proofs
//
// With no tokens configured the door is open (the service says so at start): bind it to
// loopback or a private network then. Health and metrics stay open to the network's probes.
#ifndef SATFENCE_SERVE_AUTH_H_
#define SATFENCE_SERVE_AUTH_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/audit/merkle.h"

namespace satfence::serve {

enum class Role { kIngest, kOperator, kReviewer, kAuditor };
const char* RoleName(Role r);
std::optional<Role> ParseRole(std::string_view name);

// What a request needs.
enum class Access { kIngest, kRead, kConfigure };

class Authenticator {
 public:
  // Entries "ROLE:SHA256HEX"; errors name the entry.
  static absl::StatusOr<Authenticator> FromEntries(const std::vector<std::string>& entries);
  bool open() const { return tokens_.empty(); }
  // For the value of an Authorization header (HTTP) or `authorization` metadata (gRPC):
  // OK; Unauthenticated (no or unknown token: 401); PermissionDenied (a token whose role may
  // not do this: 403).
  absl::Status Check(std::string_view authorization, Access access) const;

 private:
  struct Token {
    audit::Hash sha256;
    Role role;
  };
  std::vector<Token> tokens_;
};

// A new random token (32 bytes, hex) and its configuration entry for `role`.
struct NewToken {
  std::string token;
  std::string entry;  // "ROLE:SHA256HEX"
};
NewToken MakeToken(Role role);

}  // namespace satfence::serve

#endif  // SATFENCE_SERVE_AUTH_H_
