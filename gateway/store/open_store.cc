#include "gateway/store/open_store.h"

#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& url) {
  std::string path = url;
  if (url.rfind("sqlite:", 0) == 0) {
    path = url.substr(7);
  } else if (url.find("://") != std::string::npos) {
    return Status::InvalidArgument("store URL '" + url + "': unknown scheme (this build has sqlite:PATH)");
  }
  if (path.empty()) return Status::InvalidArgument("store URL '" + url + "' names no file");
  auto store = SqliteStore::Open(path);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace gridrelay
