#include "tests/testutil/postgres.h"

#include <unistd.h>

#include <cctype>
#include <fstream>
#include <pqxx/pqxx>

#include "tests/testutil/testutil.h"

namespace mbench::testing {
namespace {

// "host=/tmp/mbench-pg.X user=postgres" from the fixture, as URI query parameters.
StatusOr<std::string> ServerParameters() {
  const std::string file = BinaryDir() + "/postgres-test.conninfo";
  std::ifstream in(file);
  std::string host, user;
  for (std::string word; in >> word;) {
    if (word.rfind("host=", 0) == 0) host = word.substr(5);
    if (word.rfind("user=", 0) == 0) user = word.substr(5);
  }
  if (host.empty() || user.empty()) {
    return Status::NotFound(file +
                            ": no test PostgreSQL server is running (run the tests through "
                            "ctest, or start one with tests/db/postgres_server.sh start " +
                            BinaryDir() + ")");
  }
  return "?host=" + host + "&user=" + user;
}

}  // namespace

StatusOr<std::string> NewPostgresDatabase(const std::string& tag) {
  MBENCH_ASSIGN_OR_RETURN(std::string params, ServerParameters());
  static int counter = 0;
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_";
  for (char c : tag) {
    if (name.size() >= 63) break;
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  try {
    pqxx::connection admin("postgresql:///postgres" + params);
    pqxx::nontransaction t(admin);
    t.exec("DROP DATABASE IF EXISTS " + name);
    t.exec("CREATE DATABASE " + name);
  } catch (const std::exception& e) {
    return Status::IOError(std::string("cannot create test database ") + name + ": " + e.what());
  }
  return "postgresql:///" + name + params;
}

std::string PostgresScalar(const std::string& uri, const std::string& sql) {
  try {
    pqxx::connection c(uri);
    pqxx::nontransaction t(c);
    pqxx::result r = t.exec(sql);
    if (r.empty() || r.columns() == 0 || r[0][0].is_null()) return "";
    return r[0][0].c_str();
  } catch (const std::exception& e) {
    return std::string("<error: ") + e.what() + ">";
  }
}

}  // namespace mbench::testing
