// For tests on real SQLite files: SQL run from a connection of the test's own, beside the
// store's (fault injection, or a database put back into an older shape).
#pragma once

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <string>

namespace vigil::testing {

inline void ExecOn(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace vigil::testing
