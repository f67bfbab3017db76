// The OneBot adapter: verifies, parses, acknowledges and sends for one `onebot` channel.
//
// v11 (HTTP POST reporting) signs the raw body with HMAC-SHA1 and defines no timestamp, so
// a captured report can be replayed verbatim; the event's own `time` (covered by the
// signature) is therefore held to the channel's freshness window, and the dedup key
// includes it because message_id is an int32 that implementations reuse. v12 (HTTP
// webhook) authenticates with a Bearer token instead and gives every event a unique `id`.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/crypto.h"
#include "adapters/common/freshness.h"
#include "adapters/common/http_status.h"
#include "adapters/common/json_fields.h"
#include "adapters/common/webhook_request.h"
#include "adapters/common/settings.h"
#include "adapters/onebot/onebot.h"
#include "adapters/onebot/segments.h"

namespace gridrelay::onebot {
namespace {

using nlohmann::json;
using jsonf::Field;
using jsonf::StringField;

constexpr std::string_view kType = "onebot";
// Bodies are capped by the server; this guards the adapter when used on its own.
constexpr size_t kMaxBodyBytes = 1 << 20;

struct Options {
  int64_t version = 11;                   // Default: 11. 11 | 12.
  std::string secret;                     // v11: X-Signature HMAC-SHA1 key. Default: none.
  std::string access_token;               // Bearer token of the implementation's HTTP API
                                          // (outbound), and of v12 webhooks (inbound). Default: none.
  std::string self_id;                    // The bot's account. Default: none (taken from each
                                          // event). Set: events for another account get 403.
  std::string api_base = "http://127.0.0.1:5700";  // Default: the implementations' default port.
  int64_t freshness_window_seconds = 300; // Default: 5 min around the event's `time`; 0: off.
  bool allow_unauthenticated = false;     // Default: false; a channel without secret/token is refused.
  double rate_limit_per_minute = 20;      // Default: 20 per group or user (QQ's risk control
                                          // flags bursts; OneBot itself has no limit).
  int64_t timeout_ms = 5000;              // Default: 5 s per API call.
};

StatusOr<Options> ReadOptions(const ChannelSpec& spec) {
  SettingsReader r(spec);
  GR_RETURN_IF_ERROR(r.CheckKnownKeys({"version", "secret", "access_token", "self_id", "api_base",
                                      "freshness_window_seconds", "allow_unauthenticated",
                                      "rate_limit_per_minute", "timeout_ms"}, "see adapters/onebot/README.md"));
  Options o;
  GR_RETURN_IF_ERROR(r.Read("version", &o.version));
  GR_RETURN_IF_ERROR(r.Read("secret", &o.secret));
  GR_RETURN_IF_ERROR(r.Read("access_token", &o.access_token));
  GR_RETURN_IF_ERROR(r.Read("self_id", &o.self_id));
  GR_RETURN_IF_ERROR(r.ReadBaseUrl("api_base", &o.api_base));
  GR_RETURN_IF_ERROR(r.Read("freshness_window_seconds", &o.freshness_window_seconds));
  GR_RETURN_IF_ERROR(r.Read("allow_unauthenticated", &o.allow_unauthenticated));
  GR_RETURN_IF_ERROR(r.Read("rate_limit_per_minute", &o.rate_limit_per_minute));
  GR_RETURN_IF_ERROR(r.Read("timeout_ms", &o.timeout_ms));
  if (o.version != 11 && o.version != 12) return r.Error("version", "'version' must be 11 or 12");
  if (o.version == 12 && !o.secret.empty()) {
    return r.Error("secret", "OneBot 12 webhooks carry no X-Signature; use 'access_token'");
  }
  const bool authenticated = o.version == 11 ? !o.secret.empty() : !o.access_token.empty();
  if (!authenticated && !o.allow_unauthenticated) {
    const char* key = o.version == 11 ? "secret" : "access_token";
    return r.Error(key, std::string("'") + key +
                            "' is required (anyone could post events otherwise); set "
                            "'allow_unauthenticated: true' to accept unsigned events");
  }
  if (o.freshness_window_seconds < 0) {
    return r.Error("freshness_window_seconds", "'freshness_window_seconds' must be >= 0 (0: off)");
  }
  if (o.rate_limit_per_minute < 0) return r.Error("rate_limit_per_minute", "'rate_limit_per_minute' must be >= 0");
  if (o.timeout_ms <= 0) return r.Error("timeout_ms", "'timeout_ms' must be > 0");
  return o;
}

// An id field as a string: v11 ids are numbers, v12 ids strings. "" when absent or nested.
std::string IdString(const json& event, const char* key) {
  auto it = event.find(key);
  if (it == event.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return {};
}

bool IsDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

WebhookReply NoContent() { return {204, "application/json", ""}; }

ParsedWebhook Ignore() {
  ParsedWebhook p;
  p.kind = ParsedWebhook::Kind::kIgnore;
  p.reply = NoContent();
  return p;
}

// Maps an HTTP API answer to a Status. v11 (api/public.md): status ok / async (retcode 1) /
// failed; v12 (action-response): status ok / failed with retcode classes 1xxxx (bad request),
// 2xxxx (handler), 3xxxx (execution: 33xxx network, 36xxx "I am tired"), which say whether
// a retry can help.
Status ActionStatus(const StatusOr<HttpResponse>& result, int64_t version) {
  if (!result.ok()) return result.status();  // transport: kUnavailable / kDeadlineExceeded
  const HttpResponse& r = *result;
  const std::string where = "onebot API: HTTP " + std::to_string(r.status);
  // 401/403: access_token missing or wrong; 404: unknown action; other 4xx: bad Content-Type or body.
  GR_RETURN_IF_ERROR(StatusFromHttp(r.status, where));
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Status::Unavailable("onebot API: malformed answer");
  const std::string status = StringField(body, "status");
  auto rc = body.find("retcode");
  const int64_t retcode = rc != body.end() && rc->is_number_integer() ? rc->get<int64_t>() : -1;
  if (status == "ok" || status == "async") return Status::Ok();
  std::string message = StringField(body, "wording");
  if (message.empty()) message = StringField(body, version == 12 ? "message" : "msg");
  const std::string what = "onebot API: retcode " + std::to_string(retcode) + ": " + message;
  if (version == 12) {
    if (retcode >= 33000 && retcode < 34000) return Status::Unavailable(what);
    if (retcode >= 36000 && retcode < 37000) return Status::ResourceExhausted(what);
    if (retcode >= 31000 && retcode < 33000) return Status::Unavailable(what);
    if (retcode == 20002) return Status::Unavailable(what);
    if (retcode == 10002) return Status::NotFound(what);
    if (retcode >= 10000 && retcode < 20000) return Status::InvalidArgument(what);
    return Status::FailedPrecondition(what);
  }
  switch (retcode) {
    case 1400: return Status::InvalidArgument(what);
    case 1401:
    case 1403: return Status::PermissionDenied(what);
    case 1404: return Status::NotFound(what);
    default: return Status::FailedPrecondition(what);
  }
}

class OneBotAdapter final : public Adapter {
 public:
  OneBotAdapter(std::string channel, Options options, AdapterEnv env)
      : channel_(std::move(channel)), options_(std::move(options)), env_(env) {}

  const std::string& channel() const override { return channel_; }
  std::string_view type() const override { return kType; }
  bool CanReplyPrivately() const override { return true; }
  RateLimit DestinationRateLimit() const override { return {options_.rate_limit_per_minute, 3}; }

  StatusOr<ParsedWebhook> ParseWebhook(const WebhookRequest& request, int64_t now_seconds) const override;
  WebhookReply Acknowledge(const InboundMessage& message, const AckInfo& info) const override;
  Status Send(const OutboundMessage& message) const override;
  StatusOr<WebhookRequest> BuildCallback(const SimulatedMessage& message) const override;

 private:
  Status Authenticate(const WebhookRequest& request) const;
  StatusOr<ParsedWebhook> ParseV11(const json& event, int64_t now_seconds) const;
  StatusOr<ParsedWebhook> ParseV12(const json& event, int64_t now_seconds) const;
  json MessageSegments(const OutboundMessage& message) const;

  const std::string channel_;
  const Options options_;
  const AdapterEnv env_;
};

Status OneBotAdapter::Authenticate(const WebhookRequest& request) const {
  if (options_.version == 11) {
    if (options_.secret.empty()) return Status::Ok();
    const std::string expected = "sha1=" + crypto::HexEncode(crypto::HmacSha1(options_.secret, request.body));
    if (!crypto::ConstantTimeEquals(HeaderOf(request, "x-signature"), expected)) {
      return Status::Unauthenticated("onebot: X-Signature missing or wrong");
    }
    return Status::Ok();
  }
  if (options_.access_token.empty()) return Status::Ok();
  std::string presented;
  const std::string authorization = HeaderOf(request, "authorization");
  if (authorization.rfind("Bearer ", 0) == 0) {
    presented = authorization.substr(7);
  } else if (auto it = request.query.find("access_token"); it != request.query.end()) {
    presented = it->second;
  }
  if (!crypto::ConstantTimeEquals(presented, options_.access_token)) {
    return Status::Unauthenticated("onebot: access token missing or wrong");
  }
  return Status::Ok();
}

StatusOr<ParsedWebhook> OneBotAdapter::ParseWebhook(const WebhookRequest& request, int64_t now_seconds) const {
  if (request.method != "POST") return Status::InvalidArgument("onebot: events are POSTed");
  if (request.body.size() > kMaxBodyBytes) return Status::PayloadTooLarge("onebot: body too large");
  GR_RETURN_IF_ERROR(Authenticate(request));
  const json event = json::parse(request.body, nullptr, false);
  if (event.is_discarded() || !event.is_object()) return Status::InvalidArgument("onebot: body is not a JSON object");
  return options_.version == 11 ? ParseV11(event, now_seconds) : ParseV12(event, now_seconds);
}

StatusOr<ParsedWebhook> OneBotAdapter::ParseV11(const json& event, int64_t now_seconds) const {
  const std::string post_type = StringField(event, "post_type");
  if (post_type != "message" && post_type != "message_sent") return Ignore();  // meta_event, notice, request
  const std::string self_id = IdString(event, "self_id");
  if (!options_.self_id.empty() && self_id != options_.self_id) {
    return Status::PermissionDenied("onebot: event for account " + self_id + ", not this channel's");
  }
  auto time = event.find("time");
  if (time == event.end() || !time->is_number_integer()) return Status::InvalidArgument("onebot: event has no integer 'time'");
  const int64_t sent_at = time->get<int64_t>();
  GR_RETURN_IF_ERROR(CheckFreshness("onebot", static_cast<double>(sent_at), TimestampUnit::kSeconds, now_seconds,
                                    options_.freshness_window_seconds));

  const std::string message_type = StringField(event, "message_type");
  if (message_type != "group" && message_type != "private") return Ignore();  // e.g. guild
  const bool group = message_type == "group";
  const std::string message_id = IdString(event, "message_id");
  const std::string user_id = IdString(event, "user_id");
  const std::string group_id = IdString(event, "group_id");
  if (message_id.empty() || user_id.empty() || (group && group_id.empty())) {
    return Status::InvalidArgument("onebot: message event without message_id, user_id or group_id");
  }

  ParsedWebhook parsed;
  parsed.kind = ParsedWebhook::Kind::kMessage;
  InboundMessage& m = parsed.message;
  m.channel = channel_;
  m.platform_msg_id = message_id;
  m.chat_type = group ? ChatType::kGroup : ChatType::kPrivate;
  m.group_id = group ? group_id : "";
  m.sender_id = user_id;
  m.sent_at = sent_at;
  m.dedup_key = (group ? "group:" + group_id : "private:" + user_id) + ":" + message_id +
                ":" + std::to_string(sent_at);
  if (auto sender = event.find("sender"); sender != event.end() && sender->is_object()) {
    m.sender_name = StringField(*sender, "card");
    if (m.sender_name.empty()) m.sender_name = StringField(*sender, "nickname");
  }
  Flattened flat = Flatten(ParseMessage(Field(event, "message")), self_id);
  m.text = std::move(flat.text);
  m.attachments = std::move(flat.attachments);
  m.from_bot = post_type == "message_sent" || (!self_id.empty() && user_id == self_id);
  m.reply_context = {{"self_id", self_id}, {"message_type", message_type}, {"user_id", user_id},
                     {"message_id", message_id}};
  if (!m.group_id.empty()) m.reply_context["group_id"] = m.group_id;
  return parsed;
}

StatusOr<ParsedWebhook> OneBotAdapter::ParseV12(const json& event, int64_t now_seconds) const {
  if (StringField(event, "type") != "message") return Ignore();  // meta, notice, request
  std::string self_id;
  if (auto self = event.find("self"); self != event.end() && self->is_object()) self_id = IdString(*self, "user_id");
  if (!options_.self_id.empty() && self_id != options_.self_id) {
    return Status::PermissionDenied("onebot: event for account " + self_id + ", not this channel's");
  }
  auto time = event.find("time");
  if (time == event.end() || !time->is_number()) return Status::InvalidArgument("onebot: event has no numeric 'time'");
  const double event_time = time->get<double>();
  GR_RETURN_IF_ERROR(
      CheckFreshness("onebot", event_time, TimestampUnit::kSeconds, now_seconds, options_.freshness_window_seconds));

  const std::string detail_type = StringField(event, "detail_type");
  if (detail_type != "group" && detail_type != "private") return Ignore();  // e.g. channel
  const bool group = detail_type == "group";
  const std::string id = StringField(event, "id");
  const std::string message_id = IdString(event, "message_id");
  const std::string user_id = IdString(event, "user_id");
  const std::string group_id = IdString(event, "group_id");
  if (id.empty() || user_id.empty() || (group && group_id.empty())) {
    return Status::InvalidArgument("onebot: message event without id, user_id or group_id");
  }

  ParsedWebhook parsed;
  parsed.kind = ParsedWebhook::Kind::kMessage;
  InboundMessage& m = parsed.message;
  m.channel = channel_;
  m.dedup_key = id;
  m.platform_msg_id = message_id;
  m.chat_type = group ? ChatType::kGroup : ChatType::kPrivate;
  m.group_id = group ? group_id : "";
  m.sender_id = user_id;
  m.sent_at = std::isfinite(event_time) ? static_cast<int64_t>(event_time) : 0;
  Flattened flat = Flatten(ParseMessage(Field(event, "message")), self_id);
  m.text = flat.text.empty() && flat.attachments.empty() ? StringField(event, "alt_message") : std::move(flat.text);
  m.attachments = std::move(flat.attachments);
  m.from_bot = !self_id.empty() && user_id == self_id;
  m.reply_context = {{"self_id", self_id}, {"detail_type", detail_type}, {"user_id", user_id},
                     {"message_id", message_id}};
  if (!m.group_id.empty()) m.reply_context["group_id"] = m.group_id;
  return parsed;
}

WebhookReply OneBotAdapter::Acknowledge(const InboundMessage& message, const AckInfo& info) const {
  // A committed message (or a re-delivery of one) is answered 200 with "no operation" ({} in
  // v11, an empty action list in v12): both specs accept it, and a 200 is what every
  // platform counts as delivered.
  if (info.duplicate || info.passive_text.empty() || message.from_bot) {
    return {200, "application/json", options_.version == 11 ? "{}" : "[]"};
  }
  const bool group = message.chat_type == ChatType::kGroup;
  json reply;
  if (options_.version == 11) {
    // Quick operation (http-post.md): auto_escape keeps the text from being read as CQ codes.
    reply = {{"reply", info.passive_text}, {"auto_escape", true}};
    if (group) reply["at_sender"] = true;
  } else {
    // v12 webhook: a 200 body is a list of action requests.
    json segments = json::array();
    if (group) segments.push_back({{"type", "mention"}, {"data", {{"user_id", message.sender_id}}}});
    segments.push_back({{"type", "text"}, {"data", {{"text", (group ? " " : "") + info.passive_text}}}});
    json params = {{"detail_type", group ? "group" : "private"}, {"message", std::move(segments)}};
    params[group ? "group_id" : "user_id"] = group ? message.group_id : message.sender_id;
    reply = json::array({{{"action", "send_message"}, {"params", std::move(params)}}});
  }
  return {200, "application/json", reply.dump(-1, ' ', false, json::error_handler_t::replace)};
}

json OneBotAdapter::MessageSegments(const OutboundMessage& message) const {
  json segments = json::array();
  for (const std::string& id : message.mention_user_ids) {
    if (options_.version == 11) {
      segments.push_back({{"type", "at"}, {"data", {{"qq", id}}}});
    } else {
      segments.push_back({{"type", "mention"}, {"data", {{"user_id", id}}}});
    }
  }
  std::string text = segments.empty() ? message.text : " " + message.text;
  segments.push_back({{"type", "text"}, {"data", {{"text", std::move(text)}}}});
  return segments;
}

Status OneBotAdapter::Send(const OutboundMessage& message) const {
  if (env_.http == nullptr) return Status::FailedPrecondition("onebot: no HTTP client");
  const bool to_user = message.audience == Audience::kUser;
  std::string target = to_user ? message.user_id : message.group_id;
  if (target.empty()) target = StringField(message.reply_context, to_user ? "user_id" : "group_id");
  if (target.empty()) return Status::InvalidArgument("onebot: no " + std::string(to_user ? "user_id" : "group_id") + " to send to");

  HttpRequest request;
  request.timeout_ms = static_cast<int>(options_.timeout_ms);
  if (!options_.access_token.empty()) request.headers.emplace_back("Authorization", "Bearer " + options_.access_token);
  json body;
  if (options_.version == 11) {
    // v11 ids are int64 numbers on the wire.
    if (!IsDecimal(target)) return Status::InvalidArgument("onebot: v11 ids are numbers, got '" + target + "'");
    const int64_t id = std::strtoll(target.c_str(), nullptr, 10);
    request.url = options_.api_base + (to_user ? "/send_private_msg" : "/send_group_msg");
    body = {{to_user ? "user_id" : "group_id", id}, {"message", MessageSegments(message)}, {"auto_escape", false}};
    // A resident who is not the bot's friend is reached through a temporary session from the
    // group they wrote in (go-cqhttp and successors take `group_id` for it).
    const std::string via_group = StringField(message.reply_context, "group_id");
    if (to_user && IsDecimal(via_group)) body["group_id"] = std::strtoll(via_group.c_str(), nullptr, 10);
  } else {
    request.url = options_.api_base + "/";
    json params = {{"detail_type", to_user ? "private" : "group"}, {to_user ? "user_id" : "group_id", target},
                   {"message", MessageSegments(message)}};
    body = {{"action", "send_message"}, {"params", std::move(params)}, {"echo", message.idempotency_key}};
  }
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return ActionStatus(env_.http->Do(request), options_.version);
}

StatusOr<WebhookRequest> OneBotAdapter::BuildCallback(const SimulatedMessage& message) const {
  const bool group = !message.group_id.empty();
  const std::string self_id = options_.self_id.empty() ? "10000" : options_.self_id;
  std::string sender = message.sender_id.empty() ? "10001" : message.sender_id;
  if (options_.version == 11 && !IsDecimal(sender)) {
    // v11 user ids are numbers; a name like `gridrelay simulate --sender sim-resident` becomes a
    // stable QQ-like number (FNV-1a) so that the same name is always the same resident.
    uint32_t h = 2166136261u;
    for (unsigned char c : sender) h = (h ^ c) * 16777619u;
    sender = std::to_string(1000000000ull + h % 1000000000u);
  }
  WebhookRequest request;
  request.method = "POST";
  request.remote_addr = "127.0.0.1";
  request.headers["content-type"] = "application/json";
  json event;
  if (options_.version == 11) {
    for (const std::string* id : {&self_id, &message.group_id}) {
      if (!id->empty() && !IsDecimal(*id)) return Status::InvalidArgument("onebot: v11 ids are numbers, got '" + *id + "'");
    }
    // message_id is an int32 in v11.
    int64_t message_id = 0;
    if (IsDecimal(message.msg_id)) {
      message_id = std::strtoll(message.msg_id.c_str(), nullptr, 10) & 0x7fffffff;
    } else {
      std::string r = crypto::RandomBytes(4);
      for (char c : r) message_id = (message_id << 8) | static_cast<unsigned char>(c);
      message_id &= 0x7fffffff;
    }
    auto num = [](const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); };
    const std::string text = EscapeCq(message.text, false);
    event = {{"time", message.now_seconds},
             {"self_id", num(self_id)},
             {"post_type", "message"},
             {"message_type", group ? "group" : "private"},
             {"sub_type", group ? "normal" : "friend"},
             {"message_id", message_id},
             {"user_id", num(sender)},
             {"message", text},
             {"raw_message", text},
             {"font", 0},
             {"sender", {{"user_id", num(sender)}, {"nickname", message.sender_name}, {"card", ""}}}};
    if (group) event["group_id"] = num(message.group_id);
    request.headers["x-self-id"] = self_id;
    request.body = event.dump(-1, ' ', false, json::error_handler_t::replace);
    if (!options_.secret.empty()) {
      request.headers["x-signature"] = "sha1=" + crypto::HexEncode(crypto::HmacSha1(options_.secret, request.body));
    }
    return request;
  }
  const std::string id = message.msg_id.empty() ? crypto::HexEncode(crypto::RandomBytes(16)) : message.msg_id;
  event = {{"id", id},
           {"time", static_cast<double>(message.now_seconds)},
           {"type", "message"},
           {"detail_type", group ? "group" : "private"},
           {"sub_type", ""},
           {"message_id", id},
           {"self", {{"platform", "qq"}, {"user_id", self_id}}},
           {"message", json::array({{{"type", "text"}, {"data", {{"text", message.text}}}}})},
           {"alt_message", message.text},
           {"user_id", sender}};
  if (group) event["group_id"] = message.group_id;
  request.headers["x-onebot-version"] = "12";
  request.headers["x-impl"] = "gridrelay-simulate";
  if (!options_.access_token.empty()) request.headers["authorization"] = "Bearer " + options_.access_token;
  request.body = event.dump(-1, ' ', false, json::error_handler_t::replace);
  return request;
}

}  // namespace

void Register(AdapterRegistry& registry) {
  registry.Register(std::string(kType), SettingsFactory<OneBotAdapter>(ReadOptions));
}

}  // namespace gridrelay::onebot
