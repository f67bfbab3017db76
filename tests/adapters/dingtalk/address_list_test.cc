// Tests for adapters/dingtalk/address_list: the source-address allow-list.
#include "adapters/dingtalk/address_list.h"

#include <doctest/doctest.h>

namespace gridrelay::dingtalk {
namespace {

TEST_SUITE("dingtalk address list") {
  TEST_CASE("addresses match their blocks, in both families and in mapped form") {
    auto list = AddressList::Parse({"203.119.128.0/17", "10.0.0.7", "2408:4000::/32", "0.0.0.0/0"});
    REQUIRE(list.ok());
    auto narrow = AddressList::Parse({"203.119.128.0/17", "10.0.0.7", "2408:4000::/32"});
    REQUIRE(narrow.ok());
    struct Case {
      const char* address;
      bool in;
    } cases[] = {
        {"203.119.128.1", true},   {"203.119.255.255", true}, {"203.119.127.255", false},
        {"10.0.0.7", true},        {"10.0.0.8", false},       {"::ffff:10.0.0.7", true},
        {"2408:4000:1::5", true},  {"2408:4001::5", false},   {"::1", false},
        {"", false},               {"not-an-ip", false},      {"10.0.0.7/32", false},
        {"10.0.0.7 ", false},
    };
    for (const Case& c : cases) {
      CAPTURE(c.address);
      CHECK(narrow->Contains(c.address) == c.in);
    }
    CHECK(list->Contains("8.8.8.8"));   // 0.0.0.0/0
    CHECK_FALSE(list->Contains("::2"));  // an IPv4 block never matches IPv6
  }

  TEST_CASE("bad entries are refused, naming the entry") {
    for (const char* entry : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "300.1.1.1", "fe80::/129", "", "a.b.c.d/8"}) {
      CAPTURE(entry);
      auto list = AddressList::Parse({entry});
      REQUIRE_FALSE(list.ok());
      CHECK(list.status().message().find(std::string("'") + entry + "'") != std::string::npos);
    }
    auto empty = AddressList::Parse({});
    REQUIRE(empty.ok());
    CHECK(empty->empty());
  }
}

}  // namespace
}  // namespace gridrelay::dingtalk
