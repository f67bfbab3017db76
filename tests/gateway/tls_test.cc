// HTTPS both ways: `serve` listens with TLS given a certificate and key, and a channel's
// outbound HTTPS verifies the platform's certificate (the system store, or the channel's own
// ca_file). The certificate is made by scripts/make-cert, as a user would make one.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "gateway/config/config.h"
#include "tests/support/test_gateway.h"
#include "util/http_client.h"

namespace gridrelay::testing {
namespace {

// A self-signed pair for localhost and 127.0.0.1, made by the script the README points to.
struct CertPair {
  CertPair() : dir(MakeTempDir("gridrelay-tls")) {
    const std::string cmd = std::string(GRIDRELAY_SOURCE_DIR) + "/scripts/make-cert " + dir.string() + " >/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  ~CertPair() { std::filesystem::remove_all(dir); }
  std::string cert() const { return (dir / "cert.pem").string(); }
  std::string key() const { return (dir / "key.pem").string(); }
  std::filesystem::path dir;
};

// An HTTPS receiver on loopback that counts what it is sent.
struct TlsReceiver {
  explicit TlsReceiver(const CertPair& pair) : server(pair.cert().c_str(), pair.key().c_str()) {
    REQUIRE(server.is_valid());
    server.Post("/group", [this](const httplib::Request&, httplib::Response& res) {
      ++posts;
      res.set_content("{}", "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~TlsReceiver() {
    server.stop();
    thread.join();
  }
  std::string url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port) + path; }

  httplib::SSLServer server;
  int port = 0;
  std::thread thread;
  std::atomic<int> posts{0};
};

}  // namespace

TEST_SUITE("tls") {
  TEST_CASE("serve speaks HTTPS with tls_cert_file and tls_key_file, plain HTTP to it gets nothing, and it keeps serving") {
    CertPair pair;
    TestGatewayOptions o;
    o.extra_server = "  tls_cert_file: " + pair.cert() + "\n  tls_key_file: " + pair.key() + "\n";
    TestGateway t(o);

    httplib::SSLClient trusting("127.0.0.1", t.port());
    trusting.set_ca_cert_path(pair.cert().c_str());
    trusting.enable_server_certificate_verification(true);
    auto health = trusting.Get("/healthz");
    REQUIRE(health);
    CHECK(health->status == 200);

    // A webhook over HTTPS is acknowledged like one over HTTP.
    const std::string body = TestGateway::Message("m1", "g1", "3栋楼道灯坏了好几天了", "u42").dump();
    auto hook = trusting.Post("/webhook/generic/demo", {{"Authorization", std::string("Bearer ") + TestGateway::kSecret}}, body,
                              "application/json");
    REQUIRE(hook);
    CHECK(hook->status == 200);

    // A client that does not trust the certificate refuses the server; so does plain HTTP.
    httplib::SSLClient distrusting("127.0.0.1", t.port());
    distrusting.enable_server_certificate_verification(true);
    CHECK_FALSE(distrusting.Get("/healthz"));
    httplib::Client plain("127.0.0.1", t.port());
    plain.set_read_timeout(5, 0);
    CHECK_FALSE(plain.Get("/healthz"));

    auto again = trusting.Get("/healthz");
    REQUIRE(again);
    CHECK(again->status == 200);
  }

  TEST_CASE("outbound HTTPS verifies the server: the system store refuses a self-signed platform, its ca_file trusts it") {
    CertPair pair;
    TlsReceiver platform(pair);
    HttplibClient client;
    HttpRequest req;
    req.url = platform.url("/group");
    req.body = "{}";
    auto refused = client.Do(req);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kFailedPrecondition);
    CHECK(platform.posts == 0);

    req.ca_file = pair.cert();
    auto sent = client.Do(req);
    REQUIRE(sent.ok());
    CHECK(sent->status == 200);
    CHECK(platform.posts == 1);
  }

  TEST_CASE("a channel's ca_file reaches its sends: an acknowledgement goes out over verified HTTPS") {
    CertPair pair;
    TlsReceiver platform(pair);
    TestGatewayOptions o;
    o.extra_channels = "  secure:\n    type: generic\n    secret: secure-secret-0123456789\n    reply_url: " +
                       platform.url("/group") + "\n    ca_file: " + pair.cert() + "\n";
    o.extra_grids = "  - {id: grid-c, name: 第三网格, community: c, worker: w-b, groups: [{channel: secure, group: g9}]}\n";
    TestGateway t(o);
    auto res = t.PostGeneric(TestGateway::Message("m1", "g9", "3栋楼道灯坏了好几天了,晚上太黑", "u42"),
                             "secure-secret-0123456789", "secure");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(WaitUntil([&] { return platform.posts >= 1; }));
  }

  TEST_CASE("TLS and ca_file settings are checked with the file and line") {
    CertPair pair;
    const auto dir = MakeTempDir("gridrelay-tls-config");
    std::filesystem::copy(SourceConfigDir(), dir, std::filesystem::copy_options::recursive);
    const std::string main = dir / "gridrelay.yaml";
    std::string shipped;
    {
      std::ifstream in(main);
      shipped.assign(std::istreambuf_iterator<char>(in), {});
    }
    const int server_line = 1 + static_cast<int>(std::count(shipped.begin(), shipped.begin() + shipped.find("server:\n"), '\n'));
    auto load_with = [&](const std::string& server_extra, const std::string& channel_extra) {
      std::string text = shipped;
      text.replace(text.find("server:\n"), 8, "server:\n" + server_extra);
      text.replace(text.find("channels:\n"), 10, "channels:\n" + channel_extra);
      std::ofstream(main) << text;
      return LoadConfig(dir);
    };
    auto only_cert = load_with("  tls_cert_file: " + pair.cert() + "\n", "");
    REQUIRE_FALSE(only_cert.ok());
    const std::string where = "gridrelay.yaml:" + std::to_string(server_line + 1) + ": ";
    CHECK(only_cert.status().message().find(where + "tls_cert_file and tls_key_file go together") != std::string::npos);
    auto missing = load_with("  tls_cert_file: nowhere.pem\n  tls_key_file: " + pair.key() + "\n", "");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.status().message().find("nowhere.pem: no such file") != std::string::npos);
    auto no_ca = load_with("", "  secure:\n    type: generic\n    secret: secure-secret-0123456789\n"
                               "    ca_file: missing-ca.pem\n");
    REQUIRE_FALSE(no_ca.ok());
    CHECK(no_ca.status().message().find("gridrelay.yaml:") != std::string::npos);
    CHECK(no_ca.status().message().find("missing-ca.pem: no such file") != std::string::npos);
    // A relative path is read from the config directory.
    std::filesystem::copy_file(pair.cert(), dir / "ca.pem");
    auto ok = load_with("", "  secure:\n    type: generic\n    secret: secure-secret-0123456789\n    ca_file: ca.pem\n");
    REQUIRE(ok.ok());
    const ChannelSpec* secure = ok->FindChannel("secure");
    REQUIRE(secure != nullptr);
    CHECK(secure->ca_file == (dir / "ca.pem").lexically_normal().string());
    CHECK_FALSE(secure->settings.contains("ca_file"));
    std::filesystem::remove_all(dir);
  }
}

}  // namespace gridrelay::testing
