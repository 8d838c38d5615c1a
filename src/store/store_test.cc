// The store's contract: what is put comes back, across reopening; and a decision reported as
// stored survives the process being killed (SIGKILL) mid-stream, with its audit-log leaf.
// The contract tests are parameterised by backend (kBackends): a PostgreSQL store joins by
// adding its factory there. Schema-version handling is SQLite's own.
#include "satfence/store/store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

namespace satfence::store {
namespace {

std::string FreshPath(const std::string& name) {
  std::string path = ::testing::TempDir() + "/" + name + "-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

// A backend under test: how to open (creating or reopening) the store named `name`.
struct Backend {
  const char* label;
  std::function<absl::StatusOr<std::unique_ptr<Store>>(const std::string& name)> open;
};

const Backend kBackends[] = {
    {"sqlite", [](const std::string& name) { return OpenSqliteStore(name); }},
};

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& name) {
    return GetParam().open(name);
  }
};

DecisionRecord Sample(int i) {
  DecisionRecord d;
  d.terminal = "KIT-" + std::to_string(i % 7);
  d.time = "2026-03-01T11:50:" + std::to_string(10 + i % 50) + "Z";
  d.action = i % 3 == 0 ? "deny" : "allow";
  d.published = "allow";
  d.reasons = i % 3 == 0 ? std::vector<std::string>{"spoof_suspected", "in_deny_zone"}
                         : std::vector<std::string>{};
  d.zones = {"rule:UKR"};
  d.verdict = i % 3 == 0 ? "spoofed" : "consistent";
  d.report_digest = std::string(64, 'a' + i % 6);
  d.verdict_json = R"({"terminal":"KIT","verdict":"consistent"})";
  d.policy_version = std::string(64, 'p');
  d.zone_set_version = std::string(64, 'z');
  return d;
}

TEST_P(StoreContract, WhatIsPutComesBackAfterReopening) {
  const std::string path = FreshPath("roundtrip");
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    Store& s = **store;
    EXPECT_GT(s.schema_version(), 0);
    ASSERT_TRUE(s.PutPolicy("v1", "k_sigma = 3\n").ok());
    ASSERT_TRUE(s.PutPolicy("v1", "ignored: same version\n").ok());
    ASSERT_TRUE(s.PutZoneSet("z1", "world + ukraine scenario").ok());
    registry::Terminal t;
    t.id = "KIT-1";
    t.model = "UTR-231";
    t.activated = "2026-01-02";
    t.plan = registry::Plan::kResidential;
    t.service_address = geo::Geodetic{50.45, 30.52, 0.0};
    t.channel = registry::Channel::kReseller;
    t.seller = "Shop, Ltd";
    t.sale_country = "POL";
    t.owner = "P-1";
    t.whitelisted = true;
    ASSERT_TRUE(s.PutTerminals({t}).ok());
    for (int i = 0; i < 5; ++i) {
      absl::StatusOr<std::int64_t> seq = s.PutDecision(Sample(i));
      ASSERT_TRUE(seq.ok()) << seq.status();
      EXPECT_EQ(*seq, i + 1);
    }
    std::vector<DecisionRecord> batch = {Sample(5), Sample(6)};
    ASSERT_TRUE(s.PutDecisions(batch).ok());
    EXPECT_EQ(batch[1].seq, 7);
    ASSERT_TRUE(s.PutEvent({0, "KIT-1", "2026-03-01T11:50:00Z", "enter", "rule:UKR"}).ok());
  }
  absl::StatusOr<std::unique_ptr<Store>> store = Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  Store& s = **store;
  EXPECT_EQ(*s.Policy("v1"), "k_sigma = 3\n");
  EXPECT_FALSE(s.Policy("v2").ok());
  absl::StatusOr<std::vector<registry::Terminal>> terminals = s.Terminals();
  ASSERT_TRUE(terminals.ok());
  ASSERT_EQ(terminals->size(), 1u);
  EXPECT_EQ((*terminals)[0].seller, "Shop, Ltd");
  EXPECT_EQ((*terminals)[0].plan, registry::Plan::kResidential);
  EXPECT_DOUBLE_EQ((*terminals)[0].service_address->lat_deg, 50.45);
  EXPECT_TRUE((*terminals)[0].whitelisted);
  EXPECT_EQ(*s.DecisionCount(), 7);
  absl::StatusOr<std::vector<DecisionRecord>> page = s.Decisions(2, 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].seq, 3);
  EXPECT_EQ((*page)[1].reasons, (std::vector<std::string>{"spoof_suspected", "in_deny_zone"}));
  EXPECT_EQ((*page)[1].report_digest, Sample(3).report_digest);
  absl::StatusOr<std::optional<DecisionRecord>> latest = s.LatestDecision("KIT-0");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->seq, 1);  // of samples 0-6, only sample 0 is KIT-0
  EXPECT_EQ(s.Events("KIT-1")->size(), 1u);
}

TEST_P(StoreContract, ABatchIsWrittenWholeWithItsEventsAndStates) {
  const std::string path = FreshPath("batch");
  {
    std::unique_ptr<Store> s = *Open(path);
    ASSERT_TRUE(s->PutDecision(Sample(0)).ok());
    Batch batch;
    batch.decisions = {Sample(1), Sample(2)};
    batch.events.push_back({1, {0, "KIT-2", "2026-03-01T11:50:12Z", "enter", "rule:UKR"}});
    batch.events.push_back({0, {0, "KIT-1", "2026-03-01T11:50:11Z", "exit", "rule:UKR"}});
    batch.states = {{"KIT-1", "state one"}, {"KIT-2", std::string("state\0two", 9)}};
    ASSERT_TRUE(s->PutBatch(batch).ok());
    EXPECT_EQ(batch.decisions[0].seq, 2);
    EXPECT_EQ(batch.decisions[1].seq, 3);
    EXPECT_EQ(batch.events[0].event.decision_seq, 3);
    EXPECT_EQ(batch.events[1].event.decision_seq, 2);
    EXPECT_LT(batch.events[0].event.seq, batch.events[1].event.seq);
    // A later batch replaces a terminal's state.
    Batch next;
    next.decisions = {Sample(8)};
    next.states = {{"KIT-1", "state one, later"}};
    ASSERT_TRUE(s->PutBatch(next).ok());
    // An event naming a decision outside its batch: nothing of the batch is written.
    Batch bad;
    bad.decisions = {Sample(9)};
    bad.events.push_back({1, {0, "KIT-2", "2026-03-01T11:50:19Z", "enter", "rule:UKR"}});
    bad.states = {{"KIT-2", "never"}};
    EXPECT_FALSE(s->PutBatch(bad).ok());
  }
  std::unique_ptr<Store> s = *Open(path);
  EXPECT_EQ(*s->DecisionCount(), 4);
  EXPECT_EQ(**s->TerminalState("KIT-1"), "state one, later");
  EXPECT_EQ(**s->TerminalState("KIT-2"), std::string("state\0two", 9));
  EXPECT_FALSE(s->TerminalState("KIT-3")->has_value());
  std::vector<EventRecord> events = *s->Events("KIT-2");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision_seq, 3);
  EXPECT_EQ(events[0].kind, "enter");
  // The decision for a report, found by the report's digest (the first when repeated).
  std::optional<DecisionRecord> by_digest = *s->DecisionByDigest(Sample(2).report_digest);
  ASSERT_TRUE(by_digest.has_value());
  EXPECT_EQ(by_digest->seq, 3);
  EXPECT_EQ(by_digest->terminal, Sample(2).terminal);
  EXPECT_FALSE(s->DecisionByDigest(std::string(64, '0'))->has_value());
  // Every terminal's events in order, in pages.
  std::vector<EventRecord> all = *s->EventsAfter(0, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].terminal, "KIT-2");
  EXPECT_EQ(all[1].terminal, "KIT-1");
  EXPECT_EQ(s->EventsAfter(all[0].seq, 10)->size(), 1u);
  EXPECT_TRUE(s->EventsAfter(all[1].seq, 10)->empty());
  // A webhook's delivery cursor, kept across reopening.
  EXPECT_EQ(*s->WebhookCursor("http://127.0.0.1:9/hook"), 0);
  ASSERT_TRUE(s->SetWebhookCursor("http://127.0.0.1:9/hook", 7).ok());
  ASSERT_TRUE(s->SetWebhookCursor("http://127.0.0.1:9/hook", 9).ok());
  s.reset();
  s = *Open(path);
  EXPECT_EQ(*s->WebhookCursor("http://127.0.0.1:9/hook"), 9);
}

TEST(SqliteStore, RefusesASchemaFromTheFuture) {
  const std::string path = FreshPath("future");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  // Version 2 added the audit log (audit_log_test.cc migrates a version 1 store).
  EXPECT_NE(store.status().message().find("version 99, newer than this satfence's 4"),
            std::string::npos)
      << store.status();
}

TEST_P(StoreContract, StoredDecisionsSurviveKillDashNine) {
  const std::string path = FreshPath("crash");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    absl::StatusOr<std::unique_ptr<Store>> store = Open(path);
    if (!store.ok()) _exit(2);
    for (int i = 0;; ++i) {
      absl::StatusOr<std::int64_t> seq = (*store)->PutDecision(Sample(i));
      if (!seq.ok()) _exit(3);
      // Only now is it "reported as stored".
      if (write(fds[1], &*seq, sizeof *seq) != sizeof *seq) _exit(4);
    }
  }
  close(fds[1]);
  std::int64_t seq = 0, last = 0;
  int reported = 0;
  while (reported < 300 && read(fds[0], &seq, sizeof seq) == sizeof seq) {
    last = seq;
    ++reported;
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself: " << status;
  ASSERT_EQ(reported, 300);

  absl::StatusOr<std::unique_ptr<Store>> store = Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::int64_t> count = (*store)->DecisionCount();
  ASSERT_TRUE(count.ok());
  EXPECT_GE(*count, last);  // every reported decision is there (and maybe a few more)
  absl::StatusOr<std::vector<DecisionRecord>> all = (*store)->Decisions(0, 1 << 20);
  ASSERT_TRUE(all.ok());
  for (std::int64_t s = 1; s <= last; ++s) {
    const DecisionRecord& d = (*all)[s - 1];
    EXPECT_EQ(d.seq, s);
    EXPECT_EQ(d.report_digest, Sample(static_cast<int>(s - 1)).report_digest);
  }
  // The log is written in the same transaction: no decision without its leaf, no leaf
  // without its decision.
  EXPECT_EQ((*store)->LogTree().size(), static_cast<std::uint64_t>(*count));
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> unlogged =
      (*store)->UnloggedRows();
  ASSERT_TRUE(unlogged.ok());
  EXPECT_TRUE(unlogged->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<Backend>& param_info) {
                           return std::string(param_info.param.label);
                         });

}  // namespace
}  // namespace satfence::store
