#include "gateway/store/sqlite/sqlite_store.h"

#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"

namespace gridrelay {

using sqlite::Exec;
using sqlite::Stmt;
using sqlite::Txn;

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
    // 2: ticket versions (conditional updates), ticket ids reserved before commit, timers.
    R"sql(
ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE id_sequences (
  name TEXT PRIMARY KEY,
  next INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO id_sequences (name, next) SELECT 'tickets', COALESCE(MAX(id), 0) + 1 FROM tickets;
CREATE TABLE timers (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  ticket_id INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  lease_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX timers_due ON timers(due_at);
CREATE INDEX timers_ticket ON timers(ticket_id);
)sql",
    // 3: the closed loop: who a ticket belongs to for scopes and reports, supervision, bounces,
    // the resident's answer and the loop's timestamps; token scopes.
    R"sql(
ALTER TABLE tickets ADD COLUMN community_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN street_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN supervised INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN bounces INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN satisfaction TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN accepted_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN resolved_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN closed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN response_due_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN resolve_due_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN merged_into INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tickets_assignee ON tickets(assignee_id, status);
CREATE INDEX tickets_team ON tickets(team_id, id);
CREATE INDEX tickets_created ON tickets(created_at);
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT '';
)sql",
    // 4: retries run on a time horizon from retry_from (0: created_at); a requeue restarts it.
    R"sql(
ALTER TABLE outbox ADD COLUMN retry_from INTEGER NOT NULL DEFAULT 0;
)sql",
    // 5: campaigns, whose deliveries are outbox rows tagged with their campaign; ids reserved
    // before commit, like tickets'.
    R"sql(
CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY,
  client_key TEXT NOT NULL DEFAULT '',
  request_digest TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL,
  content TEXT NOT NULL,
  targets TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL,
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  start_at INTEGER NOT NULL,
  expected_finish_at INTEGER NOT NULL DEFAULT 0,
  target_count INTEGER NOT NULL DEFAULT 0,
  skipped TEXT NOT NULL DEFAULT '[]',
  plan TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX campaigns_client_key ON campaigns(client_key) WHERE client_key != '';
ALTER TABLE outbox ADD COLUMN campaign_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_campaign ON outbox(campaign_id, status) WHERE campaign_id != 0;
INSERT INTO id_sequences (name, next) VALUES ('campaigns', 1);
)sql",
    // 6: duplicate appeals (#11): a ticket counts the residents who reported it; its messages are
    // read by ticket, and a resident's tickets include those her reports joined.
    R"sql(
ALTER TABLE tickets ADD COLUMN reporters INTEGER NOT NULL DEFAULT 1;
CREATE INDEX messages_ticket ON messages(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX messages_sender ON messages(channel, sender_id);
)sql",
    // 7: corrections of the classifier by people (#11: the confirmation queue and 改类).
    R"sql(
CREATE TABLE corrections (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL,
  ticket_id INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  guess_category TEXT NOT NULL,
  guess_intent TEXT NOT NULL,
  category TEXT NOT NULL,
  intent TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX corrections_at ON corrections(at);
)sql",
    // 8: instant anti-fraud warnings with their evidence, repeats and false alarms (#12), read
    // by group and template within the window; the visit outcome of urgent anti_fraud tickets
    // and when the resident was first contacted.
    R"sql(
CREATE TABLE warnings (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL UNIQUE,
  ticket_id INTEGER NOT NULL DEFAULT 0,
  channel TEXT NOT NULL,
  group_id TEXT NOT NULL,
  sender_id TEXT NOT NULL DEFAULT '',
  intent TEXT NOT NULL,
  template_key TEXT NOT NULL,
  mode TEXT NOT NULL,
  rules TEXT NOT NULL DEFAULT '[]',
  outbox_key TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  repeats INTEGER NOT NULL DEFAULT 0,
  last_repeat_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  false_alarm_by TEXT NOT NULL DEFAULT '',
  false_alarm_at INTEGER NOT NULL DEFAULT 0,
  false_alarm_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX warnings_recent ON warnings(channel, group_id, template_key, created_at);
CREATE INDEX warnings_ticket ON warnings(ticket_id);
ALTER TABLE tickets ADD COLUMN visit_outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN first_contact_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 9: the two reads the routing pass makes for every batch, by index alone. A report's
    // duplicate check reads its grid's open tickets of its category from the last days, without
    // walking the grid's whole history; a team's member loads (open count, last ticket) are
    // counted in the index, not by fetching every ticket the member ever had; and whether a
    // resident already reported a ticket is one seek, not a fetch of each of her messages.
    R"sql(
CREATE INDEX tickets_grid_category ON tickets(grid_id, category, created_at);
CREATE INDEX tickets_staff_load ON tickets(assignee_id, assignee_kind, status);
DROP INDEX messages_sender;
CREATE INDEX messages_sender ON messages(channel, sender_id, ticket_id);
)sql",
    // 10: the per-group reply budget (#11): a group's batched rows, read when its window ends
    // and counted by the flush that lets them go, by index alone.
    R"sql(
CREATE INDEX outbox_batched ON outbox(channel, group_id, id) WHERE status = 'batched';
)sql",
};

}  // namespace

int SqliteStore::SchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

SqliteStore::SqliteStore() = default;
SqliteStore::~SqliteStore() = default;

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  auto writer = sqlite::OpenConnection(path);
  if (!writer.ok()) return writer.status();
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->writer_ = std::move(*writer);
  GR_RETURN_IF_ERROR(store->Migrate());
  auto reader = sqlite::OpenConnection(path);
  if (!reader.ok()) return reader.status();
  store->reader_ = std::move(*reader);
  return store;
}

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

Status SqliteStore::EnsureDurable() {
  if (writer_durable_) return Status::Ok();
  Status s = fail_sync_restore_ ? Status::Unavailable("TEST_FailSyncRestore") : Exec(writer_->db, "PRAGMA synchronous=FULL");
  if (!s.ok()) return Status::Unavailable("cannot restore synchronous=FULL, refusing to commit without fsync: " + s.message());
  writer_durable_ = true;
  return Status::Ok();
}

int SqliteStore::TEST_WriterSynchronous() {
  std::lock_guard lock(write_mu_);
  Stmt s(*writer_, "PRAGMA synchronous");
  auto row = s.Step();
  return row.ok() && *row ? static_cast<int>(s.Int(0)) : -1;
}

Status SqliteStore::CreateToken(const ApiToken& token, const std::string& token_hash, int64_t now) {
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(EnsureDurable());
  Stmt s(*writer_, "INSERT INTO api_tokens (name, role, scope, token_hash, created_at) VALUES (?,?,?,?,?)");
  s.Bind(1, token.name).Bind(2, token.role).Bind(3, token.scope).Bind(4, token_hash).Bind(5, now);
  auto r = s.Step();
  if (!r.ok()) {
    if (sqlite3_extended_errcode(writer_->db) == SQLITE_CONSTRAINT_UNIQUE)
      return Status::AlreadyExists("a token named '" + token.name + "' exists already");
    return r.status();
  }
  return Status::Ok();
}

namespace {
const char* const kTokenColumns = "id, name, role, scope, created_at, COALESCE(revoked_at, 0)";
StatusOr<ApiToken> ReadToken(const Stmt& s) {
  return ApiToken{s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5)};
}
}  // namespace

StatusOr<std::optional<ApiToken>> SqliteStore::FindToken(const std::string& token_hash) {
  std::lock_guard lock(read_mu_);
  static const std::string sql =
      std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, token_hash);
  return sqlite::ReadFirst<ApiToken>(s, ReadToken);
}

StatusOr<std::vector<ApiToken>> SqliteStore::ListTokens() {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY id";
  Stmt s(*reader_, sql.c_str());
  return sqlite::ReadAll<ApiToken>(s, ReadToken);
}

Status SqliteStore::RevokeToken(const std::string& name, int64_t now) {
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(EnsureDurable());
  Stmt s(*writer_, "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL");
  s.Bind(1, now).Bind(2, name);
  GR_RETURN_IF_ERROR(NoteWrite(s.Run()));
  if (sqlite3_changes(writer_->db) == 0) return Status::NotFound("no live token is named '" + name + "'");
  return Status::Ok();
}

Status SqliteStore::Ping() {
  {
    std::lock_guard lock(read_mu_);
    Stmt s(*reader_, "SELECT 1");
    auto row = s.Step();
    if (!row.ok()) return row.status();
  }
  // Readiness means able to commit: while the last durable commit failed (a full disk), the
  // store is not ready, as every webhook gets 503.
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(EnsureDurable());
  return last_write_error_;
}

Status SqliteStore::NoteWrite(Status s) {
  if (s.ok() || s.code() == StatusCode::kAborted) {
    last_write_error_ = Status::Ok();
  } else if (s.IsTransient()) {
    last_write_error_ = s;
  }
  return s;
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

}  // namespace gridrelay
