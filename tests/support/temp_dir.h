// Paths the tests share: the repository's shipped config, and fresh temporary directories.
// Free of gateway dependencies (gridrelay_test_util), so that the store and dispatch tests link
// without the whole gateway (the sanitizer build runs them; scripts/test).
#pragma once

#include <filesystem>
#include <string>

namespace gridrelay::testing {

// The repository's shipped config directory.
std::filesystem::path SourceConfigDir();
// A fresh temporary directory (removed by the caller).
std::filesystem::path MakeTempDir(const std::string& prefix);

}  // namespace gridrelay::testing
