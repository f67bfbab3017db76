// WeCom API calls, errcode mapping and the access_token cache; see api.h.
#include "adapters/wecom/api.h"

#include <algorithm>

#include "adapters/common/http_status.h"
#include "util/crypto.h"

namespace gridrelay::wecom {

StatusOr<ApiReply> CallApi(HttpClient& http, const HttpRequest& request, std::string_view what) {
  auto response = http.Do(request);
  if (!response.ok()) {
    return Status(response.status().code(), std::string(what) + ": " + response.status().message());
  }
  const int code = response->status;
  const std::string prefix = std::string(what) + ": HTTP " + std::to_string(code);
  GR_RETURN_IF_ERROR(StatusFromHttp(code, prefix));
  nlohmann::json body = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::Unavailable(prefix + " with a body that is not a JSON object");
  }
  ApiReply reply;
  const auto ec = body.find("errcode");
  if (ec != body.end() && ec->is_number_integer()) reply.errcode = ec->get<int64_t>();
  const auto em = body.find("errmsg");
  if (em != body.end() && em->is_string()) reply.errmsg = em->get<std::string>();
  reply.body = std::move(body);
  return reply;
}

Status ErrcodeStatus(const ApiReply& reply, std::string_view what) {
  if (reply.errcode == 0) return Status::Ok();
  std::string m = std::string(what) + ": WeCom errcode " + std::to_string(reply.errcode) + ": " + reply.errmsg;
  switch (reply.errcode) {
    case errcode::kSystemBusy:
      return Status::Unavailable(std::move(m));
    case errcode::kApiFreqOutOfLimit:
    case 45011:  // API calls too frequent
    case 45033:  // too many concurrent calls
      return Status::ResourceExhausted(std::move(m));
    case errcode::kInvalidAccessToken:
    case errcode::kMissingAccessToken:
    case errcode::kAccessTokenExpired:
      // Only reached when a freshly fetched token was refused too: WeCom is inconsistent
      // for a moment, which heals.
      return Status::Unavailable(std::move(m));
    case errcode::kInvalidSecret:
    case 40013:  // invalid corpid
    case 40056:  // invalid agentid
    case 48002:  // API forbidden for this app
    case 60020:  // caller IP not in the app's trusted list
    case errcode::kInvalidWebhookKey:
      return Status::PermissionDenied(std::move(m));
    case 40003:  // invalid userid
    case 60111:  // userid not found
    case errcode::kNoValidRecipient:
      return Status::NotFound(std::move(m));
    case 40008:  // invalid message type
    case 40058:  // invalid parameter
    case 44004:  // empty content
    case 45002:  // content too long
    case 47001:  // malformed data
      return Status::InvalidArgument(std::move(m));
    default:
      return Status::FailedPrecondition(std::move(m));
  }
}

bool IsTokenRejected(int64_t code) {
  return code == errcode::kInvalidAccessToken || code == errcode::kAccessTokenExpired ||
         code == errcode::kMissingAccessToken;
}

StatusOr<std::string> AccessTokenCache::Get(HttpClient& http, const Clock& clock) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock.NowMicros();
  if (!token_.empty() && now < refresh_at_micros_) return token_;
  HttpRequest request;
  request.method = "GET";
  request.url = api_base_ + "/cgi-bin/gettoken?corpid=" + crypto::UrlEncode(corp_id_) +
                "&corpsecret=" + crypto::UrlEncode(corp_secret_);
  request.timeout_ms = timeout_ms_;
  auto reply = CallApi(http, request, "gettoken");
  if (!reply.ok()) return reply.status();
  GR_RETURN_IF_ERROR(ErrcodeStatus(*reply, "gettoken"));
  const auto& body = reply->body;
  const auto tok = body.find("access_token");
  if (tok == body.end() || !tok->is_string() || tok->get<std::string>().empty()) {
    return Status::Unavailable("gettoken: answer has no access_token");
  }
  int64_t expires_in = 7200;
  const auto exp = body.find("expires_in");
  if (exp != body.end() && exp->is_number_integer()) expires_in = exp->get<int64_t>();
  expires_in = std::clamp<int64_t>(expires_in, 1, 7 * 24 * 3600);
  const int64_t margin = std::min(kRefreshMarginSeconds, expires_in / 10);
  token_ = tok->get<std::string>();
  refresh_at_micros_ = now + (expires_in - margin) * 1000000;
  return token_;
}

void AccessTokenCache::Invalidate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_ == token) {
    token_.clear();
    refresh_at_micros_ = 0;
  }
}

}  // namespace gridrelay::wecom
