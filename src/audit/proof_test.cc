// The canonical serialisation against RFC 8785's own string example and its rules worked by
// hand; tlog-proof files round-trip, verify, and fail on every alteration.
#include "satfence/audit/proof.h"

#include <gtest/gtest.h>

namespace satfence::audit {
namespace {

TEST(CanonicalJson, MatchesRfc8785StringExample) {
  // RFC 8785, section 3.2.2.2: the JSON text
  //   "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"
  // serialises as "€$\u000f\nA'B\"\\\\\"/".
  nlohmann::json parsed =
      nlohmann::json::parse(R"(["\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"])");
  absl::StatusOr<std::string> text = CanonicalJson(parsed);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "[\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"]");
}

TEST(CanonicalJson, SortsMembersAndDropsWhitespaceWhateverTheInputOrder) {
  nlohmann::json a = nlohmann::json::parse(
      R"({ "terminal" : "KIT-1", "action": "deny", "reasons": ["b", "a"],
           "seq": 12, "zones": { "z": true, "y": null, "Z": -3 } })");
  nlohmann::json b;
  b["zones"]["Z"] = -3;
  b["zones"]["y"] = nullptr;
  b["zones"]["z"] = true;
  b["seq"] = 12;
  b["reasons"] = {"b", "a"};
  b["action"] = "deny";
  b["terminal"] = "KIT-1";
  // Worked by hand: members in code-point order ("Z" < "y" < "z"), arrays keep their order.
  const std::string expected =
      R"({"action":"deny","reasons":["b","a"],"seq":12,"terminal":"KIT-1",)"
      R"("zones":{"Z":-3,"y":null,"z":true}})";
  EXPECT_EQ(*CanonicalJson(a), expected);
  EXPECT_EQ(*CanonicalJson(b), expected);
  EXPECT_EQ(LeafHash(*CanonicalJson(a)), LeafHash(*CanonicalJson(b)));
}

TEST(CanonicalJson, RefusesWhatHasNoCanonicalFormHere) {
  EXPECT_FALSE(CanonicalJson(nlohmann::json{{"lat", 50.5}}).ok());
  EXPECT_FALSE(CanonicalJson(nlohmann::json{{"\xC3\xA9t\xC3\xA9", 1}}).ok());
  absl::StatusOr<std::string> bad_utf8 = CanonicalJson(nlohmann::json{{"id", "KIT\xFF"}});
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_NE(bad_utf8.status().message().find("UTF-8"), std::string::npos);
}

class TlogProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *GenerateSignerKey("satfence.test/log");
    for (int i = 0; i < 21; ++i) tree_.Append(LeafHash("record " + std::to_string(i)));
    note_ =
        *SignNote(CheckpointText({key_.name, tree_.size(), tree_.Root(tree_.size()), {}}), key_);
  }
  TlogProof Proof(std::uint64_t index) {
    return {index, tree_.InclusionProof(index, tree_.size()), note_, ""};
  }
  SignerKey key_;
  MerkleTree tree_;
  std::string note_;
};

TEST_F(TlogProofTest, RoundTripsAndVerifiesEveryLeaf) {
  for (std::uint64_t i = 0; i < tree_.size(); ++i) {
    TlogProof proof = Proof(i);
    if (i == 7) proof.extra = "decision:8";
    const std::string text = TlogProofText(proof);
    absl::StatusOr<TlogProof> parsed = ParseTlogProof(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
    EXPECT_EQ(TlogProofText(*parsed), text);
    EXPECT_EQ(parsed->extra, proof.extra);
    absl::StatusOr<Checkpoint> head =
        VerifyTlogProof(*parsed, LeafHash("record " + std::to_string(i)), VerifierOf(key_));
    ASSERT_TRUE(head.ok()) << head.status();
    EXPECT_EQ(head->size, 21u);
  }
  EXPECT_EQ(TlogProofText(Proof(3)).substr(0, 31), "c2sp.org/tlog-proof@v1\nindex 3\n");
}

TEST_F(TlogProofTest, FailsOnAnyAlteration) {
  const VerifierKey verifier = VerifierOf(key_);
  const Hash leaf = LeafHash("record 5");
  TlogProof proof = Proof(5);
  EXPECT_FALSE(VerifyTlogProof(proof, LeafHash("record 6"), verifier).ok());
  TlogProof moved = proof;
  moved.index = 4;
  EXPECT_FALSE(VerifyTlogProof(moved, leaf, verifier).ok());
  TlogProof flipped = proof;
  flipped.path[1][0] ^= 1;
  EXPECT_FALSE(VerifyTlogProof(flipped, leaf, verifier).ok());
  EXPECT_FALSE(VerifyTlogProof(proof, leaf, VerifierOf(*GenerateSignerKey(key_.name))).ok());
  TlogProof resized = proof;
  resized.checkpoint_note = *SignNote(CheckpointText({key_.name, 20, tree_.Root(20), {}}), key_);
  EXPECT_FALSE(VerifyTlogProof(resized, leaf, verifier).ok());
}

TEST(TlogProofParse, NamesTheLineAtFault) {
  auto message = [](std::string_view text) {
    return std::string(ParseTlogProof(text).status().message());
  };
  EXPECT_EQ(message("c2sp.org/tlog-proof@v2\nindex 1\n\nx\n"),
            "tlog-proof line 1: expected 'c2sp.org/tlog-proof@v1'");
  EXPECT_EQ(message("c2sp.org/tlog-proof@v1\nindex 01\n\nx\n"),
            "tlog-proof line 2: index is not a decimal number without leading zeros");
  EXPECT_EQ(message("c2sp.org/tlog-proof@v1\nindex 1\nnot-base64!\n\nx\n"),
            "tlog-proof line 3: not a base64 SHA-256 hash");
  EXPECT_EQ(message("c2sp.org/tlog-proof@v1\nindex 1\n"),
            "tlog-proof line 2: missing the blank line before the checkpoint");
}

}  // namespace
}  // namespace satfence::audit
