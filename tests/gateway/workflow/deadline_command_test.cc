// `gridrelay deadline` and the workflow part of `gridrelay check-config`: the library
// functions, and the real binary for issue 9's example.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "gateway/workflow/deadline_command.h"
#include "intents/taxonomy.h"
#include "tests/gateway/workflow/workflow_test_util.h"

namespace gridrelay::workflow {
namespace {

using testing::ShippedConfig;
using testing::TempFile;

struct Run {
  int code = -1;
  std::string out, err;
};

Run Deadline(const DeadlineArgs& args, const std::filesystem::path& config = ShippedConfig()) {
  std::ostringstream out, err;
  Run r;
  r.code = RunDeadline(config, args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

struct Binary {
  int code = -1;
  std::string output;
};

Binary RunBinary(const std::string& args) {
  const std::string cmd = std::string(GRIDRELAY_BINARY) + " " + args + " 2>&1";
  Binary r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST_SUITE("DeadlineCommand") {
  TEST_CASE("issue 9's example falls on the make-up Saturday 2026-10-10") {
    Run r = Deadline({"2026-10-09T17:00:00+08:00", 2.0, std::nullopt});
    CHECK(r.code == 0);
    CHECK(r.out.find("due:  2026-10-10T10:30:00+08:00\n") != std::string::npos);
    CHECK(r.out.find("  2026-10-09T17:00:00+08:00 .. 2026-10-09T17:30:00+08:00  0h30m\n") != std::string::npos);
    CHECK(r.out.find("  2026-10-10T09:00:00+08:00 .. 2026-10-10T10:30:00+08:00  1h30m\n") != std::string::npos);
    CHECK(r.out.find("past_calendar_end") == std::string::npos);
  }

  TEST_CASE("calendar hours and the past-end warning") {
    Run r = Deadline({"2026-12-31T23:00:00+08:00", std::nullopt, 2.0});
    CHECK(r.code == 0);
    CHECK(r.out.find("due:  2027-01-01T01:00:00+08:00") != std::string::npos);
    CHECK(r.out.find("warning: past_calendar_end") != std::string::npos);
  }

  TEST_CASE("malformed input is a usage error, exit 2") {
    const DeadlineArgs kBad[] = {
        {"2026-10-09 5pm", 2.0, std::nullopt},
        {"", 2.0, std::nullopt},
        {"2026-10-32T17:00:00+08:00", 2.0, std::nullopt},
        {"2026-10-09T17:00:00+08:00", std::nullopt, std::nullopt},
        {"2026-10-09T17:00:00+08:00", 2.0, 2.0},
        {"2026-10-09T17:00:00+08:00", -1.0, std::nullopt},
        {"2026-10-09T17:00:00+08:00", 1e12, std::nullopt},
    };
    for (const DeadlineArgs& a : kBad) {
      INFO(a.from);
      Run r = Deadline(a);
      CHECK(r.code == kExitUsage);
      CHECK(r.err.find("usage: gridrelay deadline") != std::string::npos);
      CHECK(r.out.empty());
    }
  }

  TEST_CASE("an invalid calendar is exit 1 with file:line") {
    TempFile f("calendar.yaml", "week:\n  mon: [\"09:00-12:00\", \"11:00-13:00\"]\nyears:\n  2026: {}\n");
    Run r = Deadline({"2026-10-09T17:00:00+08:00", 2.0, std::nullopt}, f.dir());
    CHECK(r.code == 1);
    CHECK(r.err.find("calendar.yaml:2:") != std::string::npos);
  }

  TEST_CASE("the workflow check passes on the shipped config and warns about a missing year") {
    std::ostringstream out;
    // 2026-12-07: 2027 is not in the shipped calendar yet.
    Status s = CheckWorkflowConfig(ShippedConfig(), intents::kTaxonomyIntents, 1796601600, out);
    CHECK(s.ok());
    CHECK(out.str().find("past_calendar_end: calendar.yaml has no holidays for 2027") != std::string::npos);
    CHECK(out.str().find("for 2026") == std::string::npos);
  }

  TEST_CASE("the real binary answers issue 9's example") {
    Binary b = RunBinary("deadline --from 2026-10-09T17:00:00+08:00 --working-hours 2 --config " +
                         ShippedConfig().string());
    CAPTURE(b.output);
    CHECK(b.code == 0);
    CHECK(b.output.find("due:  2026-10-10T10:30:00+08:00") != std::string::npos);
  }

  TEST_CASE("the real binary refuses a malformed time with exit 2") {
    Binary b = RunBinary("deadline --from 2026-10-09T17:00 --working-hours two --config " + ShippedConfig().string());
    CHECK(b.code == 2);
    Binary both = RunBinary("deadline --from 2026-10-09T17:00 --working-hours 2 --calendar-hours 2");
    CHECK(both.code == 2);
    Binary t = RunBinary("deadline --from yesterday --working-hours 2 --config " + ShippedConfig().string());
    CAPTURE(t.output);
    CHECK(t.code == 2);
    CHECK(t.output.find("usage: gridrelay deadline") != std::string::npos);
  }

  TEST_CASE("check-config fails on an invalid calendar with file:line") {
    TempFile copy("unused", "");
    const auto config = copy.dir() / "config";
    std::filesystem::copy(ShippedConfig(), config, std::filesystem::copy_options::recursive);
    {
      std::ofstream f(config / "calendar.yaml", std::ios::app);
      f << "  2027:\n    makeup_days:\n      - {date: 2027-02-30}\n";
    }
    Binary b = RunBinary("check-config --config " + config.string());
    CAPTURE(b.output);
    CHECK(b.code == 1);
    CHECK(b.output.find("calendar.yaml:") != std::string::npos);
    CHECK(b.output.find("2027-02-30") != std::string::npos);
  }
}

}  // namespace
}  // namespace gridrelay::workflow
