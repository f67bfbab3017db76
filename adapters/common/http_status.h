// The one reading of a platform's HTTP status as a Status, for every adapter that calls a
// platform API or posts to a configured URL. The code says whether the dispatcher retries
// (Status::IsTransient): a server that is overloaded, timed out or rate-limiting us may
// answer differently later; a request it refused as wrong, unauthorised or aimed at nothing
// will be refused again.
#pragma once

#include <string>

#include "gateway/core/status.h"

namespace gridrelay {

// OK for 2xx. Otherwise an error carrying `detail`:
//   408, 5xx            kUnavailable (408 is the server giving up on a slow request: retry)
//   429                 kResourceExhausted
//   401, 403            kPermissionDenied (a token or secret to fix)
//   404                 kNotFound (a wrong api_base, path or webhook token)
//   other 4xx           kInvalidArgument (the request itself is wrong)
//   anything else       kFailedPrecondition (1xx, 3xx: redirects are not followed; a URL to fix)
// An answer whose body carries the platform's own error code is read by the adapter; this
// covers what the HTTP status alone says.
Status StatusFromHttp(int http_status, std::string detail);

}  // namespace gridrelay
