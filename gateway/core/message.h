// The messages that cross the gateway: what an adapter hands in, and what the
// dispatcher hands an adapter to send. Platform wire formats never get past the
// adapters; these structs are all the router, the store and the dispatcher see.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/enum_names.h"

namespace gridrelay {

// Who sent a message, as the routing config knows them. Only residents' messages are
// classified and can open tickets; staff messages can be commands; the bot's own are stored.
enum class SenderRole { kResident, kStaff, kBot };
inline constexpr EnumName<SenderRole> kSenderRoleNames[] = {
    {SenderRole::kResident, "resident"}, {SenderRole::kStaff, "staff"}, {SenderRole::kBot, "bot"}};
constexpr std::string_view Name(SenderRole v) { return NameIn(kSenderRoleNames, v); }
constexpr std::optional<SenderRole> ParseSenderRole(std::string_view s) { return ParseIn(kSenderRoleNames, s); }

// Where a message was written: in a group chat, or one to one with the bot.
enum class ChatType { kGroup, kPrivate };
inline constexpr EnumName<ChatType> kChatTypeNames[] = {{ChatType::kGroup, "group"}, {ChatType::kPrivate, "private"}};
constexpr std::string_view Name(ChatType v) { return NameIn(kChatTypeNames, v); }
constexpr std::optional<ChatType> ParseChatType(std::string_view s) { return ParseIn(kChatTypeNames, s); }

// Who an outbound message is for: the group (group_id), or one user privately (user_id).
enum class Audience { kGroup, kUser };
inline constexpr EnumName<Audience> kAudienceNames[] = {{Audience::kGroup, "group"}, {Audience::kUser, "user"}};
constexpr std::string_view Name(Audience v) { return NameIn(kAudienceNames, v); }
constexpr std::optional<Audience> ParseAudience(std::string_view s) { return ParseIn(kAudienceNames, s); }

// A reference to an image, voice note or file. The bytes stay on the platform.
struct Attachment {
  std::string kind;  // image | voice | video | file | other
  std::string ref;   // the platform's URL, media id or file id
};

// One resident (or staff, or bot) message, as an adapter parsed it.
struct InboundMessage {
  std::string channel;          // the configured channel name it arrived on
  std::string dedup_key;        // unique per channel; defined by the adapter
  std::string platform_msg_id;  // the platform's own id, if any
  ChatType chat_type = ChatType::kGroup;
  std::string group_id;         // the platform's group id; empty for private chats
  std::string sender_id;        // the platform's user id
  std::string sender_name;
  std::string text;             // the message text as the platform sent it (mentions included)
  int64_t sent_at = 0;          // the platform's timestamp, Unix seconds (0 if none)
  bool from_bot = false;        // the bot's own post: stored, never acted on
  std::vector<Attachment> attachments;
  // Whatever the adapter needs later to answer in the same conversation
  // (WeCom's per-message WebhookUrl, DingTalk's sessionWebhook, OneBot's self_id...).
  nlohmann::json reply_context = nlohmann::json::object();
};

// Kinds of outbound message, in the order they are normally sent (see Priority).
namespace outbound_kind {
inline constexpr const char* kSafetyReply = "safety_reply";  // emergency number, before anything else
inline constexpr const char* kWarning = "warning";           // anti-fraud warning in the group (or to its worker)
inline constexpr const char* kVisit = "visit";               // 上门劝阻: call on a resident being scammed
inline constexpr const char* kGroupAck = "group_ack";        // "received, ticket #N"
inline constexpr const char* kStaffNotify = "staff_notify";  // a ticket for a worker or team
inline constexpr const char* kAdminNotify = "admin_notify";  // triage and operational reports
inline constexpr const char* kProgress = "progress";         // to a resident about her ticket (受理, 办结, 回访)
inline constexpr const char* kCommandAnswer = "command_answer";  // the bot's answer to a staff command
inline constexpr const char* kBroadcast = "broadcast";       // campaigns: bulk, lowest priority
}  // namespace outbound_kind

// Lower runs first. Urgent and resident-facing rows go before bulk ones.
namespace priority {
inline constexpr int kUrgent = 0;  // safety replies, warnings, visits and urgent notes: the highest
inline constexpr int kResident = 10;
inline constexpr int kStaff = 20;
inline constexpr int kAdmin = 30;
inline constexpr int kBulk = 100;
}  // namespace priority

// One message to deliver. Built by the gateway, stored in the outbox, sent by an adapter.
struct OutboundMessage {
  int64_t id = 0;                 // outbox row id
  std::string idempotency_key;    // stable across retries and restarts
  std::string channel;            // the configured channel that sends it
  std::string kind;               // one of outbound_kind
  Audience audience = Audience::kGroup;
  std::string group_id;
  std::string user_id;
  std::string text;
  std::vector<std::string> mention_user_ids;  // platform user ids to @-mention
  std::vector<std::string> mention_mobiles;   // mobiles to @-mention (WeCom, DingTalk)
  nlohmann::json reply_context = nlohmann::json::object();  // from the inbound message
  int attempt = 0;                // 1 for the first send
};

void to_json(nlohmann::json& j, const Attachment& a);
void from_json(const nlohmann::json& j, Attachment& a);

}  // namespace gridrelay
