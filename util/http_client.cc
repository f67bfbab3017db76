#include "util/http_client.h"

#include <algorithm>
#include <cctype>

#include <httplib.h>

namespace gridrelay {

Status SplitUrl(const std::string& url, std::string* origin, std::string* path) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Status::InvalidArgument("URL without a scheme: " + url);
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return Status::InvalidArgument("URL scheme must be http or https: " + url);
  auto path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) {
    *origin = url;
    *path = "/";
  } else {
    *origin = url.substr(0, path_start);
    *path = url.substr(path_start);
  }
  if (origin->size() <= scheme_end + 3) return Status::InvalidArgument("URL without a host: " + url);
  return Status::Ok();
}

StatusOr<HttpResponse> HttplibClient::Do(const HttpRequest& request) {
  std::string origin, path;
  GR_RETURN_IF_ERROR(SplitUrl(request.url, &origin, &path));
  httplib::Client client(origin);
  if (!client.is_valid()) return Status::InvalidArgument("cannot make a client for " + origin);
  const time_t sec = request.timeout_ms / 1000;
  const time_t usec = (request.timeout_ms % 1000) * 1000;
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  client.set_tcp_nodelay(true);
  client.set_keep_alive(false);
  // HTTPS: always verify, against the system's store unless the channel names its own bundle.
  client.enable_server_certificate_verification(true);
  if (!request.ca_file.empty()) client.set_ca_cert_path(request.ca_file.c_str());
  httplib::Headers headers;
  for (const auto& [k, v] : request.headers) headers.emplace(k, v);
  httplib::Result result = request.method == "GET"
                               ? client.Get(path.c_str(), headers)
                               : client.Post(path.c_str(), headers, request.body, request.content_type.c_str());
  if (!result) {
    httplib::Error err = result.error();
    std::string what = request.method + " " + origin + ": " + httplib::to_string(err);
    if (err == httplib::Error::ConnectionTimeout) return Status::DeadlineExceeded(what);
    if (err == httplib::Error::SSLServerVerification || err == httplib::Error::SSLLoadingCerts)
      return Status::FailedPrecondition(what);
    return Status::Unavailable(what);
  }
  HttpResponse out;
  out.status = result->status;
  out.body = result->body;
  for (const auto& [k, v] : result->headers) {
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[key] = v;
  }
  return out;
}

}  // namespace gridrelay
