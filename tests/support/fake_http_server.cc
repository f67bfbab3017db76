#include "tests/support/fake_http_server.h"

#include <algorithm>
#include <cctype>

#include <httplib.h>

namespace gridrelay::testing {

FakeHttpServer::FakeHttpServer() : server_(std::make_unique<httplib::Server>()) {
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    RecordedRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query[k] = v;
    for (const auto& [k, v] : req.headers) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      r.headers[key] = v;
    }
    r.body = req.body;
    FakeResponse answer;
    Handler handler;
    {
      std::lock_guard lock(mu_);
      auto f = failures_.find(r.path);
      if (f != failures_.end() && f->second.first > 0) {
        f->second.first--;
        answer = FakeResponse{f->second.second, R"({"error":"injected failure"})"};
      } else if (auto h = handlers_.find(r.path); h != handlers_.end()) {
        handler = h->second;
      }
    }
    if (handler) answer = handler(r);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(std::move(r));
    }
    cv_.notify_all();
    res.status = answer.status;
    res.set_content(answer.body, answer.content_type.c_str());
  };
  server_->Post(".*", handle);
  server_->Get(".*", handle);
  server_->set_tcp_nodelay(true);
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  WaitUntil([this] { return server_->is_running(); });
}

FakeHttpServer::~FakeHttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void FakeHttpServer::On(const std::string& path, Handler handler) {
  std::lock_guard lock(mu_);
  handlers_[path] = std::move(handler);
}

void FakeHttpServer::FailNext(const std::string& path, int n, int status) {
  std::lock_guard lock(mu_);
  failures_[path] = {n, status};
}

std::vector<RecordedRequest> FakeHttpServer::Requests(const std::string& path) const {
  std::lock_guard lock(mu_);
  std::vector<RecordedRequest> out;
  for (const auto& r : requests_)
    if (path.empty() || r.path == path) out.push_back(r);
  return out;
}

bool FakeHttpServer::WaitFor(size_t n, const std::string& path, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    size_t count = 0;
    for (const auto& r : requests_) count += (path.empty() || r.path == path) ? 1 : 0;
    return count >= n;
  });
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace gridrelay::testing
