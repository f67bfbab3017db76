// POST /api/v1/campaigns                      create (organiser or admin, targets in scope)
// GET  /api/v1/campaigns                      list, newest first
// GET  /api/v1/campaigns/{id}?groups=1        progress; with groups=1 every group's state
// POST /api/v1/campaigns/{id}/pause|resume|cancel
// The work is gateway/campaign's; this file maps it to HTTP. A refused create that counted its
// targets carries "target_count" in its error, so that a client can confirm the number.
#include "gateway/api/api.h"
#include "gateway/campaign/campaign.h"

namespace gridrelay {
namespace {

campaign::Requester RequesterOf(const ApiCall& call) { return {call.actor.id, call.actor.scope}; }

ApiResponse Described(const ApiCall& call, const Runtime& rt, const Campaign& c, int status, bool per_group) {
  auto j = campaign::Describe(*call.deps.store, rt, c, call.deps.clock->NowMicros(), per_group);
  if (!j.ok()) return ApiResponse::Error(j.status());
  return {status, *j};
}

ApiHandler ControlRoute(campaign::Action action) {
  return [action](const ApiCall& call) {
    GR_API_REQUIRE(call, Permission::kCampaigns);
    const auto rt = call.deps.runtime();
    auto c = campaign::Control(*call.deps.store, *rt, call.deps.clock->NowMicros(), RequesterOf(call),
                               std::stoll(call.params.at("id")), action);
    if (!c.ok()) return ApiResponse::Error(c.status());
    if (action == campaign::Action::kResume && call.deps.on_enqueued) call.deps.on_enqueued();
    return Described(call, *rt, *c, 200, false);
  };
}

}  // namespace

void AddCampaignRoutes(std::vector<ApiRoute>& routes) {
  routes.push_back({"POST", "/api/v1/campaigns", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kCampaigns);
                      nlohmann::json body = nlohmann::json::parse(call.request.body, nullptr, false);
                      if (body.is_discarded())
                        return ApiResponse::Error(Status::InvalidArgument("the body is not JSON"));
                      const auto rt = call.deps.runtime();
                      campaign::CreateResult r =
                          campaign::Create(*call.deps.store, *rt, call.deps.clock->NowMicros(), RequesterOf(call), body);
                      if (!r.status.ok()) {
                        ApiResponse err = ApiResponse::Error(r.status);
                        if (r.target_count) err.body["error"]["target_count"] = *r.target_count;
                        return err;
                      }
                      if (r.created && call.deps.on_enqueued) call.deps.on_enqueued();
                      ApiResponse out = Described(call, *rt, *r.campaign, r.created ? 201 : 200, false);
                      if (out.status < 300) out.body["created"] = r.created;
                      return out;
                    }});
  routes.push_back({"GET", "/api/v1/campaigns", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kCampaigns);
                      auto limit = call.IntParam("limit", 50, 1, 500);
                      auto before = call.IntParam("before", 0, 0, INT64_MAX);
                      if (!limit.ok()) return ApiResponse::Error(limit.status());
                      if (!before.ok()) return ApiResponse::Error(before.status());
                      const auto rt = call.deps.runtime();
                      auto list = campaign::List(*call.deps.store, *rt, RequesterOf(call), *before, static_cast<int>(*limit));
                      if (!list.ok()) return ApiResponse::Error(list.status());
                      nlohmann::json out = {{"campaigns", nlohmann::json::array()}};
                      for (const Campaign& c : *list) {
                        auto j = campaign::Describe(*call.deps.store, *rt, c, call.deps.clock->NowMicros(), false);
                        if (!j.ok()) return ApiResponse::Error(j.status());
                        j->erase("never_received");
                        out["campaigns"].push_back(std::move(*j));
                      }
                      return ApiResponse::Ok(out);
                    }});
  routes.push_back({"GET", "/api/v1/campaigns/{id}", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kCampaigns);
                      const auto rt = call.deps.runtime();
                      auto c = campaign::Get(*call.deps.store, *rt, RequesterOf(call), std::stoll(call.params.at("id")));
                      if (!c.ok()) return ApiResponse::Error(c.status());
                      const std::string groups = call.Param("groups");
                      return Described(call, *rt, *c, 200, groups == "1" || groups == "true");
                    }});
  routes.push_back({"POST", "/api/v1/campaigns/{id}/pause", ControlRoute(campaign::Action::kPause)});
  routes.push_back({"POST", "/api/v1/campaigns/{id}/resume", ControlRoute(campaign::Action::kResume)});
  routes.push_back({"POST", "/api/v1/campaigns/{id}/cancel", ControlRoute(campaign::Action::kCancel)});
}

}  // namespace gridrelay
