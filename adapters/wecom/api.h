// WeCom server API plumbing for outbound sends: calling an endpoint through the injected
// HttpClient, mapping WeCom's errcodes to retryable or permanent Status codes, and the
// access_token cache the application message API needs (protocols.md §B, §C).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/clock.h"
#include "gateway/core/http_client.h"
#include "gateway/core/status.h"

namespace gridrelay::wecom {

// WeCom errcodes with a meaning for retries (global error code table, protocols.md §C [W10]).
namespace errcode {
inline constexpr int64_t kSystemBusy = -1;
inline constexpr int64_t kInvalidSecret = 40001;
inline constexpr int64_t kInvalidAccessToken = 40014;
inline constexpr int64_t kMissingAccessToken = 41001;
inline constexpr int64_t kAccessTokenExpired = 42001;
inline constexpr int64_t kApiFreqOutOfLimit = 45009;
inline constexpr int64_t kNoValidRecipient = 81013;
inline constexpr int64_t kInvalidWebhookKey = 93000;
}  // namespace errcode

// A WeCom API answer that arrived and parsed; errcode may still be non-zero.
struct ApiReply {
  int64_t errcode = 0;
  std::string errmsg;
  nlohmann::json body;
};

// Performs `request`. Transport failures keep their code (kUnavailable, kDeadlineExceeded);
// a non-2xx answer is StatusFromHttp's (adapters/common/http_status.h); a 2xx whose body is
// not a JSON object is kUnavailable.
// `what` names the call in error messages ("webhook/send").
StatusOr<ApiReply> CallApi(HttpClient& http, const HttpRequest& request, std::string_view what);

// OK for errcode 0; otherwise the Status the dispatcher should act on, carrying WeCom's
// errcode and errmsg: transient for -1 and the rate limits, permanent for bad keys and
// secrets, unknown recipients and malformed messages. Unknown errcodes are permanent
// (kFailedPrecondition): retrying a request WeCom refused for a reason we cannot name only
// repeats the refusal.
Status ErrcodeStatus(const ApiReply& reply, std::string_view what);

// True for the errcodes that mean "fetch a new access_token and try again".
bool IsTokenRejected(int64_t code);

// The access_token of one self-built app, fetched from cgi-bin/gettoken and cached until
// shortly before it expires. Thread-safe; a refresh holds the lock, so concurrent senders wait
// for one gettoken call instead of each making their own (gettoken is itself rate-limited).
class AccessTokenCache {
 public:
  // Refresh this long before the announced expiry (or at 90% of a shorter lifetime).
  static constexpr int64_t kRefreshMarginSeconds = 300;

  AccessTokenCache(std::string api_base, std::string corp_id, std::string corp_secret, int timeout_ms)
      : api_base_(std::move(api_base)), corp_id_(std::move(corp_id)),
        corp_secret_(std::move(corp_secret)), timeout_ms_(timeout_ms) {}

  // The cached token, or a new one when none is cached or it is about to expire.
  StatusOr<std::string> Get(HttpClient& http, const Clock& clock);
  // Forgets `token` if it is still the cached one, so that the next Get fetches a new one.
  // A token another thread has already replaced is left alone.
  void Invalidate(const std::string& token);

 private:
  const std::string api_base_;
  const std::string corp_id_;
  const std::string corp_secret_;
  const int timeout_ms_;

  std::mutex mu_;
  std::string token_;             // GUARDED_BY(mu_)
  int64_t refresh_at_micros_ = 0; // GUARDED_BY(mu_)
};

}  // namespace gridrelay::wecom
