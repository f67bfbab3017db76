// OneBot message segments: the two wire forms of a message (v11's CQ-code string and the
// v11/v12 segment array) parsed into one list of segments, and flattened into what the
// gateway keeps: plain text without the bot's own mention, and attachment references.
// Pure conversions, no I/O; everything here accepts hostile input and never throws.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/message.h"

namespace gridrelay::onebot {

// One segment: {"type":"at","data":{"qq":"10001"}}. Values are strings on the wire; numbers
// and booleans some implementations send instead are converted, nested values dropped.
struct Segment {
  std::string type;
  std::vector<std::pair<std::string, std::string>> data;

  // The value of `key`, or "" when absent.
  std::string Get(std::string_view key) const;
};

// CQ-code escaping (OneBot 11 message/string.md): plain text escapes & [ ]; a parameter
// value also escapes ','.
std::string EscapeCq(std::string_view text, bool in_param);
std::string UnescapeCq(std::string_view text);

// Parses a CQ-code string. A "[CQ:" without its closing ']' is kept as text, so every
// input parses.
std::vector<Segment> ParseCqString(std::string_view message);

// Parses the `message` field of an event: a CQ string, a segment array or a single segment
// object. Segments that are not objects or have no string type are skipped; `data` may be
// null. Anything else (a number, null) yields no segments.
std::vector<Segment> ParseMessage(const nlohmann::json& message);

// What a list of segments means to the gateway.
struct Flattened {
  std::string text;                     // trimmed; the bot's own mention removed
  std::vector<Attachment> attachments;  // image / voice / video / file references
  bool mentions_bot = false;
};

// Text segments are concatenated; a mention of `self_id` (v11 `at`, v12 `mention`) is
// removed, other mentions become "@<id>", a mention of everyone "@全体成员"; media segments
// become attachments; unknown segments (face, reply, forward...) are ignored.
Flattened Flatten(const std::vector<Segment>& segments, std::string_view self_id);

}  // namespace gridrelay::onebot
