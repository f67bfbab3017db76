// SqliteStore: persisted timers. Leases are written to the table (lease_until), so a timer is
// handed to one worker at a time even across processes; it fires once because the change set
// that acts on it deletes it (ChangeSet::fired_timers), in the same transaction as its effects.
#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"
#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

using sqlite::Stmt;
using sqlite::Txn;

StatusOr<std::vector<Timer>> SqliteStore::LeaseDueTimers(int64_t now, int limit, int64_t lease_until) {
  std::lock_guard lock(write_mu_);
  std::vector<Timer> out;
  auto write = [&]() -> Status {
    Txn txn(writer_->db);
    GR_RETURN_IF_ERROR(txn.began());
    {
      static const std::string sql = std::string("SELECT ") + sqlite::kTimerColumns +
                                     " FROM timers WHERE due_at <= ? AND lease_until <= ? ORDER BY due_at, id LIMIT ?";
      Stmt s(*writer_, sql.c_str());
      s.Bind(1, now).Bind(2, now).Bind(3, limit);
      auto rows = sqlite::ReadAll<Timer>(s, sqlite::ReadTimer);
      if (!rows.ok()) return rows.status();
      out = std::move(*rows);
    }
    for (const Timer& t : out) {
      Stmt s(*writer_, "UPDATE timers SET lease_until = ? WHERE id = ?");
      s.Bind(1, lease_until).Bind(2, t.id);
      GR_RETURN_IF_ERROR(s.Run());
    }
    return txn.Commit();
  };
  GR_RETURN_IF_ERROR(write());
  return out;
}

StatusOr<std::optional<int64_t>> SqliteStore::NextTimerDue(int64_t now) {
  std::lock_guard lock(read_mu_);
  // A leased timer is due again when its lease ends, if it has not fired by then.
  Stmt s(*reader_, "SELECT MIN(MAX(due_at, CASE WHEN lease_until > ? THEN lease_until ELSE 0 END)) FROM timers");
  s.Bind(1, now);
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row || s.IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(s.Int(0));
}

StatusOr<std::vector<Timer>> SqliteStore::TimersForTicket(int64_t ticket_id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql =
      std::string("SELECT ") + sqlite::kTimerColumns + " FROM timers WHERE ticket_id = ? ORDER BY due_at, id";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, ticket_id);
  return sqlite::ReadAll<Timer>(s, sqlite::ReadTimer);
}

}  // namespace gridrelay
