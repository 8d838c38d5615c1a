// Signed notes and checkpoints against the reference: the example key pair and signed note
// published with Go's golang.org/x/mod/sumdb/note (the format C2SP signed-note describes).
// Ed25519 is deterministic, so signing the example text with the example key must give the
// published note byte for byte, and the published note must open with the published key.
#include "satfence/audit/note.h"

#include <gtest/gtest.h>

#include <string>

namespace satfence::audit {
namespace {

constexpr char kSigner[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kVerifier[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kNote[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(Note, SignsThePublishedExampleByteForByte) {
  absl::StatusOr<SignerKey> key = ParseSignerKey(kSigner);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->id, 0xc74f20a3u);
  EXPECT_EQ(VerifierKeyText(VerifierOf(*key)), kVerifier);
  EXPECT_EQ(SignerKeyText(*key), kSigner);
  absl::StatusOr<std::string> note = SignNote(kText, *key);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(*note, kNote);
}

TEST(Note, OpensThePublishedExampleAndRejectsAlterations) {
  absl::StatusOr<VerifierKey> key = ParseVerifierKey(kVerifier);
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::string> text = OpenNote(kNote, *key);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, kText);

  std::string altered = kNote;
  altered[3] = 'Y';  // "If Yyou think..."
  EXPECT_EQ(OpenNote(altered, *key).status().code(), absl::StatusCode::kPermissionDenied);

  std::string bad_signature = kNote;
  bad_signature[bad_signature.size() - 10] ^= 1;
  EXPECT_FALSE(OpenNote(bad_signature, *key).ok());

  absl::StatusOr<SignerKey> other = GenerateSignerKey("PeterNeumann");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(OpenNote(kNote, VerifierOf(*other)).status().code(), absl::StatusCode::kNotFound);

  EXPECT_FALSE(OpenNote(kText, *key).ok());  // no signatures at all
  EXPECT_FALSE(
      ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
}

TEST(Note, CosignaturesAndCheckpoints) {
  absl::StatusOr<SignerKey> log = GenerateSignerKey("satfence.example/decisions");
  absl::StatusOr<SignerKey> witness = GenerateSignerKey("witness.example");
  ASSERT_TRUE(log.ok() && witness.ok());
  Checkpoint c{"satfence.example/decisions", 8, LeafHash("root stand-in"), {"policy 3"}};
  std::string text = CheckpointText(c);
  absl::StatusOr<std::string> signed_once = SignNote(text, *log);
  ASSERT_TRUE(signed_once.ok());
  absl::StatusOr<std::string> signed_twice = SignNote(*signed_once, *witness);
  ASSERT_TRUE(signed_twice.ok()) << signed_twice.status();
  for (const SignerKey* k : {&*log, &*witness}) {
    absl::StatusOr<std::string> opened = OpenNote(*signed_twice, VerifierOf(*k));
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, text);
  }
  absl::StatusOr<Checkpoint> back = ParseCheckpoint(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->origin, c.origin);
  EXPECT_EQ(back->size, 8u);
  EXPECT_EQ(back->root, c.root);
  EXPECT_EQ(back->extensions, c.extensions);
  // Round trips of the keys themselves.
  absl::StatusOr<SignerKey> again = ParseSignerKey(SignerKeyText(*log));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key, log->public_key);

  EXPECT_FALSE(ParseCheckpoint("origin\n08\nAAAA\n").ok());  // leading zero, short root
  EXPECT_FALSE(ParseCheckpoint("origin\n8\n").ok());         // no root
  EXPECT_FALSE(SignNote("no final newline", *log).ok());
  EXPECT_FALSE(GenerateSignerKey("has space").ok());
}

}  // namespace
}  // namespace satfence::audit
