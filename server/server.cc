#include "server/server.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "db/db.h"
#include "device_profiles/profile.h"
#include "report/table.h"
#include "server/assets.h"
#include "server/upload.h"

namespace mbench::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Database connections for the request threads: opened on demand, at most one per thread.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::string location) : location_(std::move(location)) {}

  // A connection, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<db::Database> db)
        : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (db_) pool_->Return(std::move(db_));
    }
    db::Database* operator->() { return db_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<db::Database> db_;
  };

  StatusOr<Lease> Get() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        auto db = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(db));
      }
    }
    MBENCH_ASSIGN_OR_RETURN(auto db, db::Database::Open(location_));
    return Lease(this, std::move(db));
  }

 private:
  void Return(std::unique_ptr<db::Database> db) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(db));
  }

  std::string location_;
  std::mutex mu_;
  std::vector<std::unique_ptr<db::Database>> idle_;
};

// Token buckets keyed by a token name or a client address.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  // Whether one more request from `key` may pass now (taking a token when `take`); else the
  // seconds until one may.
  bool Allow(const std::string& key, double* retry_after, bool take = true) {
    if (rate_ <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!fresh) {
      const double dt = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(burst_, b.tokens + dt * rate_);
      b.last = now;
    }
    if (b.tokens >= 1) {
      if (take) b.tokens -= 1;
      return true;
    }
    *retry_after = (1 - b.tokens) / rate_;
    return false;
  }
  // Takes a token from `key` (a failure), whether or not one is left.
  void Take(const std::string& key) {
    if (rate_ <= 0) return;
    double unused = 0;
    if (!Allow(key, &unused)) {
      std::lock_guard<std::mutex> lock(mu_);
      buckets_[key].tokens = std::max(-burst_, buckets_[key].tokens - 1);
    }
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  double rate_, burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

void SendJson(httplib::Response& res, int status, const ordered_json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
                  "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& reason) {
  SendJson(res, status, ordered_json{{"error", reason}});
}

int HttpStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorruption: return 400;
    case StatusCode::kNotFound: return 404;
    default: return 500;
  }
}

// Strict integer parsing for query parameters.
bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 12) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

class Server::Impl {
 public:
  explicit Impl(const ServerOptions& o)
      : options_(o),
        pool_(o.db),
        uploads_(o.uploads_per_second, std::max(1.0, 2 * o.uploads_per_second)),
        failed_logins_(2.0, 20.0) {}  // guesses are slowed even when uploads are not

  Status Start() {
    {  // Open (and create or migrate) once up front: a bad location fails here, not per request.
      MBENCH_ASSIGN_OR_RETURN(auto lease, pool_.Get());
      engine_ = lease->engine();
      location_ = lease->location();
    }
    const int threads = std::max(1, options_.threads);
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_payload_max_length(options_.max_body_bytes);
    http_.set_read_timeout(options_.read_timeout_secs, 0);
    http_.set_write_timeout(options_.read_timeout_secs, 0);
    http_.set_keep_alive_timeout(2);
    http_.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                               {"Referrer-Policy", "no-referrer"},
                               {"X-Frame-Options", "DENY"}});
    Routes();
    if (options_.port == 0) {
      port_ = http_.bind_to_any_port(options_.host);
    } else {
      port_ = http_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
    }
    if (port_ < 0) {
      return Status::IOError("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + " (in use, or not this machine's)");
    }
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    return Status::Ok();
  }

  void Stop() {
    std::call_once(stopped_, [this] {
      http_.stop();
      if (thread_.joinable()) thread_.join();
    });
  }

  int port() const { return port_; }

 private:
  void Routes() {
    http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      if (options_.log_requests || res.status >= 500) {
        std::fprintf(stderr, "mbench serve: %s %s %s -> %d\n", req.remote_addr.c_str(),
                     req.method.c_str(), req.path.c_str(), res.status);
      }
    });
    // httplib answers 413 (body over the limit), 400 (malformed request) and 404 itself; give
    // every such answer a JSON reason.
    http_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      const char* why = res.status == 413   ? "the request body is larger than the server accepts"
                        : res.status == 404 ? "no such page"
                        : res.status == 400 ? "malformed request"
                                            : "request refused";
      SendError(res, res.status, why);
    });
    http_.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                   std::exception_ptr) { SendError(res, 500, "internal error"); });
    for (const Asset& a : Assets()) {
      http_.Get(a.path, [&a](const httplib::Request&, httplib::Response& res) {
        res.set_header("Content-Security-Policy",
                       "default-src 'none'; script-src 'self'; style-src 'self'; "
                       "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
                       "form-action 'none'; frame-ancestors 'none'");
        res.set_content(a.content.data(), a.content.size(), a.content_type);
      });
    }
    http_.Get("/api/v1", [this](const httplib::Request& req, httplib::Response& res) {
      if (!req.params.empty()) return SendError(res, 400, "this page takes no parameters");
      ordered_json views = ordered_json::array();
      for (const std::string& v : db::BrowseViews()) views.push_back("/api/v1/" + v);
      SendJson(
          res, 200,
          ordered_json{
              {"api", 1}, {"engine", engine_}, {"views", views}, {"upload", "POST /api/v1/runs"}});
    });
    http_.Get("/api/v1/profiles", [this](const httplib::Request& req, httplib::Response& res) {
      if (!req.params.empty()) return SendError(res, 400, "this page takes no parameters");
      Profiles(res);
    });
    http_.Get(R"(/api/v1/runs/(\d{1,12}))",
              [this](const httplib::Request& req, httplib::Response& res) { RunDetail(req, res); });
    http_.Get(R"(/api/v1/([a-z-]{1,32}))",
              [this](const httplib::Request& req, httplib::Response& res) { Browse(req, res); });
    http_.Post("/api/v1/runs",
               [this](const httplib::Request& req, httplib::Response& res) { Upload(req, res); });
  }

  // Reads the query parameters into a request; refuses unknown or repeated ones.
  bool ReadFilters(const httplib::Request& req, httplib::Response& res, db::BrowseRequest* q) {
    static const std::set<std::string> kKnown = {"model", "device", "runtime", "since",
                                                 "until", "limit",  "offset",  "run"};
    std::set<std::string> seen;
    for (const auto& [key, value] : req.params) {
      if (!kKnown.count(key)) {
        SendError(res, 400,
                  "unknown parameter '" + key.substr(0, 64) +
                      "' (known: model, device, runtime, since, until, limit, offset, run)");
        return false;
      }
      if (!seen.insert(key).second) {
        SendError(res, 400, "parameter '" + key + "' is given twice");
        return false;
      }
      if (value.size() > 1024) {
        SendError(res, 400, "parameter '" + key + "' is longer than 1024 bytes");
        return false;
      }
      if (key == "model") q->model = value;
      if (key == "device") q->device = value;
      if (key == "runtime") q->runtime = value;
      if (key == "since") q->since = value;
      if (key == "until") q->until = value;
      if (key == "limit" || key == "offset" || key == "run") {
        int64_t v = 0;
        if (!ParseInt(value, &v)) {
          SendError(res, 400, "parameter '" + key + "' must be a non-negative integer");
          return false;
        }
        (key == "limit" ? q->limit : key == "offset" ? q->offset : q->run_id) = v;
      }
    }
    return true;
  }

  void Browse(const httplib::Request& req, httplib::Response& res) {
    db::BrowseRequest q;
    q.view = req.matches[1];
    if (!ReadFilters(req, res, &q)) return;
    auto lease = pool_.Get();
    if (!lease.ok()) return SendError(res, 503, lease.status().message());
    auto page = (*lease)->Browse(q);
    if (!page.ok()) return SendError(res, HttpStatus(page.status()), page.status().message());
    SendJson(res, 200,
             ordered_json{{"view", q.view},
                          {"total", page->total},
                          {"limit", q.limit},
                          {"offset", q.offset},
                          {"items", report::TableJson(page->rows)}});
  }

  // One run: its row, every layer, the top layers by time and the time by op type.
  void RunDetail(const httplib::Request& req, httplib::Response& res) {
    if (!req.params.empty()) return SendError(res, 400, "this page takes no parameters");
    db::BrowseRequest q;
    q.view = "runs";
    if (!ParseInt(req.matches[1], &q.run_id)) return SendError(res, 400, "bad run id");
    auto lease = pool_.Get();
    if (!lease.ok()) return SendError(res, 503, lease.status().message());
    q.limit = 1;
    auto run = (*lease)->Browse(q);
    if (!run.ok()) return SendError(res, HttpStatus(run.status()), run.status().message());
    if (run->rows.rows.empty()) {
      return SendError(res, 404, "no run " + std::to_string(q.run_id));
    }
    ordered_json layers = ordered_json::array();
    q.view = "layers";
    q.limit = db::kMaxBrowseLimit;
    for (q.offset = 0;; q.offset += q.limit) {
      auto page = (*lease)->Browse(q);
      if (!page.ok()) return SendError(res, 500, page.status().message());
      for (auto& row : report::TableJson(page->rows)) layers.push_back(std::move(row));
      if (q.offset + q.limit >= page->total) break;
    }
    // Time by op type, and the ten slowest layers.
    std::map<std::string, std::pair<int, double>> by_op;
    double total_ms = 0;
    for (const auto& l : layers) {
      const double ms = l["p50_ms"].is_number() ? l["p50_ms"].get<double>() : 0.0;
      auto& [count, sum] = by_op[l["op"].is_string() ? l["op"].get<std::string>() : "?"];
      ++count;
      sum += ms;
      total_ms += ms;
    }
    std::vector<std::pair<std::string, std::pair<int, double>>> ops(by_op.begin(), by_op.end());
    std::sort(ops.begin(), ops.end(),
              [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
    ordered_json op_rows = ordered_json::array();
    for (const auto& [op, cs] : ops) {
      op_rows.push_back({{"op", op},
                         {"layers", cs.first},
                         {"ms", cs.second},
                         {"share_pct", total_ms > 0 ? 100.0 * cs.second / total_ms : 0.0}});
    }
    std::vector<size_t> order(layers.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return layers[a]["p50_ms"].get<double>() > layers[b]["p50_ms"].get<double>();
    });
    ordered_json top = ordered_json::array();
    for (size_t i = 0; i < order.size() && i < 10; ++i) top.push_back(layers[order[i]]);
    SendJson(res, 200,
             ordered_json{{"run", report::TableJson(run->rows)[0]},
                          {"layers", std::move(layers)},
                          {"top_layers", std::move(top)},
                          {"by_op", std::move(op_rows)}});
  }

  // The device profiles predictions come from: each target, what it was fitted on and its
  // cross-validated error.
  void Profiles(httplib::Response& res) {
    const std::string dir =
        options_.profile_dir.empty() ? profiles::DefaultProfileDir() : options_.profile_dir;
    auto all = profiles::LoadProfileDir(dir);
    if (!all.ok()) return SendError(res, 500, all.status().message());
    ordered_json items = ordered_json::array();
    for (const auto& p : *all) {
      ordered_json targets = ordered_json::array();
      for (const auto& t : p.targets) {
        const auto& c = t.calibration;
        targets.push_back(
            {{"target", t.Key()},
             {"method", c.method},
             {"date", c.date},
             {"points", c.points},
             {"cv_points", c.cv_points},
             {"cv_mape_pct", c.cv_points > 0 ? ordered_json(c.cv_mape_pct) : ordered_json(nullptr)},
             {"models", c.models.size()}});
      }
      items.push_back({{"device_id", p.id},
                       {"device", p.name},
                       {"soc", p.soc},
                       {"targets", std::move(targets)}});
    }
    SendJson(res, 200, ordered_json{{"view", "profiles"}, {"profile_dir", dir}, {"items", items}});
  }

  void Upload(const httplib::Request& req, httplib::Response& res) {
    // The token first: nothing of an unauthenticated body is parsed.
    const std::string auth = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    double retry = 0;
    // An address that keeps guessing tokens is slowed down, valid token or not.
    if (!failed_logins_.Allow(req.remote_addr, &retry, /*take=*/false)) {
      res.set_header("Retry-After", std::to_string(static_cast<int>(retry) + 1));
      return SendError(res, 429, "too many failed logins from this address; retry later");
    }
    std::optional<std::string> owner;
    if (auth.rfind(bearer, 0) == 0 && auth.size() > bearer.size() && auth.size() < 256) {
      auto lease = pool_.Get();
      if (!lease.ok()) return SendError(res, 503, lease.status().message());
      auto who = (*lease)->TokenOwner(auth.substr(bearer.size()));
      if (!who.ok()) return SendError(res, 500, who.status().message());
      owner = *who;
    }
    if (!owner) {
      failed_logins_.Take(req.remote_addr);
      res.set_header("WWW-Authenticate", "Bearer");
      return SendError(res, 401,
                       auth.empty() ? "an upload needs 'Authorization: Bearer TOKEN' "
                                      "(mbench serve token add NAME)"
                                    : "the token is not valid (unknown or revoked)");
    }
    if (!uploads_.Allow(*owner, &retry)) {
      res.set_header("Retry-After", std::to_string(static_cast<int>(retry) + 1));
      return SendError(res, 429, "token '" + *owner + "' is over its upload rate; retry later");
    }
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) != 0) {
      return SendError(res, 415, "an upload is application/json");
    }
    auto upload = ParseUpload(req.body);
    if (!upload.ok()) return SendError(res, 400, upload.status().message());
    // Where the run came from goes with it.
    json options = json::parse(upload->run.options_json.empty() ? "{}" : upload->run.options_json,
                               nullptr, false);
    if (!options.is_object()) options = json::object();
    options["uploaded_by"] = *owner;
    options["uploaded_from"] = req.remote_addr;
    upload->run.options_json = options.dump(-1, ' ', false, json::error_handler_t::replace);
    auto lease = pool_.Get();
    if (!lease.ok()) return SendError(res, 503, lease.status().message());
    auto stored = (*lease)->AddRunOnce(upload->device, upload->model, upload->run);
    if (!stored.ok()) return SendError(res, HttpStatus(stored.status()), stored.status().message());
    SendJson(res, stored->second ? 201 : 200,
             ordered_json{{"run_id", stored->first},
                          {"stored", stored->second},
                          {"url", "/api/v1/runs/" + std::to_string(stored->first)}});
  }

  ServerOptions options_;
  ConnectionPool pool_;
  RateLimiter uploads_;
  RateLimiter failed_logins_;
  std::string engine_, location_;
  httplib::Server http_;
  std::thread thread_;
  std::once_flag stopped_;
  int port_ = -1;
};

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  MBENCH_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }
int Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace mbench::server
