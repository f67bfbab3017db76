#include "adapters/log/log_adapter.h"

namespace gridrelay::log_channel {
namespace {

class LogAdapter final : public Adapter {
 public:
  LogAdapter(std::string channel, AdapterEnv env) : channel_(std::move(channel)), env_(std::move(env)) {}

  const std::string& channel() const override { return channel_; }
  std::string_view type() const override { return "log"; }
  bool HasInbound() const override { return false; }
  bool CanReplyPrivately() const override { return true; }

  StatusOr<ParsedWebhook> ParseWebhook(const WebhookRequest&, int64_t) const override {
    return Status::NotFound("channel '" + channel_ + "' is a log channel and takes no callbacks");
  }

  Status Send(const OutboundMessage& m) const override {
    if (env_.log) {
      env_.log("info", "delivered",
               {{"channel", channel_}, {"kind", m.kind}, {"audience", std::string(Name(m.audience))}, {"group_id", m.group_id},
                {"user_id", m.user_id}, {"idempotency_key", m.idempotency_key}, {"text", m.text}});
    }
    return Status::Ok();
  }

 private:
  std::string channel_;
  AdapterEnv env_;
};

}  // namespace

void Register(AdapterRegistry& registry) {
  registry.Register("log", [](const ChannelSpec& spec, const AdapterEnv& env) -> StatusOr<std::unique_ptr<Adapter>> {
    if (!spec.settings.empty())
      return Status::InvalidArgument(spec.Where(spec.settings.begin().key()) + ": a log channel takes no settings");
    return std::unique_ptr<Adapter>(new LogAdapter(spec.name, env));
  });
}

}  // namespace gridrelay::log_channel
