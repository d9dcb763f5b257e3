// `mbench serve`: the results database over HTTP. A versioned JSON API (docs/server.md) over the
// views of docs/database.md, uploads of runs with a token, and a dashboard page that the binary
// serves itself (no CDN, no build step: HTML, CSS and JavaScript embedded at build time).
//
// Safe by default: binds to loopback unless told otherwise; bodies over a limit are refused with
// 413 before they are read; a request that stalls is dropped after a read timeout; uploads are
// rate-limited per token and failed logins per client address; every value reaches SQL as a
// statement parameter; an upload is checked in full and then stored in one transaction, or not
// at all. The connections to the database come from a small pool, so reads run in parallel
// (SQLite's WAL readers, PostgreSQL sessions) while writers wait for each other as any two mbench
// writers do.
#ifndef MBENCH_SERVER_SERVER_H_
#define MBENCH_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "core/status_or.h"
#include "db/db.h"

namespace mbench::server {

struct ServerOptions {
  std::string db;                  // SQLite file or postgresql:// URI
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8080;                 // 0: any free port (tests)
  size_t max_body_bytes = size_t{8} << 20;
  double uploads_per_second = 20;  // per token, with a burst of twice that; 0: unlimited
  int read_timeout_secs = 5;       // a request that sends nothing for this long is dropped
  int threads = 8;                 // requests served at once (and pooled connections)
  bool log_requests = false;       // one line per request on stderr
  std::string profile_dir;         // the profiles /api/v1/profiles lists ("": the default)
};

class Server {
 public:
  // Opens the database (creating or migrating it), binds, and starts serving on background
  // threads. Errors: the database cannot be opened, the address cannot be bound.
  static StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();  // stops and joins
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the chosen one when options.port was 0).
  int port() const;
  // Stops accepting, finishes the requests in flight and joins the threads. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Uploads one run (the JSON of server/upload.h) to `url` ("http://host:port", with or without a
// trailing path) with `token`. Returns the server's JSON answer ({"run_id": N, "stored": bool});
// errors carry the HTTP status and the server's reason in one line.
StatusOr<std::string> PostRun(const std::string& url, const std::string& token,
                              const std::string& body);

// Uploads every run stored in `from` (with its device, model and layers), one request each;
// stops at the first the server refuses. Returns how many were sent.
StatusOr<int> UploadRuns(db::Database& from, const std::string& url, const std::string& token);

}  // namespace mbench::server

#endif  // MBENCH_SERVER_SERVER_H_
