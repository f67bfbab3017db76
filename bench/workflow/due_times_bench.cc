// Time to compute 100,000 due times on the shipped calendar (issue 9's benchmark), for the
// deadlines the shipped table actually uses: 2 working hours (response), 24 h and 7 d calendar,
// and 15 working hours as a long working-time case. Starts are spread over 2026.
//
//   due_times_bench [CONFIG_DIR] [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gateway/workflow/calendar.h"

int main(int argc, char** argv) {
  using namespace gridrelay::workflow;
  const std::string config = argc > 1 ? argv[1] : "config";
  const int n = argc > 2 ? std::atoi(argv[2]) : 100000;
  auto cal = Calendar::Load(config + "/calendar.yaml");
  if (!cal.ok()) {
    std::fprintf(stderr, "%s\n", cal.status().message().c_str());
    return 1;
  }
  const int64_t base = *ParseIsoTime("2026-01-01T00:00:00+08:00");
  struct Kind {
    const char* name;
    bool working;
    int64_t seconds;
  };
  const Kind kinds[] = {{"2 working hours", true, 7200},
                        {"15 working hours", true, 15 * 3600},
                        {"24 calendar hours", false, 86400},
                        {"7 calendar days", false, 7 * 86400}};
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (const Kind& k : kinds) {
    int64_t checksum = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const int64_t start = base + static_cast<int64_t>(x % (365ull * 86400));
      auto due = k.working ? cal->AddWorkingTime(start, k.seconds) : cal->AddCalendarTime(start, k.seconds);
      checksum += due->due;
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-18s %d due times in %8.1f ms (%6.0f ns each)  checksum %lld\n", k.name, n, ms, ms * 1e6 / n,
                static_cast<long long>(checksum % 1000003));
  }
  return 0;
}
