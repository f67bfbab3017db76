#include "gateway/core/adapter.h"

namespace gridrelay {

WebhookReply Adapter::Acknowledge(const InboundMessage& /*message*/, const AckInfo& info) const {
  nlohmann::json body = {{"ok", true}, {"message_id", info.message_id}, {"duplicate", info.duplicate}};
  return {200, "application/json", body.dump()};
}

WebhookReply Adapter::RenderError(const Status& status) const {
  return {status.HttpStatus(), "application/json", JsonErrorBody(status)};
}

std::string Adapter::DestinationKey(const OutboundMessage& message) const {
  return message.audience == "user" ? "user:" + message.user_id : "group:" + message.group_id;
}

StatusOr<WebhookRequest> Adapter::BuildCallback(const SimulatedMessage& /*message*/) const {
  return Status::FailedPrecondition("channel type '" + std::string(type()) + "' cannot be simulated");
}

std::string JsonErrorBody(const Status& status) {
  nlohmann::json body = {
      {"error", {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StatusOr<std::unique_ptr<Adapter>> AdapterRegistry::Create(const ChannelSpec& spec,
                                                           const AdapterEnv& env) const {
  auto it = factories_.find(spec.type);
  if (it == factories_.end()) {
    return Status::InvalidArgument(spec.Where("type") + ": channel '" + spec.name +
                                   "' has unknown type '" + spec.type + "' (known: " + KnownTypes() + ")");
  }
  return it->second(spec, env);
}

std::string AdapterRegistry::KnownTypes() const {
  std::string out;
  for (const auto& [type, _] : factories_) {
    if (!out.empty()) out += ", ";
    out += type;
  }
  return out;
}

}  // namespace gridrelay
