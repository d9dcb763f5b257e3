// The storage engine under Database: one SQL connection that runs statements, one writer at a
// time. Internal to db/ (never included outside it); sqlite_store.cc and postgres_store.cc are
// the two implementations.
//
// Database (db.cc) writes its statements once, in the SQL both engines accept: `?` placeholders
// (`?N` for a numbered one), CAST(? AS TEXT) wherever a parameter's type cannot be inferred,
// CASE instead of boolean arithmetic, `INSERT ... RETURNING id`. What differs stays here: the
// schema's column types, where the schema version lives, how a writer excludes other writers,
// JSON access and integrity checks.
#ifndef MBENCH_DB_STORE_H_
#define MBENCH_DB_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status_or.h"
#include "db/db.h"

namespace mbench::db::internal {

// A statement parameter.
struct Param {
  enum class Kind { kNull, kInt, kReal, kText } kind = Kind::kNull;
  int64_t i = 0;
  double r = 0.0;
  std::string s;
};
inline Param Text(std::string v) { return {Param::Kind::kText, 0, 0.0, std::move(v)}; }
inline Param Int(int64_t v) { return {Param::Kind::kInt, v, 0.0, {}}; }
inline Param Real(double v) { return {Param::Kind::kReal, 0, v, {}}; }
// Negative values mean "unknown" and are stored as NULL.
inline Param IntOrNull(int64_t v) { return v < 0 ? Param{} : Int(v); }
inline Param RealOrNull(double v) { return v < 0 ? Param{} : Real(v); }

class Store {
 public:
  virtual ~Store() = default;

  // Where the data lives, as error messages show it: a file path, or a PostgreSQL URI with any
  // password masked.
  virtual const std::string& location() const = 0;

  // Starts a write transaction that excludes every other writer (another process's included),
  // waiting up to the busy timeout for one in progress. Reads outside a transaction see the
  // last committed state.
  virtual Status BeginWrite() = 0;
  virtual Status Commit() = 0;
  // Undoes the open write transaction; a no-op when none is open.
  virtual void Rollback() = 0;

  // Runs one statement and returns its rows (none for a statement without results). `what` says
  // what the statement was for; an error reads "<location>: <what>: <engine's reason>".
  virtual StatusOr<Table> Run(const std::string& what, const std::string& sql,
                              const std::vector<Param>& args) = 0;

  // The schema version recorded by the last migration (0: none).
  virtual StatusOr<int> SchemaVersion() = 0;
  // Whether the database holds tables although no mbench schema version is recorded: somebody
  // else's data, which mbench must not adopt.
  virtual StatusOr<bool> HasForeignTables() = 0;
  // Applies migration `version` (1-based) and records it, inside the caller's write transaction.
  virtual Status Migrate(int version) = 0;

  // An SQL expression for the text at `key` of the JSON object in `column`.
  virtual std::string JsonText(const std::string& column, const std::string& key) const = 0;
  // The engine's own consistency check (pages, indexes); Ok or kCorruption.
  virtual Status CheckStorage() = 0;
};

// Rolls back unless committed: an error (or an exception) in the middle of a write leaves the
// database as it was.
class WriteTransaction {
 public:
  explicit WriteTransaction(Store& store) : store_(store) {}
  ~WriteTransaction() {
    if (open_) store_.Rollback();
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  Status Begin() {
    MBENCH_RETURN_IF_ERROR(store_.BeginWrite());
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    MBENCH_RETURN_IF_ERROR(store_.Commit());
    open_ = false;
    return Status::Ok();
  }

 private:
  Store& store_;
  bool open_ = false;
};

// `round(x, digits)` in both engines (PostgreSQL rounds NUMERIC, not DOUBLE PRECISION).
inline std::string Round(const std::string& expr, int digits) {
  return "round(CAST(" + expr + " AS NUMERIC), " + std::to_string(digits) + ")";
}

// The first cell of a one-row result, as an integer.
inline int64_t Scalar(const Table& t) {
  return t.rows.empty() || t.rows[0].empty() ? 0 : t.rows[0][0].i;
}

// A PostgreSQL URI as messages may show it: its password, in the authority or as a parameter,
// becomes "***".
std::string MaskPassword(const std::string& uri);
// `message` with every password `uri` carries replaced by "***" (libpq quotes malformed URIs).
std::string ScrubPasswords(std::string message, const std::string& uri);
// `uri` with connect_timeout=kDefaultConnectTimeoutSecs unless it sets one.
inline constexpr int kDefaultConnectTimeoutSecs = 10;
std::string WithConnectTimeout(const std::string& uri);

// Whether `location` names a PostgreSQL database (a postgresql:// or postgres:// URI) rather
// than an SQLite file.
inline bool IsPostgresUri(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

// The number of schema migrations, and migration `version` (1..kSchemaVersions) as SQLite runs
// it: INTEGER, REAL and TEXT columns, INTEGER PRIMARY KEY row ids (db/schema.cc). PostgreSQL
// runs the same text with its own types.
constexpr int kSchemaVersions = 3;
const char* SchemaMigration(int version);
// What one engine runs before migration `version`'s shared text ("" when nothing): the changes
// the two engines spell differently, such as relaxing a column's NOT NULL.
const char* EngineMigration(int version, bool postgres);

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                 const OpenOptions& options);
// Built with MBENCH_WITH_POSTGRES; otherwise kUnsupported.
StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri,
                                                   const OpenOptions& options);

}  // namespace mbench::db::internal

#endif  // MBENCH_DB_STORE_H_
