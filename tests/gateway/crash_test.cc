// Crash safety of the real binary: `gridrelay serve` under load on loopback is killed with
// SIGKILL at random moments and restarted on the same store, again and again. Afterwards every
// message that was answered 200 has exactly one row and one ticket, and its group
// acknowledgement reached the platform at least once, always under the one idempotency key.
// Bounded: a fixed number of kills and every wait with a timeout (about 20-40 s on 2 cores).
// The sleeps here are the random moments between kills, not a way to drive the gateway's time.
#include <doctest/doctest.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

// One SQL query's first column as integers (or text), on a read-only connection.
class Db {
 public:
  explicit Db(const std::filesystem::path& path, bool writable = false) {
    const int flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) == SQLITE_OK);
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  std::vector<std::string> Column(const std::string& sql, const std::string& arg = "") const {
    sqlite3_stmt* st = nullptr;
    REQUIRE_MESSAGE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK, sqlite3_errmsg(db_));
    if (sql.find('?') != std::string::npos) sqlite3_bind_text(st, 1, arg.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::string> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    sqlite3_finalize(st);
    return out;
  }
  void Exec(const std::string& sql) const {
    REQUIRE_MESSAGE(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK, sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_ = nullptr;
};

// Everything that breaks the promise, one line each (empty: kept). `acked` are the msg_ids
// answered 200; `group` the requests the platform's reply URL received.
std::vector<std::string> CrashViolations(const Db& db, const std::set<std::string>& acked,
                                         const std::vector<RecordedRequest>& group) {
  std::vector<std::string> v;
  std::map<std::string, std::set<std::string>> keys_by_message;  // "m<id>" -> keys delivered
  for (const auto& r : group) {
    auto it = r.headers.find("idempotency-key");
    const std::string key = it == r.headers.end() ? "" : it->second;
    keys_by_message[key.substr(0, key.find(':'))].insert(key);
  }
  for (const std::string& dup : db.Column("SELECT dedup_key FROM messages GROUP BY channel, dedup_key HAVING COUNT(*) > 1")) {
    v.push_back("message " + dup + " has more than one row");
  }
  for (const std::string& msg_id : acked) {
    const auto ids = db.Column("SELECT id FROM messages WHERE channel = 'demo' AND dedup_key = ?", msg_id);
    if (ids.size() != 1) {
      v.push_back("message " + msg_id + " answered 200 has " + std::to_string(ids.size()) + " rows");
      continue;
    }
    const auto tickets = db.Column("SELECT id FROM tickets WHERE message_id = ?", ids[0]);
    if (tickets.size() != 1) v.push_back("message " + msg_id + " has " + std::to_string(tickets.size()) + " tickets");
    const auto acks = db.Column("SELECT idempotency_key FROM outbox WHERE message_id = ? AND kind = 'group_ack'", ids[0]);
    if (acks.size() != 1) {
      v.push_back("message " + msg_id + " has " + std::to_string(acks.size()) + " group acknowledgements in the outbox");
      continue;
    }
    const std::set<std::string>& delivered = keys_by_message["m" + ids[0]];
    if (delivered.empty()) v.push_back("the acknowledgement of " + msg_id + " was never delivered");
    if (delivered.size() > 1 || (delivered.size() == 1 && *delivered.begin() != acks[0])) {
      v.push_back("the acknowledgement of " + msg_id + " was delivered under " + std::to_string(delivered.size()) +
                  " keys, not only " + acks[0]);
    }
  }
  return v;
}

// Posts messages from `threads` keep-alive clients until stopped. A message that gets no 200
// (the server is down, or was killed mid-request) is posted again with the same msg_id, as a
// platform retries; one answered 200 goes into acked().
class Load {
 public:
  Load(int port, int threads) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this, port] { Run(port); });
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
  }
  size_t acked_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }
  std::set<std::string> acked() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  int retries() const { return retries_; }

 private:
  void Run(int port) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(1);
    c.set_read_timeout(10);
    std::string msg_id;
    while (!stop_) {
      if (msg_id.empty()) msg_id = "crash-" + std::to_string(next_++);
      const int n = std::stoi(msg_id.substr(6));
      auto body = TestGateway::Message(msg_id, "g1", std::to_string(n % 30 + 1) + "栋楼道灯坏了好几天了,晚上太黑");
      auto r = c.Post("/webhook/generic/demo", {{"Authorization", std::string("Bearer ") + TestGateway::kSecret}},
                      body.dump(), "application/json");
      if (r && r->status == 200) {
        std::lock_guard<std::mutex> lock(mu_);
        acked_.insert(msg_id);
        msg_id.clear();
      } else {
        ++retries_;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the server is restarting
      }
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int> next_{0};
  std::atomic<int> retries_{0};
  mutable std::mutex mu_;
  std::set<std::string> acked_;
  std::vector<std::thread> workers_;
};

}  // namespace

TEST_SUITE("crash") {
  TEST_CASE("SIGKILL under load, restart on the same store: one row and one ticket per 200, every ack delivered under one key") {
    TestGatewayOptions o;
    o.start = false;  // the real binary serves this config, not an in-process gateway
    // A lease held by a killed sender ends after 1 s instead of a minute; no cap on tries.
    o.delivery = "  workers: 2\n  lease_seconds: 1\n  backoff_initial_ms: 50\n  backoff_max_ms: 200\n";
    TestGateway t(o);
    const int port = FreePort();
    const std::string config = t.config_dir().string();
    const std::string data = t.data_dir().string();
    httplib::Client probe("127.0.0.1", port);
    probe.set_connection_timeout(1);
    const auto healthy = [&] { return static_cast<bool>(probe.Get("/healthz")); };

    constexpr int kKills = 6;
    const unsigned seed = std::random_device{}();
    CAPTURE(seed);
    std::mt19937 rng(seed);
    ChildGuard child;
    child.pid = StartServe(GRIDRELAY_BINARY, config, data, port);
    REQUIRE(WaitUntil(healthy, std::chrono::seconds(15)));

    Load load(port, 8);
    int kills = 0;
    for (; kills < kKills; ++kills) {
      // Let some messages through, then kill at a random moment: mid-commit, mid-routing, mid-send.
      const size_t before = load.acked_count();
      REQUIRE(WaitUntil([&] { return load.acked_count() >= before + 20; }, std::chrono::seconds(10)));
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 700)(rng)));
      REQUIRE(child.Kill());
      child.pid = StartServe(GRIDRELAY_BINARY, config, data, port);
      REQUIRE(WaitUntil(healthy, std::chrono::seconds(15)));
    }
    REQUIRE(WaitUntil([&] { return load.acked_count() >= 20; }));
    load.Stop();
    const std::set<std::string> acked = load.acked();
    MESSAGE("crash test: ", kills, " SIGKILLs, ", acked.size(), " messages answered 200, ", load.retries(),
            " posts retried");

    // The last process finishes the work: every message routed, every outbound row sent.
    const std::filesystem::path db_path = t.data_dir() / "gridrelay.db";
    {
      Db db(db_path);
      const auto settled = [&] {
        return db.Column("SELECT COUNT(*) FROM messages WHERE state = 'received'").at(0) == "0" &&
               db.Column("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").at(0) == "0";
      };
      CHECK(WaitUntil(settled, std::chrono::seconds(20)));
    }
    ::kill(child.pid, SIGTERM);
    int status = 0;
    REQUIRE(waitpid(child.pid, &status, 0) == child.pid);
    child.pid = -1;
    CHECK(WIFEXITED(status));

    const auto group = t.receiver().Requests("/group");
    {
      Db db(db_path);
      const auto violations = CrashViolations(db, acked, group);
      for (const auto& v : violations) FAIL_CHECK(v);
      size_t resent = 0;
      std::map<std::string, int> per_key;
      for (const auto& r : group) ++per_key[r.headers.count("idempotency-key") ? r.headers.at("idempotency-key") : ""];
      for (const auto& [key, n] : per_key) resent += n > 1 ? 1 : 0;
      MESSAGE("crash test: ", group.size(), " group deliveries, ", resent, " acknowledgements sent more than once (same key)");
    }

    // The checker can fail: a planted duplicate row, a lost delivery and a second key are each caught.
    REQUIRE(!acked.empty());
    const std::string victim = *acked.begin();
    {
      Db db(db_path, /*writable=*/true);
      const std::string id = db.Column("SELECT id FROM messages WHERE dedup_key = ?", victim).at(0);
      std::vector<RecordedRequest> lost;
      std::vector<RecordedRequest> rekeyed = group;
      for (const auto& r : group) {
        if (r.headers.count("idempotency-key") && r.headers.at("idempotency-key").rfind("m" + id + ":", 0) == 0) {
          RecordedRequest second = r;
          second.headers["idempotency-key"] = "m" + id + ":group_ack:again";
          rekeyed.push_back(second);
        } else {
          lost.push_back(r);
        }
      }
      CHECK(CrashViolations(db, acked, lost).size() == 1);
      CHECK(CrashViolations(db, acked, rekeyed).size() == 1);
      db.Exec("INSERT INTO messages (channel, dedup_key, chat_type, sender_role, text, received_at, state) "
              "SELECT channel, dedup_key, chat_type, sender_role, text, received_at, state FROM messages WHERE id = " + id);
      CHECK(CrashViolations(db, acked, group).size() == 2);  // two rows, and so no single row to check
    }
  }
}

}  // namespace gridrelay::testing
