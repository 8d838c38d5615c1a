// An append-only Merkle tree with RFC 9162 (Certificate Transparency v2) hashing, and its
// inclusion and consistency proofs.
//
//   MerkleTree tree;
//   tree.Append(LeafHash(record_bytes));            // SHA-256(0x00 || record)
//   Hash root = tree.Root(tree.size());             // the tree head at this size
//   std::vector<Hash> proof = tree.InclusionProof(/*index=*/3, tree.size());
//   absl::Status ok = VerifyInclusion(3, tree.size(), leaf, proof, root);
//
// Interior nodes are SHA-256(0x01 || left || right); the tree over n leaves splits at the
// largest power of two below n (RFC 9162, section 2.1.1). Every complete, aligned subtree's
// hash is kept, so a root or a proof at any past size costs O(log n) hashes, and an append
// costs one leaf hash plus one node hash per subtree it completes (amortised two).
// SHA-256 is libsodium's.
#ifndef SATFENCE_AUDIT_MERKLE_H_
#define SATFENCE_AUDIT_MERKLE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace satfence::audit {

using Hash = std::array<std::uint8_t, 32>;

Hash Sha256(std::span<const std::uint8_t> data);
Hash LeafHash(std::span<const std::uint8_t> data);  // SHA-256(0x00 || data)
Hash LeafHash(std::string_view data);
Hash NodeHash(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
// The root of the empty tree: SHA-256 of the empty string.
Hash EmptyRoot();

std::string Hex(const Hash& h);

class MerkleTree {
 public:
  void Append(const Hash& leaf_hash);
  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const Hash& leaf(std::uint64_t index) const { return levels_[0][index]; }

  // The tree head over the first `n` leaves. REQUIRES: n <= size().
  Hash Root(std::uint64_t n) const;
  // The audit path of leaf `index` in the tree of the first `n` leaves (RFC 9162 2.1.3.1).
  // REQUIRES: index < n <= size().
  std::vector<Hash> InclusionProof(std::uint64_t index, std::uint64_t n) const;
  // The proof that the tree of the first `m` leaves is a prefix of the tree of the first `n`
  // (RFC 9162 2.1.4.1). REQUIRES: 0 < m <= n <= size().
  std::vector<Hash> ConsistencyProof(std::uint64_t m, std::uint64_t n) const;

 private:
  // Hash of leaves [begin, end): complete aligned subtrees come from levels_.
  Hash Subtree(std::uint64_t begin, std::uint64_t end) const;
  void Path(std::uint64_t index, std::uint64_t begin, std::uint64_t end,
            std::vector<Hash>& out) const;
  void SubProof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                std::vector<Hash>& out) const;

  // levels_[k][i]: the hash of leaves [i 2^k, (i + 1) 2^k), for every complete such range.
  std::vector<std::vector<Hash>> levels_;
};

// Checks an inclusion proof (RFC 9162 2.1.3.2): OK, or an error saying what does not hold.
absl::Status VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                             const std::vector<Hash>& proof, const Hash& root);

// Checks a consistency proof between tree heads (RFC 9162 2.1.4.2).
absl::Status VerifyConsistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                               const Hash& new_root, const std::vector<Hash>& proof);

}  // namespace satfence::audit

#endif  // SATFENCE_AUDIT_MERKLE_H_
