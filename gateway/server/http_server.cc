#include "gateway/server/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "util/crypto.h"

namespace gridrelay {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

Reply JsonReply(int status, const nlohmann::json& body) {
  return {status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Reply ErrorReply(const Status& s) { return {HttpStatusFor(s), "application/json", JsonErrorBody(s)}; }

// An error the HTTP layer itself answers, with a code no Status has (414, 431).
Reply ProtocolError(int status, const char* code, const std::string& message) {
  return JsonReply(status, {{"error", {{"code", code}, {"message", message}}}});
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding (and '+' as a space in queries), as cpp-httplib did before: a malformed
// escape is kept as it is.
std::string Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

// The first value of each name wins, as it did with cpp-httplib's parameters.
std::map<std::string, std::string> ParseQuery(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    const size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key = Decode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? std::string() : Decode(pair.substr(eq + 1), true);
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// "/webhook/<type>/<channel>" with type [a-z0-9]+ and channel [a-z0-9][a-z0-9_-]{0,63}.
bool ParseWebhookPath(std::string_view path, std::string* type, std::string* channel) {
  constexpr std::string_view kPrefix = "/webhook/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = path.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::string_view t = rest.substr(0, slash), c = rest.substr(slash + 1);
  if (!std::all_of(t.begin(), t.end(), IsLowerAlnum)) return false;
  if (c.empty() || c.size() > 64 || !IsLowerAlnum(c[0])) return false;
  if (!std::all_of(c.begin(), c.end(), [](char ch) { return IsLowerAlnum(ch) || ch == '_' || ch == '-'; }))
    return false;
  *type = std::string(t);
  *channel = std::string(c);
  return true;
}

// The store's counts as gauges; the states listed are always rendered, at 0 when empty, so
// that a dashboard never sees a series disappear.
std::vector<Gauge> StoreGauges(const StoreCounts& counts) {
  auto with = [](std::map<std::string, int64_t> m, std::initializer_list<const char*> always) {
    for (const char* k : always) m.emplace(k, 0);
    return m;
  };
  return {
      {"gridrelay_tickets", "Tickets by status.", "status", with(counts.tickets_by_status, {"dispatched"})},
      {"gridrelay_outbox", "Outbox rows by status.", "status",
       with(counts.outbox_by_status, {"pending", "sent", "dead"})},
      {"gridrelay_messages", "Inbox messages by state (received = backlog not yet routed).", "state",
       with(counts.messages_by_state, {"received", "processed", "ignored", "triage"})},
  };
}

// One request as the routes see it.
struct Incoming {
  std::string method;
  std::string path;  // decoded
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased; the first of a repeated name
  std::string body;
  std::string remote_addr;
  bool metrics_listener = false;  // accepted on metrics_listen: serves /metrics only
};

}  // namespace

struct HttpServer::Impl {
  Impl(const ServerOptions& o, const ServerHandlers& h)
      : options(o), handlers(h), pool(static_cast<size_t>(o.threads)) {}

  Reply Route(const Incoming& in) const;
  Reply ServeMetrics(const Incoming& in) const;
  bool Admit(const std::string& addr);
  void Release(const std::string& addr);
  void Accept(tcp::acceptor* acceptor, bool metrics_listener);

  const ServerOptions options;
  const ServerHandlers handlers;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};  // requests dispatched and not yet answered
  std::mutex mu;
  std::map<std::string, int> per_source;  // guarded by mu
  int connections = 0;                    // guarded by mu
  asio::thread_pool pool;                 // handlers: they block on their commit
  std::optional<asio::ssl::context> tls;  // set when the main listener speaks HTTPS
  // Declared last, destroyed first: the sessions its pending handlers own release their slots
  // into the members above.
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<tcp::acceptor> metrics_acceptor;
  std::vector<std::thread> io_threads;
};

namespace {

// One connection. `Stream` is beast::tcp_stream for HTTP, or an SSL stream over one for HTTPS,
// where the handshake comes first and must finish within read_timeout_seconds like a request's
// first byte; every limit and deadline below applies to both alike.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket socket, HttpServer::Impl* impl, std::string addr, bool metrics_listener)
    requires(!kTls)
      : stream_(std::move(socket)), impl_(impl), addr_(std::move(addr)), metrics_listener_(metrics_listener) {}
  Session(tcp::socket socket, asio::ssl::context& tls, HttpServer::Impl* impl, std::string addr)
    requires kTls
      : stream_(std::move(socket), tls), impl_(impl), addr_(std::move(addr)), metrics_listener_(false) {}
  ~Session() { impl_->Release(addr_); }

  void Start() {
    if constexpr (kTls) {
      Lowest().expires_after(std::chrono::seconds(impl_->options.read_timeout_seconds));
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->Close();  // not TLS, or a client that does not trust us: nothing to answer
        self->WaitForRequest(self->impl_->options.read_timeout_seconds);
      });
    } else {
      WaitForRequest(impl_->options.read_timeout_seconds);
    }
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // Waits up to `seconds` for the first byte of the next request.
  void WaitForRequest(int seconds) {
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    Lowest().expires_after(std::chrono::seconds(seconds));
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
      self->buffer_.commit(n);
      if (ec) return self->Close();
      self->ReadHeader();
    });
  }

  // From the first byte on, the whole request must arrive within request_timeout_seconds.
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(impl_->options.max_header_bytes));
    parser_->body_limit(static_cast<uint64_t>(impl_->options.max_body_bytes));
    Lowest().expires_after(std::chrono::seconds(impl_->options.request_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->OnHeader(ec);
    });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Fail(ec);
    const auto& req = parser_->get();
    if (req.target().size() > HttpServer::kMaxTargetBytes) {
      return Refuse(ProtocolError(414, "uri_too_long",
                                  "the request target is longer than " + std::to_string(HttpServer::kMaxTargetBytes) +
                                      " bytes"));
    }
    const auto fields = static_cast<size_t>(std::distance(req.begin(), req.end()));
    if (fields > static_cast<size_t>(impl_->options.max_headers)) {
      return Refuse(ProtocolError(431, "header_fields_too_large",
                                  "more than server.max_headers (" + std::to_string(impl_->options.max_headers) +
                                      ") header fields"));
    }
    // Bodies are handed on as the bytes that were signed: an encoded one (gzip, whose inflated
    // size nothing bounds) is refused rather than inflated.
    if (const auto enc = req[http::field::content_encoding]; !enc.empty() && !beast::iequals(enc, "identity")) {
      return Refuse(ProtocolError(415, "unsupported_media_type", "Content-Encoding is not supported"));
    }
    if (parser_->is_done()) return OnRequest({});
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      http::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code wec, size_t) {
        if (wec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->OnRequest(ec);
    });
  }

  void OnRequest(beast::error_code ec) {
    if (ec) return Fail(ec);
    http::request<http::string_body> req = parser_->release();
    parser_.reset();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    Incoming in;
    in.method = std::string(req.method_string());
    const std::string_view target(req.target().data(), req.target().size());
    const size_t q = target.find('?');
    in.path = Decode(target.substr(0, q), false);
    if (q != std::string_view::npos) in.query = ParseQuery(target.substr(q + 1));
    for (const auto& f : req) in.headers.emplace(Lower(std::string_view(f.name_string().data(), f.name_string().size())),
                                                 std::string(f.value()));
    in.body = std::move(req.body());
    in.remote_addr = addr_;
    in.metrics_listener = metrics_listener_;
    // Counted before the check, so that Stop() either waits for this request or this request
    // sees it stopping (and closes: nothing was acknowledged, the platform retries).
    ++impl_->in_flight;
    if (impl_->stopping) {
      --impl_->in_flight;
      return Close();
    }
    asio::post(impl_->pool, [self = this->shared_from_this(), in = std::move(in)]() mutable {
      Reply reply = self->impl_->Route(in);
      asio::post(self->stream_.get_executor(),
                 [self, reply = std::move(reply)]() mutable { self->Write(std::move(reply), true); });
    });
  }

  void Fail(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Refuse(ErrorReply(Status::PayloadTooLarge("the body is larger than server.max_body_bytes")));
    }
    if (ec == http::error::header_limit) {
      return Refuse(ProtocolError(431, "header_fields_too_large",
                                  "the request line and headers are larger than server.max_header_bytes"));
    }
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == asio::error::eof || ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return Close();
    }
    Refuse(ErrorReply(Status::InvalidArgument("bad request: " + ec.message())));
  }

  // Answers and closes: what is left of the request is not read.
  void Refuse(Reply reply) {
    keep_alive_ = false;
    ++impl_->in_flight;
    Write(std::move(reply), false);
  }

  void Write(Reply reply, bool may_keep_alive) {
    ++served_;
    const bool keep = may_keep_alive && keep_alive_ && !impl_->stopping &&
                      served_ < static_cast<int64_t>(impl_->options.keep_alive_max_count);
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(reply.status));
    res->set(http::field::content_type, reply.content_type);
    res->keep_alive(keep);
    const size_t length = reply.body.size();
    if (!head_) res->body() = std::move(reply.body);
    res->content_length(length);
    head_ = false;
    Lowest().expires_after(std::chrono::seconds(impl_->options.request_timeout_seconds));
    http::async_write(stream_, *res, [self = this->shared_from_this(), res, keep](beast::error_code ec, size_t) {
      --self->impl_->in_flight;
      if (ec) return self->Close();
      if (!keep) return self->Linger();
      self->WaitForRequest(self->impl_->options.keep_alive_seconds);
    });
  }

  // After a final answer: stop sending, then read and drop what the client still sends for a
  // moment (at most 1 MiB, through one small buffer), so that closing does not reset the answer
  // away before the client has read it.
  void Linger() {
    Lowest().expires_after(std::chrono::seconds(1));
    if constexpr (kTls) {
      // close_notify, then the peer's; bounded by the second above.
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      beast::error_code ec;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return Close();
      Drain();
    }
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(drain_), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > (size_t{1} << 20)) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    Lowest().socket().close(ec);
  }

  Stream stream_;
  HttpServer::Impl* impl_;
  const std::string addr_;
  const bool metrics_listener_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool head_ = false;
  int64_t served_ = 0;
  size_t drained_ = 0;
  char drain_[4096];
};

}  // namespace

bool HttpServer::Impl::Admit(const std::string& addr) {
  std::lock_guard lock(mu);
  int& n = per_source[addr];
  if (n >= options.max_connections_per_source || connections >= options.max_connections) {
    if (n == 0) per_source.erase(addr);
    return false;
  }
  ++n;
  ++connections;
  return true;
}

void HttpServer::Impl::Release(const std::string& addr) {
  std::lock_guard lock(mu);
  auto it = per_source.find(addr);
  if (it != per_source.end() && --it->second <= 0) per_source.erase(it);
  --connections;
}

void HttpServer::Impl::Accept(tcp::acceptor* a, bool metrics_listener) {
  a->async_accept(asio::make_strand(ioc), [this, a, metrics_listener](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !a->is_open()) return;
    if (ec) {
      // Out of descriptors, say: try again shortly rather than spin.
      auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(20));
      timer->async_wait([this, a, metrics_listener, timer](beast::error_code) { Accept(a, metrics_listener); });
      return;
    }
    beast::error_code ep_ec;
    const auto endpoint = socket.remote_endpoint(ep_ec);
    if (!ep_ec) {
      std::string addr = endpoint.address().to_string();
      if (!Admit(addr)) {
        socket.close(ep_ec);  // over the per-source or total cap
      } else if (tls && !metrics_listener) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), *tls, this, std::move(addr))
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(std::move(socket), this, std::move(addr), metrics_listener)
            ->Start();
      }
    }
    Accept(a, metrics_listener);
  });
}

Reply HttpServer::Impl::ServeMetrics(const Incoming& in) const {
  if (!options.metrics_token.empty()) {
    auto auth = in.headers.find("authorization");
    const std::string given = auth == in.headers.end() ? std::string() : auth->second;
    if (!crypto::ConstantTimeEquals(given, "Bearer " + options.metrics_token))
      return ErrorReply(Status::Unauthenticated("/metrics needs Authorization: Bearer <server.metrics_token>"));
  }
  auto counts = handlers.health->Counts();
  if (!counts.ok()) return ErrorReply(Status::Unavailable(counts.status().message()));
  return {200, "text/plain; version=0.0.4", handlers.metrics->Render(StoreGauges(*counts))};
}

Reply HttpServer::Impl::Route(const Incoming& in) const {
  try {
    const bool get = in.method == "GET" || in.method == "HEAD";
    const bool metrics_here = in.metrics_listener || options.metrics_listen.empty();
    if (in.path == "/metrics" && get && metrics_here) return ServeMetrics(in);
    if (in.metrics_listener) return ErrorReply(Status::NotFound("no such route"));

    std::string type, channel;
    if ((in.method == "POST" || get) && ParseWebhookPath(in.path, &type, &channel)) {
      WebhookRequest w;
      w.method = in.method == "HEAD" ? "GET" : in.method;
      w.query = in.query;
      w.headers = in.headers;
      w.body = in.body;
      w.remote_addr = in.remote_addr;
      WebhookReply r = handlers.webhooks->Handle(type, channel, w);
      return {r.status, r.content_type, std::move(r.body)};
    }
    if (get && in.path == "/healthz") return JsonReply(200, {{"status", "ok"}});
    if (get && in.path == "/readyz") {
      Status ping = handlers.health->Ping();
      if (!ping.ok()) return JsonReply(503, {{"status", "not ready"}, {"error", ping.ToString()}});
      nlohmann::json body = handlers.readiness_detail ? handlers.readiness_detail() : nlohmann::json::object();
      body["status"] = "ready";
      return JsonReply(200, body);
    }
    static const char* const kApiMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    if (in.path.rfind("/api/", 0) == 0 &&
        std::any_of(std::begin(kApiMethods), std::end(kApiMethods), [&](const char* m) { return in.method == m; })) {
      // Every method reaches the API, which answers 401 before anything else.
      ApiRequest a;
      a.method = in.method;
      a.path = in.path;
      a.query = in.query;
      auto auth = in.headers.find("authorization");
      if (auth != in.headers.end()) a.authorization = auth->second;
      a.body = in.body;
      ApiResponse out = handlers.api->Handle(a);
      return JsonReply(out.status, out.body);
    }
    return ErrorReply(Status::NotFound("no such route"));
  } catch (const std::exception& e) {
    if (handlers.log) handlers.log("error", "handler threw", {{"path", in.path}, {"error", e.what()}});
  } catch (...) {
    if (handlers.log) handlers.log("error", "handler threw", {{"path", in.path}, {"error", "unknown"}});
  }
  return ErrorReply(Status::Internal("internal error"));
}

HttpServer::HttpServer(ServerOptions options, ServerHandlers handlers)
    : options_(std::move(options)), handlers_(std::move(handlers)) {}

HttpServer::~HttpServer() { Stop(); }

namespace {

StatusOr<int> Listen(asio::io_context& ioc, std::optional<tcp::acceptor>& acceptor, const std::string& host, int port,
                     int backlog) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return Status::InvalidArgument("cannot listen on '" + host + "': not an IP address");
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
  acceptor.emplace(ioc);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(backlog, ec);
  if (ec) return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  return static_cast<int>(acceptor->local_endpoint().port());
}

// A server context for the PEM chain and key: TLS 1.2 and later only.
StatusOr<asio::ssl::context> MakeTlsContext(const ServerOptions& o) {
  asio::ssl::context tls(asio::ssl::context::tls_server);
  beast::error_code ec;
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                      asio::ssl::context::single_dh_use,
                  ec);
  if (!ec) tls.use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) return Status::InvalidArgument("server.tls_cert_file " + o.tls_cert_file + ": " + ec.message());
  tls.use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("server.tls_key_file " + o.tls_key_file + ": " + ec.message());
  return tls;
}

}  // namespace

Status HttpServer::Start() {
  impl_ = std::make_unique<Impl>(options_, handlers_);
  if (!options_.tls_cert_file.empty()) {
    auto tls = MakeTlsContext(options_);
    if (!tls.ok()) return tls.status();
    impl_->tls.emplace(std::move(*tls));
  }
  auto main = Listen(impl_->ioc, impl_->acceptor, options_.host, options_.port, options_.listen_backlog);
  if (!main.ok()) return main.status();
  port_ = *main;
  metrics_port_ = port_;
  if (!options_.metrics_listen.empty()) {
    auto metrics = Listen(impl_->ioc, impl_->metrics_acceptor, options_.metrics_host, options_.metrics_port,
                          options_.listen_backlog);
    if (!metrics.ok()) return metrics.status();
    metrics_port_ = *metrics;
  }
  impl_->Accept(&*impl_->acceptor, false);
  if (impl_->metrics_acceptor) impl_->Accept(&*impl_->metrics_acceptor, true);
  for (int i = 0; i < options_.io_threads; ++i) impl_->io_threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_) return;
  Impl& impl = *impl_;
  impl.stopping = true;
  // Stop accepting (on the io threads: an acceptor is not thread-safe).
  asio::post(impl.ioc, [&impl] {
    beast::error_code ec;
    if (impl.acceptor) impl.acceptor->close(ec);
    if (impl.metrics_acceptor) impl.metrics_acceptor->close(ec);
  });
  // Requests in flight finish (they wait on their commit) and are answered; bounded by the
  // request deadline, which bounds each write.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(2 * options_.request_timeout_seconds + 1);
  while (impl.in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl.pool.join();
  impl.ioc.stop();
  for (auto& t : impl.io_threads) t.join();
  impl_.reset();  // the io_context goes first, and with it every connection
}

}  // namespace gridrelay
