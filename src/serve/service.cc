#include "satfence/serve/service.h"

#include <httplib.h>

#include <future>
#include <nlohmann/json.hpp>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "satfence/audit/proof.h"
#include "satfence/store/audit_log.h"

namespace satfence::serve {

using Clock = std::chrono::steady_clock;

namespace {
double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
}  // namespace

namespace {

// "http://host:port/path" -> ("http://host:port", "/path").
bool SplitUrl(const std::string& url, std::string& origin, std::string& path) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const std::string s = url.substr(0, scheme);
  if (s != "http" && s != "https") return false;
  const size_t slash = url.find('/', scheme + 3);
  origin = url.substr(0, slash);
  path = slash == std::string::npos ? "/" : url.substr(slash);
  return origin.size() > scheme + 3;
}

}  // namespace

// One Submit call: its answers, filled in by whichever thread finishes each report.
struct Service::Request {
  std::vector<Answer> answers;
  std::atomic<std::size_t> remaining{0};
  Done done;
  std::shared_ptr<const Configuration> config;
};

// One report on its way: queued for a worker, then decided and queued for the committer.
struct Service::Item {
  std::shared_ptr<Request> request;
  std::size_t index = 0;  // in the request
  Submission submission;
  std::string digest_hex;
  Clock::time_point queued_at;
  // Filled by the worker.
  Shard* shard = nullptr;
  store::Batch rows;  // one decision and its events
  std::string state;  // the terminal's state after it, encoded
  std::string decision_line;
  int action = 0;     // this report's, by decide::Action
  std::vector<std::pair<std::shared_ptr<Request>, std::size_t>> duplicates;  // same digest
};

Service::Service(std::shared_ptr<const Configuration> config, ServiceOptions options)
    : options_(std::move(options)), config_(std::move(config)) {}

absl::StatusOr<std::unique_ptr<Service>> Service::Open(std::shared_ptr<const Configuration> config,
                                                       ServiceOptions options) {
  if (config == nullptr || config->zones == nullptr || config->index == nullptr) {
    return absl::InvalidArgumentError("no zones");
  }
  for (const std::string& url : options.webhooks) {
    std::string origin, path;
    if (!SplitUrl(url, origin, path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("webhook '", url, "': expected http(s)://HOST[:PORT][/PATH]"));
    }
  }
  std::unique_ptr<Service> s(new Service(std::move(config), std::move(options)));
  absl::StatusOr<std::unique_ptr<store::Store>> writer = store::OpenSqliteStore(s->options_.store_path);
  if (!writer.ok()) return writer.status();
  s->writer_ = *std::move(writer);
  absl::StatusOr<std::unique_ptr<store::Store>> reader = store::OpenSqliteStore(s->options_.store_path);
  if (!reader.ok()) return reader.status();
  s->reader_ = *std::move(reader);
  const Configuration& c = *s->config_;
  absl::Status stored = s->writer_->PutPolicy(c.policy.version, c.policy_text);
  if (stored.ok()) stored = s->writer_->PutZoneSet(c.zones->version(), c.zone_set_description);
  if (stored.ok()) stored = s->writer_->PutTerminals(c.registry.terminals());
  if (!stored.ok()) return stored;
  s->metrics_.log_size.Set(static_cast<double>(s->writer_->LogTree().size()));
  s->checkpoint_size_ = s->writer_->LogTree().size();
  s->last_checkpoint_ = Clock::now();

  int workers = s->options_.workers;
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < workers; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->states = std::make_unique<pipeline::InMemoryTerminalStates>();
    s->shards_.push_back(std::move(shard));
  }
  for (auto& shard : s->shards_) {
    Shard* raw = shard.get();
    shard->thread = std::thread([s = s.get(), raw] { s->Work(*raw); });
  }
  s->committer_ = std::thread([s = s.get()] { s->CommitLoop(); });
  for (const std::string& url : s->options_.webhooks) {
    s->webhooks_.emplace_back([s = s.get(), url] { s->Deliver(url); });
  }
  s->metrics_.ready.Set(1.0);
  return s;
}

Service::~Service() { Drain(); }

std::shared_ptr<const Configuration> Service::configuration() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

absl::Status Service::Submit(std::vector<Submission> reports, Done done) {
  if (failed_.load()) return absl::UnavailableError("the store failed; the service stopped deciding");
  if (!accepting_.load()) return absl::UnavailableError("shutting down");
  const std::size_t n = reports.size();
  // Room for the whole batch, or nothing of it.
  std::size_t queued = queued_.load();
  do {
    if (queued + n > options_.max_queued_reports && !(queued == 0 && n > 0)) {
      metrics_.overloaded.Add();
      return absl::ResourceExhaustedError(absl::StrCat(
          queued, " reports are waiting (at most ", options_.max_queued_reports, "); retry later"));
    }
  } while (!queued_.compare_exchange_weak(queued, queued + n));
  metrics_.queue_depth.Set(static_cast<double>(queued + n));

  auto request = std::make_shared<Request>();
  request->answers.resize(n);
  request->remaining = n;
  request->done = std::move(done);
  request->config = configuration();
  if (n == 0) {
    request->done({});
    return absl::OkStatus();
  }
  const Clock::time_point now = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto item = std::make_unique<Item>();
    item->request = request;
    item->index = i;
    item->submission = std::move(reports[i]);
    item->queued_at = now;
    const std::size_t which =
        absl::HashOf(item->submission.report.terminal) % shards_.size();
    Shard& shard = *shards_[which];
    {
      std::lock_guard lock(shard.mu);
      shard.queue.push_back(std::move(item));
    }
    shard.wake.notify_one();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Answer>> Service::Decide(std::vector<Submission> reports) {
  std::promise<std::vector<Answer>> promise;
  std::future<std::vector<Answer>> future = promise.get_future();
  absl::Status s = Submit(std::move(reports), [&promise](std::vector<Answer>&& answers) {
    promise.set_value(std::move(answers));
  });
  if (!s.ok()) return s;
  return future.get();
}

void Service::Finish(Item& item, Answer answer) {
  Request& r = *item.request;
  r.answers[item.index] = std::move(answer);
  if (r.remaining.fetch_sub(1) == 1) {
    const std::size_t left = queued_.fetch_sub(r.answers.size()) - r.answers.size();
    metrics_.queue_depth.Set(static_cast<double>(left));
    r.done(std::move(r.answers));
  }
}

pipeline::TerminalState& Service::StateOf(Shard& shard, const std::string& terminal) {
  // First sight of a terminal in this process: its state as stored with its last decision.
  // Nothing else in this process decides for it, so memory is authoritative after.
  pipeline::InMemoryTerminalStates& held = *shard.states;
  const std::size_t before = held.size();
  pipeline::TerminalState& state = held.Get(terminal);
  if (held.size() > before) {
    std::lock_guard lock(reader_mu_);
    absl::StatusOr<std::optional<std::string>> stored = reader_->TerminalState(terminal);
    if (stored.ok() && stored->has_value()) {
      absl::StatusOr<pipeline::TerminalState> decoded = pipeline::DecodeTerminalState(**stored);
      if (decoded.ok()) state = *std::move(decoded);
    }
  }
  return state;
}

void Service::Work(Shard& shard) {
  while (true) {
    std::unique_ptr<Item> item;
    {
      std::unique_lock lock(shard.mu);
      shard.wake.wait(lock, [&] { return !shard.queue.empty() || stopping_.load(); });
      if (shard.queue.empty()) return;  // stopping, and nothing left
      item = std::move(shard.queue.front());
      shard.queue.pop_front();
    }
    metrics_.stage_seconds[static_cast<int>(Stage::kQueue)].Observe(SecondsSince(item->queued_at));
    item->shard = &shard;
    item->digest_hex = audit::Hex(item->submission.digest);
    if (failed_.load()) {
      Answer a;
      a.status = absl::UnavailableError("the store failed; the service stopped deciding");
      Finish(*item, std::move(a));
      continue;
    }
    // Decided already? In flight here (same terminal, so same shard), or in the store.
    {
      std::lock_guard lock(shard.mu);
      auto it = shard.in_flight.find(item->digest_hex);
      if (it != shard.in_flight.end()) {
        it->second->duplicates.emplace_back(item->request, item->index);
        metrics_.duplicates.Add();
        continue;  // answered with the original, when it is committed
      }
    }
    absl::StatusOr<std::optional<store::DecisionRecord>> stored;
    {
      std::lock_guard lock(reader_mu_);
      stored = reader_->DecisionByDigest(item->digest_hex);
    }
    if (stored.ok() && stored->has_value()) {
      metrics_.duplicates.Add();
      Answer a;
      a.decision_line = pipeline::DecisionLine(**stored);
      a.seq = (*stored)->seq;
      a.record = **std::move(stored);
      a.record.verdict_json.clear();
      a.duplicate = true;
      Finish(*item, std::move(a));
      continue;
    }
    const Clock::time_point t0 = Clock::now();
    const Configuration& config = *item->request->config;
    const pipeline::Inputs inputs = config.inputs();
    const verify::Report& report = item->submission.report;
    pipeline::TerminalState& state = StateOf(shard, report.terminal);
    const pipeline::Decided decided = pipeline::DecideReport(inputs, report, state);
    pipeline::AppendToBatch(inputs, report, item->submission.digest, decided, item->rows,
                            options_.events);
    item->state = pipeline::EncodeTerminalState(state);
    item->decision_line = pipeline::DecisionLine(report, decided, config.policy, *config.zones);
    item->action = static_cast<int>(decided.decision.decision.action);
    metrics_.verdicts[static_cast<int>(decided.verdict.outcome)].Add();
    metrics_.stage_seconds[static_cast<int>(Stage::kDecide)].Observe(SecondsSince(t0));
    item->queued_at = Clock::now();
    {
      std::lock_guard lock(shard.mu);
      shard.in_flight[item->digest_hex] = item.get();
    }
    {
      std::lock_guard lock(commit_mu_);
      commit_queue_.push_back(std::move(item));
    }
    commit_wake_.notify_one();
  }
}

void Service::CommitLoop() {
  std::vector<std::unique_ptr<Item>> items;
  while (true) {
    {
      std::unique_lock lock(commit_mu_);
      commit_wake_.wait_for(lock, std::chrono::milliseconds(500), [&] {
        return !commit_queue_.empty() || stopping_.load();
      });
      if (commit_queue_.empty()) {
        if (stopping_.load()) return;
        lock.unlock();
        SignCheckpointIfDue(false);
        continue;
      }
      // Everything waiting, up to a transaction's worth.
      const std::size_t take = std::min(commit_queue_.size(), options_.max_commit_reports);
      items.assign(std::make_move_iterator(commit_queue_.begin()),
                   std::make_move_iterator(commit_queue_.begin() + static_cast<long>(take)));
      commit_queue_.erase(commit_queue_.begin(), commit_queue_.begin() + static_cast<long>(take));
    }
    Commit(items);
    items.clear();
    SignCheckpointIfDue(false);
  }
}

void Service::Commit(std::vector<std::unique_ptr<Item>>& items) {
  store::Batch batch;
  absl::flat_hash_map<std::string, std::size_t> state_of;  // terminal -> index in batch.states
  for (const std::unique_ptr<Item>& item : items) {
    const std::size_t base = batch.decisions.size();
    for (store::DecisionRecord& d : item->rows.decisions) batch.decisions.push_back(std::move(d));
    for (store::Batch::Event& e : item->rows.events) {
      e.decision += base;
      batch.events.push_back(std::move(e));
    }
    const std::string& terminal = item->submission.report.terminal;
    auto [it, is_new] = state_of.try_emplace(terminal, batch.states.size());
    if (is_new) {
      batch.states.push_back({terminal, std::move(item->state)});
    } else {
      batch.states[it->second].state = std::move(item->state);  // the later state wins
    }
  }
  absl::Status s;
  {
    std::lock_guard lock(writer_mu_);
    s = writer_->PutBatch(batch);
    metrics_.log_size.Set(static_cast<double>(writer_->LogTree().size()));
  }
  metrics_.commit_reports.Observe(static_cast<double>(items.size()));
  if (!s.ok()) failed_ = true;
  if (s.ok() && !batch.events.empty()) {
    {
      std::lock_guard lock(events_mu_);
      ++event_generation_;
    }
    events_cv_.notify_all();
  }
  std::size_t at = 0;
  for (std::unique_ptr<Item>& item : items) {
    Answer a;
    if (s.ok()) {
      a.decision_line = item->decision_line;
      a.seq = batch.decisions[at].seq;
      a.record = batch.decisions[at];
      a.record.verdict_json.clear();
      metrics_.decisions[item->action].Add();
    } else {
      a.status = absl::UnavailableError(absl::StrCat("the store failed: ", s.message()));
    }
    at += 1;
    metrics_.stage_seconds[static_cast<int>(Stage::kCommit)].Observe(SecondsSince(item->queued_at));
    std::vector<std::pair<std::shared_ptr<Request>, std::size_t>> duplicates;
    {
      std::lock_guard lock(item->shard->mu);
      item->shard->in_flight.erase(item->digest_hex);
      duplicates.swap(item->duplicates);
    }
    for (auto& [request, index] : duplicates) {
      Item copy;
      copy.request = request;
      copy.index = index;
      Answer d = a;
      d.duplicate = true;
      Finish(copy, std::move(d));
    }
    Finish(*item, std::move(a));
  }
}

void Service::SignCheckpointIfDue(bool force) {
  if (options_.audit_keys.empty() || failed_.load()) return;
  std::lock_guard lock(writer_mu_);
  const std::uint64_t size = writer_->LogTree().size();
  if (size == checkpoint_size_) return;
  if (!force && Clock::now() - last_checkpoint_ < options_.checkpoint_interval) return;
  absl::StatusOr<store::SignedCheckpoint> signed_head =
      store::SignCheckpoint(*writer_, options_.audit_keys,
                            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()));
  if (signed_head.ok()) {
    checkpoint_size_ = size;
    last_checkpoint_ = Clock::now();
  }
}

void Service::Drain() {
  std::lock_guard drain(drain_mu_);
  if (drained_) return;
  accepting_ = false;
  {
    std::unique_lock lock(zone_change_mu_);
    std::thread builder = std::move(zone_builder_);
    lock.unlock();
    if (builder.joinable()) builder.join();  // a zone set being built is finished first
  }
  // Everything accepted is decided and committed before the threads stop.
  while (queued_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stopping_ = true;
  for (auto& shard : shards_) {
    shard->wake.notify_all();
    if (shard->thread.joinable()) shard->thread.join();
  }
  commit_wake_.notify_all();
  if (committer_.joinable()) committer_.join();
  events_cv_.notify_all();
  for (std::thread& t : webhooks_) t.join();
  SignCheckpointIfDue(true);
  drained_ = true;
}

absl::StatusOr<std::string> Service::ReplacePolicy(const std::string& text) {
  std::lock_guard replacing(replace_mu_);
  absl::StatusOr<decide::Policy> policy = decide::ParsePolicy(text, "policy");
  if (!policy.ok()) return policy.status();
  auto next = std::make_shared<Configuration>(*configuration());
  for (const std::string& id : pipeline::UnknownPolicyZones(*policy, *next->zones)) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy: zones.\"", id, "\": no zone with that id is loaded"));
  }
  verify::VerifyOptions options = next->verifier.options();
  options.speed_limit_mps = policy->land_speed_limit_kmh / 3.6;
  next->verifier = verify::Verifier(options);
  next->policy = *std::move(policy);
  next->policy_text = text;
  {
    std::lock_guard lock(writer_mu_);
    if (absl::Status s = writer_->PutPolicy(next->policy.version, text); !s.ok()) return s;
  }
  const std::string version = next->policy.version;
  std::lock_guard lock(config_mu_);
  config_ = std::move(next);
  return version;
}

absl::StatusOr<int> Service::ReplaceRegistry(const std::string& csv) {
  std::lock_guard replacing(replace_mu_);
  ReadResult<registry::Terminal> read = registry::ReadRegistryCsv(csv, "registry");
  if (!read.errors.empty()) {
    std::string why;
    for (size_t i = 0; i < read.errors.size() && i < 20; ++i) {
      absl::StrAppend(&why, i ? "\n" : "", read.errors[i].ToString());
    }
    if (read.errors.size() > 20) absl::StrAppend(&why, "\n... ", read.errors.size() - 20, " more");
    return absl::InvalidArgumentError(why);
  }
  auto next = std::make_shared<Configuration>(*configuration());
  next->registry = registry::Registry(std::move(read.records));
  {
    std::lock_guard lock(writer_mu_);
    if (absl::Status s = writer_->PutTerminals(next->registry.terminals()); !s.ok()) return s;
  }
  const int n = static_cast<int>(next->registry.terminals().size());
  std::lock_guard lock(config_mu_);
  config_ = std::move(next);
  return n;
}

absl::Status Service::ReplaceZonesInBackground(
    std::function<absl::StatusOr<ZoneBuild>()> build) {
  std::lock_guard lock(zone_change_mu_);
  if (zone_change_.state == "building") {
    return absl::FailedPreconditionError("a zone set is being built already");
  }
  if (!accepting_.load()) return absl::UnavailableError("shutting down");
  if (zone_builder_.joinable()) zone_builder_.join();
  zone_change_ = {"building", "", "", {}};
  zone_builder_ = std::thread([this, build = std::move(build)] {
    absl::StatusOr<ZoneBuild> built = build();
    absl::Status s = built.status();
    std::string version;
    if (s.ok()) {
      std::lock_guard replacing(replace_mu_);
      auto next = std::make_shared<Configuration>(*configuration());
      next->zones = built->zones;
      next->index = built->index;
      next->zone_set_description = built->description;
      version = next->zones->version();
      {
        std::lock_guard writing(writer_mu_);
        s = writer_->PutZoneSet(version, built->description);
      }
      if (s.ok()) {
        std::lock_guard swapping(config_mu_);
        config_ = std::move(next);
      }
    }
    std::lock_guard reporting(zone_change_mu_);
    zone_change_ = s.ok() ? ZoneChange{"done", version, "", built->warnings}
                          : ZoneChange{"failed", "", std::string(s.message()), {}};
  });
  return absl::OkStatus();
}

Service::ZoneChange Service::zone_change() const {
  std::lock_guard lock(zone_change_mu_);
  return zone_change_;
}

absl::StatusOr<std::vector<store::EventRecord>> Service::EventsAfter(std::int64_t after_seq,
                                                                     int limit) const {
  std::lock_guard lock(reader_mu_);
  return reader_->EventsAfter(after_seq, limit);
}

std::uint64_t Service::event_generation() const {
  std::lock_guard lock(events_mu_);
  return event_generation_;
}

std::uint64_t Service::WaitForEvents(std::uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(events_mu_);
  events_cv_.wait_for(lock, timeout,
                      [&] { return event_generation_ != seen || stopping_.load(); });
  return event_generation_;
}

std::string EventJson(const store::EventRecord& e) {
  nlohmann::ordered_json j = {{"id", e.seq},          {"terminal", e.terminal},
                              {"time", e.time},       {"kind", e.kind},
                              {"detail", e.detail},   {"decision", e.decision_seq}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Service::Deliver(const std::string& url) {
  std::string origin, path;
  if (!SplitUrl(url, origin, path)) return;  // checked at Open
  std::int64_t cursor = 0;
  {
    std::lock_guard lock(writer_mu_);
    cursor = writer_->WebhookCursor(url).value_or(0);
  }
  httplib::Client client(origin);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(10, 0);
  client.set_write_timeout(10, 0);
  std::chrono::milliseconds backoff(250);
  while (!stopping_.load()) {
    const std::uint64_t seen = event_generation();
    absl::StatusOr<std::vector<store::EventRecord>> events = EventsAfter(cursor, 256);
    if (!events.ok() || events->empty()) {
      WaitForEvents(seen, std::chrono::milliseconds(1000));
      continue;
    }
    std::string body = "{\"events\":[";
    for (size_t i = 0; i < events->size(); ++i) {
      absl::StrAppend(&body, i ? "," : "", EventJson((*events)[i]));
    }
    body += "]}";
    httplib::Headers headers = {
        {"X-Satfence-Events", absl::StrCat((*events).front().seq, "-", (*events).back().seq)}};
    httplib::Result r = client.Post(path, headers, body, "application/json");
    if (r && r->status >= 200 && r->status < 300) {
      cursor = events->back().seq;
      metrics_.webhook_events.Add(events->size());
      std::lock_guard lock(writer_mu_);
      writer_->SetWebhookCursor(url, cursor).IgnoreError();  // at worst, sent again
      backoff = std::chrono::milliseconds(250);
      continue;
    }
    metrics_.webhook_failures.Add();
    // Back off (doubling to 30 s), waking early only to stop.
    std::unique_lock lock(events_mu_);
    events_cv_.wait_for(lock, backoff, [&] { return stopping_.load(); });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30'000));
  }
}

absl::StatusOr<Service::TerminalSummary> Service::Terminal(const std::string& terminal) const {
  std::lock_guard lock(reader_mu_);
  TerminalSummary t;
  absl::StatusOr<std::optional<store::DecisionRecord>> latest = reader_->LatestDecision(terminal);
  if (!latest.ok()) return latest.status();
  t.latest = *std::move(latest);
  absl::StatusOr<store::TerminalCounts> counts = reader_->CountsFor(terminal);
  if (!counts.ok()) return counts.status();
  t.counts = *std::move(counts);
  absl::StatusOr<std::vector<store::EventRecord>> events = reader_->Events(terminal);
  if (!events.ok()) return events.status();
  constexpr std::size_t kRecent = 20;
  const std::size_t from = events->size() > kRecent ? events->size() - kRecent : 0;
  t.recent_events.assign(events->begin() + static_cast<long>(from), events->end());
  return t;
}

absl::StatusOr<std::vector<store::DecisionRecord>> Service::TerminalDecisions(
    const std::string& terminal, std::int64_t after_seq, int limit) const {
  std::lock_guard lock(reader_mu_);
  return reader_->TerminalDecisions(terminal, after_seq, limit);
}

absl::StatusOr<std::optional<store::DecisionRecord>> Service::Decision(std::int64_t seq) const {
  std::lock_guard lock(reader_mu_);
  absl::StatusOr<std::vector<store::DecisionRecord>> d = reader_->Decisions(seq - 1, 1);
  if (!d.ok()) return d.status();
  if (d->empty() || (*d)[0].seq != seq) return std::optional<store::DecisionRecord>();
  return std::optional<store::DecisionRecord>((*d)[0]);
}

absl::StatusOr<std::optional<Service::Proof>> Service::DecisionProof(std::int64_t seq) const {
  std::lock_guard lock(writer_mu_);
  absl::StatusOr<store::RecordProof> p = store::ProveRecord(*writer_, absl::StrCat("decision:", seq));
  if (!p.ok()) {
    // Not yet under a checkpoint (or no checkpoints at all): no proof yet, not an error.
    if (p.status().code() == absl::StatusCode::kNotFound ||
        p.status().code() == absl::StatusCode::kFailedPrecondition) {
      return std::optional<Proof>();
    }
    return p.status();
  }
  return std::optional<Proof>(
      Proof{p->record, audit::TlogProofText(p->proof), p->proof.checkpoint_note});
}

}  // namespace satfence::serve
