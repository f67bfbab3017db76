// Loopback test doubles for the platform adapters' outbound tests: a recording cpp-httplib
// server standing in for the platform (answers programmable per request), and an HttpClient
// over cpp-httplib that reaches it. Header-only; shared by the onebot, feishu and dingtalk
// suites until tests/support/ provides the gateway's own.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "gateway/core/http_client.h"

namespace gridrelay::testing {

class FakePlatform {
 public:
  struct Recorded {
    std::string method;
    std::string path;
    std::multimap<std::string, std::string> params;  // query
    httplib::Headers headers;
    std::string body;
    std::string Header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
    std::string Param(const std::string& name) const {
      auto it = params.find(name);
      return it == params.end() ? std::string() : it->second;
    }
  };
  struct Answer {
    int status = 200;
    std::string body;
  };
  using Responder = std::function<Answer(const Recorded&)>;

  explicit FakePlatform(Answer answer = {200, "{}"}) : responder_([answer](const Recorded&) { return answer; }) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Recorded r{req.method, req.path, {req.params.begin(), req.params.end()}, req.headers, req.body};
      Responder responder;
      {
        std::lock_guard<std::mutex> lock(mu_);
        recorded_.push_back(r);
        responder = responder_;
      }
      Answer a = responder(r);
      res.status = a.status;
      res.set_content(a.body, "application/json");
    };
    server_.Post(".*", handler);
    server_.Get(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakePlatform() {
    server_.stop();
    thread_.join();
  }
  FakePlatform(const FakePlatform&) = delete;
  FakePlatform& operator=(const FakePlatform&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Respond(Answer answer) { Respond([answer](const Recorded&) { return answer; }); }
  void Respond(Responder responder) {
    std::lock_guard<std::mutex> lock(mu_);
    responder_ = std::move(responder);
  }
  std::vector<Recorded> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return recorded_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Recorded> recorded_;
  Responder responder_;
};

// Plain-HTTP client for loopback tests: transport errors become kUnavailable, timeouts
// kDeadlineExceeded, as the HttpClient contract says.
class LoopbackHttpClient final : public HttpClient {
 public:
  StatusOr<HttpResponse> Do(const HttpRequest& request) override {
    const std::string prefix = "http://";
    if (request.url.rfind(prefix, 0) != 0) return Status::InvalidArgument("loopback client: http:// only");
    size_t slash = request.url.find('/', prefix.size());
    std::string origin = request.url.substr(0, slash);
    std::string path = slash == std::string::npos ? "/" : request.url.substr(slash);
    httplib::Client client(origin);
    client.set_connection_timeout(std::chrono::milliseconds(request.timeout_ms));
    client.set_read_timeout(std::chrono::milliseconds(request.timeout_ms));
    httplib::Headers headers(request.headers.begin(), request.headers.end());
    httplib::Result result = request.method == "GET"
                                 ? client.Get(path, headers)
                                 : client.Post(path, headers, request.body, request.content_type);
    if (!result) {
      if (result.error() == httplib::Error::ConnectionTimeout || result.error() == httplib::Error::Read) {
        return Status::DeadlineExceeded("loopback client: " + httplib::to_string(result.error()));
      }
      return Status::Unavailable("loopback client: " + httplib::to_string(result.error()));
    }
    HttpResponse response;
    response.status = result->status;
    response.body = result->body;
    for (const auto& [k, v] : result->headers) response.headers[k] = v;
    return response;
  }
};

}  // namespace gridrelay::testing
