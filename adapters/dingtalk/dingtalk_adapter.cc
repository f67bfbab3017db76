// The DingTalk adapter: verifies, parses, acknowledges and sends for one `dingtalk` channel.
//
// The callback signature covers only the `timestamp` header, not the body: anyone holding a
// captured (timestamp, sign) pair can post any body for the rest of the freshness window.
// Two consequences here: a channel may insist on DingTalk's source addresses
// (`allowed_sources`), and a sessionWebhook from a body is only ever used when it points at
// the configured DingTalk API host, so a forged body cannot make the gateway post replies
// (ticket texts) to a URL of the forger's choosing.
#include <charconv>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/crypto.h"
#include "adapters/common/freshness.h"
#include "adapters/common/http_status.h"
#include "adapters/common/json_fields.h"
#include "adapters/common/webhook_request.h"
#include "adapters/common/settings.h"
#include "adapters/dingtalk/address_list.h"
#include "adapters/dingtalk/dingtalk.h"
#include "adapters/dingtalk/dingtalk_wire.h"

namespace gridrelay::dingtalk {
namespace {

using nlohmann::json;
using jsonf::Field;
using jsonf::StringField;
using jsonf::IntField;
using jsonf::ParseInt;
using jsonf::Dump;

constexpr std::string_view kType = "dingtalk";
constexpr size_t kMaxBodyBytes = 1 << 20;
// A sessionWebhook is not used in its last minute: a delivery could outlive it.
constexpr int64_t kSessionMarginMs = 60 * 1000;

struct Options {
  std::string app_secret;                   // The robot's AppSecret: checks callback signs. Default: none.
  int64_t freshness_window_seconds = 3600;  // Default: 1 h, as DingTalk requires; 0: off.
  std::vector<std::string> allowed_sources; // Source IPs/CIDRs; empty: any. Default: any.
  std::string access_token;                 // Custom robot access_token (outbound). Default: none.
  std::string secret;                       // Custom robot signing secret (SEC…). Default: none.
  std::string api_base = "https://oapi.dingtalk.com";  // Default: DingTalk's API host.
  std::string app_key;                      // The robot application's AppKey: sends through the app
                                            // robot API (any group it is in, and privately). Default: none.
  std::string robot_code;                   // The robot's robotCode. Default: app_key.
  std::string api_v1_base = "https://api.dingtalk.com";  // Default: DingTalk's new API host.
  bool allow_unauthenticated = false;       // Default: false.
  double rate_limit_per_minute = 20;        // Default: 20 per robot (DingTalk throttles for
                                            // 10 minutes beyond it).
  int64_t timeout_ms = 5000;                // Default: 5 s.
};

struct Settings {
  Options options;
  AddressList sources;
};

StatusOr<Settings> ReadSettings(const ChannelSpec& spec) {
  SettingsReader r(spec);
  GR_RETURN_IF_ERROR(r.CheckKnownKeys({"app_secret", "freshness_window_seconds", "allowed_sources",
                                      "access_token", "secret", "api_base", "app_key", "robot_code",
                                      "api_v1_base", "allow_unauthenticated",
                                      "rate_limit_per_minute", "timeout_ms"}, "see adapters/dingtalk/README.md"));
  Options o;
  GR_RETURN_IF_ERROR(r.Read("app_secret", &o.app_secret));
  GR_RETURN_IF_ERROR(r.Read("freshness_window_seconds", &o.freshness_window_seconds));
  GR_RETURN_IF_ERROR(r.Read("allowed_sources", &o.allowed_sources));
  GR_RETURN_IF_ERROR(r.Read("access_token", &o.access_token));
  GR_RETURN_IF_ERROR(r.Read("secret", &o.secret));
  GR_RETURN_IF_ERROR(r.ReadBaseUrl("api_base", &o.api_base));
  GR_RETURN_IF_ERROR(r.Read("app_key", &o.app_key));
  GR_RETURN_IF_ERROR(r.Read("robot_code", &o.robot_code));
  GR_RETURN_IF_ERROR(r.ReadBaseUrl("api_v1_base", &o.api_v1_base));
  if (o.robot_code.empty()) o.robot_code = o.app_key;
  if (!o.app_key.empty() && o.app_secret.empty()) {
    return r.Error("app_key", "'app_key' needs the application's 'app_secret' to get an access token");
  }
  GR_RETURN_IF_ERROR(r.Read("allow_unauthenticated", &o.allow_unauthenticated));
  GR_RETURN_IF_ERROR(r.Read("rate_limit_per_minute", &o.rate_limit_per_minute));
  GR_RETURN_IF_ERROR(r.Read("timeout_ms", &o.timeout_ms));
  if (o.app_secret.empty() && !o.allow_unauthenticated) {
    return r.Error("app_secret", "'app_secret' (the robot's AppSecret) is required to check callback signs; set "
                                 "'allow_unauthenticated: true' to accept unsigned callbacks");
  }
  if (!o.secret.empty() && o.secret.rfind("SEC", 0) != 0) {
    return r.Error("secret", "'secret' is the custom robot's signing secret and starts with SEC");
  }
  if (!o.secret.empty() && o.access_token.empty()) return r.Error("secret", "'secret' needs 'access_token'");
  if (o.freshness_window_seconds < 0) {
    return r.Error("freshness_window_seconds", "'freshness_window_seconds' must be >= 0 (0: off)");
  }
  if (o.rate_limit_per_minute < 0) return r.Error("rate_limit_per_minute", "'rate_limit_per_minute' must be >= 0");
  if (o.timeout_ms <= 0) return r.Error("timeout_ms", "'timeout_ms' must be > 0");
  StatusOr<AddressList> sources = AddressList::Parse(o.allowed_sources);
  if (!sources.ok()) return r.Error("allowed_sources", sources.status().message());
  return Settings{std::move(o), std::move(sources).value()};
}

class DingTalkAdapter final : public Adapter {
 public:
  DingTalkAdapter(std::string channel, Settings config, AdapterEnv env)
      : channel_(std::move(channel)), options_(std::move(config.options)), sources_(std::move(config.sources)),
        env_(std::move(env)) {}

  const std::string& channel() const override { return channel_; }
  std::string_view type() const override { return kType; }
  bool SeesOnlyMentions() const override { return true; }  // robots get only @-mentions in groups
  bool CanReplyPrivately() const override { return UsesAppApi(); }
  std::string DestinationKey(const OutboundMessage& message) const override;
  RateLimit DestinationRateLimit() const override { return {options_.rate_limit_per_minute, 1}; }

  StatusOr<ParsedWebhook> ParseWebhook(const WebhookRequest& request, int64_t now_seconds) const override;
  WebhookReply Acknowledge(const InboundMessage& message, const AckInfo& info) const override;
  Status Send(const OutboundMessage& message) const override;
  StatusOr<WebhookRequest> BuildCallback(const SimulatedMessage& message) const override;

 private:
  Status Authenticate(const WebhookRequest& request, int64_t now_seconds) const;
  int64_t NowMillis() const { return (env_.clock != nullptr ? *env_.clock : SystemClock::Get()).NowMillis(); }
  // The reply context's sessionWebhook when it may carry `message` now, else "".
  std::string SessionWebhookFor(const OutboundMessage& message, int64_t now_ms) const;
  bool UsesAppApi() const { return !options_.app_key.empty(); }
  // The app's access token, fetched with app_key and app_secret and cached until 5 minutes
  // before it expires.
  StatusOr<std::string> AppToken(int64_t now_ms) const;
  // The app robot API: groupMessages/send into the group, or oToMessages/batchSend to one user.
  Status SendApp(const OutboundMessage& message, int64_t now_ms) const;

  const std::string channel_;
  const Options options_;
  const AddressList sources_;
  const AdapterEnv env_;
  mutable std::mutex token_mu_;
  mutable std::string token_;
  mutable int64_t token_expires_ms_ = 0;
};

Status DingTalkAdapter::Authenticate(const WebhookRequest& request, int64_t now_seconds) const {
  if (options_.app_secret.empty()) return Status::Ok();
  int64_t timestamp_ms = 0;
  if (!ParseInt(HeaderOf(request, "timestamp"), &timestamp_ms)) return Status::Unauthenticated("dingtalk: timestamp header missing");
  GR_RETURN_IF_ERROR(CheckFreshness("dingtalk", static_cast<double>(timestamp_ms), TimestampUnit::kMilliseconds,
                                    now_seconds, options_.freshness_window_seconds));
  if (!crypto::ConstantTimeEquals(HeaderOf(request, "sign"), Sign(timestamp_ms, options_.app_secret))) {
    return Status::Unauthenticated("dingtalk: sign missing or wrong");
  }
  return Status::Ok();
}

StatusOr<ParsedWebhook> DingTalkAdapter::ParseWebhook(const WebhookRequest& request, int64_t now_seconds) const {
  if (request.method != "POST") return Status::InvalidArgument("dingtalk: callbacks are POSTed");
  if (!sources_.empty() && !sources_.Contains(request.remote_addr)) {
    return Status::PermissionDenied("dingtalk: source address " + request.remote_addr + " is not allowed");
  }
  if (request.body.size() > kMaxBodyBytes) return Status::PayloadTooLarge("dingtalk: body too large");
  GR_RETURN_IF_ERROR(Authenticate(request, now_seconds));
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Status::InvalidArgument("dingtalk: body is not a JSON object");

  const std::string msg_id = StringField(body, "msgId");
  const std::string conversation_id = StringField(body, "conversationId");
  const std::string conversation_type = StringField(body, "conversationType");
  if (msg_id.empty() || conversation_id.empty() || (conversation_type != "1" && conversation_type != "2")) {
    return Status::InvalidArgument("dingtalk: callback without msgId, conversationId or conversationType");
  }
  ParsedWebhook parsed;
  parsed.kind = ParsedWebhook::Kind::kMessage;
  InboundMessage& m = parsed.message;
  m.channel = channel_;
  m.dedup_key = msg_id;
  m.platform_msg_id = msg_id;
  m.chat_type = conversation_type == "2" ? ChatType::kGroup : ChatType::kPrivate;
  m.group_id = conversation_type == "2" ? conversation_id : "";
  const std::string sender_id = StringField(body, "senderId");
  const std::string staff_id = StringField(body, "senderStaffId");
  m.sender_id = staff_id.empty() ? sender_id : staff_id;
  m.sender_name = StringField(body, "senderNick");
  m.sent_at = IntField(body, "createAt") / 1000;
  const std::string bot_id = StringField(body, "chatbotUserId");
  m.from_bot = !bot_id.empty() && sender_id == bot_id;
  Content content = ParseContent(body);
  m.text = std::move(content.text);
  m.attachments = std::move(content.attachments);
  m.reply_context = {{"conversation_id", conversation_id},
                     {"conversation_type", conversation_type},
                     {"sender_id", sender_id},
                     {"sender_staff_id", staff_id}};
  // Only DingTalk's own session URLs: the body is not signed.
  const std::string session = StringField(body, "sessionWebhook");
  if (session.rfind(options_.api_base + "/", 0) == 0) {
    m.reply_context["session_webhook"] = session;
    m.reply_context["session_webhook_expires_ms"] = IntField(body, "sessionWebhookExpiredTime");
  }
  return parsed;
}

WebhookReply DingTalkAdapter::Acknowledge(const InboundMessage& message, const AckInfo& info) const {
  json reply = {{"msgtype", "empty"}};
  if (!info.duplicate && !info.passive_text.empty() && !message.from_bot) {
    // The outgoing robot posts a message in the HTTP answer into the conversation.
    reply = {{"msgtype", "text"}, {"text", {{"content", info.passive_text}}}};
    const std::string staff_id = StringField(message.reply_context, "sender_staff_id");
    if (message.chat_type == ChatType::kGroup && !staff_id.empty()) {
      reply["at"] = {{"atUserIds", {staff_id}}, {"isAtAll", false}};
    }
  }
  return {200, "application/json", Dump(reply)};
}

std::string DingTalkAdapter::SessionWebhookFor(const OutboundMessage& message, int64_t now_ms) const {
  const json& ctx = message.reply_context;
  const std::string url = StringField(ctx, "session_webhook");
  if (url.empty() || IntField(ctx, "session_webhook_expires_ms") <= now_ms + kSessionMarginMs) return {};
  const std::string type = StringField(ctx, "conversation_type");
  if (message.audience == Audience::kUser) {
    const bool same_user = message.user_id == StringField(ctx, "sender_staff_id") ||
                           message.user_id == StringField(ctx, "sender_id");
    return type == "1" && same_user ? url : std::string();
  }
  const bool same_group = message.group_id.empty() || message.group_id == StringField(ctx, "conversation_id");
  return type == "2" && same_group ? url : std::string();
}

std::string DingTalkAdapter::DestinationKey(const OutboundMessage& message) const {
  const std::string conversation = StringField(message.reply_context, "conversation_id");
  if (!StringField(message.reply_context, "session_webhook").empty() && !conversation.empty()) {
    return "conversation:" + conversation;
  }
  if (UsesAppApi()) return "app:" + channel_;
  return "robot:" + channel_;  // one custom robot, one bucket
}

// Robot send answers {"errcode":0,"errmsg":"ok"}; the errcode says whether a retry can help.
Status SendStatus(const StatusOr<HttpResponse>& result) {
  if (!result.ok()) return result.status();
  const HttpResponse& r = *result;
  const json body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || !Field(body, "errcode").is_number_integer()) {
    const std::string what = "dingtalk robot: HTTP " + std::to_string(r.status);
    Status http = StatusFromHttp(r.status, what);
    return http.ok() ? Status::Unavailable(what + " without an errcode") : http;
  }
  const int64_t code = Field(body, "errcode").get<int64_t>();
  const std::string what = "dingtalk robot: errcode " + std::to_string(code) + ": " + StringField(body, "errmsg");
  switch (code) {
    case 0: return Status::Ok();
    case -1: return Status::Unavailable(what);             // system busy
    case 130101:                                           // send too fast (20/min)
    case 410100: return Status::ResourceExhausted(what);   // throttled
    case 310000:                                           // sign, timestamp or keyword
    case 300001: return Status::PermissionDenied(what);    // token missing / not found
    case 400102: return Status::FailedPrecondition(what);  // robot stopped
    default: {
      Status http = StatusFromHttp(r.status, what);
      return http.IsTransient() ? http : Status::FailedPrecondition(what);
    }
  }
}

// The new API (api.dingtalk.com) answers 2xx on success and {"code","message"} otherwise.
Status AppStatus(const StatusOr<HttpResponse>& result, const std::string& what) {
  if (!result.ok()) return result.status();
  if (result->status >= 200 && result->status < 300) return Status::Ok();
  const json body = json::parse(result->body, nullptr, false);
  std::string detail = "dingtalk " + what + ": HTTP " + std::to_string(result->status);
  if (body.is_object()) detail += ": " + StringField(body, "code") + " " + StringField(body, "message");
  return StatusFromHttp(result->status, detail);
}

StatusOr<std::string> DingTalkAdapter::AppToken(int64_t now_ms) const {
  std::lock_guard<std::mutex> lock(token_mu_);
  if (!token_.empty() && now_ms < token_expires_ms_ - 5 * 60 * 1000) return token_;
  HttpRequest request;
  request.url = options_.api_v1_base + "/v1.0/oauth2/accessToken";
  request.body = Dump(json{{"appKey", options_.app_key}, {"appSecret", options_.app_secret}});
  request.timeout_ms = static_cast<int>(options_.timeout_ms);
  const StatusOr<HttpResponse> result = env_.http->Do(request);
  GR_RETURN_IF_ERROR(AppStatus(result, "accessToken"));
  const json body = json::parse(result->body, nullptr, false);
  const std::string token = StringField(body, "accessToken");
  if (token.empty()) return Status::Unavailable("dingtalk accessToken: no accessToken in the answer");
  token_ = token;
  token_expires_ms_ = now_ms + IntField(body, "expireIn") * 1000;
  return token_;
}

Status DingTalkAdapter::SendApp(const OutboundMessage& message, int64_t now_ms) const {
  StatusOr<std::string> token = AppToken(now_ms);
  if (!token.ok()) return token.status();
  HttpRequest request;
  request.timeout_ms = static_cast<int>(options_.timeout_ms);
  request.headers.push_back({"x-acs-dingtalk-access-token", *token});
  // sampleText cannot @-mention: the text names the ticket, and the group sees it.
  json body = {{"robotCode", options_.robot_code}, {"msgKey", "sampleText"},
               {"msgParam", Dump(json{{"content", message.text}})}};
  std::string what;
  if (message.audience == Audience::kUser) {
    what = "oToMessages/batchSend";
    body["userIds"] = json::array({message.user_id});
  } else {
    what = "groupMessages/send";
    const std::string group =
        message.group_id.empty() ? StringField(message.reply_context, "conversation_id") : message.group_id;
    if (group.empty()) return Status::InvalidArgument("dingtalk: a group message without a conversation");
    body["openConversationId"] = group;
  }
  request.url = options_.api_v1_base + "/v1.0/robot/" + what;
  request.body = Dump(body);
  const StatusOr<HttpResponse> result = env_.http->Do(request);
  if (result.ok() && result->status == 401) {
    std::lock_guard<std::mutex> lock(token_mu_);
    token_.clear();  // expired or revoked early: a new one on the retry
    return Status::Unavailable("dingtalk " + what + ": access token refused (HTTP 401)");
  }
  return AppStatus(result, what);
}

Status DingTalkAdapter::Send(const OutboundMessage& message) const {
  if (env_.http == nullptr) return Status::FailedPrecondition("dingtalk: no HTTP client");
  const int64_t now_ms = NowMillis();
  HttpRequest request;
  request.timeout_ms = static_cast<int>(options_.timeout_ms);
  request.url = SessionWebhookFor(message, now_ms);
  // Without a live session: the app robot API where configured (it reaches every group the
  // robot is in), else the custom robot (which posts only into its own group).
  if (request.url.empty() && UsesAppApi()) return SendApp(message, now_ms);
  if (request.url.empty()) {
    if (message.audience == Audience::kUser) {
      return Status::FailedPrecondition("dingtalk: no live session with this user; a custom robot posts only into its group");
    }
    if (options_.access_token.empty()) {
      return Status::FailedPrecondition("dingtalk: no live sessionWebhook and no custom robot access_token");
    }
    request.url = options_.api_base + "/robot/send?access_token=" + crypto::UrlEncode(options_.access_token);
    if (!options_.secret.empty()) {
      request.url += "&timestamp=" + std::to_string(now_ms) + "&sign=" + crypto::UrlEncode(Sign(now_ms, options_.secret));
    }
  }
  json body = {{"msgtype", "text"}, {"text", {{"content", message.text}}}};
  if (!message.mention_mobiles.empty() || !message.mention_user_ids.empty()) {
    body["at"] = {{"atMobiles", message.mention_mobiles}, {"atUserIds", message.mention_user_ids}, {"isAtAll", false}};
  }
  request.body = Dump(body);
  return SendStatus(env_.http->Do(request));
}

StatusOr<WebhookRequest> DingTalkAdapter::BuildCallback(const SimulatedMessage& message) const {
  const bool group = !message.group_id.empty();
  const std::string staff_id = message.sender_id.empty() ? "sim-staff" : message.sender_id;
  const std::string sender_id = "$:LWCP_v1:$" + staff_id;
  const std::string msg_id = message.msg_id.empty() ? "msg" + crypto::HexEncode(crypto::RandomBytes(12)) : message.msg_id;
  const int64_t now_ms = message.now_seconds * 1000;
  const json body = {
      {"msgtype", "text"},
      {"text", {{"content", " " + message.text}}},
      {"msgId", msg_id},
      {"createAt", now_ms},
      {"conversationType", group ? "2" : "1"},
      {"conversationId", group ? message.group_id : "cid_p2p_" + staff_id},
      {"conversationTitle", group ? "gridrelay simulate" : ""},
      {"senderId", sender_id},
      {"senderNick", message.sender_name.empty() ? "simulated resident" : message.sender_name},
      {"senderStaffId", staff_id},
      {"senderCorpId", "dingsimulated"},
      {"chatbotUserId", "$:LWCP_v1:$simulated-bot"},
      {"chatbotCorpId", "dingsimulated"},
      {"isAdmin", false},
      {"isInAtList", true},
      {"atUsers", json::array({{{"dingtalkId", "$:LWCP_v1:$simulated-bot"}}})},
      {"sessionWebhook", options_.api_base + "/robot/sendBySession?session=sim" + crypto::HexEncode(crypto::RandomBytes(8))},
      {"sessionWebhookExpiredTime", now_ms + 90 * 60 * 1000}};
  WebhookRequest request;
  request.method = "POST";
  request.remote_addr = "127.0.0.1";
  request.headers["content-type"] = "application/json; charset=utf-8";
  request.body = Dump(body);
  if (!options_.app_secret.empty()) {
    request.headers["timestamp"] = std::to_string(now_ms);
    request.headers["sign"] = Sign(now_ms, options_.app_secret);
  }
  return request;
}

}  // namespace

void Register(AdapterRegistry& registry) {
  registry.Register(std::string(kType), SettingsFactory<DingTalkAdapter>(ReadSettings));
}

}  // namespace gridrelay::dingtalk
