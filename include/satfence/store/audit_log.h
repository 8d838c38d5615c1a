// The audit log over a store: signed checkpoints, proofs for one record, and the re-hashing
// of the whole store against what was signed.
//
//   SignedCheckpoint head = *SignCheckpoint(store, {key}, "2026-03-01T12:00:00Z");
//   RecordProof proof = *ProveRecord(store, "decision:42");   // record + .tlog-proof
//   AuditResult audit = *AuditStore(store, VerifierOf(key), {});
//   if (!audit.findings.empty()) ... audit.findings[0] is the first record that does not match
//
// Leaves are appended by the store itself (store.h, log_records.h); checkpoints are C2SP
// tlog-checkpoint signed notes with an extension line "time <RFC 3339>". See docs/audit.md.
#ifndef SATFENCE_STORE_AUDIT_LOG_H_
#define SATFENCE_STORE_AUDIT_LOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/audit/note.h"
#include "satfence/audit/proof.h"
#include "satfence/store/store.h"

namespace satfence::store {

struct SignedCheckpoint {
  audit::Checkpoint checkpoint;
  std::string note;
};

// Signs the log's current tree head with every key (cosigning, e.g. during a key rotation;
// all keys must share one name, the log's origin) and stores the note.
absl::StatusOr<SignedCheckpoint> SignCheckpoint(Store& store,
                                                const std::vector<audit::SignerKey>& keys,
                                                std::string_view time);

struct RecordProof {
  std::string id;      // "decision:42"
  std::string record;  // the canonical record: what the leaf hashes
  LogEntry entry;
  audit::TlogProof proof;       // against the latest stored checkpoint
  std::uint64_t tree_size = 0;  // that checkpoint's
};

// Record ids: "decision:SEQ", "policy:VERSION", "zone_set:VERSION", "terminal:CHANGE" (one
// registry change) or "terminal:ID" (that terminal's latest change). Fails when the record
// is not logged, was logged after the latest checkpoint, or its row no longer matches its
// leaf.
absl::StatusOr<RecordProof> ProveRecord(const Store& store, std::string_view id);

struct AuditFinding {
  std::uint64_t index = 0;  // the log position it concerns (rows never logged: the log size)
  std::string what;         // names the record ("decision:42") and what does not hold
};

struct AuditResult {
  std::uint64_t leaves = 0;         // log entries
  std::uint64_t signed_leaves = 0;  // covered by the latest valid checkpoint
  int checkpoints = 0;              // checked, stored and given
  int unchecked_checkpoints = 0;    // signed by none of the keys: neither trusted nor blamed
  std::optional<audit::Checkpoint> latest;  // the largest valid checkpoint
  std::vector<AuditFinding> findings;       // by log position: the first is the first mismatch
};

// Re-hashes every logged row as stored now against its leaf, finds rows never logged and
// registry rows that drifted from their last change, and checks every stored checkpoint and
// every one in `given` (an auditor's own copies: the store could have dropped its own)
// against the leaves: signature by one of `keys` (several across a key rotation), size,
// root. A log rewritten after a checkpoint is located between the last checkpoint that
// still matches and the first that does not. A checkpoint that carries a signature line
// of a trusted key that does not verify is a finding; one signed only by other keys is
// counted as unchecked.
absl::StatusOr<AuditResult> AuditStore(const Store& store,
                                       const std::vector<audit::VerifierKey>& keys,
                                       const std::vector<std::string>& given);

struct ConsistencyResult {
  audit::Checkpoint old_head;
  audit::Checkpoint new_head;
  std::vector<audit::Hash> proof;
};

// Proves (and checks) that the log at `old_note`'s size is a prefix of the log at the latest
// stored checkpoint, both signed by `key`.
absl::StatusOr<ConsistencyResult> ProveConsistency(const Store& store, std::string_view old_note,
                                                   const audit::VerifierKey& key);

}  // namespace satfence::store

#endif  // SATFENCE_STORE_AUDIT_LOG_H_
