#include "gateway/store/testing/fault_store.h"

#include <thread>

namespace gridrelay::testing {

Status FaultStore::WriteFault() {
  if (!fail_writes_) return Status::Ok();
  ++refused_writes_;
  return Status::Unavailable("database or disk is full (injected)");
}

Status FaultStore::ReadFault() const {
  return fail_reads_ ? Status::Unavailable("disk I/O error (injected)") : Status::Ok();
}

void FaultStore::CommitDelay() const {
  if (int64_t ms = commit_delay_ms_; ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

StoreFactory FaultStore::Around(StoreFactory inner, FaultStore** out) {
  return [inner = std::move(inner), out](const std::string& url) -> StatusOr<std::unique_ptr<Store>> {
    auto engine = inner(url);
    if (!engine.ok()) return engine.status();
    auto fault = std::make_unique<FaultStore>(std::move(*engine));
    *out = fault.get();
    return std::unique_ptr<Store>(std::move(fault));
  };
}

StatusOr<std::vector<bool>> FaultStore::Apply(const std::vector<ChangeSet>& changes, int64_t now) {
  GR_RETURN_IF_ERROR(WriteFault());
  if (fail_applies_) {
    ++refused_writes_;
    return Status::Unavailable("the process died before committing (injected)");
  }
  CommitDelay();
  return engine_->Apply(changes, now);
}

StatusOr<std::vector<IngestResult>> FaultStore::Ingest(const std::vector<IngestItem>& items, int64_t now) {
  GR_RETURN_IF_ERROR(WriteFault());
  CommitDelay();
  return engine_->Ingest(items, now);
}

Status FaultStore::PurgeDedupKeys(int64_t older_than) {
  GR_RETURN_IF_ERROR(WriteFault());
  return engine_->PurgeDedupKeys(older_than);
}

StatusOr<std::vector<StoredMessage>> FaultStore::PendingMessages(int limit) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->PendingMessages(limit);
}

StatusOr<std::optional<StoredMessage>> FaultStore::GetMessage(int64_t id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->GetMessage(id);
}

StatusOr<int64_t> FaultStore::ReserveTicketIds(int count) {
  GR_RETURN_IF_ERROR(WriteFault());
  return engine_->ReserveTicketIds(count);
}

StatusOr<std::vector<Ticket>> FaultStore::ListTickets(const TicketFilter& filter) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->ListTickets(filter);
}

StatusOr<std::optional<Ticket>> FaultStore::GetTicket(int64_t id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->GetTicket(id);
}

StatusOr<std::vector<TicketEvent>> FaultStore::TicketEvents(int64_t ticket_id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->TicketEvents(ticket_id);
}

StatusOr<std::vector<StoredMessage>> FaultStore::TicketMessages(int64_t ticket_id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->TicketMessages(ticket_id);
}

StatusOr<bool> FaultStore::ReportedBy(int64_t ticket_id, const std::string& channel, const std::string& sender_id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->ReportedBy(ticket_id, channel, sender_id);
}

StatusOr<std::vector<LabelledCorrection>> FaultStore::ListCorrections(int64_t since, int64_t after_id, int limit) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->ListCorrections(since, after_id, limit);
}

StatusOr<std::map<std::string, StaffLoad>> FaultStore::StaffLoads(const std::vector<std::string>& staff_ids) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->StaffLoads(staff_ids);
}

Status FaultStore::ReportRows(int64_t from, int64_t to, const std::optional<TicketScope>& scope,
                              const std::function<void(const ReportRow&)>& row) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->ReportRows(from, to, scope, row);
}

StatusOr<std::vector<OutboxEntry>> FaultStore::LeaseOutbox(int64_t now, int limit, int64_t lease_until,
                                                       const LeaseFilter& filter) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->LeaseOutbox(now, limit, lease_until, filter);
}

StatusOr<int64_t> FaultStore::RequeueDead(const RequeueFilter& filter, int64_t now) {
  GR_RETURN_IF_ERROR(WriteFault());
  return engine_->RequeueDead(filter, now);
}

Status FaultStore::RecordOutcomes(const std::vector<OutboxOutcome>& outcomes, int64_t now) {
  GR_RETURN_IF_ERROR(WriteFault());
  if (fail_outcomes_) {
    ++refused_writes_;
    return Status::Unavailable("database or disk is full (injected, outcomes)");
  }
  return engine_->RecordOutcomes(outcomes, now);
}

StatusOr<std::optional<int64_t>> FaultStore::NextOutboxDue() {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->NextOutboxDue();
}

StatusOr<std::vector<OutboxEntry>> FaultStore::ListOutbox(const OutboxFilter& filter) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->ListOutbox(filter);
}

StatusOr<std::vector<OutboxEntry>> FaultStore::OutboxForMessage(int64_t message_id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->OutboxForMessage(message_id);
}

StatusOr<std::vector<OutboxEntry>> FaultStore::BatchedOutbox(const std::string& channel, const std::string& group_id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->BatchedOutbox(channel, group_id);
}

StatusOr<std::vector<Timer>> FaultStore::LeaseDueTimers(int64_t now, int limit, int64_t lease_until) {
  GR_RETURN_IF_ERROR(WriteFault());
  return engine_->LeaseDueTimers(now, limit, lease_until);
}

StatusOr<std::optional<int64_t>> FaultStore::NextTimerDue(int64_t now) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->NextTimerDue(now);
}

StatusOr<int64_t> FaultStore::ReserveCampaignId() {
  GR_RETURN_IF_ERROR(WriteFault());
  return engine_->ReserveCampaignId();
}

StatusOr<std::optional<Campaign>> FaultStore::GetCampaign(int64_t id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->GetCampaign(id);
}

StatusOr<std::optional<Campaign>> FaultStore::FindCampaignByClientKey(const std::string& client_key) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->FindCampaignByClientKey(client_key);
}

StatusOr<std::vector<Campaign>> FaultStore::ListCampaigns(int64_t before_id, int limit) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->ListCampaigns(before_id, limit);
}

StatusOr<CampaignCounts> FaultStore::CountCampaignRows(int64_t id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->CountCampaignRows(id);
}

StatusOr<std::vector<CampaignDelivery>> FaultStore::CampaignDeliveries(int64_t id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->CampaignDeliveries(id);
}

StatusOr<std::optional<Warning>> FaultStore::RecentWarning(const std::string& channel, const std::string& group_id,
                                                           const std::string& template_key, int64_t since) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->RecentWarning(channel, group_id, template_key, since);
}

StatusOr<std::optional<Warning>> FaultStore::GetWarning(int64_t id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->GetWarning(id);
}

StatusOr<std::vector<Warning>> FaultStore::ListWarnings(const WarningFilter& filter) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->ListWarnings(filter);
}

StatusOr<std::vector<Timer>> FaultStore::TimersForTicket(int64_t ticket_id) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->TimersForTicket(ticket_id);
}

Status FaultStore::CreateToken(const ApiToken& token, const std::string& token_hash, int64_t now) {
  GR_RETURN_IF_ERROR(WriteFault());
  return engine_->CreateToken(token, token_hash, now);
}

StatusOr<std::vector<ApiToken>> FaultStore::ListTokens() {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->ListTokens();
}

Status FaultStore::RevokeToken(const std::string& name, int64_t now) {
  GR_RETURN_IF_ERROR(WriteFault());
  return engine_->RevokeToken(name, now);
}

StatusOr<std::optional<ApiToken>> FaultStore::FindToken(const std::string& token_hash) {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->FindToken(token_hash);
}

Status FaultStore::Ping() {
  GR_RETURN_IF_ERROR(ReadFault());
  // A full disk makes the store unready, as it makes every webhook fail.
  GR_RETURN_IF_ERROR(fail_writes_ ? Status::Unavailable("database or disk is full (injected)") : Status::Ok());
  return engine_->Ping();
}

StatusOr<StoreCounts> FaultStore::Counts() {
  GR_RETURN_IF_ERROR(ReadFault());
  return engine_->Counts();
}

}  // namespace gridrelay::testing
