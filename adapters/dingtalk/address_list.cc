// AddressList: IPv4/IPv6 CIDR allow-list.
#include "adapters/dingtalk/address_list.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace gridrelay::dingtalk {
namespace {

// Parses an address into 16 bytes (IPv4 in the first 4). Sets *v6.
bool ParseAddress(std::string_view text, std::array<uint8_t, 16>* out, bool* v6) {
  if (text.empty() || text.size() > 45) return false;
  const std::string s(text);
  out->fill(0);
  if (inet_pton(AF_INET, s.c_str(), out->data()) == 1) {
    *v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out->data()) == 1) {
    // ::ffff:a.b.c.d is an IPv4 peer on a dual-stack socket.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out->data(), kMapped, sizeof(kMapped)) == 0) {
      std::memmove(out->data(), out->data() + 12, 4);
      std::memset(out->data() + 4, 0, 12);
      *v6 = false;
    } else {
      *v6 = true;
    }
    return true;
  }
  return false;
}

bool PrefixMatches(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a.data(), b.data(), full) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

StatusOr<AddressList> AddressList::Parse(const std::vector<std::string>& entries) {
  AddressList list;
  for (const std::string& entry : entries) {
    std::string_view e(entry);
    size_t slash = e.find('/');
    Block block;
    if (!ParseAddress(e.substr(0, slash), &block.bytes, &block.v6)) {
      return Status::InvalidArgument("'" + entry + "' is not an IP address or CIDR block");
    }
    const int max = block.v6 ? 128 : 32;
    block.prefix = max;
    if (slash != std::string_view::npos) {
      std::string_view bits = e.substr(slash + 1);
      auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), block.prefix);
      if (ec != std::errc() || p != bits.data() + bits.size() || bits.empty() || block.prefix < 0 || block.prefix > max) {
        return Status::InvalidArgument("'" + entry + "' has a bad prefix length");
      }
    }
    list.blocks_.push_back(block);
  }
  return list;
}

bool AddressList::Contains(std::string_view address) const {
  std::array<uint8_t, 16> bytes;
  bool v6 = false;
  if (!ParseAddress(address, &bytes, &v6)) return false;
  for (const Block& b : blocks_) {
    if (b.v6 == v6 && PrefixMatches(b.bytes, bytes, b.prefix)) return true;
  }
  return false;
}

}  // namespace gridrelay::dingtalk
