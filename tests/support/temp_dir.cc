#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <stdexcept>

namespace gridrelay::testing {

std::filesystem::path SourceConfigDir() { return std::filesystem::path(GRIDRELAY_SOURCE_DIR) / "config"; }

std::filesystem::path MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace gridrelay::testing
