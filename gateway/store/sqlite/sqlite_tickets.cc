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

namespace {

// "col IN (?7,?8,?9)" for `n` values (n >= 1) bound from parameter `first` on. Numbered, because
// SQLite gives a bare "?" the number after the largest one seen so far in the text, so bare
// ones after "?8" and before a later "?9" would alias it.
std::string InList(const char* column, size_t n, int first) {
  std::string s = std::string(column) + " IN (";
  for (size_t i = 0; i < n; ++i) s += (i ? ",?" : "?") + std::to_string(first + static_cast<int>(i));
  return s + ")";
}

}  // namespace

StatusOr<std::vector<Ticket>> SqliteStore::ListTickets(const TicketFilter& f) {
  // The scope is an OR of IN lists whose lengths vary, so this statement is built per call.
  std::string sql = std::string("SELECT ") + sqlite::kTicketColumns +
                    " FROM tickets WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR grid_id = ?2) AND "
                    "(?3 = '' OR category = ?3) AND (?4 = '' OR assignee_id = ?4) AND (?5 = '' OR team_id = ?5) AND "
                    "created_at >= ?6 AND (?7 = 0 OR id < ?7) AND "
                    "(?8 = 0 OR status NOT IN ('resolved', 'closed', 'rejected', 'merged')) AND "
                    "(?10 = '' OR channel = ?10) AND (?11 = '' OR sender_id = ?11)";
  std::vector<std::string> scope_values;
  if (f.scope) {
    const std::pair<const char*, const std::vector<std::string>*> lists[] = {
        {"grid_id", &f.scope->grids},     {"community_id", &f.scope->communities}, {"street_id", &f.scope->streets},
        {"team_id", &f.scope->teams},     {"assignee_id", &f.scope->assignees}};
    std::string any;
    for (const auto& [column, values] : lists) {
      if (values->empty()) continue;
      if (!any.empty()) any += " OR ";
      any += InList(column, values->size(), 12 + static_cast<int>(scope_values.size()));
      scope_values.insert(scope_values.end(), values->begin(), values->end());
    }
    sql += " AND (" + (any.empty() ? std::string("0") : any) + ")";  // an empty scope sees nothing
  }
  sql += " ORDER BY id DESC LIMIT ?9";
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, f.status ? std::string(Name(*f.status)) : std::string()).Bind(2, f.grid).Bind(3, f.category);
  s.Bind(4, f.assignee).Bind(5, f.team).Bind(6, f.since).Bind(7, f.before_id).Bind(8, f.open_only);
  s.Bind(9, f.limit).Bind(10, f.channel).Bind(11, f.sender);
  int i = 12;
  for (const std::string& v : scope_values) s.Bind(i++, v);
  return sqlite::ReadAll<Ticket>(s, sqlite::ReadTicket);
}

StatusOr<std::map<std::string, StaffLoad>> SqliteStore::StaffLoads(const std::vector<std::string>& staff_ids) {
  std::map<std::string, StaffLoad> out;
  if (staff_ids.empty()) return out;
  const std::string sql =
      "SELECT assignee_id, SUM(status NOT IN ('resolved', 'closed', 'rejected', 'merged')), MAX(id) FROM tickets "
      "WHERE assignee_kind = 'staff' AND " + InList("assignee_id", staff_ids.size(), 1) + " GROUP BY assignee_id";
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, sql.c_str());
  for (size_t i = 0; i < staff_ids.size(); ++i) s.Bind(static_cast<int>(i + 1), staff_ids[i]);
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out[s.Text(0)] = StaffLoad{static_cast<int>(s.Int(1)), s.Int(2)};
  }
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
