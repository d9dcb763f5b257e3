#include <cmath>
#include <sstream>

#include "analyzer/limits.h"
#include "analyzer/ncnn_internal.h"

namespace mbench::analyzer::ncnn {

StatusOr<std::vector<NcnnLayer>> ParseParam(const std::string& path, std::string_view text,
                                            std::string* note) {
  auto corrupt = [&](int line, const std::string& msg) {
    return Status::Corruption(path + ":" + std::to_string(line) + ": " + msg);
  };
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  auto next_line = [&]() -> bool {
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") != std::string::npos) return true;
    }
    return false;
  };
  if (!next_line() || line.substr(0, line.find_last_not_of(" \t\r") + 1) != "7767517") {
    return corrupt(line_no, "not an ncnn .param file: first line must be the magic 7767517");
  }
  if (!next_line()) return corrupt(line_no, "missing 'layer_count blob_count' line");
  long long layer_count = -1, blob_count = -1;
  {
    std::istringstream ss(line);
    if (!(ss >> layer_count >> blob_count) || layer_count < 0 || blob_count < 0 ||
        layer_count > kMaxLayers || blob_count > kMaxTensors) {
      return corrupt(line_no, "bad 'layer_count blob_count' line: '" + line +
                                  "' (counts are limited to " + std::to_string(kMaxLayers) +
                                  " layers and " + std::to_string(kMaxTensors) + " blobs)");
    }
  }
  std::vector<NcnnLayer> layers;
  while (static_cast<long long>(layers.size()) < layer_count && next_line()) {
    std::istringstream ss(line);
    NcnnLayer l;
    l.line = line_no;
    long long nb = -1, nt = -1;
    if (!(ss >> l.type >> l.name >> nb >> nt) || nb < 0 || nt < 0 || nb > 100000 || nt > 100000) {
      return corrupt(line_no, "bad layer line: expected 'type name bottom_count top_count ...'");
    }
    for (long long i = 0; i < nb + nt; ++i) {
      std::string blob;
      if (!(ss >> blob)) return corrupt(line_no, "layer '" + l.name + "': missing blob names");
      (i < nb ? l.bottoms : l.tops).push_back(blob);
    }
    std::string kv;
    while (ss >> kv) {
      size_t eq = kv.find('=');
      char* end = nullptr;
      long key = eq == std::string::npos ? 0 : std::strtol(kv.c_str(), &end, 10);
      if (eq == std::string::npos || end != kv.c_str() + eq) {
        return corrupt(line_no, "layer '" + l.name + "': bad parameter '" + kv + "'");
      }
      // ncnn has 32 parameter ids: 0..31 for scalars, -23300-id for arrays.
      if (!((key >= 0 && key < 32) || (key <= -23300 && key > -23332))) {
        return corrupt(line_no, "layer '" + l.name + "': parameter id " + std::to_string(key) +
                                    " is outside ncnn's 0..31 (arrays -23300..-23331)");
      }
      std::vector<double> values;
      std::string rest = kv.substr(eq + 1);
      size_t pos = 0;
      while (pos <= rest.size()) {
        size_t comma = rest.find(',', pos);
        std::string tok =
            rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        char* vend = nullptr;
        double v = std::strtod(tok.c_str(), &vend);
        if (tok.empty() || *vend != '\0' || !std::isfinite(v)) {
          return corrupt(line_no, "layer '" + l.name + "': bad value in '" + kv + "'");
        }
        values.push_back(v);
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
      if (key <= -23300) {
        // Arrays: -23300-id=count,v0,v1,...
        // Compared as doubles: a count of 1e108 must not be converted to an integer first.
        if (values.empty() || values[0] < 0 ||
            values[0] != static_cast<double>(values.size() - 1)) {
          return corrupt(line_no, "layer '" + l.name + "': array '" + kv.substr(0, eq) +
                                      "' count does not match its values");
        }
        values.erase(values.begin());
        l.params[static_cast<int>(-key - 23300)] = values;
      } else {
        if (values.size() != 1) {
          return corrupt(line_no, "layer '" + l.name + "': scalar parameter has a list");
        }
        l.params[static_cast<int>(key)] = values;
      }
    }
    layers.push_back(std::move(l));
  }
  if (static_cast<long long>(layers.size()) != layer_count) {
    return Status::Corruption(path + ": header declares " + std::to_string(layer_count) +
                              " layers, the file has " + std::to_string(layers.size()) +
                              " (truncated or edited file)");
  }
  // ncnn reads the declared number of layers and ignores whatever follows; so does mbench,
  // and says so.
  int extra = 0;
  while (next_line()) ++extra;
  if (extra > 0 && note != nullptr) {
    *note = "the header declares " + std::to_string(layer_count) + " layers; the " +
            std::to_string(extra) + " line" + (extra == 1 ? "" : "s") + " after them (from line " +
            std::to_string(line_no - extra + 1) + ") are ignored, as ncnn ignores them";
  }
  return layers;
}

}  // namespace mbench::analyzer::ncnn
