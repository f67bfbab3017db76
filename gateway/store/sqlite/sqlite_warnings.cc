// SqliteStore: warning reads. Warnings are written by Apply (sqlite_changes.cc); a scope reaches
// them through their tickets, as it reaches tickets.
#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"
#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

using sqlite::Stmt;

StatusOr<std::optional<Warning>> SqliteStore::RecentWarning(const std::string& channel, const std::string& group_id,
                                                            const std::string& template_key, int64_t since) {
  // Served by warnings_recent.
  static const std::string sql = std::string("SELECT ") + sqlite::kWarningColumns +
                                 " FROM warnings w WHERE w.channel = ? AND w.group_id = ? AND w.template_key = ? "
                                 "AND w.created_at >= ? ORDER BY w.created_at DESC, w.id DESC LIMIT 1";
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, channel).Bind(2, group_id).Bind(3, template_key).Bind(4, since);
  return sqlite::ReadFirst<Warning>(s, sqlite::ReadWarning);
}

StatusOr<std::optional<Warning>> SqliteStore::GetWarning(int64_t id) {
  static const std::string sql = std::string("SELECT ") + sqlite::kWarningColumns + " FROM warnings w WHERE w.id = ?";
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, id);
  return sqlite::ReadFirst<Warning>(s, sqlite::ReadWarning);
}

StatusOr<std::vector<Warning>> SqliteStore::ListWarnings(const WarningFilter& f) {
  // A scope is an OR of IN lists over the ticket's columns, built per call as in ListTickets.
  std::string sql = std::string("SELECT ") + sqlite::kWarningColumns +
                    " FROM warnings w LEFT JOIN tickets t ON t.id = w.ticket_id "
                    "WHERE (?1 = 0 OR w.ticket_id = ?1) AND (?2 = 0 OR w.id < ?2)";
  std::vector<std::string> scope_values;
  sql += sqlite::ScopeClause(f.scope, 4, &scope_values);
  sql += " ORDER BY w.id DESC LIMIT ?3";
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, f.ticket_id).Bind(2, f.before_id).Bind(3, f.limit);
  int i = 4;
  for (const std::string& v : scope_values) s.Bind(i++, v);
  return sqlite::ReadAll<Warning>(s, sqlite::ReadWarning);
}

}  // namespace gridrelay
