// Databases on the tests' private PostgreSQL server (tests/db/postgres_server.sh, which CTest's
// `postgres` fixture starts and stops). Built only with MBENCH_WITH_POSTGRES.
#ifndef MBENCH_TESTS_TESTUTIL_POSTGRES_H_
#define MBENCH_TESTS_TESTUTIL_POSTGRES_H_

#include <string>

#include "core/status_or.h"

namespace mbench::testing {

// Creates an empty database named after `tag` (made unique per process) and returns its
// postgresql:// URI; an error says how to start the server when it is not running.
StatusOr<std::string> NewPostgresDatabase(const std::string& tag);

// Runs `sql` on the database at `uri` through a connection of its own, as another program
// would, and returns the first cell of the first row ("" when there is none, "<error: ...>"
// when the statement fails).
std::string PostgresScalar(const std::string& uri, const std::string& sql);

}  // namespace mbench::testing

#endif  // MBENCH_TESTS_TESTUTIL_POSTGRES_H_
