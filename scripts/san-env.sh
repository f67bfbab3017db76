# The one clang build with ASan, UBSan and libFuzzer coverage (build/san), shared by scripts/fuzz
# and the sanitizer part of scripts/test, and the sanitizer settings every run under it uses.
# Sourced after scripts/deps.sh.

GRIDRELAY_SAN_BUILD=build/san

# The test executables whose cases carry the ctest label `sanitize` (doctest_discover_tests(...
# PROPERTIES LABELS sanitize)): parsing (adapters, crypto and UTF-8), storage
# (the store conformance suite on SQLite) and delivery (the dispatcher). They need no more of the
# gateway than the fuzz targets already build; README "Fuzzing and sanitizers" says why these.
GRIDRELAY_SAN_TEST_TARGETS=(
  gridrelay_util_tests gridrelay_store_tests
  gridrelay_adapter_common_tests gridrelay_adapter_wecom_tests gridrelay_adapter_onebot_tests
  gridrelay_adapter_feishu_tests gridrelay_adapter_dingtalk_tests
)

# Reports abort the process (so a test or fuzzer fails), leaks count, and addresses become file:line.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
if [ -x /usr/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer
fi

# Installs clang if missing and configures build/san. Fails loudly when clang cannot be had.
gridrelay_san_configure() {
  gridrelay_install_sanitizer_deps
  if ! command -v clang++ >/dev/null; then
    echo "gridrelay: clang++ is missing after installing ${GRIDRELAY_SANITIZER_PACKAGES[*]}" >&2
    return 1
  fi
  # -O1 keeps the sanitizers' stacks honest and the build short; no NDEBUG, so asserts stay on;
  # line tables only, enough for file:line in reports; a unity build, as in scripts/test.
  CXX=clang++ cmake -S . -B "$GRIDRELAY_SAN_BUILD" -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only" \
    -DGRIDRELAY_FUZZ=ON -DGRIDRELAY_TESTS=ON -DCMAKE_UNITY_BUILD=ON >/dev/null
}

# Builds the given targets of build/san.
gridrelay_san_build() {
  cmake --build "$GRIDRELAY_SAN_BUILD" -j"$(nproc)" --target "$@"
}
