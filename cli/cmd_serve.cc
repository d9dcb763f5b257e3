// `mbench serve`: the results database over HTTP (dashboard, JSON API, uploads), and its
// upload tokens (`mbench serve token add|list|revoke`).
#include <signal.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "db/db.h"
#include "server/server.h"

namespace mbench::cli {
namespace {

struct ServeOptions {
  server::ServerOptions server;
  std::string listen = "127.0.0.1:8080";
  std::string token_name;
};

Status ParseListen(const std::string& listen, server::ServerOptions* o) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return Status::InvalidArgument("--listen '" + listen +
                                   "' must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  o->host = listen.substr(0, colon);
  if (o->host.size() > 2 && o->host.front() == '[' && o->host.back() == ']') {
    o->host = o->host.substr(1, o->host.size() - 2);  // [::1]:8080
  }
  const std::string port = listen.substr(colon + 1);
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (*end != '\0' || p < 0 || p > 65535) {
    return Status::InvalidArgument("--listen '" + listen + "': port must be 0-65535");
  }
  o->port = static_cast<int>(p);
  return Status::Ok();
}

Status RunServe(ServeOptions& o) {
  MBENCH_RETURN_IF_ERROR(ParseListen(o.listen, &o.server));
  // SIGINT and SIGTERM are taken by sigwait below: blocked before any thread starts, so no
  // server thread is interrupted by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  MBENCH_ASSIGN_OR_RETURN(auto srv, server::Server::Start(o.server));
  const bool loopback =
      o.server.host == "127.0.0.1" || o.server.host == "::1" || o.server.host == "localhost";
  std::printf(
      "mbench serve: http://%s:%d/ (database %s)%s\n",
      o.server.host.find(':') != std::string::npos ? ("[" + o.server.host + "]").c_str()
                                                   : o.server.host.c_str(),
      srv->port(), o.server.db.c_str(),
      loopback ? "" : "; listening beyond this machine: uploads need a token, reads do not");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "mbench serve: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  srv->Stop();
  return Status::Ok();
}

}  // namespace

void RegisterServe(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the results database: a dashboard at /, a JSON API under /api/v1 (docs/server.md)\n"
      "and uploads from 'mbench run --upload'. Binds to 127.0.0.1 unless --listen says otherwise.\n"
      "Example: mbench serve --db results.db --listen 127.0.0.1:8080");
  AddDbOption(cmd, &o->server.db, DbUse::kNeeded, "Results database to serve");
  cmd->add_option("--listen", o->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one;\n"
                  "0.0.0.0:8080 opens it to the network)");
  cmd->add_option_function<double>(
         "--max-body-mb",
         [o](double mb) { o->server.max_body_bytes = static_cast<size_t>(mb * 1048576); },
         "Largest upload accepted, in MiB (default 8); larger ones get 413")
      ->check(CLI::Range(0.001, 1024.0));
  cmd->add_option("--upload-rate", o->server.uploads_per_second,
                  "Uploads per second each token may make, with bursts of twice that\n"
                  "(default 20; 0: unlimited)")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--threads", o->server.threads, "Requests served at once (default 8)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--log", o->server.log_requests, "Print one line per request on stderr");
  cmd->require_subcommand(0, 1);
  cmd->callback([o, exit_code, cmd] {
    if (cmd->get_subcommands().empty()) {
      Status s = RunServe(*o);
      *exit_code = s.ok() ? kExitOk : ReportError("serve", s);
    }
  });

  CLI::App* token = cmd->add_subcommand("token", "Upload tokens: add, list, revoke");
  token->require_subcommand(1);
  token->fallthrough();  // `serve token add NAME --db DB`: --db belongs to serve
  auto open = [o]() { return db::Database::Open(o->server.db); };
  CLI::App* add = token->add_subcommand(
      "add",
      "Create a token and print it (shown once; only its SHA-256 is stored).\n"
      "Example: mbench serve --db results.db token add ci-pixel7");
  add->fallthrough();
  add->add_option("NAME", o->token_name, "Who uses it (letters, digits, . _ -)")->required();
  add->callback([o, exit_code, open] {
    auto db = open();
    StatusOr<std::string> secret =
        db.ok() ? (*db)->AddToken(o->token_name) : StatusOr<std::string>(db.status());
    if (!secret.ok()) {
      *exit_code = ReportError("serve token add", secret.status());
      return;
    }
    std::printf("%s\n", secret->c_str());
    std::fprintf(stderr,
                 "mbench serve token add: token '%s' stored in %s; it is printed once, keep it\n",
                 o->token_name.c_str(), (*db)->location().c_str());
  });
  CLI::App* list = token->add_subcommand("list", "List tokens (names and dates, never secrets)");
  list->fallthrough();
  list->callback([exit_code, open] {
    auto db = open();
    auto tokens = db.ok() ? (*db)->Tokens() : StatusOr<std::vector<db::TokenRow>>(db.status());
    if (!tokens.ok()) {
      *exit_code = ReportError("serve token list", tokens.status());
      return;
    }
    std::printf("%-24s %-22s %s\n", "name", "created", "revoked");
    for (const auto& t : *tokens) {
      std::printf("%-24s %-22s %s\n", t.name.c_str(), t.created_at.c_str(),
                  t.revoked_at.empty() ? "-" : t.revoked_at.c_str());
    }
  });
  CLI::App* revoke = token->add_subcommand("revoke", "Revoke a token; uploads with it get 401");
  revoke->fallthrough();
  revoke->add_option("NAME", o->token_name, "The token's name")->required();
  revoke->callback([o, exit_code, open] {
    auto db = open();
    Status s = db.ok() ? (*db)->RevokeToken(o->token_name) : db.status();
    if (!s.ok()) {
      *exit_code = ReportError("serve token revoke", s);
      return;
    }
    std::fprintf(stderr, "mbench serve token revoke: '%s' revoked\n", o->token_name.c_str());
  });
}

}  // namespace mbench::cli
