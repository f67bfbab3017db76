// DingTalk wire formats: the robot signature and callback content.
#include "adapters/dingtalk/dingtalk_wire.h"

#include "util/crypto.h"
#include "adapters/common/json_fields.h"

namespace gridrelay::dingtalk {
namespace {

using nlohmann::json;
using jsonf::Field;
using jsonf::StringField;

std::string DownloadCode(const json& item) {
  std::string code = StringField(item, "downloadCode");
  return code.empty() ? StringField(item, "pictureDownloadCode") : code;
}

std::string Trim(const std::string& s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

}  // namespace

std::string Sign(int64_t timestamp_ms, std::string_view secret) {
  const std::string message = std::to_string(timestamp_ms) + "\n" + std::string(secret);
  return crypto::Base64Encode(crypto::HmacSha256(secret, message));
}

Content ParseContent(const json& body) {
  Content out;
  const std::string msgtype = StringField(body, "msgtype");
  const json& content = Field(body, "content");
  auto attach = [&out](const char* kind, std::string ref) {
    if (!ref.empty()) out.attachments.push_back({kind, std::move(ref)});
  };
  std::string text;
  if (msgtype == "text") {
    text = StringField(Field(body, "text"), "content");
  } else if (msgtype == "richText") {
    const json& items = Field(content, "richText");
    if (items.is_array()) {
      for (const json& item : items) {
        if (Field(item, "text").is_string()) {
          text += StringField(item, "text");
        } else {
          attach("image", DownloadCode(item));
        }
      }
    }
  } else if (msgtype == "picture") {
    attach("image", DownloadCode(content));
  } else if (msgtype == "audio") {
    text = StringField(content, "recognition");
    attach("voice", DownloadCode(content));
  } else if (msgtype == "video") {
    attach("video", DownloadCode(content));
  } else if (msgtype == "file") {
    attach("file", DownloadCode(content));
  }
  out.text = Trim(text);
  return out;
}

}  // namespace gridrelay::dingtalk
