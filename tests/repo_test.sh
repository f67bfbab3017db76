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
for p in build-essential cmake pkg-config curl ca-certificates python3 libcpp-httplib-dev libboost-dev libre2-dev doctest-dev wrk; do
  check "the package list has $p" grep -qw "$p" scripts/deps.sh
done
check "the dependency rule holds" scripts/check-deps
# A check that cannot fail is no check: plant violations in scratch copies and see each refused.
planted() {  # file, line to add, what the check must name
  local scratch
  scratch=$(mktemp -d)
  cp -r gateway util intents adapters "$scratch"/
  printf '%s\n' "$2" >> "$scratch/$1"
  local out
  out=$(scripts/check-deps --root "$scratch" 2>&1)
  local rc=$?
  rm -rf "$scratch"
  [ $rc -eq 1 ] && grep -qF "$3" <<<"$out"
}
check "check-deps refuses <sqlite3.h> in gateway/core" planted gateway/core/status.h '#include <sqlite3.h>' 'gateway/core/status.h'
check "check-deps refuses a room's header in intents/" planted intents/normaliser.h '#include "gateway/ingest/inbox.h"' 'intents/normaliser.h'
check "check-deps refuses one platform including another" planted adapters/feishu/feishu_wire.h '#include "adapters/wecom/msg_crypt.h"' 'adapters/feishu/feishu_wire.h'
check "check-deps refuses a store engine outside the store" planted gateway/ingest/inbox.cc '#include "gateway/store/sqlite/sqlite_store.h"' 'gateway/ingest/inbox.cc'
check "check-deps refuses the workflow in the calendar (below the runtime)" planted gateway/workflow/calendar.cc '#include "gateway/workflow/actor.h"' 'gateway/workflow/calendar.cc'
check "check-deps refuses <httplib.h> outside the outbound client" planted gateway/api/api.cc '#include <httplib.h>' 'gateway/api/api.cc'
check "check-deps refuses Boost outside the server" planted gateway/ingest/inbox.cc "#include <boost/asio.hpp>" "gateway/ingest/inbox.cc"
check "check-deps refuses the workflow (roles) in the campaign room" planted gateway/campaign/campaign.cc '#include "gateway/workflow/actor.h"' 'gateway/campaign/campaign.cc'
check "check-deps refuses the dispatcher itself in the campaign room (only its rate budgets)" planted gateway/campaign/campaign.h '#include "gateway/dispatch/dispatcher.h"' 'gateway/campaign/campaign.h'
check "check-deps refuses the campaign room in the dispatcher" planted gateway/dispatch/rate_limiter.cc '#include "gateway/campaign/campaign.h"' 'gateway/dispatch/rate_limiter.cc'
# ctest splits a test's name at ';' and then runs nothing under either half, which it reports as
# passed: a doctest TEST_CASE name must not contain one.
no_semicolon_names() {  # dir
  ! grep -rqE --include='*.cc' --include='*.h' 'TEST_CASE\("[^"]*;' "$1"
}
check "no test name contains ';' (ctest would run nothing and call it passed)" no_semicolon_names tests
semicolon_planted() {
  local scratch
  scratch=$(mktemp -d)
  printf 'TEST_CASE("one thing; another") {}\n' > "$scratch/planted_test.cc"
  ! no_semicolon_names "$scratch"
  local rc=$?
  rm -rf "$scratch"
  return $rc
}
check "the test-name check refuses a planted name with ';'" semicolon_planted
if [ $fail -eq 0 ]; then echo "repo checks: ok"; fi
exit $fail
