#include "analyzer/model_reader.h"

#include <unordered_set>

#include "analyzer/limits.h"
#include "analyzer/ncnn_reader.h"
#include "analyzer/onnx_reader.h"
#include "analyzer/tflite_reader.h"
#include "core/env.h"
#include "core/sha256.h"
#include "core/text.h"

namespace mbench::analyzer {
namespace {

// Names are bytes from the file: every name the reports print and the database stores is made
// safe here, once (valid UTF-8, no control characters: core/text.h). A name that becomes equal
// to another one is told apart by its index.
void MakeNamesSafe(Graph& g) {
  auto fix = [](auto& items, auto name_of) {
    std::unordered_set<std::string> taken;
    for (auto& item : items) taken.insert(name_of(item));
    for (size_t i = 0; i < items.size(); ++i) {
      std::string& name = name_of(items[i]);
      if (IsSafeText(name)) continue;
      std::string safe = SafeText(name);
      while (taken.count(safe) > 0) safe += "#" + std::to_string(i);
      taken.insert(safe);
      name = std::move(safe);
    }
  };
  fix(g.tensors, [](TensorInfo& t) -> std::string& { return t.name; });
  fix(g.nodes, [](Node& n) -> std::string& { return n.name; });
  for (Node& n : g.nodes) {
    if (!IsSafeText(n.op_type)) n.op_type = SafeText(n.op_type);
  }
  for (std::string& note : g.notes) {
    if (!IsSafeText(note)) note = SafeText(note);
  }
  if (!IsSafeText(g.producer)) g.producer = SafeText(g.producer);
}

}  // namespace

const char* ModelFormatName(ModelFormat format) {
  switch (format) {
    case ModelFormat::kOnnx: return "onnx";
    case ModelFormat::kTflite: return "tflite";
    case ModelFormat::kNcnnParam: return "ncnn";
    case ModelFormat::kZoo: return "zoo";
    case ModelFormat::kUnknown: return "unknown";
  }
  return "unknown";
}

ModelFormat SniffFormat(std::string_view bytes) {
  if (bytes.size() >= 8 && bytes.substr(4, 4) == "TFL3") return ModelFormat::kTflite;
  std::string_view head = bytes.substr(0, 16);
  size_t start = head.find_first_not_of(" \t\r\n\xef\xbb\xbf");
  if (start != std::string_view::npos && head.substr(start).rfind("7767517", 0) == 0) {
    return ModelFormat::kNcnnParam;
  }
  if (bytes.empty()) return ModelFormat::kUnknown;
  // A ModelProto starts with one of its fields: 1 ir_version (varint, tag 0x08),
  // 2 producer_name (0x12), 3 producer_version (0x1a), 4 domain (0x22), 5 model_version (varint,
  // 0x28), 6 doc_string (0x32), 7 graph (0x3a), 8 opset_import (0x42), 14 metadata_props (0x72).
  // Serializers write fields in order, so ir_version leads in practice; the others cover
  // hand-assembled files. The ONNX reader then decides for real.
  auto b0 = static_cast<unsigned char>(bytes[0]);
  switch (b0) {
    case 0x08:
    case 0x12:
    case 0x1a:
    case 0x22:
    case 0x28:
    case 0x32:
    case 0x3a:
    case 0x42:
    case 0x72: return ModelFormat::kOnnx;
    default: return ModelFormat::kUnknown;
  }
}

StatusOr<LoadedModel> ReadModel(const std::string& path, const ReadOptions& options) {
  if (IsZooReference(path)) {
    if (!options.input_shapes.empty()) {
      return Status::InvalidArgument(path + ": zoo models take --resolution, not --input-shape");
    }
    LoadedModel model;
    model.path = path;
    model.format = ModelFormat::kZoo;
    MBENCH_ASSIGN_OR_RETURN(model.graph, BuildZooModel(path, options.zoo));
    // The architecture's default resolution, given or not, is one model: a grade (no
    // --resolution) and an import of published numbers (224 written out) must share a key.
    int64_t resolution = options.zoo.resolution;
    for (const auto& e : ZooEntries()) {
      if (path.substr(4) == e.name && resolution == e.default_resolution) resolution = 0;
    }
    std::string canonical = path + "?width=" + std::to_string(options.zoo.width) +
                            "&resolution=" + std::to_string(resolution) +
                            "&fold_bn=" + (options.zoo.fold_bn ? "1" : "0");
    model.sha256 = Sha256Hex(canonical);
    return model;
  }
  // The format from the first bytes, so a file that is no model (or one over its format's
  // limit) is refused before it is read whole.
  MBENCH_ASSIGN_OR_RETURN(std::string head, ReadFileHead(path, 64));
  MBENCH_ASSIGN_OR_RETURN(int64_t size, FileSizeBytes(path));
  const ModelFormat sniffed = SniffFormat(head);
  if (sniffed == ModelFormat::kUnknown) {
    if (size == 0) return Status::Corruption(path + ": empty file: not a model");
    return Status::Corruption(path + ": not a model file: content matches none of ONNX, " +
                              "TFLite (TFL3) or ncnn (7767517)");
  }
  const int64_t limit = sniffed == ModelFormat::kOnnx     ? kMaxOnnxFileBytes
                        : sniffed == ModelFormat::kTflite ? kMaxTfliteFileBytes
                                                          : kMaxNcnnParamBytes;
  if (size > limit) {
    return Status::Corruption(path + ": " + std::to_string(size) + " bytes: above the " +
                              std::to_string(limit >> 20) + " MiB a " + ModelFormatName(sniffed) +
                              " file can be (docs/limits.md)");
  }
  // Mapped, not read: the readers copy what they keep, so a model's weights are never held
  // twice (the mapping is released when this returns).
  MBENCH_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path, limit));
  const std::string_view bytes = file.bytes();
  LoadedModel model;
  model.path = path;
  model.size_bytes = static_cast<int64_t>(bytes.size());
  model.format = sniffed;  // decided from the first bytes above
  switch (model.format) {
    case ModelFormat::kOnnx: {
      MBENCH_ASSIGN_OR_RETURN(model.graph, ReadOnnxModel(path, bytes, options));
      break;
    }
    case ModelFormat::kTflite: {
      MBENCH_ASSIGN_OR_RETURN(model.graph, ReadTfliteModel(path, bytes, options));
      break;
    }
    case ModelFormat::kNcnnParam: {
      // ncnn pairs model.param with model.bin; the weights file is optional.
      std::string bin_path;
      if (path.size() > 6 && path.compare(path.size() - 6, 6, ".param") == 0) {
        bin_path = path.substr(0, path.size() - 6) + ".bin";
      }
      if (!bin_path.empty() && FileExists(bin_path)) {
        MBENCH_ASSIGN_OR_RETURN(MappedFile bin, MappedFile::Open(bin_path));
        std::string_view view = bin.bytes();
        MBENCH_ASSIGN_OR_RETURN(model.graph, ReadNcnnParam(path, bytes, options, &view));
      } else {
        MBENCH_ASSIGN_OR_RETURN(model.graph, ReadNcnnParam(path, bytes, options));
      }
      break;
    }
    case ModelFormat::kZoo:
    case ModelFormat::kUnknown:
      if (bytes.empty()) return Status::Corruption(path + ": empty file: not a model");
      return Status::Corruption(path + ": not a model file: content matches none of ONNX, " +
                                "TFLite (TFL3) or ncnn (7767517)");
  }
  model.sha256 = Sha256Hex(bytes);
  MakeNamesSafe(model.graph);
  if (model.graph.nodes.empty()) {
    // A graph of no layers has no work to count, grade or run: every figure would be a zero.
    return Status::Corruption(path + ": the model has no layers: nothing to analyze");
  }
  return model;
}

}  // namespace mbench::analyzer
