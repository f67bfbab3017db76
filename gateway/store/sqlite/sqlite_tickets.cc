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

namespace sqlite {
std::string ScopeClause(const std::optional<TicketScope>& scope, int first, std::vector<std::string>* values) {
  if (!scope) return "";
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"grid_id", &scope->grids}, {"community_id", &scope->communities}, {"street_id", &scope->streets},
      {"team_id", &scope->teams}, {"assignee_id", &scope->assignees}};
  std::string any;
  for (const auto& [column, list] : lists) {
    if (list->empty()) continue;
    if (!any.empty()) any += " OR ";
    any += InList(column, list->size(), first + static_cast<int>(values->size()));
    values->insert(values->end(), list->begin(), list->end());
  }
  return " AND (" + (any.empty() ? std::string("0") : any) + ")";  // an empty scope sees nothing
}

}  // namespace sqlite

using sqlite::ScopeClause;

StatusOr<std::vector<Ticket>> SqliteStore::ListTickets(const TicketFilter& f) {
  // Only the filters in use are written into the statement (and the scope, an OR of IN lists of
  // varying length, is built per call anyway): "(?2 = '' OR grid_id = ?2)" would keep SQLite from
  // using any index, and a grid's open appeals (the duplicate check, on every report) would cost
  // a walk through every ticket of the store.
  std::string sql = std::string("SELECT ") + sqlite::kTicketColumns + " FROM tickets WHERE 1";
  std::vector<std::string> texts;  // bound from ?1 on, then the numbers
  std::vector<int64_t> numbers;
  const auto text = [&](const char* condition_head, const std::string& v) {
    texts.push_back(v);
    sql += std::string(" AND ") + condition_head + std::to_string(texts.size());
  };
  if (f.status) text("status = ?", std::string(Name(*f.status)));
  if (!f.grid.empty()) text("grid_id = ?", f.grid);
  if (!f.category.empty()) text("category = ?", f.category);
  if (!f.assignee.empty()) text("assignee_id = ?", f.assignee);
  if (!f.team.empty()) text("team_id = ?", f.team);
  if (!f.channel.empty()) {
    text("channel = ?", f.channel);
    if (!f.sender.empty()) {
      const std::string c = std::to_string(texts.size());
      texts.push_back(f.sender);
      const std::string n = std::to_string(texts.size());
      sql += " AND (sender_id = ?" + n + " OR id IN (SELECT ticket_id FROM messages WHERE channel = ?" + c +
             " AND sender_id = ?" + n + " AND ticket_id IS NOT NULL))";
    }
  } else if (!f.sender.empty()) {
    text("sender_id = ?", f.sender);
  }
  if (f.open_only) sql += " AND status NOT IN ('resolved', 'closed', 'rejected', 'merged')";
  sql += ScopeClause(f.scope, 1, &texts);  // numbers its values after those already in `texts`
  const auto number = [&](const char* condition, int64_t v) {
    numbers.push_back(v);
    sql += std::string(" AND ") + condition + std::to_string(texts.size() + numbers.size());
  };
  if (f.since != 0) number("created_at >= ?", f.since);
  if (f.before_id != 0) number("id < ?", f.before_id);
  if (f.message_id != 0) number("message_id = ?", f.message_id);
  numbers.push_back(f.limit);
  sql += " ORDER BY id DESC LIMIT ?" + std::to_string(texts.size() + numbers.size());
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, sql.c_str());
  int i = 1;
  for (const std::string& v : texts) s.Bind(i++, v);
  for (int64_t v : numbers) s.Bind(i++, v);
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

Status SqliteStore::ReportRows(int64_t from, int64_t to, const std::optional<TicketScope>& scope,
                               const std::function<void(const ReportRow&)>& visit) {
  // Served by tickets_created; the scope is an OR of IN lists, as in ListTickets.
  std::string sql =
      "SELECT id, status, grid_id, community_id, team_id, intent, satisfaction, created_at, accepted_at, "
      "resolved_at, closed_at, response_due_at, resolve_due_at, merged_into, level, urgent, category, "
      "first_contact_at FROM tickets "
      "WHERE created_at >= ?1 AND created_at < ?2";
  std::vector<std::string> scope_values;
  sql += ScopeClause(scope, 3, &scope_values);
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, from).Bind(2, to);
  int i = 3;
  for (const std::string& v : scope_values) s.Bind(i++, v);
  ReportRow r;
  while (true) {
    auto more = s.Step();
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    r.id = s.Int(0);
    const auto status = ParseTicketStatus(s.TextView(1));
    if (!status) return Status::Internal("ticket " + std::to_string(r.id) + " has an unknown status");
    r.status = *status;
    r.grid_id = s.TextView(2);
    r.community_id = s.TextView(3);
    r.team_id = s.TextView(4);
    r.intent = s.TextView(5);
    r.satisfaction = s.TextView(6);
    r.created_at = s.Int(7);
    r.accepted_at = s.Int(8);
    r.resolved_at = s.Int(9);
    r.closed_at = s.Int(10);
    r.response_due_at = s.Int(11);
    r.resolve_due_at = s.Int(12);
    r.merged_into = s.Int(13);
    r.level = s.TextView(14);
    r.visit = s.Int(15) != 0 && s.TextView(16) == "anti_fraud";
    r.first_contact_at = s.Int(17);
    visit(r);
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

StatusOr<std::vector<LabelledCorrection>> SqliteStore::ListCorrections(int64_t since, int64_t after_id, int limit) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kLabelledCorrectionColumns +
                                 " FROM corrections c LEFT JOIN messages m ON m.id = c.message_id "
                                 "WHERE c.at >= ? AND c.id > ? ORDER BY c.id LIMIT ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, since).Bind(2, after_id).Bind(3, limit);
  return sqlite::ReadAll<LabelledCorrection>(s, sqlite::ReadLabelledCorrection);
}

StatusOr<std::vector<StoredMessage>> SqliteStore::TicketMessages(int64_t ticket_id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql =
      // Residents' reports only: a staff command is linked to the ticket it acted on as well, for
      // the audit trail, but it reports nothing (and its sender is no reporter).
      std::string("SELECT ") + sqlite::kMessageColumns +
      " FROM messages WHERE ticket_id = ? AND sender_role = 'resident' ORDER BY id";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, ticket_id);
  return sqlite::ReadAll<StoredMessage>(s, sqlite::ReadMessage);
}

StatusOr<bool> SqliteStore::ReportedBy(int64_t ticket_id, const std::string& channel, const std::string& sender_id) {
  std::lock_guard lock(read_mu_);
  // Her messages through messages_sender (a resident's own few), not the ticket's many.
  Stmt s(*reader_,
         "SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1 AND channel = ?2 AND sender_id = ?3) OR "
         "EXISTS (SELECT 1 FROM messages WHERE channel = ?2 AND sender_id = ?3 AND ticket_id = ?1 AND "
         "sender_role = 'resident')");
  s.Bind(1, ticket_id).Bind(2, channel).Bind(3, sender_id);
  auto row = s.Step();
  if (!row.ok()) return row.status();
  return *row && s.Int(0) != 0;
}

}  // namespace gridrelay
