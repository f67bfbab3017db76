// The command round trip (issue 8's benchmark): a staff command in, its answer out, against a
// plain resident message in, its acknowledgement out, in the same run and alternating.
//
// A real Gateway runs in this process on loopback with a copy of the shipped config (SQLite
// with synchronous=FULL in a temporary directory) whose `demo` channel replies to a local
// receiver. Each round posts, one request at a time:
//   resident  a facilities appeal in grid-demo-1          -> its group acknowledgement arrives
//   接单 N    from staff-wang (w-wang) on the same ticket  -> the command's answer arrives
//   办结 N …  from staff-wang                             -> the command's answer arrives
// and times each from the POST to the reply reaching the receiver (ingest, group commit,
// inbox: route or plan the command, the change set's commit, the dispatcher, the send).
//
//   gridrelay_bench_loop [--config DIR] [--rounds N] [--warmup N]
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "gateway/gateway.h"

namespace {

using namespace gridrelay;
using Steady = std::chrono::steady_clock;

// The replies the gateway POSTs to the demo channel's reply_url, by idempotency key.
class Receiver {
 public:
  Receiver() {
    server_.Post("/group", [this](const httplib::Request& req, httplib::Response& res) {
      const auto body = nlohmann::json::parse(req.body, nullptr, false);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (body.is_object()) arrived_[body.value("idempotency_key", "")] = {Steady::now(), body.value("text", "")};
      }
      cv_.notify_all();
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

  // Waits for the reply keyed `key`; its arrival time and text, or false after 10 s.
  bool Wait(const std::string& key, Steady::time_point* at, std::string* text) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return arrived_.count(key) > 0; })) return false;
    *at = arrived_[key].first;
    if (text) *text = arrived_[key].second;
    return true;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::pair<Steady::time_point, std::string>> arrived_;
};

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

void ReplaceOnce(std::string& s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  if (at == std::string::npos) {
    std::fprintf(stderr, "config text not found: %s\n", from.c_str());
    std::exit(1);
  }
  s.replace(at, from.size(), to);
}

struct Stats {
  std::vector<double> ms;
  double Pct(double p) {
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  }
  double Mean() const {
    double s = 0;
    for (double v : ms) s += v;
    return s / static_cast<double>(ms.size());
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"command round trip against a resident message"};
  std::string config = "config";
  int rounds = 400, warmup = 30;
  app.add_option("--config", config, "the config to copy (its demo channel and grid-demo-1 are used)");
  app.add_option("--rounds", rounds, "measured rounds (a resident message and two commands each)");
  app.add_option("--warmup", warmup, "rounds run first and not counted");
  CLI11_PARSE(app, argc, argv);

  Receiver receiver;
  char tmpl[] = "/tmp/gridrelay-loop-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::filesystem::path root = tmpl;
  std::filesystem::copy(config, root / "config", std::filesystem::copy_options::recursive);
  std::string yaml = ReadFile(root / "config" / "gridrelay.yaml");
  ReplaceOnce(yaml, "listen: 127.0.0.1:8080", "listen: 127.0.0.1:0");
  ReplaceOnce(yaml, "data_dir: var", "data_dir: " + (root / "data").string());
  ReplaceOnce(yaml, "    secret: gridrelay-demo-secret\n",
              "    secret: gridrelay-demo-secret\n    reply_url: http://127.0.0.1:" + std::to_string(receiver.port()) +
                  "/group\n");
  std::ofstream(root / "config" / "gridrelay.yaml") << yaml;

  GatewayOptions o;
  o.config_dir = root / "config";
  o.log = [](std::string_view level, std::string_view msg, const nlohmann::json&) {
    if (level == "error" || level == "warn") std::fprintf(stderr, "%.*s: %.*s\n", int(level.size()), level.data(),
                                                          int(msg.size()), msg.data());
  };
  auto g = Gateway::Create(o);
  if (!g.ok() || !(*g)->Start().ok()) {
    std::fprintf(stderr, "gateway: %s\n", g.ok() ? "start failed" : g.status().ToString().c_str());
    return 1;
  }
  httplib::Client client("127.0.0.1", (*g)->port());
  client.set_keep_alive(true);

  int seq = 0;
  // Posts `text` from `sender` in grid-demo-1; waits for the reply of `kind` to that message.
  auto round_trip = [&](const std::string& sender, const std::string& text, const char* kind, std::string* reply) {
    const std::string msg_id = "loop-" + std::to_string(++seq);
    const nlohmann::json body = {{"msg_id", msg_id}, {"group_id", "grid-demo-1"}, {"sender_id", sender},
                                 {"sender_name", "居民"}, {"text", text}};
    const auto start = Steady::now();
    auto res = client.Post("/webhook/generic/demo", {{"Authorization", "Bearer gridrelay-demo-secret"}}, body.dump(),
                           "application/json");
    if (!res || res->status != 200) {
      std::fprintf(stderr, "POST failed: %d\n", res ? res->status : 0);
      std::exit(1);
    }
    const int64_t message_id = nlohmann::json::parse(res->body)["message_id"];
    Steady::time_point at;
    if (!receiver.Wait("m" + std::to_string(message_id) + ":" + kind, &at, reply)) {
      std::fprintf(stderr, "no %s for message %lld\n", kind, static_cast<long long>(message_id));
      std::exit(1);
    }
    return std::chrono::duration<double, std::milli>(at - start).count();
  };

  Stats resident, accept, resolve;
  for (int i = 0; i < warmup + rounds; ++i) {
    std::string ack;
    const double r = round_trip("u" + std::to_string(i), "3栋楼道灯坏了好几天了,晚上太黑", outbound_kind::kGroupAck, &ack);
    const size_t hash = ack.find('#');
    if (hash == std::string::npos) {
      std::fprintf(stderr, "no ticket number in the acknowledgement: %s\n", ack.c_str());
      return 1;
    }
    const std::string n = std::to_string(std::stoll(ack.substr(hash + 1)));
    std::string answer;
    const double a = round_trip("staff-wang", "接单 " + n, outbound_kind::kCommandAnswer, &answer);
    if (answer.find("已受理") == std::string::npos) {
      std::fprintf(stderr, "接单 %s was not accepted: %s\n", n.c_str(), answer.c_str());
      return 1;
    }
    const double d = round_trip("staff-wang", "办结 " + n + " 灯已更换", outbound_kind::kCommandAnswer, &answer);
    if (answer.find("已办结") == std::string::npos) {
      std::fprintf(stderr, "办结 %s was not done: %s\n", n.c_str(), answer.c_str());
      return 1;
    }
    if (i < warmup) continue;
    resident.ms.push_back(r);
    accept.ms.push_back(a);
    resolve.ms.push_back(d);
  }
  (*g)->Stop();
  std::filesystem::remove_all(root);

  const double base = resident.Pct(0.5);
  std::printf("%d rounds (after %d warm-up), one request at a time; round trip = POST to the reply's arrival\n",
              rounds, warmup);
  std::printf("%-34s %9s %9s %9s %9s\n", "", "p50 ms", "p90 ms", "mean ms", "p50 ratio");
  auto row = [&](const char* name, Stats& s) {
    const double p50 = s.Pct(0.5);
    std::printf("%-34s %9.2f %9.2f %9.2f %9.2f\n", name, p50, s.Pct(0.9), s.Mean(), p50 / base);
  };
  row("resident message -> group ack", resident);
  row("staff 接单 N -> answer", accept);
  row("staff 办结 N 说明 -> answer", resolve);
  return 0;
}
