// The HTTP layer's limits, tried the way an attacker would on loopback, against a real gateway:
// bodies however framed, header floods, long targets, trickling requests, connection floods
// from other sources (127.0.0.2 and up), and /metrics on its own address or behind a token.
// Every bound on time has a 10x margin over its target; the counts are kept small enough that
// each case takes seconds.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A TCP connection to 127.0.0.1:port from `source` (127.0.0.x); -1 on failure.
int ConnectFrom(int port, const std::string& source, int send_timeout_ms = 5000) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{send_timeout_ms / 1000, (send_timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends all of `data`; false when the peer refused the rest (closed, reset, or stalled).
bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// What arrives until the peer closes or `timeout` passes.
std::string ReadUntilClosed(int fd, milliseconds timeout) {
  std::string out;
  const auto end = Clock::now() + timeout;
  char buf[8192];
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    const int left = static_cast<int>(std::chrono::duration_cast<milliseconds>(end - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// True once the peer has closed the connection (EOF or reset), waiting at most `timeout`.
bool ClosedWithin(int fd, milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  char buf[4096];
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return true;
  }
  return false;
}

int StatusOf(const std::string& response) {
  int status = 0;
  if (std::sscanf(response.c_str(), "HTTP/1.%*d %d", &status) != 1) return 0;
  return status;
}

nlohmann::json BodyOf(const std::string& response) {
  const size_t at = response.find("\r\n\r\n");
  if (at == std::string::npos) return nullptr;
  return nlohmann::json::parse(response.substr(at + 4), nullptr, false);
}

// This process's resident memory (the gateway runs in it), in MiB.
double RssMiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

std::string Chunk(size_t size) {
  char head[32];
  std::snprintf(head, sizeof head, "%zx\r\n", size);
  return head + std::string(size, 'a') + "\r\n";
}

const char* kText = "3栋楼道灯坏了好几天了,晚上太黑";

}  // namespace

TEST_SUITE("server limits") {
  TEST_CASE("a chunked body over max_body_bytes is answered 413, on any route, authenticated or not") {
    TestGateway t;
    const std::vector<std::string> heads = {
        "POST /webhook/generic/demo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /webhook/generic/demo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(TestGateway::kSecret) +
            "\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /api/v1/admin/reload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /no/such/route HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (const auto& head : heads) {
      CAPTURE(head);
      int fd = ConnectFrom(t.port(), "127.0.0.1");
      REQUIRE(fd >= 0);
      // 80,000 bytes in two chunks against the test's 65,536: the whole request fits in the
      // socket buffers, so the answer is read back intact.
      SendAll(fd, head + Chunk(40000) + Chunk(40000) + "0\r\n\r\n");
      const std::string response = ReadUntilClosed(fd, milliseconds(10000));
      ::close(fd);
      CHECK(StatusOf(response) == 413);
      CHECK(BodyOf(response)["error"]["code"] == "payload_too_large");
    }
  }

  TEST_CASE("100 MB of chunked body to an unauthenticated route is refused before it is buffered") {
    TestGateway t;
    const double rss_before = RssMiB();
    const std::string chunk = Chunk(1 << 16);
    size_t most = 0;
    for (int round = 0; round < 2; ++round) {
      int fd = ConnectFrom(t.port(), "127.0.0.2");
      REQUIRE(fd >= 0);
      SendAll(fd, "POST /webhook/generic/demo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      size_t sent = 0;
      while (sent < (size_t{100} << 20) && SendAll(fd, chunk)) sent += chunk.size();
      ::close(fd);
      most = std::max(most, sent);
    }
    const double grown = RssMiB() - rss_before;
    MESSAGE("at most " << most / (1 << 20) << " MiB of 100 got through before the server closed; RSS grew " << grown
                       << " MiB");
    // The server stops at 64 KiB and drains 1 MiB; the rest is what the kernel's buffers held.
    CHECK(most < (size_t{16} << 20));
    CHECK(grown < 32);
    // A declared Content-Length over the limit is refused before a byte of body is sent.
    int fd = ConnectFrom(t.port(), "127.0.0.2");
    REQUIRE(fd >= 0);
    SendAll(fd, "POST /webhook/generic/demo HTTP/1.1\r\nHost: x\r\nContent-Length: 209715200\r\n\r\n");
    const std::string response = ReadUntilClosed(fd, milliseconds(10000));
    ::close(fd);
    CHECK(StatusOf(response) == 413);
    // The server is still serving.
    auto res = t.PostGeneric(TestGateway::Message("after-flood", "g1", kText));
    REQUIRE(res);
    CHECK(res->status == 200);
  }

  TEST_CASE("too many header fields, or too many header bytes, are answered 431 and never buffered") {
    TestGateway t;
    {
      std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
      for (int i = 0; i < 200; ++i) req += "X-" + std::to_string(i) + ": v\r\n";  // ~2 KB: only the count is over
      int fd = ConnectFrom(t.port(), "127.0.0.1");
      REQUIRE(fd >= 0);
      SendAll(fd, req + "\r\n");
      const std::string response = ReadUntilClosed(fd, milliseconds(10000));
      ::close(fd);
      CHECK(StatusOf(response) == 431);
      CHECK(BodyOf(response)["error"]["code"] == "header_fields_too_large");
    }
    {
      int fd = ConnectFrom(t.port(), "127.0.0.1");
      REQUIRE(fd >= 0);
      SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n");
      const std::string response = ReadUntilClosed(fd, milliseconds(10000));
      ::close(fd);
      CHECK(StatusOf(response) == 431);
    }
    // A flood of a million headers (8 MB) per connection, four times over.
    const double rss_before = RssMiB();
    std::string block;
    for (int i = 0; i < 8192; ++i) block += "X-h: v\r\n";  // 64 KiB
    size_t most = 0;
    for (int round = 0; round < 4; ++round) {
      int fd = ConnectFrom(t.port(), "127.0.0.3");
      REQUIRE(fd >= 0);
      SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
      size_t sent = 0;
      for (int i = 0; i < 512 && SendAll(fd, block); ++i) sent += block.size();  // up to 32 MiB, 4M headers
      ::close(fd);
      most = std::max(most, sent);
    }
    const double grown = RssMiB() - rss_before;
    MESSAGE("header flood: at most " << most / (1 << 20) << " MiB got through before the server closed; RSS grew "
                                     << grown << " MiB");
    // The server stops at 16 KiB and drains 1 MiB; the rest is what the kernel's buffers held.
    CHECK(most < (size_t{16} << 20));
    CHECK(grown < 32);
    auto res = t.Client().Get("/healthz");
    REQUIRE(res);
    CHECK(res->status == 200);
  }

  TEST_CASE("an encoded body (gzip, whose inflated size nothing bounds) is refused with 415, never inflated") {
    TestGateway t;
    int fd = ConnectFrom(t.port(), "127.0.0.1");
    REQUIRE(fd >= 0);
    SendAll(fd, "POST /webhook/generic/demo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd");
    const std::string response = ReadUntilClosed(fd, milliseconds(10000));
    ::close(fd);
    CHECK(StatusOf(response) == 415);
    CHECK(BodyOf(response)["error"]["code"] == "unsupported_media_type");
  }

  TEST_CASE("a target longer than 8192 bytes is 414 with the code uri_too_long") {
    TestGateway t;
    int fd = ConnectFrom(t.port(), "127.0.0.1");
    REQUIRE(fd >= 0);
    SendAll(fd, "GET /healthz?pad=" + std::string(10000, 'p') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string response = ReadUntilClosed(fd, milliseconds(10000));
    ::close(fd);
    CHECK(StatusOf(response) == 414);
    CHECK(BodyOf(response)["error"]["code"] == "uri_too_long");
  }

  TEST_CASE("a request that trickles in is cut off at request_timeout_seconds, however busy it keeps the socket") {
    TestGatewayOptions o;
    o.extra_server = "  request_timeout_seconds: 1\n";
    TestGateway t(o);
    int fd = ConnectFrom(t.port(), "127.0.0.2", 200);
    REQUIRE(fd >= 0);
    const auto start = Clock::now();
    std::string request = "POST /webhook/generic/demo HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 1000; ++i) request += "X-Slow-" + std::to_string(i) + ": v\r\n";
    bool closed = false;
    // One byte every 50 ms: never idle long enough for a per-read timeout, for up to 15 s.
    for (size_t i = 0; i < request.size() && Clock::now() - start < std::chrono::seconds(15); ++i) {
      if (::send(fd, &request[i], 1, MSG_NOSIGNAL) != 1 || ClosedWithin(fd, milliseconds(50))) {
        closed = true;
        break;
      }
    }
    const auto held = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    ::close(fd);
    MESSAGE("a trickling request was cut off after " << held.count() << " ms (request_timeout_seconds: 1)");
    CHECK(closed);
    CHECK(held >= milliseconds(900));
    CHECK(held < milliseconds(10000));
  }

  TEST_CASE("connections over max_connections_per_source are closed at accept, other sources are served") {
    TestGatewayOptions o;
    o.extra_server = "  max_connections_per_source: 8\n";
    TestGateway t(o);
    std::vector<int> held;
    for (int i = 0; i < 20; ++i) {
      int fd = ConnectFrom(t.port(), "127.0.0.3");
      REQUIRE(fd >= 0);
      held.push_back(fd);
    }
    int closed = 0;
    for (int fd : held) closed += ClosedWithin(fd, milliseconds(100)) ? 1 : 0;
    CHECK(closed == 12);
    // The source's own 8 are served, and so is everyone else.
    auto res = t.PostGeneric(TestGateway::Message("cap-1", "g1", kText));
    REQUIRE(res);
    CHECK(res->status == 200);
    for (int fd : held) ::close(fd);
    // Once its connections are gone, the source is welcome again.
    REQUIRE(WaitUntil([&] {
      int fd = ConnectFrom(t.port(), "127.0.0.3");
      const bool ok = fd >= 0 && SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") &&
                      StatusOf(ReadUntilClosed(fd, milliseconds(2000))) == 200;
      if (fd >= 0) ::close(fd);
      return ok;
    }));
  }

  TEST_CASE("the listen backlog is at least 1024") {
    TestGateway t;
    FILE* p = ::popen(("ss -Hltn 'sport = :" + std::to_string(t.port()) + "'").c_str(), "r");
    REQUIRE(p != nullptr);
    char line[512] = {0};
    const bool got = std::fgets(line, sizeof line, p) != nullptr;
    ::pclose(p);
    REQUIRE(got);
    // State Recv-Q Send-Q ...: for a listening socket Send-Q is the backlog.
    char state[32];
    int recv_q = 0, backlog = 0;
    REQUIRE(std::sscanf(line, "%31s %d %d", state, &recv_q, &backlog) == 3);
    CHECK(backlog >= 1024);
  }

  TEST_CASE("slowloris, half-open and chatty keep-alive connections from other sources do not delay a webhook") {
    TestGateway t;
    const int kSources = 10;
    const int kSlow = 400, kSilent = 400, kChatty = 200;
    auto source = [&](int i) { return "127.0.0." + std::to_string(2 + i % kSources); };
    std::vector<int> slow, silent, chatty;
    for (int i = 0; i < kSlow; ++i) {
      int fd = ConnectFrom(t.port(), source(i));
      REQUIRE(fd >= 0);
      SendAll(fd, "POST /webhook/generic/demo HTTP/1.1\r\nHost: x\r\n");
      slow.push_back(fd);
    }
    for (int i = 0; i < kSilent; ++i) {
      int fd = ConnectFrom(t.port(), source(i));
      REQUIRE(fd >= 0);
      silent.push_back(fd);
    }
    for (int i = 0; i < kChatty; ++i) {
      int fd = ConnectFrom(t.port(), source(i));
      REQUIRE(fd >= 0);
      chatty.push_back(fd);
    }
    std::atomic<bool> done{false};
    std::atomic<int64_t> chatty_answers{0};
    // Slowloris: one more header byte on each connection every 200 ms. Chatty: each keep-alive
    // connection asks /healthz about once a second.
    std::thread attacker([&] {
      int round = 0;
      while (!done) {
        for (int fd : slow) ::send(fd, "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (round % 5 == 0) {
          for (int fd : chatty) {
            if (!SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")) continue;
          }
        }
        char buf[4096];
        for (int fd : chatty) {
          while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) ++chatty_answers;
        }
        ++round;
        std::this_thread::sleep_for(milliseconds(200));
      }
    });
    std::this_thread::sleep_for(milliseconds(500));
    milliseconds worst{0};
    for (int i = 0; i < 10; ++i) {
      httplib::Client c = t.Client();
      c.set_connection_timeout(10, 0);
      c.set_read_timeout(10, 0);
      const auto start = Clock::now();
      auto res = c.Post("/webhook/generic/demo", {{"Authorization", std::string("Bearer ") + TestGateway::kSecret}},
                        TestGateway::Message("siege-" + std::to_string(i), "g1", kText).dump(), "application/json");
      const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
      worst = std::max(worst, took);
      CHECK(res);
      if (res) CHECK(res->status == 200);
      std::this_thread::sleep_for(milliseconds(100));
    }
    done = true;
    attacker.join();
    MESSAGE("with " << kSlow << " slowloris, " << kSilent << " silent and " << kChatty
                    << " chatty connections from 10 other sources, the slowest of 10 webhooks took " << worst.count()
                    << " ms; the chatty connections got " << chatty_answers.load() << " reads");
    CHECK(worst < milliseconds(10000));  // the target is 1 s
    CHECK(chatty_answers > 0);
    for (auto* v : {&slow, &silent, &chatty})
      for (int fd : *v) ::close(fd);
  }

  TEST_CASE("/metrics can be served on an address of its own, and behind a token") {
    TestGatewayOptions o;
    o.extra_server = "  metrics_listen: 127.0.0.1:0\n  metrics_token: metrics-token-0123456789\n";
    TestGateway t(o);
    REQUIRE(t.gateway().metrics_port() > 0);
    REQUIRE(t.gateway().metrics_port() != t.port());
    // Not on the main listener any more.
    auto main = t.Client().Get("/metrics");
    REQUIRE(main);
    CHECK(main->status == 404);
    httplib::Client m("127.0.0.1", t.gateway().metrics_port());
    auto anonymous = m.Get("/metrics");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 401);
    auto wrong = m.Get("/metrics", {{"Authorization", "Bearer metrics-token-wrong-0000"}});
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    auto ok = m.Get("/metrics", {{"Authorization", "Bearer metrics-token-0123456789"}});
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->body.find("gridrelay_outbox{status=\"dead\"} 0") != std::string::npos);
    // The metrics address serves nothing else.
    auto webhook = m.Post("/webhook/generic/demo", "{}", "application/json");
    REQUIRE(webhook);
    CHECK(webhook->status == 404);
  }
}

}  // namespace gridrelay::testing
