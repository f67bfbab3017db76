// Store: everything the gateway keeps, behind an interface narrow enough that a PostgreSQL
// implementation can replace SQLite without touching callers.
//
// Contracts every implementation keeps:
//  - Ingest commits a whole batch durably (one transaction) before it returns; a dedup key
//    already present for the channel (within the window) yields {duplicate=true} and the
//    original message id, and stores nothing.
//  - CompleteMessages commits a batch in one transaction; for each message the ticket, its
//    events, the outbox rows and the message's new state land together or not at all, and only
//    if the message is still `received` (so two processors, or a processor after a crash, never
//    open a second ticket).
//  - Outbox idempotency keys are unique: enqueuing a row whose key exists is a no-op.
//  - LeaseOutbox hands a due row to one sender until the lease expires or its outcome is
//    recorded; a crash ends every lease.
// All methods are thread-safe. Times are Unix microseconds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/classification.h"
#include "gateway/core/message.h"
#include "gateway/core/status.h"

namespace gridrelay {

// The sender of a message, as the routing config knows it.
namespace sender_role {
inline constexpr const char* kResident = "resident";
inline constexpr const char* kStaff = "staff";
inline constexpr const char* kBot = "bot";
}  // namespace sender_role

// Message states in the durable inbox.
namespace message_state {
inline constexpr const char* kReceived = "received";    // committed, not yet routed
inline constexpr const char* kProcessed = "processed";  // routed (a ticket may or may not exist)
inline constexpr const char* kIgnored = "ignored";      // staff or bot message, or nothing to do
inline constexpr const char* kTriage = "triage";        // its group maps to no grid
}  // namespace message_state

namespace outbox_status {
inline constexpr const char* kPending = "pending";
inline constexpr const char* kSent = "sent";
inline constexpr const char* kDead = "dead";
}  // namespace outbox_status

struct OutboxEntry {
  OutboundMessage message;
  int priority = priority::kStaff;
  std::string rate_key;        // the destination's rate-limit bucket
  int64_t message_id = 0;      // the inbound message that caused it (0: none)
  int64_t ticket_id = 0;
  std::string status = outbox_status::kPending;
  int attempts = 0;
  int64_t next_attempt_at = 0;
  int64_t created_at = 0;
  int64_t sent_at = 0;
  std::string last_error;
};

// What happened to one leased outbox row.
struct OutboxOutcome {
  enum class Kind { kSent, kRetry, kDead };
  int64_t id = 0;
  Kind kind = Kind::kSent;
  int attempts = 0;             // attempts made so far (a rate-limit deferral does not count)
  int64_t next_attempt_at = 0;  // kRetry: when it is due again
  std::string error;            // kRetry, kDead: the last error
};

struct StoredMessage {
  int64_t id = 0;
  InboundMessage message;
  Classification classification;
  std::string sender_role = sender_role::kResident;
  std::string state;
  int64_t received_at = 0;
  int64_t ticket_id = 0;
  std::string note;  // why it was ignored or sent to triage
};

struct IngestItem {
  InboundMessage message;
  Classification classification;
  std::string sender_role = sender_role::kResident;
  std::optional<OutboxEntry> safety_reply;  // enqueued in the same transaction
};

struct IngestResult {
  int64_t message_id = 0;
  bool duplicate = false;
};

struct Ticket {
  int64_t id = 0;
  int64_t message_id = 0;
  std::string channel;
  std::string group_id;
  std::string grid_id;
  std::string sender_id;
  std::string sender_name;
  std::string category;
  std::string intent;
  bool urgent = false;
  std::string status;         // dispatched | accepted | resolved | ... (the loop comes later)
  std::string level;          // grid | community | street | district
  std::string assignee_kind;  // staff | team
  std::string assignee_id;
  std::string assignee_name;
  std::string text;
  nlohmann::json entities = nlohmann::json::array();
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct TicketEvent {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t at = 0;
  std::string actor;   // "system" or a staff id
  std::string action;  // created | dispatched | notified | ...
  nlohmann::json detail = nlohmann::json::object();
};

// What processing one message produced; committed atomically by CompleteMessages.
struct ProcessingResult {
  int64_t message_id = 0;
  std::string state = message_state::kProcessed;
  std::string note;
  std::optional<Ticket> ticket;
  std::vector<TicketEvent> events;   // ticket_id is filled in by the store
  // Builds the outbox rows once the ticket's id is known (0 when no ticket is made), inside the
  // same transaction, so that notifications can name the ticket. May be empty.
  std::function<std::vector<OutboxEntry>(int64_t ticket_id)> outbox;
};

struct TicketFilter {
  std::string status;
  std::string grid;
  std::string category;
  int64_t since = 0;        // created_at >= since
  int64_t before_id = 0;    // pagination: ids below this (0: from the newest)
  int limit = 50;
};

struct OutboxFilter {
  std::string status;       // empty: all
  int64_t before_id = 0;
  int limit = 50;
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  std::string role;
  int64_t created_at = 0;
};

// Gauges for /metrics, read from the store at scrape time.
struct StoreCounts {
  std::map<std::string, int64_t> tickets_by_status;
  std::map<std::string, int64_t> outbox_by_status;
  std::map<std::string, int64_t> messages_by_state;
};

class Store {
 public:
  virtual ~Store() = default;

  // Ingest (group commit).
  virtual StatusOr<std::vector<IngestResult>> Ingest(const std::vector<IngestItem>& items, int64_t now) = 0;
  virtual Status PurgeDedupKeys(int64_t older_than) = 0;

  // The durable inbox.
  virtual StatusOr<std::vector<StoredMessage>> PendingMessages(int limit) = 0;
  // One transaction for the batch. Result i is false (and message i changed nothing) when that
  // message was no longer `received`.
  virtual StatusOr<std::vector<bool>> CompleteMessages(const std::vector<ProcessingResult>& results, int64_t now) = 0;

  // The outbox.
  virtual Status Enqueue(const std::vector<OutboxEntry>& entries, int64_t now) = 0;
  virtual StatusOr<std::vector<OutboxEntry>> LeaseOutbox(int64_t now, int limit, int64_t lease_until) = 0;
  // Records what happened to leased rows, in one transaction.
  virtual Status RecordOutcomes(const std::vector<OutboxOutcome>& outcomes, int64_t now) = 0;
  // The earliest next_attempt_at of a pending row, or nullopt when none is pending.
  virtual StatusOr<std::optional<int64_t>> NextOutboxDue() = 0;

  // Reads for the API.
  virtual StatusOr<std::vector<Ticket>> ListTickets(const TicketFilter& filter) = 0;
  virtual StatusOr<std::optional<Ticket>> GetTicket(int64_t id) = 0;
  virtual StatusOr<std::vector<TicketEvent>> TicketEvents(int64_t ticket_id) = 0;
  virtual StatusOr<std::optional<StoredMessage>> GetMessage(int64_t id) = 0;
  virtual StatusOr<std::vector<OutboxEntry>> ListOutbox(const OutboxFilter& filter) = 0;
  virtual StatusOr<std::vector<OutboxEntry>> OutboxForMessage(int64_t message_id) = 0;
  virtual StatusOr<StoreCounts> Counts() = 0;

  // API tokens: only a hash is stored.
  virtual Status CreateToken(const std::string& name, const std::string& role, const std::string& token_hash,
                             int64_t now) = 0;
  virtual StatusOr<std::optional<ApiToken>> FindToken(const std::string& token_hash) = 0;

  // Readiness: the store answers a trivial query.
  virtual Status Ping() = 0;
};

}  // namespace gridrelay
