// What every fuzz target shares: where the shipped config is, and how a target says that an
// invariant broke (a crash libFuzzer records like any other, with the input that caused it).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace gridrelay::fuzz {

// The shipped config (config/ of the source tree), which the engine and loader targets start from.
inline std::filesystem::path ShippedConfigDir() { return std::filesystem::path(GRIDRELAY_SOURCE_DIR) / "config"; }

// Aborts with `what`: an invariant is as much a finding as a sanitizer report.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

inline void Check(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

// Set-up that cannot fail in a correct tree (the shipped config loads): abort loudly if it does,
// since a fuzzer that silently tests nothing proves nothing.
template <typename T>
T Must(T value, const char* what) {
  if (!value.ok()) Fail(std::string(what) + ": " + value.status().ToString());
  return value;
}

}  // namespace gridrelay::fuzz
