// WeCom callback crypto; see msg_crypt.h for the scheme.
#include "adapters/wecom/msg_crypt.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "util/crypto.h"

namespace gridrelay::wecom {
namespace {

constexpr size_t kRandomSize = 16;
constexpr size_t kLengthSize = 4;

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

StatusOr<MsgCrypt> MsgCrypt::Create(std::string token, std::string_view encoding_aes_key,
                                    std::string receive_id) {
  if (encoding_aes_key.size() != kEncodingAesKeyLength ||
      !std::all_of(encoding_aes_key.begin(), encoding_aes_key.end(), IsAlnum)) {
    return Status::InvalidArgument("EncodingAESKey must be exactly 43 letters or digits (got " +
                                   std::to_string(encoding_aes_key.size()) + " characters)");
  }
  // 43 characters carry 258 bits for a 256-bit key. WeCom's console leaves the two spare
  // bits of the last character random (vector A's key ends in 'C'), and the official
  // libraries ignore them, so clear them before the strict decoder sees the key.
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string canonical(encoding_aes_key);
  canonical.back() = kAlphabet[kAlphabet.find(canonical.back()) & ~size_t{3}];
  auto key = crypto::Base64Decode(canonical + "=");
  if (!key.ok()) return Status::InvalidArgument("EncodingAESKey is not valid Base64: " + key.status().message());
  if (key->size() != 32) {
    return Status::InvalidArgument("EncodingAESKey must decode to 32 bytes, got " + std::to_string(key->size()));
  }
  return MsgCrypt(std::move(token), std::move(*key), std::move(receive_id));
}

std::string MsgCrypt::Sign(std::string_view timestamp, std::string_view nonce, std::string_view ciphertext) const {
  std::array<std::string_view, 4> parts = {token_, timestamp, nonce, ciphertext};
  std::sort(parts.begin(), parts.end());  // string_view compares bytes, as WeCom does
  std::string joined;
  joined.reserve(token_.size() + timestamp.size() + nonce.size() + ciphertext.size());
  for (auto p : parts) joined.append(p);
  return crypto::Sha1Hex(joined);
}

Status MsgCrypt::Verify(std::string_view signature, std::string_view timestamp, std::string_view nonce,
                        std::string_view ciphertext) const {
  if (!crypto::ConstantTimeEquals(Sign(timestamp, nonce, ciphertext), signature)) {
    return Status::Unauthenticated("msg_signature mismatch");
  }
  return Status::Ok();
}

StatusOr<OpenedMessage> MsgCrypt::Open(std::string_view ciphertext) const {
  if (ciphertext.size() > kMaxCiphertextLength) {
    return Status::PayloadTooLarge("ciphertext of " + std::to_string(ciphertext.size()) + " characters exceeds " +
                                   std::to_string(kMaxCiphertextLength));
  }
  auto raw = crypto::Base64Decode(ciphertext);
  if (!raw.ok()) return Status::InvalidArgument("ciphertext: " + raw.status().message());
  if (raw->empty() || raw->size() % kBlockSize != 0) {
    return Status::InvalidArgument("ciphertext of " + std::to_string(raw->size()) +
                                   " bytes is not a whole number of 32-byte blocks");
  }
  auto plain = crypto::Aes256CbcDecrypt(key_, std::string_view(key_).substr(0, 16), *raw, false);
  if (!plain.ok()) return Status::InvalidArgument("ciphertext: " + plain.status().message());
  const std::string& p = *plain;
  const auto pad = static_cast<unsigned char>(p.back());
  if (pad < 1 || pad > kBlockSize) {
    return Status::InvalidArgument("bad padding (wrong EncodingAESKey or tampered ciphertext)");
  }
  for (size_t i = p.size() - pad; i < p.size(); ++i) {
    if (static_cast<unsigned char>(p[i]) != pad) {
      return Status::InvalidArgument("bad padding (wrong EncodingAESKey or tampered ciphertext)");
    }
  }
  const size_t content = p.size() - pad;
  if (content < kRandomSize + kLengthSize) {
    return Status::InvalidArgument("decrypted payload too short for its header");
  }
  const auto* b = reinterpret_cast<const unsigned char*>(p.data()) + kRandomSize;
  const uint64_t msg_len = (uint64_t{b[0]} << 24) | (uint64_t{b[1]} << 16) | (uint64_t{b[2]} << 8) | uint64_t{b[3]};
  // The official samples slice without this check; msg_len is whatever the plaintext says.
  if (kRandomSize + kLengthSize + msg_len > content) {
    return Status::InvalidArgument("msg_len " + std::to_string(msg_len) + " exceeds the " +
                                   std::to_string(content - kRandomSize - kLengthSize) + " bytes decrypted");
  }
  const size_t msg_begin = kRandomSize + kLengthSize;
  const size_t msg_end = msg_begin + static_cast<size_t>(msg_len);
  return OpenedMessage{p.substr(0, kRandomSize), p.substr(msg_begin, msg_end - msg_begin),
                       p.substr(msg_end, content - msg_end)};
}

StatusOr<std::string> MsgCrypt::Decrypt(std::string_view ciphertext) const {
  auto opened = Open(ciphertext);
  if (!opened.ok()) return opened.status();
  if (!crypto::ConstantTimeEquals(opened->receive_id, receive_id_)) {
    // Quoting the ids is safe (CorpIDs are not secret) and saves a day of debugging.
    return Status::Unauthenticated("receive id mismatch: message is for '" + opened->receive_id +
                                   "', channel expects '" + receive_id_ + "'");
  }
  return std::move(opened->msg);
}

std::string MsgCrypt::Encrypt(std::string_view msg) const {
  auto out = EncryptWithRandom(msg, crypto::RandomBytes(kRandomSize));
  return out.ok() ? std::move(*out) : std::string();
}

StatusOr<std::string> MsgCrypt::EncryptWithRandom(std::string_view msg, std::string_view random16) const {
  if (random16.size() != kRandomSize) return Status::InvalidArgument("random prefix must be 16 bytes");
  if (msg.size() > UINT32_MAX) return Status::PayloadTooLarge("message too large to encrypt");
  std::string p;
  p.reserve(kRandomSize + kLengthSize + msg.size() + receive_id_.size() + kBlockSize);
  p.append(random16);
  const auto n = static_cast<uint32_t>(msg.size());
  p.push_back(static_cast<char>((n >> 24) & 0xFF));
  p.push_back(static_cast<char>((n >> 16) & 0xFF));
  p.push_back(static_cast<char>((n >> 8) & 0xFF));
  p.push_back(static_cast<char>(n & 0xFF));
  p.append(msg);
  p.append(receive_id_);
  const size_t pad = kBlockSize - p.size() % kBlockSize;  // 1..32: a full block when aligned
  p.append(pad, static_cast<char>(pad));
  auto cipher = crypto::Aes256CbcEncrypt(key_, std::string_view(key_).substr(0, 16), p, false);
  if (!cipher.ok()) return cipher.status();
  return crypto::Base64Encode(*cipher);
}

}  // namespace gridrelay::wecom
