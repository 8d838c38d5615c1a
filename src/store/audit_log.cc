#include "satfence/store/audit_log.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "satfence/store/log_records.h"

namespace satfence::store {
namespace {

std::string RecordId(const LogEntry& e) { return absl::StrCat(e.kind, ":", e.ref); }

// The latest stored checkpoint note.
absl::StatusOr<std::string> LatestStoredNote(const Store& store) {
  absl::StatusOr<std::vector<std::string>> notes = store.Checkpoints();
  if (!notes.ok()) return notes.status();
  if (notes->empty()) {
    return absl::FailedPreconditionError(
        "no checkpoint is stored yet: run `satfence audit checkpoint`");
  }
  return notes->back();
}

// The checkpoint in a stored note, its signature unchecked (the store signed it; proofs are
// checked by whoever receives them).
absl::StatusOr<audit::Checkpoint> UncheckedCheckpoint(std::string_view note) {
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return absl::DataLossError("the latest checkpoint has no signature");
  }
  return audit::ParseCheckpoint(note.substr(0, split + 1));
}

}  // namespace

absl::StatusOr<SignedCheckpoint> SignCheckpoint(Store& store,
                                                const std::vector<audit::SignerKey>& keys,
                                                std::string_view time) {
  if (keys.empty()) return absl::InvalidArgumentError("no signing key");
  for (const audit::SignerKey& k : keys) {
    if (k.name != keys[0].name) {
      return absl::InvalidArgumentError(
          absl::StrCat("keys name two logs: '", keys[0].name, "' and '", k.name, "'"));
    }
  }
  const audit::MerkleTree& tree = store.LogTree();
  SignedCheckpoint out;
  out.checkpoint = {keys[0].name,
                    tree.size(),
                    tree.Root(tree.size()),
                    {absl::StrCat("time ", std::string(time))}};
  std::string note = audit::CheckpointText(out.checkpoint);
  for (const audit::SignerKey& k : keys) {
    absl::StatusOr<std::string> signed_note = audit::SignNote(note, k);
    if (!signed_note.ok()) return signed_note.status();
    note = *std::move(signed_note);
  }
  if (absl::Status s = store.PutCheckpoint(note); !s.ok()) return s;
  out.note = std::move(note);
  return out;
}

absl::StatusOr<RecordProof> ProveRecord(const Store& store, std::string_view id) {
  const size_t colon = id.find(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record id '", std::string(id),
        "': expected decision:SEQ, policy:VERSION, zone_set:VERSION, terminal:CHANGE or "
        "terminal:ID"));
  }
  const std::string kind(id.substr(0, colon)), ref(id.substr(colon + 1));
  absl::StatusOr<std::vector<LogEntry>> entries = store.LogEntries();
  if (!entries.ok()) return entries.status();
  RecordProof out;
  bool found = false;
  for (const LogEntry& e : *entries) {
    if (e.kind == kind && e.ref == ref) {
      out.entry = e;
      found = true;
      break;
    }
  }
  if (!found && kind == kTerminalKind) {  // by terminal id: its latest change
    for (const LogEntry& e : *entries) {
      if (e.kind != kTerminalKind) continue;
      absl::StatusOr<std::optional<std::string>> record = store.CurrentRecord(e);
      if (!record.ok() || !record->has_value()) continue;
      nlohmann::json j = nlohmann::json::parse(**record, nullptr, false);
      if (j.is_object() && j.value("id", "") == ref) {
        out.entry = e;
        found = true;
      }
    }
  }
  if (!found) {
    return absl::NotFoundError(absl::StrCat("record ", std::string(id), " is not in the log"));
  }
  out.id = RecordId(out.entry);
  absl::StatusOr<std::optional<std::string>> record = store.CurrentRecord(out.entry);
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return absl::DataLossError(
        absl::StrCat(out.id, " is in the log but its row is gone from the store"));
  }
  out.record = **std::move(record);
  if (audit::LeafHash(out.record) != out.entry.leaf) {
    return absl::DataLossError(
        absl::StrCat(out.id, " as stored now does not match its log entry ", out.entry.index));
  }
  absl::StatusOr<std::string> note = LatestStoredNote(store);
  if (!note.ok()) return note.status();
  absl::StatusOr<audit::Checkpoint> head = UncheckedCheckpoint(*note);
  if (!head.ok()) return head.status();
  const audit::MerkleTree& tree = store.LogTree();
  if (out.entry.index >= head->size) {
    return absl::FailedPreconditionError(
        absl::StrCat(out.id, " is log entry ", out.entry.index, ", after the latest checkpoint (",
                     head->size, " entries): run `satfence audit checkpoint` first"));
  }
  if (head->size > tree.size() || tree.Root(head->size) != head->root) {
    return absl::DataLossError(absl::StrCat("the log no longer matches its latest checkpoint (",
                                            head->size, " entries): run `satfence audit verify`"));
  }
  out.proof = {out.entry.index, tree.InclusionProof(out.entry.index, head->size), *note, out.id};
  out.tree_size = head->size;
  return out;
}

absl::StatusOr<AuditResult> AuditStore(const Store& store,
                                       const std::vector<audit::VerifierKey>& keys,
                                       const std::vector<std::string>& given) {
  if (keys.empty()) return absl::InvalidArgumentError("no verifier key");
  AuditResult result;
  absl::StatusOr<std::vector<LogEntry>> entries = store.LogEntries();
  if (!entries.ok()) return entries.status();
  result.leaves = entries->size();
  audit::MerkleTree tree;
  for (std::uint64_t i = 0; i < entries->size(); ++i) {
    const LogEntry& e = (*entries)[i];
    tree.Append(e.leaf);
    if (e.index != i) {
      result.findings.push_back(
          {i, absl::StrCat("log entry ", i, " is missing (the next stored is ", e.index, ")")});
    }
    absl::StatusOr<std::optional<std::string>> record = store.CurrentRecord(e);
    if (!record.ok()) {
      result.findings.push_back(
          {i, absl::StrCat("log entry ", i, " (", RecordId(e), "): ", record.status().message())});
    } else if (!record->has_value()) {
      result.findings.push_back({i, absl::StrCat("log entry ", i, " (", RecordId(e),
                                                 "): the row is gone from the store (deleted)")});
    } else if (audit::LeafHash(**record) != e.leaf) {
      result.findings.push_back(
          {i, absl::StrCat("log entry ", i, " (", RecordId(e),
                           "): the row as stored now does not hash to its leaf (edited)")});
    }
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> unlogged = store.UnloggedRows();
  if (!unlogged.ok()) return unlogged.status();
  for (const auto& [kind, ref] : *unlogged) {
    result.findings.push_back({result.leaves, absl::StrCat(kind, ":", ref,
                                                           " is stored but was never logged "
                                                           "(inserted outside satfence)")});
  }
  absl::StatusOr<std::vector<std::string>> drift = store.RegistryDrift();
  if (!drift.ok()) return drift.status();
  for (const std::string& id : *drift) {
    result.findings.push_back(
        {result.leaves, absl::StrCat("terminal '", id,
                                     "': the registry row differs from its last logged change")});
  }

  // Checkpoints, by size: each must be signed by `key`, name the same origin, and commit to
  // a prefix of the stored leaves.
  absl::StatusOr<std::vector<std::string>> notes = store.Checkpoints();
  if (!notes.ok()) return notes.status();
  struct Head {
    audit::Checkpoint c;
    std::string source;
  };
  std::vector<Head> heads;
  auto check_note = [&](const std::string& note, const std::string& source) {
    absl::StatusOr<audit::Checkpoint> c = absl::NotFoundError("");
    for (const audit::VerifierKey& key : keys) {
      c = audit::OpenCheckpoint(note, key);
      if (c.ok() || !absl::IsNotFound(c.status())) break;
    }
    if (absl::IsNotFound(c.status())) {  // none of the keys signed it
      ++result.unchecked_checkpoints;
      return;
    }
    ++result.checkpoints;
    if (!c.ok()) {
      result.findings.push_back({0, absl::StrCat(source, ": ", c.status().message())});
    } else if (c->origin != keys[0].name) {
      result.findings.push_back(
          {0, absl::StrCat(source, ": origin '", c->origin, "' is not '", keys[0].name, "'")});
    } else {
      heads.push_back({*c, source});
    }
  };
  for (size_t i = 0; i < notes->size(); ++i) {
    check_note((*notes)[i], absl::StrCat("stored checkpoint ", i + 1));
  }
  for (size_t i = 0; i < given.size(); ++i) {
    check_note(given[i], absl::StrCat("given checkpoint ", i + 1));
  }
  std::stable_sort(heads.begin(), heads.end(),
                   [](const Head& a, const Head& b) { return a.c.size < b.c.size; });
  std::vector<std::uint64_t> good_sizes;  // ascending
  for (size_t i = 0; i < heads.size(); ++i) {
    const Head& h = heads[i];
    for (size_t j = 0; j < i; ++j) {  // two signed heads of one size must agree
      if (heads[j].c.size == h.c.size && heads[j].c.root != h.c.root) {
        result.findings.push_back(
            {h.c.size, absl::StrCat(heads[j].source, " and ", h.source, " sign ", h.c.size,
                                    " entries with different roots (the log forked)")});
      }
    }
    if (h.c.size > tree.size()) {
      result.findings.push_back({tree.size(), absl::StrCat(h.source, " commits to ", h.c.size,
                                                           " entries but the log has ", tree.size(),
                                                           " (entries deleted)")});
    } else if (tree.Root(h.c.size) != h.c.root) {
      std::uint64_t last_good = 0;
      for (std::uint64_t size : good_sizes) {
        if (size < h.c.size) last_good = size;
      }
      result.findings.push_back(
          {last_good, absl::StrCat(h.source, " (", h.c.size,
                                   " entries): the log no longer hashes to its root; rewritten "
                                   "between entries ",
                                   last_good, " and ", h.c.size)});
    } else {
      good_sizes.push_back(h.c.size);
      if (!result.latest || h.c.size >= result.latest->size) result.latest = h.c;
    }
  }
  if (heads.empty()) {
    result.findings.push_back({0, "no valid checkpoint: nothing signed to check the log against"});
  }
  result.signed_leaves = result.latest ? result.latest->size : 0;
  std::stable_sort(result.findings.begin(), result.findings.end(),
                   [](const AuditFinding& a, const AuditFinding& b) { return a.index < b.index; });
  return result;
}

absl::StatusOr<ConsistencyResult> ProveConsistency(const Store& store, std::string_view old_note,
                                                   const audit::VerifierKey& key) {
  ConsistencyResult out;
  auto open = [&](std::string_view note, const char* which) -> absl::StatusOr<audit::Checkpoint> {
    absl::StatusOr<audit::Checkpoint> c = audit::OpenCheckpoint(note, key);
    if (!c.ok()) {
      return absl::Status(c.status().code(), absl::StrCat(which, ": ", c.status().message()));
    }
    return c;
  };
  absl::StatusOr<audit::Checkpoint> old_head = open(old_note, "old checkpoint");
  if (!old_head.ok()) return old_head.status();
  absl::StatusOr<std::string> note = LatestStoredNote(store);
  if (!note.ok()) return note.status();
  absl::StatusOr<audit::Checkpoint> new_head = open(*note, "latest checkpoint");
  if (!new_head.ok()) return new_head.status();
  if (old_head->origin != new_head->origin) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the checkpoints name two logs: '", old_head->origin, "' and '", new_head->origin, "'"));
  }
  if (old_head->size > new_head->size) {
    return absl::InvalidArgumentError(absl::StrCat("the old checkpoint (", old_head->size,
                                                   " entries) is larger than the latest (",
                                                   new_head->size, ")"));
  }
  const audit::MerkleTree& tree = store.LogTree();
  if (new_head->size > tree.size() || tree.Root(new_head->size) != new_head->root) {
    return absl::DataLossError(absl::StrCat("the log no longer matches its latest checkpoint (",
                                            new_head->size,
                                            " entries): run `satfence audit verify`"));
  }
  if (old_head->size > 0) out.proof = tree.ConsistencyProof(old_head->size, new_head->size);
  if (old_head->size == 0) {
    if (old_head->root != audit::EmptyRoot()) {
      return absl::DataLossError("the old checkpoint's empty tree has a wrong root");
    }
  } else if (absl::Status s = audit::VerifyConsistency(old_head->size, new_head->size,
                                                       old_head->root, new_head->root, out.proof);
             !s.ok()) {
    return absl::DataLossError(absl::StrCat("the log at ", old_head->size,
                                            " entries is not a prefix of the log at ",
                                            new_head->size, ": ", s.message()));
  }
  out.old_head = *std::move(old_head);
  out.new_head = *std::move(new_head);
  return out;
}

}  // namespace satfence::store
