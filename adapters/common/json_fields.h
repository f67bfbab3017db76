// Reading members of platform JSON (callback bodies, API answers) without throwing and
// without copying: nlohmann's value()/at() throw on a wrong type, and copying, comparing or
// dumping a subtree recurses, which a hostile event nesting thousands deep turns into a
// stack overflow. So members are handed out by reference, and missing or mistyped members
// read as null / "" / 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gridrelay::jsonf {

// `object[key]` by reference, or a null value when `object` is not an object or lacks `key`.
const nlohmann::json& Field(const nlohmann::json& object, const char* key);

// `object[key]` if it is a string, else "".
std::string StringField(const nlohmann::json& object, const char* key);

// `object[key]` if it is an integer, else 0.
int64_t IntField(const nlohmann::json& object, const char* key);

// Compact JSON text; invalid UTF-8 in strings is replaced rather than thrown on.
std::string Dump(const nlohmann::json& j);

// Parses all of `s` as a decimal int64 (optional '-'); false on anything else, "" included.
bool ParseInt(std::string_view s, int64_t* out);

}  // namespace gridrelay::jsonf
