#include "gateway/api/principal.h"

#include "util/crypto.h"

namespace gridrelay {

Authorizer::Authorizer(AuthStore* store) : store_(store) {}

StatusOr<Principal> Authorizer::Authenticate(const std::string& authorization) const {
  const std::string prefix = "Bearer ";
  if (authorization.rfind(prefix, 0) != 0 || authorization.size() == prefix.size())
    return Status::Unauthenticated("missing Authorization: Bearer <token> (create one with `gridrelay token create`)");
  auto token = store_->FindToken(crypto::Sha256Hex(authorization.substr(prefix.size())));
  if (!token.ok()) return Status::Unavailable("store: " + token.status().message());
  if (!token->has_value()) return Status::Unauthenticated("unknown or revoked token");
  return Principal{(*token)->name, (*token)->role, {}};
}

Status Authorizer::Require(const Principal& who, Permission what) const {
  if (who.role == "admin") return Status::Ok();
  if (what == Permission::kAdmin) return Status::PermissionDenied("this needs an admin token");
  return Status::Ok();
}

}  // namespace gridrelay
