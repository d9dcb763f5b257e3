// The dashboard's files, embedded in the binary at build time from server/dashboard/
// (cmake/embed_assets.cmake writes assets.cc), so `mbench serve` works offline and alone.
#ifndef MBENCH_SERVER_ASSETS_H_
#define MBENCH_SERVER_ASSETS_H_

#include <string_view>
#include <vector>

namespace mbench::server {

struct Asset {
  const char* path;  // as served: "/", "/dashboard.js", ...
  const char* content_type;
  std::string_view content;
};

const std::vector<Asset>& Assets();

}  // namespace mbench::server

#endif  // MBENCH_SERVER_ASSETS_H_
