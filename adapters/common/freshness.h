// Replay protection for platform callbacks: a signed callback is authentic forever, so the
// timestamp it carries must also be recent. One check for every adapter, so that the edges
// (inclusive), clock skew (either way) and units (seconds or milliseconds, as each platform
// sends) are decided once.
#pragma once

#include <cstdint>
#include <string_view>

#include "gateway/core/status.h"

namespace gridrelay {

// How a platform writes a callback's timestamp: WeCom, Feishu's signed header and OneBot in
// (OneBot 12: possibly fractional) seconds; DingTalk and Feishu's create_time in milliseconds.
enum class TimestampUnit { kSeconds, kMilliseconds };

// OK when `sent` (in `unit`) lies within `window_seconds` of `now_seconds`, earlier or later
// (a platform's clock may run ahead of ours), both edges included; compared in `unit`, so
// milliseconds are not rounded to seconds first. A window of 0 (or less) turns the check off. Otherwise
// kUnauthenticated, naming `platform`; NaN is never fresh.
Status CheckFreshness(std::string_view platform, double sent, TimestampUnit unit, int64_t now_seconds,
                      int64_t window_seconds);

}  // namespace gridrelay
