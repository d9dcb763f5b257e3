#include "runner/npy.h"

#include <cstring>

#include "core/env.h"

namespace mbench::runner {

StatusOr<NpyArray> ReadNpy(const std::string& path) {
  MBENCH_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  return ParseNpy(bytes, path);
}

StatusOr<NpyArray> ParseNpy(const std::string& bytes, const std::string& path) {
  auto bad = [&](const std::string& why) { return Status::Corruption(path + ": " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return bad("not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return bad("unknown .npy version " + std::to_string(major));
  }
  if (offset + header_len > bytes.size()) return bad("truncated header");
  const std::string header = bytes.substr(offset, header_len);
  if (header.find("'descr': '<f4'") == std::string::npos &&
      header.find("'descr': '|f4'") == std::string::npos) {
    return bad("only little-endian float32 ('<f4') arrays are supported");
  }
  if (header.find("'fortran_order': False") == std::string::npos) {
    return bad("Fortran-ordered arrays are not supported");
  }
  size_t s = header.find("'shape': (");
  if (s == std::string::npos) return bad("no shape in header");
  s += 10;
  size_t e = header.find(')', s);
  if (e == std::string::npos) return bad("malformed shape");
  NpyArray a;
  int64_t count = 1;
  std::string dims = header.substr(s, e - s);
  size_t at = 0;
  while (at < dims.size()) {
    while (at < dims.size() && (dims[at] == ' ' || dims[at] == ',')) ++at;
    if (at >= dims.size()) break;
    char* end = nullptr;
    long long d = std::strtoll(dims.c_str() + at, &end, 10);
    if (end == dims.c_str() + at || d < 0 || d > (int64_t{1} << 40)) return bad("malformed shape");
    a.shape.push_back(d);
    if (d > 0 && count > (int64_t{1} << 40) / d) return bad("shape too large");
    count *= d;
    at = static_cast<size_t>(end - dims.c_str());
  }
  const size_t data = offset + header_len;
  if (bytes.size() - data != static_cast<size_t>(count) * 4) {
    return bad("holds " + std::to_string(bytes.size() - data) + " data bytes, shape needs " +
               std::to_string(count * 4));
  }
  a.values.resize(static_cast<size_t>(count));
  std::memcpy(a.values.data(), bytes.data() + data, static_cast<size_t>(count) * 4);
  return a;
}

Status WriteNpy(const std::string& path, const std::vector<int64_t>& shape,
                const std::vector<float>& values) {
  std::string dims;
  for (int64_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  if (shape.size() == 1) dims.resize(dims.size() - 1);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so that the data starts at a multiple of 64, ending in a newline.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return WriteStringToFile(path, out);
}

}  // namespace mbench::runner
