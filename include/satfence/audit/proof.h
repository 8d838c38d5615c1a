// Offline-verifiable inclusion proofs in the C2SP `tlog-proof` form, and the canonical record
// serialisation whose hashes are the log's leaves.
//
//   std::string record = *CanonicalJson(json);              // the bytes that are hashed
//   TlogProof proof{index, tree.InclusionProof(index, n), signed_checkpoint_note};
//   std::string text = TlogProofText(proof);                 // a .tlog-proof file
//   absl::StatusOr<Checkpoint> head = VerifyTlogProof(*ParseTlogProof(text), LeafHash(record),
//                                                     verifier_key);
//
// tlog-proof (https://c2sp.org/tlog-proof):
//   c2sp.org/tlog-proof@v1
//   [extra <base64 opaque data>]
//   index <zero-based leaf index>
//   <base64 hash>...            the RFC 9162 audit path, leaf's sibling first
//   <blank line>
//   <the signed checkpoint note, verbatim>
#ifndef SATFENCE_AUDIT_PROOF_H_
#define SATFENCE_AUDIT_PROOF_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/audit/merkle.h"
#include "satfence/audit/note.h"

namespace satfence::audit {

// The canonical form of a JSON value: RFC 8785 (JSON Canonicalization Scheme) restricted to
// what log records hold (objects, arrays, strings, integers, booleans, null): no whitespace,
// object members sorted by key (keys must be ASCII, where JCS's UTF-16 order is byte order),
// strings as UTF-8 with only '"', '\\' and control characters escaped (\b \f \n \r \t, others
// \u00xx). Fails on a floating-point number (JCS's number form is not needed and not
// implemented), a non-ASCII key or a string that is not valid UTF-8.
absl::StatusOr<std::string> CanonicalJson(const nlohmann::json& value);

struct TlogProof {
  std::uint64_t index = 0;
  std::vector<Hash> path;
  std::string checkpoint_note;  // signed
  std::string extra;            // opaque, unauthenticated; empty when absent
};

std::string TlogProofText(const TlogProof& proof);
// Checks the form (first line, index, base64 hashes, a checkpoint note after the blank line);
// errors name the line.
absl::StatusOr<TlogProof> ParseTlogProof(std::string_view text);

// Checks that the checkpoint carries a valid signature by `key` and that the leaf is in the
// tree it commits to at `proof.index`. Returns the checkpoint.
absl::StatusOr<Checkpoint> VerifyTlogProof(const TlogProof& proof, const Hash& leaf_hash,
                                           const VerifierKey& key);

}  // namespace satfence::audit

#endif  // SATFENCE_AUDIT_PROOF_H_
