// Authorizer: who is calling the API and what they may do. A bearer token becomes a
// workflow::Actor (its role and scope, as `gridrelay token create` granted them, resolved
// against the running org), the same model chat uses for staff; every resource asks here
// whether the actor may use it, and asks workflow::InScope which tickets it may see.
#pragma once

#include <string>

#include "gateway/core/status.h"
#include "gateway/org/org.h"
#include "gateway/store/store.h"
#include "gateway/workflow/actor.h"

namespace gridrelay {

// What an actor asks to do.
enum class Permission {
  kReadTickets,   // within the actor's scope
  kReadMessages,  // a message with its replies; scoped actors only those that opened a ticket they see
  kReadOutbox,
  kClassify,
  kCampaigns,  // create, watch and control campaigns over the groups of the actor's scope
  kAdmin,  // reload and other operations
};

class Authorizer {
 public:
  // `store` must outlive the authorizer.
  explicit Authorizer(AuthStore* store);

  // The actor behind an `Authorization: Bearer <token>` header, its scope resolved against
  // `org`: kUnauthenticated for a missing, unknown or revoked token (or one whose role this
  // build no longer knows); kUnavailable when the store cannot answer.
  StatusOr<workflow::Actor> Authenticate(const std::string& authorization, const OrgIndex& org) const;

  // kPermissionDenied, naming the role and what it lacks, unless `who` may do `what`.
  Status Require(const workflow::Actor& who, Permission what) const;

 private:
  AuthStore* store_;
};

}  // namespace gridrelay
