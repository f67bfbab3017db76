// TestGateway: a real gateway on an ephemeral loopback port, with a temporary config
// directory (the shipped intents and templates, plus a small routing config) and a temporary
// SQLite file, whose outbound side points at a FakeHttpServer:
//   channel `demo`  (generic) replies to  receiver().url("/group")
//   channel `staff` (generic) notifies    receiver().url("/staff")   (workers, teams, admin)
// Groups g1, g2 -> grid-a (worker w-a); g3 -> grid-b (worker w-b). Staff id `staff-a` on `demo`.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "gateway/gateway.h"
#include "tests/support/fake_http_server.h"
#include "tests/support/temp_dir.h"

namespace gridrelay::testing {

struct TestGatewayOptions {
  std::string extra_channels;  // YAML appended under `channels:` (indent entries by 2 spaces)
  std::string extra_server;    // YAML appended under `server:` (indent by 2)
  std::string extra_main;      // YAML appended at the end of gridrelay.yaml (top-level keys, e.g. `campaigns:`)
  std::string delivery;        // YAML for the `delivery:` section body (indent by 2); default: fast retries
  std::string extra_grids;     // YAML appended under `grids:`
  std::string extra_routing;   // YAML appended at the end of routing.yaml (top-level keys)
  std::string extra_staff;     // YAML appended under `staff:`
  std::string teams;           // YAML replacing the entries under `teams:` (default: legal, fraud without members)
  std::string loop;            // routing.yaml's `loop` section, key included; default: 3 bounces, 72 h
  // routing.yaml's `duplicates` section, key included. Default: off, because most tests open
  // several tickets from one text in one group; the duplicate tests give theirs ("" for the
  // built-in defaults).
  std::string duplicates = "duplicates: {enabled: false}\n";
  // routing.yaml's `confirm` section, key included. Default: off, so that a message the
  // classifier is unsure of opens a ticket as the older tests expect; the confirmation queue's
  // tests give theirs ("" for the built-in defaults).
  std::string confirm = "confirm: {enabled: false}\n";
  // routing.yaml's `reply_budget` section, key included. Default: off, because most tests send
  // several messages into one group and expect an acknowledgement each, at once; the budget's
  // tests give theirs ("" for the built-in defaults).
  std::string reply_budget = "reply_budget: {enabled: false}\n";
  bool start = true;
  // Opens the store (default: OpenStore); tests wrap the engine in a FaultStore here.
  StoreFactory store_factory;
  const Clock* clock = nullptr;  // default: the system clock
};

class TestGateway {
 public:
  static constexpr const char* kSecret = "test-secret-0123456789";
  static constexpr const char* kToken = "test-admin-token";
  // routing.yaml's `loop` section the tests use unless they give their own.
  static constexpr const char* kLoop =
      "loop:\n  max_bounces: 3\n  satisfaction_wait_hours: 72\n  reasons:\n"
      "    transfer: {not_my_grid: 不属本网格, needs_team: 需专业队伍办理}\n"
      "    return: {not_my_grid: 不属本网格}\n"
      "    reject: {not_a_request: 非诉求, duplicate: 重复反映}\n";

  explicit TestGateway(TestGatewayOptions options = {});
  ~TestGateway();

  void Start();
  void Stop();
  // Stops and starts a new gateway on the same config and data.
  void Restart();

  Gateway& gateway() { return *gateway_; }
  FakeHttpServer& receiver() { return receiver_; }
  const std::filesystem::path& config_dir() const { return config_dir_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  int port() const { return gateway_->port(); }
  httplib::Client Client() const;

  // POSTs a generic-channel message.
  httplib::Result PostGeneric(const nlohmann::json& body, const std::string& secret = kSecret,
                              const std::string& channel = "demo");
  // A generic message body with the given id, group and text.
  static nlohmann::json Message(const std::string& msg_id, const std::string& group, const std::string& text,
                                const std::string& sender = "u42");
  // GET an API path with the admin token; the parsed body (null on a non-JSON answer).
  nlohmann::json Api(const std::string& path, int* status = nullptr) const;
  // The ticket a message is linked to (its own, or the one it joined), as GET
  // /api/v1/messages/{id} shows it, once the message is processed; 0 if not within 10 s.
  int64_t TicketOf(int64_t message_id) const;
  // Posts a generic message (a resident's, or a staff member's from her account) and returns
  // its message id; 0 when the gateway did not accept it.
  int64_t Says(const std::string& msg_id, const std::string& group, const std::string& text,
               const std::string& sender);
  // GET /api/v1/tickets/{id} with the admin token.
  nlohmann::json Ticket(int64_t id) const;
  // POSTs an action on a ticket with `token`; the HTTP status and the parsed body.
  std::pair<int, nlohmann::json> Act(int64_t id, const nlohmann::json& body,
                                     const std::string& token = kToken) const;
  // Creates an API token `secret` for `name` with `role` and `scope` ("" for none); false when
  // the store refuses it.
  bool AddToken(const std::string& name, const std::string& role, const std::string& scope,
                const std::string& secret);
  // The requests the receiver got on `path` whose text contains `needle`.
  std::vector<nlohmann::json> Sent(const std::string& path, const std::string& needle);
  // Waits until at least `count` of them arrived; false if not within 10 s.
  bool WaitForSent(const std::string& path, const std::string& needle, size_t count = 1);

 private:
  TestGatewayOptions options_;
  FakeHttpServer receiver_;
  std::filesystem::path root_;
  std::filesystem::path config_dir_;
  std::filesystem::path data_dir_;
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace gridrelay::testing
