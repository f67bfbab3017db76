// SqliteStore: Apply, the one write path for change sets. A batch is one transaction (one
// fsync); each change set runs in its own savepoint, so a failed precondition rolls back that
// change set alone.
#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"
#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

namespace {

// The columns a ticket update may change, in the order BindTicketState binds them: inserts and
// updates share the list and the binder, so a new column cannot be inserted but never updated
// (the conformance suite round-trips every field through both).
const char* const kTicketStateColumns =
    "grid_id, community_id, street_id, category, intent, urgent, status, level, supervised, assignee_kind, "
    "assignee_id, assignee_name, team_id, bounces, reason, satisfaction, entities, accepted_at, resolved_at, "
    "closed_at, response_due_at, resolve_due_at, merged_into, reporters, visit_outcome, first_contact_at";

// "a, b" -> each column rewritten by `f`, joined by ", ".
std::string MapColumns(std::string_view columns, std::string (*f)(std::string_view)) {
  std::string out;
  size_t pos = 0;
  while (pos < columns.size()) {
    size_t comma = columns.find(',', pos);
    if (comma == std::string_view::npos) comma = columns.size();
    std::string_view name = columns.substr(pos, comma - pos);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out += f(name);
    pos = comma + 1;
  }
  return out;
}
const std::string kTicketStateAssignments =
    MapColumns(kTicketStateColumns, [](std::string_view c) { return std::string(c) + " = ?"; });
const std::string kTicketStatePlaceholders =
    MapColumns(kTicketStateColumns, [](std::string_view) { return std::string("?"); });

// Binds the state columns from `first` in the order above; returns the next index.
int BindTicketState(sqlite::Stmt& s, int first, const Ticket& t) {
  int i = first;
  auto bind = [&](const auto& v) { s.Bind(i++, v); };
  bind(t.grid_id), bind(t.community_id), bind(t.street_id), bind(t.category), bind(t.intent), bind(t.urgent);
  bind(Name(t.status)), bind(t.level), bind(t.supervised), bind(t.assignee_kind), bind(t.assignee_id);
  bind(t.assignee_name), bind(t.team_id), bind(t.bounces), bind(t.reason), bind(t.satisfaction);
  bind(sqlite::Dump(t.entities)), bind(t.accepted_at), bind(t.resolved_at), bind(t.closed_at);
  bind(t.response_due_at), bind(t.resolve_due_at), bind(t.merged_into), bind(t.reporters);
  bind(t.visit_outcome), bind(t.first_contact_at);
  return i;
}

}  // namespace

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
    static const std::string sql = std::string("UPDATE tickets SET ") + kTicketStateAssignments +
                                   ", updated_at = ?, version = version + 1 WHERE id = ? AND version = ?";
    Stmt s(*writer_, sql.c_str());
    const int next = BindTicketState(s, 1, t);
    s.Bind(next, now).Bind(next + 1, t.id).Bind(next + 2, u.expected_version);
    GR_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db) == 0)
      return Status::Aborted("ticket " + std::to_string(t.id) + " changed since version " +
                             std::to_string(u.expected_version));
  }
  for (const Campaign& k : c.new_campaigns) {
    if (k.id <= 0) return Status::InvalidArgument("a new campaign needs an id from ReserveCampaignId");
    if (!k.client_key.empty()) {
      Stmt s(*writer_, "SELECT id FROM campaigns WHERE client_key = ?");
      s.Bind(1, k.client_key);
      auto row = s.Step();
      if (!row.ok()) return row.status();
      if (*row) return Status::Aborted("client key '" + k.client_key + "' already made campaign " + std::to_string(s.Int(0)));
    }
  }
  for (const FalseAlarm& a : c.false_alarms) {
    Stmt s(*writer_,
           "UPDATE warnings SET false_alarm_by = ?, false_alarm_at = ?, false_alarm_reason = ? "
           "WHERE id = ? AND false_alarm_at = 0");
    s.Bind(1, a.by).Bind(2, now).Bind(3, a.reason).Bind(4, a.warning_id);
    GR_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db) == 0)
      return Status::Aborted("warning " + std::to_string(a.warning_id) + " is gone or marked a false alarm already");
  }
  for (const BudgetFlush& f : c.budget_flushes) GR_RETURN_IF_ERROR(FlushBudget(f, now));
  for (const CampaignUpdate& u : c.campaign_updates) GR_RETURN_IF_ERROR(UpdateCampaign(u, now));
  for (const Campaign& k : c.new_campaigns) GR_RETURN_IF_ERROR(InsertCampaign(k, now));
  for (const Ticket& t : c.new_tickets) {
    if (t.id <= 0) return Status::InvalidArgument("a new ticket needs an id from ReserveTicketIds");
    static const std::string sql =
        std::string("INSERT INTO tickets (") + kTicketStateColumns +
        ", id, message_id, channel, group_id, sender_id, sender_name, text, created_at, updated_at, version) "
        "VALUES (" + kTicketStatePlaceholders + ", ?,?,?,?,?,?,?,?,?,1)";
    Stmt s(*writer_, sql.c_str());
    const int next = BindTicketState(s, 1, t);
    s.Bind(next, t.id).Bind(next + 1, t.message_id).Bind(next + 2, t.channel).Bind(next + 3, t.group_id);
    s.Bind(next + 4, t.sender_id).Bind(next + 5, t.sender_name).Bind(next + 6, t.text);
    s.Bind(next + 7, t.created_at ? t.created_at : now).Bind(next + 8, now);
    GR_RETURN_IF_ERROR(s.Run());
  }
  for (const TicketEvent& ev : c.events) {
    Stmt s(*writer_, "INSERT INTO ticket_events (ticket_id, at, actor, action, detail) VALUES (?,?,?,?,?)");
    s.Bind(1, ev.ticket_id).Bind(2, ev.at ? ev.at : now).Bind(3, ev.actor).Bind(4, ev.action).Bind(5, Dump(ev.detail));
    GR_RETURN_IF_ERROR(s.Run());
  }
  for (const OutboxEntry& e : c.outbox) GR_RETURN_IF_ERROR(InsertOutbox(e, now));
  for (const Correction& k : c.corrections) {
    Stmt s(*writer_,
           "INSERT INTO corrections (message_id, ticket_id, kind, actor, guess_category, guess_intent, category, intent, at) "
           "VALUES (?,?,?,?,?,?,?,?,?)");
    s.Bind(1, k.message_id).Bind(2, k.ticket_id).Bind(3, k.kind).Bind(4, k.actor).Bind(5, k.guess_category);
    s.Bind(6, k.guess_intent).Bind(7, k.category).Bind(8, k.intent).Bind(9, k.at ? k.at : now);
    GR_RETURN_IF_ERROR(s.Run());
  }
  for (const Warning& w : c.new_warnings) {
    Stmt s(*writer_,
           "INSERT INTO warnings (message_id, ticket_id, channel, group_id, sender_id, intent, template_key, mode, "
           "rules, outbox_key, text, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(message_id) DO NOTHING");
    s.Bind(1, w.message_id).Bind(2, w.ticket_id).Bind(3, w.channel).Bind(4, w.group_id).Bind(5, w.sender_id);
    s.Bind(6, w.intent).Bind(7, w.template_key).Bind(8, w.mode).Bind(9, Dump(w.rules)).Bind(10, w.outbox_key);
    s.Bind(11, w.text).Bind(12, w.created_at ? w.created_at : now);
    GR_RETURN_IF_ERROR(s.Run());
  }
  // After the inserts: a repeat may count on a warning planned earlier in the same batch.
  for (const WarningRepeat& r : c.warning_repeats) {
    Stmt s(*writer_, "UPDATE warnings SET repeats = repeats + 1, last_repeat_at = ? WHERE message_id = ?");
    s.Bind(1, now).Bind(2, r.warned_message);
    GR_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db) == 0)
      return Status::Aborted("message " + std::to_string(r.warned_message) + " caused no warning to count a repeat on");
  }
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
  for (const Timer& t : c.ensure_timers) {
    Stmt s(*writer_,
           "INSERT INTO timers (key, kind, ticket_id, due_at, payload, lease_until, created_at) "
           "VALUES (?,?,?,?,?,0,?) ON CONFLICT(key) DO NOTHING");
    s.Bind(1, t.key).Bind(2, t.kind).Bind(3, t.ticket_id).Bind(4, t.due_at).Bind(5, Dump(t.payload)).Bind(6, now);
    GR_RETURN_IF_ERROR(s.Run());
  }
  return Status::Ok();
}

}  // namespace gridrelay
