// GET /api/v1/stats?from=&to=&group_by=grid|community|team|intent: the report of
// gateway/workflow/report.h (definitions there and in the README) as JSON. from and to are
// RFC 3339 dates or date-times (ParseReportWindow); the default is the last 30 days. Only the
// tickets in the caller's scope are counted.
#include "gateway/api/api.h"
#include "gateway/api/api_json.h"
#include "gateway/workflow/report.h"

namespace gridrelay {

void AddStatsRoutes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/api/v1/stats", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kReadTickets);
                      const int64_t now = call.deps.clock->NowMicros();
                      auto window = workflow::ParseReportWindow(call.Param("from"), call.Param("to"), now);
                      if (!window.ok()) return ApiResponse::Error(window.status());
                      const std::string by = call.Param("group_by");
                      const auto group_by = by.empty() ? workflow::ReportGroupBy::kGrid : workflow::ParseReportGroupBy(by);
                      if (!group_by)
                        return ApiResponse::Error(Status::InvalidArgument(
                            "'group_by' must be grid, community, team or intent, not '" + by + "'"));
                      // A supervisor's rates cover her area, a worker's her grids and teams.
                      const auto rt = call.deps.runtime();
                      auto report = workflow::BuildReport(*call.deps.store, *group_by, *window, call.actor.scope, now,
                                                          rt->calendar.get());
                      if (!report.ok()) return ApiResponse::Error(report.status());
                      return ApiResponse::Ok(ReportJson(*report));
                    }});
}

}  // namespace gridrelay
