#include "adapters/common/freshness.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace gridrelay {

Status CheckFreshness(std::string_view platform, double sent, TimestampUnit unit, int64_t now_seconds,
                      int64_t window_seconds) {
  if (window_seconds <= 0) return Status::Ok();
  // Whole numbers below 2^53 are exact in a double, so the edges compare exactly.
  const double scale = unit == TimestampUnit::kMilliseconds ? 1000.0 : 1.0;
  const double now = static_cast<double>(now_seconds) * scale;
  const double window = static_cast<double>(window_seconds) * scale;
  if (std::fabs(sent - now) <= window) return Status::Ok();  // false for NaN
  char value[32];
  std::snprintf(value, sizeof value, "%.0f", sent);
  return Status::Unauthenticated(std::string(platform) + ": timestamp " + value +
                                 (unit == TimestampUnit::kMilliseconds ? " ms" : " s") + " is outside the " +
                                 std::to_string(window_seconds) + " s freshness window");
}

}  // namespace gridrelay
