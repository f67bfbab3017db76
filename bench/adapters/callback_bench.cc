// Platform callback ingest against a running gateway: builds N distinct, correctly signed (and
// for WeCom, encrypted) callbacks with the channel's own adapter (BuildCallback), then posts
// them from C concurrent keep-alive connections and reports requests per second. Run it on a
// generic channel and a platform channel in alternating rounds to get the platform's cost as a
// ratio (bench/gateway/ingest_bench.py --platforms does).
//
//   gridrelay_bench_callbacks --config DIR --url http://127.0.0.1:PORT --channel NAME --group G
//                             [--requests N] [--connections C] [--tag T]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include "util/crypto.h"
#include "gateway/runtime/runtime.h"
#include "util/http_client.h"

using namespace gridrelay;

int main(int argc, char** argv) {
  CLI::App app{"platform callback ingest benchmark"};
  std::string config = "config", url, channel, group, tag = "b";
  int requests = 10000, connections = 32;
  app.add_option("--config", config);
  app.add_option("--url", url)->required();
  app.add_option("--channel", channel)->required();
  app.add_option("--group", group)->required();
  app.add_option("--requests", requests);
  app.add_option("--connections", connections);
  app.add_option("--tag", tag, "makes message ids distinct across rounds");
  CLI11_PARSE(app, argc, argv);

  HttplibClient http;
  AdapterEnv env{&http, &SystemClock::Get(), {}};
  auto rt = BuildRuntime(config, {}, BuiltinAdapters(), env);
  if (!rt.ok()) {
    std::fprintf(stderr, "%s\n", rt.status().ToString().c_str());
    return 1;
  }
  const Adapter* adapter = (*rt)->FindAdapter(channel);
  if (!adapter) {
    std::fprintf(stderr, "no channel %s\n", channel.c_str());
    return 1;
  }
  struct Prepared {
    std::string path;
    httplib::Headers headers;
    std::string content_type = "application/json";
    std::string body;
  };
  std::vector<Prepared> prepared;
  prepared.reserve(static_cast<size_t>(requests));
  const char* texts[] = {"3栋楼道灯坏了好几天了,晚上太黑", "小区门口垃圾三天没人清运了", "楼上装修电钻声从早上七点响到晚上",
                         "有人冒充公安让我转钱到安全账户", "老板拖欠工资三个月怎么办"};
  for (int i = 0; i < requests; ++i) {
    SimulatedMessage sim;
    sim.group_id = group;
    sim.sender_id = std::to_string(10000 + i % 997);
    sim.sender_name = "居民";
    sim.text = texts[i % 5];
    sim.msg_id = std::to_string(std::hash<std::string>{}(tag) % 1000000) + std::to_string(100000 + i);
    sim.now_seconds = SystemClock::Get().NowSeconds();
    auto req = adapter->BuildCallback(sim);
    if (!req.ok()) {
      std::fprintf(stderr, "%s\n", req.status().ToString().c_str());
      return 1;
    }
    Prepared p;
    p.path = "/webhook/" + std::string(adapter->type()) + "/" + channel;
    char sep = '?';
    for (const auto& [k, v] : req->query) {
      p.path += sep + crypto::UrlEncode(k) + "=" + crypto::UrlEncode(v);
      sep = '&';
    }
    for (const auto& [k, v] : req->headers) {
      if (k == "content-type") {
        p.content_type = v;
      } else {
        p.headers.emplace(k, v);
      }
    }
    p.body = std::move(req->body);
    prepared.push_back(std::move(p));
  }
  std::atomic<size_t> next{0}, failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      httplib::Client client(url);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      for (size_t i; (i = next++) < prepared.size();) {
        const Prepared& p = prepared[i];
        auto res = client.Post(p.path.c_str(), p.headers, p.body, p.content_type.c_str());
        if (!res || res->status / 100 != 2) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"channel\":\"%s\",\"requests\":%d,\"failed\":%zu,\"seconds\":%.3f,\"rps\":%.1f}\n", channel.c_str(),
              requests, failed.load(), secs, requests / secs);
  return failed.load() == 0 ? 0 : 1;
}
