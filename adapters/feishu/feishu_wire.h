// Feishu wire formats as pure functions: the Encrypt Key scheme, the event request signature,
// the custom bot signature, and message `content` (a JSON string per message type) to text
// and attachments. No I/O; hostile input yields an error or an empty result, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/message.h"
#include "gateway/core/status.h"

namespace gridrelay::feishu {

// {"encrypt": b64}: key = SHA-256(encrypt_key), b64 decodes to IV(16) ‖ AES-256-CBC(PKCS#7).
// Bad base64 is kInvalidArgument; a ciphertext that does not decrypt (wrong key, tampered,
// bad padding, wrong length) is kUnauthenticated.
StatusOr<std::string> Decrypt(std::string_view encrypt_key, std::string_view encrypt_b64);
// The inverse, with the given 16-byte IV (simulated callbacks and tests).
StatusOr<std::string> Encrypt(std::string_view encrypt_key, std::string_view plaintext, std::string_view iv16);

// X-Lark-Signature: hex(SHA-256(timestamp ‖ nonce ‖ encrypt_key ‖ raw body)).
std::string RequestSignature(std::string_view timestamp, std::string_view nonce, std::string_view encrypt_key,
                             std::string_view body);

// Custom bot signed mode: Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")).
std::string BotSign(int64_t timestamp_seconds, std::string_view secret);

struct Content {
  std::string text;
  std::vector<Attachment> attachments;
};

// Parses im.message.receive_v1 `message.content` for `message_type`: text ({"text"}), post
// (rich text: every language's title and text/a/at/img/media elements), image, file, audio,
// media, sticker. Mention placeholders (@_user_1) are removed: the bot is addressed by one,
// and who else was mentioned does not change what a resident asks. Whitespace is trimmed.
// Unknown types and malformed content give an empty text.
Content ParseContent(std::string_view message_type, std::string_view content_json);

}  // namespace gridrelay::feishu
