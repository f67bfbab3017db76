# The one list of Debian 12 packages gridrelay needs to build, test and benchmark, and the
# function that installs whichever are missing (and nothing when all are present).
# Sourced by scripts/run, scripts/test, scripts/bench, scripts/fuzz and scripts/soak.

GRIDRELAY_PACKAGES=(
  # the basics a bare Debian 12 lacks
  build-essential cmake pkg-config ca-certificates curl python3
  # scripts/make-cert (self-signed certificates for trying HTTPS; the TLS tests use it)
  openssl
  # libraries (shared/docs/build-notes.md says how each is found and linked)
  libcpp-httplib-dev libssl-dev nlohmann-json3-dev libre2-dev doctest-dev libsqlite3-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev libopencc-dev libpugixml-dev
  # the inbound HTTP server: Boost.Beast and Asio (header-only)
  libboost-dev
  # benchmarks: the Hyperscan reference, the HTTP load generator, Google Benchmark (reports)
  libhyperscan-dev wrk libbenchmark-dev
)

# The fuzz and sanitizer path only (scripts/fuzz, and the sanitizer part of scripts/test):
# libFuzzer and the ASan/UBSan runtimes come with Debian's clang, not with g++, and
# llvm-symbolizer (in llvm) turns a sanitizer report's addresses into file:line.
GRIDRELAY_SANITIZER_PACKAGES=(clang libclang-rt-dev llvm)

# Installs whichever of GRIDRELAY_PACKAGES are missing.
gridrelay_install_deps() {
  gridrelay_install_packages "${GRIDRELAY_PACKAGES[@]}"
}

# Installs whichever of GRIDRELAY_SANITIZER_PACKAGES are missing.
gridrelay_install_sanitizer_deps() {
  gridrelay_install_packages "${GRIDRELAY_SANITIZER_PACKAGES[@]}"
}

# Installs whichever of the named packages are missing (nothing when all are present).
gridrelay_install_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "gridrelay: installing missing packages: ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# The build scripts/test runs the suite in (build/test), configured in one place so that
# scripts/soak, which runs the same binary, never reconfigures it differently. A unity build
# (CMake groups each target's sources into a few translation units) compiles the shared headers
# and templates once per group instead of once per file: README "What it costs CI".
GRIDRELAY_TEST_BUILD=build/test
gridrelay_configure_test_build() {
  cmake -S . -B "$GRIDRELAY_TEST_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRIDRELAY_WERROR=ON \
    -DGRIDRELAY_TESTS=ON -DCMAKE_UNITY_BUILD=ON >/dev/null
}
