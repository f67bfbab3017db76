// SqliteStore: the outbox. Leases are held in memory (see sqlite_store.h); delivery bookkeeping
// is committed with synchronous=NORMAL, and synchronous=FULL is restored before any durable
// commit can run (EnsureDurable), so a failed restore cannot silently drop an fsync.
#include <algorithm>

#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"
#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

using sqlite::Exec;
using sqlite::Stmt;
using sqlite::Txn;

Status SqliteStore::InsertOutbox(const OutboxEntry& e, int64_t now) {
  if (e.message.idempotency_key.empty()) return Status::InvalidArgument("an outbox row needs an idempotency key");
  if (e.status != OutboxStatus::kPending && e.status != OutboxStatus::kBatched)
    return Status::InvalidArgument("an outbox row is inserted pending or batched, not " + std::string(Name(e.status)));
  Stmt s(*writer_,
         "INSERT OR IGNORE INTO outbox (idempotency_key, channel, kind, priority, audience, group_id, user_id, "
         "rate_key, payload, message_id, ticket_id, status, next_attempt_at, created_at, campaign_id) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, e.message.idempotency_key).Bind(2, e.message.channel).Bind(3, e.message.kind).Bind(4, e.priority);
  s.Bind(5, Name(e.message.audience)).Bind(6, e.message.group_id).Bind(7, e.message.user_id).Bind(8, e.rate_key);
  s.Bind(9, sqlite::OutboxPayload(e.message)).Bind(10, e.message_id).Bind(11, e.ticket_id);
  s.Bind(12, Name(e.status)).Bind(13, e.next_attempt_at > 0 ? e.next_attempt_at : now).Bind(14, now);
  s.Bind(15, e.campaign_id);
  return s.Run();
}

StatusOr<std::vector<OutboxEntry>> SqliteStore::LeaseOutbox(int64_t now, int limit, int64_t lease_until,
                                                        const LeaseFilter& filter) {
  // Leases live in memory: this engine serves one process, and a crash ends every lease anyway
  // (the rows are simply due again). Leasing therefore costs no write or fsync.
  std::lock_guard lease_lock(lease_mu_);
  std::vector<OutboxEntry> out;
  std::vector<OutboxOutcome> undecodable;  // dead-lettered below, after the read lock is released
  {
    std::lock_guard lock(read_mu_);
    std::erase_if(leases_, [&](const auto& kv) { return kv.second <= now; });
    // Priority by priority, each an index range of due rows: thousands of rows deferred to the
    // future (a rate-limited robot, a campaign) are never scanned.
    static const char* kNextPriority =
        "SELECT MIN(priority) FROM outbox INDEXED BY outbox_due WHERE status = 'pending' AND priority > ?";
    static const std::string kDue = std::string("SELECT ") + sqlite::kOutboxColumns +
                                    " FROM outbox INDEXED BY outbox_due WHERE status = 'pending' AND priority = ? "
                                    "AND next_attempt_at <= ? AND channel NOT IN (SELECT value FROM json_each(?)) "
                                    "ORDER BY next_attempt_at, id";
    const std::string skip = nlohmann::json(filter.skip_channels).dump();
    // With one_channel, rows of other channels are passed over; once a row is taken, at most
    // kMaxPassed of them, so that a long backlog of another channel costs a bounded scan.
    constexpr int kMaxPassed = 64;
    int passed = 0;
    std::string channel;  // filter.one_channel: the channel of the first row taken
    int64_t priority = INT64_MIN;
    while (static_cast<int>(out.size()) < limit && passed <= kMaxPassed) {
      {
        Stmt next(*reader_, kNextPriority);
        next.Bind(1, priority);
        auto row = next.Step();
        if (!row.ok()) return row.status();
        if (!*row || next.IsNull(0)) break;
        priority = next.Int(0);
      }
      Stmt s(*reader_, kDue.c_str());
      s.Bind(1, priority).Bind(2, now).Bind(3, skip);
      while (static_cast<int>(out.size()) < limit && passed <= kMaxPassed) {
        auto row = s.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        if (leases_.count(s.Int(0))) continue;  // in flight with another sender
        if (!channel.empty() && s.Text(2) != channel) {
          ++passed;
          continue;
        }
        auto entry = sqlite::ReadOutbox(s);
        if (!entry.ok()) {
          OutboxOutcome dead;
          dead.id = s.Int(0);
          dead.kind = OutboxOutcome::Kind::kDead;
          dead.attempts = static_cast<int>(s.Int(13));
          dead.error = "undeliverable: " + entry.status().message();
          undecodable.push_back(std::move(dead));
          continue;
        }
        if (filter.one_channel && channel.empty()) channel = entry->message.channel;
        out.push_back(std::move(*entry));
      }
    }
  }
  if (!undecodable.empty()) {
    // One bad row must not stop the outbox: it leaves the queue with its reason, visible in the
    // API, and the rows that can be sent are handed out.
    GR_RETURN_IF_ERROR(RecordOutcomesLocked(undecodable, now));
  }
  for (const auto& e : out) leases_[e.message.id] = lease_until;
  return out;
}

StatusOr<int64_t> SqliteStore::RequeueDead(const RequeueFilter& f, int64_t now) {
  if (f.empty()) return Status::InvalidArgument("a requeue needs an id, a destination or a channel");
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(EnsureDurable());
  Stmt st(*writer_,
          "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?1, retry_from = ?1, sent_at = 0 "
          "WHERE status = 'dead' AND (?2 = 0 OR id = ?2) AND (?3 = '' OR rate_key = ?3) AND (?4 = '' OR channel = ?4) "
          // A cancelled campaign's rows stay final: a requeue by channel must not revive them.
          "AND campaign_id NOT IN (SELECT id FROM campaigns WHERE state = 'cancelled')");
  st.Bind(1, now).Bind(2, f.id).Bind(3, f.destination).Bind(4, f.channel);
  GR_RETURN_IF_ERROR(st.Run());
  return static_cast<int64_t>(sqlite3_changes(writer_->db));
}

Status SqliteStore::RecordOutcomes(const std::vector<OutboxOutcome>& outcomes, int64_t now) {
  if (outcomes.empty()) return Status::Ok();
  Status committed = RecordOutcomesLocked(outcomes, now);
  // A lease ends when its outcome is recorded; an outcome that could not be recorded keeps its
  // lease until it expires, so that the row is not sent again before then.
  if (committed.ok()) {
    std::lock_guard lease_lock(lease_mu_);
    for (const auto& o : outcomes) leases_.erase(o.id);
  }
  return committed;
}

Status SqliteStore::RecordOutcomesLocked(const std::vector<OutboxOutcome>& outcomes, int64_t now) {
  std::lock_guard lock(write_mu_);
  // Delivery bookkeeping is committed without waiting for the disk (synchronous=NORMAL: it
  // survives a process crash, not a power cut). Losing it can only make a row be sent again,
  // which delivery is built for (at-least-once, stable idempotency keys). Messages, tickets
  // and change sets always commit with synchronous=FULL: EnsureDurable restores it first.
  GR_RETURN_IF_ERROR(Exec(writer_->db, "PRAGMA synchronous=NORMAL"));
  writer_durable_ = false;
  Status s = [&]() -> Status {
    Txn txn(writer_->db);
    GR_RETURN_IF_ERROR(txn.began());
    for (const auto& o : outcomes) {
      switch (o.kind) {
        case OutboxOutcome::Kind::kSent: {
          Stmt st(*writer_, "UPDATE outbox SET status = 'sent', attempts = ?, sent_at = ? WHERE id = ?");
          st.Bind(1, o.attempts).Bind(2, now).Bind(3, o.id);
          GR_RETURN_IF_ERROR(st.Run());
          break;
        }
        case OutboxOutcome::Kind::kRetry: {
          Stmt st(*writer_, "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?");
          st.Bind(1, o.attempts).Bind(2, o.next_attempt_at).Bind(3, o.error).Bind(4, o.id);
          GR_RETURN_IF_ERROR(st.Run());
          break;
        }
        case OutboxOutcome::Kind::kDead: {
          Stmt st(*writer_, "UPDATE outbox SET status = 'dead', attempts = ?, last_error = ?, sent_at = ? WHERE id = ?");
          st.Bind(1, o.attempts).Bind(2, o.error).Bind(3, now).Bind(4, o.id);
          GR_RETURN_IF_ERROR(st.Run());
          break;
        }
      }
    }
    return txn.Commit();
  }();
  (void)EnsureDurable();  // if this fails, EnsureDurable runs again before the next durable commit
  return s;
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

StatusOr<std::vector<OutboxEntry>> SqliteStore::ListOutbox(const OutboxFilter& f) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kOutboxColumns +
                                 " FROM outbox WHERE (?1 = '' OR status = ?1) AND (?2 = 0 OR id < ?2) "
                                 "ORDER BY id DESC LIMIT ?3";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, f.status ? std::string(Name(*f.status)) : std::string()).Bind(2, f.before_id).Bind(3, f.limit);
  return sqlite::ReadAll<OutboxEntry>(s, sqlite::ReadOutbox);
}

StatusOr<std::vector<OutboxEntry>> SqliteStore::OutboxForMessage(int64_t message_id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql =
      std::string("SELECT ") + sqlite::kOutboxColumns + " FROM outbox WHERE message_id = ? ORDER BY id";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, message_id);
  return sqlite::ReadAll<OutboxEntry>(s, sqlite::ReadOutbox);
}

StatusOr<std::vector<OutboxEntry>> SqliteStore::BatchedOutbox(const std::string& channel, const std::string& group_id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kOutboxColumns +
                                 " FROM outbox INDEXED BY outbox_batched WHERE status = 'batched' AND channel = ? "
                                 "AND group_id = ? ORDER BY id";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, channel).Bind(2, group_id);
  return sqlite::ReadAll<OutboxEntry>(s, sqlite::ReadOutbox);
}

Status SqliteStore::FlushBudget(const BudgetFlush& f, int64_t now) {
  // Exactly the rows the flush read: a row batched since then would be left behind otherwise.
  Stmt held(*writer_,
            "SELECT COUNT(*), COALESCE(SUM(id IN (SELECT value FROM json_each(?))), 0) FROM outbox "
            "INDEXED BY outbox_batched WHERE status = 'batched' AND channel = ? AND group_id = ?");
  held.Bind(1, nlohmann::json(f.rows).dump()).Bind(2, f.channel).Bind(3, f.group_id);
  auto row = held.Step();
  if (!row.ok()) return row.status();
  const auto expected = static_cast<int64_t>(f.rows.size());
  if (held.Int(0) != expected || held.Int(1) != expected)
    return Status::Aborted("the rows batched for " + f.channel + "/" + f.group_id + " changed since they were read");
  if (f.rows.empty()) return Status::Ok();
  if (f.release && f.rows.size() != 1) return Status::InvalidArgument("a budget release lets one row go, not several");
  Stmt s(*writer_,
         f.release ? "UPDATE outbox SET status = 'pending', next_attempt_at = ?, retry_from = ? "
                     "WHERE id IN (SELECT value FROM json_each(?))"
                   : "UPDATE outbox SET status = 'merged', sent_at = ?, retry_from = ? "
                     "WHERE id IN (SELECT value FROM json_each(?))");
  s.Bind(1, now).Bind(2, now).Bind(3, nlohmann::json(f.rows).dump());
  return s.Run();
}

}  // namespace gridrelay
