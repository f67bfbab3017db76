// URL helpers shared by the platform adapters: recognising the http(s) URLs settings may
// hold (API bases, webhook URLs) and taking apart the ones a platform sends or answers with.
// Pure string functions: no decoding, no normalisation, never throw.
#pragma once

#include <string>
#include <string_view>

namespace gridrelay::url {

// True if `s` starts with "http://" or "https://".
bool IsHttpUrl(std::string_view s);

// "https://host:port/path" -> "host:port"; "" if not an http(s) URL, if the host is empty, or
// if it has userinfo ("user@host" would make the visible host lie).
std::string Host(std::string_view url);

// The path of a URL without query or fragment; "/" when there is none.
std::string Path(std::string_view url);

// The value of `name` in a URL's query, not decoded ("" if absent).
std::string QueryParam(std::string_view url, std::string_view name);

// `s` without trailing '/' (an API base is joined with paths that start with one).
std::string WithoutTrailingSlashes(std::string s);

}  // namespace gridrelay::url
