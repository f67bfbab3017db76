// Child processes for the tests that run the real `gridrelay` binary (process, crash and soak
// tests): a free loopback port, `gridrelay serve` started in the background, and a guard that
// kills and reaps the child when a failed REQUIRE leaves a test early.
#pragma once

#include <sys/types.h>

#include <string>

namespace gridrelay::testing {

// A port nobody listens on: bind to port 0, read the port, close the socket.
int FreePort();

// Starts `binary serve --config <config> --data <data> --listen 127.0.0.1:<port>` with its
// output sent to /dev/null; returns its pid.
pid_t StartServe(const std::string& binary, const std::string& config, const std::string& data, int port);

// Kills (SIGKILL) and reaps the child, if any, when it goes out of scope.
struct ChildGuard {
  pid_t pid = -1;
  ChildGuard() = default;
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() { Kill(); }
  // SIGKILL and reap now; returns false if there was no child.
  bool Kill();
};

}  // namespace gridrelay::testing
