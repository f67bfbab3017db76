// WecomAdapter: one WeCom channel, in either of WeCom's two callback modes.
//
//   robot  群机器人回调 (protocols.md §A.9): group chats that @-mention the robot. Receive id "",
//          fields ChatId/ChatType/From/WebhookUrl; replies go through the per-message WebhookUrl
//          (or the configured robot_key) with chatid, and as an encrypted passive reply that
//          @-mentions the sender.
//   app    self-built application callback (§A.1-A.7): staff talking to the app one to one.
//          Receive id = CorpID; replies through cgi-bin/message/send with a cached access_token.
//
// Both modes share MsgCrypt and accept WeCom's XML and JSON callback formats (the reply uses
// the format the callback came in). Any mode can also send privately when corp_id, corp_secret
// and agent_id are configured. Immutable after Create except the access_token cache, which
// guards itself; every method is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "adapters/wecom/api.h"
#include "adapters/wecom/msg_crypt.h"
#include "adapters/wecom/payload.h"
#include "gateway/core/adapter.h"

namespace gridrelay::wecom {

// A channel's settings, validated once by ParseSettings. Defaults are the documented ones.
struct WecomSettings {
  enum class Mode { kRobot, kApp };
  Mode mode = Mode::kRobot;                       // `mode`: robot | app. Default: robot.
  std::string token;                              // `token`: required; signs every callback.
  std::string encoding_aes_key;                   // `encoding_aes_key`: required; 43 characters.
  std::string corp_id;                            // `corp_id`: required in app mode (the receive id).
  std::string agent_id;                           // `agent_id`: the app's AgentId, for message/send.
  std::string corp_secret;                        // `corp_secret`: the app's Secret, for gettoken.
  std::string robot_key;                          // `robot_key`: webhook key when a message has no WebhookUrl.
  std::string robot_name;                         // `robot_name`: stripped from "@robot_name text". Default: the
                                                  //   leading @-mention of a group message is stripped.
  std::string api_base = "https://qyapi.weixin.qq.com";  // `api_base`: no trailing slash.
  int64_t freshness_seconds = 300;                // `freshness_seconds`: 0 = off. Default: 300 (WeCom retries
                                                  //   within seconds; 5 minutes absorbs clock skew).
  double rate_limit_per_minute = 0;               // `rate_limit_per_minute`. Default: 20 (robot), 30 (app).
  std::string robot_msgtype = "text";             // `robot_msgtype`: text | markdown. Default: text.
  bool send_chatid = true;                        // `send_chatid`: name the chat in robot sends. Default: true
                                                  //   (a robot in several chats would otherwise broadcast).
  int64_t duplicate_check_seconds = 1800;         // `duplicate_check_seconds`: message/send dedup window, 0 = off.
  int timeout_ms = 5000;                          // `timeout_ms`: per outbound HTTP call. Default: 5000.

  bool HasAppCredentials() const { return !corp_id.empty() && !corp_secret.empty() && !agent_id.empty(); }
};

// Validates a channel section. Errors name the file and line of the offending key.
StatusOr<WecomSettings> ParseSettings(const ChannelSpec& spec);

class WecomAdapter final : public Adapter {
 public:
  static constexpr size_t kTextLimitBytes = 2048;      // text content, robot and app
  static constexpr size_t kMarkdownLimitBytes = 4096;  // robot markdown content

  static StatusOr<std::unique_ptr<Adapter>> Create(const ChannelSpec& spec, const AdapterEnv& env);

  const std::string& channel() const override { return channel_; }
  std::string_view type() const override { return "wecom"; }
  bool CanReplyPrivately() const override { return settings_.HasAppCredentials(); }
  bool SeesOnlyMentions() const override { return true; }  // group robots get only @-mentions

  StatusOr<ParsedWebhook> ParseWebhook(const WebhookRequest& request, int64_t now_seconds) const override;
  WebhookReply Acknowledge(const InboundMessage& message, const AckInfo& info) const override;
  std::string DestinationKey(const OutboundMessage& message) const override;
  RateLimit DestinationRateLimit() const override { return {settings_.rate_limit_per_minute, 1}; }
  // Send truncates beyond these; a campaign is refused instead (markdown only through a robot).
  size_t MaxTextBytes() const override {
    return settings_.mode == WecomSettings::Mode::kRobot && settings_.robot_msgtype == "markdown" ? kMarkdownLimitBytes
                                                                                                 : kTextLimitBytes;
  }
  Status Send(const OutboundMessage& message) const override;
  StatusOr<WebhookRequest> BuildCallback(const SimulatedMessage& message) const override;

  const WecomSettings& settings() const { return settings_; }

 private:
  WecomAdapter(std::string channel, WecomSettings settings, MsgCrypt crypt, const AdapterEnv& env);

  // `plaintext` is the decrypted callback, whose digest tells apart messages without a MsgId.
  StatusOr<ParsedWebhook> ParseMessage(const PayloadNode& msg, PayloadFormat format, int64_t timestamp,
                                       std::string_view plaintext) const;
  // Fill `out` from a decrypted callback; false when it is not a message (an event, a click).
  bool FillRobotMessage(const PayloadNode& msg, InboundMessage& out) const;
  bool FillAppMessage(const PayloadNode& msg, InboundMessage& out) const;
  std::string StripRobotMention(std::string text, bool group) const;
  bool IsTrustedWebhookUrl(const std::string& url) const;
  // The robot webhook URL a message goes to, or "" if there is none.
  std::string RobotUrl(const OutboundMessage& message) const;
  Status SendRobot(const OutboundMessage& message) const;
  Status SendApp(const std::string& user_id, const std::string& text) const;
  // Wraps a plaintext reply into the encrypted envelope WeCom expects.
  std::string SealReply(const std::string& plaintext, PayloadFormat format) const;
  int64_t NowSeconds() const;

  const std::string channel_;
  const WecomSettings settings_;
  const MsgCrypt crypt_;
  const AdapterEnv env_;
  const std::string api_host_;  // host[:port] of api_base, trusted for callback WebhookUrls
  std::unique_ptr<AccessTokenCache> tokens_;  // set when the app credentials are
};

}  // namespace gridrelay::wecom
