// `satfence audit`: keys, signed checkpoints, proofs for one record, and the re-hashing of a
// whole store against what was signed (docs/audit.md).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "commands.h"
#include "satfence/audit/note.h"
#include "satfence/audit/proof.h"
#include "satfence/base/file.h"
#include "satfence/base/text.h"
#include "satfence/store/audit_log.h"
#include "satfence/store/store.h"

namespace satfence::cli {
namespace {

constexpr size_t kMaxKeyBytes = 4096;
constexpr size_t kMaxNoteBytes = 1 << 20;
constexpr size_t kMaxRecordBytes = 1 << 20;

struct AuditArgs {
  std::string store = "out/demo/satfence.db";
  std::string name;
  std::string out;
  std::vector<std::string> keys;
  std::string record;
  std::vector<std::string> checkpoints;
  std::string proof;
  std::string old_checkpoint;
};

// Reports on stderr as "satfence audit VERB: what" and sets the exit status.
struct Reporter {
  const char* verb;
  ExitCode& exit;
  void Fail(int code, const std::string& what) {
    std::fprintf(stderr, "satfence audit %s: %s\n", verb, what.c_str());
    exit.value = code;
  }
};

std::optional<std::string> ReadInput(const std::string& path, size_t limit, const char* what,
                                     Reporter& r) {
  absl::StatusOr<std::string> text = ReadFileLimited(path, limit);
  if (!text.ok()) {
    r.Fail(2, absl::StrCat(what, " ", path, ": ", text.status().message()));
    return std::nullopt;
  }
  return *std::move(text);
}

std::unique_ptr<store::Store> OpenExisting(const std::string& path, Reporter& r) {
  if (!std::filesystem::exists(path)) {
    r.Fail(2,
           absl::StrCat("no store at ", path, " (run `satfence demo` or name one with --store)"));
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> s = store::OpenSqliteStore(path);
  if (!s.ok()) {
    r.Fail(2, std::string(s.status().message()));
    return nullptr;
  }
  return *std::move(s);
}

std::optional<audit::VerifierKey> ReadVerifier(const std::string& path, Reporter& r) {
  std::optional<std::string> text = ReadInput(path, kMaxKeyBytes, "verifier key", r);
  if (!text) return std::nullopt;
  absl::StatusOr<audit::VerifierKey> key = audit::ParseVerifierKey(Trim(*text));
  if (!key.ok()) {
    r.Fail(2, absl::StrCat(path, ": ", key.status().message()));
    return std::nullopt;
  }
  return *key;
}

bool WriteFile(const std::string& path, const std::string& text, Reporter& r) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) r.Fail(2, absl::StrCat("cannot write ", path));
  return static_cast<bool>(out);
}

void Keygen(const AuditArgs& args, ExitCode& exit) {
  Reporter r{"keygen", exit};
  absl::StatusOr<audit::SignerKey> key = audit::GenerateSignerKey(args.name);
  if (!key.ok()) return r.Fail(2, std::string(key.status().message()));
  // The signer key is created private and never overwritten.
  const std::string signer_path = args.out + ".key", verifier_path = args.out + ".pub";
  const int fd = ::open(signer_path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return r.Fail(2, absl::StrCat("cannot create ", signer_path,
                                  std::filesystem::exists(signer_path) ? " (it exists)" : ""));
  }
  const std::string signer_text = audit::SignerKeyText(*key) + "\n";
  const bool written = ::write(fd, signer_text.data(), signer_text.size()) ==
                       static_cast<ssize_t>(signer_text.size());
  ::close(fd);
  if (!written) return r.Fail(2, absl::StrCat("cannot write ", signer_path));
  const std::string verifier_text = audit::VerifierKeyText(audit::VerifierOf(*key));
  if (!WriteFile(verifier_path, verifier_text + "\n", r)) return;
  std::printf("signer key   %s (keep it private)\nverifier key %s\n  %s\n", signer_path.c_str(),
              verifier_path.c_str(), verifier_text.c_str());
}

void Checkpoint(const AuditArgs& args, ExitCode& exit) {
  Reporter r{"checkpoint", exit};
  std::vector<audit::SignerKey> keys;
  for (const std::string& path : args.keys) {
    std::optional<std::string> text = ReadInput(path, kMaxKeyBytes, "signer key", r);
    if (!text) return;
    absl::StatusOr<audit::SignerKey> key = audit::ParseSignerKey(Trim(*text));
    if (!key.ok()) return r.Fail(2, absl::StrCat(path, ": ", key.status().message()));
    keys.push_back(*key);
  }
  std::unique_ptr<store::Store> s = OpenExisting(args.store, r);
  if (!s) return;
  const std::string now = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  absl::StatusOr<store::SignedCheckpoint> head = store::SignCheckpoint(*s, keys, now);
  if (!head.ok()) return r.Fail(2, std::string(head.status().message()));
  if (!args.out.empty() && !WriteFile(args.out, head->note, r)) return;
  std::printf("%s", head->note.c_str());
}

void Prove(const AuditArgs& args, ExitCode& exit) {
  Reporter r{"prove", exit};
  std::unique_ptr<store::Store> s = OpenExisting(args.store, r);
  if (!s) return;
  absl::StatusOr<store::RecordProof> proof = store::ProveRecord(*s, args.record);
  if (!proof.ok()) return r.Fail(1, std::string(proof.status().message()));
  std::string prefix = args.out;
  if (prefix.empty()) {
    prefix = proof->id;
    for (char& c : prefix) c = c == ':' ? '-' : c;
  }
  const std::string record_path = prefix + ".record.json", proof_path = prefix + ".tlog-proof";
  if (!WriteFile(record_path, proof->record, r) ||
      !WriteFile(proof_path, audit::TlogProofText(proof->proof), r)) {
    return;
  }
  std::printf("%s is log entry %llu of %llu (%zu proof hashes)\n  record %s\n  proof  %s\n",
              proof->id.c_str(), static_cast<unsigned long long>(proof->entry.index),
              static_cast<unsigned long long>(proof->tree_size), proof->proof.path.size(),
              record_path.c_str(), proof_path.c_str());
  std::printf("check it with: satfence audit verify --key LOG.pub --proof %s --record %s\n",
              proof_path.c_str(), record_path.c_str());
}

// Offline: one disclosed record against its proof and the log's key; no store needed.
void VerifyProof(const AuditArgs& args, const audit::VerifierKey& key, Reporter& r) {
  std::optional<std::string> proof_text = ReadInput(args.proof, kMaxNoteBytes, "proof", r);
  if (!proof_text) return;
  std::optional<std::string> record = ReadInput(args.record, kMaxRecordBytes, "record", r);
  if (!record) return;
  absl::StatusOr<audit::TlogProof> proof = audit::ParseTlogProof(*proof_text);
  if (!proof.ok()) return r.Fail(2, absl::StrCat(args.proof, ": ", proof.status().message()));
  absl::StatusOr<audit::Checkpoint> head =
      audit::VerifyTlogProof(*proof, audit::LeafHash(*record), key);
  if (!head.ok()) {
    return r.Fail(1, absl::StrCat(args.record, " is not proven by ", args.proof, ": ",
                                  head.status().message()));
  }
  std::printf("OK: %s is entry %llu of the log %s at %llu entries (checkpoint signed by %s+%08x)\n",
              args.record.c_str(), static_cast<unsigned long long>(proof->index),
              head->origin.c_str(), static_cast<unsigned long long>(head->size), key.name.c_str(),
              key.id);
}

void Verify(const AuditArgs& args, ExitCode& exit) {
  Reporter r{"verify", exit};
  std::vector<audit::VerifierKey> keys;
  for (const std::string& path : args.keys) {
    std::optional<audit::VerifierKey> key = ReadVerifier(path, r);
    if (!key) return;
    keys.push_back(*key);
  }
  if (!args.proof.empty() || !args.record.empty()) {
    if (args.proof.empty() || args.record.empty())
      return r.Fail(2, "--proof and --record go together");
    if (keys.size() != 1) return r.Fail(2, "--key: a proof is checked against one key");
    return VerifyProof(args, keys[0], r);
  }
  std::vector<std::string> given;
  for (const std::string& path : args.checkpoints) {
    std::optional<std::string> note = ReadInput(path, kMaxNoteBytes, "checkpoint", r);
    if (!note) return;
    given.push_back(*note);
  }
  std::unique_ptr<store::Store> s = OpenExisting(args.store, r);
  if (!s) return;
  absl::StatusOr<store::AuditResult> result = store::AuditStore(*s, keys, given);
  if (!result.ok()) return r.Fail(2, std::string(result.status().message()));
  for (const store::AuditFinding& f : result->findings) {
    std::fprintf(stderr, "%s: %s\n", args.store.c_str(), f.what.c_str());
  }
  std::printf(
      "%s: %llu log entries re-hashed, %llu under the latest valid checkpoint, "
      "%d checkpoints checked (%d signed by other keys, unchecked), %zu findings\n",
      args.store.c_str(), static_cast<unsigned long long>(result->leaves),
      static_cast<unsigned long long>(result->signed_leaves), result->checkpoints,
      result->unchecked_checkpoints, result->findings.size());
  if (result->findings.empty()) {
    std::printf("OK: every stored record matches the log signed by %s\n", keys[0].name.c_str());
  } else {
    std::printf("FAILED: first mismatch: %s\n", result->findings[0].what.c_str());
    exit.value = 1;
  }
}

void Consistency(const AuditArgs& args, ExitCode& exit) {
  Reporter r{"consistency", exit};
  if (args.keys.size() != 1) return r.Fail(2, "--key: give the log's verifier key (.pub) once");
  std::optional<audit::VerifierKey> key = ReadVerifier(args.keys[0], r);
  if (!key) return;
  std::optional<std::string> old_note =
      ReadInput(args.old_checkpoint, kMaxNoteBytes, "checkpoint", r);
  if (!old_note) return;
  std::unique_ptr<store::Store> s = OpenExisting(args.store, r);
  if (!s) return;
  absl::StatusOr<store::ConsistencyResult> c = store::ProveConsistency(*s, *old_note, *key);
  if (!c.ok()) return r.Fail(1, std::string(c.status().message()));
  std::printf("OK: the log at %llu entries is a prefix of the log at %llu entries\n",
              static_cast<unsigned long long>(c->old_head.size),
              static_cast<unsigned long long>(c->new_head.size));
  std::printf("old root %s\nnew root %s\nproof (%zu hashes, RFC 9162 2.1.4):\n",
              audit::Base64(c->old_head.root).c_str(), audit::Base64(c->new_head.root).c_str(),
              c->proof.size());
  for (const audit::Hash& h : c->proof) std::printf("%s\n", audit::Base64(h).c_str());
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, ExitCode& exit) {
  CLI::App* audit = app.add_subcommand(
      "audit", "The tamper-evident log of decisions, policies, zone sets and registry changes");
  audit->require_subcommand(1);
  auto args = std::make_shared<AuditArgs>();
  auto store_option = [&](CLI::App* verb) {
    verb->add_option("--store", args->store, "The store (SQLite)")->capture_default_str();
  };

  CLI::App* keygen = audit->add_subcommand("keygen", "Make an Ed25519 key pair for checkpoints");
  keygen->add_option("--name", args->name, "The log's name, e.g. operator.example/decisions")
      ->required();
  keygen->add_option("--out", args->out, "Writes OUT.key (private, 0600) and OUT.pub")->required();
  keygen->callback([args, &exit] { Keygen(*args, exit); });

  CLI::App* checkpoint =
      audit->add_subcommand("checkpoint", "Sign and store the log's current tree head");
  store_option(checkpoint);
  checkpoint->add_option("--key", args->keys, "Signer key file(s); several cosign")->required();
  checkpoint->add_option("-o,--out", args->out, "Also write the signed checkpoint here");
  checkpoint->callback([args, &exit] { Checkpoint(*args, exit); });

  CLI::App* prove = audit->add_subcommand(
      "prove",
      "Write one record and its inclusion proof (.tlog-proof) under the latest checkpoint");
  store_option(prove);
  prove
      ->add_option("--record", args->record,
                   "decision:SEQ, policy:VERSION, zone_set:VERSION, terminal:ID or "
                   "terminal:CHANGE")
      ->required();
  prove->add_option("-o,--out", args->out, "Output prefix (default: the record id)");
  prove->callback([args, &exit] { Prove(*args, exit); });

  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Re-hash the whole store against its signed checkpoints and report the first record that "
      "does not match; or, with --proof and --record, check one disclosed record offline");
  store_option(verify);
  verify
      ->add_option("--key", args->keys,
                   "The log's verifier key (.pub); repeat for the keys of a rotation")
      ->required();
  verify->add_option("--checkpoint", args->checkpoints,
                     "Checkpoints kept outside the store (an auditor's copies)");
  verify->add_option("--proof", args->proof, "A .tlog-proof file");
  verify->add_option("--record", args->record, "The record the proof is for");
  verify->callback([args, &exit] { Verify(*args, exit); });

  CLI::App* consistency = audit->add_subcommand(
      "consistency", "Prove that an older checkpoint's log is a prefix of the latest one");
  store_option(consistency);
  consistency->add_option("--old", args->old_checkpoint, "The older signed checkpoint")->required();
  consistency->add_option("--key", args->keys, "The log's verifier key (.pub)")->required();
  consistency->callback([args, &exit] { Consistency(*args, exit); });
}

}  // namespace satfence::cli
