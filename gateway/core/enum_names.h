// One table per enum of (value, name), and the two lookups every enum gets from it: Name, for
// storage, JSON and logs, and Parse, for reading them back. States and kinds are enum class
// values everywhere in the code; their names appear only in these tables.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace gridrelay {

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

// The name of `v` in `table` ("" when the table misses it, which a test of each table rules out).
template <typename E, size_t N>
constexpr std::string_view NameIn(const EnumName<E> (&table)[N], E v) {
  for (const auto& e : table)
    if (e.value == v) return e.name;
  return {};
}

// The value named `name` in `table`, or nullopt.
template <typename E, size_t N>
constexpr std::optional<E> ParseIn(const EnumName<E> (&table)[N], std::string_view name) {
  for (const auto& e : table)
    if (e.name == name) return e.value;
  return std::nullopt;
}

}  // namespace gridrelay
