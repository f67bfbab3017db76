// The Feishu adapter: verifies, parses, acknowledges and sends for one `feishu` channel.
//
// Inbound order: decrypt-or-not is decided by the channel, not the request (a channel with an
// encrypt_key refuses plaintext, so the signature cannot be bypassed by sending one); the
// signature is checked before decrypting; url_verification, which Feishu never signs, is the
// only event accepted without a signature and is answered at once. Feishu re-pushes an
// unacknowledged event after 5 s, 5 min, 1 h and 6 h, so redeliveries are recognised by
// header.event_id (the dedup key) and the freshness window is off by default.
#include <charconv>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "util/crypto.h"
#include "adapters/common/freshness.h"
#include "adapters/common/http_status.h"
#include "adapters/common/json_fields.h"
#include "adapters/common/webhook_request.h"
#include "adapters/common/settings.h"
#include "util/url.h"
#include "adapters/feishu/feishu.h"
#include "adapters/feishu/feishu_wire.h"

namespace gridrelay::feishu {
namespace {

using nlohmann::json;
using jsonf::Field;
using jsonf::StringField;
using jsonf::ParseInt;
using jsonf::Dump;

constexpr std::string_view kType = "feishu";
constexpr size_t kMaxBodyBytes = 1 << 20;

struct Options {
  std::string verification_token;        // Checked against every event's token. Default: none.
  std::string encrypt_key;               // Events arrive encrypted and signed. Default: none.
  std::string app_id;                    // Set: events for another app get 403. Default: any.
  std::string app_secret;                // With app_id: send through the app's IM API (any chat
                                         // the bot is in, and privately) instead of a custom bot.
  int64_t freshness_window_seconds = 0;  // Default: 0 (off; event_id dedup covers re-pushes).
                                         // Set it above 6 h (21600) if used at all.
  std::string webhook_url;               // Custom bot webhook. Default: built from hook_token.
  std::string hook_token;                // The <token> of .../open-apis/bot/v2/hook/<token>.
  std::string api_base = "https://open.feishu.cn";  // Default: Feishu (Lark: https://open.larksuite.com).
  std::string webhook_secret;            // The bot's signing secret (signed mode). Default: none.
  bool allow_unauthenticated = false;    // Default: false.
  double rate_limit_per_minute = 0;      // Default: custom bot 100 per bot (Feishu's limit, also
                                         // 5/s); app API 300 per chat or user (5/s).
  int64_t timeout_ms = 5000;             // Default: 5 s.
};

StatusOr<Options> ReadOptions(const ChannelSpec& spec) {
  SettingsReader r(spec);
  GR_RETURN_IF_ERROR(r.CheckKnownKeys({"verification_token", "encrypt_key", "app_id", "app_secret",
                                      "freshness_window_seconds", "webhook_url", "hook_token", "api_base",
                                      "webhook_secret", "allow_unauthenticated", "rate_limit_per_minute",
                                      "timeout_ms"}, "see adapters/feishu/README.md"));
  Options o;
  GR_RETURN_IF_ERROR(r.Read("verification_token", &o.verification_token));
  GR_RETURN_IF_ERROR(r.Read("encrypt_key", &o.encrypt_key));
  GR_RETURN_IF_ERROR(r.Read("app_id", &o.app_id));
  GR_RETURN_IF_ERROR(r.Read("app_secret", &o.app_secret));
  GR_RETURN_IF_ERROR(r.Read("freshness_window_seconds", &o.freshness_window_seconds));
  GR_RETURN_IF_ERROR(r.Read("webhook_url", &o.webhook_url));
  GR_RETURN_IF_ERROR(r.Read("hook_token", &o.hook_token));
  GR_RETURN_IF_ERROR(r.ReadBaseUrl("api_base", &o.api_base));
  GR_RETURN_IF_ERROR(r.Read("webhook_secret", &o.webhook_secret));
  GR_RETURN_IF_ERROR(r.Read("allow_unauthenticated", &o.allow_unauthenticated));
  GR_RETURN_IF_ERROR(r.Read("rate_limit_per_minute", &o.rate_limit_per_minute));
  GR_RETURN_IF_ERROR(r.Read("timeout_ms", &o.timeout_ms));
  if (o.verification_token.empty() && o.encrypt_key.empty() && !o.allow_unauthenticated) {
    return r.Error("verification_token",
                   "set 'verification_token' and/or 'encrypt_key' from the app's event subscription page "
                   "(or 'allow_unauthenticated: true')");
  }
  if (!o.webhook_url.empty() && !o.hook_token.empty()) {
    return r.Error("hook_token", "set 'webhook_url' or 'hook_token', not both");
  }
  if (!o.webhook_url.empty() && !url::IsHttpUrl(o.webhook_url)) {
    return r.Error("webhook_url", "'webhook_url' must be an http:// or https:// URL");
  }
  if (o.webhook_url.empty() && !o.hook_token.empty()) o.webhook_url = o.api_base + "/open-apis/bot/v2/hook/" + o.hook_token;
  if (o.freshness_window_seconds < 0) {
    return r.Error("freshness_window_seconds", "'freshness_window_seconds' must be >= 0 (0: off)");
  }
  if (!o.app_secret.empty() && o.app_id.empty()) return r.Error("app_secret", "'app_secret' needs 'app_id'");
  if (o.rate_limit_per_minute < 0) return r.Error("rate_limit_per_minute", "'rate_limit_per_minute' must be >= 0");
  if (o.rate_limit_per_minute == 0) o.rate_limit_per_minute = o.app_secret.empty() ? 100 : 300;
  if (o.timeout_ms <= 0) return r.Error("timeout_ms", "'timeout_ms' must be > 0");
  return o;
}

ParsedWebhook Ignore() {
  ParsedWebhook p;
  p.kind = ParsedWebhook::Kind::kIgnore;
  p.reply = {200, "application/json", "{}"};
  return p;
}

class FeishuAdapter final : public Adapter {
 public:
  FeishuAdapter(std::string channel, Options options, AdapterEnv env)
      : channel_(std::move(channel)), options_(std::move(options)), env_(std::move(env)) {}

  const std::string& channel() const override { return channel_; }
  std::string_view type() const override { return kType; }
  bool CanReplyPrivately() const override { return UsesAppApi(); }
  // Feishu bots get group messages only when @-mentioned unless the app holds the sensitive
  // "read all group messages" scope, which the gateway cannot see: assume the default.
  bool SeesOnlyMentions() const override { return true; }
  // The app API limits each chat and user; a custom bot posts into one group, so every
  // message shares its limit.
  std::string DestinationKey(const OutboundMessage& message) const override {
    return UsesAppApi() ? Adapter::DestinationKey(message) : "bot:" + channel_;
  }
  // Feishu allows 5 per second on both the custom bot and the IM API (error 11232 beyond).
  RateLimit DestinationRateLimit() const override { return {options_.rate_limit_per_minute, 5, 5}; }
  // A request body is at most 20 KB (protocols.md, Feishu custom bot); this leaves the envelope room.
  size_t MaxTextBytes() const override { return 18 * 1024; }

  StatusOr<ParsedWebhook> ParseWebhook(const WebhookRequest& request, int64_t now_seconds) const override;
  Status Send(const OutboundMessage& message) const override;
  StatusOr<WebhookRequest> BuildCallback(const SimulatedMessage& message) const override;

 private:
  Status CheckToken(const std::string& token) const;
  StatusOr<ParsedWebhook> ParseMessageEvent(const json& envelope) const;
  bool UsesAppApi() const { return !options_.app_secret.empty(); }
  const Clock& clock() const { return env_.clock != nullptr ? *env_.clock : SystemClock::Get(); }
  Status SendByBot(const OutboundMessage& message, const std::string& text) const;
  Status SendByApp(const OutboundMessage& message, const std::string& text) const;
  // The cached tenant_access_token, fetched when missing or within 5 minutes of expiry.
  StatusOr<std::string> TenantToken(bool refresh) const;

  const std::string channel_;
  const Options options_;
  const AdapterEnv env_;
  mutable std::mutex token_mu_;
  mutable std::string token_;           // guarded by token_mu_
  mutable int64_t token_expires_ms_ = 0;  // guarded by token_mu_
};

Status FeishuAdapter::CheckToken(const std::string& token) const {
  if (options_.verification_token.empty()) return Status::Ok();
  if (!crypto::ConstantTimeEquals(token, options_.verification_token)) {
    return Status::Unauthenticated("feishu: verification token missing or wrong");
  }
  return Status::Ok();
}

StatusOr<ParsedWebhook> FeishuAdapter::ParseWebhook(const WebhookRequest& request, int64_t now_seconds) const {
  if (request.method != "POST") return Status::InvalidArgument("feishu: events are POSTed");
  if (request.body.size() > kMaxBodyBytes) return Status::PayloadTooLarge("feishu: body too large");
  json outer = json::parse(request.body, nullptr, false);
  if (outer.is_discarded() || !outer.is_object()) return Status::InvalidArgument("feishu: body is not a JSON object");

  bool signature_checked = false;
  json event;
  if (!options_.encrypt_key.empty()) {
    const json& encrypt = Field(outer, "encrypt");
    if (!encrypt.is_string()) return Status::Unauthenticated("feishu: this channel expects encrypted events");
    const std::string signature = HeaderOf(request, "x-lark-signature");
    if (!signature.empty()) {
      const std::string expected = RequestSignature(HeaderOf(request, "x-lark-request-timestamp"),
                                                    HeaderOf(request, "x-lark-request-nonce"), options_.encrypt_key,
                                                    request.body);
      if (!crypto::ConstantTimeEquals(signature, expected)) return Status::Unauthenticated("feishu: X-Lark-Signature wrong");
      signature_checked = true;
    }
    StatusOr<std::string> plain = Decrypt(options_.encrypt_key, encrypt.get_ref<const std::string&>());
    if (!plain.ok()) return plain.status();
    event = json::parse(*plain, nullptr, false);
    if (event.is_discarded() || !event.is_object()) return Status::InvalidArgument("feishu: decrypted event is not a JSON object");
  } else {
    if (Field(outer, "encrypt").is_string()) {
      return Status::InvalidArgument("feishu: encrypted event, but the channel has no encrypt_key");
    }
    event = std::move(outer);
  }

  // The handshake: answered at once with the challenge (Feishu allows 1 s).
  if (StringField(event, "type") == "url_verification") {
    GR_RETURN_IF_ERROR(CheckToken(StringField(event, "token")));
    ParsedWebhook p;
    p.kind = ParsedWebhook::Kind::kReply;
    p.reply = {200, "application/json", Dump(json{{"challenge", StringField(event, "challenge")}})};
    return p;
  }
  if (!options_.encrypt_key.empty() && !signature_checked) {
    return Status::Unauthenticated("feishu: X-Lark-Signature missing");
  }

  const json& header = Field(event, "header");
  if (StringField(event, "schema") != "2.0" || !header.is_object()) {
    if (Field(event, "uuid").is_string()) {  // schema 1.0: authentic if the token matches, not handled
      GR_RETURN_IF_ERROR(CheckToken(StringField(event, "token")));
      return Ignore();
    }
    return Status::InvalidArgument("feishu: not a schema 2.0 event");
  }
  GR_RETURN_IF_ERROR(CheckToken(StringField(header, "token")));
  if (!options_.app_id.empty() && StringField(header, "app_id") != options_.app_id) {
    return Status::PermissionDenied("feishu: event for app '" + StringField(header, "app_id") + "', not this channel's");
  }
  if (options_.freshness_window_seconds > 0) {
    // The signed per-push timestamp when there is one, else the event's creation time.
    int64_t sent = 0;
    const bool known = signature_checked ? ParseInt(HeaderOf(request, "x-lark-request-timestamp"), &sent)
                                         : ParseInt(StringField(header, "create_time"), &sent);
    if (!known) return Status::Unauthenticated("feishu: no timestamp to check the freshness window against");
    GR_RETURN_IF_ERROR(CheckFreshness("feishu", static_cast<double>(sent),
                                      signature_checked ? TimestampUnit::kSeconds : TimestampUnit::kMilliseconds,
                                      now_seconds, options_.freshness_window_seconds));
  }
  if (StringField(header, "event_type") != "im.message.receive_v1") return Ignore();
  return ParseMessageEvent(event);
}

StatusOr<ParsedWebhook> FeishuAdapter::ParseMessageEvent(const json& envelope) const {
  const std::string event_id = StringField(Field(envelope, "header"), "event_id");
  const json& event = Field(envelope, "event");
  const json& sender = Field(event, "sender");
  const json& message = Field(event, "message");
  const std::string message_id = StringField(message, "message_id");
  const std::string chat_id = StringField(message, "chat_id");
  if (event_id.empty() || message_id.empty() || chat_id.empty()) {
    return Status::InvalidArgument("feishu: im.message.receive_v1 without event_id, message_id or chat_id");
  }
  ParsedWebhook parsed;
  parsed.kind = ParsedWebhook::Kind::kMessage;
  InboundMessage& m = parsed.message;
  m.channel = channel_;
  m.dedup_key = event_id;
  m.platform_msg_id = message_id;
  const std::string chat_type = StringField(message, "chat_type");
  m.chat_type = chat_type == "p2p" ? ChatType::kPrivate : ChatType::kGroup;
  m.group_id = chat_type == "p2p" ? "" : chat_id;
  const json& sender_id = Field(sender, "sender_id");
  m.sender_id = StringField(sender_id, "open_id");
  if (m.sender_id.empty()) m.sender_id = StringField(sender_id, "user_id");
  m.from_bot = StringField(sender, "sender_type") == "app";
  int64_t created_ms = 0;
  if (ParseInt(StringField(message, "create_time"), &created_ms)) m.sent_at = created_ms / 1000;
  Content content = ParseContent(StringField(message, "message_type"), StringField(message, "content"));
  m.text = std::move(content.text);
  m.attachments = std::move(content.attachments);
  m.reply_context = {{"message_id", message_id}, {"chat_id", chat_id}, {"chat_type", chat_type}};
  return parsed;
}

// Custom bot answers: {"code":0,"msg":"success"} (older bots: {"StatusCode":0,...}); the code
// says whether a retry can help (11232 frequency limit) or not (sign, IP allow-list, body).
Status SendStatus(const StatusOr<HttpResponse>& result) {
  if (!result.ok()) return result.status();
  const HttpResponse& r = *result;
  const json body = json::parse(r.body, nullptr, false);
  int64_t code = -1;
  std::string msg;
  if (body.is_object()) {
    for (const char* key : {"code", "StatusCode"}) {
      if (Field(body, key).is_number_integer()) code = Field(body, key).get<int64_t>();
    }
    msg = StringField(body, "msg");
    if (msg.empty()) msg = StringField(body, "StatusMessage");
  }
  if (code == -1) {
    const std::string what = "feishu bot: HTTP " + std::to_string(r.status);
    Status http = StatusFromHttp(r.status, what);
    return http.ok() ? Status::Unavailable(what + " without a code") : http;
  }
  const std::string what = "feishu bot: code " + std::to_string(code) + ": " + msg;
  switch (code) {
    case 0: return Status::Ok();
    case 11232: return Status::ResourceExhausted(what);   // frequency limit
    case 19021:                                           // sign or timestamp
    case 19022: return Status::PermissionDenied(what);    // IP not allowed
    case 19001: return Status::NotFound(what);            // webhook token invalid
    case 9499:                                            // bad request body
    case 19024: return Status::InvalidArgument(what);     // keyword check failed
    default: {
      Status http = StatusFromHttp(r.status, what);
      return http.IsTransient() ? http : Status::FailedPrecondition(what);
    }
  }
}

Status FeishuAdapter::Send(const OutboundMessage& message) const {
  if (env_.http == nullptr) return Status::FailedPrecondition("feishu: no HTTP client");
  std::string text;
  for (const std::string& id : message.mention_user_ids) text += "<at user_id=\"" + id + "\"></at> ";
  text += message.text;
  return UsesAppApi() ? SendByApp(message, text) : SendByBot(message, text);
}

Status FeishuAdapter::SendByBot(const OutboundMessage& message, const std::string& text) const {
  if (options_.webhook_url.empty()) {
    return Status::FailedPrecondition("feishu: channel has no webhook_url, hook_token or app_secret to send with");
  }
  if (message.audience == Audience::kUser) {
    return Status::InvalidArgument("feishu: a custom bot posts only into its own group, not to a user");
  }
  json body = {{"msg_type", "text"}, {"content", {{"text", text}}}};
  if (!options_.webhook_secret.empty()) {
    const int64_t now = clock().NowSeconds();
    body["timestamp"] = std::to_string(now);
    body["sign"] = BotSign(now, options_.webhook_secret);
  }
  HttpRequest request;
  request.url = options_.webhook_url;
  request.timeout_ms = static_cast<int>(options_.timeout_ms);
  request.body = Dump(body);
  return SendStatus(env_.http->Do(request));
}

// The code of an open-apis answer, or -1 when it has none.
int64_t ApiCode(const json& body) {
  const json& code = Field(body, "code");
  return code.is_number_integer() ? code.get<int64_t>() : -1;
}

StatusOr<std::string> FeishuAdapter::TenantToken(bool refresh) const {
  std::lock_guard<std::mutex> lock(token_mu_);
  const int64_t now_ms = clock().NowMillis();
  if (!refresh && !token_.empty() && now_ms < token_expires_ms_) return token_;
  HttpRequest request;
  request.url = options_.api_base + "/open-apis/auth/v3/tenant_access_token/internal";
  request.timeout_ms = static_cast<int>(options_.timeout_ms);
  request.body = Dump(json{{"app_id", options_.app_id}, {"app_secret", options_.app_secret}});
  StatusOr<HttpResponse> result = env_.http->Do(request);
  if (!result.ok()) return result.status();
  const json body = json::parse(result->body, nullptr, false);
  const int64_t code = ApiCode(body);
  const std::string token = StringField(body, "tenant_access_token");
  const json& expire = Field(body, "expire");
  if (code == 0 && !token.empty() && expire.is_number_integer()) {
    token_ = token;
    // Refreshed 5 minutes before Feishu expires it (it lives 2 hours).
    token_expires_ms_ = now_ms + (expire.get<int64_t>() - 300) * 1000;
    return token_;
  }
  const std::string what = "feishu: tenant_access_token: HTTP " + std::to_string(result->status) + ", code " +
                           std::to_string(code) + ": " + StringField(body, "msg");
  Status http = StatusFromHttp(result->status, what);
  if (http.IsTransient()) return http;
  if (code == -1) return Status::Unavailable(what);
  return Status::PermissionDenied(what);  // app_id / app_secret wrong, app disabled
}

Status FeishuAdapter::SendByApp(const OutboundMessage& message, const std::string& text) const {
  const bool to_user = message.audience == Audience::kUser;
  std::string receive_id = to_user ? message.user_id : message.group_id;
  if (receive_id.empty() && !to_user) receive_id = StringField(message.reply_context, "chat_id");
  if (receive_id.empty()) return Status::InvalidArgument("feishu: no chat or user to send to");
  json body = {{"receive_id", receive_id}, {"msg_type", "text"}, {"content", Dump(json{{"text", text}})}};
  // Feishu drops a second message with the same uuid within an hour; it takes at most 50 chars.
  if (!message.idempotency_key.empty()) {
    body["uuid"] = message.idempotency_key.size() <= 50 ? message.idempotency_key
                                                        : crypto::Sha256Hex(message.idempotency_key).substr(0, 50);
  }
  HttpRequest request;
  request.url = options_.api_base + "/open-apis/im/v1/messages?receive_id_type=" + (to_user ? "open_id" : "chat_id");
  request.timeout_ms = static_cast<int>(options_.timeout_ms);
  request.body = Dump(body);
  // One retry with a fresh token when Feishu says the cached one is no longer valid.
  for (int attempt = 0; attempt < 2; ++attempt) {
    StatusOr<std::string> token = TenantToken(attempt > 0);
    if (!token.ok()) return token.status();
    request.headers = {{"Authorization", "Bearer " + *token}};
    StatusOr<HttpResponse> result = env_.http->Do(request);
    if (!result.ok()) return result.status();
    const json answer = json::parse(result->body, nullptr, false);
    const int64_t code = ApiCode(answer);
    const std::string what = "feishu API: HTTP " + std::to_string(result->status) + ", code " + std::to_string(code) +
                             ": " + StringField(answer, "msg");
    switch (code) {
      case 0: return Status::Ok();
      case 99991661:  // token missing
      case 99991663:  // token invalid
      case 99991664:
      case 99991668:  // token expired
        if (attempt == 0) continue;
        return Status::Unavailable(what + " (after a token refresh)");
      case 99991400: return Status::ResourceExhausted(what);  // request frequency limit
      default: break;
    }
    Status http = StatusFromHttp(result->status, what);
    if (http.IsTransient()) return http;
    if (code == -1) return Status::Unavailable(what);
    return Status::FailedPrecondition(what);  // bot not in the chat, user out of scope, bad content...
  }
  return Status::Internal("feishu: unreachable");
}

StatusOr<WebhookRequest> FeishuAdapter::BuildCallback(const SimulatedMessage& message) const {
  const bool group = !message.group_id.empty();
  const std::string sender = message.sender_id.empty() ? "ou_simulated_sender" : message.sender_id;
  const std::string event_id = message.msg_id.empty() ? crypto::HexEncode(crypto::RandomBytes(16)) : message.msg_id;
  const std::string created_ms = std::to_string(message.now_seconds * 1000);
  const json content = {{"text", (group ? "@_user_1 " : "") + message.text}};
  json msg = {{"message_id", "om_" + event_id},
              {"create_time", created_ms},
              {"chat_id", group ? message.group_id : "oc_p2p_" + sender},
              {"chat_type", group ? "group" : "p2p"},
              {"message_type", "text"},
              {"content", Dump(content)}};
  if (group) {
    msg["mentions"] = json::array(
        {{{"key", "@_user_1"}, {"id", {{"open_id", "ou_simulated_bot"}}}, {"name", "gridrelay"}, {"tenant_key", "sim"}}});
  }
  const json event = {
      {"schema", "2.0"},
      {"header",
       {{"event_id", event_id},
        {"event_type", "im.message.receive_v1"},
        {"create_time", created_ms},
        {"token", options_.verification_token},
        {"app_id", options_.app_id.empty() ? "cli_simulated" : options_.app_id},
        {"tenant_key", "sim"}}},
      {"event",
       {{"sender", {{"sender_id", {{"open_id", sender}}}, {"sender_type", "user"}, {"tenant_key", "sim"}}},
        {"message", std::move(msg)}}}};
  WebhookRequest request;
  request.method = "POST";
  request.remote_addr = "127.0.0.1";
  request.headers["content-type"] = "application/json; charset=utf-8";
  if (options_.encrypt_key.empty()) {
    request.body = Dump(event);
    return request;
  }
  StatusOr<std::string> encrypted = Encrypt(options_.encrypt_key, Dump(event), crypto::RandomBytes(16));
  if (!encrypted.ok()) return encrypted.status();
  request.body = Dump(json{{"encrypt", *encrypted}});
  const std::string timestamp = std::to_string(message.now_seconds);
  const std::string nonce = crypto::HexEncode(crypto::RandomBytes(8));
  request.headers["x-lark-request-timestamp"] = timestamp;
  request.headers["x-lark-request-nonce"] = nonce;
  request.headers["x-lark-signature"] = RequestSignature(timestamp, nonce, options_.encrypt_key, request.body);
  return request;
}

}  // namespace

void Register(AdapterRegistry& registry) {
  registry.Register(std::string(kType), SettingsFactory<FeishuAdapter>(ReadOptions));
}

}  // namespace gridrelay::feishu
