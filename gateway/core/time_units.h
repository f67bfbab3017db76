// The units of time. The gateway stores every instant as microseconds since the Unix epoch
// (Clock::NowMicros); calendars and deadlines count in seconds. One home for the factors, so
// that no file keeps its own kHour in a unit of its own choosing.
#pragma once

#include <cstdint>

namespace gridrelay {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

inline constexpr int64_t kSecondsPerMinute = 60;
inline constexpr int64_t kSecondsPerHour = 3600;
inline constexpr int64_t kSecondsPerDay = 86'400;

}  // namespace gridrelay
