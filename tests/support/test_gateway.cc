#include "tests/support/test_gateway.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "util/crypto.h"

namespace gridrelay::testing {

namespace {

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

}  // namespace

TestGateway::TestGateway(TestGatewayOptions options) : options_(std::move(options)) {
  root_ = MakeTempDir("gridrelay-test");
  config_dir_ = root_ / "config";
  data_dir_ = root_ / "data";
  std::filesystem::create_directories(config_dir_);
  const auto src = SourceConfigDir();
  std::filesystem::copy(src / "intents", config_dir_ / "intents", std::filesystem::copy_options::recursive);
  if (std::filesystem::exists(src / "models"))
    std::filesystem::copy(src / "models", config_dir_ / "models", std::filesystem::copy_options::recursive);
  for (const char* file : {"templates.yaml", "calendar.yaml", "deadlines.yaml"})
    std::filesystem::copy_file(src / file, config_dir_ / file);

  std::string delivery = options_.delivery.empty()
                             ? "  workers: 2\n  max_attempts: 4\n  backoff_initial_ms: 50\n  backoff_max_ms: 200\n"
                             : options_.delivery;
  WriteFile(config_dir_ / "gridrelay.yaml",
            "server:\n  listen: 127.0.0.1:0\n  threads: 160\n  keep_alive_seconds: 2\n  read_timeout_seconds: 2\n"
            "  max_body_bytes: 65536\n" + options_.extra_server +
            "store:\n  data_dir: " + data_dir_.string() + "\n"
            "processing:\n  poll_ms: 50\n"
            "delivery:\n" + delivery +
            "channels:\n"
            "  demo:\n    type: generic\n    secret: " + std::string(kSecret) + "\n    reply_url: " + receiver_.url("/group") + "\n"
            "  staff:\n    type: generic\n    secret: staff-secret-0123456789\n    reply_url: " + receiver_.url("/staff") + "\n" +
            options_.extra_channels + options_.extra_main);
  WriteFile(config_dir_ / "routing.yaml",
            "district: {id: d, name: 区矛调中心, duty: d-1}\n"
            "streets: [{id: s, name: 街道, duty: s-1}]\n"
            "communities:\n  - {id: c, name: 社区, street: s, duty: c-1}\n"
            "grids:\n"
            "  - {id: grid-a, name: 第一网格, community: c, worker: w-a, groups: [{channel: demo, group: g1}, {channel: demo, group: g2}]}\n"
            "  - {id: grid-b, name: 第二网格, community: c, worker: w-b, groups: [{channel: demo, group: g3}]}\n" +
            options_.extra_grids +
            "staff:\n"
            "  - {id: w-a, name: 网格员甲, mobile: '13800000001', accounts: {demo: staff-a}, notify: {channel: staff, to: w-a}}\n"
            "  - {id: w-b, name: 网格员乙, notify: {channel: staff, to: w-b}}\n"
            "  - {id: c-1, name: 社区主任, notify: {channel: staff, to: c-1}}\n"
            "  - {id: s-1, name: 街道科长, notify: {channel: staff, to: s-1}}\n"
            "  - {id: d-1, name: 中心主任, notify: {channel: staff, to: d-1}}\n" +
            options_.extra_staff + "teams:\n" +
            (options_.teams.empty()
                 ? std::string("  - {id: legal, name: 法律服务队, serves: legal_aid, notify: {channel: staff, to: legal-team}}\n"
                               "  - {id: fraud, name: 反诈队, serves: anti_fraud, notify: {channel: staff, to: fraud-team}}\n")
                 : options_.teams) +
            "routes: {appeal: grid, legal_aid: team, anti_fraud: team}\n"
            "admin:\n  notify: {channel: staff, to: admin}\n" +
            (options_.loop.empty() ? std::string(kLoop) : options_.loop) + options_.duplicates + options_.confirm +
            options_.reply_budget + options_.extra_routing);
  if (options_.start) Start();
}

TestGateway::~TestGateway() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void TestGateway::Start() {
  GatewayOptions o;
  o.config_dir = config_dir_;
  o.store_factory = options_.store_factory;
  o.clock = options_.clock;
  auto g = Gateway::Create(o);
  if (!g.ok()) throw std::runtime_error("gateway: " + g.status().ToString());
  gateway_ = std::move(*g);
  // The admin token; the store keeps only its hash, so creating it twice is refused: ignore.
  (void)gateway_->store()->CreateToken(ApiToken{.name = "test-admin", .role = "admin"}, crypto::Sha256Hex(kToken), 1);
  Status s = gateway_->Start();
  if (!s.ok()) throw std::runtime_error("gateway start: " + s.ToString());
}

void TestGateway::Stop() {
  if (gateway_) gateway_->Stop();
  gateway_.reset();
}

void TestGateway::Restart() {
  Stop();
  Start();
}

httplib::Client TestGateway::Client() const {
  httplib::Client c("127.0.0.1", gateway_->port());
  c.set_connection_timeout(5);
  c.set_read_timeout(10);
  return c;
}

nlohmann::json TestGateway::Message(const std::string& msg_id, const std::string& group, const std::string& text,
                                    const std::string& sender) {
  return {{"msg_id", msg_id}, {"group_id", group}, {"sender_id", sender}, {"sender_name", "居民"}, {"text", text}};
}

httplib::Result TestGateway::PostGeneric(const nlohmann::json& body, const std::string& secret,
                                         const std::string& channel) {
  httplib::Client c = Client();
  httplib::Headers h = {{"Authorization", "Bearer " + secret}};
  return c.Post(("/webhook/generic/" + channel).c_str(), h, body.dump(), "application/json");
}

int64_t TestGateway::TicketOf(int64_t message_id) const {
  int64_t id = 0;
  WaitUntil([&] {
    auto m = Api("/api/v1/messages/" + std::to_string(message_id));
    if (!m.is_object() || !m.contains("ticket") || !m["ticket"].is_object()) return false;
    id = m["ticket"]["id"];
    return true;
  });
  return id;
}

int64_t TestGateway::Says(const std::string& msg_id, const std::string& group, const std::string& text,
                          const std::string& sender) {
  auto res = PostGeneric(Message(msg_id, group, text, sender));
  if (!res || res->status != 200) return 0;
  const nlohmann::json body = nlohmann::json::parse(res->body, nullptr, false);
  return body.is_object() ? body.value("message_id", int64_t{0}) : 0;
}

nlohmann::json TestGateway::Ticket(int64_t id) const { return Api("/api/v1/tickets/" + std::to_string(id)); }

std::pair<int, nlohmann::json> TestGateway::Act(int64_t id, const nlohmann::json& body, const std::string& token) const {
  httplib::Client c = Client();
  auto res = c.Post(("/api/v1/tickets/" + std::to_string(id) + "/actions").c_str(),
                    {{"Authorization", "Bearer " + token}}, body.dump(), "application/json");
  if (!res) return {0, nullptr};
  return {res->status, nlohmann::json::parse(res->body, nullptr, false)};
}

bool TestGateway::AddToken(const std::string& name, const std::string& role, const std::string& scope,
                           const std::string& secret) {
  return gateway_->store()
      ->CreateToken(ApiToken{.name = name, .role = role, .scope = scope}, crypto::Sha256Hex(secret), 1)
      .ok();
}

std::vector<nlohmann::json> TestGateway::Sent(const std::string& path, const std::string& needle) {
  std::vector<nlohmann::json> out;
  for (const auto& r : receiver_.Requests(path)) {
    nlohmann::json j = r.Json();
    if (j.value("text", "").find(needle) != std::string::npos) out.push_back(j);
  }
  return out;
}

bool TestGateway::WaitForSent(const std::string& path, const std::string& needle, size_t count) {
  return WaitUntil([&] { return Sent(path, needle).size() >= count; });
}

nlohmann::json TestGateway::Api(const std::string& path, int* status) const {
  httplib::Client c = Client();
  auto res = c.Get(path.c_str(), {{"Authorization", std::string("Bearer ") + kToken}});
  if (status) *status = res ? res->status : 0;
  if (!res) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, false);
}

}  // namespace gridrelay::testing
