// The gateway's configuration: the YAML files in the config directory, loaded and
// validated once into plain structs. Every error names the file and the line.
//
//   gridrelay.yaml   server, store, delivery, channels
//   routing.yaml     organisation (district > streets > communities > grids), staff, teams,
//                    which category goes to whom, the escalation chain
//   templates.yaml   acknowledgements, notifications and safety replies
//   intents/*.yaml   the intent library (loaded by intents/, not here)
//
// Relative paths (store.data_dir) are resolved against the process's working directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/adapter.h"
#include "gateway/core/status.h"
#include "gateway/org/org.h"

namespace gridrelay {

struct ServerOptions {
  std::string host = "127.0.0.1";      // Default: loopback only
  int port = 8080;
  size_t max_body_bytes = 1 << 20;     // Default: 1 MiB; larger bodies get 413, however framed (chunked too)
  // The server is event-driven: a connection costs a socket and buffers, not a thread. These
  // threads run the handlers, which wait on their commit.
  int threads = 64;                    // Default: 64 handler threads
  int io_threads = 2;                  // Default: 2 threads reading and writing sockets
  int keep_alive_seconds = 5;          // Default: 5; an idle kept-alive connection is closed after it
  int read_timeout_seconds = 5;        // Default: 5; a new connection must start its request within it
  int request_timeout_seconds = 10;    // Default: 10; a whole request, first byte to last, within it
  int keep_alive_max_count = 100000;   // Default: 100000 requests per connection
  size_t max_header_bytes = 16384;     // Default: 16 KiB for the request line and all headers (431)
  int max_headers = 100;               // Default: 100 header fields (431)
  int max_connections = 10000;         // Default: 10000 open connections in all; more are closed at accept
  int max_connections_per_source = 256;  // Default: 256 open connections from one address
  int listen_backlog = 1024;           // Default: 1024 (at least 1024)
  // /metrics on an address of its own (HOST:PORT; "" = on the main listener), and a bearer
  // token it requires ("" = none).
  std::string metrics_listen;          // Default: "" (served on `listen`)
  std::string metrics_host;            // from metrics_listen
  int metrics_port = 0;                // from metrics_listen
  std::string metrics_token;           // Default: "" (no token)
  // HTTPS on `listen`: a PEM certificate chain and its private key, both or neither (paths
  // relative to the config directory). scripts/make-cert makes a self-signed pair for trials.
  // /metrics on metrics_listen stays plain HTTP (a private address).
  std::string tls_cert_file;           // Default: "" (plain HTTP)
  std::string tls_key_file;            // Default: ""
};

struct StoreOptions {
  std::string data_dir = "var";        // Default: var/ (the SQLite file is <data_dir>/gridrelay.db)
  int dedup_window_days = 7;           // Default: 7; a re-delivery within it is a duplicate
  int group_commit_max_batch = 512;    // Default: 512 messages per transaction
};

struct DeliveryOptions {
  int workers = 4;                     // Default: 4 sender threads; 0 pauses delivery
  int max_attempts = 0;                // Default: 0 = no count; the horizon decides (>0: also dead after this many)
  int64_t retry_horizon_seconds = 86400;  // Default: 24 h from creation (or requeue), then a failing row is dead
  int channel_concurrency = 2;         // Default: 2; senders one channel (platform endpoint) may occupy at once
  int64_t backoff_initial_ms = 1000;   // Default: 1 s before the second attempt
  int64_t backoff_max_ms = 300000;     // Default: 5 min at most between attempts
  int lease_seconds = 60;              // Default: 60; a row leased by a crashed sender is retried after it
  double global_per_second = 0;        // Default: 0 = unlimited; a cap over all channels
  // The part of each budget (a destination's, the global one) that campaign rows may use; the
  // rest is kept for safety replies, warnings, acknowledgements and staff notes.
  double campaign_share = 0.5;         // Default: 0.5 (0 < share <= 1)
};

// Campaigns (gridrelay.yaml `campaigns`): guard rails and quota planning.
struct CampaignOptions {
  int confirm_over = 50;               // Default: 50 groups; a larger campaign needs confirm_targets equal to its count
  int64_t max_duration_hours = 72;     // Default: 72; a campaign the budgets would stretch longer is refused
  // When campaign rows are not sent unless a request says otherwise, in routing.yaml's rota
  // syntax ("mon-sun 22:00-07:00"), China time. Default: "" (none).
  std::string quiet_hours;
  std::vector<DutySpan> quiet_spans;   // parsed from quiet_hours
};

struct ProcessingOptions {
  int poll_ms = 1000;                  // Default: 1000; the inbox is also woken on every commit
  int batch = 64;                      // Default: 64 messages per pass
};

// A safety reply: the first rule whose intent glob and text pattern both match is used.
struct SafetyRule {
  std::string intent_glob = "*";       // "anti_fraud.*", "legal_aid.domestic_violence", "*"
  std::string text_pattern;            // RE2 over the original text; empty = any
  std::string text;                    // the reply
  std::string where;
};

// The closed loop's policy (routing.yaml `loop`).
struct LoopOptions {
  int max_bounces = 3;                 // Default: 3 transfers or returns, then the supervisor decides
  int satisfaction_wait_hours = 72;    // Default: 72; silence after 办结 closes the ticket as no_answer
  // Reason codes staff give, per action ("transfer", "return", "reject"): code -> 中文 label.
  std::map<std::string, std::map<std::string, std::string>> reasons;
  std::string where;
};

// Duplicate appeals (routing.yaml `duplicates`, optional; gateway/workflow/duplicates.h says how
// a report is judged the same problem as an open ticket).
struct DuplicateOptions {
  bool enabled = true;                 // Default: true
  int window_hours = 72;               // Default: 72; only tickets opened this recently take reports, 1..720
  std::vector<std::string> categories = {"appeal"};  // Default: appeals only (legal and fraud matters are personal)
  double text_threshold = 0.35;        // Default: 0.35; bigram Jaccard needed when no place is shared, 0..1
  double place_threshold = 0.2;        // Default: 0.2; bigram Jaccard needed when a place is shared, 0..1
  std::vector<std::string> places;     // landmark words (东门, 菜市场, 停车场…); none by default
  std::string where;
};

// The confirmation queue (待确认; routing.yaml `confirm`, optional): a resident message whose
// classification decision is `confirm` goes to its grid's worker, who confirms, reclassifies or
// dismisses it; one nobody handled within `digest_after_hours` goes into the supervisor's
// digest, sent daily at `digest_at` (China time).
struct ConfirmOptions {
  bool enabled = true;                 // Default: true; false opens tickets for them as before
  int digest_after_hours = 24;         // Default: 24, 1..720
  int digest_at_minutes = 8 * 60 + 30; // Default: "08:30", minutes after midnight China time
  std::string where;
};

// Instant anti-fraud warnings (routing.yaml `warnings`, optional).
struct WarningOptions {
  // The same warning (same template) is not sent to the same group again within this window;
  // a repeat only counts on the first warning. Default: 30 minutes, 1..1440.
  int window_minutes = 30;
  std::string where;
};

// The per-group reply budget (routing.yaml `reply_budget`, optional; gateway/route/reply_budget.h):
// a group hears at most one acknowledgement or progress note per window; the first after a quiet
// window goes out at once, later ones wait for the window's end and go as one digest. Safety
// replies, warnings and urgent rows are never held.
struct ReplyBudgetOptions {
  bool enabled = true;                 // Default: true
  int window_seconds = 60;             // Default: 60 (one such message a minute per group), 5..3600
  std::string where;
};

struct Templates {
  std::map<std::string, std::string> group_ack;    // category -> text posted in the group
  std::map<std::string, std::string> private_ack;  // category -> text sent privately, where possible
  std::string staff_notify;
  // An urgent ticket's copy to the duty officer one level up: says it is a copy (抄送) and who
  // handles the ticket, so that she does not take it for her own.
  std::string urgent_copy;
  std::string triage_notify;
  // Said in the group instead of a legal_aid (domestic violence included) safety reply when the
  // platform cannot message the resident privately: no mention, no topic.
  std::string sensitive_group_notice = "您好，消息已收到。请留意私信，或直接联系网格员。";
  std::vector<SafetyRule> safety;
  std::map<std::string, std::string> intent_labels;  // intent -> 中文 label for staff
  // Instant anti-fraud warnings (templates.yaml `warnings`): one text per anti_fraud intent and
  // a fallback for the rest ("" = none), and what a quiet group's grid worker is sent instead
  // ({grid} {intent_label} {warning}). A warning names no ticket and never the resident's words:
  // its only placeholder is {intent_label}. `check-config` checks every anti_fraud intent has one.
  std::map<std::string, std::string> warnings;
  std::string warning_fallback;
  std::string warning_quiet = "【反诈预警】{grid}的群设为静默，群内出现疑似{intent_label}信息，未在群内提醒，请酌情转告：\n{warning}";
  std::string warnings_where;                   // file:line of `warnings`, for check-config
  // The grid worker's visit task for an urgent anti_fraud ticket (templates.yaml `visit`;
  // {ticket} {number} {grid} {intent_label} {address}).
  std::string visit = "【上门劝阻】工单{ticket}（{intent_label}｜{grid}）：居民可能正在被骗。立即电话或上门: {address}。"
                      "劝阻后回复「已劝阻 {number} 说明」，联系不上回复「未联系上 {number} 说明」。";
  // The reply budget's digests (templates.yaml `reply_budget`): the acknowledgements of a window
  // ({count} messages, {tickets} "#12 #13"), and its progress notes ({count}, {notes}: the notes
  // themselves, one a line). Nothing else: a digest never carries a resident's words.
  std::string ack_digest = "收到{count}条反映，已登记：{tickets}";
  std::string progress_digest = "{count}条工单有新进展：\n{notes}";
  // The closed loop's messages (templates.yaml `loop`): progress notes to the resident, the
  // satisfaction question, notifications to staff. Keys are listed in kLoopTemplateKeys.
  std::map<std::string, std::string> loop;
};

// Every key templates.yaml `loop` must define.
inline constexpr const char* kLoopTemplateKeys[] = {
    "accepted",           // to the resident: her ticket was taken on
    "waiting",            // to the resident: staff need something from her ({note})
    "resolved",           // to the resident: done ({note} is the staff member's summary)
    "satisfaction",       // the question, where the bot sees every group message
    "satisfaction_mention",  // the question, where the bot sees only messages that @ it
    "thanks",             // the answer to 1
    "sorry",              // the answer to 2 (reopened, supervised)
    "rejected",           // to the resident ({reason})
    "assigned",           // to staff: a ticket was transferred or returned to you
    "supervised",         // to the assignee: a supervisor is watching (督办)
    "escalated",          // to the duty officer of the level a ticket climbed to ({level}, {deadline})
    "bounced",            // to the supervisor: bounced too often, please decide
    "unsatisfied",        // to the assignee and supervisor: the resident was not satisfied
    "merged_ack",         // to a resident whose report joined an open ticket (duplicate)
    "merged",             // to the residents of a ticket merged into another ({target})
    "split",              // to a resident whose report was split off into its own ticket
    "urgent_attached",    // to the assignee and duty officer: an urgent report joined a ticket
    "confirm_item",       // to the grid worker: a 待确认 item ({text}, {guess}, {evidence})
    "confirmed",          // to the resident: her message became a ticket after confirmation
    "confirm_digest",     // to the supervisor: items nobody handled ({count}, {items})
};

struct Config {
  std::filesystem::path dir;
  ServerOptions server;
  StoreOptions store;
  DeliveryOptions delivery;
  ProcessingOptions processing;
  CampaignOptions campaigns;
  std::vector<ChannelSpec> channels;
  Routing routing;
  LoopOptions loop;
  DuplicateOptions duplicates;
  ConfirmOptions confirm;
  WarningOptions warnings;
  ReplyBudgetOptions reply_budget;
  Templates templates;

  const ChannelSpec* FindChannel(const std::string& name) const;
  const StaffMember* FindStaff(const std::string& id) const;
  const Grid* FindGrid(const std::string& id) const;
  const OrgUnit* FindCommunity(const std::string& id) const;
  const OrgUnit* FindStreet(const std::string& id) const;
  const Team* FindTeam(const std::string& id) const;
};

// Loads and cross-checks every file in `dir` (except intents/). Errors: "file:line: what".
StatusOr<Config> LoadConfig(const std::filesystem::path& dir);

// routing.yaml staff roles (`role`; empty: implied by where the staff member appears).
inline constexpr const char* kStaffRoles[] = {"grid_worker", "community", "street", "district", "volunteer", "admin"};

// A team member's rota (routing.yaml teams[].rota): one or more "<days> <HH:MM>-<HH:MM>" joined
// by commas, China time. <days> is a day (mon … sun) or a range ("mon-fri"; "sat-mon" wraps
// past Sunday). "24:00" ends at midnight. An end before the start is an overnight range that
// runs into the next morning ("fri 22:00-06:00": Friday 22:00 to Saturday 06:00) and becomes
// two spans. An error says what is wrong with the text (the caller adds the file and line).
StatusOr<std::vector<DutySpan>> ParseRota(std::string_view text);

// Splits "host:port". Errors name the value.
Status ParseListen(const std::string& value, std::string* host, int* port);

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

// Names of the channels that still carry a secret shipped in the demo config.
std::vector<std::string> ChannelsWithDemoSecrets(const Config& config);

}  // namespace gridrelay
