// Helpers shared by the intent tests: fixture paths, a throw-away config directory, and
// the corpus location with the skip-unless-CI rule.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <memory>
#include <string>

#include "intents/compiled_engine.h"

namespace gridrelay::intents {

inline std::filesystem::path FixtureDir(const std::string& name) {
  return std::filesystem::path(GRIDRELAY_INTENTS_FIXTURES) / name;
}
inline std::filesystem::path RepoConfigDir() { return std::filesystem::path(GRIDRELAY_ROOT_DIR) / "config"; }
inline std::filesystem::path CorpusDir() { return std::filesystem::path(GRIDRELAY_CORPUS_DIR); }
inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

// A temporary config directory, removed when it goes out of scope.
class TempConfig {
 public:
  TempConfig() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("gridrelay-intents-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_ / "intents");
  }
  ~TempConfig() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempConfig(const TempConfig&) = delete;
  TempConfig& operator=(const TempConfig&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  void Write(const std::string& rel, const std::string& body) const {
    std::filesystem::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel, std::ios::binary | std::ios::trunc) << body;
  }
  void CopyFixture(const std::string& name) const {
    std::filesystem::copy(FixtureDir(name), dir_,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  }

 private:
  std::filesystem::path dir_;
};

// The engine compiled from the shipped config, once per test binary.
inline const CompiledEngine& ShippedEngine() {
  static std::shared_ptr<const CompiledEngine> engine = [] {
    auto e = CompiledEngine::Build(RepoConfigDir());
    REQUIRE_MESSAGE(e.ok(), e.status().ToString());
    return *e;
  }();
  return *engine;
}

}  // namespace gridrelay::intents
