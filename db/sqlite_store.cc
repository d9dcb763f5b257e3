// The SQLite store: one file, WAL mode, foreign keys on, the schema version in PRAGMA
// user_version, writers serialized by BEGIN IMMEDIATE with a busy timeout.
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "db/store.h"

namespace mbench::db::internal {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, DbHandle db, int busy_timeout_ms)
      : path_(std::move(path)), db_(std::move(db)), busy_timeout_ms_(busy_timeout_ms) {}
  ~SqliteStore() override {
    Rollback();
    statements_.clear();  // finalized before the connection closes
  }

  const std::string& location() const override { return path_; }

  Status BeginWrite() override {
    // IMMEDIATE takes the write lock now, so two writers queue here instead of failing later.
    MBENCH_RETURN_IF_ERROR(Exec("cannot start a write", "BEGIN IMMEDIATE"));
    in_transaction_ = true;
    return Status::Ok();
  }
  Status Commit() override {
    MBENCH_RETURN_IF_ERROR(Exec("cannot commit", "COMMIT"));
    in_transaction_ = false;
    return Status::Ok();
  }
  void Rollback() override {
    if (!in_transaction_) return;
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    in_transaction_ = false;
  }

  StatusOr<Table> Run(const std::string& what, const std::string& sql,
                      const std::vector<Param>& args) override {
    MBENCH_ASSIGN_OR_RETURN(sqlite3_stmt * s, Prepare(what, sql));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    for (size_t i = 0; i < args.size(); ++i) {
      const int k = static_cast<int>(i + 1);
      const Param& p = args[i];
      switch (p.kind) {
        case Param::Kind::kNull: sqlite3_bind_null(s, k); break;
        case Param::Kind::kInt: sqlite3_bind_int64(s, k, p.i); break;
        case Param::Kind::kReal: sqlite3_bind_double(s, k, p.r); break;
        case Param::Kind::kText:
          sqlite3_bind_text(s, k, p.s.data(), static_cast<int>(p.s.size()), SQLITE_TRANSIENT);
          break;
      }
    }
    Table t;
    const int n = sqlite3_column_count(s);
    for (int i = 0; i < n; ++i) t.columns.push_back(sqlite3_column_name(s, i));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<Cell> row(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        Cell& c = row[static_cast<size_t>(i)];
        switch (sqlite3_column_type(s, i)) {
          case SQLITE_INTEGER:
            c.type = Cell::Type::kInt;
            c.i = sqlite3_column_int64(s, i);
            break;
          case SQLITE_FLOAT:
            c.type = Cell::Type::kReal;
            c.r = sqlite3_column_double(s, i);
            break;
          case SQLITE_NULL: break;
          default: {
            c.type = Cell::Type::kText;
            const unsigned char* text = sqlite3_column_text(s, i);
            if (text)
              c.s.assign(reinterpret_cast<const char*>(text),
                         static_cast<size_t>(sqlite3_column_bytes(s, i)));
          }
        }
      }
      t.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      Status failed = Fail(what);
      sqlite3_reset(s);
      return failed;
    }
    sqlite3_reset(s);
    return t;
  }

  StatusOr<int> SchemaVersion() override {
    MBENCH_ASSIGN_OR_RETURN(Table t,
                            Run("cannot read the schema version", "PRAGMA user_version", {}));
    if (t.rows.empty()) return 0;
    return static_cast<int>(t.rows[0][0].i);
  }

  StatusOr<bool> HasForeignTables() override {
    MBENCH_ASSIGN_OR_RETURN(Table t,
                            Run("cannot list tables", "SELECT count(*) FROM sqlite_master", {}));
    return !t.rows.empty() && t.rows[0][0].i > 0;
  }

  Status Migrate(int version) override {
    for (const char* sql : {EngineMigration(version, false), SchemaMigration(version)}) {
      if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return Fail("migration to schema version " + std::to_string(version) + " failed");
      }
    }
    return Exec("cannot record the schema version",
                "PRAGMA user_version=" + std::to_string(version));
  }

  std::string JsonText(const std::string& column, const std::string& key) const override {
    return "json_extract(" + column + ", '$." + key + "')";
  }

  Status CheckStorage() override {
    MBENCH_ASSIGN_OR_RETURN(Table t, Run("cannot check integrity", "PRAGMA integrity_check", {}));
    if (t.rows.empty() || t.rows[0][0].s != "ok") {
      return Status::Corruption(
          path_ + ": " + (t.rows.empty() ? "integrity check gave no answer" : t.rows[0][0].s));
    }
    return Status::Ok();
  }

  // Sets up a freshly opened file: refuses what is not a database, switches to WAL (unless
  // opened read-only: a reader changes nothing, not even the journal mode).
  Status Prepare(bool read_only) {
    sqlite3_busy_timeout(db_.get(), busy_timeout_ms_);
    sqlite3_extended_result_codes(db_.get(), 1);
    // Reading the header first tells a random file from a database before anything is written.
    MBENCH_RETURN_IF_ERROR(Exec("cannot read the file", "PRAGMA schema_version"));
    if (read_only) return Exec("cannot turn on foreign keys", "PRAGMA foreign_keys=ON");
    MBENCH_ASSIGN_OR_RETURN(Table wal,
                            Run("cannot switch to WAL mode", "PRAGMA journal_mode=WAL", {}));
    const std::string mode = wal.rows.empty() ? "" : wal.rows[0][0].s;
    if (mode != "wal") {
      return Status::IOError(path_ + ": the file system does not support WAL mode (journal mode '" +
                             mode + "')");
    }
    MBENCH_RETURN_IF_ERROR(Exec("cannot turn on foreign keys", "PRAGMA foreign_keys=ON"));
    // FULL: a committed run survives a power cut, not only a killed process.
    return Exec("cannot set synchronous mode", "PRAGMA synchronous=FULL");
  }

 private:
  Status Exec(const std::string& what, const std::string& sql) {
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return Fail(what);
    return Status::Ok();
  }

  // Statements are prepared once and kept: a run's layer rows reuse one insert.
  StatusOr<sqlite3_stmt*> Prepare(const std::string& what, const std::string& sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second.get();
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) !=
            SQLITE_OK ||
        s == nullptr) {
      sqlite3_finalize(s);
      return Fail(what);
    }
    return statements_.emplace(sql, StmtHandle(s)).first->second.get();
  }

  Status Fail(const std::string& what) const {
    const int code = sqlite3_extended_errcode(db_.get()) & 0xff;
    std::string msg = path_ + ": " + what + ": " + sqlite3_errmsg(db_.get());
    if ((code == SQLITE_BUSY || code == SQLITE_LOCKED) &&
        msg.find("database is locked") != std::string::npos) {
      char held[96];
      std::snprintf(held, sizeof(held), " (another process held it for more than %.1f s)",
                    busy_timeout_ms_ / 1000.0);
      return Status::IOError(msg + held);
    }
    if (code == SQLITE_NOTADB) return Status::Corruption(path_ + ": not an SQLite database");
    if (code == SQLITE_CORRUPT) return Status::Corruption(msg);
    return Status::IOError(msg);
  }

  std::string path_;
  DbHandle db_;
  int busy_timeout_ms_ = 0;
  bool in_transaction_ = false;
  std::map<std::string, StmtHandle> statements_;
};

// Opening a WAL database read-only fails this way when its -shm file cannot be created.
bool IsWalAccessFailure(const Status& s) {
  const std::string& m = s.message();
  return m.find("unable to open") != std::string::npos || m.find("readonly") != std::string::npos ||
         m.find("read-only") != std::string::npos;
}

// "file:" URI for `path` with immutable=1; '%', '?' and '#' percent-encoded.
std::string ImmutableUri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  return uri + "?immutable=1";
}

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                 const OpenOptions& options) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (options.must_exist && !exists) return Status::NotFound(path + ": no such results database");
  if (exists && std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path + ": is a directory, not a results database");
  }
  if (options.read_only && !exists) return Status::NotFound(path + ": no such results database");
  auto open = [&](const std::string& name, int flags) -> StatusOr<std::unique_ptr<Store>> {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(name.c_str(), &raw, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
    DbHandle handle(raw);
    if (rc != SQLITE_OK) {
      return Status::IOError(path + ": cannot open the results database: " +
                             (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    auto store = std::make_unique<SqliteStore>(path, std::move(handle), options.busy_timeout_ms);
    MBENCH_RETURN_IF_ERROR(store->Prepare(options.read_only));
    return std::unique_ptr<Store>(std::move(store));
  };
  if (!options.read_only) {
    return open(path, SQLITE_OPEN_READWRITE | (options.must_exist ? 0 : SQLITE_OPEN_CREATE));
  }
  StatusOr<std::unique_ptr<Store>> store = open(path, SQLITE_OPEN_READONLY);
  if (store.ok() || !IsWalAccessFailure(store.status())) return store;
  // A WAL database needs its -shm file to be read; a reader who may not create it in the
  // database's folder reads the file as it is on disk (immutable), which is complete whenever
  // no writer is active (the last writer to close checkpoints everything into the file).
  return open(ImmutableUri(path), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
}

}  // namespace mbench::db::internal
