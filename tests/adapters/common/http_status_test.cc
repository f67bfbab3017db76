// Tests for adapters/common/http_status: the one table from a platform's HTTP status to a
// Status, and which of those the dispatcher retries.
#include <doctest/doctest.h>

#include <vector>

#include "adapters/common/http_status.h"

namespace gridrelay {
namespace {

TEST_SUITE("http status") {

TEST_CASE("each HTTP status maps to one code, and only overload, timeouts and rate limits are retried") {
  struct Case {
    int http;
    StatusCode code;
    bool retried;
  };
  const std::vector<Case> cases = {
      {200, StatusCode::kOk, false},
      {204, StatusCode::kOk, false},
      {299, StatusCode::kOk, false},
      {100, StatusCode::kFailedPrecondition, false},
      {301, StatusCode::kFailedPrecondition, false},  // redirects are not followed: fix the URL
      {302, StatusCode::kFailedPrecondition, false},
      {400, StatusCode::kInvalidArgument, false},
      {401, StatusCode::kPermissionDenied, false},
      {403, StatusCode::kPermissionDenied, false},
      {404, StatusCode::kNotFound, false},
      {405, StatusCode::kInvalidArgument, false},
      {408, StatusCode::kUnavailable, true},  // the server gave up waiting for the request
      {413, StatusCode::kInvalidArgument, false},
      {415, StatusCode::kInvalidArgument, false},
      {429, StatusCode::kResourceExhausted, true},
      {499, StatusCode::kInvalidArgument, false},
      {500, StatusCode::kUnavailable, true},
      {502, StatusCode::kUnavailable, true},
      {503, StatusCode::kUnavailable, true},
      {504, StatusCode::kUnavailable, true},
      {599, StatusCode::kUnavailable, true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.http);
    Status s = StatusFromHttp(c.http, "api: HTTP " + std::to_string(c.http));
    CHECK(s.code() == c.code);
    CHECK(s.IsTransient() == c.retried);
    if (!s.ok()) CHECK(s.message() == "api: HTTP " + std::to_string(c.http));
  }
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay
