// FakeWecom: a loopback WeCom API (gettoken, message/send, webhook/send) that records what
// the adapter sends and answers like WeCom does, including scripted failures. Plus a
// test-only HttpClient over httplib::Client, as the gateway's own one is not in scope here.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "gateway/core/http_client.h"

namespace gridrelay::wecom::testing {

// HttpClient over cpp-httplib, enough for loopback tests.
class LoopbackHttpClient final : public HttpClient {
 public:
  StatusOr<HttpResponse> Do(const HttpRequest& request) override {
    const size_t scheme_end = request.url.find("://");
    const size_t path_start = request.url.find('/', scheme_end + 3);
    const std::string origin = request.url.substr(0, path_start);
    const std::string path = path_start == std::string::npos ? "/" : request.url.substr(path_start);
    httplib::Client client(origin);
    const auto ms = std::chrono::milliseconds(request.timeout_ms);
    client.set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(ms).count(),
                                  (ms.count() % 1000) * 1000);
    client.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(ms).count(), (ms.count() % 1000) * 1000);
    httplib::Headers headers(request.headers.begin(), request.headers.end());
    auto result = request.method == "GET" ? client.Get(path, headers)
                                          : client.Post(path, headers, request.body, request.content_type);
    if (!result) {
      if (result.error() == httplib::Error::ConnectionTimeout || result.error() == httplib::Error::Read) {
        return Status::DeadlineExceeded("http: " + httplib::to_string(result.error()));
      }
      return Status::Unavailable("http: " + httplib::to_string(result.error()));
    }
    HttpResponse response;
    response.status = result->status;
    response.body = result->body;
    return response;
  }
};

struct RecordedRequest {
  std::string method;
  std::string path;
  httplib::Params params;
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
};

// A scripted answer: HTTP status and body, used once instead of the normal behaviour.
struct Scripted {
  int status = 200;
  std::string body;
};

class FakeWecom {
 public:
  static constexpr const char* kCorpId = "wwfakecorp";
  static constexpr const char* kSecret = "fake-secret";
  static constexpr const char* kRobotKey = "robot-key-1";
  static constexpr const char* kOtherRobotKey = "robot-key-2";

  FakeWecom() {
    server_.Get("/cgi-bin/gettoken", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      Record(req);
      ++gettoken_calls_;
      if (Script(gettoken_script_, res)) return;
      if (req.get_param_value("corpid") != kCorpId || req.get_param_value("corpsecret") != kSecret) {
        Reply(res, {{"errcode", 40001}, {"errmsg", "invalid credential"}});
        return;
      }
      token_ = "tok-" + std::to_string(gettoken_calls_);
      Reply(res, {{"errcode", 0}, {"errmsg", "ok"}, {"access_token", token_}, {"expires_in", 7200}});
    });
    server_.Post("/cgi-bin/message/send", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      Record(req);
      if (Script(send_script_, res)) return;
      if (req.get_param_value("access_token") != token_ || token_.empty()) {
        Reply(res, {{"errcode", 40014}, {"errmsg", "invalid access_token"}});
        return;
      }
      Reply(res, {{"errcode", 0}, {"errmsg", "ok"}, {"invaliduser", ""}, {"msgid", "m-" + std::to_string(requests_.size())}});
    });
    server_.Post("/cgi-bin/webhook/send", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      Record(req);
      if (Script(send_script_, res)) return;
      const std::string key = req.get_param_value("key");
      if (key != kRobotKey && key != kOtherRobotKey) {
        Reply(res, {{"errcode", 93000}, {"errmsg", "invalid webhook url"}});
        return;
      }
      Reply(res, {{"errcode", 0}, {"errmsg", "ok"}});
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(server_.is_running());
  }
  ~FakeWecom() {
    server_.stop();
    thread_.join();
  }
  FakeWecom(const FakeWecom&) = delete;
  FakeWecom& operator=(const FakeWecom&) = delete;

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next answers of message/send and webhook/send (or gettoken), in order.
  void ScriptSend(Scripted s) {
    std::lock_guard<std::mutex> lock(mu_);
    send_script_.push_back(std::move(s));
  }
  void ScriptGettoken(Scripted s) {
    std::lock_guard<std::mutex> lock(mu_);
    gettoken_script_.push_back(std::move(s));
  }
  // Makes WeCom forget the current token early, as it may.
  void ExpireToken() {
    std::lock_guard<std::mutex> lock(mu_);
    token_ = "expired-" + token_;
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<RecordedRequest> requests_to(const std::string& path) const {
    std::vector<RecordedRequest> out;
    for (auto& r : requests()) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
  int gettoken_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return gettoken_calls_;
  }

 private:
  void Record(const httplib::Request& req) { requests_.push_back({req.method, req.path, req.params, req.body}); }
  static void Reply(httplib::Response& res, const nlohmann::json& body) {
    res.set_content(body.dump(), "application/json");
  }
  static bool Script(std::deque<Scripted>& script, httplib::Response& res) {
    if (script.empty()) return false;
    res.status = script.front().status;
    res.set_content(script.front().body, "application/json");
    script.pop_front();
    return true;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<RecordedRequest> requests_;
  std::deque<Scripted> send_script_;
  std::deque<Scripted> gettoken_script_;
  std::string token_;
  int gettoken_calls_ = 0;
};

}  // namespace gridrelay::wecom::testing
