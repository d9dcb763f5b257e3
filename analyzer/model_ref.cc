#include "analyzer/model_ref.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "analyzer/read_options.h"
#include "core/text.h"

namespace mbench::analyzer {

std::string EncodeRef(const ModelRef& ref) {
  if (ref.path.rfind("zoo:", 0) != 0) return ref.path;
  std::string out = ref.path;
  // The architecture's default resolution is left out, so one model has one name.
  int64_t default_resolution = 0;
  for (const auto& e : ZooEntries()) {
    if (ref.path.substr(4) == e.name) default_resolution = e.default_resolution;
  }
  if (ref.zoo.width != 1.0) out += " --width " + ShortNumber(ref.zoo.width);
  if (ref.zoo.resolution != 0 && ref.zoo.resolution != default_resolution) {
    out += " --resolution " + std::to_string(ref.zoo.resolution);
  }
  if (ref.zoo.fold_bn) out += " --fold-bn";
  return out;
}

StatusOr<ModelRef> DecodeRef(const std::string& ref, const std::string& input_shapes) {
  ModelRef out;
  if (!input_shapes.empty()) {
    std::stringstream ss(input_shapes);
    std::string s;
    while (std::getline(ss, s, ';')) {
      if (!s.empty()) out.input_shapes.push_back(s);
    }
  }
  if (ref.rfind("zoo:", 0) != 0) {
    out.path = ref;
    return out;
  }
  std::stringstream ss(ref);
  ss >> out.path;
  std::string flag;
  while (ss >> flag) {
    if (flag == "--fold-bn") {
      out.zoo.fold_bn = true;
      continue;
    }
    std::string value;
    if (!(ss >> value))
      return Status::Corruption("model reference '" + ref + "': " + flag + " has no value");
    char* end = nullptr;
    if (flag == "--width") {
      out.zoo.width = std::strtod(value.c_str(), &end);
    } else if (flag == "--resolution") {
      out.zoo.resolution = std::strtoll(value.c_str(), &end, 10);
    } else {
      return Status::Corruption("model reference '" + ref + "': unknown option " + flag);
    }
    if (end == nullptr || *end != '\0') {
      return Status::Corruption("model reference '" + ref + "': bad value '" + value + "'");
    }
  }
  return out;
}

std::string ModelGroup(const std::string& ref_or_name) {
  std::string s = ref_or_name;
  if (s.rfind("zoo:", 0) == 0) {
    s = s.substr(4);
    return s.substr(0, s.find(' '));
  }
  std::filesystem::path p(s);
  return p.stem().empty() ? s : p.stem().string();
}

StatusOr<AnalyzedModel> LoadAndAnalyze(const std::string& path,
                                       const std::vector<std::string>& input_shape_flags,
                                       const ZooOptions& zoo, bool keep_weights) {
  // The zoo's knobs shape a network mbench builds; a file's shape is the file's.
  if (path.rfind("zoo:", 0) != 0 && (zoo.width != 1.0 || zoo.resolution != 0 || zoo.fold_bn)) {
    return Status::InvalidArgument(
        path +
        ": --width, --resolution and --fold-bn apply to zoo: networks only (a file's "
        "input size is set with --input-shape)");
  }
  ReadOptions read_options;
  read_options.zoo = zoo;
  read_options.keep_weights = keep_weights;
  for (const auto& flag : input_shape_flags) {
    MBENCH_RETURN_IF_ERROR(ParseInputShapeFlag(flag, &read_options));
  }
  AnalyzedModel out;
  MBENCH_ASSIGN_OR_RETURN(out.model, ReadModel(path, read_options));
  auto analysis = Analyze(out.model.graph);
  if (!analysis.ok()) return Status(analysis.status()).Annotate(path);
  out.analysis = std::move(*analysis);
  return out;
}

}  // namespace mbench::analyzer
