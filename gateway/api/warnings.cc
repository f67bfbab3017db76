// GET /api/v1/warnings: the instant anti-fraud warnings with their evidence, newest first, only
// those whose ticket the caller's scope holds (filtered in the store, as tickets are).
// POST /api/v1/warnings/{id}/actions {"action": "false_alarm", "note"}: 误报's twin
// (gateway/workflow/warning_actions.h).
#include "gateway/api/api.h"
#include "gateway/api/api_json.h"
#include "gateway/workflow/warning_actions.h"

namespace gridrelay {

void AddWarningRoutes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/api/v1/warnings", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kReadTickets);
                      WarningFilter f;
                      f.scope = call.actor.scope;  // nullopt (admin, district): everything
                      auto ticket = call.IntParam("ticket", 0, 0, INT64_MAX);
                      auto limit = call.IntParam("limit", 50, 1, 500);
                      auto before = call.IntParam("before", 0, 0, INT64_MAX);
                      for (const auto* p : {&ticket, &limit, &before})
                        if (!p->ok()) return ApiResponse::Error(p->status());
                      f.ticket_id = *ticket;
                      f.limit = static_cast<int>(*limit);
                      f.before_id = *before;
                      auto warnings = call.deps.store->ListWarnings(f);
                      if (!warnings.ok()) return ApiResponse::Error(warnings.status());
                      nlohmann::json out = {{"warnings", nlohmann::json::array()}, {"next_before", nullptr}};
                      for (const Warning& w : *warnings) out["warnings"].push_back(WarningJson(w));
                      if (static_cast<int>(warnings->size()) == f.limit) out["next_before"] = warnings->back().id;
                      return ApiResponse::Ok(out);
                    }});
  routes.push_back({"POST", "/api/v1/warnings/{id}/actions", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kReadTickets);
                      const int64_t id = std::stoll(call.params.at("id"));
                      nlohmann::json body = nlohmann::json::parse(call.request.body, nullptr, false);
                      if (body.is_discarded() || !body.is_object() || !body.value("action", nlohmann::json()).is_string())
                        return ApiResponse::Error(
                            Status::InvalidArgument("body must be {\"action\": \"false_alarm\", \"note\": \"why\"}"));
                      const std::string action = body["action"].get<std::string>();
                      if (action != workflow::kFalseAlarmAction)
                        return ApiResponse::Error(Status::InvalidArgument("unknown action '" + action + "'"));
                      const nlohmann::json note = body.value("note", nlohmann::json());
                      auto done = workflow::MarkFalseAlarm(call.deps.store, call.deps.clock, call.actor, id,
                                                           note.is_string() ? note.get<std::string>() : std::string());
                      if (!done.ok()) return ApiResponse::Error(done.status());
                      return ApiResponse::Ok(WarningJson(*done));
                    }});
}

}  // namespace gridrelay
