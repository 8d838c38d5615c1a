#include "satfence/serve/auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace satfence::serve {
namespace {

constexpr Role kRoles[] = {Role::kIngest, Role::kOperator, Role::kReviewer, Role::kAuditor};

bool Allows(Role role, Access access) {
  switch (access) {
    case Access::kIngest: return role == Role::kIngest;
    case Access::kRead: return role != Role::kIngest;
    case Access::kConfigure: return role == Role::kOperator;
  }
  return false;
}

bool FromHex(std::string_view hex, audit::Hash& out) {
  if (hex.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (char c : hex.substr(2 * i, 2)) {
      c = absl::ascii_tolower(c);
      if (c >= '0' && c <= '9') {
        v = v * 16 + (c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v = v * 16 + (c - 'a' + 10);
      } else {
        return false;
      }
    }
    out[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

}  // namespace

const char* RoleName(Role r) {
  switch (r) {
    case Role::kIngest: return "ingest";
    case Role::kOperator: return "operator";
    case Role::kReviewer: return "reviewer";
    case Role::kAuditor: return "auditor";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kRoles) {
    if (name == RoleName(r)) return r;
  }
  return std::nullopt;
}

absl::StatusOr<Authenticator> Authenticator::FromEntries(const std::vector<std::string>& entries) {
  Authenticator a;
  for (const std::string& e : entries) {
    const size_t colon = e.find(':');
    std::optional<Role> role =
        colon == std::string::npos ? std::nullopt : ParseRole(e.substr(0, colon));
    Token t{};
    if (!role) {
      return absl::InvalidArgumentError(absl::StrCat(
          "token '", e.substr(0, 24), "...': expected ROLE:SHA256 with ROLE one of ingest, "
          "operator, reviewer, auditor"));
    }
    if (!FromHex(std::string_view(e).substr(colon + 1), t.sha256)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "token for ", RoleName(*role), ": expected the token's SHA-256 as 64 hex digits "
          "(`satfence token` prints it), not the token itself"));
    }
    t.role = *role;
    a.tokens_.push_back(t);
  }
  return a;
}

absl::Status Authenticator::Check(std::string_view authorization, Access access) const {
  if (open()) return absl::OkStatus();
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(authorization.data(), kBearer.size()),
                              absl::string_view(kBearer.data(), kBearer.size()))) {
    return absl::UnauthenticatedError("a bearer token is required (Authorization: Bearer TOKEN)");
  }
  const absl::string_view token = absl::StripAsciiWhitespace(absl::string_view(
      authorization.data() + kBearer.size(), authorization.size() - kBearer.size()));
  const audit::Hash h =
      audit::Sha256(std::span(reinterpret_cast<const std::uint8_t*>(token.data()), token.size()));
  const Token* found = nullptr;
  for (const Token& t : tokens_) {  // every entry compared, in constant time each
    if (CRYPTO_memcmp(t.sha256.data(), h.data(), h.size()) == 0) found = &t;
  }
  if (found == nullptr) return absl::UnauthenticatedError("unknown token");
  if (!Allows(found->role, access)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a ", RoleName(found->role), " token may not ",
        access == Access::kIngest  ? "send telemetry"
        : access == Access::kRead  ? "read decisions"
                                   : "change the configuration"));
  }
  return absl::OkStatus();
}

NewToken MakeToken(Role role) {
  std::uint8_t bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: nothing safe to do
  NewToken t;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::uint8_t b : bytes) {
    t.token += kHex[b >> 4];
    t.token += kHex[b & 15];
  }
  t.entry = absl::StrCat(RoleName(role), ":",
                         audit::Hex(audit::Sha256(std::span(
                             reinterpret_cast<const std::uint8_t*>(t.token.data()),
                             t.token.size()))));
  return t;
}

}  // namespace satfence::serve
