// The SQLite store: one database file, WAL journal, synchronous=FULL (a committed
// transaction is on disk before the call returns), schema migrations by PRAGMA user_version.
#include <sqlite3.h>

#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "satfence/store/log_records.h"
#include "satfence/store/store.h"

namespace satfence::store {
namespace {

// Migration i takes the schema from version i to i + 1. Never edit a released one: add.
const char* const kMigrations[] = {
    R"sql(
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
)sql",
    // 2: the audit log. Rows stored before it are logged by the migration (Backfill).
    R"sql(
CREATE TABLE terminal_changes(
  change INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, model TEXT NOT NULL,
  activated TEXT NOT NULL, plan TEXT NOT NULL, service_lat REAL, service_lon REAL,
  channel TEXT NOT NULL, seller TEXT NOT NULL, sale_country TEXT NOT NULL, owner TEXT NOT NULL,
  owner_type TEXT NOT NULL, inspected INTEGER NOT NULL, whitelisted INTEGER NOT NULL);
CREATE INDEX terminal_changes_by_id ON terminal_changes(id, change);
CREATE TABLE log(idx INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL,
                 leaf BLOB NOT NULL);
CREATE UNIQUE INDEX log_by_row ON log(kind, ref);
CREATE TABLE checkpoints(n INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT NOT NULL);
)sql",
    // 3: terminal states beside the decisions they follow from; events name their decision;
    // decisions found by the digest of their report.
    R"sql(
CREATE TABLE terminal_states(terminal TEXT PRIMARY KEY, state BLOB NOT NULL);
ALTER TABLE events ADD COLUMN decision_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX decisions_by_digest ON decisions(report_digest);
)sql",
    // 4: where each webhook's delivery has got to.
    R"sql(
CREATE TABLE webhook_cursors(url TEXT PRIMARY KEY, seq INTEGER NOT NULL);
)sql",
};
constexpr int kAuditLogVersion = 2;
constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

std::string ListJson(const std::vector<std::string>& items) { return nlohmann::json(items).dump(); }
std::vector<std::string> ListFromJson(const char* text) {
  nlohmann::json j = nlohmann::json::parse(text ? text : "[]", nullptr, false);
  return j.is_array() ? j.get<std::vector<std::string>>() : std::vector<std::string>{};
}
std::string Text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

// Terminal columns in table order, starting at `col` (terminals: 0; terminal_changes: 1).
registry::Terminal ReadTerminal(sqlite3_stmt* s, int col) {
  registry::Terminal t;
  t.id = Text(s, col);
  t.model = Text(s, col + 1);
  t.activated = Text(s, col + 2);
  t.plan = registry::ParsePlan(Text(s, col + 3)).value_or(registry::Plan::kRoam);
  if (sqlite3_column_type(s, col + 4) != SQLITE_NULL) {
    t.service_address =
        geo::Geodetic{sqlite3_column_double(s, col + 4), sqlite3_column_double(s, col + 5), 0.0};
  }
  t.channel = registry::ParseChannel(Text(s, col + 6)).value_or(registry::Channel::kDirect);
  t.seller = Text(s, col + 7);
  t.sale_country = Text(s, col + 8);
  t.owner = Text(s, col + 9);
  t.owner_type = registry::ParseOwnerType(Text(s, col + 10)).value_or(registry::OwnerType::kPerson);
  t.inspected = sqlite3_column_int(s, col + 11) != 0;
  t.whitelisted = sqlite3_column_int(s, col + 12) != 0;
  return t;
}

// Binds a terminal's 13 columns from parameter 1.
void BindTerminal(sqlite3_stmt* s, const registry::Terminal& t) {
  int i = 1;
  for (const std::string& v :
       {t.id, t.model, t.activated, std::string(registry::PlanName(t.plan))}) {
    sqlite3_bind_text(s, i++, v.c_str(), -1, SQLITE_TRANSIENT);
  }
  if (t.service_address) {
    sqlite3_bind_double(s, i++, t.service_address->lat_deg);
    sqlite3_bind_double(s, i++, t.service_address->lon_deg);
  } else {
    sqlite3_bind_null(s, i++);
    sqlite3_bind_null(s, i++);
  }
  for (const std::string& v :
       {std::string(registry::ChannelName(t.channel)), t.seller, t.sale_country, t.owner,
        std::string(registry::OwnerTypeName(t.owner_type))}) {
    sqlite3_bind_text(s, i++, v.c_str(), -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_int(s, i++, t.inspected);
  sqlite3_bind_int(s, i++, t.whitelisted);
}

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, StoreOptions options) : db_(db), options_(options) {}

  absl::Status Init() {
    for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                               "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"}) {
      if (absl::Status s = Exec(pragma); !s.ok()) return s;
    }
    absl::StatusOr<std::int64_t> version = Scalar("PRAGMA user_version");
    if (!version.ok()) return version.status();
    if (*version > kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat("the store's schema is version ", *version,
                                                        ", newer than this satfence's ",
                                                        kSchemaVersion));
    }
    for (std::int64_t v = *version; v < kSchemaVersion; ++v) {
      if (absl::Status s = Migrate(v); !s.ok()) {
        return absl::InternalError(
            absl::StrCat("migrating the store to version ", v + 1, ": ", s.message()));
      }
    }
    schema_version_ = kSchemaVersion;
    return SyncLog();
  }

  int schema_version() const override { return schema_version_; }

  absl::Status PutPolicy(const std::string& version, const std::string& text) override {
    return PutVersioned("INSERT OR IGNORE INTO policies(version, text) VALUES(?, ?)", kPolicyKind,
                        version, text, PolicyLogRecord(version, text));
  }
  absl::Status PutZoneSet(const std::string& version, const std::string& description) override {
    return PutVersioned("INSERT OR IGNORE INTO zone_sets(version, description) VALUES(?, ?)",
                        kZoneSetKind, version, description, ZoneSetLogRecord(version, description));
  }
  absl::StatusOr<std::string> Policy(const std::string& version) const override {
    absl::StatusOr<Statement> s = Prepare("SELECT text FROM policies WHERE version = ?");
    if (!s.ok()) return s.status();
    sqlite3_bind_text(s->get(), 1, version.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s->get()) != SQLITE_ROW) {
      return absl::NotFoundError(absl::StrCat("no policy version ", version));
    }
    return Text(s->get(), 0);
  }

  // A terminal whose content is unchanged is left alone; every change is a row of
  // terminal_changes and a log entry.
  absl::Status PutTerminals(const std::vector<registry::Terminal>& terminals) override {
    if (absl::Status s = Begin(); !s.ok()) return s;
    absl::StatusOr<Statement> current = Prepare("SELECT * FROM terminals WHERE id = ?");
    absl::StatusOr<Statement> put =
        Prepare("INSERT OR REPLACE INTO terminals VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    absl::StatusOr<Statement> change = Prepare(
        "INSERT INTO terminal_changes(id, model, activated, plan, service_lat, service_lon, "
        "channel, seller, sale_country, owner, owner_type, inspected, whitelisted) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!current.ok()) return Abort(current.status());
    if (!put.ok()) return Abort(put.status());
    if (!change.ok()) return Abort(change.status());
    for (const registry::Terminal& t : terminals) {
      absl::StatusOr<std::string> content = TerminalLogRecord(t, 0);
      if (!content.ok()) return Abort(Named(content.status(), "terminal", t.id));
      sqlite3_reset(current->get());
      sqlite3_bind_text(current->get(), 1, t.id.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(current->get()) == SQLITE_ROW &&
          TerminalLogRecord(ReadTerminal(current->get(), 0), 0).value_or("") == *content) {
        continue;
      }
      for (sqlite3_stmt* s : {put->get(), change->get()}) {
        sqlite3_reset(s);
        BindTerminal(s, t);
        if (sqlite3_step(s) != SQLITE_DONE) return Abort(Error("storing a terminal"));
      }
      const std::int64_t n = sqlite3_last_insert_rowid(db_.get());
      if (absl::Status s = AppendLog(kTerminalKind, std::to_string(n), TerminalLogRecord(t, n));
          !s.ok()) {
        return Abort(s);
      }
    }
    return Commit();
  }

  absl::StatusOr<std::vector<registry::Terminal>> Terminals() const override {
    absl::StatusOr<Statement> st = Prepare("SELECT * FROM terminals ORDER BY id");
    if (!st.ok()) return st.status();
    std::vector<registry::Terminal> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) out.push_back(ReadTerminal(st->get(), 0));
    return out;
  }

  absl::StatusOr<std::int64_t> PutDecision(const DecisionRecord& d) override {
    std::vector<DecisionRecord> one = {d};
    if (absl::Status s = PutDecisions(one); !s.ok()) return s;
    return one[0].seq;
  }

  absl::Status PutDecisions(std::vector<DecisionRecord>& decisions) override {
    return InsertAll(kInsertDecision, decisions, BindDecision, "storing a decision",
                     [this](DecisionRecord& d) {
                       return AppendLog(kDecisionKind, std::to_string(d.seq), DecisionLogRecord(d));
                     });
  }

  absl::StatusOr<std::int64_t> PutEvent(const EventRecord& e) override {
    std::vector<EventRecord> one = {e};
    if (absl::Status s = PutEvents(one); !s.ok()) return s;
    return one[0].seq;
  }

  absl::Status PutEvents(std::vector<EventRecord>& events) override {
    return InsertAll(kInsertEvent, events, BindEvent, "storing an event",
                     [](EventRecord&) { return absl::OkStatus(); });
  }

  absl::Status PutBatch(Batch& batch) override {
    if (absl::Status s = Begin(); !s.ok()) return s;
    if (absl::Status s = InsertRows(kInsertDecision, batch.decisions, BindDecision,
                                    "storing a decision",
                                    [this](DecisionRecord& d) {
                                      return AppendLog(kDecisionKind, std::to_string(d.seq),
                                                       DecisionLogRecord(d));
                                    });
        !s.ok()) {
      return Abort(s);
    }
    absl::StatusOr<Statement> events = Prepare(kInsertEvent);
    if (!events.ok()) return Abort(events.status());
    for (Batch::Event& e : batch.events) {
      if (e.decision >= batch.decisions.size()) {
        return Abort(absl::InvalidArgumentError("an event names a decision not in its batch"));
      }
      e.event.decision_seq = batch.decisions[e.decision].seq;
      sqlite3_reset(events->get());
      BindEvent(events->get(), e.event);
      if (sqlite3_step(events->get()) != SQLITE_DONE) return Abort(Error("storing an event"));
      e.event.seq = sqlite3_last_insert_rowid(db_.get());
    }
    absl::StatusOr<Statement> states =
        Prepare("INSERT OR REPLACE INTO terminal_states(terminal, state) VALUES(?, ?)");
    if (!states.ok()) return Abort(states.status());
    for (const TerminalStateRecord& t : batch.states) {
      sqlite3_reset(states->get());
      sqlite3_bind_text(states->get(), 1, t.terminal.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_blob(states->get(), 2, t.state.data(), static_cast<int>(t.state.size()),
                        SQLITE_TRANSIENT);
      if (sqlite3_step(states->get()) != SQLITE_DONE) {
        return Abort(Error("storing a terminal's state"));
      }
    }
    return Commit();
  }

  absl::StatusOr<std::optional<DecisionRecord>> DecisionByDigest(
      const std::string& report_digest) const override {
    return FirstDecision("SELECT * FROM decisions WHERE report_digest = ? ORDER BY seq LIMIT 1",
                         report_digest);
  }

  absl::StatusOr<std::optional<std::string>> TerminalState(
      const std::string& terminal) const override {
    absl::StatusOr<Statement> st =
        Prepare("SELECT state FROM terminal_states WHERE terminal = ?");
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, terminal.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) != SQLITE_ROW) return std::optional<std::string>();
    const void* blob = sqlite3_column_blob(st->get(), 0);
    const int n = sqlite3_column_bytes(st->get(), 0);
    return std::optional<std::string>(
        blob ? std::string(static_cast<const char*>(blob), static_cast<size_t>(n)) : "");
  }

  absl::StatusOr<std::vector<DecisionRecord>> Decisions(std::int64_t after_seq,
                                                        int limit) const override {
    absl::StatusOr<Statement> st =
        Prepare("SELECT * FROM decisions WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!st.ok()) return st.status();
    sqlite3_bind_int64(st->get(), 1, after_seq);
    sqlite3_bind_int(st->get(), 2, limit);
    std::vector<DecisionRecord> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) out.push_back(ReadDecision(st->get()));
    return out;
  }

  absl::StatusOr<std::optional<DecisionRecord>> LatestDecision(
      const std::string& terminal) const override {
    return FirstDecision("SELECT * FROM decisions WHERE terminal = ? ORDER BY seq DESC LIMIT 1",
                         terminal);
  }

  absl::StatusOr<std::vector<DecisionRecord>> TerminalDecisions(const std::string& terminal,
                                                                std::int64_t after_seq,
                                                                int limit) const override {
    absl::StatusOr<Statement> st = Prepare(
        "SELECT * FROM decisions WHERE terminal = ? AND seq > ? ORDER BY seq LIMIT ?");
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, terminal.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st->get(), 2, after_seq);
    sqlite3_bind_int(st->get(), 3, limit);
    std::vector<DecisionRecord> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) out.push_back(ReadDecision(st->get()));
    return out;
  }

  absl::StatusOr<TerminalCounts> CountsFor(const std::string& terminal) const override {
    TerminalCounts c;
    struct Column {
      const char* name;
      std::map<std::string, std::int64_t>* into;
    };
    for (const Column& column : {Column{"action", &c.actions}, Column{"published", &c.published},
                                 Column{"verdict", &c.verdicts}}) {
      const std::string sql = absl::StrCat("SELECT ", column.name,
                                           ", count(*) FROM decisions WHERE terminal = ? GROUP BY ",
                                           column.name);
      absl::StatusOr<Statement> st = Prepare(sql.c_str());
      if (!st.ok()) return st.status();
      sqlite3_bind_text(st->get(), 1, terminal.c_str(), -1, SQLITE_TRANSIENT);
      while (sqlite3_step(st->get()) == SQLITE_ROW) {
        (*column.into)[Text(st->get(), 0)] = sqlite3_column_int64(st->get(), 1);
      }
    }
    absl::StatusOr<Statement> st = Prepare(
        "SELECT count(*), min(time), max(time) FROM decisions WHERE terminal = ?");
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, terminal.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) == SQLITE_ROW) {
      c.decisions = sqlite3_column_int64(st->get(), 0);
      c.first_time = Text(st->get(), 1);
      c.last_time = Text(st->get(), 2);
    }
    return c;
  }

  absl::StatusOr<std::vector<EventRecord>> EventsAfter(std::int64_t after_seq,
                                                       int limit) const override {
    absl::StatusOr<Statement> st = Prepare(
        "SELECT seq, terminal, time, kind, detail, decision_seq FROM events WHERE seq > ? "
        "ORDER BY seq LIMIT ?");
    if (!st.ok()) return st.status();
    sqlite3_bind_int64(st->get(), 1, after_seq);
    sqlite3_bind_int(st->get(), 2, limit);
    std::vector<EventRecord> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) out.push_back(ReadEvent(st->get()));
    return out;
  }

  absl::StatusOr<std::int64_t> WebhookCursor(const std::string& url) const override {
    absl::StatusOr<Statement> st = Prepare("SELECT seq FROM webhook_cursors WHERE url = ?");
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, url.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) != SQLITE_ROW) return std::int64_t{0};
    return static_cast<std::int64_t>(sqlite3_column_int64(st->get(), 0));
  }

  absl::Status SetWebhookCursor(const std::string& url, std::int64_t seq) override {
    absl::StatusOr<Statement> st =
        Prepare("INSERT OR REPLACE INTO webhook_cursors(url, seq) VALUES(?, ?)");
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, url.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st->get(), 2, seq);
    if (sqlite3_step(st->get()) != SQLITE_DONE) return Error("storing a webhook's cursor");
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<EventRecord>> Events(const std::string& terminal) const override {
    absl::StatusOr<Statement> st = Prepare(
        "SELECT seq, terminal, time, kind, detail, decision_seq FROM events WHERE terminal = ? "
        "ORDER BY seq");
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, terminal.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<EventRecord> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) out.push_back(ReadEvent(st->get()));
    return out;
  }

  absl::StatusOr<std::int64_t> DecisionCount() const override {
    return Scalar("SELECT count(*) FROM decisions");
  }

  const audit::MerkleTree& LogTree() const override { return tree_; }

  absl::StatusOr<std::vector<LogEntry>> LogEntries() const override {
    absl::StatusOr<Statement> st = Prepare("SELECT idx, kind, ref, leaf FROM log ORDER BY idx");
    if (!st.ok()) return st.status();
    std::vector<LogEntry> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) {
      sqlite3_stmt* s = st->get();
      LogEntry e;
      e.index = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
      e.kind = Text(s, 1);
      e.ref = Text(s, 2);
      ReadLeaf(s, 3, e.leaf);
      out.push_back(std::move(e));
    }
    return out;
  }

  absl::StatusOr<std::optional<std::string>> CurrentRecord(const LogEntry& e) const override {
    using Found = std::optional<std::string>;
    auto row = [&](const char* sql) -> absl::StatusOr<Statement> {
      absl::StatusOr<Statement> st = Prepare(sql);
      if (st.ok()) sqlite3_bind_text(st->get(), 1, e.ref.c_str(), -1, SQLITE_TRANSIENT);
      return st;
    };
    absl::StatusOr<std::string> record;
    if (e.kind == kPolicyKind || e.kind == kZoneSetKind) {
      const bool policy = e.kind == kPolicyKind;
      absl::StatusOr<Statement> st =
          row(policy ? "SELECT text FROM policies WHERE version = ?"
                     : "SELECT description FROM zone_sets WHERE version = ?");
      if (!st.ok()) return st.status();
      if (sqlite3_step(st->get()) != SQLITE_ROW) return Found();
      record = policy ? PolicyLogRecord(e.ref, Text(st->get(), 0))
                      : ZoneSetLogRecord(e.ref, Text(st->get(), 0));
    } else if (e.kind == kTerminalKind) {
      absl::StatusOr<Statement> st = row("SELECT * FROM terminal_changes WHERE change = ?");
      if (!st.ok()) return st.status();
      if (sqlite3_step(st->get()) != SQLITE_ROW) return Found();
      record = TerminalLogRecord(ReadTerminal(st->get(), 1), sqlite3_column_int64(st->get(), 0));
    } else if (e.kind == kDecisionKind) {
      absl::StatusOr<Statement> st = row("SELECT * FROM decisions WHERE seq = ?");
      if (!st.ok()) return st.status();
      if (sqlite3_step(st->get()) != SQLITE_ROW) return Found();
      record = DecisionLogRecord(ReadDecision(st->get()));
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown log record kind '", e.kind, "'"));
    }
    if (!record.ok()) return record.status();
    return Found(*std::move(record));
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> UnloggedRows() const override {
    absl::StatusOr<Statement> st = Prepare(R"sql(
SELECT 'policy', version FROM policies
  WHERE version NOT IN (SELECT ref FROM log WHERE kind = 'policy')
UNION ALL SELECT 'zone_set', version FROM zone_sets
  WHERE version NOT IN (SELECT ref FROM log WHERE kind = 'zone_set')
UNION ALL SELECT 'terminal', CAST(change AS TEXT) FROM terminal_changes
  WHERE CAST(change AS TEXT) NOT IN (SELECT ref FROM log WHERE kind = 'terminal')
UNION ALL SELECT 'decision', CAST(seq AS TEXT) FROM decisions
  WHERE CAST(seq AS TEXT) NOT IN (SELECT ref FROM log WHERE kind = 'decision'))sql");
    if (!st.ok()) return st.status();
    std::vector<std::pair<std::string, std::string>> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) {
      out.emplace_back(Text(st->get(), 0), Text(st->get(), 1));
    }
    return out;
  }

  absl::StatusOr<std::vector<std::string>> RegistryDrift() const override {
    std::map<std::string, std::string> last_change;
    absl::StatusOr<Statement> changes = Prepare(
        "SELECT * FROM terminal_changes WHERE change IN "
        "(SELECT max(change) FROM terminal_changes GROUP BY id)");
    if (!changes.ok()) return changes.status();
    while (sqlite3_step(changes->get()) == SQLITE_ROW) {
      registry::Terminal t = ReadTerminal(changes->get(), 1);
      last_change[t.id] = TerminalLogRecord(t, 0).value_or("");
    }
    absl::StatusOr<std::vector<registry::Terminal>> terminals = Terminals();
    if (!terminals.ok()) return terminals.status();
    std::vector<std::string> drifted;
    for (const registry::Terminal& t : *terminals) {
      auto it = last_change.find(t.id);
      if (it == last_change.end() || TerminalLogRecord(t, 0).value_or("") != it->second) {
        drifted.push_back(t.id);
      }
    }
    return drifted;
  }

  absl::Status PutCheckpoint(const std::string& note) override {
    return Put("INSERT INTO checkpoints(note) VALUES(?)", {note});
  }

  absl::StatusOr<std::vector<std::string>> Checkpoints() const override {
    absl::StatusOr<Statement> st = Prepare("SELECT note FROM checkpoints ORDER BY n");
    if (!st.ok()) return st.status();
    std::vector<std::string> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) out.push_back(Text(st->get(), 0));
    return out;
  }

 private:
  static constexpr const char* kInsertDecision =
      "INSERT INTO decisions(terminal, time, action, published, reasons, zones, verdict, "
      "report_digest, verdict_json, policy_version, zone_set_version) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  static constexpr const char* kInsertEvent =
      "INSERT INTO events(terminal, time, kind, detail, decision_seq) VALUES(?, ?, ?, ?, ?)";

  static void BindEvent(sqlite3_stmt* s, const EventRecord& e) {
    int i = 1;
    for (const std::string* v : {&e.terminal, &e.time, &e.kind, &e.detail}) {
      sqlite3_bind_text(s, i++, v->c_str(), -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(s, i++, e.decision_seq);
  }

  static void BindDecision(sqlite3_stmt* s, const DecisionRecord& d) {
    const std::string reasons = ListJson(d.reasons), zones = ListJson(d.zones);
    int i = 1;
    for (const std::string* v :
         {&d.terminal, &d.time, &d.action, &d.published, &reasons, &zones, &d.verdict,
          &d.report_digest, &d.verdict_json, &d.policy_version, &d.zone_set_version}) {
      sqlite3_bind_text(s, i++, v->c_str(), -1, SQLITE_TRANSIENT);
    }
  }

  // The first decision `sql` selects with `key` bound to its one parameter; none when none.
  absl::StatusOr<std::optional<DecisionRecord>> FirstDecision(const char* sql,
                                                              const std::string& key) const {
    absl::StatusOr<Statement> st = Prepare(sql);
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) != SQLITE_ROW) return std::optional<DecisionRecord>();
    return std::optional<DecisionRecord>(ReadDecision(st->get()));
  }

  // An event row as "SELECT seq, terminal, time, kind, detail, decision_seq" gives it.
  static EventRecord ReadEvent(sqlite3_stmt* s) {
    return {sqlite3_column_int64(s, 0), Text(s, 1), Text(s, 2), Text(s, 3), Text(s, 4),
            sqlite3_column_int64(s, 5)};
  }

  static DecisionRecord ReadDecision(sqlite3_stmt* s) {
    DecisionRecord d;
    d.seq = sqlite3_column_int64(s, 0);
    d.terminal = Text(s, 1);
    d.time = Text(s, 2);
    d.action = Text(s, 3);
    d.published = Text(s, 4);
    d.reasons = ListFromJson(reinterpret_cast<const char*>(sqlite3_column_text(s, 5)));
    d.zones = ListFromJson(reinterpret_cast<const char*>(sqlite3_column_text(s, 6)));
    d.verdict = Text(s, 7);
    d.report_digest = Text(s, 8);
    d.verdict_json = Text(s, 9);
    d.policy_version = Text(s, 10);
    d.zone_set_version = Text(s, 11);
    return d;
  }

  static bool ReadLeaf(sqlite3_stmt* s, int col, audit::Hash& leaf) {
    const void* blob = sqlite3_column_blob(s, col);
    if (blob == nullptr || sqlite3_column_bytes(s, col) != static_cast<int>(leaf.size())) {
      leaf.fill(0);
      return false;
    }
    std::memcpy(leaf.data(), blob, leaf.size());
    return true;
  }

  static absl::Status Named(const absl::Status& s, const char* kind, const std::string& id) {
    return absl::Status(s.code(), absl::StrCat(kind, " '", id, "': ", s.message()));
  }

  absl::Status Migrate(std::int64_t from) {
    if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    if (absl::Status s = Exec(kMigrations[from]); !s.ok()) return Abort(s);
    if (from + 1 == kAuditLogVersion) {
      if (absl::Status s = Backfill(); !s.ok()) return Abort(s);
    }
    const std::string version = absl::StrCat("PRAGMA user_version=", from + 1);
    if (absl::Status s = Exec(version.c_str()); !s.ok()) return Abort(s);
    return Commit();
  }

  // Logs the rows a store held before it had a log, in the order they were stored. Runs
  // once, inside the migration that creates the log.
  absl::Status Backfill() {
    struct Versioned {
      const char* sql;
      std::string_view kind;
      absl::StatusOr<std::string> (*record)(const std::string&, const std::string&);
    };
    for (const Versioned& v :
         {Versioned{"SELECT version, text FROM policies ORDER BY rowid", kPolicyKind,
                    PolicyLogRecord},
          Versioned{"SELECT version, description FROM zone_sets ORDER BY rowid", kZoneSetKind,
                    ZoneSetLogRecord}}) {
      absl::StatusOr<Statement> st = Prepare(v.sql);
      if (!st.ok()) return st.status();
      while (sqlite3_step(st->get()) == SQLITE_ROW) {
        const std::string version = Text(st->get(), 0), text = Text(st->get(), 1);
        if (absl::Status s = AppendLog(v.kind, version, v.record(version, text)); !s.ok()) {
          return s;
        }
      }
    }
    if (absl::Status s = Exec(
            "INSERT INTO terminal_changes(id, model, activated, plan, service_lat, service_lon, "
            "channel, seller, sale_country, owner, owner_type, inspected, whitelisted) "
            "SELECT * FROM terminals ORDER BY id");
        !s.ok()) {
      return s;
    }
    absl::StatusOr<Statement> changes = Prepare("SELECT * FROM terminal_changes ORDER BY change");
    if (!changes.ok()) return changes.status();
    while (sqlite3_step(changes->get()) == SQLITE_ROW) {
      const std::int64_t n = sqlite3_column_int64(changes->get(), 0);
      if (absl::Status s = AppendLog(kTerminalKind, std::to_string(n),
                                     TerminalLogRecord(ReadTerminal(changes->get(), 1), n));
          !s.ok()) {
        return s;
      }
    }
    absl::StatusOr<Statement> decisions = Prepare("SELECT * FROM decisions ORDER BY seq");
    if (!decisions.ok()) return decisions.status();
    while (sqlite3_step(decisions->get()) == SQLITE_ROW) {
      DecisionRecord d = ReadDecision(decisions->get());
      if (absl::Status s = AppendLog(kDecisionKind, std::to_string(d.seq), DecisionLogRecord(d));
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  // Brings the in-memory tree up to the stored leaves (another writer may have appended).
  absl::Status SyncLog() {
    absl::StatusOr<Statement> st = Prepare("SELECT idx, leaf FROM log WHERE idx >= ? ORDER BY idx");
    if (!st.ok()) return st.status();
    sqlite3_bind_int64(st->get(), 1, static_cast<std::int64_t>(next_index_));
    while (sqlite3_step(st->get()) == SQLITE_ROW) {
      audit::Hash leaf;
      ReadLeaf(st->get(), 1, leaf);
      tree_.Append(leaf);
      next_index_ = static_cast<std::uint64_t>(sqlite3_column_int64(st->get(), 0)) + 1;
    }
    return absl::OkStatus();
  }

  // Appends a leaf within the open transaction; the tree takes it when the transaction
  // commits.
  absl::Status AppendLog(std::string_view kind, const std::string& ref,
                         const absl::StatusOr<std::string>& record) {
    if (!options_.audit_log) return absl::OkStatus();
    if (!record.ok()) return Named(record.status(), std::string(kind).c_str(), ref);
    const audit::Hash leaf = audit::LeafHash(*record);
    if (!log_insert_) {
      absl::StatusOr<Statement> st =
          Prepare("INSERT INTO log(idx, kind, ref, leaf) VALUES(?, ?, ?, ?)");
      if (!st.ok()) return st.status();
      log_insert_ = *std::move(st);
    }
    sqlite3_stmt* s = log_insert_.get();
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, static_cast<std::int64_t>(next_index_ + pending_.size()));
    sqlite3_bind_text(s, 2, kind.data(), static_cast<int>(kind.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, ref.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 4, leaf.data(), static_cast<int>(leaf.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) return Error("appending to the audit log");
    pending_.push_back(leaf);
    return absl::OkStatus();
  }

  absl::Status Begin() {
    if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    if (absl::Status s = SyncLog(); !s.ok()) return Abort(s);
    return absl::OkStatus();
  }
  absl::Status Commit() {
    if (absl::Status s = Exec("COMMIT"); !s.ok()) return Abort(s);
    for (const audit::Hash& leaf : pending_) tree_.Append(leaf);
    next_index_ += pending_.size();
    pending_.clear();
    return absl::OkStatus();
  }
  absl::Status Abort(absl::Status why) {
    Exec("ROLLBACK").IgnoreError();
    pending_.clear();
    return why;
  }

  absl::Status PutVersioned(const char* sql, std::string_view kind, const std::string& version,
                            const std::string& text, absl::StatusOr<std::string> record) {
    if (absl::Status s = Begin(); !s.ok()) return s;
    absl::StatusOr<Statement> st = Prepare(sql);
    if (!st.ok()) return Abort(st.status());
    sqlite3_bind_text(st->get(), 1, version.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st->get(), 2, text.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) != SQLITE_DONE) return Abort(Error(sql));
    if (sqlite3_changes(db_.get()) == 1) {  // new: log it
      if (absl::Status s = AppendLog(kind, version, record); !s.ok()) return Abort(s);
    }
    return Commit();
  }

  // Inserts every record in one transaction (all or none), gives each its sequence number
  // and then hands it to `log`.
  template <typename Record, typename Log>
  absl::Status InsertAll(const char* sql, std::vector<Record>& records,
                         void (*bind)(sqlite3_stmt*, const Record&), const char* what, Log log) {
    if (absl::Status s = Begin(); !s.ok()) return s;
    if (absl::Status s = InsertRows(sql, records, bind, what, log); !s.ok()) return Abort(s);
    return Commit();
  }
  // The same within a transaction the caller opened (and aborts on error).
  template <typename Record, typename Log>
  absl::Status InsertRows(const char* sql, std::vector<Record>& records,
                          void (*bind)(sqlite3_stmt*, const Record&), const char* what, Log log) {
    absl::StatusOr<Statement> st = Prepare(sql);
    if (!st.ok()) return st.status();
    for (Record& r : records) {
      sqlite3_reset(st->get());
      bind(st->get(), r);
      if (sqlite3_step(st->get()) != SQLITE_DONE) return Error(what);
      r.seq = sqlite3_last_insert_rowid(db_.get());
      if (absl::Status s = log(r); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status Error(const std::string& what) const {
    return absl::InternalError(absl::StrCat(what, ": ", sqlite3_errmsg(db_.get())));
  }
  absl::Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message) != SQLITE_OK) {
      absl::Status s = absl::InternalError(message ? message : "sqlite error");
      sqlite3_free(message);
      return s;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<Statement> Prepare(const char* sql) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &s, nullptr) != SQLITE_OK) {
      return Error(absl::StrCat("preparing '", sql, "'"));
    }
    return Statement(s);
  }
  absl::StatusOr<std::int64_t> Scalar(const char* sql) const {
    absl::StatusOr<Statement> st = Prepare(sql);
    if (!st.ok()) return st.status();
    if (sqlite3_step(st->get()) != SQLITE_ROW) return Error(sql);
    return sqlite3_column_int64(st->get(), 0);
  }
  absl::Status Put(const char* sql, std::initializer_list<std::string> values) {
    absl::StatusOr<Statement> st = Prepare(sql);
    if (!st.ok()) return st.status();
    int i = 1;
    for (const std::string& v : values)
      sqlite3_bind_text(st->get(), i++, v.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) != SQLITE_DONE) return Error(sql);
    return absl::OkStatus();
  }

  // Declared first: destroyed last, after the statements below are finalised.
  std::unique_ptr<sqlite3, DbCloser> db_;
  StoreOptions options_;
  int schema_version_ = 0;
  audit::MerkleTree tree_;
  std::uint64_t next_index_ = 0;      // the next leaf's index in the log table
  std::vector<audit::Hash> pending_;  // appended in the open transaction
  Statement log_insert_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                       StoreOptions options) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return absl::UnavailableError(absl::StrCat("cannot open the store ", path, ": ", message));
  }
  auto store = std::make_unique<SqliteStore>(db, options);
  if (absl::Status s = store->Init(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace satfence::store
