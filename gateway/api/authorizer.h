// Principal and Authorizer: who is calling the API and what they may do. Today every token is
// an API token with a role; the workflow adds staff roles and scopes (a worker's grids, a
// supervisor's level) here, in one place, and every resource asks through it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/store/store.h"

namespace gridrelay {

struct Principal {
  std::string id;     // the token's name (later: the staff id)
  std::string role;   // admin | ... (the workflow adds worker, team_member, supervisor, organiser)
  std::vector<std::string> scope;  // KIND:ID entries; empty for admin (everything)
};

// What a principal asks to do.
enum class Permission {
  kReadTickets,
  kReadMessages,
  kReadOutbox,
  kClassify,
  kAdmin,  // reload and other operations
};

class Authorizer {
 public:
  // `store` must outlive the authorizer.
  explicit Authorizer(AuthStore* store);

  // The principal behind an `Authorization: Bearer <token>` header: kUnauthenticated for a
  // missing, unknown or revoked token; kUnavailable when the store cannot answer.
  StatusOr<Principal> Authenticate(const std::string& authorization) const;

  // kPermissionDenied, naming what is missing, unless `who` may do `what`.
  Status Require(const Principal& who, Permission what) const;

 private:
  AuthStore* store_;
};

}  // namespace gridrelay
