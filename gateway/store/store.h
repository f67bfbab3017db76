// The store: everything the gateway keeps, split by concern into narrow interfaces, so that
// each component takes only what it needs and a PostgreSQL engine can replace SQLite without
// touching callers. Every domain write goes through one Apply(ChangeSet): plain data listing
// message-state changes, ticket inserts and updates, events, outbox rows and timer changes,
// committed in one transaction (after LevelDB's WriteBatch). Plain data can be logged, fuzzed
// and replayed against every engine; a callback inside a transaction cannot.
//
// Contracts every engine keeps (gateway/store/testing/conformance.h checks each one):
//  - Ingest commits a whole batch durably (one transaction, on disk) before it returns; a dedup
//    key already present for the channel (within the window) yields {duplicate=true} and the
//    original message id, and stores nothing.
//  - Apply commits a batch of change sets in one transaction. Each change set is atomic and
//    conditional: it applies whole, or not at all when one of its preconditions fails (a message
//    not in its expected state, a ticket not at its expected version, a fired timer that is gone),
//    which is reported for that change set alone as not applied (Aborted by Apply(one)).
//  - Ticket ids come from ReserveTicketIds, never reused: a change set names its new ticket's
//    id before it is committed, so its replies can say "#42" as plain data.
//  - Outbox idempotency keys are unique: a row whose key exists is not inserted again.
//  - A leased outbox row or timer is handed to nobody else until its lease ends: at the lease's
//    expiry, or when its outcome is recorded (outbox) or it fires or is cancelled (timers).
//    This holds for several processes sharing one database.
// All methods are thread-safe. Times are Unix microseconds. Store errors are kUnavailable when
// retrying may succeed (busy, disk full, connection lost).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/classification.h"
#include "gateway/core/enum_names.h"
#include "gateway/core/message.h"
#include "gateway/core/status.h"
#include "gateway/core/ticket_status.h"

namespace gridrelay {

// Message states in the durable inbox.
enum class MessageState {
  kReceived,   // committed, not yet routed
  kProcessed,  // routed (a ticket may or may not exist)
  kIgnored,    // staff or bot message, or nothing to do
  kTriage,     // its group maps to no grid
};
inline constexpr EnumName<MessageState> kMessageStateNames[] = {{MessageState::kReceived, "received"},
                                                                 {MessageState::kProcessed, "processed"},
                                                                 {MessageState::kIgnored, "ignored"},
                                                                 {MessageState::kTriage, "triage"}};
constexpr std::string_view Name(MessageState v) { return NameIn(kMessageStateNames, v); }
constexpr std::optional<MessageState> ParseMessageState(std::string_view s) { return ParseIn(kMessageStateNames, s); }

// kHeld and kCancelled belong to campaign rows only: a paused campaign's rows are held (never
// leased, never due) until it resumes; a cancelled campaign's unsent rows are cancelled (final).
// kBatched and kMerged belong to the per-group reply budget (gateway/route/reply_budget.h): a
// batched row waits for its group's window to end (never leased, never due), then goes out as it
// is (pending) or is merged (final) into the one digest row that carries it.
enum class OutboxStatus { kPending, kSent, kDead, kHeld, kCancelled, kBatched, kMerged };
inline constexpr EnumName<OutboxStatus> kOutboxStatusNames[] = {{OutboxStatus::kPending, "pending"},
                                                                {OutboxStatus::kSent, "sent"},
                                                                {OutboxStatus::kDead, "dead"},
                                                                {OutboxStatus::kHeld, "held"},
                                                                {OutboxStatus::kCancelled, "cancelled"},
                                                                {OutboxStatus::kBatched, "batched"},
                                                                {OutboxStatus::kMerged, "merged"}};
constexpr std::string_view Name(OutboxStatus v) { return NameIn(kOutboxStatusNames, v); }
constexpr std::optional<OutboxStatus> ParseOutboxStatus(std::string_view s) { return ParseIn(kOutboxStatusNames, s); }

struct OutboxEntry {
  OutboundMessage message;
  int priority = priority::kStaff;
  std::string rate_key;        // the destination's rate-limit bucket
  int64_t message_id = 0;      // the inbound message that caused it (0: none)
  int64_t ticket_id = 0;
  // Inserted as pending, or as batched (held for its group's reply budget); other statuses are
  // reached through outcomes and updates only.
  OutboxStatus status = OutboxStatus::kPending;
  int attempts = 0;
  int64_t next_attempt_at = 0;  // 0: due at once
  int64_t created_at = 0;
  int64_t sent_at = 0;
  std::string last_error;
  // When its retry horizon started: created_at, or the time it was last requeued.
  int64_t retry_from = 0;
  int64_t campaign_id = 0;     // the campaign it delivers (0: none)
};

// Which due rows a lease may take (LeaseOutbox).
struct LeaseFilter {
  // Rows of these channels are left for later: their channel has all the senders it may use.
  std::vector<std::string> skip_channels;
  // Every row of one lease belongs to the same channel (the first due row's), so that a slow
  // platform never holds rows meant for another behind its own sends.
  bool one_channel = false;
};

// Which dead rows a requeue takes back (OutboxStore::RequeueDead); every set field must match,
// and at least one must be set.
struct RequeueFilter {
  int64_t id = 0;             // 0: any
  std::string destination;    // the rate key (`channel|destination`), "": any
  std::string channel;        // "": any
  bool empty() const { return id == 0 && destination.empty() && channel.empty(); }
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
  SenderRole sender_role = SenderRole::kResident;
  MessageState state = MessageState::kReceived;
  int64_t received_at = 0;
  int64_t ticket_id = 0;
  std::string note;  // why it was ignored or sent to triage
};

struct IngestItem {
  InboundMessage message;
  Classification classification;
  SenderRole sender_role = SenderRole::kResident;
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
  std::string community_id;   // the grid's community and street when the ticket opened, so that
  std::string street_id;      // scopes and reports group by them without the org config
  std::string sender_id;
  std::string sender_name;
  std::string category;
  std::string intent;
  bool urgent = false;
  TicketStatus status = TicketStatus::kDispatched;
  std::string level;          // grid | community | street | district
  bool supervised = false;    // 督办: a supervisor is watching (supervise, unsatisfied, escalation)
  std::string assignee_kind;  // staff | team
  std::string assignee_id;
  std::string assignee_name;
  std::string team_id;        // the team it belongs to ("" for a grid worker's ticket)
  int bounces = 0;            // transfers and returns so far; past a limit the supervisor decides
  std::string reason;         // the last reason code (transfer, return, reject)
  std::string satisfaction;   // "" | satisfied | unsatisfied | no_answer: the resident's last answer
  std::string text;
  nlohmann::json entities = nlohmann::json::array();
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t accepted_at = 0;      // first 接单 (the response time ends here)
  int64_t resolved_at = 0;      // last 办结
  int64_t closed_at = 0;
  int64_t response_due_at = 0;  // deadlines (0: none)
  int64_t resolve_due_at = 0;
  int64_t merged_into = 0;
  // Residents affected: the distinct senders of the messages linked to it (its own and the
  // duplicates that joined it, issue #11). 1 for a ticket nobody else reported.
  int reporters = 1;
  // 上门劝阻 (issue #12): an urgent anti_fraud ticket closes only once someone recorded reaching
  // the resident (`dissuaded`) or failing to (`unreachable`); first_contact_at is the first such
  // record (the time-to-first-contact figure ends here).
  std::string visit_outcome;    // "" | dissuaded | unreachable
  int64_t first_contact_at = 0;
  int64_t version = 0;        // bumped by every update; an update names the version it read
};

struct TicketEvent {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t at = 0;      // 0: the time of the Apply
  std::string actor;   // "system" or a staff id
  std::string action;  // created | dispatched | notified | ...
  nlohmann::json detail = nlohmann::json::object();
};

// A persisted timer (a deadline, a reminder, a digest window). `key` is unique: scheduling a
// key that exists moves it.
struct Timer {
  int64_t id = 0;
  std::string key;        // e.g. "t42:response"
  std::string kind;       // what fires: "response_deadline", ...
  int64_t ticket_id = 0;
  int64_t due_at = 0;
  nlohmann::json payload = nlohmann::json::object();
};

// A person's verdict on how a resident message was classified (issue #11): confirming,
// reclassifying or dismissing a 待确认 item, or 改类 on a ticket. Kept as labelled data from the
// district's own traffic (`gridrelay corrections export`).
struct Correction {
  int64_t id = 0;
  int64_t message_id = 0;
  int64_t ticket_id = 0;
  std::string kind;            // confirm | reclassify | dismiss | false_alarm (a warning was wrong)
  std::string actor;           // who decided: a staff id, or an API token's name
  std::string guess_category;  // what the engine said
  std::string guess_intent;
  std::string category;        // what the person said ("none" when dismissed)
  std::string intent;
  int64_t at = 0;              // 0: the time of the Apply
};

// A correction with what it labels: the message's original text and urgency.
struct LabelledCorrection {
  Correction correction;
  std::string text;
  bool urgent = false;
};

// A message leaves `expected` for `state` (and may name its ticket).
struct MessageUpdate {
  int64_t message_id = 0;
  MessageState expected = MessageState::kReceived;
  MessageState state = MessageState::kProcessed;
  std::string note;
  int64_t ticket_id = 0;  // 0: unchanged (a processed message moves to another ticket this way)
};

// A ticket's new row, applied only if the stored one is still at `expected_version`.
struct TicketUpdate {
  Ticket ticket;
  int64_t expected_version = 0;
};

// A campaign's stored control state. What a reader is shown (scheduled, running, paused,
// completed, cancelled) also depends on its rows: a running or paused campaign whose every row
// is final is completed (gateway/campaign derives it; see CampaignCounts).
enum class CampaignState { kRunning, kPaused, kCancelled };
inline constexpr EnumName<CampaignState> kCampaignStateNames[] = {
    {CampaignState::kRunning, "running"}, {CampaignState::kPaused, "paused"}, {CampaignState::kCancelled, "cancelled"}};
constexpr std::string_view Name(CampaignState v) { return NameIn(kCampaignStateNames, v); }
constexpr std::optional<CampaignState> ParseCampaignState(std::string_view s) { return ParseIn(kCampaignStateNames, s); }

// A campaign: one message to many groups. Its deliveries are outbox rows (campaign_id set),
// written in the same change set as the campaign itself.
struct Campaign {
  int64_t id = 0;              // from ReserveCampaignId
  std::string client_key;      // the creator's retry key ("": none); unique when set
  std::string request_digest;  // a digest of the create request, to tell a retry from a reuse of its key
  std::string title;
  std::string content;
  nlohmann::json targets = nlohmann::json::object();  // as requested: {"all": true} | {"grids": [...], ...}
  CampaignState state = CampaignState::kRunning;
  std::string created_by;      // the actor's id
  int64_t created_at = 0;      // 0: the time of the Apply
  int64_t updated_at = 0;
  int64_t start_at = 0;        // the first row's due time
  int64_t expected_finish_at = 0;
  int64_t target_count = 0;    // groups targeted: rows queued + skipped
  // Groups no channel reaches, final from the start: [{"grid", "channel", "group", "reason"}].
  nlohmann::json skipped = nlohmann::json::array();
  nlohmann::json plan = nlohmann::json::object();  // the quota plan shown to the creator
};

// A campaign's state moves from one of `expected` to `state`, and its rows with it: pausing
// holds its pending rows, resuming makes its held rows pending again (due no earlier than
// `resume_at`), cancelling cancels every row not yet sent. Rows in flight finish as they will.
struct CampaignUpdate {
  int64_t id = 0;
  std::vector<CampaignState> expected;
  CampaignState state = CampaignState::kRunning;
  int64_t resume_at = 0;
};

// An instant anti-fraud warning (issue #12) and its evidence: the message that caused it, the
// rules that fired, the template used. One per message at most.
struct Warning {
  int64_t id = 0;               // assigned on insert
  int64_t message_id = 0;
  int64_t ticket_id = 0;        // the ticket the message opened (scopes read through it)
  std::string channel;
  std::string group_id;
  std::string sender_id;        // who was @-mentioned (group mode)
  std::string intent;
  std::string template_key;     // the intent whose template was used, or "fallback"
  std::string mode;             // group | quiet: where it went
  nlohmann::json rules = nlohmann::json::array();  // the pattern ids that fired
  std::string outbox_key;       // the idempotency key of its outbox row
  std::string text;             // what was sent
  int repeats = 0;              // the same warning suppressed in this group within the window
  int64_t last_repeat_at = 0;
  int64_t created_at = 0;       // 0: the time of the Apply
  // A staff member marked it wrong (误报): who, when, why. Final once set.
  std::string false_alarm_by;
  int64_t false_alarm_at = 0;
  std::string false_alarm_reason;
};

// A warning suppressed within the window: counts on the warning the message `warned_message`
// caused, which must exist (else the change set is not applied and is planned again).
struct WarningRepeat {
  int64_t warned_message = 0;
  int64_t message_id = 0;       // the repeat
};

// 误报: applies only while the warning is not marked yet.
struct FalseAlarm {
  int64_t warning_id = 0;
  std::string by;
  std::string reason;
};

// The reply budget lets a group's batched outbox rows go at the end of its window
// (gateway/route/reply_budget.h). Applies only while `rows` are exactly the group's batched rows,
// so that a window never closes on a row held after they were read (the change set is then not
// applied, and is planned again). With `release`, the one row becomes pending, due at once, as it
// is; otherwise every row becomes merged, carried by a digest in the same change set's `outbox`.
// No rows: the window closes on none.
struct BudgetFlush {
  std::string channel;
  std::string group_id;
  std::vector<int64_t> rows;
  bool release = false;
};

// One atomic, conditional change (see the contracts above).
struct ChangeSet {
  std::vector<MessageUpdate> messages;
  std::vector<Ticket> new_tickets;  // each with an id from ReserveTicketIds
  std::vector<TicketUpdate> ticket_updates;
  std::vector<TicketEvent> events;  // ticket_id set
  std::vector<OutboxEntry> outbox;  // idempotency keys set
  std::vector<Timer> schedule_timers;
  // Scheduled only when no timer holds the key; an existing one stays as it is (a group's open
  // reply-budget window is not moved by the rows it holds).
  std::vector<Timer> ensure_timers;
  std::vector<std::string> cancel_timers;  // keys; a missing key is no error
  std::vector<int64_t> fired_timers;       // ids; each must still exist (it fires once)
  // Each needs an id from ReserveCampaignId and, when it has one, a client key no campaign
  // holds yet (else the change set is not applied). Its rows go in `outbox`.
  std::vector<Campaign> new_campaigns;
  std::vector<CampaignUpdate> campaign_updates;  // each must find its campaign in an expected state
  std::vector<Correction> corrections;           // people's verdicts on classifications (issue #11)
  std::vector<Warning> new_warnings;             // each with a message no warning holds yet
  std::vector<WarningRepeat> warning_repeats;
  std::vector<FalseAlarm> false_alarms;
  std::vector<BudgetFlush> budget_flushes;       // the reply budget's windows ending

  bool empty() const {
    return messages.empty() && new_tickets.empty() && ticket_updates.empty() && events.empty() && outbox.empty() &&
           schedule_timers.empty() && cancel_timers.empty() && fired_timers.empty() && new_campaigns.empty() &&
           campaign_updates.empty() && corrections.empty() && new_warnings.empty() && warning_repeats.empty() &&
           false_alarms.empty() && ensure_timers.empty() && budget_flushes.empty();
  }
};

// Which tickets someone may see and act on (a token's or a staff account's scope): a ticket is in
// scope when any list names its grid, community, street, team or assignee. Admins and the
// district carry no scope at all (std::nullopt where a scope is optional).
struct TicketScope {
  std::vector<std::string> grids;
  std::vector<std::string> communities;
  std::vector<std::string> streets;
  std::vector<std::string> teams;
  std::vector<std::string> assignees;  // staff ids

  bool Contains(const Ticket& t) const;
};

struct TicketFilter {
  std::optional<TicketStatus> status;
  std::string grid;
  std::string category;
  std::string assignee;     // staff id
  std::string team;
  std::string channel;      // with sender: the tickets a resident opened or reported (a message of
  std::string sender;       // hers is linked to them) on a channel
  std::optional<TicketScope> scope;  // nullopt: no restriction
  bool open_only = false;   // not resolved, closed, rejected or merged
  int64_t since = 0;        // created_at >= since
  int64_t before_id = 0;    // pagination: ids below this (0: from the newest)
  int64_t message_id = 0;   // the ticket this message opened (0: any); at most one
  int limit = 50;
};

struct WarningFilter {
  std::optional<TicketScope> scope;  // through the warning's ticket; nullopt: no restriction
  int64_t ticket_id = 0;        // 0: any
  int64_t before_id = 0;        // pagination: ids below this (0: from the newest)
  int limit = 50;
};

// One ticket as reports see it (TicketStore::ReportRows): its group keys, status and times,
// never its text. The string_views point into the engine's row and are valid only during the
// callback that receives them, so that a million rows cost no allocation.
struct ReportRow {
  int64_t id = 0;
  TicketStatus status = TicketStatus::kDispatched;
  std::string_view grid_id;
  std::string_view community_id;
  std::string_view team_id;
  std::string_view intent;
  std::string_view level;         // grid | community | street | district: how far it escalated
  std::string_view satisfaction;  // "" | satisfied | unsatisfied | no_answer
  int64_t created_at = 0;
  int64_t accepted_at = 0;
  int64_t resolved_at = 0;
  int64_t closed_at = 0;
  int64_t response_due_at = 0;
  int64_t resolve_due_at = 0;
  int64_t merged_into = 0;
  bool visit = false;             // an urgent anti_fraud ticket: a call or visit is due
  int64_t first_contact_at = 0;   // when the resident was first reached (or found unreachable)
};

// How loaded a staff member is, for dispatch inside a team: fewest open tickets first, then
// whoever was given one least recently (round robin).
struct StaffLoad {
  int open = 0;
  int64_t last_assigned_ticket = 0;  // 0: never
};

struct OutboxFilter {
  std::optional<OutboxStatus> status;  // nullopt: all
  int64_t before_id = 0;
  int limit = 50;
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  std::string role;
  std::string scope;       // "grid:g1,team:t2": KIND:ID items, as `token create --scope` took them
  int64_t created_at = 0;
  int64_t revoked_at = 0;  // 0: live
};

// Gauges for /metrics, read from the store at scrape time.
struct StoreCounts {
  std::map<std::string, int64_t> tickets_by_status;
  std::map<std::string, int64_t> outbox_by_status;
  std::map<std::string, int64_t> messages_by_state;
};

// A campaign's rows by status.
struct CampaignCounts {
  int64_t pending = 0;  // queued (in flight included)
  int64_t held = 0;     // queued, paused
  int64_t sent = 0;
  int64_t dead = 0;     // failed, with a reason
  int64_t cancelled = 0;
};

// One group's delivery of a campaign.
struct CampaignDelivery {
  int64_t outbox_id = 0;
  std::string channel;
  std::string group_id;
  // Inserted as pending, or as batched (held for its group's reply budget); other statuses are
  // reached through outcomes and updates only.
  OutboxStatus status = OutboxStatus::kPending;
  int attempts = 0;
  std::string last_error;
  int64_t next_attempt_at = 0;
  int64_t sent_at = 0;
};

// Every domain write.
class ChangeStore {
 public:
  virtual ~ChangeStore() = default;
  // One transaction for the batch; result i says whether change set i applied.
  virtual StatusOr<std::vector<bool>> Apply(const std::vector<ChangeSet>& changes, int64_t now) = 0;
  // One change set: kAborted when a precondition failed (nothing was written).
  Status Apply(const ChangeSet& change, int64_t now);
};

// The durable inbox, written by group commit.
class InboxStore {
 public:
  virtual ~InboxStore() = default;
  virtual StatusOr<std::vector<IngestResult>> Ingest(const std::vector<IngestItem>& items, int64_t now) = 0;
  virtual Status PurgeDedupKeys(int64_t older_than) = 0;
  // Messages still `received`, oldest first.
  virtual StatusOr<std::vector<StoredMessage>> PendingMessages(int limit) = 0;
  virtual StatusOr<std::optional<StoredMessage>> GetMessage(int64_t id) = 0;
};

class TicketStore {
 public:
  virtual ~TicketStore() = default;
  // Reserves `count` (>= 1) consecutive ticket ids and returns the first.
  virtual StatusOr<int64_t> ReserveTicketIds(int count) = 0;
  virtual StatusOr<std::vector<Ticket>> ListTickets(const TicketFilter& filter) = 0;
  virtual StatusOr<std::optional<Ticket>> GetTicket(int64_t id) = 0;
  virtual StatusOr<std::vector<TicketEvent>> TicketEvents(int64_t ticket_id) = 0;
  // The messages linked to a ticket (the one that opened it and every report that joined it),
  // oldest first.
  virtual StatusOr<std::vector<StoredMessage>> TicketMessages(int64_t ticket_id) = 0;
  // Whether a resident counts among a ticket's reporters: she opened it, or a report of hers on
  // `channel` is linked to it. Cheap however many reports the ticket carries (a duplicate's
  // attach asks it on every report).
  virtual StatusOr<bool> ReportedBy(int64_t ticket_id, const std::string& channel, const std::string& sender_id) = 0;
  // The load of each of `staff_ids` (absent ids have none).
  virtual StatusOr<std::map<std::string, StaffLoad>> StaffLoads(const std::vector<std::string>& staff_ids) = 0;
  // Calls `row` once for each ticket created in [from, to) and in `scope` (nullopt: every
  // ticket), in no particular order, streaming rather than collecting them: a report reads a
  // million rows this way. `row` must not call the store (the engine holds its read lock).
  virtual Status ReportRows(int64_t from, int64_t to, const std::optional<TicketScope>& scope,
                            const std::function<void(const ReportRow&)>& row) = 0;
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Up to `limit` due pending rows, most urgent first, that `filter` lets through, each leased
  // until `lease_until`. A row that cannot be decoded (an unknown audience written by a newer
  // or broken writer) is dead-lettered with the reason, never handed out and never fails the
  // lease for the rows that can be sent.
  virtual StatusOr<std::vector<OutboxEntry>> LeaseOutbox(int64_t now, int limit, int64_t lease_until,
                                                         const LeaseFilter& filter) = 0;
  StatusOr<std::vector<OutboxEntry>> LeaseOutbox(int64_t now, int limit, int64_t lease_until) {
    return LeaseOutbox(now, limit, lease_until, LeaseFilter{});
  }
  // Records what happened to leased rows, in one transaction, and ends their leases.
  virtual Status RecordOutcomes(const std::vector<OutboxOutcome>& outcomes, int64_t now) = 0;
  // The earliest next_attempt_at of a pending row not leased, or nullopt when there is none.
  virtual StatusOr<std::optional<int64_t>> NextOutboxDue() = 0;
  virtual StatusOr<std::vector<OutboxEntry>> ListOutbox(const OutboxFilter& filter) = 0;
  virtual StatusOr<std::vector<OutboxEntry>> OutboxForMessage(int64_t message_id) = 0;
  // The rows batched for a group's reply budget (status batched), oldest first.
  virtual StatusOr<std::vector<OutboxEntry>> BatchedOutbox(const std::string& channel, const std::string& group_id) = 0;
  // Puts the dead rows matching `filter` back to pending, due at `now`, with their attempts
  // reset and their retry horizon restarting at `now`; returns how many. InvalidArgument for an
  // empty filter.
  virtual StatusOr<int64_t> RequeueDead(const RequeueFilter& filter, int64_t now) = 0;
};

class TimerStore {
 public:
  virtual ~TimerStore() = default;
  // Up to `limit` timers due at `now`, earliest first, each leased until `lease_until`.
  virtual StatusOr<std::vector<Timer>> LeaseDueTimers(int64_t now, int limit, int64_t lease_until) = 0;
  // The earliest due_at of a timer not leased at `now`, or nullopt.
  virtual StatusOr<std::optional<int64_t>> NextTimerDue(int64_t now) = 0;
  virtual StatusOr<std::vector<Timer>> TimersForTicket(int64_t ticket_id) = 0;
};

// Warnings are written through Apply (ChangeSet::new_warnings, warning_repeats, false_alarms).
class WarningStore {
 public:
  virtual ~WarningStore() = default;
  // The newest warning in (channel, group) with `template_key` created at or after `since`.
  virtual StatusOr<std::optional<Warning>> RecentWarning(const std::string& channel, const std::string& group_id,
                                                         const std::string& template_key, int64_t since) = 0;
  virtual StatusOr<std::optional<Warning>> GetWarning(int64_t id) = 0;
  // Newest first.
  virtual StatusOr<std::vector<Warning>> ListWarnings(const WarningFilter& filter) = 0;
};

// Campaigns are written through Apply (ChangeSet::new_campaigns, campaign_updates); these read.
class CampaignStore {
 public:
  virtual ~CampaignStore() = default;
  // A campaign id, never reused, reserved before commit so that its rows' idempotency keys
  // can name it.
  virtual StatusOr<int64_t> ReserveCampaignId() = 0;
  virtual StatusOr<std::optional<Campaign>> GetCampaign(int64_t id) = 0;
  virtual StatusOr<std::optional<Campaign>> FindCampaignByClientKey(const std::string& client_key) = 0;
  // Newest first; ids below `before_id` when it is set.
  virtual StatusOr<std::vector<Campaign>> ListCampaigns(int64_t before_id, int limit) = 0;
  virtual StatusOr<CampaignCounts> CountCampaignRows(int64_t id) = 0;
  // Every row of the campaign, in id order.
  virtual StatusOr<std::vector<CampaignDelivery>> CampaignDeliveries(int64_t id) = 0;
};

// Corrections of the classifier by people (written through ChangeSet::corrections).
class CorrectionStore {
 public:
  virtual ~CorrectionStore() = default;
  // Up to `limit` corrections made at or after `since` with ids above `after_id`, oldest first,
  // each with its message's text (pages: pass the last id as `after_id`).
  virtual StatusOr<std::vector<LabelledCorrection>> ListCorrections(int64_t since, int64_t after_id, int limit) = 0;
};

// API tokens: only a hash is stored.
class AuthStore {
 public:
  virtual ~AuthStore() = default;
  // AlreadyExists when the name is taken (revoked tokens keep their names).
  virtual Status CreateToken(const ApiToken& token, const std::string& token_hash, int64_t now) = 0;
  // A live token with that hash, or nullopt (unknown or revoked).
  virtual StatusOr<std::optional<ApiToken>> FindToken(const std::string& token_hash) = 0;
  virtual StatusOr<std::vector<ApiToken>> ListTokens() = 0;
  // NotFound when no live token has that name.
  virtual Status RevokeToken(const std::string& name, int64_t now) = 0;
};

class HealthStore {
 public:
  virtual ~HealthStore() = default;
  // Readiness: the store answers a trivial query and can write.
  virtual Status Ping() = 0;
  virtual StatusOr<StoreCounts> Counts() = 0;
};

// One engine implements every concern.
class Store : public ChangeStore,
              public InboxStore,
              public TicketStore,
              public OutboxStore,
              public TimerStore,
              public CampaignStore,
              public CorrectionStore,
              public WarningStore,
              public AuthStore,
              public HealthStore {
 public:
  using ChangeStore::Apply;
  using OutboxStore::LeaseOutbox;  // the unfiltered form
  ~Store() override = default;
};

}  // namespace gridrelay
