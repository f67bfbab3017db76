// GET /api/v1/outbox: what was sent, to whom, its attempts and last error.
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
                          return ApiResponse::Error(Status::InvalidArgument("status must be pending, sent or dead"));
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
}

}  // namespace gridrelay
