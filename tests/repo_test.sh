#!/usr/bin/env bash
# Repository checks, run by ctest: the README's commands are what CI runs, scripts/ keep one
# package list, and the dependency rule holds.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
check() {  # description, command...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    echo "ok: $what"
  else
    echo "FAILED: $what"
    fail=1
  fi
}
check ".ci/run calls scripts/test" grep -qE '(^|[[:space:]/])scripts/test([[:space:]]|$)' .ci/run
check "the README opens with scripts/run and scripts/test" bash -c 'head -30 README.md | grep -q "scripts/run" && head -30 README.md | grep -q "scripts/test"'
for s in run test bench; do
  check "scripts/$s uses the shared package list" grep -q 'source scripts/deps.sh' "scripts/$s"
  check "scripts/$s installs missing packages" grep -q 'gridrelay_install_deps' "scripts/$s"
done
check "only scripts/deps.sh names packages" bash -c '! grep -lE "apt-get install" scripts/run scripts/test scripts/bench .ci/run'
for p in build-essential cmake pkg-config curl ca-certificates python3 libcpp-httplib-dev libre2-dev doctest-dev wrk; do
  check "the package list has $p" grep -qw "$p" scripts/deps.sh
done
check "the dependency rule holds" scripts/check-deps
if [ $fail -eq 0 ]; then echo "repo checks: ok"; fi
exit $fail
