// Where decisions and what they rest on are kept.
//
//   absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore("satfence.db");
//   (*store)->PutPolicy(policy.version, policy_text);
//   absl::StatusOr<std::int64_t> seq = (*store)->PutDecision(record);   // durable on return
//
// `Store` is the interface; SQLite is the embedded default (WAL journal, synchronous=FULL,
// so a decision reported as stored survives a crash of the process or the machine). A
// PostgreSQL implementation can follow and run the same tests (store_test.cc's contract
// tests take a backend's factory). Schemas carry a version and are migrated forward on open.
//
// The audit log: every policy, zone set, registry change and decision is appended, in the
// same transaction as its row, as a leaf of an RFC 9162 Merkle tree (the record each row
// contributes is in log_records.h). Signed checkpoints, proofs and the re-hashing of the
// whole store against them are in audit_log.h.
#ifndef SATFENCE_STORE_STORE_H_
#define SATFENCE_STORE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/audit/merkle.h"
#include "satfence/registry/registry.h"

namespace satfence::store {

// One decision and the evidence it rests on, by value or by digest.
struct DecisionRecord {
  std::int64_t seq = 0;  // assigned by the store, ascending
  std::string terminal;
  std::string time;       // RFC 3339, the report's
  std::string action;     // allow, review, deny (this report's)
  std::string published;  // after hysteresis
  std::vector<std::string> reasons;
  std::vector<std::string> zones;
  std::string verdict;         // consistent, spoofed, inconclusive
  std::string report_digest;   // SHA-256 of the telemetry line, hex
  std::string verdict_json;    // the verdict line as written by `satfence verify`
  std::string policy_version;  // SHA-256, hex
  std::string zone_set_version;
};

struct EventRecord {
  std::int64_t seq = 0;
  std::string terminal;
  std::string time;
  // "enter", "exit" (detail: the zone), "inside" (detail: the zone), "outside" (in no
  // deciding zone), "action_changed" (detail: the new published action), "spoof_suspected"
  // (detail: the verdict's flags). Stores written before schema 4 say "published" for
  // action_changed.
  std::string kind;
  std::string detail;
  std::int64_t decision_seq = 0;  // the decision it follows from; 0: none
};

// A terminal's pipeline state after a batch, in pipeline/terminal_state.h's encoding.
struct TerminalStateRecord {
  std::string terminal;
  std::string state;
};

// Decisions, the events they raise and the terminal states they leave, written in one
// transaction (all or none): a restart finds each terminal's state as of its last stored
// decision. Each event names its decision by index in `decisions`; PutBatch fills in the
// sequence numbers of both.
struct Batch {
  struct Event {
    std::size_t decision = 0;
    EventRecord event;
  };
  std::vector<DecisionRecord> decisions;
  std::vector<Event> events;
  std::vector<TerminalStateRecord> states;  // replacing what is stored for each terminal
  bool empty() const { return decisions.empty() && events.empty() && states.empty(); }
  void clear() {
    decisions.clear();
    events.clear();
    states.clear();
  }
};

// A terminal's decisions in sum.
struct TerminalCounts {
  std::int64_t decisions = 0;
  std::map<std::string, std::int64_t> actions;    // this report's action -> decisions
  std::map<std::string, std::int64_t> published;  // published action -> decisions
  std::map<std::string, std::int64_t> verdicts;   // verdict -> decisions
  std::string first_time, last_time;              // RFC 3339, of the reports
};

// One leaf of the audit log: which row it records and the hash it was given when appended.
struct LogEntry {
  std::uint64_t index = 0;  // zero-based leaf index
  std::string kind;         // policy, zone_set, terminal, decision (log_records.h)
  std::string ref;          // the row: version, change number or decision seq
  audit::Hash leaf{};
};

class Store {
 public:
  virtual ~Store() = default;

  virtual int schema_version() const = 0;

  // Versioned texts; storing a version again is a no-op.
  virtual absl::Status PutPolicy(const std::string& version, const std::string& text) = 0;
  virtual absl::Status PutZoneSet(const std::string& version, const std::string& description) = 0;
  virtual absl::StatusOr<std::string> Policy(const std::string& version) const = 0;

  // The registry: inserted or replaced by terminal id.
  virtual absl::Status PutTerminals(const std::vector<registry::Terminal>& terminals) = 0;
  virtual absl::StatusOr<std::vector<registry::Terminal>> Terminals() const = 0;

  // Appends; durable when it returns. Returns the record's sequence number.
  virtual absl::StatusOr<std::int64_t> PutDecision(const DecisionRecord& d) = 0;
  virtual absl::StatusOr<std::int64_t> PutEvent(const EventRecord& e) = 0;
  // Several at once, in one transaction (all or none); their `seq` are filled in.
  virtual absl::Status PutDecisions(std::vector<DecisionRecord>& decisions) = 0;
  virtual absl::Status PutEvents(std::vector<EventRecord>& events) = 0;
  virtual absl::Status PutBatch(Batch& batch) = 0;

  virtual absl::StatusOr<std::vector<DecisionRecord>> Decisions(std::int64_t after_seq,
                                                                int limit) const = 0;
  virtual absl::StatusOr<std::optional<DecisionRecord>> LatestDecision(
      const std::string& terminal) const = 0;
  // One terminal's decisions after `after_seq`, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<DecisionRecord>> TerminalDecisions(
      const std::string& terminal, std::int64_t after_seq, int limit) const = 0;
  virtual absl::StatusOr<TerminalCounts> CountsFor(const std::string& terminal) const = 0;
  virtual absl::StatusOr<std::vector<EventRecord>> Events(const std::string& terminal) const = 0;
  // Every terminal's events after `after_seq`, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<EventRecord>> EventsAfter(std::int64_t after_seq,
                                                               int limit) const = 0;
  // How far a webhook has been delivered (the last event seq it acknowledged; 0: none).
  virtual absl::StatusOr<std::int64_t> WebhookCursor(const std::string& url) const = 0;
  virtual absl::Status SetWebhookCursor(const std::string& url, std::int64_t seq) = 0;
  // The decision made on the report with this digest (hex), the first if several.
  virtual absl::StatusOr<std::optional<DecisionRecord>> DecisionByDigest(
      const std::string& report_digest) const = 0;
  // The terminal's state as of its last stored batch; nothing when none was stored.
  virtual absl::StatusOr<std::optional<std::string>> TerminalState(
      const std::string& terminal) const = 0;
  virtual absl::StatusOr<std::int64_t> DecisionCount() const = 0;

  // --- The audit log ---
  // The Merkle tree over the stored leaves, as of this store's last write (or opening).
  virtual const audit::MerkleTree& LogTree() const = 0;
  // Every stored leaf, in order.
  virtual absl::StatusOr<std::vector<LogEntry>> LogEntries() const = 0;
  // The record (log_records.h) rebuilt from the row the entry names as it is stored now;
  // nullopt when that row no longer exists.
  virtual absl::StatusOr<std::optional<std::string>> CurrentRecord(const LogEntry& entry) const = 0;
  // Rows of logged kinds that have no log entry, as (kind, ref).
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> UnloggedRows() const = 0;
  // Terminal ids whose current registry row differs from their last logged change.
  virtual absl::StatusOr<std::vector<std::string>> RegistryDrift() const = 0;
  // Signed checkpoint notes, in the order they were stored.
  virtual absl::Status PutCheckpoint(const std::string& note) = 0;
  virtual absl::StatusOr<std::vector<std::string>> Checkpoints() const = 0;
};

struct StoreOptions {
  // Append to the audit log. Off only to measure what the log costs (verify_bench) or in
  // tests: rows written without it show up in UnloggedRows, as they should.
  bool audit_log = true;
};

// Opens (creating and migrating as needed) a SQLite store at `path`.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                       StoreOptions options = {});

}  // namespace satfence::store

#endif  // SATFENCE_STORE_STORE_H_
