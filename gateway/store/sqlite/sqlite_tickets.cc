// SqliteStore: ticket ids and ticket reads.
#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"
#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

using sqlite::Stmt;
using sqlite::Txn;

StatusOr<int64_t> SqliteStore::ReserveTicketIds(int count) {
  if (count < 1) return Status::InvalidArgument("reserve at least one ticket id");
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(EnsureDurable());
  int64_t first = 0;
  auto write = [&]() -> Status {
    Txn txn(writer_->db);
    GR_RETURN_IF_ERROR(txn.began());
    Stmt s(*writer_, "UPDATE id_sequences SET next = next + ? WHERE name = 'tickets' RETURNING next");
    s.Bind(1, count);
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Internal("the tickets sequence is missing");
    first = s.Int(0) - count;
    GR_RETURN_IF_ERROR(s.Run());  // finishes the statement before the commit
    return txn.Commit();
  };
  GR_RETURN_IF_ERROR(NoteWrite(write()));
  return first;
}

StatusOr<std::vector<Ticket>> SqliteStore::ListTickets(const TicketFilter& f) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kTicketColumns +
                                 " FROM tickets WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR grid_id = ?2) AND "
                                 "(?3 = '' OR category = ?3) AND created_at >= ?4 AND (?5 = 0 OR id < ?5) "
                                 "ORDER BY id DESC LIMIT ?6";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, f.status).Bind(2, f.grid).Bind(3, f.category).Bind(4, f.since).Bind(5, f.before_id).Bind(6, f.limit);
  return sqlite::ReadAll<Ticket>(s, sqlite::ReadTicket);
}

StatusOr<std::optional<Ticket>> SqliteStore::GetTicket(int64_t id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kTicketColumns + " FROM tickets WHERE id = ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, id);
  return sqlite::ReadFirst<Ticket>(s, sqlite::ReadTicket);
}

StatusOr<std::vector<TicketEvent>> SqliteStore::TicketEvents(int64_t ticket_id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql =
      std::string("SELECT ") + sqlite::kEventColumns + " FROM ticket_events WHERE ticket_id = ? ORDER BY id";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, ticket_id);
  return sqlite::ReadAll<TicketEvent>(s, sqlite::ReadEvent);
}

}  // namespace gridrelay
