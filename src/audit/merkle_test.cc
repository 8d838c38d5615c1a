// The Merkle tree against the RFC 6962 reference test vectors (the eight leaves of the
// certificate-transparency project's merkle_tree_test, whose roots, audit paths and
// consistency proofs are published there), then every proof of every pair of sizes up to 70
// checked by the RFC 9162 verifiers, and every single-hash alteration of them rejected.
#include "satfence/audit/merkle.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace satfence::audit {
namespace {

std::vector<std::string> Leaves() {
  return {std::string(""),
          std::string("\x00", 1),
          std::string("\x10"),
          std::string("\x20\x21"),
          std::string("\x30\x31"),
          std::string("\x40\x41\x42\x43"),
          std::string("\x50\x51\x52\x53\x54\x55\x56\x57"),
          std::string("\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f")};
}

MerkleTree Tree(size_t n) {
  MerkleTree t;
  std::vector<std::string> leaves = Leaves();
  for (size_t i = 0; i < n; ++i) t.Append(LeafHash(leaves[i]));
  return t;
}

TEST(Merkle, EmptyTreeIsTheHashOfNothing) {
  EXPECT_EQ(Hex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(MerkleTree().Root(0)), Hex(EmptyRoot()));
}

TEST(Merkle, RootsMatchTheReferenceVectors) {
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  MerkleTree tree = Tree(8);
  for (size_t n = 1; n <= 8; ++n) {
    EXPECT_EQ(Hex(tree.Root(n)), roots[n - 1]) << "size " << n;
    EXPECT_EQ(Hex(Tree(n).Root(n)), roots[n - 1]) << "built to size " << n;
  }
}

TEST(Merkle, AuditPathsMatchTheReferenceVectors) {
  struct Case {
    std::uint64_t index, size;
    std::vector<std::string> path;
  };
  const std::vector<Case> cases = {
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  MerkleTree tree = Tree(8);
  for (const Case& c : cases) {
    std::vector<Hash> proof = tree.InclusionProof(c.index, c.size);
    ASSERT_EQ(proof.size(), c.path.size());
    for (size_t i = 0; i < proof.size(); ++i) EXPECT_EQ(Hex(proof[i]), c.path[i]);
    EXPECT_TRUE(
        VerifyInclusion(c.index, c.size, tree.leaf(c.index), proof, tree.Root(c.size)).ok());
  }
}

TEST(Merkle, ConsistencyProofsMatchTheReferenceVectors) {
  struct Case {
    std::uint64_t old_size, new_size;
    std::vector<std::string> proof;
  };
  const std::vector<Case> cases = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  MerkleTree tree = Tree(8);
  for (const Case& c : cases) {
    std::vector<Hash> proof = tree.ConsistencyProof(c.old_size, c.new_size);
    ASSERT_EQ(proof.size(), c.proof.size());
    for (size_t i = 0; i < proof.size(); ++i) EXPECT_EQ(Hex(proof[i]), c.proof[i]);
    EXPECT_TRUE(VerifyConsistency(c.old_size, c.new_size, tree.Root(c.old_size),
                                  tree.Root(c.new_size), proof)
                    .ok());
  }
}

TEST(Merkle, EveryProofVerifiesAndEveryAlteredOneFails) {
  MerkleTree tree;
  for (int i = 0; i < 70; ++i) tree.Append(LeafHash("record " + std::to_string(i)));
  Hash wrong = LeafHash("not a record");
  for (std::uint64_t n = 1; n <= tree.size(); ++n) {
    const Hash root = tree.Root(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      std::vector<Hash> proof = tree.InclusionProof(i, n);
      ASSERT_TRUE(VerifyInclusion(i, n, tree.leaf(i), proof, root).ok()) << i << " of " << n;
      EXPECT_FALSE(VerifyInclusion(i, n, wrong, proof, root).ok());
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % n, n, tree.leaf(i), proof, root).ok());
      }
      for (size_t k = 0; k < proof.size(); ++k) {
        std::vector<Hash> bad = proof;
        bad[k][0] ^= 1;
        EXPECT_FALSE(VerifyInclusion(i, n, tree.leaf(i), bad, root).ok());
      }
      if (!proof.empty()) {
        std::vector<Hash> short_proof(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(VerifyInclusion(i, n, tree.leaf(i), short_proof, root).ok());
      }
    }
    for (std::uint64_t m = 1; m <= n; ++m) {
      std::vector<Hash> proof = tree.ConsistencyProof(m, n);
      const Hash old_root = tree.Root(m);
      ASSERT_TRUE(VerifyConsistency(m, n, old_root, root, proof).ok()) << m << " -> " << n;
      for (size_t k = 0; k < proof.size(); ++k) {
        std::vector<Hash> bad = proof;
        bad[k][31] ^= 0x80;
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, root, bad).ok()) << m << " -> " << n;
      }
      if (m < n) {
        // A log that rewrote leaf 0 after size m cannot prove itself consistent.
        EXPECT_FALSE(VerifyConsistency(m, n, LeafHash("forged history"), root, proof).ok());
      }
    }
  }
}

TEST(Merkle, ProofsAreLogarithmic) {
  MerkleTree tree;
  for (int i = 0; i < 100'000; ++i) tree.Append(LeafHash(std::to_string(i)));
  EXPECT_LE(tree.InclusionProof(12'345, 100'000).size(), 17u);
  EXPECT_LE(tree.ConsistencyProof(77'777, 100'000).size(), 2u * 17u);
}

}  // namespace
}  // namespace satfence::audit
