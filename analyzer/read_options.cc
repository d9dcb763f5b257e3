#include "analyzer/read_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace mbench::analyzer {

namespace {

constexpr std::string_view kValueSeparator = ":=";

// Numbers separated by commas; nullopt naming the bad token in `bad`.
std::optional<std::vector<double>> ParseNumbers(const std::string& list, std::string* bad) {
  std::vector<double> values;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(',', pos);
    std::string tok = list.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    char* stop = nullptr;
    errno = 0;
    double v = tok.empty() ? 0 : std::strtod(tok.c_str(), &stop);
    if (tok.empty() || errno != 0 || *stop != '\0' || !std::isfinite(v)) {
      *bad = tok;
      return std::nullopt;
    }
    values.push_back(v);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return values;
}

}  // namespace

StatusOr<std::string> InputValueFlag(const std::string& flag) {
  const size_t sep = flag.find('=');
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--input-value '" + flag + "': " + why +
                                   ": expected NAME=v0,v1,... e.g. sr=16000");
  };
  if (sep == std::string::npos || sep == 0) return bad("no NAME= prefix");
  std::string token;
  if (!ParseNumbers(flag.substr(sep + 1), &token)) {
    return bad("value '" + token + "' is not a number");
  }
  return flag.substr(0, sep) + std::string(kValueSeparator) + flag.substr(sep + 1);
}

Status ParseInputShapeFlag(const std::string& flag, ReadOptions* options) {
  if (const size_t at = flag.find(kValueSeparator); at != std::string::npos && at > 0) {
    std::string token;
    auto values = ParseNumbers(flag.substr(at + kValueSeparator.size()), &token);
    const std::string name = flag.substr(0, at);
    if (!values) {
      return Status::InvalidArgument("--input-value '" + name + "=" +
                                     flag.substr(at + kValueSeparator.size()) + "': value '" +
                                     token + "' is not a number");
    }
    if (!options->input_values.emplace(name, std::move(*values)).second) {
      return Status::InvalidArgument("--input-value: input '" + name + "' given twice");
    }
    return Status::Ok();
  }
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
