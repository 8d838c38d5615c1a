// The audit log over the SQLite store: leaves are the documented records, every record has
// an inclusion proof that verifies offline, checkpoints are consistent, and every kind of
// tampering with the database file (editing, deleting, reordering or inserting a decision,
// swapping a policy, rewriting the log itself) is detected and located.
#include "satfence/store/audit_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "satfence/store/log_records.h"

namespace satfence::store {
namespace {

std::string FreshPath(const std::string& name) {
  std::string path =
      ::testing::TempDir() + "/audit-" + name + "-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

DecisionRecord Sample(int i) {
  DecisionRecord d;
  d.terminal = "KIT-" + std::to_string(i % 3);
  d.time = "2026-03-01T11:" + std::to_string(10 + i % 50) + ":00Z";
  d.action = i % 4 == 0 ? "deny" : "allow";
  d.published = "allow";
  if (i % 4 == 0) d.reasons = {"spoof_suspected"};
  d.zones = {"UKR"};
  d.verdict = i % 4 == 0 ? "spoofed" : "consistent";
  d.report_digest = Sha256Hex("report " + std::to_string(i));
  d.verdict_json = R"({"verdict":")" + d.verdict + R"("})";
  d.policy_version = Sha256Hex("policy A");
  d.zone_set_version = "zones-1";
  return d;
}

registry::Terminal Kit(int i) {
  registry::Terminal t;
  t.id = "KIT-" + std::to_string(i);
  t.model = "UTR-231";
  t.activated = "2026-01-02";
  t.plan = i == 0 ? registry::Plan::kResidential : registry::Plan::kRoam;
  if (i == 0) t.service_address = geo::Geodetic{50.45, 30.52, 0.0};
  t.channel = registry::Channel::kReseller;
  t.seller = "Shop";
  t.sale_country = "POL";
  t.owner = "P-" + std::to_string(i);
  return t;
}

void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message ? message : "") << "\n"
      << sql;
  sqlite3_free(message);
  sqlite3_close(db);
}

std::string HexBlob(const audit::Hash& h) { return "X'" + audit::Hex(h) + "'"; }

class AuditLogTest : public ::testing::Test {
 protected:
  // A policy, a zone set, three terminals and one registry change, 40 decisions; checkpoints
  // after the 20th decision (26 entries) and at the end (46).
  void SetUp() override {
    path_ = FreshPath(::testing::UnitTest::GetInstance()->current_test_info()->name());
    key_ = *audit::GenerateSignerKey("satfence.test/decisions");
    std::unique_ptr<Store> s = *OpenSqliteStore(path_);
    ASSERT_TRUE(s->PutPolicy(Sha256Hex("policy A"), "policy A").ok());
    ASSERT_TRUE(s->PutZoneSet("zones-1", "world + operator").ok());
    ASSERT_TRUE(s->PutTerminals({Kit(0), Kit(1), Kit(2)}).ok());
    registry::Terminal whitelisted = Kit(1);
    whitelisted.whitelisted = true;
    ASSERT_TRUE(s->PutTerminals({Kit(0), whitelisted}).ok());  // one change: KIT-1
    for (int batch = 0; batch < 2; ++batch) {
      std::vector<DecisionRecord> decisions;
      for (int i = 0; i < 20; ++i) decisions.push_back(Sample(batch * 20 + i));
      ASSERT_TRUE(s->PutDecisions(decisions).ok());
      absl::StatusOr<SignedCheckpoint> head =
          SignCheckpoint(*s, {key_}, batch == 0 ? "2026-03-01T12:00:00Z" : "2026-03-01T13:00:00Z");
      ASSERT_TRUE(head.ok()) << head.status();
      first_note_ = batch == 0 ? head->note : first_note_;
    }
  }

  AuditResult Audit(const std::vector<std::string>& given = {}) {
    std::unique_ptr<Store> s = *OpenSqliteStore(path_);
    absl::StatusOr<AuditResult> r = AuditStore(*s, {audit::VerifierOf(key_)}, given);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AuditResult{};
  }

  // The first finding's text, or "" when the audit is clean.
  std::string FirstFinding(const std::vector<std::string>& given = {}) {
    AuditResult r = Audit(given);
    return r.findings.empty() ? "" : r.findings[0].what;
  }

  std::string path_;
  audit::SignerKey key_;
  std::string first_note_;
};

TEST_F(AuditLogTest, AnUntouchedStoreVerifies) {
  AuditResult r = Audit({first_note_});
  EXPECT_TRUE(r.findings.empty()) << r.findings[0].what;
  EXPECT_EQ(r.leaves, 46u);  // policy, zone set, 4 registry changes, 40 decisions
  EXPECT_EQ(r.signed_leaves, 46u);
  EXPECT_EQ(r.checkpoints, 3);
  ASSERT_TRUE(r.latest.has_value());
  EXPECT_EQ(r.latest->origin, "satfence.test/decisions");
  EXPECT_EQ(r.latest->extensions, std::vector<std::string>{"time 2026-03-01T13:00:00Z"});
}

TEST_F(AuditLogTest, LeavesAreTheDocumentedRecords) {
  // Written out by hand from log_records.h for the 7th decision (Sample(6), seq 7).
  const std::string expected =
      R"({"action":"allow","policy_version":")" + Sha256Hex("policy A") +
      R"(","published":"allow","reasons":[],"report_sha256":")" + Sha256Hex("report 6") +
      R"(","seq":7,"terminal":"KIT-0","time":"2026-03-01T11:16:00Z","type":"decision",)"
      R"("verdict":"consistent","verdict_sha256":")" +
      Sha256Hex(R"({"verdict":"consistent"})") +
      R"(","zone_set_version":"zones-1","zones":["UKR"]})";
  std::unique_ptr<Store> s = *OpenSqliteStore(path_);
  std::vector<LogEntry> entries = *s->LogEntries();
  ASSERT_EQ(entries.size(), 46u);
  EXPECT_EQ(entries[0].kind, "policy");
  EXPECT_EQ(entries[2].kind, "terminal");
  EXPECT_EQ(entries[5].ref, "4");  // the fourth registry change, KIT-1 whitelisted
  const LogEntry& seventh = entries[12];
  EXPECT_EQ(seventh.kind + ":" + seventh.ref, "decision:7");
  EXPECT_EQ(**s->CurrentRecord(seventh), expected);
  EXPECT_EQ(seventh.leaf, audit::LeafHash(expected));
  EXPECT_EQ(**s->CurrentRecord(entries[2]),
            R"({"activated":"2026-01-02","change":1,"channel":"reseller","id":"KIT-0",)"
            R"("inspected":false,"model":"UTR-231","owner":"P-0","owner_type":"person",)"
            R"("plan":"residential","sale_country":"POL","seller":"Shop","service_lat":"50.45",)"
            R"("service_lon":"30.52","type":"terminal","whitelisted":false})");
  // The same rows hash the same on every opening.
  const audit::Hash root = s->LogTree().Root(46);
  s.reset();
  EXPECT_EQ((*OpenSqliteStore(path_))->LogTree().Root(46), root);
}

TEST_F(AuditLogTest, EveryRecordHasAnInclusionProofThatVerifiesOffline) {
  std::unique_ptr<Store> s = *OpenSqliteStore(path_);
  const audit::VerifierKey verifier = audit::VerifierOf(key_);
  const std::vector<LogEntry> entries = *s->LogEntries();
  for (const LogEntry& e : entries) {
    absl::StatusOr<RecordProof> proof = ProveRecord(*s, e.kind + ":" + e.ref);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_LE(proof->proof.path.size(), 6u);  // ceil(log2(46))
    absl::StatusOr<audit::TlogProof> parsed =
        audit::ParseTlogProof(audit::TlogProofText(proof->proof));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    absl::StatusOr<audit::Checkpoint> head =
        audit::VerifyTlogProof(*parsed, audit::LeafHash(proof->record), verifier);
    ASSERT_TRUE(head.ok()) << e.kind << ":" << e.ref << ": " << head.status();
    EXPECT_EQ(head->size, 46u);
    // A record that differs in one field does not verify with the same proof.
    std::string altered = proof->record;
    altered[altered.size() / 2] ^= 1;
    EXPECT_FALSE(audit::VerifyTlogProof(*parsed, audit::LeafHash(altered), verifier).ok());
  }
  absl::StatusOr<RecordProof> by_id = ProveRecord(*s, "terminal:KIT-1");
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(by_id->id, "terminal:4");  // the latest change
  EXPECT_FALSE(ProveRecord(*s, "decision:99").ok());
  EXPECT_FALSE(ProveRecord(*s, "42").ok());
}

TEST_F(AuditLogTest, RecordsAfterTheLatestCheckpointWaitForTheNext) {
  std::unique_ptr<Store> s = *OpenSqliteStore(path_);
  ASSERT_TRUE(s->PutDecision(Sample(40)).ok());
  absl::StatusOr<RecordProof> proof = ProveRecord(*s, "decision:41");
  ASSERT_FALSE(proof.ok());
  EXPECT_NE(proof.status().message().find("after the latest checkpoint"), std::string::npos);
  ASSERT_TRUE(SignCheckpoint(*s, {key_}, "2026-03-01T14:00:00Z").ok());
  EXPECT_TRUE(ProveRecord(*s, "decision:41").ok());
}

TEST_F(AuditLogTest, CheckpointsAreConsistentAndARewriteIsNot) {
  {
    std::unique_ptr<Store> s = *OpenSqliteStore(path_);
    absl::StatusOr<ConsistencyResult> c =
        ProveConsistency(*s, first_note_, audit::VerifierOf(key_));
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->old_head.size, 26u);
    EXPECT_EQ(c->new_head.size, 46u);
    EXPECT_LE(c->proof.size(), 7u);
    EXPECT_TRUE(
        audit::VerifyConsistency(26, 46, c->old_head.root, c->new_head.root, c->proof).ok());
  }
  // An operator who rewrites history (a decision and its leaf) and signs a fresh checkpoint
  // over it cannot prove the new log extends what auditors already hold.
  DecisionRecord edited = Sample(4);
  edited.seq = 5;
  edited.action = "allow";
  Sql(path_, "UPDATE decisions SET action = 'allow' WHERE seq = 5; UPDATE log SET leaf = " +
                 HexBlob(audit::LeafHash(*DecisionLogRecord(edited))) + " WHERE idx = 10;");
  std::unique_ptr<Store> s = *OpenSqliteStore(path_);
  ASSERT_TRUE(SignCheckpoint(*s, {key_}, "2026-03-01T14:00:00Z").ok());
  absl::StatusOr<ConsistencyResult> c = ProveConsistency(*s, first_note_, audit::VerifierOf(key_));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("not a prefix"), std::string::npos) << c.status();
}

TEST_F(AuditLogTest, EditingADecisionIsLocated) {
  Sql(path_, "UPDATE decisions SET action = 'allow' WHERE seq = 17");
  EXPECT_EQ(FirstFinding(),
            "log entry 22 (decision:17): the row as stored now does not hash to its leaf (edited)");
}

TEST_F(AuditLogTest, EditingTheEvidenceIsLocated) {
  Sql(path_, R"(UPDATE decisions SET verdict_json = '{"verdict":"spoofed"}' WHERE seq = 3)");
  EXPECT_EQ(FirstFinding(),
            "log entry 8 (decision:3): the row as stored now does not hash to its leaf (edited)");
}

TEST_F(AuditLogTest, DeletingADecisionIsLocated) {
  Sql(path_, "DELETE FROM decisions WHERE seq = 23");
  EXPECT_EQ(FirstFinding(), "log entry 28 (decision:23): the row is gone from the store (deleted)");
}

TEST_F(AuditLogTest, ReorderingDecisionsIsLocated) {
  // Swap the contents of decisions 5 and 6 (their sequence numbers stay).
  Sql(path_,
      "CREATE TEMP TABLE a AS SELECT * FROM decisions WHERE seq = 5;"
      "CREATE TEMP TABLE b AS SELECT * FROM decisions WHERE seq = 6;"
      "DELETE FROM decisions WHERE seq IN (5, 6);"
      "INSERT INTO decisions SELECT 5, terminal, time, action, published, reasons, zones, "
      "verdict, report_digest, verdict_json, policy_version, zone_set_version FROM b;"
      "INSERT INTO decisions SELECT 6, terminal, time, action, published, reasons, zones, "
      "verdict, report_digest, verdict_json, policy_version, zone_set_version FROM a;");
  AuditResult r = Audit();
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].what,
            "log entry 10 (decision:5): the row as stored now does not hash to its leaf (edited)");
  EXPECT_EQ(r.findings[1].index, 11u);
}

TEST_F(AuditLogTest, InsertingADecisionIsLocated) {
  Sql(path_,
      "INSERT INTO decisions(terminal, time, action, published, reasons, zones, verdict, "
      "report_digest, verdict_json, policy_version, zone_set_version) SELECT terminal, time, "
      "'allow', 'allow', '[]', zones, 'consistent', report_digest, verdict_json, "
      "policy_version, zone_set_version FROM decisions WHERE seq = 1");
  EXPECT_EQ(FirstFinding(),
            "decision:41 is stored but was never logged (inserted outside satfence)");
}

TEST_F(AuditLogTest, SwappingAPolicyIsLocated) {
  Sql(path_, "INSERT INTO policies VALUES('" + Sha256Hex("policy B") + "', 'policy B')");
  Sql(path_,
      "UPDATE decisions SET policy_version = '" + Sha256Hex("policy B") + "' WHERE seq = 30");
  AuditResult r = Audit();
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].what,
            "log entry 35 (decision:30): the row as stored now does not hash to its leaf (edited)");
  EXPECT_EQ(r.findings[1].what, "policy:" + Sha256Hex("policy B") +
                                    " is stored but was never logged (inserted outside satfence)");
  // Editing a policy's text in place is located at the policy's own entry.
  Sql(path_, "UPDATE policies SET text = 'policy A, relaxed' WHERE version = '" +
                 Sha256Hex("policy A") + "'");
  EXPECT_EQ(FirstFinding(), "log entry 0 (policy:" + Sha256Hex("policy A") +
                                "): the row as stored now does not hash to its leaf (edited)");
}

TEST_F(AuditLogTest, EditingTheRegistryIsLocated) {
  Sql(path_, "UPDATE terminals SET whitelisted = 1 WHERE id = 'KIT-2'");
  EXPECT_EQ(FirstFinding(),
            "terminal 'KIT-2': the registry row differs from its last logged change");
  Sql(path_, "UPDATE terminal_changes SET owner = 'P-9' WHERE change = 2");
  EXPECT_EQ(FirstFinding(),
            "log entry 3 (terminal:2): the row as stored now does not hash to its leaf (edited)");
}

TEST_F(AuditLogTest, RewritingTheLogIsLocatedBetweenCheckpoints) {
  // Decision 25 (entry 30, after the first checkpoint at 26) edited and its leaf rewritten
  // to match: rows and leaves agree, but the log no longer hashes to the second checkpoint.
  DecisionRecord edited = Sample(24);
  edited.seq = 25;
  edited.action = "allow";
  edited.reasons = {};
  Sql(path_,
      "UPDATE decisions SET action = 'allow', reasons = '[]' WHERE seq = 25;"
      "UPDATE log SET leaf = " +
          HexBlob(audit::LeafHash(*DecisionLogRecord(edited))) + " WHERE idx = 30;");
  EXPECT_EQ(FirstFinding(),
            "stored checkpoint 2 (46 entries): the log no longer hashes to its root; rewritten "
            "between entries 26 and 46");
  // The operator drops its checkpoints: the auditor's own copy still catches the rewrite.
  Sql(path_, "DELETE FROM checkpoints");
  std::unique_ptr<Store> s = *OpenSqliteStore(path_);
  SignedCheckpoint fresh = *SignCheckpoint(*s, {key_}, "2026-03-01T14:00:00Z");
  s.reset();
  std::string held_by_auditor;
  {
    // The auditor's copy of the second checkpoint, as the untouched log signed it.
    audit::Checkpoint c = fresh.checkpoint;
    DecisionRecord original = Sample(24);
    original.seq = 25;
    audit::MerkleTree tree;
    std::unique_ptr<Store> reopened = *OpenSqliteStore(path_);
    std::vector<LogEntry> entries = *reopened->LogEntries();
    for (const LogEntry& e : entries) {
      tree.Append(e.index == 30 ? audit::LeafHash(*DecisionLogRecord(original)) : e.leaf);
    }
    c.root = tree.Root(46);
    c.extensions = {"time 2026-03-01T13:00:00Z"};
    held_by_auditor = *audit::SignNote(audit::CheckpointText(c), key_);
  }
  EXPECT_EQ(FirstFinding({held_by_auditor}),
            "given checkpoint 1 (46 entries): the log no longer hashes to its root; rewritten "
            "between entries 0 and 46");
  // And the two signed heads of one size that disagree are a fork, shown to anyone.
  AuditResult r = Audit({held_by_auditor});
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[1].what,
            "stored checkpoint 1 and given checkpoint 1 sign 46 entries with different roots (the "
            "log forked)");
}

TEST_F(AuditLogTest, DeletingLogEntriesOrForgingCheckpointsIsFound) {
  Sql(path_, "DELETE FROM log WHERE idx = 45");
  EXPECT_EQ(FirstFinding(),
            "decision:40 is stored but was never logged (inserted outside satfence)");
  AuditResult r = Audit();
  bool size_finding = false;
  for (const AuditFinding& f : r.findings) {
    size_finding |= f.what ==
                    "stored checkpoint 2 commits to 46 entries but the log has 45 "
                    "(entries deleted)";
  }
  EXPECT_TRUE(size_finding);
  // A checkpoint signed by another key is not evidence either way: counted as unchecked.
  audit::SignerKey other = *audit::GenerateSignerKey(key_.name);
  std::unique_ptr<Store> s = *OpenSqliteStore(path_);
  ASSERT_TRUE(SignCheckpoint(*s, {other}, "2026-03-01T14:00:00Z").ok());
  s.reset();
  r = Audit();
  EXPECT_EQ(r.checkpoints, 2);
  EXPECT_EQ(r.unchecked_checkpoints, 1);
  // One whose signature line claims the log's key but does not verify is a forgery.
  Sql(path_, "UPDATE checkpoints SET note = replace(note, '\n46\n', '\n45\n') WHERE n = 2");
  r = Audit();
  bool forged = false;
  for (const AuditFinding& f : r.findings) {
    forged |=
        f.what.rfind("stored checkpoint 2: the signature by satfence.test/decisions+", 0) == 0;
  }
  EXPECT_TRUE(forged);
}

TEST_F(AuditLogTest, ARotatedKeyKeepsOldCheckpointsChecked) {
  // The new key has the log's name; during the overlap both sign; afterwards the new one.
  audit::SignerKey next = *audit::GenerateSignerKey(key_.name);
  std::unique_ptr<Store> s = *OpenSqliteStore(path_);
  ASSERT_TRUE(s->PutDecision(Sample(40)).ok());
  ASSERT_TRUE(SignCheckpoint(*s, {key_, next}, "2026-03-01T14:00:00Z").ok());
  ASSERT_TRUE(s->PutDecision(Sample(41)).ok());
  ASSERT_TRUE(SignCheckpoint(*s, {next}, "2026-03-01T15:00:00Z").ok());
  absl::StatusOr<AuditResult> r =
      AuditStore(*s, {audit::VerifierOf(next), audit::VerifierOf(key_)}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->findings.empty()) << r->findings[0].what;
  EXPECT_EQ(r->checkpoints, 4);
  EXPECT_EQ(r->signed_leaves, 48u);
  r = AuditStore(*s, {audit::VerifierOf(next)}, {});  // the new key alone: old ones unchecked
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->findings.empty());
  EXPECT_EQ(r->checkpoints, 2);
  EXPECT_EQ(r->unchecked_checkpoints, 2);
}

TEST_F(AuditLogTest, RowsWrittenWithoutTheLogAreUnlogged) {
  std::unique_ptr<Store> s = *OpenSqliteStore(path_, {.audit_log = false});
  ASSERT_TRUE(s->PutDecision(Sample(40)).ok());
  s.reset();
  EXPECT_EQ(FirstFinding(),
            "decision:41 is stored but was never logged (inserted outside satfence)");
}

TEST(AuditLogMigration, AStoreFromBeforeTheLogIsLoggedOnceWhenMigrated) {
  const std::string path = FreshPath("migration");
  // Schema version 1 as released, with rows.
  Sql(path, R"sql(
CREATE TABLE policies(version TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE zone_sets(version TEXT PRIMARY KEY, description TEXT NOT NULL);
CREATE TABLE terminals(
  id TEXT PRIMARY KEY, model TEXT NOT NULL, activated TEXT NOT NULL, plan TEXT NOT NULL,
  service_lat REAL, service_lon REAL, channel TEXT NOT NULL, seller TEXT NOT NULL,
  sale_country TEXT NOT NULL, owner TEXT NOT NULL, owner_type TEXT NOT NULL,
  inspected INTEGER NOT NULL, whitelisted INTEGER NOT NULL);
CREATE TABLE decisions(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, terminal TEXT NOT NULL, time TEXT NOT NULL,
  action TEXT NOT NULL, published TEXT NOT NULL, reasons TEXT NOT NULL, zones TEXT NOT NULL,
  verdict TEXT NOT NULL, report_digest TEXT NOT NULL, verdict_json TEXT NOT NULL,
  policy_version TEXT NOT NULL, zone_set_version TEXT NOT NULL);
CREATE INDEX decisions_by_terminal ON decisions(terminal, seq);
CREATE TABLE events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, terminal TEXT NOT NULL, time TEXT NOT NULL,
  kind TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX events_by_terminal ON events(terminal, seq);
INSERT INTO policies VALUES('p1', 'policy A');
INSERT INTO terminals VALUES('KIT-7', 'UTR-231', '2026-01-02', 'roam', NULL, NULL, 'direct', '',
                             'UKR', 'P-7', 'person', 0, 1);
INSERT INTO decisions(terminal, time, action, published, reasons, zones, verdict, report_digest,
                      verdict_json, policy_version, zone_set_version)
  VALUES('KIT-7', '2026-03-01T11:00:00Z', 'deny', 'allow', '["in_deny_zone"]', '["RUS"]',
         'consistent', 'aa', '{}', 'p1', 'z1');
PRAGMA user_version = 1;
)sql");
  audit::SignerKey key = *audit::GenerateSignerKey("satfence.test/migrated");
  {
    std::unique_ptr<Store> s = *OpenSqliteStore(path);
    EXPECT_EQ(s->schema_version(), 4);  // migrated to the newest
    std::vector<LogEntry> entries = *s->LogEntries();
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].kind + ":" + entries[0].ref, "policy:p1");
    EXPECT_EQ(entries[1].kind + ":" + entries[1].ref, "terminal:1");
    EXPECT_EQ(entries[2].kind + ":" + entries[2].ref, "decision:1");
    ASSERT_TRUE(SignCheckpoint(*s, {key}, "2026-03-01T12:00:00Z").ok());
  }
  std::unique_ptr<Store> s = *OpenSqliteStore(path);  // no second backfill
  absl::StatusOr<AuditResult> r = AuditStore(*s, {audit::VerifierOf(key)}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->findings.empty()) << r->findings[0].what;
  EXPECT_EQ(r->leaves, 3u);
}

}  // namespace
}  // namespace satfence::store
