// POST /api/v1/classify {"text": ...}: the classifier's answer with the rules that fired.
#include "gateway/api/api.h"

namespace gridrelay {

void AddClassifyRoutes(std::vector<ApiRoute>& routes) {
  routes.push_back({"POST", "/api/v1/classify", [](const ApiCall& call) {
                      GR_API_REQUIRE(call, Permission::kClassify);
                      nlohmann::json body = nlohmann::json::parse(call.request.body, nullptr, false);
                      if (body.is_discarded() || !body.is_object() || !body.contains("text") || !body["text"].is_string())
                        return ApiResponse::Error(Status::InvalidArgument("body must be {\"text\": \"...\"}"));
                      return ApiResponse::Ok(nlohmann::json(call.deps.runtime()->engine->Classify(body["text"].get<std::string>())));
                    }});
}

}  // namespace gridrelay
