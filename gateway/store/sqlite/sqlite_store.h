// SqliteStore: the embedded default engine, one SQLite file in WAL mode. Messages, tickets and
// everything a change set writes are committed with synchronous=FULL (on disk before the call
// returns); durability at speed comes from group commit in the caller, not from a weaker sync.
//
// One connection writes (guarded by a mutex); a second one serves reads, so that API queries
// never wait behind a commit. Outbox leases are kept in memory as an optimisation (a lease then
// costs no write): this engine serves one gateway process, and a crash ends every lease anyway.
// Timer leases are written to the table. The schema is versioned (table schema_version) and
// migrated forward on Open. The implementation is split by concern: sqlite_inbox.cc,
// sqlite_changes.cc, sqlite_tickets.cc, sqlite_outbox.cc, sqlite_timers.cc, sqlite_campaigns.cc, sqlite_warnings.cc and this file's .cc
// (open, migrations, auth, health).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "gateway/store/store.h"

namespace gridrelay {
namespace sqlite {
struct Conn;
}

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) `path` and migrates it to the current schema.
  static StatusOr<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path);
  ~SqliteStore() override;

  static int SchemaVersion();

  using ChangeStore::Apply;  // the one-change-set form
  StatusOr<std::vector<bool>> Apply(const std::vector<ChangeSet>& changes, int64_t now) override;

  StatusOr<std::vector<IngestResult>> Ingest(const std::vector<IngestItem>& items, int64_t now) override;
  Status PurgeDedupKeys(int64_t older_than) override;
  StatusOr<std::vector<StoredMessage>> PendingMessages(int limit) override;
  StatusOr<std::optional<StoredMessage>> GetMessage(int64_t id) override;

  StatusOr<int64_t> ReserveTicketIds(int count) override;
  StatusOr<std::vector<Ticket>> ListTickets(const TicketFilter& filter) override;
  StatusOr<std::optional<Ticket>> GetTicket(int64_t id) override;
  StatusOr<std::vector<TicketEvent>> TicketEvents(int64_t ticket_id) override;
  StatusOr<std::vector<StoredMessage>> TicketMessages(int64_t ticket_id) override;
  StatusOr<bool> ReportedBy(int64_t ticket_id, const std::string& channel, const std::string& sender_id) override;
  StatusOr<std::vector<LabelledCorrection>> ListCorrections(int64_t since, int64_t after_id, int limit) override;
  StatusOr<std::map<std::string, StaffLoad>> StaffLoads(const std::vector<std::string>& staff_ids) override;
  Status ReportRows(int64_t from, int64_t to, const std::optional<TicketScope>& scope,
                    const std::function<void(const ReportRow&)>& row) override;

  using OutboxStore::LeaseOutbox;
  StatusOr<std::vector<OutboxEntry>> LeaseOutbox(int64_t now, int limit, int64_t lease_until,
                                                 const LeaseFilter& filter) override;
  StatusOr<int64_t> RequeueDead(const RequeueFilter& filter, int64_t now) override;
  Status RecordOutcomes(const std::vector<OutboxOutcome>& outcomes, int64_t now) override;
  StatusOr<std::optional<int64_t>> NextOutboxDue() override;
  StatusOr<std::vector<OutboxEntry>> ListOutbox(const OutboxFilter& filter) override;
  StatusOr<std::vector<OutboxEntry>> OutboxForMessage(int64_t message_id) override;
  StatusOr<std::vector<OutboxEntry>> BatchedOutbox(const std::string& channel, const std::string& group_id) override;

  StatusOr<std::vector<Timer>> LeaseDueTimers(int64_t now, int limit, int64_t lease_until) override;
  StatusOr<std::optional<int64_t>> NextTimerDue(int64_t now) override;
  StatusOr<std::vector<Timer>> TimersForTicket(int64_t ticket_id) override;

  StatusOr<int64_t> ReserveCampaignId() override;
  StatusOr<std::optional<Campaign>> GetCampaign(int64_t id) override;
  StatusOr<std::optional<Campaign>> FindCampaignByClientKey(const std::string& client_key) override;
  StatusOr<std::vector<Campaign>> ListCampaigns(int64_t before_id, int limit) override;
  StatusOr<CampaignCounts> CountCampaignRows(int64_t id) override;
  StatusOr<std::vector<CampaignDelivery>> CampaignDeliveries(int64_t id) override;

  StatusOr<std::optional<Warning>> RecentWarning(const std::string& channel, const std::string& group_id,
                                                 const std::string& template_key, int64_t since) override;
  StatusOr<std::optional<Warning>> GetWarning(int64_t id) override;
  StatusOr<std::vector<Warning>> ListWarnings(const WarningFilter& filter) override;

  Status CreateToken(const ApiToken& token, const std::string& token_hash, int64_t now) override;
  StatusOr<std::optional<ApiToken>> FindToken(const std::string& token_hash) override;
  StatusOr<std::vector<ApiToken>> ListTokens() override;
  Status RevokeToken(const std::string& name, int64_t now) override;

  Status Ping() override;
  StatusOr<StoreCounts> Counts() override;

  // Test hooks. While set, every attempt to restore synchronous=FULL after delivery bookkeeping
  // fails, as a failing PRAGMA would: durable commits must then refuse (kUnavailable).
  void TEST_FailSyncRestore(bool fail) { fail_sync_restore_ = fail; }
  // The writer's PRAGMA synchronous (2 = FULL, 1 = NORMAL).
  int TEST_WriterSynchronous();

 private:
  SqliteStore();
  Status Migrate();
  // REQUIRES: write_mu_ held. Makes sure the writer commits with synchronous=FULL; kUnavailable
  // (and nothing committed) when it cannot, so that no durable commit ever silently skips fsync.
  Status EnsureDurable();
  // REQUIRES: write_mu_ held. Remembers the outcome of a durable commit for Ping; returns it.
  Status NoteWrite(Status s);
  // REQUIRES: write_mu_ held, inside a transaction.
  Status InsertOutbox(const OutboxEntry& e, int64_t now);
  // REQUIRES: write_mu_ held, inside a savepoint. kAborted when a precondition failed.
  Status ApplyOne(const ChangeSet& change, int64_t now);
  // REQUIRES: write_mu_ held, inside a savepoint (sqlite_campaigns.cc).
  Status InsertCampaign(const Campaign& c, int64_t now);
  Status UpdateCampaign(const CampaignUpdate& u, int64_t now);
  // Kind kAborted when the group's batched rows are not exactly `f.rows`.
  Status FlushBudget(const BudgetFlush& f, int64_t now);
  Status RecordOutcomesLocked(const std::vector<OutboxOutcome>& outcomes, int64_t now);

  // Lock order: lease_mu_, then read_mu_ or write_mu_.
  std::mutex lease_mu_;
  std::mutex write_mu_;
  std::mutex read_mu_;
  std::unordered_map<int64_t, int64_t> leases_;  // outbox id -> lease end; guarded by lease_mu_
  std::unique_ptr<sqlite::Conn> writer_;         // guarded by write_mu_
  std::unique_ptr<sqlite::Conn> reader_;         // guarded by read_mu_
  bool writer_durable_ = true;                   // synchronous=FULL is in force; guarded by write_mu_
  Status last_write_error_;                      // the last durable commit's error; guarded by write_mu_
  std::atomic<bool> fail_sync_restore_{false};
};

}  // namespace gridrelay
