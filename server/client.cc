// PostRun: the client side of an upload (`mbench run --upload`, `mbench device run --upload`).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "server/server.h"
#include "server/upload.h"

namespace mbench::server {

StatusOr<std::string> PostRun(const std::string& url, const std::string& token,
                              const std::string& body) {
  // "http://host:port/anything" -> "http://host:port": the API's path is fixed.
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos ||
      (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)) {
    return Status::InvalidArgument("upload URL '" + url + "' must start with http:// or https://");
  }
  const size_t path = url.find('/', scheme + 3);
  const std::string base = path == std::string::npos ? url : url.substr(0, path);
  if (token.empty()) return Status::InvalidArgument("an upload needs --token");
  httplib::Client client(base);
  if (!client.is_valid()) return Status::InvalidArgument("upload URL '" + url + "' is not valid");
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(60, 0);
  client.set_write_timeout(60, 0);
  httplib::Headers headers = {{"Authorization", "Bearer " + token}};
  auto res = client.Post("/api/v1/runs", headers, body, "application/json");
  if (!res) {
    return Status::IOError("cannot upload to " + base + ": " + httplib::to_string(res.error()));
  }
  if (res->status != 200 && res->status != 201) {
    auto answer = nlohmann::json::parse(res->body, nullptr, false);
    const std::string why =
        answer.is_object() && answer.contains("error") && answer["error"].is_string()
            ? answer["error"].get<std::string>()
            : res->body.substr(0, 200);
    return Status::IOError("upload to " + base + " refused (HTTP " + std::to_string(res->status) +
                           "): " + why);
  }
  return res->body;
}

StatusOr<int> UploadRuns(db::Database& from, const std::string& url, const std::string& token) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::DeviceRecord> devices, from.Devices());
  int sent = 0;
  for (const auto& d : devices) {
    MBENCH_ASSIGN_OR_RETURN(std::vector<db::StoredRun> runs, from.RunsOfDevice(d.id));
    for (const auto& r : runs) {
      MBENCH_RETURN_IF_ERROR(PostRun(url, token, UploadJson({d, r.model, r.run}).dump()).status());
      ++sent;
    }
  }
  return sent;
}

}  // namespace mbench::server
