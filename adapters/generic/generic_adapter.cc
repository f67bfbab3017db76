// The generic adapter: a documented JSON webhook for any platform without its own adapter,
// authenticated by the channel's shared secret (Authorization: Bearer, compared in constant
// time), with replies POSTed to a configured reply_url.
#include "adapters/generic/generic_adapter.h"

#include <limits>

#include "util/crypto.h"
#include "adapters/common/http_status.h"
#include "adapters/common/settings.h"
#include "util/url.h"

namespace gridrelay::generic {
namespace {

// Reads an optional string field; integers are accepted for ids (platforms often send them)
// and kept exact: 18446744073709551615 stays that, never -1, so two different ids can never
// share a dedup key. A number that is not an exact integer (1.5, 1e30) is refused.
Status ReadId(const nlohmann::json& body, const char* key, bool required, std::string* out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(std::string("missing field '") + key + "'");
    return Status::Ok();
  }
  if (it->is_string()) {
    *out = it->get<std::string>();
  } else if (it->is_number_unsigned()) {
    *out = std::to_string(it->get<uint64_t>());
  } else if (it->is_number_integer()) {
    *out = std::to_string(it->get<int64_t>());
  } else {
    return Status::InvalidArgument(std::string("field '") + key + "' must be a string or an integer (at most 64 bits)");
  }
  if (required && out->empty()) return Status::InvalidArgument(std::string("field '") + key + "' must not be empty");
  if (out->size() > 256) return Status::InvalidArgument(std::string("field '") + key + "' is longer than 256 bytes");
  return Status::Ok();
}

class GenericAdapter final : public Adapter {
 public:
  GenericAdapter(std::string channel, std::string secret, std::string reply_url, std::string reply_secret,
                 int timeout_ms, double rate_per_minute, AdapterEnv env)
      : channel_(std::move(channel)),
        secret_(std::move(secret)),
        reply_url_(std::move(reply_url)),
        reply_secret_(std::move(reply_secret)),
        timeout_ms_(timeout_ms),
        rate_per_minute_(rate_per_minute),
        env_(std::move(env)) {}

  const std::string& channel() const override { return channel_; }
  std::string_view type() const override { return "generic"; }
  bool AcceptsUnknownGroups() const override { return false; }
  RateLimit DestinationRateLimit() const override { return {rate_per_minute_, 5}; }

  StatusOr<ParsedWebhook> ParseWebhook(const WebhookRequest& req, int64_t /*now_seconds*/) const override {
    if (req.method != "POST") return Status::InvalidArgument("the generic webhook takes POST");
    auto auth = req.headers.find("authorization");
    if (auth == req.headers.end()) return Status::Unauthenticated("missing Authorization: Bearer <secret>");
    const std::string prefix = "Bearer ";
    if (auth->second.rfind(prefix, 0) != 0 || !crypto::ConstantTimeEquals(auth->second.substr(prefix.size()), secret_))
      return Status::Unauthenticated("wrong secret for channel '" + channel_ + "'");

    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return Status::InvalidArgument("body is not valid JSON (or not valid UTF-8)");
    if (!body.is_object()) return Status::InvalidArgument("body must be a JSON object");

    ParsedWebhook out;
    out.kind = ParsedWebhook::Kind::kMessage;
    InboundMessage& m = out.message;
    m.channel = channel_;
    GR_RETURN_IF_ERROR(ReadId(body, "msg_id", true, &m.platform_msg_id));
    GR_RETURN_IF_ERROR(ReadId(body, "group_id", true, &m.group_id));
    GR_RETURN_IF_ERROR(ReadId(body, "sender_id", true, &m.sender_id));
    GR_RETURN_IF_ERROR(ReadId(body, "sender_name", false, &m.sender_name));
    m.dedup_key = m.platform_msg_id;
    auto text = body.find("text");
    if (text == body.end() || text->is_null()) return Status::InvalidArgument("missing field 'text'");
    if (!text->is_string()) return Status::InvalidArgument("field 'text' must be a string");
    m.text = text->get<std::string>();
    if (m.text.find_first_not_of(" \t\r\n") == std::string::npos)
      return Status::InvalidArgument("field 'text' is empty");
    if (auto ts = body.find("ts"); ts != body.end() && !ts->is_null()) {
      if (!ts->is_number_integer()) return Status::InvalidArgument("field 'ts' must be Unix seconds (an integer)");
      m.sent_at = ts->get<int64_t>();
    }
    if (auto att = body.find("attachments"); att != body.end() && !att->is_null()) {
      if (!att->is_array()) return Status::InvalidArgument("field 'attachments' must be a list of {kind, ref}");
      for (const auto& a : *att) {
        if (!a.is_object() || !a.contains("ref") || !a["ref"].is_string())
          return Status::InvalidArgument("each attachment must be {\"kind\": ..., \"ref\": \"...\"}");
        std::string kind = "file";
        if (auto k = a.find("kind"); k != a.end() && !k->is_null()) {
          if (!k->is_string()) return Status::InvalidArgument("an attachment's 'kind' must be a string");
          kind = k->get<std::string>();
        }
        m.attachments.push_back({std::move(kind), a["ref"].get<std::string>()});
      }
    }
    return out;
  }

  StatusOr<WebhookRequest> BuildCallback(const SimulatedMessage& sim) const override {
    if (sim.group_id.empty()) return Status::InvalidArgument("the generic webhook takes group messages only: give a group");
    WebhookRequest req;
    req.method = "POST";
    req.headers["authorization"] = "Bearer " + secret_;
    req.headers["content-type"] = "application/json";
    nlohmann::json body = {{"msg_id", sim.msg_id}, {"group_id", sim.group_id}, {"sender_id", sim.sender_id},
                           {"sender_name", sim.sender_name}, {"text", sim.text}, {"ts", sim.now_seconds}};
    req.body = body.dump();
    return req;
  }

  Status Send(const OutboundMessage& msg) const override {
    nlohmann::json body = {{"idempotency_key", msg.idempotency_key}, {"kind", msg.kind},
                           {"audience", std::string(Name(msg.audience))},               {"group_id", msg.group_id},
                           {"user_id", msg.user_id},                 {"text", msg.text},
                           {"mention_user_ids", msg.mention_user_ids}};
    if (reply_url_.empty()) {
      if (env_.log) env_.log("info", "delivered (log only: channel has no reply_url)", {{"channel", channel_}, {"outbound", body}});
      return Status::Ok();
    }
    HttpRequest req;
    req.url = reply_url_;
    req.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    req.timeout_ms = timeout_ms_;
    req.headers.push_back({"Idempotency-Key", msg.idempotency_key});
    if (!reply_secret_.empty()) req.headers.push_back({"Authorization", "Bearer " + reply_secret_});
    auto resp = env_.http->Do(req);
    if (!resp.ok()) return resp.status();
    return StatusFromHttp(resp->status, "reply_url answered HTTP " + std::to_string(resp->status) + ": " +
                                            resp->body.substr(0, 200));
  }

 private:
  std::string channel_;
  std::string secret_;
  std::string reply_url_;
  std::string reply_secret_;
  int timeout_ms_;
  double rate_per_minute_;
  AdapterEnv env_;
};

StatusOr<std::unique_ptr<Adapter>> Create(const ChannelSpec& spec, const AdapterEnv& env) {
  SettingsReader r(spec);
  GR_RETURN_IF_ERROR(r.CheckKnownKeys({"secret", "reply_url", "reply_secret", "timeout_ms", "rate_limit_per_minute"}));
  constexpr auto kExact = SettingsReader::Numbers::kRefuse;
  std::string secret, reply_url, reply_secret;
  int64_t timeout_ms = 5000;
  double rate = 0;
  GR_RETURN_IF_ERROR(r.Read("secret", &secret, kExact));
  GR_RETURN_IF_ERROR(r.Read("reply_url", &reply_url, kExact));
  GR_RETURN_IF_ERROR(r.Read("reply_secret", &reply_secret, kExact));
  GR_RETURN_IF_ERROR(r.Read("rate_limit_per_minute", &rate));
  if (secret.size() < 16) return r.Error("secret", "needs a 'secret' of at least 16 characters");
  if (!reply_url.empty() && !url::IsHttpUrl(reply_url)) {
    return r.Error("reply_url", "'reply_url' must start with http:// or https://");
  }
  GR_RETURN_IF_ERROR(r.Read("timeout_ms", &timeout_ms, 100, std::numeric_limits<int>::max()));
  return std::unique_ptr<Adapter>(
      new GenericAdapter(spec.name, secret, reply_url, reply_secret, static_cast<int>(timeout_ms), rate, env));
}

}  // namespace

void Register(AdapterRegistry& registry) { registry.Register("generic", Create); }

}  // namespace gridrelay::generic
