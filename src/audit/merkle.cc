#include "satfence/audit/merkle.h"

#include <openssl/evp.h>

#include <bit>
#include <cassert>
#include <cstdlib>

#include "absl/strings/str_format.h"

namespace satfence::audit {
namespace {

// The largest power of two strictly below n (n >= 2): where RFC 9162 splits a tree.
std::uint64_t Split(std::uint64_t n) { return std::bit_floor(n - 1); }

// RFC 9162's step "right-shift fn and sn equally until either LSB(fn) is set or fn is 0".
void ShiftToSetBit(std::uint64_t& fn, std::uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

// SHA-256 by OpenSSL, which uses the CPU's SHA extensions where there are some (about 2 GB/s
// against libsodium's portable 250 MB/s here: report digests hash ~32 kB per report).
Hash Sha256(std::span<const std::uint8_t> data) {
  Hash h;
  unsigned int size = 0;
  const int ok = EVP_Digest(data.data(), data.size(), h.data(), &size, EVP_sha256(), nullptr);
  if (ok != 1 || size != h.size()) std::abort();  // only when out of memory
  return h;
}

Hash LeafHash(std::span<const std::uint8_t> data) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const std::uint8_t prefix = 0x00;
  Hash h;
  unsigned int size = 0;
  const int ok = context != nullptr && EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1 &&
                 EVP_DigestUpdate(context, &prefix, 1) == 1 &&
                 EVP_DigestUpdate(context, data.data(), data.size()) == 1 &&
                 EVP_DigestFinal_ex(context, h.data(), &size) == 1;
  if (!ok || size != h.size()) std::abort();  // only when out of memory
  EVP_MD_CTX_free(context);
  return h;
}

Hash LeafHash(std::string_view data) {
  return LeafHash(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

Hash NodeHash(const Hash& left, const Hash& right) {
  std::uint8_t buffer[65];
  buffer[0] = 0x01;
  std::copy(left.begin(), left.end(), buffer + 1);
  std::copy(right.begin(), right.end(), buffer + 33);
  return Sha256(buffer);
}

Hash EmptyRoot() { return Sha256({}); }

std::string Hex(const Hash& h) {
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : h) out += absl::StrFormat("%02x", b);
  return out;
}

void MerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each completed pair of subtrees completes their parent, level by level.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (k + 1 == levels_.size()) levels_.emplace_back();
    const std::vector<Hash>& level = levels_[k];
    levels_[k + 1].push_back(NodeHash(level[level.size() - 2], level[level.size() - 1]));
  }
}

Hash MerkleTree::Subtree(std::uint64_t begin, std::uint64_t end) const {
  const std::uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    return levels_[std::countr_zero(n)][begin / n];
  }
  const std::uint64_t k = Split(n);
  return NodeHash(Subtree(begin, begin + k), Subtree(begin + k, end));
}

Hash MerkleTree::Root(std::uint64_t n) const {
  assert(n <= size());
  return n == 0 ? EmptyRoot() : Subtree(0, n);
}

void MerkleTree::Path(std::uint64_t index, std::uint64_t begin, std::uint64_t end,
                      std::vector<Hash>& out) const {
  const std::uint64_t n = end - begin;
  if (n <= 1) return;
  const std::uint64_t k = Split(n);
  if (index < k) {
    Path(index, begin, begin + k, out);
    out.push_back(Subtree(begin + k, end));
  } else {
    Path(index - k, begin + k, end, out);
    out.push_back(Subtree(begin, begin + k));
  }
}

std::vector<Hash> MerkleTree::InclusionProof(std::uint64_t index, std::uint64_t n) const {
  assert(index < n && n <= size());
  std::vector<Hash> out;
  Path(index, 0, n, out);
  return out;
}

void MerkleTree::SubProof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                          std::vector<Hash>& out) const {
  const std::uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(Subtree(begin, end));
    return;
  }
  const std::uint64_t k = Split(n);
  if (m <= k) {
    SubProof(m, begin, begin + k, whole, out);
    out.push_back(Subtree(begin + k, end));
  } else {
    SubProof(m - k, begin + k, end, false, out);
    out.push_back(Subtree(begin, begin + k));
  }
}

std::vector<Hash> MerkleTree::ConsistencyProof(std::uint64_t m, std::uint64_t n) const {
  assert(0 < m && m <= n && n <= size());
  std::vector<Hash> out;
  if (m < n) SubProof(m, 0, n, true, out);
  return out;
}

absl::Status VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                             const std::vector<Hash>& proof, const Hash& root) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("leaf index %d is not below the tree size %d", index, size));
  }
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return absl::InvalidArgumentError("inclusion proof longer than the tree is deep");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      ShiftToSetBit(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError("inclusion proof shorter than the tree is deep");
  if (r != root) {
    return absl::FailedPreconditionError(
        absl::StrFormat("inclusion proof leads to root %s, not %s", Hex(r), Hex(root)));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                               const Hash& new_root, const std::vector<Hash>& proof) {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("old size %d is larger than new size %d", old_size, new_size));
  }
  if (old_size == new_size) {
    if (!proof.empty()) return absl::InvalidArgumentError("non-empty proof between equal sizes");
    if (old_root != new_root) {
      return absl::FailedPreconditionError("two different roots for the same tree size");
    }
    return absl::OkStatus();
  }
  if (old_size == 0) {
    if (!proof.empty()) return absl::InvalidArgumentError("non-empty proof from the empty tree");
    return absl::OkStatus();  // the empty tree is a prefix of every tree
  }
  if (proof.empty()) return absl::InvalidArgumentError("empty consistency proof");
  std::vector<Hash> path;
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = old_size - 1, sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return absl::InvalidArgumentError("consistency proof too long");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      ShiftToSetBit(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError("consistency proof too short");
  if (fr != old_root) {
    return absl::FailedPreconditionError(
        absl::StrFormat("proof rebuilds old root %s, not %s", Hex(fr), Hex(old_root)));
  }
  if (sr != new_root) {
    return absl::FailedPreconditionError(
        absl::StrFormat("proof rebuilds new root %s, not %s", Hex(sr), Hex(new_root)));
  }
  return absl::OkStatus();
}

}  // namespace satfence::audit
