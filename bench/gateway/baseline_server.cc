// The ingest benchmark's baseline: a cpp-httplib server tuned like the gateway (TCP_NODELAY,
// a large thread pool, long keep-alive) that answers 200 and does nothing else.
//   baseline_server PORT
#include <csignal>
#include <cstdlib>
#include <iostream>

#include <httplib.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: baseline_server PORT\n";
    return 2;
  }
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(256); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(5);
  server.Post(".*", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"ok":true})", "application/json");
  });
  return server.listen("127.0.0.1", std::atoi(argv[1])) ? 0 : 1;
}
