// HttplibClient: the production HttpClient, over cpp-httplib (with OpenSSL for https).
// A connection per request: outbound rates are bounded by platform quotas (tens per minute
// per destination), so connection reuse is not worth the shared state.
#pragma once

#include "gateway/core/http_client.h"

namespace gridrelay {

class HttplibClient final : public HttpClient {
 public:
  StatusOr<HttpResponse> Do(const HttpRequest& request) override;
};

// Splits "http://host:port/path?q" into "http://host:port" and "/path?q".
Status SplitUrl(const std::string& url, std::string* origin, std::string* path);

}  // namespace gridrelay
