// SqliteStore: Apply, the one write path for change sets. A batch is one transaction (one
// fsync); each change set runs in its own savepoint, so a failed precondition rolls back that
// change set alone.
#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"
#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

using sqlite::Dump;
using sqlite::Stmt;
using sqlite::Txn;

StatusOr<std::vector<bool>> SqliteStore::Apply(const std::vector<ChangeSet>& changes, int64_t now) {
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(EnsureDurable());
  std::vector<bool> applied;
  applied.reserve(changes.size());
  auto write = [&]() -> Status {
    Txn txn(writer_->db);
    GR_RETURN_IF_ERROR(txn.began());
    for (const ChangeSet& c : changes) {
      sqlite::Savepoint sp(writer_->db);
      GR_RETURN_IF_ERROR(sp.began());
      Status s = ApplyOne(c, now);
      if (s.code() == StatusCode::kAborted) {
        GR_RETURN_IF_ERROR(sp.Rollback());
        applied.push_back(false);
        continue;
      }
      GR_RETURN_IF_ERROR(s);
      applied.push_back(true);
    }
    return txn.Commit();
  };
  GR_RETURN_IF_ERROR(NoteWrite(write()));
  return applied;
}

Status SqliteStore::ApplyOne(const ChangeSet& c, int64_t now) {
  sqlite3* db = writer_->db;
  // Preconditions first, each claiming what it checks, so that nothing is written for a change
  // set that loses its race.
  for (const MessageUpdate& u : c.messages) {
    Stmt s(*writer_,
           "UPDATE messages SET state = ?, note = ?, processed_at = ?, ticket_id = COALESCE(NULLIF(?, 0), ticket_id) "
           "WHERE id = ? AND state = ?");
    s.Bind(1, Name(u.state)).Bind(2, u.note).Bind(3, now).Bind(4, u.ticket_id).Bind(5, u.message_id);
    s.Bind(6, Name(u.expected));
    GR_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db) == 0)
      return Status::Aborted("message " + std::to_string(u.message_id) + " is no longer " + std::string(Name(u.expected)));
  }
  for (int64_t id : c.fired_timers) {
    Stmt s(*writer_, "DELETE FROM timers WHERE id = ?");
    s.Bind(1, id);
    GR_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db) == 0) return Status::Aborted("timer " + std::to_string(id) + " fired already");
  }
  for (const TicketUpdate& u : c.ticket_updates) {
    const Ticket& t = u.ticket;
    Stmt s(*writer_,
           "UPDATE tickets SET grid_id = ?, category = ?, intent = ?, urgent = ?, status = ?, level = ?, "
           "assignee_kind = ?, assignee_id = ?, assignee_name = ?, entities = ?, updated_at = ?, version = version + 1 "
           "WHERE id = ? AND version = ?");
    s.Bind(1, t.grid_id).Bind(2, t.category).Bind(3, t.intent).Bind(4, t.urgent).Bind(5, t.status).Bind(6, t.level);
    s.Bind(7, t.assignee_kind).Bind(8, t.assignee_id).Bind(9, t.assignee_name).Bind(10, Dump(t.entities));
    s.Bind(11, now).Bind(12, t.id).Bind(13, u.expected_version);
    GR_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db) == 0)
      return Status::Aborted("ticket " + std::to_string(t.id) + " changed since version " +
                             std::to_string(u.expected_version));
  }
  for (const Ticket& t : c.new_tickets) {
    if (t.id <= 0) return Status::InvalidArgument("a new ticket needs an id from ReserveTicketIds");
    Stmt s(*writer_,
           "INSERT INTO tickets (id, message_id, channel, group_id, grid_id, sender_id, sender_name, category, "
           "intent, urgent, status, level, assignee_kind, assignee_id, assignee_name, text, entities, created_at, "
           "updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)");
    s.Bind(1, t.id).Bind(2, t.message_id).Bind(3, t.channel).Bind(4, t.group_id).Bind(5, t.grid_id);
    s.Bind(6, t.sender_id).Bind(7, t.sender_name).Bind(8, t.category).Bind(9, t.intent).Bind(10, t.urgent);
    s.Bind(11, t.status).Bind(12, t.level).Bind(13, t.assignee_kind).Bind(14, t.assignee_id);
    s.Bind(15, t.assignee_name).Bind(16, t.text).Bind(17, Dump(t.entities)).Bind(18, now).Bind(19, now);
    GR_RETURN_IF_ERROR(s.Run());
  }
  for (const TicketEvent& ev : c.events) {
    Stmt s(*writer_, "INSERT INTO ticket_events (ticket_id, at, actor, action, detail) VALUES (?,?,?,?,?)");
    s.Bind(1, ev.ticket_id).Bind(2, ev.at ? ev.at : now).Bind(3, ev.actor).Bind(4, ev.action).Bind(5, Dump(ev.detail));
    GR_RETURN_IF_ERROR(s.Run());
  }
  for (const OutboxEntry& e : c.outbox) GR_RETURN_IF_ERROR(InsertOutbox(e, now));
  for (const std::string& key : c.cancel_timers) {
    Stmt s(*writer_, "DELETE FROM timers WHERE key = ?");
    s.Bind(1, key);
    GR_RETURN_IF_ERROR(s.Run());
  }
  for (const Timer& t : c.schedule_timers) {
    Stmt s(*writer_,
           "INSERT INTO timers (key, kind, ticket_id, due_at, payload, lease_until, created_at) "
           "VALUES (?,?,?,?,?,0,?) ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, "
           "ticket_id = excluded.ticket_id, due_at = excluded.due_at, payload = excluded.payload, lease_until = 0");
    s.Bind(1, t.key).Bind(2, t.kind).Bind(3, t.ticket_id).Bind(4, t.due_at).Bind(5, Dump(t.payload)).Bind(6, now);
    GR_RETURN_IF_ERROR(s.Run());
  }
  return Status::Ok();
}

}  // namespace gridrelay
