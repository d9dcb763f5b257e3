#include "analyzer/read_options.h"

#include <cerrno>
#include <cstdlib>

namespace mbench::analyzer {

Status ParseInputShapeFlag(const std::string& flag, ReadOptions* options) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--input-shape '" + flag + "': " + why +
                                   ": expected NAME=d0,d1,... e.g. input=1,3,224,224");
  };
  size_t sep = flag.rfind('=');
  if (sep == std::string::npos) sep = flag.rfind(':');
  if (sep == std::string::npos || sep == 0) return bad("no NAME= prefix");
  std::string name = flag.substr(0, sep);
  std::string dims = flag.substr(sep + 1);
  if (dims.empty()) return bad("no dimensions");
  Shape shape;
  size_t pos = 0;
  while (pos <= dims.size()) {
    size_t end = dims.find_first_of(",x", pos);
    std::string tok = dims.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (tok.empty()) return bad("empty dimension");
    char* stop = nullptr;
    errno = 0;
    long long v = std::strtoll(tok.c_str(), &stop, 10);
    if (errno != 0 || *stop != '\0' || v <= 0) {
      return bad("dimension '" + tok + "' is not a positive integer");
    }
    shape.push_back(v);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (!options->input_shapes.emplace(name, shape).second) {
    return bad("input '" + name + "' given twice");
  }
  return Status::Ok();
}

}  // namespace mbench::analyzer
