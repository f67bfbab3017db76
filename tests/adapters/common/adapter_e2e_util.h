// Scaffolding shared by the platform adapters' end-to-end tests (which run a real gateway on
// loopback through tests/support): posting a simulated platform request to the gateway.
#pragma once

#include <string>

#include "gateway/core/adapter.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {

// POSTs `request` (as BuildCallback made it) to `path` on the gateway, with its headers and
// its content-type (application/json when it has none).
inline httplib::Result PostWebhook(const TestGateway& t, const std::string& path, const WebhookRequest& request) {
  httplib::Client c = t.Client();
  httplib::Headers headers;
  std::string content_type = "application/json";
  for (const auto& [k, v] : request.headers) {
    if (k == "content-type") {
      content_type = v;
    } else {
      headers.emplace(k, v);
    }
  }
  return c.Post(path.c_str(), headers, request.body, content_type.c_str());
}

}  // namespace gridrelay::testing
