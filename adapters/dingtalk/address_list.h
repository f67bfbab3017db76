// AddressList: an allow-list of IPv4/IPv6 addresses and CIDR blocks, for callbacks whose
// signature does not cover the body (DingTalk's covers only the timestamp), so that a
// channel can also insist on the platform's egress addresses.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace gridrelay::dingtalk {

class AddressList {
 public:
  // Entries like "203.119.0.0/16", "10.1.2.3", "2408:4000::/32". An IPv4 entry also matches
  // the IPv4-mapped IPv6 form (::ffff:a.b.c.d) that dual-stack servers report.
  // kInvalidArgument naming the first bad entry.
  static StatusOr<AddressList> Parse(const std::vector<std::string>& entries);

  // False for anything that is not an address.
  bool Contains(std::string_view address) const;
  bool empty() const { return blocks_.empty(); }

 private:
  struct Block {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;  // bits
  };
  std::vector<Block> blocks_;
};

}  // namespace gridrelay::dingtalk
