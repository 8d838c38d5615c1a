// The SQLite store: one database file, WAL journal, synchronous=FULL (a committed
// transaction is on disk before the call returns), schema migrations by PRAGMA user_version.
#include <sqlite3.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
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
};
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

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}

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
      std::string sql = absl::StrCat("BEGIN IMMEDIATE;", kMigrations[v],
                                     "PRAGMA user_version=", v + 1, ";COMMIT;");
      if (absl::Status s = Exec(sql.c_str()); !s.ok()) {
        Exec("ROLLBACK").IgnoreError();
        return absl::InternalError(
            absl::StrCat("migrating the store to version ", v + 1, ": ", s.message()));
      }
    }
    schema_version_ = kSchemaVersion;
    return absl::OkStatus();
  }

  int schema_version() const override { return schema_version_; }

  absl::Status PutPolicy(const std::string& version, const std::string& text) override {
    return Put("INSERT OR IGNORE INTO policies(version, text) VALUES(?, ?)", {version, text});
  }
  absl::Status PutZoneSet(const std::string& version, const std::string& description) override {
    return Put("INSERT OR IGNORE INTO zone_sets(version, description) VALUES(?, ?)",
               {version, description});
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

  absl::Status PutTerminals(const std::vector<registry::Terminal>& terminals) override {
    if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    absl::StatusOr<Statement> st =
        Prepare("INSERT OR REPLACE INTO terminals VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st.ok()) return Abort(st.status());
    for (const registry::Terminal& t : terminals) {
      sqlite3_stmt* s = st->get();
      sqlite3_reset(s);
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
      if (sqlite3_step(s) != SQLITE_DONE) return Abort(Error("storing a terminal"));
    }
    return Exec("COMMIT");
  }

  absl::StatusOr<std::vector<registry::Terminal>> Terminals() const override {
    absl::StatusOr<Statement> st = Prepare("SELECT * FROM terminals ORDER BY id");
    if (!st.ok()) return st.status();
    std::vector<registry::Terminal> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) {
      sqlite3_stmt* s = st->get();
      registry::Terminal t;
      t.id = Text(s, 0);
      t.model = Text(s, 1);
      t.activated = Text(s, 2);
      t.plan = registry::ParsePlan(Text(s, 3)).value_or(registry::Plan::kRoam);
      if (sqlite3_column_type(s, 4) != SQLITE_NULL) {
        t.service_address =
            geo::Geodetic{sqlite3_column_double(s, 4), sqlite3_column_double(s, 5), 0.0};
      }
      t.channel = registry::ParseChannel(Text(s, 6)).value_or(registry::Channel::kDirect);
      t.seller = Text(s, 7);
      t.sale_country = Text(s, 8);
      t.owner = Text(s, 9);
      t.owner_type = registry::ParseOwnerType(Text(s, 10)).value_or(registry::OwnerType::kPerson);
      t.inspected = sqlite3_column_int(s, 11) != 0;
      t.whitelisted = sqlite3_column_int(s, 12) != 0;
      out.push_back(std::move(t));
    }
    return out;
  }

  absl::StatusOr<std::int64_t> PutDecision(const DecisionRecord& d) override {
    absl::StatusOr<Statement> st = Prepare(kInsertDecision);
    if (!st.ok()) return st.status();
    BindDecision(st->get(), d);
    if (sqlite3_step(st->get()) != SQLITE_DONE) return Error("storing a decision");
    return sqlite3_last_insert_rowid(db_.get());
  }

  absl::Status PutDecisions(std::vector<DecisionRecord>& decisions) override {
    return InsertAll(kInsertDecision, decisions, BindDecision, "storing a decision");
  }

  absl::StatusOr<std::int64_t> PutEvent(const EventRecord& e) override {
    absl::StatusOr<Statement> st = Prepare(kInsertEvent);
    if (!st.ok()) return st.status();
    BindEvent(st->get(), e);
    if (sqlite3_step(st->get()) != SQLITE_DONE) return Error("storing an event");
    return sqlite3_last_insert_rowid(db_.get());
  }

  absl::Status PutEvents(std::vector<EventRecord>& events) override {
    return InsertAll(kInsertEvent, events, BindEvent, "storing an event");
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
    absl::StatusOr<Statement> st =
        Prepare("SELECT * FROM decisions WHERE terminal = ? ORDER BY seq DESC LIMIT 1");
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, terminal.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st->get()) != SQLITE_ROW) return std::optional<DecisionRecord>();
    return std::optional<DecisionRecord>(ReadDecision(st->get()));
  }

  absl::StatusOr<std::vector<EventRecord>> Events(const std::string& terminal) const override {
    absl::StatusOr<Statement> st = Prepare(
        "SELECT seq, terminal, time, kind, detail FROM events WHERE terminal = ? ORDER BY seq");
    if (!st.ok()) return st.status();
    sqlite3_bind_text(st->get(), 1, terminal.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<EventRecord> out;
    while (sqlite3_step(st->get()) == SQLITE_ROW) {
      sqlite3_stmt* s = st->get();
      out.push_back({sqlite3_column_int64(s, 0), Text(s, 1), Text(s, 2), Text(s, 3), Text(s, 4)});
    }
    return out;
  }

  absl::StatusOr<std::int64_t> DecisionCount() const override {
    return Scalar("SELECT count(*) FROM decisions");
  }

 private:
  static constexpr const char* kInsertDecision =
      "INSERT INTO decisions(terminal, time, action, published, reasons, zones, verdict, "
      "report_digest, verdict_json, policy_version, zone_set_version) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  static constexpr const char* kInsertEvent =
      "INSERT INTO events(terminal, time, kind, detail) VALUES(?, ?, ?, ?)";

  static void BindEvent(sqlite3_stmt* s, const EventRecord& e) {
    int i = 1;
    for (const std::string* v : {&e.terminal, &e.time, &e.kind, &e.detail}) {
      sqlite3_bind_text(s, i++, v->c_str(), -1, SQLITE_TRANSIENT);
    }
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

  // Inserts every record in one transaction (all or none) and gives each its sequence number.
  template <typename Record>
  absl::Status InsertAll(const char* sql, std::vector<Record>& records,
                         void (*bind)(sqlite3_stmt*, const Record&), const char* what) {
    if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    absl::StatusOr<Statement> st = Prepare(sql);
    if (!st.ok()) return Abort(st.status());
    for (Record& r : records) {
      sqlite3_reset(st->get());
      bind(st->get(), r);
      if (sqlite3_step(st->get()) != SQLITE_DONE) return Abort(Error(what));
      r.seq = sqlite3_last_insert_rowid(db_.get());
    }
    return Exec("COMMIT");
  }

  absl::Status Error(const std::string& what) const {
    return absl::InternalError(absl::StrCat(what, ": ", sqlite3_errmsg(db_.get())));
  }
  absl::Status Abort(absl::Status why) {
    Exec("ROLLBACK").IgnoreError();
    return why;
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

  std::unique_ptr<sqlite3, DbCloser> db_;
  int schema_version_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return absl::UnavailableError(absl::StrCat("cannot open the store ", path, ": ", message));
  }
  auto store = std::make_unique<SqliteStore>(db);
  if (absl::Status s = store->Init(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace satfence::store
