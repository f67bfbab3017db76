// Adapter: one configured channel speaking one platform's wire format.
//
// An adapter instance is created per channel in the config (gridrelay.yaml `channels:`)
// by the factory its type registered in the AdapterRegistry, which main fills in. It
// has four verbs, after Matterbridge's Bridger:
//   ParseWebhook  verify (signature / token / decrypt), answer handshakes, parse;
//   Acknowledge   the platform's answer once the message is committed (or a duplicate);
//   RenderError   a rejection in the platform's dialect (JSON or XML);
//   Send          deliver one outbound message.
// Adapters never own the server, never include gateway/ or another platform, and keep
// their wire formats to themselves. Instances are immutable after Create and thread-safe,
// except for internal caches (tokens) that they guard themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/clock.h"
#include "gateway/core/http_client.h"
#include "gateway/core/message.h"
#include "gateway/core/status.h"

namespace gridrelay {

// A webhook request as the server hands it to an adapter.
struct WebhookRequest {
  std::string method;                         // GET | POST
  std::map<std::string, std::string> query;   // URL-decoded
  std::map<std::string, std::string> headers; // names lower-cased
  std::string body;                           // the raw bytes, as signed
  std::string remote_addr;
};

// What goes back to the platform.
struct WebhookReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// The result of verifying and parsing one callback.
struct ParsedWebhook {
  enum class Kind {
    kMessage,  // a message to commit; `message` is set
    kReply,    // answered at once without storing (URL verification, challenge); `reply` is set
    kIgnore,   // authentic but nothing to store (heartbeat, unsupported event); `reply` is set
  };
  Kind kind = Kind::kIgnore;
  InboundMessage message;
  WebhookReply reply;
};

// A message to wrap in a correctly signed or encrypted callback, as the platform would
// send it (`gridrelay simulate`, smoke tests and end-to-end tests).
struct SimulatedMessage {
  std::string group_id;   // empty: a private (one-to-one) message
  std::string sender_id;
  std::string sender_name;
  std::string text;
  std::string msg_id;     // the platform message id to use
  int64_t now_seconds = 0;
};

// What the gateway tells an adapter when it acknowledges a committed message.
struct AckInfo {
  bool duplicate = false;
  int64_t message_id = 0;
  // Text for a passive reply in the same HTTP answer, where the platform has one. Empty: none.
  std::string passive_text;
};

// A channel's section of the config, already parsed from YAML into JSON.
// `where` is "file:line" of the channel; `key_lines` maps each top-level key to its line,
// so that an adapter's validation error can name the line.
struct ChannelSpec {
  std::string name;
  std::string type;
  nlohmann::json settings = nlohmann::json::object();
  // PEM bundle its outbound HTTPS verifies servers with instead of the system store ("": the
  // system store). Read by the gateway, never part of `settings`.
  std::string ca_file;
  std::string file;
  int line = 0;
  std::map<std::string, int> key_lines;

  // "file:line" of `key` in this channel's section, or of the channel itself.
  std::string Where(const std::string& key = "") const {
    auto it = key_lines.find(key);
    return file + ":" + std::to_string(it == key_lines.end() ? line : it->second);
  }
};

// An outbound rate limit: at most `per_minute` sends per destination, in bursts of up to
// `burst`. per_minute <= 0 means unlimited. `per_second` > 0 adds a strict cap: no window of
// one second holds more than that many sends (a token bucket alone lets burst + rate through
// in a second, e.g. 6 in 0.6 s for 100/min with a burst of 5, which Feishu refuses with 11232).
struct RateLimit {
  double per_minute = 0;
  int burst = 1;
  int per_second = 0;
};

// A structured log line: level ("info", "warn", "error"), message, fields.
using LogFn = std::function<void(std::string_view level, std::string_view msg, const nlohmann::json& fields)>;

// What an adapter may use. Owned by the gateway; outlives every adapter.
struct AdapterEnv {
  HttpClient* http = nullptr;
  const Clock* clock = nullptr;
  LogFn log;  // may be empty
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  virtual const std::string& channel() const = 0;  // the configured channel name
  virtual std::string_view type() const = 0;       // "generic", "wecom", ...

  // Capabilities.
  // True when Send can address one user privately (legal-aid replies move there).
  virtual bool CanReplyPrivately() const { return false; }
  // True when the bot receives only group messages that @-mention it (WeCom and DingTalk
  // robots, Feishu bots by default): a question to residents must ask them to answer with an @.
  virtual bool SeesOnlyMentions() const { return false; }
  // True when this channel receives callbacks (a `log` channel only sends).
  virtual bool HasInbound() const { return true; }
  // False when messages from groups that the routing config does not map to a grid must be
  // refused (403) rather than stored for triage. The generic webhook refuses them.
  virtual bool AcceptsUnknownGroups() const { return true; }

  // Verifies and parses one callback. Errors map to HTTP statuses through
  // HttpStatusFor(): kUnauthenticated 401 (signature, secret, stale timestamp),
  // kInvalidArgument 400 (malformed), kPermissionDenied 403 (source address, group not allowed).
  // `now_seconds` is the gateway clock, for freshness windows.
  virtual StatusOr<ParsedWebhook> ParseWebhook(const WebhookRequest& request,
                                               int64_t now_seconds) const = 0;

  // The answer to the platform once `message` is committed (or found to be a duplicate).
  virtual WebhookReply Acknowledge(const InboundMessage& message, const AckInfo& info) const;

  // A rejection in the platform's dialect. The default is a JSON body {"error":{code,message}}.
  virtual WebhookReply RenderError(const Status& status) const;

  // The rate-limit bucket of a message's destination (a robot key, a group, a user) and the
  // limit for each bucket: the platform's real limit by default, overridable per channel with
  // the `rate_limit_per_minute` setting. The dispatcher enforces it.
  virtual std::string DestinationKey(const OutboundMessage& message) const;
  virtual RateLimit DestinationRateLimit() const { return {}; }
  // The longest text (UTF-8 bytes) one Send can carry, or 0 when the platform states none that
  // matters. A campaign whose content is longer is refused before anything is queued, rather
  // than dead-lettered group by group.
  virtual size_t MaxTextBytes() const { return 0; }

  // Delivers one message. Transient errors (Status::IsTransient) are retried with backoff;
  // any other error dead-letters the row at once with its message.
  virtual Status Send(const OutboundMessage& message) const = 0;

  // Builds the callback the platform would send for `message` (signed/encrypted with this
  // channel's credentials), with `query` and `headers` filled in; the server path is not
  // included. Default: kFailedPrecondition (this type cannot be simulated).
  virtual StatusOr<WebhookRequest> BuildCallback(const SimulatedMessage& message) const;
};

// The rate-limit bucket the dispatcher uses for a row: "<channel>|<destination key>".
std::string RateKey(const Adapter& adapter, const OutboundMessage& message);

using AdapterFactory =
    std::function<StatusOr<std::unique_ptr<Adapter>>(const ChannelSpec&, const AdapterEnv&)>;

// Maps a channel type ("wecom") to the factory that builds its adapters. Filled in by main.
class AdapterRegistry {
 public:
  void Register(const std::string& type, AdapterFactory factory) { factories_[type] = std::move(factory); }
  bool Has(const std::string& type) const { return factories_.count(type) > 0; }
  StatusOr<std::unique_ptr<Adapter>> Create(const ChannelSpec& spec, const AdapterEnv& env) const;
  std::string KnownTypes() const;

 private:
  std::map<std::string, AdapterFactory> factories_;
};

// The HTTP status a webhook or API answer carries for an error: the one mapping from codes to
// statuses (adapters/common has the reverse, for platform answers).
int HttpStatusFor(const Status& status);

// The JSON error body every non-platform-specific rejection uses: {"error":{"code","message"}}.
std::string JsonErrorBody(const Status& status);

}  // namespace gridrelay
