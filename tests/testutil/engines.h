// The results-database engines a test binary covers: SQLite always, PostgreSQL when it links
// mbench_testutil_postgres (which defines MBENCH_TEST_POSTGRES; see tests/CMakeLists.txt).
#ifndef MBENCH_TESTS_TESTUTIL_ENGINES_H_
#define MBENCH_TESTS_TESTUTIL_ENGINES_H_

#include <string>
#include <vector>

namespace mbench::testing {

inline std::vector<std::string> DatabaseEngines() {
#ifdef MBENCH_TEST_POSTGRES
  return {"sqlite", "postgresql"};
#else
  return {"sqlite"};
#endif
}

}  // namespace mbench::testing

#endif  // MBENCH_TESTS_TESTUTIL_ENGINES_H_
