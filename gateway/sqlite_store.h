// SqliteStore: the embedded default Store, one SQLite file in WAL mode with
// synchronous=FULL (every commit is on disk before it returns). Durability at speed comes
// from group commit in the caller (gateway/ingest), not from weakening the sync.
//
// One connection writes (guarded by a mutex); a second one serves reads so that API
// queries never wait behind a commit. Outbox leases are kept in memory: this store serves a
// single gateway process (several instances share a PostgreSQL store instead). The schema is versioned (table schema_version) and
// migrated forward on Open.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "gateway/store.h"


namespace gridrelay {

struct SqliteConn;

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) `path` and migrates it to the current schema.
  static StatusOr<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path);
  ~SqliteStore() override;

  static int SchemaVersion();

  StatusOr<std::vector<IngestResult>> Ingest(const std::vector<IngestItem>& items, int64_t now) override;
  Status PurgeDedupKeys(int64_t older_than) override;
  StatusOr<std::vector<StoredMessage>> PendingMessages(int limit) override;
  StatusOr<std::vector<bool>> CompleteMessages(const std::vector<ProcessingResult>& results, int64_t now) override;
  Status Enqueue(const std::vector<OutboxEntry>& entries, int64_t now) override;
  StatusOr<std::vector<OutboxEntry>> LeaseOutbox(int64_t now, int limit, int64_t lease_until) override;
  Status RecordOutcomes(const std::vector<OutboxOutcome>& outcomes, int64_t now) override;
  StatusOr<std::optional<int64_t>> NextOutboxDue() override;
  StatusOr<std::vector<Ticket>> ListTickets(const TicketFilter& filter) override;
  StatusOr<std::optional<Ticket>> GetTicket(int64_t id) override;
  StatusOr<std::vector<TicketEvent>> TicketEvents(int64_t ticket_id) override;
  StatusOr<std::optional<StoredMessage>> GetMessage(int64_t id) override;
  StatusOr<std::vector<OutboxEntry>> ListOutbox(const OutboxFilter& filter) override;
  StatusOr<std::vector<OutboxEntry>> OutboxForMessage(int64_t message_id) override;
  StatusOr<StoreCounts> Counts() override;
  Status CreateToken(const std::string& name, const std::string& role, const std::string& token_hash,
                     int64_t now) override;
  StatusOr<std::optional<ApiToken>> FindToken(const std::string& token_hash) override;
  Status Ping() override;

 private:
  SqliteStore();
  Status Migrate();
  Status InsertOutbox(const OutboxEntry& e, int64_t now);
  Status RecordOutcomesLocked(const std::vector<OutboxOutcome>& outcomes, int64_t now);
  // Inside a transaction: false when the message was no longer `received`.
  StatusOr<bool> CompleteOne(const ProcessingResult& result, int64_t now);

  // Lock order: lease_mu_, then read_mu_ or write_mu_.
  std::mutex lease_mu_;
  std::mutex write_mu_;
  std::mutex read_mu_;
  std::unordered_map<int64_t, int64_t> leases_;  // outbox id -> lease end; guarded by lease_mu_
  std::unique_ptr<SqliteConn> writer_;  // guarded by write_mu_
  std::unique_ptr<SqliteConn> reader_;  // guarded by read_mu_
};

}  // namespace gridrelay
