#include "gateway/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace gridrelay {
namespace {

// Schema migrations, applied in order; schema_version holds how many have run.
// Never edit a shipped migration: add a new one.
const char* const kMigrations[] = {
    // 1: inbox, dedup keys, tickets with their audit trail, outbox, API tokens.
    R"sql(
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  platform_msg_id TEXT NOT NULL DEFAULT '',
  chat_type TEXT NOT NULL,
  group_id TEXT NOT NULL DEFAULT '',
  sender_id TEXT NOT NULL DEFAULT '',
  sender_name TEXT NOT NULL DEFAULT '',
  sender_role TEXT NOT NULL,
  text TEXT NOT NULL,
  sent_at INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL,
  from_bot INTEGER NOT NULL DEFAULT 0,
  attachments TEXT NOT NULL DEFAULT '[]',
  reply_context TEXT NOT NULL DEFAULT '{}',
  classification TEXT NOT NULL DEFAULT '{}',
  category TEXT NOT NULL DEFAULT 'none',
  intent TEXT NOT NULL DEFAULT 'none',
  urgent INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  ticket_id INTEGER,
  processed_at INTEGER
);
CREATE INDEX messages_received ON messages(id) WHERE state = 'received';
CREATE INDEX messages_state ON messages(state);
CREATE TABLE inbound_keys (
  channel TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  message_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (channel, dedup_key)
) WITHOUT ROWID;
CREATE INDEX inbound_keys_age ON inbound_keys(created_at);
CREATE TABLE tickets (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id),
  channel TEXT NOT NULL,
  group_id TEXT NOT NULL,
  grid_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  sender_name TEXT NOT NULL,
  category TEXT NOT NULL,
  intent TEXT NOT NULL,
  urgent INTEGER NOT NULL,
  status TEXT NOT NULL,
  level TEXT NOT NULL,
  assignee_kind TEXT NOT NULL,
  assignee_id TEXT NOT NULL,
  assignee_name TEXT NOT NULL,
  text TEXT NOT NULL,
  entities TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX tickets_status ON tickets(status, id);
CREATE INDEX tickets_grid ON tickets(grid_id, id);
CREATE TABLE ticket_events (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  priority INTEGER NOT NULL,
  audience TEXT NOT NULL,
  group_id TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  rate_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  message_id INTEGER NOT NULL DEFAULT 0,
  ticket_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  sent_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox(priority, next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_next ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_status ON outbox(status, id);
CREATE INDEX outbox_message ON outbox(message_id);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
)sql",
};

Status SqlError(sqlite3* db, const std::string& what) {
  int code = sqlite3_errcode(db);
  std::string msg = what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR || code == SQLITE_FULL)
    return Status::Unavailable(msg);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return Status::DataLoss(msg);
  return Status::Internal(msg);
}

}  // namespace

// A connection and its prepared statements. Used by one thread at a time (the store's mutexes).
struct SqliteConn {
  sqlite3* db = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> cache;  // keyed by the SQL text's address

  ~SqliteConn() {
    for (auto& [_, s] : cache) sqlite3_finalize(s);
    if (db) sqlite3_close(db);
  }
};

namespace {

// A statement prepared once per connection and reset after each use.
class Stmt {
 public:
  Stmt(SqliteConn& conn, const char* sql) : db_(conn.db) {
    auto it = conn.cache.find(sql);
    if (it != conn.cache.end()) {
      stmt_ = it->second;
    } else if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) == SQLITE_OK) {
      conn.cache[sql] = stmt_;
    } else {
      prepare_error_ = SqlError(db_, "prepare");
      stmt_ = nullptr;
    }
  }
  ~Stmt() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v) {
    if (stmt_) sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, bool v) { return Bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& Bind(int i, const std::string& v) {
    if (stmt_) sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }

  // true: a row is ready; false: done.
  StatusOr<bool> Step() {
    if (!stmt_) return prepare_error_;
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqlError(db_, "step");
  }
  Status Run() {
    auto r = Step();
    return r.ok() ? Status::Ok() : r.status();
  }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  nlohmann::json Json(int col) const {
    return nlohmann::json::parse(Text(col), nullptr, /*allow_exceptions=*/false);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status prepare_error_;
};

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Internal(std::string("sql: ") + msg);
  }
  return Status::Ok();
}

// BEGIN IMMEDIATE ... COMMIT, rolled back unless Commit() succeeded.
class Txn {
 public:
  explicit Txn(sqlite3* db) : db_(db) { begin_ = Exec(db_, "BEGIN IMMEDIATE"); }
  ~Txn() {
    if (begin_.ok() && !done_) (void)Exec(db_, "ROLLBACK");
  }
  const Status& began() const { return begin_; }
  Status Commit() {
    done_ = true;
    Status s = Exec(db_, "COMMIT");
    if (!s.ok()) (void)Exec(db_, "ROLLBACK");
    return s;
  }

 private:
  sqlite3* db_;
  Status begin_;
  bool done_ = false;
};

StatusOr<std::unique_ptr<SqliteConn>> OpenConnection(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Unavailable("cannot open " + path.string() + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  auto conn = std::make_unique<SqliteConn>();
  conn->db = db;
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    Status s = Exec(db, pragma);
    if (!s.ok()) return Status::Unavailable(path.string() + ": " + s.message());
  }
  return conn;
}

const char* kOutboxColumns =
    "id, idempotency_key, channel, kind, priority, audience, group_id, user_id, rate_key, payload, message_id, "
    "ticket_id, status, attempts, next_attempt_at, last_error, created_at, sent_at";

OutboxEntry ReadOutbox(const Stmt& s) {
  OutboxEntry e;
  e.message.id = s.Int(0);
  e.message.idempotency_key = s.Text(1);
  e.message.channel = s.Text(2);
  e.message.kind = s.Text(3);
  e.priority = static_cast<int>(s.Int(4));
  e.message.audience = s.Text(5);
  e.message.group_id = s.Text(6);
  e.message.user_id = s.Text(7);
  e.rate_key = s.Text(8);
  nlohmann::json payload = s.Json(9);
  if (payload.is_object()) {
    e.message.text = payload.value("text", "");
    e.message.mention_user_ids = payload.value("mention_user_ids", std::vector<std::string>{});
    e.message.mention_mobiles = payload.value("mention_mobiles", std::vector<std::string>{});
    if (payload.contains("reply_context")) e.message.reply_context = payload["reply_context"];
  }
  e.message_id = s.Int(10);
  e.ticket_id = s.Int(11);
  e.status = s.Text(12);
  e.attempts = static_cast<int>(s.Int(13));
  e.message.attempt = e.attempts;
  e.next_attempt_at = s.Int(14);
  e.last_error = s.Text(15);
  e.created_at = s.Int(16);
  e.sent_at = s.Int(17);
  return e;
}

const char* kTicketColumns =
    "id, message_id, channel, group_id, grid_id, sender_id, sender_name, category, intent, urgent, status, level, "
    "assignee_kind, assignee_id, assignee_name, text, entities, created_at, updated_at";

Ticket ReadTicket(const Stmt& s) {
  Ticket t;
  t.id = s.Int(0);
  t.message_id = s.Int(1);
  t.channel = s.Text(2);
  t.group_id = s.Text(3);
  t.grid_id = s.Text(4);
  t.sender_id = s.Text(5);
  t.sender_name = s.Text(6);
  t.category = s.Text(7);
  t.intent = s.Text(8);
  t.urgent = s.Int(9) != 0;
  t.status = s.Text(10);
  t.level = s.Text(11);
  t.assignee_kind = s.Text(12);
  t.assignee_id = s.Text(13);
  t.assignee_name = s.Text(14);
  t.text = s.Text(15);
  t.entities = s.Json(16);
  if (t.entities.is_discarded()) t.entities = nlohmann::json::array();
  t.created_at = s.Int(17);
  t.updated_at = s.Int(18);
  return t;
}

const char* kMessageColumns =
    "id, channel, dedup_key, platform_msg_id, chat_type, group_id, sender_id, sender_name, sender_role, text, "
    "sent_at, received_at, from_bot, attachments, reply_context, classification, state, note, ticket_id";

StoredMessage ReadMessage(const Stmt& s) {
  StoredMessage m;
  m.id = s.Int(0);
  m.message.channel = s.Text(1);
  m.message.dedup_key = s.Text(2);
  m.message.platform_msg_id = s.Text(3);
  m.message.chat_type = s.Text(4);
  m.message.group_id = s.Text(5);
  m.message.sender_id = s.Text(6);
  m.message.sender_name = s.Text(7);
  m.sender_role = s.Text(8);
  m.message.text = s.Text(9);
  m.message.sent_at = s.Int(10);
  m.received_at = s.Int(11);
  m.message.from_bot = s.Int(12) != 0;
  nlohmann::json att = s.Json(13);
  if (att.is_array()) m.message.attachments = att.get<std::vector<Attachment>>();
  nlohmann::json ctx = s.Json(14);
  if (ctx.is_object()) m.message.reply_context = ctx;
  nlohmann::json cls = s.Json(15);
  if (cls.is_object()) m.classification = cls.get<Classification>();
  m.state = s.Text(16);
  m.note = s.Text(17);
  m.ticket_id = s.Int(18);
  return m;
}

TicketEvent ReadEvent(const Stmt& s) {
  TicketEvent e;
  e.id = s.Int(0);
  e.ticket_id = s.Int(1);
  e.at = s.Int(2);
  e.actor = s.Text(3);
  e.action = s.Text(4);
  e.detail = s.Json(5);
  return e;
}

// Every row of `s`, each read by `read`.
template <typename T>
StatusOr<std::vector<T>> ReadAll(Stmt& s, T (*read)(const Stmt&)) {
  std::vector<T> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(read(s));
  }
}

// The first row of `s`, or nullopt.
template <typename T>
StatusOr<std::optional<T>> ReadFirst(Stmt& s, T (*read)(const Stmt&)) {
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<T>();
  return std::optional<T>(read(s));
}

std::string Dump(const nlohmann::json& j) {
  // Invalid UTF-8 never reaches the store (adapters and ingest repair it), but a dump must not throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int SqliteStore::SchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  auto writer = OpenConnection(path);
  if (!writer.ok()) return writer.status();
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->writer_ = std::move(*writer);
  GR_RETURN_IF_ERROR(store->Migrate());
  auto reader = OpenConnection(path);
  if (!reader.ok()) return reader.status();
  store->reader_ = std::move(*reader);
  return store;
}

SqliteStore::SqliteStore() = default;
SqliteStore::~SqliteStore() = default;

Status SqliteStore::Migrate() {
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(Exec(writer_->db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  int version = 0;
  {
    Stmt s(*writer_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    auto row = s.Step();
    if (!row.ok()) return row.status();
    version = static_cast<int>(s.Int(0));
  }
  if (version > SchemaVersion())
    return Status::FailedPrecondition("the store's schema version " + std::to_string(version) +
                                      " is newer than this binary's (" + std::to_string(SchemaVersion()) + ")");
  for (int v = version; v < SchemaVersion(); ++v) {
    Txn txn(writer_->db);
    GR_RETURN_IF_ERROR(txn.began());
    GR_RETURN_IF_ERROR(Exec(writer_->db, kMigrations[v]));
    GR_RETURN_IF_ERROR(Exec(writer_->db, "DELETE FROM schema_version"));
    std::string set = "INSERT INTO schema_version(version) VALUES (" + std::to_string(v + 1) + ")";
    GR_RETURN_IF_ERROR(Exec(writer_->db, set.c_str()));
    GR_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

Status SqliteStore::InsertOutbox(const OutboxEntry& e, int64_t now) {
  nlohmann::json payload = {{"text", e.message.text},
                            {"mention_user_ids", e.message.mention_user_ids},
                            {"mention_mobiles", e.message.mention_mobiles},
                            {"reply_context", e.message.reply_context}};
  Stmt s(*writer_,
         "INSERT OR IGNORE INTO outbox (idempotency_key, channel, kind, priority, audience, group_id, user_id, "
         "rate_key, payload, message_id, ticket_id, status, next_attempt_at, created_at) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)");
  s.Bind(1, e.message.idempotency_key).Bind(2, e.message.channel).Bind(3, e.message.kind).Bind(4, e.priority);
  s.Bind(5, e.message.audience).Bind(6, e.message.group_id).Bind(7, e.message.user_id).Bind(8, e.rate_key);
  s.Bind(9, Dump(payload)).Bind(10, e.message_id).Bind(11, e.ticket_id);
  s.Bind(12, e.next_attempt_at > 0 ? e.next_attempt_at : now).Bind(13, now);
  return s.Run();
}

StatusOr<std::vector<IngestResult>> SqliteStore::Ingest(const std::vector<IngestItem>& items, int64_t now) {
  std::lock_guard lock(write_mu_);
  std::vector<IngestResult> results;
  results.reserve(items.size());
  Txn txn(writer_->db);
  GR_RETURN_IF_ERROR(txn.began());
  for (const auto& item : items) {
    const InboundMessage& m = item.message;
    {
      Stmt find(*writer_, "SELECT message_id FROM inbound_keys WHERE channel = ? AND dedup_key = ?");
      find.Bind(1, m.channel).Bind(2, m.dedup_key);
      auto row = find.Step();
      if (!row.ok()) return row.status();
      if (*row) {
        results.push_back({find.Int(0), true});
        continue;
      }
    }
    Stmt ins(*writer_,
             "INSERT INTO messages (channel, dedup_key, platform_msg_id, chat_type, group_id, sender_id, sender_name, "
             "sender_role, text, sent_at, received_at, from_bot, attachments, reply_context, classification, "
             "category, intent, urgent, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'received')");
    ins.Bind(1, m.channel).Bind(2, m.dedup_key).Bind(3, m.platform_msg_id).Bind(4, m.chat_type);
    ins.Bind(5, m.group_id).Bind(6, m.sender_id).Bind(7, m.sender_name).Bind(8, item.sender_role);
    ins.Bind(9, m.text).Bind(10, m.sent_at).Bind(11, now).Bind(12, m.from_bot);
    ins.Bind(13, Dump(nlohmann::json(m.attachments))).Bind(14, Dump(m.reply_context));
    ins.Bind(15, Dump(nlohmann::json(item.classification))).Bind(16, item.classification.category);
    ins.Bind(17, item.classification.intent).Bind(18, item.classification.urgent);
    GR_RETURN_IF_ERROR(ins.Run());
    int64_t id = sqlite3_last_insert_rowid(writer_->db);
    Stmt key(*writer_, "INSERT INTO inbound_keys (channel, dedup_key, message_id, created_at) VALUES (?,?,?,?)");
    key.Bind(1, m.channel).Bind(2, m.dedup_key).Bind(3, id).Bind(4, now);
    GR_RETURN_IF_ERROR(key.Run());
    if (item.safety_reply) {
      OutboxEntry e = *item.safety_reply;
      e.message_id = id;
      e.message.idempotency_key = "m" + std::to_string(id) + ":" + e.message.kind;
      GR_RETURN_IF_ERROR(InsertOutbox(e, now));
    }
    results.push_back({id, false});
  }
  GR_RETURN_IF_ERROR(txn.Commit());
  return results;
}

Status SqliteStore::PurgeDedupKeys(int64_t older_than) {
  std::lock_guard lock(write_mu_);
  Stmt s(*writer_, "DELETE FROM inbound_keys WHERE created_at < ?");
  s.Bind(1, older_than);
  return s.Run();
}

StatusOr<std::vector<StoredMessage>> SqliteStore::PendingMessages(int limit) {
  std::lock_guard lock(read_mu_);
  static const std::string sql =
      std::string("SELECT ") + kMessageColumns + " FROM messages INDEXED BY messages_received WHERE state = 'received' ORDER BY id LIMIT ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, limit);
  return ReadAll<StoredMessage>(s, ReadMessage);
}

StatusOr<std::vector<bool>> SqliteStore::CompleteMessages(const std::vector<ProcessingResult>& results,
                                                          int64_t now) {
  std::lock_guard lock(write_mu_);
  Txn txn(writer_->db);
  GR_RETURN_IF_ERROR(txn.began());
  std::vector<bool> done;
  done.reserve(results.size());
  for (const auto& r : results) {
    auto one = CompleteOne(r, now);
    if (!one.ok()) return one.status();
    done.push_back(*one);
  }
  GR_RETURN_IF_ERROR(txn.Commit());
  return done;
}

StatusOr<bool> SqliteStore::CompleteOne(const ProcessingResult& r, int64_t now) {
  {
    // Claim the message first: if it is no longer `received`, someone else routed it.
    Stmt s(*writer_, "UPDATE messages SET state = ?, note = ?, processed_at = ? WHERE id = ? AND state = 'received'");
    s.Bind(1, r.state).Bind(2, r.note).Bind(3, now).Bind(4, r.message_id);
    GR_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(writer_->db) == 0) return false;  // routed already: nothing written
  }
  int64_t ticket_id = 0;
  if (r.ticket) {
    const Ticket& t = *r.ticket;
    Stmt s(*writer_,
           "INSERT INTO tickets (message_id, channel, group_id, grid_id, sender_id, sender_name, category, intent, "
           "urgent, status, level, assignee_kind, assignee_id, assignee_name, text, entities, created_at, updated_at) "
           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.Bind(1, r.message_id).Bind(2, t.channel).Bind(3, t.group_id).Bind(4, t.grid_id).Bind(5, t.sender_id);
    s.Bind(6, t.sender_name).Bind(7, t.category).Bind(8, t.intent).Bind(9, t.urgent).Bind(10, t.status);
    s.Bind(11, t.level).Bind(12, t.assignee_kind).Bind(13, t.assignee_id).Bind(14, t.assignee_name);
    s.Bind(15, t.text).Bind(16, Dump(t.entities)).Bind(17, now).Bind(18, now);
    GR_RETURN_IF_ERROR(s.Run());
    ticket_id = sqlite3_last_insert_rowid(writer_->db);
    Stmt link(*writer_, "UPDATE messages SET ticket_id = ? WHERE id = ?");
    link.Bind(1, ticket_id).Bind(2, r.message_id);
    GR_RETURN_IF_ERROR(link.Run());
  }
  for (const auto& ev : r.events) {
    Stmt s(*writer_, "INSERT INTO ticket_events (ticket_id, at, actor, action, detail) VALUES (?,?,?,?,?)");
    s.Bind(1, ticket_id).Bind(2, ev.at ? ev.at : now).Bind(3, ev.actor).Bind(4, ev.action).Bind(5, Dump(ev.detail));
    GR_RETURN_IF_ERROR(s.Run());
  }
  if (r.outbox) {
    for (OutboxEntry e : r.outbox(ticket_id)) {
      e.ticket_id = ticket_id;
      GR_RETURN_IF_ERROR(InsertOutbox(e, now));
    }
  }
  return true;
}

Status SqliteStore::Enqueue(const std::vector<OutboxEntry>& entries, int64_t now) {
  std::lock_guard lock(write_mu_);
  Txn txn(writer_->db);
  GR_RETURN_IF_ERROR(txn.began());
  for (const auto& e : entries) GR_RETURN_IF_ERROR(InsertOutbox(e, now));
  return txn.Commit();
}

StatusOr<std::vector<OutboxEntry>> SqliteStore::LeaseOutbox(int64_t now, int limit, int64_t lease_until) {
  // Leases live in memory: this store serves one process, and a crash ends every lease
  // anyway (the rows are simply due again). Leasing therefore costs no write or fsync.
  std::lock_guard lease_lock(lease_mu_);
  std::lock_guard lock(read_mu_);
  std::erase_if(leases_, [&](const auto& kv) { return kv.second <= now; });
  // Priority by priority, each an index range of due rows: thousands of rows deferred to the
  // future (a rate-limited robot, a campaign) are never scanned.
  static const char* kNextPriority =
      "SELECT MIN(priority) FROM outbox INDEXED BY outbox_due WHERE status = 'pending' AND priority > ?";
  static const std::string kDue = std::string("SELECT ") + kOutboxColumns +
                                  " FROM outbox INDEXED BY outbox_due WHERE status = 'pending' AND priority = ? "
                                  "AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?";
  std::vector<OutboxEntry> out;
  int64_t priority = INT64_MIN;
  while (static_cast<int>(out.size()) < limit) {
    {
      Stmt next(*reader_, kNextPriority);
      next.Bind(1, priority);
      auto row = next.Step();
      if (!row.ok()) return row.status();
      if (!*row || next.IsNull(0)) break;
      priority = next.Int(0);
    }
    Stmt s(*reader_, kDue.c_str());
    s.Bind(1, priority).Bind(2, now).Bind(3, static_cast<int64_t>(limit - out.size() + leases_.size()));
    while (static_cast<int>(out.size()) < limit) {
      auto row = s.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      if (leases_.count(s.Int(0))) continue;  // in flight with another sender
      out.push_back(ReadOutbox(s));
    }
  }
  for (const auto& e : out) leases_[e.message.id] = lease_until;
  return out;
}

Status SqliteStore::RecordOutcomes(const std::vector<OutboxOutcome>& outcomes, int64_t now) {
  if (outcomes.empty()) return Status::Ok();
  Status committed = RecordOutcomesLocked(outcomes, now);
  // Released only after the commit, so no sender can lease a row whose outcome is in flight.
  std::lock_guard lease_lock(lease_mu_);
  for (const auto& o : outcomes) leases_.erase(o.id);
  return committed;
}

Status SqliteStore::RecordOutcomesLocked(const std::vector<OutboxOutcome>& outcomes, int64_t now) {
  std::lock_guard lock(write_mu_);
  // Delivery bookkeeping is committed without waiting for the disk (synchronous=NORMAL: it
  // survives a process crash, not a power cut). Losing it can only make a row be sent again,
  // which delivery is built for (at-least-once, stable idempotency keys); messages and tickets
  // are always committed with synchronous=FULL.
  GR_RETURN_IF_ERROR(Exec(writer_->db, "PRAGMA synchronous=NORMAL"));
  struct RestoreFull {
    sqlite3* db;
    ~RestoreFull() { (void)Exec(db, "PRAGMA synchronous=FULL"); }
  } restore{writer_->db};
  Txn txn(writer_->db);
  GR_RETURN_IF_ERROR(txn.began());
  for (const auto& o : outcomes) {
    switch (o.kind) {
      case OutboxOutcome::Kind::kSent: {
        Stmt s(*writer_, "UPDATE outbox SET status = 'sent', attempts = ?, sent_at = ? WHERE id = ?");
        s.Bind(1, o.attempts).Bind(2, now).Bind(3, o.id);
        GR_RETURN_IF_ERROR(s.Run());
        break;
      }
      case OutboxOutcome::Kind::kRetry: {
        Stmt s(*writer_,
               "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?");
        s.Bind(1, o.attempts).Bind(2, o.next_attempt_at).Bind(3, o.error).Bind(4, o.id);
        GR_RETURN_IF_ERROR(s.Run());
        break;
      }
      case OutboxOutcome::Kind::kDead: {
        Stmt s(*writer_,
               "UPDATE outbox SET status = 'dead', attempts = ?, last_error = ?, sent_at = ? WHERE id = ?");
        s.Bind(1, o.attempts).Bind(2, o.error).Bind(3, now).Bind(4, o.id);
        GR_RETURN_IF_ERROR(s.Run());
        break;
      }
    }
  }
  return txn.Commit();
}

StatusOr<std::optional<int64_t>> SqliteStore::NextOutboxDue() {
  std::lock_guard lease_lock(lease_mu_);
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_,
         "SELECT id, next_attempt_at FROM outbox INDEXED BY outbox_next WHERE status = 'pending' "
         "ORDER BY next_attempt_at LIMIT ?");
  s.Bind(1, static_cast<int64_t>(leases_.size() + 1));
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<int64_t>();
    if (!leases_.count(s.Int(0))) return std::optional<int64_t>(s.Int(1));
  }
}

StatusOr<std::vector<Ticket>> SqliteStore::ListTickets(const TicketFilter& f) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + kTicketColumns +
                                 " FROM tickets WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR grid_id = ?2) AND "
                                 "(?3 = '' OR category = ?3) AND created_at >= ?4 AND (?5 = 0 OR id < ?5) "
                                 "ORDER BY id DESC LIMIT ?6";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, f.status).Bind(2, f.grid).Bind(3, f.category).Bind(4, f.since).Bind(5, f.before_id).Bind(6, f.limit);
  return ReadAll<Ticket>(s, ReadTicket);
}

StatusOr<std::optional<Ticket>> SqliteStore::GetTicket(int64_t id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + kTicketColumns + " FROM tickets WHERE id = ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, id);
  return ReadFirst<Ticket>(s, ReadTicket);
}

StatusOr<std::vector<TicketEvent>> SqliteStore::TicketEvents(int64_t ticket_id) {
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, "SELECT id, ticket_id, at, actor, action, detail FROM ticket_events WHERE ticket_id = ? ORDER BY id");
  s.Bind(1, ticket_id);
  return ReadAll<TicketEvent>(s, ReadEvent);
}

StatusOr<std::optional<StoredMessage>> SqliteStore::GetMessage(int64_t id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + kMessageColumns + " FROM messages WHERE id = ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, id);
  return ReadFirst<StoredMessage>(s, ReadMessage);
}

StatusOr<std::vector<OutboxEntry>> SqliteStore::ListOutbox(const OutboxFilter& f) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + kOutboxColumns +
                                 " FROM outbox WHERE (?1 = '' OR status = ?1) AND (?2 = 0 OR id < ?2) "
                                 "ORDER BY id DESC LIMIT ?3";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, f.status).Bind(2, f.before_id).Bind(3, f.limit);
  return ReadAll<OutboxEntry>(s, ReadOutbox);
}

StatusOr<std::vector<OutboxEntry>> SqliteStore::OutboxForMessage(int64_t message_id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql =
      std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE message_id = ? ORDER BY id";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, message_id);
  return ReadAll<OutboxEntry>(s, ReadOutbox);
}

StatusOr<StoreCounts> SqliteStore::Counts() {
  std::lock_guard lock(read_mu_);
  StoreCounts c;
  struct Q {
    const char* sql;
    std::map<std::string, int64_t>* out;
  } queries[] = {
      {"SELECT status, COUNT(*) FROM tickets GROUP BY status", &c.tickets_by_status},
      {"SELECT status, COUNT(*) FROM outbox GROUP BY status", &c.outbox_by_status},
      {"SELECT state, COUNT(*) FROM messages GROUP BY state", &c.messages_by_state},
  };
  for (auto& q : queries) {
    Stmt s(*reader_, q.sql);
    while (true) {
      auto row = s.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      (*q.out)[s.Text(0)] = s.Int(1);
    }
  }
  return c;
}

Status SqliteStore::CreateToken(const std::string& name, const std::string& role, const std::string& token_hash,
                                int64_t now) {
  std::lock_guard lock(write_mu_);
  Stmt s(*writer_, "INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?,?,?,?)");
  s.Bind(1, name).Bind(2, role).Bind(3, token_hash).Bind(4, now);
  auto r = s.Step();
  if (!r.ok()) {
    if (sqlite3_extended_errcode(writer_->db) == SQLITE_CONSTRAINT_UNIQUE)
      return Status::AlreadyExists("a token named '" + name + "' exists already");
    return r.status();
  }
  return Status::Ok();
}

StatusOr<std::optional<ApiToken>> SqliteStore::FindToken(const std::string& token_hash) {
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, "SELECT id, name, role, created_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL");
  s.Bind(1, token_hash);
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ApiToken>();
  return std::optional<ApiToken>(ApiToken{s.Int(0), s.Text(1), s.Text(2), s.Int(3)});
}

Status SqliteStore::Ping() {
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, "SELECT 1");
  auto row = s.Step();
  return row.ok() ? Status::Ok() : row.status();
}

}  // namespace gridrelay
