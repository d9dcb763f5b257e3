// The results-database engines a test binary covers: SQLite always, PostgreSQL when it links
// mbench_testutil_postgres (which defines MBENCH_TEST_POSTGRES; see tests/CMakeLists.txt).
#ifndef MBENCH_TESTS_TESTUTIL_ENGINES_H_
#define MBENCH_TESTS_TESTUTIL_ENGINES_H_

#include <filesystem>
#include <string>
#include <vector>

#include "core/status_or.h"
#ifdef MBENCH_TEST_POSTGRES
#include "tests/testutil/postgres.h"
#endif

namespace mbench::testing {

inline std::vector<std::string> DatabaseEngines() {
#ifdef MBENCH_TEST_POSTGRES
  return {"sqlite", "postgresql"};
#else
  return {"sqlite"};
#endif
}

// A fresh, empty results database on `engine`: `dir`/results.db, or a new database on the
// tests' PostgreSQL server named after `tag`. Returns its location for Database::Open.
inline StatusOr<std::string> NewTestDatabase(const std::string& engine, const std::string& tag,
                                             const std::filesystem::path& dir) {
  if (engine == "postgresql") {
#ifdef MBENCH_TEST_POSTGRES
    return NewPostgresDatabase(tag);
#else
    return Status::Unsupported("built without MBENCH_WITH_POSTGRES");
#endif
  }
  return (dir / "results.db").string();
}

}  // namespace mbench::testing

#endif  // MBENCH_TESTS_TESTUTIL_ENGINES_H_
