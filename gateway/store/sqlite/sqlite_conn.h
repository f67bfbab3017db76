// The SQLite plumbing every part of the engine shares: a connection with its prepared-statement
// cache, a statement wrapper, transactions and savepoints, and the mapping of SQLite's errors to
// Status codes (busy, locked, I/O and disk-full errors are kUnavailable: retrying may succeed).
// Used only inside gateway/store/sqlite.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"

namespace gridrelay::sqlite {

// The Status for the connection's last error, prefixed by `what`.
Status SqlError(sqlite3* db, const std::string& what);

// A connection and its prepared statements. Used by one thread at a time (the store's mutexes).
struct Conn {
  sqlite3* db = nullptr;
  // Keyed by the SQL text itself: statements built per call (a scope's IN lists) may reuse the
  // address of an earlier, different text, so an address is no key.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> cache;

  ~Conn();
};

// Opens `path` in WAL mode with synchronous=FULL and foreign keys on.
StatusOr<std::unique_ptr<Conn>> OpenConnection(const std::filesystem::path& path);

// Runs SQL without results. Errors are mapped like SqlError.
Status Exec(sqlite3* db, const char* sql);

// A statement prepared once per connection (per distinct SQL text) and reset after each use.
class Stmt {
 public:
  Stmt(Conn& conn, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, bool v) { return Bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& Bind(int i, const std::string& v);
  Stmt& Bind(int i, std::string_view v) { return Bind(i, std::string(v)); }

  // true: a row is ready; false: done.
  StatusOr<bool> Step();
  Status Run();
  bool IsNull(int col) const;
  int64_t Int(int col) const;
  std::string Text(int col) const;
  // The column's text without a copy, valid until the next Step (or the end of the statement).
  std::string_view TextView(int col) const;
  // The column parsed as JSON; discarded (is_discarded()) when it is not JSON.
  nlohmann::json Json(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status prepare_error_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless Commit() succeeded. A failed BEGIN or COMMIT is
// kUnavailable: the database was busy or could not write, and the caller may retry.
class Txn {
 public:
  explicit Txn(sqlite3* db);
  ~Txn();
  const Status& began() const { return begin_; }
  Status Commit();

 private:
  sqlite3* db_;
  Status begin_;
  bool done_ = false;
};

// A savepoint inside a transaction: one change set of a batch, rolled back alone when one of its
// preconditions fails. Released (kept) unless Rollback() was called.
class Savepoint {
 public:
  explicit Savepoint(sqlite3* db);
  ~Savepoint();
  const Status& began() const { return begin_; }
  Status Rollback();

 private:
  sqlite3* db_;
  Status begin_;
  bool rolled_back_ = false;
};

// JSON as stored: never throws, even on invalid UTF-8 (which adapters repair before it gets here).
std::string Dump(const nlohmann::json& j);

// Every row of `s`, each read by `read`; the first row `read` refuses fails the whole read.
template <typename T>
StatusOr<std::vector<T>> ReadAll(Stmt& s, StatusOr<T> (*read)(const Stmt&)) {
  std::vector<T> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    auto value = read(s);
    if (!value.ok()) return value.status();
    out.push_back(std::move(*value));
  }
}

// The first row of `s`, or nullopt.
template <typename T>
StatusOr<std::optional<T>> ReadFirst(Stmt& s, StatusOr<T> (*read)(const Stmt&)) {
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<T>();
  auto value = read(s);
  if (!value.ok()) return value.status();
  return std::optional<T>(std::move(*value));
}

}  // namespace gridrelay::sqlite
