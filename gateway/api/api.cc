#include "gateway/api/api.h"

#include <exception>

#include "gateway/core/adapter.h"

namespace gridrelay {
namespace {

// Matches `path` against `pattern` segment by segment; {name} takes a run of 1-18 digits.
bool MatchRoute(const std::string& pattern, const std::string& path, std::map<std::string, std::string>* params) {
  size_t pi = 0, si = 0;
  while (pi < pattern.size() && si < path.size()) {
    if (pattern[pi] == '{') {
      const size_t close = pattern.find('}', pi);
      size_t end = si;
      while (end < path.size() && path[end] >= '0' && path[end] <= '9') ++end;
      if (end == si || end - si > 18) return false;
      (*params)[pattern.substr(pi + 1, close - pi - 1)] = path.substr(si, end - si);
      pi = close + 1;
      si = end;
      continue;
    }
    if (pattern[pi] != path[si]) return false;
    ++pi;
    ++si;
  }
  return pi == pattern.size() && si == path.size();
}

}  // namespace

ApiResponse ApiResponse::Error(const Status& status) {
  return {HttpStatusFor(status),
          {{"error", {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}}}}};
}

StatusOr<int64_t> ApiCall::IntParam(const char* name, int64_t def, int64_t lo, int64_t hi) const {
  auto it = request.query.find(name);
  if (it == request.query.end()) return def;
  const std::string& v = it->second;
  try {
    size_t used = 0;
    const int64_t n = std::stoll(v, &used);
    if (used != v.size() || n < lo || n > hi) throw std::out_of_range("range");
    return n;
  } catch (...) {
    return Status::InvalidArgument(std::string("query parameter '") + name + "' must be an integer in " +
                                   std::to_string(lo) + ".." + std::to_string(hi));
  }
}

std::string ApiCall::Param(const char* name) const {
  auto it = request.query.find(name);
  return it == request.query.end() ? std::string() : it->second;
}

Api::Api(ApiDeps deps) : deps_(std::move(deps)), authorizer_(deps_.store) {
  AddTicketRoutes(routes_);
  AddMessageRoutes(routes_);
  AddOutboxRoutes(routes_);
  AddClassifyRoutes(routes_);
  AddAdminRoutes(routes_);
  AddStatsRoutes(routes_);
  AddCampaignRoutes(routes_);
  AddWarningRoutes(routes_);
}

ApiResponse Api::Handle(const ApiRequest& request) const {
  // Authentication comes before routing, so that an unknown path answers 401 too.
  const std::shared_ptr<const Runtime> runtime = deps_.runtime();
  auto actor = authorizer_.Authenticate(request.authorization, runtime->router->org());
  if (!actor.ok()) return ApiResponse::Error(actor.status());
  bool path_known = false;
  for (const ApiRoute& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchRoute(route.pattern, request.path, &params)) continue;
    path_known = true;
    if (route.method != request.method) continue;
    ApiCall call{request, *actor, deps_, authorizer_, std::move(params)};
    try {
      return route.handler(call);
    } catch (const std::exception& e) {
      return ApiResponse::Error(Status::Internal(std::string("internal error: ") + e.what()));
    }
  }
  if (path_known) return {405, ApiResponse::Error(Status::InvalidArgument(request.method + " is not allowed on " +
                                                                          request.path)).body};
  return ApiResponse::Error(Status::NotFound("no such route"));
}

}  // namespace gridrelay
