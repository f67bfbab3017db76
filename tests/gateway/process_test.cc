// The binary as a user runs it: subcommands, exit codes, signals, hot reload, triage.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "util/crypto.h"
#include "util/metrics.h"
#include "tests/support/process.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult Run(const std::string& args, const std::string& input = "") {
  std::string cmd = std::string(GRIDRELAY_BINARY) + " " + args + " 2>&1";
  std::filesystem::path in_file;
  if (!input.empty()) {
    in_file = MakeTempDir("gridrelay-in") / "input";
    std::ofstream(in_file) << input;
    cmd += " < " + in_file.string();
  }
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (!in_file.empty()) std::filesystem::remove_all(in_file.parent_path());
  return r;
}

// A copy of the shipped config with its data in a temporary directory.
struct ShippedCopy {
  ShippedCopy() : root(MakeTempDir("gridrelay-proc")) {
    std::filesystem::copy(SourceConfigDir(), root / "config", std::filesystem::copy_options::recursive);
  }
  ~ShippedCopy() { std::filesystem::remove_all(root); }
  std::string config() const { return (root / "config").string(); }
  std::string data() const { return (root / "data").string(); }
  std::filesystem::path root;
};

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("version, and check-config on the shipped config") {
    auto v = Run("version");
    CHECK(v.exit_code == 0);
    CHECK(v.output.find("gridrelay ") == 0);
    auto c = Run("check-config --config " + SourceConfigDir().string());
    CHECK_MESSAGE(c.exit_code == 0, c.output);
    CHECK(c.output.size() >= 3);
    CHECK(c.output.substr(c.output.size() - 3) == "ok\n");
  }

  TEST_CASE("check-config names the file and line of a broken config and exits 1") {
    ShippedCopy s;
    std::ofstream(s.root / "config" / "routing.yaml", std::ios::app) << "bogus_key: 1\n";
    auto c = Run("check-config --config " + s.config());
    CHECK(c.exit_code == 1);
    CHECK(c.output.find("routing.yaml:") != std::string::npos);
    CHECK(c.output.find("bogus_key") != std::string::npos);
  }

  TEST_CASE("check-config wants a warning for every anti_fraud intent: a fallback makes a gap a warning, none an error") {
    ShippedCopy s;
    const std::filesystem::path templates = s.root / "config" / "templates.yaml";
    auto edit = [&](const std::string& from, const std::string& to) {
      std::ifstream in(templates);
      std::string text{std::istreambuf_iterator<char>(in), {}};
      const size_t at = text.find(from);
      REQUIRE_MESSAGE(at != std::string::npos, from);
      std::ofstream(templates) << text.replace(at, from.size(), to);
    };
    edit("    anti_fraud.romance:", "    # anti_fraud.romance:");
    auto gap = Run("check-config --config " + s.config());
    CHECK_MESSAGE(gap.exit_code == 0, gap.output);
    CHECK(gap.output.find("warning: ") != std::string::npos);
    CHECK(gap.output.find("templates.yaml:") != std::string::npos);
    CHECK(gap.output.find("anti_fraud.romance; they use the fallback") != std::string::npos);
    edit("  fallback:", "  # fallback:");
    auto none = Run("check-config --config " + s.config());
    CHECK(none.exit_code == 1);
    CHECK(none.output.find("templates.yaml:") != std::string::npos);
    CHECK(none.output.find("no warning template for anti_fraud.romance and no `fallback`") != std::string::npos);
  }

  TEST_CASE("token create prints the token on its last line and stores only its hash") {
    ShippedCopy s;
    auto r = Run("token create --name ops --role admin --config " + s.config() + " --data " + s.data());
    REQUIRE(r.exit_code == 0);
    std::string last = r.output.substr(0, r.output.size() - 1);
    last = last.substr(last.rfind('\n') + 1);
    CHECK(last.rfind("grt_", 0) == 0);
    std::ifstream db(s.root / "data" / "gridrelay.db", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(db)), {});
    CHECK(bytes.find(last) == std::string::npos);
    auto again = Run("token create --name ops --role admin --config " + s.config() + " --data " + s.data());
    CHECK(again.exit_code == 1);  // names are unique
  }

  TEST_CASE("token create checks role and scope against routing.yaml, list shows no hash, revoke ends a token") {
    ShippedCopy s;
    const std::string where = " --config " + s.config() + " --data " + s.data();
    auto bad_item = Run("token create --name x --role worker --scope grid:grid-hexie-1,grid:grid-nowhere" + where);
    CHECK(bad_item.exit_code == 1);
    CHECK(bad_item.output.find("grid:grid-nowhere") != std::string::npos);
    auto bad_role = Run("token create --name x --role boss --scope grid:grid-hexie-1" + where);
    CHECK(bad_role.exit_code == 1);
    CHECK(bad_role.output.find("'boss'") != std::string::npos);
    auto no_scope = Run("token create --name x --role worker" + where);
    CHECK(no_scope.exit_code == 1);
    CHECK(no_scope.output.find("needs --scope") != std::string::npos);

    auto ok = Run("token create --name w-wang --role worker --scope grid:grid-hexie-1" + where);
    REQUIRE_MESSAGE(ok.exit_code == 0, ok.output);
    std::string secret = ok.output.substr(0, ok.output.size() - 1);
    secret = secret.substr(secret.rfind('\n') + 1);
    REQUIRE(secret.rfind("grt_", 0) == 0);
    REQUIRE(Run("token create --name sun --role supervisor --scope community:comm-hexie" + where).exit_code == 0);

    auto list = Run("token list" + where);
    CHECK(list.exit_code == 0);
    CHECK(list.output.find("w-wang\tworker\tgrid:grid-hexie-1\t") != std::string::npos);
    CHECK(list.output.find("sun\tsupervisor\tcommunity:comm-hexie\t") != std::string::npos);
    CHECK(list.output.find("x\t") == std::string::npos);  // refused grants stored nothing
    CHECK(list.output.find(secret) == std::string::npos);
    CHECK(list.output.find(crypto::Sha256Hex(secret)) == std::string::npos);

    CHECK(Run("token revoke --name sun" + where).exit_code == 0);
    auto again = Run("token revoke --name sun" + where);
    CHECK(again.exit_code == 1);
    CHECK(again.output.find("sun") != std::string::npos);
    list = Run("token list" + where);
    const size_t row = list.output.find("sun\tsupervisor");
    REQUIRE(row != std::string::npos);
    const std::string line = list.output.substr(row, list.output.find('\n', row) - row);
    CHECK(line.substr(line.rfind('\t') + 1) != "-");  // a revoked time
  }

  TEST_CASE("serve drains and exits 0 on SIGTERM, and what it acknowledged is there after a restart") {
    ShippedCopy s;
    const int port = FreePort();
    auto start = [&] { return StartServe(GRIDRELAY_BINARY, s.config(), s.data(), port); };
    ChildGuard guard;
    pid_t pid = guard.pid = start();
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30);
    REQUIRE(WaitUntil([&] { return static_cast<bool>(c.Get("/healthz")); }));
    auto posted = c.Post("/webhook/generic/demo", {{"Authorization", "Bearer gridrelay-demo-secret"}},
                         R"({"msg_id":"sig-1","group_id":"grid-demo-1","sender_id":"u1","text":"5号楼电梯坏了，老人下不了楼"})",
                         "application/json");
    REQUIRE(posted);
    CHECK(posted->status == 200);
    // `simulate` builds the callback with the channel's own adapter and posts it.
    auto sim = Run("simulate generic --config " + s.config() + " --channel demo --group grid-demo-2 --text " +
                   "小区门口垃圾三天没人清运了 --url http://127.0.0.1:" + std::to_string(port));
    CHECK_MESSAGE(sim.exit_code == 0, sim.output);
    CHECK(sim.output.find("HTTP 200") != std::string::npos);
    ::kill(pid, SIGTERM);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    guard.pid = -1;
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    auto token = Run("token create --name t --role admin --config " + s.config() + " --data " + s.data());
    REQUIRE(token.exit_code == 0);
    std::string t = token.output.substr(0, token.output.size() - 1);
    t = t.substr(t.rfind('\n') + 1);
    pid = guard.pid = start();
    REQUIRE(WaitUntil([&] { return static_cast<bool>(c.Get("/healthz")); }));
    nlohmann::json tickets;
    REQUIRE(WaitUntil([&] {
      auto r = c.Get("/api/v1/tickets", {{"Authorization", "Bearer " + t}});
      if (!r) return false;
      tickets = nlohmann::json::parse(r->body, nullptr, false);
      return tickets.is_object() && tickets["tickets"].size() == 2;
    }));
    for (const auto& ticket : tickets["tickets"]) CHECK(ticket["category"] == "appeal");
    ::kill(pid, SIGTERM);
    REQUIRE(waitpid(pid, &status, 0) == pid);
    guard.pid = -1;
    CHECK(WEXITSTATUS(status) == 0);
  }
}

TEST_SUITE("reload") {
  TEST_CASE("a reload with a broken intent file is refused and the running engine stays") {
    TestGateway t;
    httplib::Client c = t.Client();
    httplib::Headers auth = {{"Authorization", std::string("Bearer ") + TestGateway::kToken}};
    auto before = c.Post("/api/v1/classify", auth, R"({"text":"3栋楼道灯坏了好几天了"})", "application/json");
    REQUIRE(before);
    const std::string intent = nlohmann::json::parse(before->body)["intent"];
    CHECK(intent == "appeal.facilities");

    std::ofstream(t.config_dir() / "intents" / "appeal.yaml", std::ios::app) << "\n  - name: [broken\n";
    auto reload = c.Post("/api/v1/admin/reload", auth, "", "application/json");
    REQUIRE(reload);
    CHECK(reload->status == 400);
    CHECK(reload->body.find("appeal.yaml") != std::string::npos);
    auto after = c.Post("/api/v1/classify", auth, R"({"text":"3栋楼道灯坏了好几天了"})", "application/json");
    REQUIRE(after);
    CHECK(nlohmann::json::parse(after->body)["intent"] == intent);
    CHECK(t.gateway().metrics()->Counter(metric::kReloads, {{"result", "error"}}) == 1);
  }

  TEST_CASE("a good reload takes effect for the next message") {
    TestGateway t;
    std::string routing;
    {
      std::ifstream in(t.config_dir() / "routing.yaml");
      routing.assign(std::istreambuf_iterator<char>(in), {});
    }
    routing.replace(routing.find("worker: w-a"), 11, "worker: w-b");
    std::ofstream(t.config_dir() / "routing.yaml") << routing;
    REQUIRE(t.gateway().Reload().ok());
    REQUIRE(t.PostGeneric(TestGateway::Message("rl-1", "g1", "3栋楼道灯坏了好几天了,晚上太黑")));
    REQUIRE(WaitUntil([&] { return t.Api("/api/v1/tickets")["tickets"].size() == 1; }));
    CHECK(t.Api("/api/v1/tickets")["tickets"][0]["assignee"]["id"] == "w-b");
  }
}

TEST_SUITE("triage") {
  TEST_CASE("a message from a group that maps to no grid is stored, counted and reported, never routed") {
    TestGatewayOptions o;
    o.extra_channels = "  qq:\n    type: onebot\n    version: 11\n    secret: qq-secret-0123456789\n    api_base: " +
                       std::string("http://127.0.0.1:1") + "\n";
    TestGateway t(o);
    const Adapter* qq = t.gateway().runtime()->FindAdapter("qq");
    REQUIRE(qq != nullptr);
    SimulatedMessage sim;
    sim.group_id = "424242";
    sim.sender_id = "10001";
    sim.text = "小区门口的路灯坏了一个星期了";
    sim.msg_id = "77";
    sim.now_seconds = SystemClock::Get().NowSeconds();
    auto req = qq->BuildCallback(sim);
    REQUIRE(req.ok());
    httplib::Headers h;
    for (const auto& [k, v] : req->headers) h.emplace(k, v);
    auto res = t.Client().Post("/webhook/onebot/qq", h, req->body, "application/json");
    REQUIRE(res);
    CHECK(res->status / 100 == 2);
    REQUIRE(t.receiver().WaitFor(1, "/staff"));
    auto admin = t.receiver().Requests("/staff")[0].Json();
    CHECK(admin["user_id"] == "admin");
    CHECK(admin["text"].get<std::string>().find("424242") != std::string::npos);
    CHECK(t.Api("/api/v1/tickets")["tickets"].empty());
    CHECK(t.gateway().metrics()->Counter(metric::kTriage, {{"channel", "qq"}}) == 1);
  }
}

}  // namespace gridrelay::testing
