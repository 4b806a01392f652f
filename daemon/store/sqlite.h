// A thin RAII wrapper over the SQLite C API, private to the store component.
// Failures throw SqliteError; the store's public functions catch it at their boundary.
// A Db and its statements belong to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vigil::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql);
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  // Binds by 1-based index. Chainable. Text is copied by SQLite.
  Stmt& Bind(int i, std::int64_t v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, std::optional<std::int64_t> v);
  Stmt& BindNull(int i);

  bool Step();        // true when a row is ready; throws on error
  void Run();         // steps to completion, then resets
  void Reset();       // ready to bind and run again
  std::int64_t Int(int col) const;
  std::optional<std::int64_t> OptInt(int col) const;
  std::string Text(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  // Opens (creating if `create`) the database file. Read-only when !writable.
  Db(const std::string& path, bool writable, bool create);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  void Exec(std::string_view sql);
  Stmt Prepare(std::string_view sql) { return Stmt(db_, sql); }
  std::int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace vigil::sqlite
