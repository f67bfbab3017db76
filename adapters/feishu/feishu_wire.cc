// Feishu wire formats: Encrypt Key scheme, signatures, message content.
#include "adapters/feishu/feishu_wire.h"

#include <nlohmann/json.hpp>

#include "util/crypto.h"
#include "adapters/common/json_fields.h"

namespace gridrelay::feishu {
namespace {

using nlohmann::json;
using jsonf::StringField;

constexpr size_t kIvBytes = 16;

// Removes "@_user_<digits>" placeholders and trims.
std::string StripMentions(std::string_view text) {
  constexpr std::string_view kPlaceholder = "@_user_";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.substr(i, kPlaceholder.size()) == kPlaceholder) {
      size_t j = i + kPlaceholder.size();
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      if (j > i + kPlaceholder.size()) {
        i = j;
        continue;
      }
    }
    out += text[i++];
  }
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = out.find_first_not_of(kSpace);
  if (b == std::string::npos) return {};
  return out.substr(b, out.find_last_not_of(kSpace) - b + 1);
}

// One paragraph list of a post: [[{"tag":"text","text":…},{"tag":"img","image_key":…}], …].
void AppendPost(const json& body, Content* out, std::string* text) {
  const std::string title = StringField(body, "title");
  if (!title.empty()) *text += title + "\n";
  auto paragraphs = body.find("content");
  if (paragraphs == body.end() || !paragraphs->is_array()) return;
  for (const json& paragraph : *paragraphs) {
    if (!paragraph.is_array()) continue;
    for (const json& element : paragraph) {
      const std::string tag = StringField(element, "tag");
      if (tag == "text" || tag == "a" || tag == "code_block" || tag == "md") {
        *text += StringField(element, "text");
      } else if (tag == "img") {
        std::string key = StringField(element, "image_key");
        if (!key.empty()) out->attachments.push_back({"image", key});
      } else if (tag == "media") {
        std::string key = StringField(element, "file_key");
        if (!key.empty()) out->attachments.push_back({"video", key});
      }
    }
    *text += "\n";
  }
}

}  // namespace

StatusOr<std::string> Decrypt(std::string_view encrypt_key, std::string_view encrypt_b64) {
  StatusOr<std::string> buf = crypto::Base64Decode(encrypt_b64);
  if (!buf.ok()) return Status::InvalidArgument("feishu: 'encrypt' is not valid base64");
  if (buf->size() < 2 * kIvBytes || buf->size() % kIvBytes != 0) {
    return Status::Unauthenticated("feishu: 'encrypt' has the wrong length for AES-256-CBC");
  }
  const std::string key = crypto::Sha256(encrypt_key);
  std::string_view all(*buf);
  StatusOr<std::string> plain = crypto::Aes256CbcDecrypt(key, all.substr(0, kIvBytes), all.substr(kIvBytes), true);
  if (!plain.ok()) return Status::Unauthenticated("feishu: 'encrypt' does not decrypt with this channel's encrypt_key");
  return plain;
}

StatusOr<std::string> Encrypt(std::string_view encrypt_key, std::string_view plaintext, std::string_view iv16) {
  StatusOr<std::string> cipher = crypto::Aes256CbcEncrypt(crypto::Sha256(encrypt_key), iv16, plaintext, true);
  if (!cipher.ok()) return cipher.status();
  return crypto::Base64Encode(std::string(iv16) + *cipher);
}

std::string RequestSignature(std::string_view timestamp, std::string_view nonce, std::string_view encrypt_key,
                             std::string_view body) {
  std::string data;
  data.reserve(timestamp.size() + nonce.size() + encrypt_key.size() + body.size());
  data.append(timestamp).append(nonce).append(encrypt_key).append(body);
  return crypto::Sha256Hex(data);
}

std::string BotSign(int64_t timestamp_seconds, std::string_view secret) {
  const std::string key = std::to_string(timestamp_seconds) + "\n" + std::string(secret);
  return crypto::Base64Encode(crypto::HmacSha256(key, ""));
}

Content ParseContent(std::string_view message_type, std::string_view content_json) {
  Content out;
  const json content = json::parse(content_json, nullptr, false);
  if (content.is_discarded() || !content.is_object()) return out;
  std::string text;
  if (message_type == "text") {
    text = StringField(content, "text");
  } else if (message_type == "post") {
    if (content.contains("content")) {
      AppendPost(content, &out, &text);
    } else {
      // The send format nests the body per language: {"zh_cn": {"title", "content"}}.
      for (const auto& language : content.items()) {
        if (language.value().is_object()) AppendPost(language.value(), &out, &text);
      }
    }
  } else if (message_type == "image") {
    std::string key = StringField(content, "image_key");
    if (!key.empty()) out.attachments.push_back({"image", key});
  } else if (message_type == "file" || message_type == "audio" || message_type == "media") {
    std::string key = StringField(content, "file_key");
    const char* kind = message_type == "audio" ? "voice" : message_type == "media" ? "video" : "file";
    if (!key.empty()) out.attachments.push_back({kind, key});
  }
  out.text = StripMentions(text);
  return out;
}

}  // namespace gridrelay::feishu
