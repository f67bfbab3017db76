#include "gateway/store/sqlite/sqlite_conn.h"

namespace gridrelay::sqlite {

Status SqlError(sqlite3* db, const std::string& what) {
  const int code = sqlite3_errcode(db) & 0xff;  // the primary code of an extended one
  std::string msg = what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR || code == SQLITE_FULL ||
      code == SQLITE_CANTOPEN || code == SQLITE_NOMEM)
    return Status::Unavailable(msg);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return Status::DataLoss(msg);
  return Status::Internal(msg);
}

Conn::~Conn() {
  for (auto& [_, s] : cache) sqlite3_finalize(s);
  if (db) sqlite3_close(db);
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return SqlError(db, std::string("sql '") + sql + "'");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<Conn>> OpenConnection(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Unavailable("cannot open " + path.string() + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  auto conn = std::make_unique<Conn>();
  conn->db = db;
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    Status s = Exec(db, pragma);
    if (!s.ok()) return Status::Unavailable(path.string() + ": " + s.message());
  }
  return conn;
}

Stmt::Stmt(Conn& conn, const char* sql) : db_(conn.db) {
  auto it = conn.cache.find(std::string_view(sql));
  if (it != conn.cache.end()) {
    stmt_ = it->second;
  } else if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) == SQLITE_OK) {
    conn.cache.emplace(sql, stmt_);
  } else {
    prepare_error_ = SqlError(db_, "prepare");
    stmt_ = nullptr;
  }
}

Stmt::~Stmt() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::Bind(int i, int64_t v) {
  if (stmt_) sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Stmt& Stmt::Bind(int i, const std::string& v) {
  if (stmt_) sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

StatusOr<bool> Stmt::Step() {
  if (!stmt_) return prepare_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlError(db_, "step");
}

Status Stmt::Run() {
  auto r = Step();
  return r.ok() ? Status::Ok() : r.status();
}

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
}

std::string_view Stmt::TextView(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string_view(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string_view();
}

nlohmann::json Stmt::Json(int col) const {
  return nlohmann::json::parse(Text(col), nullptr, /*allow_exceptions=*/false);
}

Txn::Txn(sqlite3* db) : db_(db) {
  begin_ = Exec(db_, "BEGIN IMMEDIATE");
  if (!begin_.ok()) begin_ = Status::Unavailable(begin_.message());
}

Txn::~Txn() {
  if (begin_.ok() && !done_) (void)Exec(db_, "ROLLBACK");
}

Status Txn::Commit() {
  done_ = true;
  Status s = Exec(db_, "COMMIT");
  if (s.ok()) return s;
  (void)Exec(db_, "ROLLBACK");
  return Status::Unavailable(s.message());
}

Savepoint::Savepoint(sqlite3* db) : db_(db) { begin_ = Exec(db_, "SAVEPOINT change_set"); }

Savepoint::~Savepoint() {
  if (begin_.ok() && !rolled_back_) (void)Exec(db_, "RELEASE change_set");
}

Status Savepoint::Rollback() {
  rolled_back_ = true;
  GR_RETURN_IF_ERROR(Exec(db_, "ROLLBACK TO change_set"));
  return Exec(db_, "RELEASE change_set");
}

std::string Dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace gridrelay::sqlite
