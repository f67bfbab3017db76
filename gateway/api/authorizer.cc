#include "gateway/api/authorizer.h"

#include "util/crypto.h"

namespace gridrelay {

using workflow::Role;

Authorizer::Authorizer(AuthStore* store) : store_(store) {}

StatusOr<workflow::Actor> Authorizer::Authenticate(const std::string& authorization, const OrgIndex& org) const {
  const std::string prefix = "Bearer ";
  if (authorization.rfind(prefix, 0) != 0 || authorization.size() == prefix.size())
    return Status::Unauthenticated("missing Authorization: Bearer <token> (create one with `gridrelay token create`)");
  auto token = store_->FindToken(crypto::Sha256Hex(authorization.substr(prefix.size())));
  if (!token.ok()) return Status::Unavailable("store: " + token.status().message());
  if (!token->has_value()) return Status::Unauthenticated("unknown or revoked token");
  auto actor = workflow::ActorForToken(org, **token);
  if (!actor.ok()) return Status::Unauthenticated("token '" + (*token)->name + "': " + actor.status().message());
  return actor;
}

Status Authorizer::Require(const workflow::Actor& who, Permission what) const {
  if (who.role == Role::kAdmin) return Status::Ok();
  const std::string role(workflow::Name(who.role));
  switch (what) {
    case Permission::kClassify:
      return Status::Ok();  // no resident data: any authenticated caller
    case Permission::kReadTickets:
    case Permission::kReadMessages:
      // A message shows what its ticket already shows (the resident's words and platform id)
      // plus its classification and the replies sent; the handler lets a scoped actor see only
      // the messages whose ticket is in her scope.
      if (who.role == Role::kOrganiser)
        return Status::PermissionDenied("an organiser token does not read tickets or messages");
      return Status::Ok();
    case Permission::kReadOutbox:
      // The outbox lists every reply and notification across all groups, with platform ids and
      // the words sent; it has no ticket to scope by, so it is an operator's view.
      return Status::PermissionDenied("the outbox needs an admin token (this one is " + role + ")");
    case Permission::kCampaigns:
      // Messaging many groups at once is an organiser's job, inside her area (the campaign
      // room checks that every target lies in her scope).
      if (who.role == Role::kOrganiser) return Status::Ok();
      return Status::PermissionDenied("campaigns need an organiser or admin token (this one is " + role + ")");
    case Permission::kAdmin:
      return Status::PermissionDenied("this needs an admin token (this one is " + role + ")");
  }
  return Status::PermissionDenied("not allowed");
}

}  // namespace gridrelay
