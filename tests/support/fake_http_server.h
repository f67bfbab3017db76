// FakeHttpServer: a real HTTP server on 127.0.0.1 (ephemeral port) that records every request
// and answers with programmable responses. Stands in for a platform, a staff channel or a
// group's reply URL in end-to-end tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace httplib {
class Server;
}

namespace gridrelay::testing {

struct RecordedRequest {
  std::string method;
  std::string path;                            // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

struct FakeResponse {
  int status = 200;
  std::string body = "{}";
  std::string content_type = "application/json";
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const RecordedRequest&)>;

  FakeHttpServer();  // starts listening
  ~FakeHttpServer();

  int port() const { return port_; }
  std::string url(const std::string& path = "") const;

  // Answers requests to `path` with `handler` (default for unknown paths: 200 "{}").
  void On(const std::string& path, Handler handler);
  // Answers the next `n` requests to `path` with `status`, then 200.
  void FailNext(const std::string& path, int n, int status = 500);

  std::vector<RecordedRequest> Requests(const std::string& path = "") const;
  // Waits until at least `n` requests reached `path` ("" = any); false on timeout.
  bool WaitFor(size_t n, const std::string& path = "", std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<RecordedRequest> requests_;
  std::map<std::string, Handler> handlers_;
  std::map<std::string, std::pair<int, int>> failures_;  // path -> (remaining, status)
};

// Polls `pred` every 10 ms until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace gridrelay::testing
