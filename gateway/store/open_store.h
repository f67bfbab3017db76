// OpenStore: the engine named by a store URL. The scheme picks the engine:
//   sqlite:PATH        (or a bare PATH) the embedded SQLite file
// A PostgreSQL engine will add postgres://. Unknown schemes are kInvalidArgument naming the URL.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "gateway/store/store.h"

namespace gridrelay {

StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& url);

// How a gateway opens its store; tests pass one that wraps the engine (fault injection).
using StoreFactory = std::function<StatusOr<std::unique_ptr<Store>>(const std::string& url)>;

}  // namespace gridrelay
