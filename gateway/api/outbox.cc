// GET /api/v1/outbox: what was sent, to whom, its attempts and last error.
// POST /api/v1/outbox/retry: dead rows back to pending, by id, destination or channel (admin).
#include "gateway/api/api.h"
#include "gateway/api/api_json.h"

namespace gridrelay {

void AddOutboxRoutes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/api/v1/outbox", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kReadOutbox);
                      OutboxFilter f;
                      const std::string status = call.Param("status");
                      if (!status.empty()) {
                        f.status = ParseOutboxStatus(status);
                        if (!f.status)
                          return ApiResponse::Error(Status::InvalidArgument("status must be pending, sent, dead, held, cancelled, batched or merged"));
                      }
                      auto limit = call.IntParam("limit", 50, 1, 500);
                      auto before = call.IntParam("before", 0, 0, INT64_MAX);
                      if (!limit.ok()) return ApiResponse::Error(limit.status());
                      if (!before.ok()) return ApiResponse::Error(before.status());
                      f.limit = static_cast<int>(*limit);
                      f.before_id = *before;
                      auto rows = call.deps.store->ListOutbox(f);
                      if (!rows.ok()) return ApiResponse::Error(rows.status());
                      nlohmann::json out = {{"outbox", nlohmann::json::array()}, {"next_before", nullptr}};
                      for (const auto& e : *rows) out["outbox"].push_back(OutboxJson(e));
                      if (static_cast<int>(rows->size()) == f.limit) out["next_before"] = rows->back().message.id;
                      return ApiResponse::Ok(out);
                    }});
  routes.push_back({"POST", "/api/v1/outbox/retry", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kAdmin);
                      static const char* kShape =
                          "body must be {\"id\": <outbox id>} or {\"destination\": \"<channel|destination>\"} or "
                          "{\"channel\": \"<channel>\"} (several narrow the choice)";
                      nlohmann::json body = nlohmann::json::parse(call.request.body, nullptr, false);
                      if (body.is_discarded() || !body.is_object()) return ApiResponse::Error(Status::InvalidArgument(kShape));
                      RequeueFilter f;
                      for (const auto& [key, value] : body.items()) {
                        if (key == "id") {
                          if (!value.is_number_integer() || value.get<int64_t>() < 1)
                            return ApiResponse::Error(Status::InvalidArgument("id must be a positive integer"));
                          f.id = value.get<int64_t>();
                        } else if (key == "destination" || key == "channel") {
                          if (!value.is_string() || value.get<std::string>().empty())
                            return ApiResponse::Error(Status::InvalidArgument(key + " must be a non-empty string"));
                          (key == "channel" ? f.channel : f.destination) = value.get<std::string>();
                        } else {
                          return ApiResponse::Error(Status::InvalidArgument("unknown field '" + key + "'; " + kShape));
                        }
                      }
                      if (f.empty()) return ApiResponse::Error(Status::InvalidArgument(kShape));
                      auto n = call.deps.store->RequeueDead(f, call.deps.clock->NowMicros());
                      if (!n.ok()) return ApiResponse::Error(n.status());
                      if (f.id != 0 && *n == 0)
                        return ApiResponse::Error(Status::NotFound("no dead outbox row matches id " + std::to_string(f.id)));
                      if (*n > 0 && call.deps.on_enqueued) call.deps.on_enqueued();
                      return ApiResponse::Ok({{"requeued", *n}});
                    }});
}

}  // namespace gridrelay
