// The service's core: reports in, decisions out, each answered only once it is durable.
//
//   auto config = std::make_shared<Configuration>(...);         // zones, policy, registry
//   std::unique_ptr<Service> service = *Service::Open(config, {.store_path = "satfence.db"});
//   service->Submit(std::move(reports), [](std::vector<Answer>&& answers) { ... });
//   service->Drain();                                           // SIGTERM: finish, commit
//
// Reports are routed by terminal to one of `workers` threads, so a terminal's reports are
// decided in the order they were submitted, against its state (pipeline/terminal_state.h,
// held in memory and read from the store at the terminal's first report). Decided reports go
// to one committer thread, which writes everything waiting in one transaction (group commit:
// while one commit is being made durable, the next group gathers), and only then answers
// them. A report whose digest is already stored (a client retrying after a lost answer, or
// after a crash) is not decided again: it is answered with the stored decision.
//
// Memory is bounded: at most `max_queued_reports` reports are accepted and unanswered;
// beyond that Submit refuses (ResourceExhausted) and the caller answers 429. When the store
// fails, the service stops deciding (every later Submit is Unavailable): a terminal's state
// in memory would otherwise run ahead of what is stored; a restart resumes from the store.
#ifndef SATFENCE_SERVE_SERVICE_H_
#define SATFENCE_SERVE_SERVICE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "satfence/audit/note.h"
#include "satfence/decide/decide.h"
#include "satfence/pipeline/pipeline.h"
#include "satfence/registry/registry.h"
#include "satfence/serve/metrics.h"
#include "satfence/store/store.h"
#include "satfence/verify/catalog.h"
#include "satfence/verify/verifier.h"
#include "satfence/zones/zone_index.h"
#include "satfence/zones/zone_set.h"

namespace satfence::serve {

// One event as Server-Sent Events and webhooks carry it: {"id", "terminal", "time", "kind",
// "detail", "decision"}.
std::string EventJson(const store::EventRecord& e);

using pipeline::Configuration;

// One report as it came in.
struct Submission {
  verify::Report report;
  pipeline::ReportDigest digest;  // of the bytes as received
};

// What a submitted report got.
struct Answer {
  absl::Status status;        // not OK: not decided (the store failed, or shutting down)
  std::string decision_line;  // as `satfence decide` writes it
  store::DecisionRecord record;  // its fields (without the verdict's JSON)
  std::int64_t seq = 0;       // the stored decision's sequence number
  bool duplicate = false;     // decided earlier: the stored decision
};

struct ServiceOptions {
  std::string store_path;                        // SQLite
  int workers = 0;                               // deciding threads; 0: one per core
  std::size_t max_queued_reports = 16'384;       // accepted and not yet answered
  std::size_t max_commit_reports = 4'096;        // per transaction
  std::vector<audit::SignerKey> audit_keys;      // sign checkpoints with these (may be none)
  std::chrono::milliseconds checkpoint_interval{10'000};  // when the log has grown
  pipeline::EventKinds events;                   // which events decisions raise
  std::vector<std::string> webhooks;             // http(s)://HOST[:PORT][/PATH]: POST events
};

class Service {
 public:
  // Opens the store, stores the configuration's versions (logged) and starts the threads.
  static absl::StatusOr<std::unique_ptr<Service>> Open(std::shared_ptr<const Configuration> config,
                                                       ServiceOptions options);
  ~Service();

  using Done = std::function<void(std::vector<Answer>&&)>;
  // Queues `reports` in order and calls `done` once, on another thread, with one answer per
  // report once every one is committed (or has failed). Refuses the whole batch, calling
  // nothing, with ResourceExhausted when the queue has no room for it and Unavailable when
  // draining or failed.
  absl::Status Submit(std::vector<Submission> reports, Done done);
  // The same, waiting for the answers.
  absl::StatusOr<std::vector<Answer>> Decide(std::vector<Submission> reports);

  // Stops accepting, decides and commits everything accepted, signs a last checkpoint.
  void Drain();

  bool healthy() const { return !failed_.load(); }
  std::shared_ptr<const Configuration> configuration() const;
  Metrics& metrics() { return metrics_; }

  // Live configuration: checked, stored (and so logged), then swapped in whole. Reports
  // already accepted are decided under the configuration they came in under; every
  // decision names the versions it was made under. Errors name the line (InvalidArgument).
  absl::StatusOr<std::string> ReplacePolicy(const std::string& text);  // the new version
  absl::StatusOr<int> ReplaceRegistry(const std::string& csv);         // terminals loaded

  // A new zone set: `build` runs on a background thread while the current zones keep
  // serving; then its version is stored (logged) and it is swapped in. One at a time
  // (FailedPrecondition while one builds); zone_change() says how the last one went.
  struct ZoneBuild {
    std::shared_ptr<const zones::ZoneSet> zones;
    std::shared_ptr<const zones::ZoneIndex> index;
    std::string description;
    std::vector<std::string> warnings;  // features left out, each located
  };
  absl::Status ReplaceZonesInBackground(std::function<absl::StatusOr<ZoneBuild>()> build);
  struct ZoneChange {
    std::string state = "none";  // none, building, done, failed
    std::string version;         // done: the new zone set's
    std::string error;           // failed: why
    std::vector<std::string> warnings;
  };
  ZoneChange zone_change() const;

  // Reads, on the service's own read connection (safe from any thread).
  struct TerminalSummary {
    std::optional<store::DecisionRecord> latest;
    store::TerminalCounts counts;
    std::vector<store::EventRecord> recent_events;  // the last few, oldest first
  };
  absl::StatusOr<TerminalSummary> Terminal(const std::string& terminal) const;
  absl::StatusOr<std::vector<store::DecisionRecord>> TerminalDecisions(
      const std::string& terminal, std::int64_t after_seq, int limit) const;
  absl::StatusOr<std::optional<store::DecisionRecord>> Decision(std::int64_t seq) const;
  // The decision's record and inclusion proof against the latest signed checkpoint, and the
  // checkpoint; nothing when the decision is not covered by a checkpoint yet.
  struct Proof {
    std::string record;
    std::string proof;  // C2SP tlog-proof text
    std::string checkpoint;
  };
  absl::StatusOr<std::optional<Proof>> DecisionProof(std::int64_t seq) const;

  // Events after `after_seq` (every terminal's, in order), at most `limit`.
  absl::StatusOr<std::vector<store::EventRecord>> EventsAfter(std::int64_t after_seq,
                                                              int limit) const;
  // A number that changes whenever a commit stores events; WaitForEvents returns once it
  // differs from `seen`, after `timeout`, or when the service stops.
  std::uint64_t event_generation() const;
  std::uint64_t WaitForEvents(std::uint64_t seen, std::chrono::milliseconds timeout) const;
  bool stopping() const { return !accepting_.load(); }

 private:
  struct Request;
  struct Item;
  struct Shard {
    std::mutex mu;
    std::condition_variable wake;
    std::deque<std::unique_ptr<Item>> queue;
    std::unique_ptr<pipeline::InMemoryTerminalStates> states;
    absl::flat_hash_map<std::string, Item*> in_flight;  // by digest: decided, not committed
    std::thread thread;
  };

  Service(std::shared_ptr<const Configuration> config, ServiceOptions options);
  void Work(Shard& shard);
  void CommitLoop();
  void Commit(std::vector<std::unique_ptr<Item>>& items);
  void SignCheckpointIfDue(bool force);
  void Deliver(const std::string& url);  // one webhook's delivery loop
  void Finish(Item& item, Answer answer);
  pipeline::TerminalState& StateOf(Shard& shard, const std::string& terminal);

  ServiceOptions options_;
  mutable std::mutex config_mu_;
  std::mutex replace_mu_;  // one configuration change at a time
  mutable std::mutex zone_change_mu_;
  ZoneChange zone_change_;
  std::thread zone_builder_;
  std::shared_ptr<const Configuration> config_;
  Metrics metrics_;

  std::unique_ptr<store::Store> writer_;  // the committer's (and the proofs', under writer_mu_)
  mutable std::mutex writer_mu_;
  std::unique_ptr<store::Store> reader_;  // everything else, under reader_mu_
  mutable std::mutex reader_mu_;

  std::vector<std::unique_ptr<Shard>> shards_;
  std::mutex commit_mu_;
  std::condition_variable commit_wake_;
  std::vector<std::unique_ptr<Item>> commit_queue_;
  std::thread committer_;
  std::chrono::steady_clock::time_point last_checkpoint_;
  std::uint64_t checkpoint_size_ = 0;

  mutable std::mutex events_mu_;
  mutable std::condition_variable events_cv_;
  std::uint64_t event_generation_ = 0;
  std::vector<std::thread> webhooks_;

  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> failed_{false};
  std::mutex drain_mu_;
  bool drained_ = false;
};

}  // namespace satfence::serve

#endif  // SATFENCE_SERVE_SERVICE_H_
