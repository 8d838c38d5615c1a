// Bearer tokens: the configuration holds SHA-256 of each token (checked here against the
// FIPS 180-2 vector for "abc"), a token is accepted only for what its role may do, and
// configuration entries that are not ROLE:SHA256 are refused with the reason.
#include "satfence/serve/auth.h"

#include <gtest/gtest.h>

namespace satfence::serve {
namespace {

constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Authenticator, TokensByTheirHashAndRole) {
  absl::StatusOr<Authenticator> a = Authenticator::FromEntries(
      {std::string("ingest:") + kAbcSha256, std::string("auditor:") + std::string(64, '0')});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->open());
  EXPECT_TRUE(a->Check("Bearer abc", Access::kIngest).ok());
  EXPECT_TRUE(a->Check("bearer  abc ", Access::kIngest).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(a->Check("Bearer abc", Access::kRead)));
  EXPECT_TRUE(absl::IsUnauthenticated(a->Check("", Access::kIngest)));
  EXPECT_TRUE(absl::IsUnauthenticated(a->Check("Bearer abd", Access::kIngest)));
  EXPECT_TRUE(absl::IsUnauthenticated(a->Check("Basic abc", Access::kIngest)));
  EXPECT_TRUE(absl::IsUnauthenticated(a->Check(std::string("Bearer ") + kAbcSha256,
                                               Access::kIngest)));  // the hash is no token
}

TEST(Authenticator, NoTokensIsAnOpenDoor) {
  Authenticator a = *Authenticator::FromEntries({});
  EXPECT_TRUE(a.open());
  EXPECT_TRUE(a.Check("", Access::kRead).ok());
}

TEST(Authenticator, EntriesAreRoleAndHash) {
  EXPECT_NE(Authenticator::FromEntries({std::string("admin:") + kAbcSha256})
                .status()
                .message()
                .find("ROLE one of ingest, operator, reviewer, auditor"),
            std::string::npos);
  EXPECT_NE(Authenticator::FromEntries({"ingest:abc"}).status().message().find("64 hex digits"),
            std::string::npos);
  EXPECT_FALSE(Authenticator::FromEntries({std::string("reviewer:") + std::string(63, 'a') + "g"})
                   .ok());
}

TEST(MakeToken, ItsEntryAcceptsItAndNothingElse) {
  const NewToken t = MakeToken(Role::kReviewer);
  EXPECT_EQ(t.token.size(), 64u);
  EXPECT_EQ(t.entry.substr(0, 9), "reviewer:");
  Authenticator a = *Authenticator::FromEntries({t.entry});
  EXPECT_TRUE(a.Check("Bearer " + t.token, Access::kRead).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(a.Check("Bearer " + t.token, Access::kIngest)));
  EXPECT_NE(MakeToken(Role::kReviewer).token, t.token);
}

}  // namespace
}  // namespace satfence::serve
