// SqliteStore: campaigns. A campaign and its outbox rows are written by Apply in one change set;
// a state change moves its rows in the same savepoint (held rows are invisible to leasing, which
// only takes 'pending' ones, so a pause stops delivery without the dispatcher knowing campaigns).
#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"
#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

using sqlite::Dump;
using sqlite::Stmt;
using sqlite::Txn;

StatusOr<int64_t> SqliteStore::ReserveCampaignId() {
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(EnsureDurable());
  int64_t id = 0;
  auto write = [&]() -> Status {
    Txn txn(writer_->db);
    GR_RETURN_IF_ERROR(txn.began());
    Stmt s(*writer_, "UPDATE id_sequences SET next = next + 1 WHERE name = 'campaigns' RETURNING next");
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Internal("the campaigns sequence is missing");
    id = s.Int(0) - 1;
    GR_RETURN_IF_ERROR(s.Run());  // finishes the statement before the commit
    return txn.Commit();
  };
  GR_RETURN_IF_ERROR(NoteWrite(write()));
  return id;
}

Status SqliteStore::InsertCampaign(const Campaign& c, int64_t now) {
  Stmt s(*writer_,
         "INSERT INTO campaigns (id, client_key, request_digest, title, content, targets, state, created_by, created_at, "
         "updated_at, start_at, expected_finish_at, target_count, skipped, plan) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.Bind(1, c.id).Bind(2, c.client_key).Bind(3, c.request_digest).Bind(4, c.title).Bind(5, c.content);
  s.Bind(6, Dump(c.targets)).Bind(7, Name(c.state)).Bind(8, c.created_by).Bind(9, c.created_at ? c.created_at : now);
  s.Bind(10, now).Bind(11, c.start_at > 0 ? c.start_at : now).Bind(12, c.expected_finish_at).Bind(13, c.target_count);
  s.Bind(14, Dump(c.skipped)).Bind(15, Dump(c.plan));
  return s.Run();
}

Status SqliteStore::UpdateCampaign(const CampaignUpdate& u, int64_t now) {
  if (u.expected.empty()) return Status::InvalidArgument("a campaign update names the states it expects");
  // The expected states as a JSON list, so that one statement text serves every combination.
  nlohmann::json expected = nlohmann::json::array();
  for (CampaignState st : u.expected) expected.push_back(std::string(Name(st)));
  {
    Stmt s(*writer_,
           "UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ? "
           "AND state IN (SELECT value FROM json_each(?))");
    s.Bind(1, Name(u.state)).Bind(2, now).Bind(3, u.id).Bind(4, expected.dump());
    GR_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(writer_->db) == 0)
      return Status::Aborted("campaign " + std::to_string(u.id) + " is missing or not " + expected.dump());
  }
  switch (u.state) {
    case CampaignState::kPaused: {
      Stmt s(*writer_, "UPDATE outbox SET status = 'held' WHERE campaign_id = ? AND status = 'pending'");
      s.Bind(1, u.id);
      return s.Run();
    }
    case CampaignState::kRunning: {
      Stmt s(*writer_,
             "UPDATE outbox SET status = 'pending', next_attempt_at = MAX(next_attempt_at, ?) "
             "WHERE campaign_id = ? AND status = 'held'");
      s.Bind(1, u.resume_at > 0 ? u.resume_at : now).Bind(2, u.id);
      return s.Run();
    }
    case CampaignState::kCancelled: {
      Stmt s(*writer_,
             "UPDATE outbox SET status = 'cancelled', last_error = 'campaign cancelled', sent_at = ? "
             "WHERE campaign_id = ? AND status IN ('pending', 'held')");
      s.Bind(1, now).Bind(2, u.id);
      return s.Run();
    }
  }
  return Status::Ok();
}

StatusOr<std::optional<Campaign>> SqliteStore::GetCampaign(int64_t id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kCampaignColumns + " FROM campaigns WHERE id = ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, id);
  return sqlite::ReadFirst<Campaign>(s, sqlite::ReadCampaign);
}

StatusOr<std::optional<Campaign>> SqliteStore::FindCampaignByClientKey(const std::string& client_key) {
  if (client_key.empty()) return std::optional<Campaign>();
  std::lock_guard lock(read_mu_);
  static const std::string sql =
      std::string("SELECT ") + sqlite::kCampaignColumns + " FROM campaigns WHERE client_key = ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, client_key);
  return sqlite::ReadFirst<Campaign>(s, sqlite::ReadCampaign);
}

StatusOr<std::vector<Campaign>> SqliteStore::ListCampaigns(int64_t before_id, int limit) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kCampaignColumns +
                                 " FROM campaigns WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, before_id).Bind(2, limit);
  return sqlite::ReadAll<Campaign>(s, sqlite::ReadCampaign);
}

StatusOr<CampaignCounts> SqliteStore::CountCampaignRows(int64_t id) {
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_, "SELECT status, COUNT(*) FROM outbox WHERE campaign_id = ? GROUP BY status");
  s.Bind(1, id);
  CampaignCounts c;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const auto status = ParseOutboxStatus(s.Text(0));
    if (!status) return Status::DataLoss("campaign " + std::to_string(id) + ": unknown outbox status '" + s.Text(0) + "'");
    const int64_t n = s.Int(1);
    switch (*status) {
      case OutboxStatus::kPending: c.pending = n; break;
      case OutboxStatus::kHeld: c.held = n; break;
      case OutboxStatus::kSent: c.sent = n; break;
      case OutboxStatus::kDead: c.dead = n; break;
      case OutboxStatus::kCancelled: c.cancelled = n; break;
      case OutboxStatus::kBatched:  // the reply budget's statuses: never a campaign row's
      case OutboxStatus::kMerged: break;
    }
  }
  return c;
}

StatusOr<std::vector<CampaignDelivery>> SqliteStore::CampaignDeliveries(int64_t id) {
  std::lock_guard lock(read_mu_);
  Stmt s(*reader_,
         "SELECT id, channel, group_id, status, attempts, last_error, next_attempt_at, sent_at FROM outbox "
         "WHERE campaign_id = ? ORDER BY id");
  s.Bind(1, id);
  std::vector<CampaignDelivery> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    CampaignDelivery d;
    d.outbox_id = s.Int(0);
    d.channel = s.Text(1);
    d.group_id = s.Text(2);
    const auto status = ParseOutboxStatus(s.Text(3));
    if (!status) return Status::DataLoss("outbox row " + std::to_string(d.outbox_id) + ": unknown status '" + s.Text(3) + "'");
    d.status = *status;
    d.attempts = static_cast<int>(s.Int(4));
    d.last_error = s.Text(5);
    d.next_attempt_at = s.Int(6);
    d.sent_at = s.Int(7);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace gridrelay
