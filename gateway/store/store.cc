#include "gateway/store/store.h"

namespace gridrelay {

Status ChangeStore::Apply(const ChangeSet& change, int64_t now) {
  auto applied = Apply(std::vector<ChangeSet>{change}, now);
  if (!applied.ok()) return applied.status();
  if (!applied->at(0)) return Status::Aborted("a precondition of the change failed; nothing was written");
  return Status::Ok();
}

}  // namespace gridrelay
