// The config loader on a hostile file: the shipped config with one of its files (chosen by the
// first byte) replaced by the input. A config is written by staff and reloaded at run time
// (SIGHUP, POST /api/v1/admin/reload), so a broken file must be an error naming the file, never
// a crash. The rest of the input is also given to ParseRota, the one free-text grammar in it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "gateway/config/config.h"

namespace fs = std::filesystem;
using gridrelay::fuzz::Check;

namespace {

// The files LoadConfig reads (intents/ is the engine's, fuzzed by intents_fuzzer).
constexpr const char* kFiles[] = {"gridrelay.yaml", "routing.yaml", "templates.yaml", "calendar.yaml",
                                  "deadlines.yaml"};

// A private copy of the shipped config in /dev/shm (or /tmp), made once per process.
const fs::path& ScratchConfig() {
  static const fs::path dir = [] {
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path d = base / ("gridrelay-config-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    for (const char* f : kFiles) fs::copy_file(gridrelay::fuzz::ShippedConfigDir() / f, d / f);
    std::atexit([] { std::error_code ec; fs::remove_all(ScratchConfig(), ec); });
    return d;
  }();
  return dir;
}

void WriteFile(const fs::path& path, std::string_view body) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const fs::path& dir = ScratchConfig();
  const char* file = kFiles[data[0] % std::size(kFiles)];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  WriteFile(dir / file, body);
  auto config = gridrelay::LoadConfig(dir);
  if (!config.ok()) {
    // An error names where it is: "file:line: what" (or the file alone).
    Check(config.status().message().find(".yaml") != std::string::npos,
          "a config error names no file: " + config.status().message());
  }
  (void)gridrelay::ParseRota(body);
  // Put the shipped file back for the next input.
  fs::copy_file(gridrelay::fuzz::ShippedConfigDir() / file, dir / file, fs::copy_options::overwrite_existing);
  return 0;
}
