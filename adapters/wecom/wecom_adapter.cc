// WeCom adapter: settings validation, callback verification and parsing, passive replies,
// outbound sends and simulated callbacks. See wecom_adapter.h and README.md.
#include "adapters/wecom/wecom_adapter.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "util/crypto.h"
#include "adapters/common/freshness.h"
#include "adapters/common/json_fields.h"
#include "adapters/common/settings.h"
#include "util/url.h"
#include "util/utf8.h"
#include "adapters/wecom/wecom.h"

namespace gridrelay::wecom {
namespace {

using nlohmann::json;

// ---- inbound helpers --------------------------------------------------------------------

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;  // seconds; 12 digits reach year 33658
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::string Trim(std::string s) {
  static constexpr const char* kBlank = " \t\r\n";
  size_t b = s.find_first_not_of(kBlank);
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(kBlank);
  return s.substr(b, e - b + 1);
}

// Length of the whitespace at `pos`: ASCII blanks, and the U+2005 / U+00A0 / U+3000 spaces
// WeCom clients put after an @-mention.
size_t SpaceAt(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  if (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n') return 1;
  if (s.substr(pos, 3) == "\xE2\x80\x85" || s.substr(pos, 3) == "\xE3\x80\x80") return 3;
  if (s.substr(pos, 2) == "\xC2\xA0") return 2;
  return 0;
}

std::string RandomDigits(size_t n) {
  std::string bytes = crypto::RandomBytes(n);
  std::string out;
  for (unsigned char c : bytes) out.push_back(static_cast<char>('0' + c % 10));
  if (!out.empty() && out[0] == '0') out[0] = '1';
  return out;
}

WebhookReply EmptyOk() { return {200, "text/plain", ""}; }

}  // namespace

// ---- settings ---------------------------------------------------------------------------

StatusOr<WecomSettings> ParseSettings(const ChannelSpec& spec) {
  WecomSettings s;
  SettingsReader r(spec);
  if (!spec.settings.is_object()) return r.Error("", "settings must be a mapping");
  GR_RETURN_IF_ERROR(r.CheckKnownKeys({"mode", "token", "encoding_aes_key", "corp_id", "agent_id", "corp_secret",
                                       "robot_key", "robot_name", "api_base", "freshness_seconds",
                                       "rate_limit_per_minute", "robot_msgtype", "send_chatid",
                                       "duplicate_check_seconds", "timeout_ms"},
                                      "see adapters/wecom/README.md"));
  // Secrets and names are exact strings: YAML would read an all-digit token as a number.
  constexpr auto kExact = SettingsReader::Numbers::kRefuse;
  std::string mode = "robot";
  GR_RETURN_IF_ERROR(r.Read("mode", &mode, kExact));
  if (mode == "robot") {
    s.mode = WecomSettings::Mode::kRobot;
  } else if (mode == "app") {
    s.mode = WecomSettings::Mode::kApp;
  } else {
    return r.Error("mode", "`mode` must be robot or app, not '" + mode + "'");
  }
  GR_RETURN_IF_ERROR(r.Read("token", &s.token, kExact));
  GR_RETURN_IF_ERROR(r.Read("encoding_aes_key", &s.encoding_aes_key, kExact));
  GR_RETURN_IF_ERROR(r.Read("corp_id", &s.corp_id, kExact));
  GR_RETURN_IF_ERROR(r.Read("agent_id", &s.agent_id));  // a number in YAML (agent_id: 1000002)
  GR_RETURN_IF_ERROR(r.Read("corp_secret", &s.corp_secret, kExact));
  GR_RETURN_IF_ERROR(r.Read("robot_key", &s.robot_key, kExact));
  GR_RETURN_IF_ERROR(r.Read("robot_name", &s.robot_name, kExact));
  GR_RETURN_IF_ERROR(r.ReadBaseUrl("api_base", &s.api_base));
  GR_RETURN_IF_ERROR(r.Read("robot_msgtype", &s.robot_msgtype, kExact));
  GR_RETURN_IF_ERROR(r.Read("freshness_seconds", &s.freshness_seconds, 0, 7 * 24 * 3600));
  GR_RETURN_IF_ERROR(r.Read("duplicate_check_seconds", &s.duplicate_check_seconds, 0, 4 * 3600));
  int64_t timeout = s.timeout_ms;
  GR_RETURN_IF_ERROR(r.Read("timeout_ms", &timeout, 100, 60000));
  s.timeout_ms = static_cast<int>(timeout);
  GR_RETURN_IF_ERROR(r.Read("send_chatid", &s.send_chatid));

  s.rate_limit_per_minute = s.mode == WecomSettings::Mode::kRobot ? 20 : 30;
  GR_RETURN_IF_ERROR(r.Read("rate_limit_per_minute", &s.rate_limit_per_minute));
  if (s.rate_limit_per_minute < 0) {
    return r.Error("rate_limit_per_minute", "`rate_limit_per_minute` must be a number >= 0 (0 = unlimited)");
  }

  if (s.token.empty()) return r.Error("token", "`token` is required (the callback Token)");
  if (s.token.size() > 128) return r.Error("token", "`token` is longer than 128 characters");
  if (s.encoding_aes_key.empty()) {
    return r.Error("encoding_aes_key", "`encoding_aes_key` is required (43 characters)");
  }
  if (auto crypt = MsgCrypt::Create(s.token, s.encoding_aes_key, ""); !crypt.ok()) {
    return r.Error("encoding_aes_key", crypt.status().message());
  }
  if (s.mode == WecomSettings::Mode::kApp && s.corp_id.empty()) {
    return r.Error("corp_id", "`corp_id` is required in app mode (it is the receive id)");
  }
  const bool any_app = !s.corp_secret.empty() || !s.agent_id.empty();
  if (any_app && !s.HasAppCredentials()) {
    return r.Error(s.corp_secret.empty() ? "corp_secret" : s.agent_id.empty() ? "agent_id" : "corp_id",
                   "app sends need all of `corp_id`, `corp_secret` and `agent_id`");
  }
  if (!s.agent_id.empty() &&
      (s.agent_id.size() > 18 || s.agent_id.find_first_not_of("0123456789") != std::string::npos)) {
    return r.Error("agent_id", "`agent_id` must be a number (WeCom's AgentId)");
  }
  if (s.robot_msgtype != "text" && s.robot_msgtype != "markdown") {
    return r.Error("robot_msgtype", "`robot_msgtype` must be text or markdown");
  }
  return s;
}

// ---- construction -----------------------------------------------------------------------

WecomAdapter::WecomAdapter(std::string channel, WecomSettings settings, MsgCrypt crypt, const AdapterEnv& env)
    : channel_(std::move(channel)),
      settings_(std::move(settings)),
      crypt_(std::move(crypt)),
      env_(env),
      api_host_(url::Host(settings_.api_base)) {
  if (settings_.HasAppCredentials()) {
    tokens_ = std::make_unique<AccessTokenCache>(settings_.api_base, settings_.corp_id, settings_.corp_secret,
                                                 settings_.timeout_ms);
  }
}

StatusOr<std::unique_ptr<Adapter>> WecomAdapter::Create(const ChannelSpec& spec, const AdapterEnv& env) {
  auto settings = ParseSettings(spec);
  if (!settings.ok()) return settings.status();
  std::string receive_id = settings->mode == WecomSettings::Mode::kApp ? settings->corp_id : "";
  auto crypt = MsgCrypt::Create(settings->token, settings->encoding_aes_key, std::move(receive_id));
  if (!crypt.ok()) return crypt.status();  // ParseSettings already checked; kept for safety
  return std::unique_ptr<Adapter>(new WecomAdapter(spec.name, std::move(*settings), std::move(*crypt), env));
}

void Register(AdapterRegistry& registry) { registry.Register("wecom", &WecomAdapter::Create); }

int64_t WecomAdapter::NowSeconds() const {
  return env_.clock != nullptr ? env_.clock->NowSeconds() : SystemClock::Get().NowSeconds();
}

// ---- inbound ----------------------------------------------------------------------------

StatusOr<ParsedWebhook> WecomAdapter::ParseWebhook(const WebhookRequest& request, int64_t now_seconds) const {
  auto param = [&](const char* name) -> std::string {
    auto it = request.query.find(name);
    return it == request.query.end() ? std::string() : it->second;
  };
  const std::string signature = param("msg_signature");
  const std::string timestamp = param("timestamp");
  const std::string nonce = param("nonce");
  if (signature.empty() || timestamp.empty() || nonce.empty()) {
    return Status::Unauthenticated("missing msg_signature, timestamp or nonce");
  }
  const std::optional<int64_t> ts = ParseTimestamp(timestamp);
  if (!ts) return Status::Unauthenticated("timestamp is not a Unix time in seconds");

  // The ciphertext the signature covers: echostr for URL verification, <Encrypt> otherwise.
  std::string ciphertext;
  PayloadFormat format = PayloadFormat::kXml;
  if (request.method == "GET") {
    ciphertext = param("echostr");
    if (ciphertext.empty()) return Status::InvalidArgument("URL verification without echostr");
  } else if (request.method == "POST") {
    auto sniffed = SniffFormat(request.body);
    if (!sniffed.ok()) return sniffed.status();
    format = *sniffed;
    auto envelope = ParsePayload(format, request.body);
    if (!envelope.ok()) return envelope.status();
    ciphertext = Trim(envelope->Get({"Encrypt"}));
    if (ciphertext.empty()) return Status::InvalidArgument("callback body has no Encrypt field");
  } else {
    return Status::InvalidArgument("method " + request.method + " is not a WeCom callback");
  }
  if (ciphertext.size() > MsgCrypt::kMaxCiphertextLength) {
    return Status::PayloadTooLarge("Encrypt field of " + std::to_string(ciphertext.size()) + " bytes");
  }

  // Verify before anything else looks at the ciphertext, then the window: a stale but
  // authentic callback is a replay.
  GR_RETURN_IF_ERROR(crypt_.Verify(signature, timestamp, nonce, ciphertext));
  GR_RETURN_IF_ERROR(CheckFreshness("wecom", static_cast<double>(*ts), TimestampUnit::kSeconds, now_seconds,
                                    settings_.freshness_seconds));
  auto plaintext = crypt_.Decrypt(ciphertext);
  if (!plaintext.ok()) return plaintext.status();

  if (request.method == "GET") {
    ParsedWebhook parsed;
    parsed.kind = ParsedWebhook::Kind::kReply;
    // Exactly the decrypted echo: no quotes, BOM or newline.
    parsed.reply = {200, "text/plain", std::move(*plaintext)};
    return parsed;
  }
  auto inner_format = SniffFormat(*plaintext);
  if (!inner_format.ok()) return Status::InvalidArgument("decrypted message: " + inner_format.status().message());
  auto message = ParsePayload(*inner_format, *plaintext);
  if (!message.ok()) return Status::InvalidArgument("decrypted message: " + message.status().message());
  return ParseMessage(*message, *inner_format, *ts, *plaintext);
}

StatusOr<ParsedWebhook> WecomAdapter::ParseMessage(const PayloadNode& msg, PayloadFormat format,
                                                   int64_t timestamp, std::string_view plaintext) const {
  InboundMessage m;
  m.channel = channel_;
  m.sent_at = timestamp;
  m.reply_context = json::object();
  m.reply_context["format"] = format == PayloadFormat::kXml ? "xml" : "json";
  const bool is_message = settings_.mode == WecomSettings::Mode::kRobot ? FillRobotMessage(msg, m)
                                                                        : FillAppMessage(msg, m);
  ParsedWebhook parsed;
  if (!is_message) {
    // Events (joined, removed, entered the chat), button clicks and unknown types: authentic,
    // nothing to store. WeCom wants an empty 200.
    parsed.kind = ParsedWebhook::Kind::kIgnore;
    parsed.reply = EmptyOk();
    return parsed;
  }
  if (m.sender_id.empty()) return Status::InvalidArgument("decrypted message has no sender");
  // MsgId where WeCom gives one; otherwise sender + CreateTime, as WeCom's docs prescribe, and
  // the digest of the decrypted callback: two different messages from one sender in the same
  // second are two messages, while a re-delivery (the same callback again) is still one.
  m.dedup_key = !m.platform_msg_id.empty()
                    ? m.platform_msg_id
                    : "from:" + m.sender_id + ":" + std::to_string(m.sent_at) + ":" +
                          crypto::Sha256Hex(plaintext).substr(0, 32);
  parsed.kind = ParsedWebhook::Kind::kMessage;
  parsed.message = std::move(m);
  return parsed;
}

bool WecomAdapter::FillRobotMessage(const PayloadNode& msg, InboundMessage& m) const {
  const std::string msgtype = Trim(msg.Get({"MsgType"}));
  const std::string chat_type = Trim(msg.Get({"ChatType"}));
  const std::string chat_id = Trim(msg.Get({"ChatId"}));
  const bool group = chat_type != "single";  // group, blackboard and blackboard_reply are shared
  m.platform_msg_id = Trim(msg.Get({"MsgId"}));
  m.chat_type = group ? ChatType::kGroup : ChatType::kPrivate;
  m.group_id = group ? chat_id : "";
  m.sender_id = Trim(msg.Get({"From", "UserId"}));
  m.sender_name = Trim(msg.Get({"From", "Name"}));
  m.reply_context["chat_id"] = chat_id;
  m.reply_context["chat_type"] = chat_type;
  m.reply_context["user_id"] = m.sender_id;
  if (std::string post_id = Trim(msg.Get({"PostId"})); !post_id.empty()) m.reply_context["post_id"] = post_id;
  // The URL is inside the authenticated ciphertext, but it is still only followed when it
  // points at WeCom (or the configured api_base): a leaked key must not turn into SSRF.
  if (std::string url = Trim(msg.Get({"WebhookUrl"})); !url.empty()) {
    if (IsTrustedWebhookUrl(url)) {
      m.reply_context["webhook_url"] = url;
    } else if (env_.log) {
      env_.log("warn", "wecom: callback WebhookUrl is not a WeCom robot URL; replies use robot_key",
               {{"channel", channel_}, {"host", url::Host(url)}});
    }
  }

  if (msgtype == "text") {
    m.text = StripRobotMention(msg.Get({"Text", "Content"}), group);
    return true;
  }
  if (msgtype == "image") {
    std::string url = Trim(msg.Get({"Image", "ImageUrl"}));
    if (!url.empty()) m.attachments.push_back({"image", url});
    return true;
  }
  if (msgtype == "mixed") {
    const PayloadNode* mixed = msg.Child("MixedMessage");
    std::string text;
    if (mixed != nullptr) {
      for (const PayloadNode* item : mixed->Children("MsgItem")) {
        std::string type = Trim(item->Get({"MsgType"}));
        if (type == "text") {
          if (!text.empty()) text += "\n";
          text += item->Get({"Text", "Content"});
        } else if (type == "image") {
          std::string url = Trim(item->Get({"Image", "ImageUrl"}));
          if (!url.empty()) m.attachments.push_back({"image", url});
        }
      }
    }
    m.text = StripRobotMention(std::move(text), group);
    return true;
  }
  return false;  // event, attachment (a button click), command or a type WeCom adds later
}

bool WecomAdapter::FillAppMessage(const PayloadNode& msg, InboundMessage& m) const {
  const std::string msgtype = Trim(msg.Get({"MsgType"}));
  m.platform_msg_id = Trim(msg.Get({"MsgId"}));
  m.chat_type = ChatType::kPrivate;
  m.sender_id = Trim(msg.Get({"FromUserName"}));
  if (auto created = ParseTimestamp(Trim(msg.Get({"CreateTime"})))) m.sent_at = *created;
  m.reply_context["user_id"] = m.sender_id;
  if (std::string agent = Trim(msg.Get({"AgentID"})); !agent.empty()) m.reply_context["agent_id"] = agent;

  if (msgtype == "text") {
    m.text = msg.Get({"Content"});
    return true;
  }
  if (msgtype == "image") {
    std::string ref = Trim(msg.Get({"PicUrl"}));
    if (ref.empty()) ref = Trim(msg.Get({"MediaId"}));
    if (!ref.empty()) m.attachments.push_back({"image", ref});
    return true;
  }
  if (msgtype == "voice" || msgtype == "video" || msgtype == "file") {
    std::string ref = Trim(msg.Get({"MediaId"}));
    if (!ref.empty()) m.attachments.push_back({msgtype, ref});
    // Voice messages carry WeCom's speech recognition when the app enabled it.
    m.text = msg.Get({"Recognition"});
    return true;
  }
  if (msgtype == "location") {
    m.text = msg.Get({"Label"});
    return true;
  }
  if (msgtype == "link") {
    m.text = Trim(msg.Get({"Title"}) + "\n" + msg.Get({"Description"}) + "\n" + msg.Get({"Url"}));
    return true;
  }
  return false;  // events (subscribe, enter_agent, menu clicks...) and unknown types
}

std::string WecomAdapter::StripRobotMention(std::string text, bool group) const {
  if (!settings_.robot_name.empty()) {
    const std::string mention = "@" + settings_.robot_name;
    for (size_t pos = text.find(mention); pos != std::string::npos; pos = text.find(mention, pos + 1)) {
      size_t end = pos + mention.size();
      size_t space = SpaceAt(text, end);
      if (space == 0 && end != text.size()) continue;  // "@RobotAB" is someone else
      text.erase(pos, end + space - pos);
      break;
    }
  } else if (group) {
    // A group robot only hears messages that @-mention it, and WeCom puts the mention first:
    // "@RobotName text". Without a configured name, drop that leading token.
    std::string trimmed = Trim(text);
    if (!trimmed.empty() && trimmed[0] == '@') {
      for (size_t i = 1; i < trimmed.size(); ++i) {
        if (size_t space = SpaceAt(trimmed, i); space > 0) return Trim(trimmed.substr(i + space));
      }
      return {};
    }
    return trimmed;
  }
  return Trim(std::move(text));
}

bool WecomAdapter::IsTrustedWebhookUrl(const std::string& url) const {
  // Only plain URL characters: '@', '#', backslashes, blanks and controls are where URL parsers
  // disagree about the host, and WeCom's URLs never contain them.
  const bool plain = std::all_of(url.begin(), url.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~:/?&=%+").find(c) != std::string_view::npos;
  });
  if (!plain) return false;
  const std::string host = url::Host(url);
  const bool trusted_host = host == api_host_ || host == "qyapi.weixin.qq.com" || host == "in.qyapi.weixin.qq.com";
  return trusted_host && url::Path(url) == "/cgi-bin/webhook/send" && !url::QueryParam(url, "key").empty();
}

// ---- acknowledgement --------------------------------------------------------------------

WebhookReply WecomAdapter::Acknowledge(const InboundMessage& message, const AckInfo& info) const {
  if (info.passive_text.empty()) return EmptyOk();
  const PayloadFormat format = jsonf::StringField(message.reply_context, "format") == "json" ? PayloadFormat::kJson
                                                                                      : PayloadFormat::kXml;
  const std::string text = TruncateUtf8(info.passive_text, kTextLimitBytes);
  std::string plaintext;
  if (settings_.mode == WecomSettings::Mode::kRobot) {
    // Mention the sender in group chats so the answer is seen; a single chat needs none.
    const bool mention = message.chat_type == ChatType::kGroup && !message.sender_id.empty();
    if (format == PayloadFormat::kXml) {
      plaintext = "<xml><MsgType>text</MsgType><Text><Content>" + CData(text) + "</Content>";
      if (mention) plaintext += "<MentionedList><Item>" + CData(message.sender_id) + "</Item></MentionedList>";
      plaintext += "</Text></xml>";
    } else {
      json body = {{"msgtype", "text"}, {"text", {{"content", text}}}};
      if (mention) body["text"]["mentioned_list"] = json::array({message.sender_id});
      plaintext = body.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  } else {
    const int64_t now = NowSeconds();
    if (format == PayloadFormat::kXml) {
      plaintext = "<xml><ToUserName>" + CData(message.sender_id) + "</ToUserName><FromUserName>" +
                  CData(settings_.corp_id) + "</FromUserName><CreateTime>" + std::to_string(now) +
                  "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>" + CData(text) + "</Content></xml>";
    } else {
      json body = {{"ToUserName", message.sender_id}, {"FromUserName", settings_.corp_id},
                   {"CreateTime", now}, {"MsgType", "text"}, {"Content", text}};
      plaintext = body.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  return {200, format == PayloadFormat::kXml ? "application/xml" : "application/json", SealReply(plaintext, format)};
}

std::string WecomAdapter::SealReply(const std::string& plaintext, PayloadFormat format) const {
  const std::string encrypted = crypt_.Encrypt(plaintext);
  const int64_t now = NowSeconds();
  const std::string timestamp = std::to_string(now);
  const std::string nonce = RandomDigits(10);
  const std::string signature = crypt_.Sign(timestamp, nonce, encrypted);
  if (format == PayloadFormat::kJson) {
    return json{{"encrypt", encrypted}, {"msgsignature", signature}, {"timestamp", now}, {"nonce", nonce}}.dump();
  }
  return "<xml><Encrypt>" + CData(encrypted) + "</Encrypt><MsgSignature>" + CData(signature) +
         "</MsgSignature><TimeStamp>" + timestamp + "</TimeStamp><Nonce>" + CData(nonce) + "</Nonce></xml>";
}

// ---- outbound ---------------------------------------------------------------------------

std::string WecomAdapter::RobotUrl(const OutboundMessage& message) const {
  if (std::string url = jsonf::StringField(message.reply_context, "webhook_url"); IsTrustedWebhookUrl(url)) return url;
  if (settings_.robot_key.empty()) return {};
  return settings_.api_base + "/cgi-bin/webhook/send?key=" + crypto::UrlEncode(settings_.robot_key);
}

std::string WecomAdapter::DestinationKey(const OutboundMessage& message) const {
  if (message.audience == Audience::kUser || settings_.mode == WecomSettings::Mode::kApp) {
    std::string user = message.audience == Audience::kUser ? message.user_id : jsonf::StringField(message.reply_context, "user_id");
    return "wecom:app:" + settings_.agent_id + ":user:" + user;
  }
  // WeCom limits each robot (20 messages a minute), whichever chat it posts to. The key is a
  // secret, so the bucket is named after a digest of it.
  const std::string url = RobotUrl(message);
  return "wecom:robot:" + crypto::Sha256Hex(url::QueryParam(url, "key")).substr(0, 16);
}

Status WecomAdapter::Send(const OutboundMessage& message) const {
  if (env_.http == nullptr) return Status::FailedPrecondition("wecom channel '" + channel_ + "' has no HTTP client");
  if (message.audience == Audience::kUser) {
    if (!settings_.HasAppCredentials()) {
      return Status::FailedPrecondition("wecom channel '" + channel_ +
                                        "' cannot send privately: configure corp_id, corp_secret and agent_id");
    }
    return SendApp(message.user_id, message.text);
  }
  if (settings_.mode == WecomSettings::Mode::kApp) {
    // An app conversation is one to one: its "group" reply goes back to the user who wrote.
    const std::string user = jsonf::StringField(message.reply_context, "user_id");
    if (user.empty() || !settings_.HasAppCredentials()) {
      return Status::FailedPrecondition("wecom app channel '" + channel_ +
                                        "' can only answer a user (needs corp_secret, agent_id and a user_id)");
    }
    return SendApp(user, message.text);
  }
  return SendRobot(message);
}

Status WecomAdapter::SendRobot(const OutboundMessage& message) const {
  const std::string url = RobotUrl(message);
  if (url.empty()) {
    return Status::FailedPrecondition("wecom channel '" + channel_ +
                                      "': no WebhookUrl in the reply context and no robot_key configured");
  }
  json body;
  // Markdown cannot mention by mobile number; such messages go out as text.
  if (settings_.robot_msgtype == "markdown" && message.mention_mobiles.empty()) {
    std::string content = message.text;
    for (const auto& user : message.mention_user_ids) content += "<@" + user + ">";
    body = {{"msgtype", "markdown"}, {"markdown", {{"content", TruncateUtf8(content, kMarkdownLimitBytes)}}}};
  } else {
    body = {{"msgtype", "text"}, {"text", {{"content", TruncateUtf8(message.text, kTextLimitBytes)}}}};
    if (!message.mention_user_ids.empty()) body["text"]["mentioned_list"] = message.mention_user_ids;
    if (!message.mention_mobiles.empty()) body["text"]["mentioned_mobile_list"] = message.mention_mobiles;
  }
  if (settings_.send_chatid) {
    std::string chat = !message.group_id.empty() ? message.group_id : jsonf::StringField(message.reply_context, "chat_id");
    if (chat.empty()) {
      // Without chatid WeCom posts to every group the robot is in ("@all_group").
      return Status::InvalidArgument("wecom channel '" + channel_ +
                                     "': no chat to send to (no group_id, no chat_id in the reply context); "
                                     "set send_chatid: false for a robot that is in one group only");
    }
    body["chatid"] = chat;
    if (auto post = jsonf::StringField(message.reply_context, "post_id"); !post.empty()) body["post_id"] = post;
  }
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  request.timeout_ms = settings_.timeout_ms;
  auto reply = CallApi(*env_.http, request, "webhook/send");
  if (!reply.ok()) return reply.status();
  return ErrcodeStatus(*reply, "webhook/send");
}

Status WecomAdapter::SendApp(const std::string& user_id, const std::string& text) const {
  if (user_id.empty()) return Status::InvalidArgument("wecom message/send without a user id");
  const Clock& clock = env_.clock != nullptr ? *env_.clock : static_cast<const Clock&>(SystemClock::Get());
  json body = {{"touser", user_id},
               {"msgtype", "text"},
               {"agentid", std::stoll(settings_.agent_id)},
               {"text", {{"content", TruncateUtf8(text, kTextLimitBytes)}}},
               {"safe", 0}};
  if (settings_.duplicate_check_seconds > 0) {
    // WeCom drops an identical request within the window: a retry after a lost answer is
    // delivered once. (message/send has no idempotency key.)
    body["enable_duplicate_check"] = 1;
    body["duplicate_check_interval"] = settings_.duplicate_check_seconds;
  }
  const std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
  // One retry, and only for a token WeCom says is expired or invalid.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = tokens_->Get(*env_.http, clock);
    if (!token.ok()) return token.status();
    HttpRequest request;
    request.method = "POST";
    request.url = settings_.api_base + "/cgi-bin/message/send?access_token=" + crypto::UrlEncode(*token);
    request.body = payload;
    request.timeout_ms = settings_.timeout_ms;
    auto reply = CallApi(*env_.http, request, "message/send");
    if (!reply.ok()) return reply.status();
    if (IsTokenRejected(reply->errcode) && attempt == 0) {
      tokens_->Invalidate(*token);
      continue;
    }
    GR_RETURN_IF_ERROR(ErrcodeStatus(*reply, "message/send"));
    // errcode 0 with the only recipient listed as invalid is a partial failure of one.
    std::string invalid = jsonf::StringField(reply->body, "invaliduser");
    if (!invalid.empty()) return Status::NotFound("message/send: WeCom lists '" + invalid + "' as invalid user");
    return Status::Ok();
  }
  return Status::Unavailable("message/send: access_token refused twice");
}

// ---- simulation -------------------------------------------------------------------------

StatusOr<WebhookRequest> WecomAdapter::BuildCallback(const SimulatedMessage& sim) const {
  const int64_t now = sim.now_seconds > 0 ? sim.now_seconds : NowSeconds();
  const std::string sender = sim.sender_id.empty() ? "resident" : sim.sender_id;
  std::string plaintext;
  if (settings_.mode == WecomSettings::Mode::kRobot) {
    const bool group = !sim.group_id.empty();
    const std::string msg_id = sim.msg_id.empty() ? crypto::HexEncode(crypto::RandomBytes(12)) : sim.msg_id;
    const std::string key = settings_.robot_key.empty() ? "simulated" : settings_.robot_key;
    const std::string robot = settings_.robot_name.empty() ? "gridrelay" : settings_.robot_name;
    // WeCom's clients write the mention first, followed by U+2005.
    const std::string content = group ? "@" + robot + "\xE2\x80\x85" + sim.text : sim.text;
    plaintext = "<xml><WebhookUrl>" + CData(settings_.api_base + "/cgi-bin/webhook/send?key=" + crypto::UrlEncode(key)) +
                "</WebhookUrl><MsgId>" + CData(msg_id) + "</MsgId><ChatId>" + CData(group ? sim.group_id : sender) +
                "</ChatId><ChatType>" + (group ? "group" : "single") + "</ChatType><From><UserId>" + CData(sender) +
                "</UserId><Name>" + CData(sim.sender_name) + "</Name><Alias>" + CData(sender) +
                "</Alias></From><MsgType>text</MsgType><Text><Content>" + CData(content) + "</Content></Text></xml>";
  } else {
    if (!sim.group_id.empty()) {
      return Status::InvalidArgument("wecom app channel '" + channel_ + "' has no group chats; leave the group empty");
    }
    const std::string msg_id = sim.msg_id.empty() ? RandomDigits(19) : sim.msg_id;
    plaintext = "<xml><ToUserName>" + CData(settings_.corp_id) + "</ToUserName><FromUserName>" + CData(sender) +
                "</FromUserName><CreateTime>" + std::to_string(now) + "</CreateTime><MsgType>" + CData("text") +
                "</MsgType><Content>" + CData(sim.text) + "</Content><MsgId>" + msg_id + "</MsgId><AgentID>" +
                (settings_.agent_id.empty() ? "0" : settings_.agent_id) + "</AgentID></xml>";
  }
  const std::string encrypted = crypt_.Encrypt(plaintext);
  const std::string timestamp = std::to_string(now);
  const std::string nonce = RandomDigits(10);
  WebhookRequest request;
  request.method = "POST";
  request.query = {{"msg_signature", crypt_.Sign(timestamp, nonce, encrypted)},
                   {"timestamp", timestamp},
                   {"nonce", nonce}};
  request.headers = {{"content-type", "text/xml"}};
  // A robot callback's envelope is only <Encrypt>; an app's also names the corp and agent.
  request.body = settings_.mode == WecomSettings::Mode::kRobot
                     ? "<xml><Encrypt>" + CData(encrypted) + "</Encrypt></xml>"
                     : "<xml><ToUserName>" + CData(settings_.corp_id) + "</ToUserName><Encrypt>" + CData(encrypted) +
                           "</Encrypt><AgentID>" + CData(settings_.agent_id) + "</AgentID></xml>";
  return request;
}

}  // namespace gridrelay::wecom
