// DingTalk wire formats as pure functions: the robot signature (the same scheme signs
// outgoing callbacks and custom robot sends) and a callback's message content to text and
// attachments. No I/O; hostile input yields an empty result, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/message.h"

namespace gridrelay::dingtalk {

// Base64(HMAC-SHA256(key = secret, message = timestamp_ms + "\n" + secret)). Not URL-encoded.
std::string Sign(int64_t timestamp_ms, std::string_view secret);

struct Content {
  std::string text;
  std::vector<Attachment> attachments;
};

// Reads a callback body's content by `msgtype`: text (text.content), richText
// (content.richText: text items and pictures), picture, audio (the speech recognition as
// text, and the voice), video, file. Media references are DingTalk download codes.
// Whitespace around the text (the space left where the robot's @ was) is trimmed.
Content ParseContent(const nlohmann::json& body);

}  // namespace gridrelay::dingtalk
