#include "gateway/core/adapter.h"

namespace gridrelay {

WebhookReply Adapter::Acknowledge(const InboundMessage& /*message*/, const AckInfo& info) const {
  nlohmann::json body = {{"ok", true}, {"message_id", info.message_id}, {"duplicate", info.duplicate}};
  return {200, "application/json", body.dump()};
}

WebhookReply Adapter::RenderError(const Status& status) const {
  return {HttpStatusFor(status), "application/json", JsonErrorBody(status)};
}

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kAborted: return 409;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    // The resource is not in a state that allows it (resolving a ticket never accepted): 409,
    // as Google's API design maps FAILED_PRECONDITION; 412 is for conditional request headers.
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kDataLoss: return 500;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

std::string Adapter::DestinationKey(const OutboundMessage& message) const {
  return message.audience == Audience::kUser ? "user:" + message.user_id : "group:" + message.group_id;
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

std::string RateKey(const Adapter& adapter, const OutboundMessage& message) {
  return message.channel + "|" + adapter.DestinationKey(message);
}

}  // namespace gridrelay
