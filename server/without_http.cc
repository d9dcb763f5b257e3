// A build without MBENCH_WITH_SERVER (the aarch64 bundle, fuzzing): the HTTP parts refuse.
#include "server/server.h"

namespace mbench::server {

class Server::Impl {};

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions&) {
  return Status::Unsupported("this mbench was built without the server (MBENCH_WITH_SERVER=OFF)");
}
Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;
int Server::port() const { return -1; }
void Server::Stop() {}

StatusOr<std::string> PostRun(const std::string&, const std::string&, const std::string&) {
  return Status::Unsupported("this mbench was built without uploads (MBENCH_WITH_SERVER=OFF)");
}

StatusOr<int> UploadRuns(db::Database&, const std::string&, const std::string&) {
  return Status::Unsupported("this mbench was built without uploads (MBENCH_WITH_SERVER=OFF)");
}

}  // namespace mbench::server
