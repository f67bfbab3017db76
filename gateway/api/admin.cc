// POST /api/v1/admin/reload: reload the config; a broken file is refused and the running one stays.
#include "gateway/api/api.h"

namespace gridrelay {

void AddAdminRoutes(std::vector<ApiRoute>& routes) {
  routes.push_back({"POST", "/api/v1/admin/reload", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kAdmin);
                      Status st = call.deps.reload();
                      if (!st.ok())
                        return ApiResponse::Error(
                            Status::InvalidArgument("reload rejected, the running config stays: " + st.message()));
                      return ApiResponse::Ok({{"ok", true}});
                    }});
}

}  // namespace gridrelay
