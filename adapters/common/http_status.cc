#include "adapters/common/http_status.h"

namespace gridrelay {

Status StatusFromHttp(int http_status, std::string detail) {
  if (http_status >= 200 && http_status < 300) return Status::Ok();
  if (http_status == 408 || http_status >= 500) return Status::Unavailable(std::move(detail));
  if (http_status == 429) return Status::ResourceExhausted(std::move(detail));
  if (http_status == 401 || http_status == 403) return Status::PermissionDenied(std::move(detail));
  if (http_status == 404) return Status::NotFound(std::move(detail));
  if (http_status >= 400) return Status::InvalidArgument(std::move(detail));
  return Status::FailedPrecondition(std::move(detail));
}

}  // namespace gridrelay
