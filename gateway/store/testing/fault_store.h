// FaultStore: wraps a real engine and injects the faults a production store meets (after
// LevelDB's SpecialEnv): writes that fail as on a full disk, reads that fail, commits that are
// slow as a stalled fsync. Tests run the whole gateway on it (GatewayOptions::store_factory)
// and assert 503s, backoff and recovery. Thread-safe; faults can be switched at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "gateway/store/open_store.h"
#include "gateway/store/store.h"

namespace gridrelay::testing {

class FaultStore final : public Store {
 public:
  explicit FaultStore(std::unique_ptr<Store> engine) : engine_(std::move(engine)) {}

  // A factory that wraps what `inner` opens (e.g. OpenStore) and points *out at the wrapper:
  // a gateway restarted on it gets a new FaultStore, with no faults set.
  static StoreFactory Around(StoreFactory inner, FaultStore** out);

  // Every write (ingest, apply, outcomes, leases that write, tokens) fails with kUnavailable
  // "disk full" while set; nothing reaches the engine.
  void FailWrites(bool fail) { fail_writes_ = fail; }
  // Only Apply fails while set, as when the process dies between leasing work (a timer, a
  // message) and committing what it decided: nothing of the change sets is written.
  void FailApplies(bool fail) { fail_applies_ = fail; }
  // Only delivery bookkeeping (RecordOutcomes) fails while set: a send happened, and its
  // outcome cannot be written.
  void FailOutcomes(bool fail) { fail_outcomes_ = fail; }
  // Every read fails with kUnavailable while set.
  void FailReads(bool fail) { fail_reads_ = fail; }
  // Each durable commit (Ingest, Apply) first waits this long, as a slow fsync would.
  void SetCommitDelay(std::chrono::milliseconds d) { commit_delay_ms_ = d.count(); }
  // How many write calls were refused so far.
  int64_t refused_writes() const { return refused_writes_; }
  Store* engine() { return engine_.get(); }

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

 private:
  Status WriteFault();
  Status ReadFault() const;
  void CommitDelay() const;

  std::unique_ptr<Store> engine_;
  std::atomic<bool> fail_writes_{false};
  std::atomic<bool> fail_reads_{false};
  std::atomic<bool> fail_outcomes_{false};
  std::atomic<bool> fail_applies_{false};
  std::atomic<int64_t> commit_delay_ms_{0};
  std::atomic<int64_t> refused_writes_{0};
};

}  // namespace gridrelay::testing
