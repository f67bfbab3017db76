// The staff JSON API, independent of the HTTP library: the server hands it an ApiRequest and
// writes back the ApiResponse. Every path under /api/, known or not, needs a bearer token; the
// Authorizer turns it into a workflow::Actor {id, role, scope}, and each resource asks the
// Authorizer what that actor may do and workflow::InScope what it may see (ApiCall::Sees), so
// that roles and scopes have one place to live. Resources are one file each
// (tickets.cc, messages.cc, outbox.cc, classify.cc, admin.cc, stats.cc, campaigns.cc, warnings.cc) and register their routes
// in a table. Errors are always {"error": {"code", "message"}} with a matching status.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/api/authorizer.h"
#include "gateway/core/clock.h"
#include "gateway/runtime/runtime.h"
#include "gateway/store/store.h"

namespace gridrelay {

struct ApiRequest {
  std::string method;                        // GET | POST | ...
  std::string path;                          // "/api/v1/tickets/42"
  std::map<std::string, std::string> query;  // decoded
  std::string authorization;                 // the Authorization header
  std::string body;
};

struct ApiResponse {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();

  static ApiResponse Ok(nlohmann::json body) { return {200, std::move(body)}; }
  static ApiResponse Error(const Status& status);
};

// What the API may use. Owned by the gateway; outlives the Api.
struct ApiDeps {
  Store* store = nullptr;
  const Clock* clock = nullptr;
  std::function<std::shared_ptr<const Runtime>()> runtime;
  std::function<Status()> reload;  // rebuilds the runtime from the config directory
  std::function<void()> on_enqueued;  // after a write that queued outbox rows or timers
};

// One call's context for a resource handler.
struct ApiCall {
  const ApiRequest& request;
  const workflow::Actor& actor;  // who is calling: the token's role and scope
  const ApiDeps& deps;
  const Authorizer& authorizer;
  std::map<std::string, std::string> params;  // from the route's {name} segments

  // The query parameter `name` as an integer in [lo, hi], or `def` when absent.
  StatusOr<int64_t> IntParam(const char* name, int64_t def, int64_t lo, int64_t hi) const;
  std::string Param(const char* name) const;
  // May the caller see `ticket`? Outside her scope a ticket is answered as missing (404).
  bool Sees(const Ticket& ticket) const { return workflow::InScope(actor, ticket); }
};

using ApiHandler = std::function<ApiResponse(const ApiCall&)>;

// Inside a handler: answers the refusal unless the caller may do `permission`.
#define GR_API_REQUIRE(call, permission)                                          \
  do {                                                                             \
    ::gridrelay::Status gr_allowed_ = (call).authorizer.Require((call).actor, (permission)); \
    if (!gr_allowed_.ok()) return ::gridrelay::ApiResponse::Error(gr_allowed_);    \
  } while (0)

struct ApiRoute {
  std::string method;
  std::string pattern;  // "/api/v1/tickets/{id}": {name} matches one segment of digits
  ApiHandler handler;
};

// Each resource file adds its routes.
void AddTicketRoutes(std::vector<ApiRoute>& routes);
void AddMessageRoutes(std::vector<ApiRoute>& routes);
void AddOutboxRoutes(std::vector<ApiRoute>& routes);
void AddClassifyRoutes(std::vector<ApiRoute>& routes);
void AddAdminRoutes(std::vector<ApiRoute>& routes);
void AddStatsRoutes(std::vector<ApiRoute>& routes);
void AddCampaignRoutes(std::vector<ApiRoute>& routes);
void AddWarningRoutes(std::vector<ApiRoute>& routes);

class Api {
 public:
  explicit Api(ApiDeps deps);

  // Handles any request under /api/. Never throws. An unknown path answers 401 without a valid
  // token and 404 with one, so that routes cannot be probed anonymously.
  ApiResponse Handle(const ApiRequest& request) const;

 private:
  ApiDeps deps_;
  Authorizer authorizer_;
  std::vector<ApiRoute> routes_;
};

}  // namespace gridrelay
