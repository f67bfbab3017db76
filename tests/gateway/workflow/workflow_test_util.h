// Helpers shared by the workflow tests: the shipped config and throw-away YAML files.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "gateway/workflow/calendar.h"

namespace gridrelay::workflow::testing {

inline std::filesystem::path ShippedConfig() { return std::filesystem::path(GRIDRELAY_SOURCE_DIR) / "config"; }

// The shipped config/calendar.yaml, loaded once.
inline const Calendar& ShippedCalendar() {
  static const Calendar cal = [] {
    auto c = Calendar::Load(ShippedConfig() / "calendar.yaml");
    REQUIRE(c.ok());
    return *c;
  }();
  return cal;
}

// An ISO 8601 time with its offset, as Unix microseconds.
inline int64_t T(const char* iso) {
  auto t = ParseIsoTime(iso);
  REQUIRE(t.ok());
  return *t;
}

// A file `name` holding `text` in a fresh directory, removed with the object.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text) {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("gridrelay-wf-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / name) << text;
    path_ = dir_ / name;
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_, path_;
};

}  // namespace gridrelay::workflow::testing
