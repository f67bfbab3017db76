// HttpClient: outbound HTTP, behind an interface so that adapters can be pointed at a
// fake platform and tests can inject faults. Transport failures come back as
// kUnavailable (connect/read errors) or kDeadlineExceeded (timeouts); an HTTP error
// status is NOT a transport failure: it comes back as a response for the adapter to judge.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/status.h"

namespace gridrelay {

struct HttpRequest {
  std::string method = "POST";  // GET | POST
  std::string url;              // absolute: http://host:port/path?query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
  int timeout_ms = 5000;
  // HTTPS: the PEM bundle to verify the server with; "" = the system's store. Certificates are
  // always verified.
  std::string ca_file;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Thread-safe.
  virtual StatusOr<HttpResponse> Do(const HttpRequest& request) = 0;
};

// An HttpClient that verifies every server with one CA bundle: a channel's `ca_file`.
class CaFileClient final : public HttpClient {
 public:
  CaFileClient(HttpClient* inner, std::string ca_file) : inner_(inner), ca_file_(std::move(ca_file)) {}
  StatusOr<HttpResponse> Do(const HttpRequest& request) override {
    HttpRequest r = request;
    r.ca_file = ca_file_;
    return inner_->Do(r);
  }

 private:
  HttpClient* inner_;
  const std::string ca_file_;
};

}  // namespace gridrelay
