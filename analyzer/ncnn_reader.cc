#include "analyzer/ncnn_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "core/half.h"
#include "core/units.h"

namespace mbench::analyzer {
namespace {

constexpr int kSentinel = -233;  // ncnn's "not set" value

struct NcnnLayer {
  std::string type;
  std::string name;
  std::vector<std::string> bottoms;
  std::vector<std::string> tops;
  std::map<int, std::vector<double>> params;  // scalars are one-element vectors
  int line = 0;

  bool Has(int id) const { return params.count(id) > 0; }
  int64_t I(int id, int64_t fallback) const {
    auto it = params.find(id);
    return it == params.end() || it->second.empty() ? fallback
                                                    : static_cast<int64_t>(it->second[0]);
  }
  double F(int id, double fallback) const {
    auto it = params.find(id);
    return it == params.end() || it->second.empty() ? fallback : it->second[0];
  }
  std::vector<int64_t> Ints(int id) const {
    std::vector<int64_t> out;
    auto it = params.find(id);
    if (it != params.end()) {
      for (double v : it->second) out.push_back(static_cast<int64_t>(v));
    }
    return out;
  }
};

StatusOr<std::vector<NcnnLayer>> ParseParam(const std::string& path, std::string_view text) {
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
        layer_count > 1000000 || blob_count > 10000000) {
      return corrupt(line_no, "bad 'layer_count blob_count' line: '" + line + "'");
    }
  }
  std::vector<NcnnLayer> layers;
  while (next_line()) {
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
      std::vector<double> values;
      std::string rest = kv.substr(eq + 1);
      size_t pos = 0;
      while (pos <= rest.size()) {
        size_t comma = rest.find(',', pos);
        std::string tok = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
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
        if (values.empty() || values[0] < 0 || static_cast<size_t>(values[0]) != values.size() - 1) {
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
  return layers;
}

// An ncnn blob shape: dims 1 (w), 2 (w, h), 3 (w, h, c) or 4 (w, h, d, c).
struct NShape {
  int dims = 0;
  int64_t w = 0, h = 1, d = 1, c = 1;

  static NShape D1(int64_t w) { return {1, w, 1, 1, 1}; }
  static NShape D2(int64_t w, int64_t h) { return {2, w, h, 1, 1}; }
  static NShape D3(int64_t w, int64_t h, int64_t c) { return {3, w, h, 1, c}; }
  int64_t Elems() const { return w * h * d * c; }
  bool Valid() const {
    return dims >= 1 && dims <= 4 && w >= 0 && h >= 0 && d >= 0 && c >= 0 && w < (1 << 30) &&
           h < (1 << 30) && d < (1 << 30) && c < (1 << 30);
  }
  Shape ToShape() const {
    switch (dims) {
      case 1: return {w};
      case 2: return {h, w};
      case 3: return {1, c, h, w};
      case 4: return {1, c, d, h, w};
      default: return {};
    }
  }
  // Size along ncnn's axis index (0 = outermost: c for 3-D, h for 2-D, w for 1-D).
  int64_t* Axis(int axis) {
    if (axis < 0) axis += dims;
    switch (dims) {
      case 1: return axis == 0 ? &w : nullptr;
      case 2: return axis == 0 ? &h : axis == 1 ? &w : nullptr;
      case 3: return axis == 0 ? &c : axis == 1 ? &h : axis == 2 ? &w : nullptr;
      case 4: return axis == 0 ? &c : axis == 1 ? &d : axis == 2 ? &h : axis == 3 ? &w : nullptr;
      default: return nullptr;
    }
  }
  bool operator==(const NShape& o) const {
    return dims == o.dims && w == o.w && (dims < 2 || h == o.h) && (dims < 4 || d == o.d) &&
           (dims < 3 || c == o.c);
  }
  std::string ToString() const { return ShapeToString(ToShape()); }

  // Sizes outermost first ([c, d, h, w] trimmed to dims), the order ncnn's axes params use.
  std::vector<int64_t> ToList() const {
    switch (dims) {
      case 1: return {w};
      case 2: return {h, w};
      case 3: return {c, h, w};
      case 4: return {c, d, h, w};
      default: return {};
    }
  }
  static std::optional<NShape> FromList(const std::vector<int64_t>& v) {
    switch (v.size()) {
      case 1: return D1(v[0]);
      case 2: return D2(v[1], v[0]);
      case 3: return D3(v[2], v[1], v[0]);
      case 4: return NShape{4, v[3], v[2], v[1], v[0]};
      default: return std::nullopt;
    }
  }
};

struct LayerInfo {
  const char* type;
  OpKind kind;
};

// ncnn layer types and their OpKinds. Types whose kind depends on parameters (BinaryOp,
// UnaryOp, Eltwise, Pooling, ReLU, Reduction, convolutions) are refined in Convert().
constexpr LayerInfo kLayers[] = {
    {"Input", OpKind::kIdentity},
    {"Convolution", OpKind::kConv},
    {"ConvolutionDepthWise", OpKind::kConv},
    {"Convolution1D", OpKind::kConv},
    {"ConvolutionDepthWise1D", OpKind::kConv},
    {"Deconvolution", OpKind::kConvTranspose},
    {"DeconvolutionDepthWise", OpKind::kConvTranspose},
    {"InnerProduct", OpKind::kFullyConnected},
    {"Gemm", OpKind::kFullyConnected},
    {"Pooling", OpKind::kMaxPool},
    {"ReLU", OpKind::kRelu},
    {"Clip", OpKind::kClip},
    {"Sigmoid", OpKind::kSigmoid},
    {"HardSigmoid", OpKind::kHardSigmoid},
    {"HardSwish", OpKind::kHardSwish},
    {"Swish", OpKind::kSwish},
    {"Mish", OpKind::kMish},
    {"TanH", OpKind::kTanh},
    {"ELU", OpKind::kElu},
    {"SELU", OpKind::kSelu},
    {"GELU", OpKind::kGelu},
    {"Softplus", OpKind::kSoftplus},
    {"BNLL", OpKind::kSoftplus},
    {"PReLU", OpKind::kPRelu},
    {"AbsVal", OpKind::kAbs},
    {"Exp", OpKind::kExp},
    {"Log", OpKind::kLog},
    {"Power", OpKind::kPow},
    {"Threshold", OpKind::kThresholdedRelu},
    {"Softmax", OpKind::kSoftmax},
    {"BatchNorm", OpKind::kBatchNorm},
    {"Scale", OpKind::kBatchNorm},
    {"Bias", OpKind::kAdd},
    {"InstanceNorm", OpKind::kInstanceNorm},
    {"LayerNorm", OpKind::kLayerNorm},
    {"RMSNorm", OpKind::kLayerNorm},
    {"GroupNorm", OpKind::kGroupNorm},
    {"Normalize", OpKind::kLpNormalization},
    {"LRN", OpKind::kLrn},
    {"Dropout", OpKind::kDropout},
    {"Noop", OpKind::kIdentity},
    {"Split", OpKind::kIdentity},
    {"Packing", OpKind::kIdentity},
    {"Cast", OpKind::kCast},
    {"Eltwise", OpKind::kSum},
    {"BinaryOp", OpKind::kAdd},
    {"UnaryOp", OpKind::kAbs},
    {"Concat", OpKind::kConcat},
    {"Slice", OpKind::kSplit},
    {"Crop", OpKind::kSlice},
    {"Interp", OpKind::kResize},
    {"Reshape", OpKind::kReshape},
    {"Permute", OpKind::kTranspose},
    {"Flatten", OpKind::kFlatten},
    {"Padding", OpKind::kPad},
    {"ShuffleChannel", OpKind::kShuffleChannel},
    {"Reorg", OpKind::kSpaceToDepth},
    {"PixelShuffle", OpKind::kDepthToSpace},
    {"Quantize", OpKind::kQuantize},
    {"Dequantize", OpKind::kDequantize},
    {"Requantize", OpKind::kQuantize},
    {"Reduction", OpKind::kReduceSum},
    {"ArgMax", OpKind::kArgMax},
    {"PriorBox", OpKind::kConstantOfShape},
    {"DetectionOutput", OpKind::kNonMaxSuppression},
    {"YoloDetectionOutput", OpKind::kNonMaxSuppression},
    {"Yolov3DetectionOutput", OpKind::kNonMaxSuppression},
    {"MemoryData", OpKind::kIdentity},
    {"Embed", OpKind::kGather},
    {"SDPA", OpKind::kAttention},
    {"RotaryEmbed", OpKind::kRotaryEmbed},
    {"Tile", OpKind::kTile},
    {"ExpandDims", OpKind::kUnsqueeze},
    {"Squeeze", OpKind::kSqueeze},
    {"CumulativeSum", OpKind::kCumSum},
};

const LayerInfo* FindLayer(const std::string& type) {
  for (const auto& l : kLayers) {
    if (type == l.type) return &l;
  }
  return nullptr;
}

// Fused activation (param 9 of convolutions and InnerProduct) as a fused_activation name.
const char* FusedActivation(int64_t type) {
  switch (type) {
    case 1: return "relu";
    case 2: return "leaky_relu";
    case 3: return "clip";
    case 4: return "sigmoid";
    case 5: return "mish";
    case 6: return "hard_swish";
    default: return nullptr;
  }
}

// Output size of a convolution window along one axis; pad == -233/-234 is SAME padding.
int64_t ConvOut(int64_t in, int64_t k, int64_t dil, int64_t stride, int64_t pad_lo,
                int64_t pad_hi) {
  if (stride <= 0) return -1;
  if (pad_lo == -233 || pad_lo == -234) return (in + stride - 1) / stride;
  int64_t eff = dil * (k - 1) + 1;
  int64_t span = in + pad_lo + pad_hi - eff;
  return span < 0 ? -1 : span / stride + 1;
}

class Converter {
 public:
  Converter(const std::string& path, const ReadOptions& options) : path_(path), options_(options) {}
  StatusOr<Graph> Run(std::vector<NcnnLayer> layers);

 private:
  Status Fail(const NcnnLayer& l, const std::string& why) const {
    return Status::InvalidArgument(path_ + ":" + std::to_string(l.line) + ": layer '" + l.name +
                                   "' (" + l.type + "): " + why);
  }
  // Creates a weight tensor of layer `l`. `tagged` weights are stored in the .bin behind a
  // 4-byte type tag (ncnn's "auto" load: float32, float16 or int8); the others are raw float32.
  // Call in the order ncnn's layer loads them: that is the order of the .bin.
  // `readable`: the stored order is the order the Graph's weight shape means (false for Gemm's
  // B, whose stored orientation depends on flags the runner does not model): only then are the
  // values kept for the runner.
  int32_t AddWeight(const NcnnLayer& l, const std::string& suffix, Shape shape, DType dtype,
                    bool tagged = false, bool readable = true) {
    TensorInfo t;
    t.name = l.name + "/" + suffix;
    t.dtype = dtype;
    t.has_shape = true;
    t.is_constant = true;
    t.shape = std::move(shape);
    int32_t idx = graph_.AddTensor(std::move(t));
    loads_.push_back({idx, tagged, 0, readable});
    return idx;
  }
  // Raw float32 values the .bin holds for a layer that are not weights (int8 scales). When the
  // first `weight_scales` of them scale int8 weight tensor `of` (ncnn stores int8 = w * scale,
  // one scale per output channel or group), they turn its values back into floats.
  void SkipRaw(int64_t floats, int32_t of = -1, int64_t weight_scales = 0) {
    Load load{-1, false, floats, false};
    load.scales_of = of;
    load.weight_scales = weight_scales;
    loads_.push_back(load);
  }
  Status ConsumeBin(const NcnnLayer& l);
  Status Convert(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                 Node* node);
  Status ConvertConv(const NcnnLayer& l, NShape x, std::vector<NShape>* out, Node* node);
  Status ConvertPooling(const NcnnLayer& l, const NShape& x, std::vector<NShape>* out, Node* node);

  const std::string& path_;
  const ReadOptions& options_;
  Graph graph_;
  std::unordered_map<std::string, NShape> shapes_;
  std::unordered_map<std::string, int32_t> blobs_;
  int hint_mismatches_ = 0;
  std::string first_mismatch_;
  struct Load {
    int32_t tensor;       // -1: skip `raw_floats` values
    bool tagged;
    int64_t raw_floats;
    bool readable;
    int32_t scales_of = -1;
    int64_t weight_scales = 0;
  };
  std::vector<Load> loads_;  // weights of the current layer, in .bin order
  std::string_view bin_;
  bool has_bin_ = false;
  size_t bin_pos_ = 0;

 public:
  void SetBin(std::string_view bin) {
    bin_ = bin;
    has_bin_ = true;
  }
};

Status Converter::ConsumeBin(const NcnnLayer& l) {
  auto short_file = [&](const std::string& what) {
    return Status::Corruption(path_ + ": .bin ends inside the " + what + " of layer '" + l.name +
                              "' (at byte " + std::to_string(bin_pos_) + " of " +
                              std::to_string(bin_.size()) + "): .param and .bin do not match");
  };
  auto take = [&](int64_t bytes) -> bool {
    if (bytes < 0 || static_cast<uint64_t>(bytes) > bin_.size() - bin_pos_) return false;
    bin_pos_ += static_cast<size_t>(bytes);
    return true;
  };
  // Values for the runner (ReadOptions::keep_weights): float32, float16 and 8-bit table
  // weights decode exactly; int8 weights once their layer's scales follow.
  auto keep = [&](TensorInfo& t, int64_t n, auto decode) {
    if (!options_.keep_weights) return;
    auto v = std::make_shared<std::vector<float>>(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) (*v)[static_cast<size_t>(i)] = decode(i);
    t.weights = std::move(v);
  };
  auto f32_at = [&](size_t at) {
    float f;
    std::memcpy(&f, bin_.data() + at, 4);
    return f;
  };
  std::map<int32_t, size_t> int8_at;  // int8 weight tensor -> where its values start
  for (const Load& load : loads_) {
    if (load.tensor < 0) {
      const size_t at = bin_pos_;
      if (!take(load.raw_floats * 4)) return short_file("int8 scales");
      auto it = int8_at.find(load.scales_of);
      if (it != int8_at.end() && load.weight_scales > 0 && load.weight_scales <= load.raw_floats) {
        TensorInfo& t = graph_.tensors[load.scales_of];
        const int64_t n = NumElements(t.shape).value_or(0);
        const int64_t per = n / load.weight_scales;
        const size_t values = it->second;
        if (per > 0 && per * load.weight_scales == n) {
          keep(t, n, [&](int64_t i) {
            const float scale = f32_at(at + 4 * static_cast<size_t>(i / per));
            const auto q = static_cast<int8_t>(bin_[values + static_cast<size_t>(i)]);
            return scale != 0.0f ? static_cast<float>(q) / scale : 0.0f;
          });
        }
      }
      continue;
    }
    TensorInfo& t = graph_.tensors[load.tensor];
    int64_t n = NumElements(t.shape).value_or(0);
    const size_t start = bin_pos_;
    if (!load.tagged) {
      if (!take(n * 4)) return short_file(t.name);
      if (load.readable) keep(t, n, [&](int64_t i) { return f32_at(start + 4 * static_cast<size_t>(i)); });
      continue;
    }
    if (bin_.size() - bin_pos_ < 4) return short_file(t.name + " type tag");
    uint32_t tag = static_cast<uint8_t>(bin_[bin_pos_]) |
                   (static_cast<uint32_t>(static_cast<uint8_t>(bin_[bin_pos_ + 1])) << 8) |
                   (static_cast<uint32_t>(static_cast<uint8_t>(bin_[bin_pos_ + 2])) << 16) |
                   (static_cast<uint32_t>(static_cast<uint8_t>(bin_[bin_pos_ + 3])) << 24);
    bin_pos_ += 4;
    auto align4 = [](int64_t b) { return (b + 3) / 4 * 4; };
    bool ok;
    const size_t at = bin_pos_;
    if (tag == 0x01306B47) {  // float16
      t.dtype = DType::kFloat16;
      ok = take(align4(n * 2));
      if (ok && load.readable) {
        keep(t, n, [&](int64_t i) {
          uint16_t h;
          std::memcpy(&h, bin_.data() + at + 2 * static_cast<size_t>(i), 2);
          return HalfToFloat(h);
        });
      }
    } else if (tag == 0x000D4B38) {  // int8: values once the layer's scales are read
      t.dtype = DType::kInt8;
      int8_at[load.tensor] = bin_pos_;
      ok = take(align4(n));
    } else if (tag == 0x0002C056 || tag == 0) {  // float32
      t.dtype = DType::kFloat32;
      ok = take(n * 4);
      if (ok && load.readable) keep(t, n, [&](int64_t i) { return f32_at(at + 4 * static_cast<size_t>(i)); });
    } else {  // 8-bit indices into a 256-entry float table
      t.dtype = DType::kUInt8;
      ok = take(256 * 4) && take(align4(n));
      if (ok && load.readable) {
        keep(t, n, [&](int64_t i) {
          const auto index = static_cast<uint8_t>(bin_[at + 256 * 4 + static_cast<size_t>(i)]);
          return f32_at(at + 4 * static_cast<size_t>(index));
        });
      }
    }
    if (!ok) return short_file(t.name);
  }
  loads_.clear();
  return Status::Ok();
}

Status Converter::ConvertConv(const NcnnLayer& l, NShape x, std::vector<NShape>* out, Node* node) {
  bool one_d = l.type == "Convolution1D" || l.type == "ConvolutionDepthWise1D";
  bool deconv = l.type.rfind("Deconvolution", 0) == 0;
  int64_t num_output = l.I(0, 0);
  int64_t kw = l.I(1, 0), kh = l.I(11, kw);
  int64_t dw = l.I(2, 1), dh = l.I(12, dw);
  int64_t sw = l.I(3, 1), sh = l.I(13, sw);
  int64_t pl = l.I(4, 0), pt = l.I(14, pl), pr = l.I(15, pl), pb = l.I(16, pt);
  int64_t group = std::max<int64_t>(1, l.I(7, 1));
  int64_t weight_size = l.I(6, 0);
  if (num_output <= 0 || kw <= 0 || kh <= 0) return Fail(l, "num_output and kernel must be >= 1");
  if (one_d) {
    // Conv1D works on [h rows of w]: channels are h.
    if (x.dims != 2) return Fail(l, "expects a 2-D input, got " + x.ToString());
    int64_t ow = ConvOut(x.w, kw, dw, sw, pl, pr);
    if (ow <= 0) return Fail(l, "kernel larger than the padded input " + x.ToString());
    out->push_back(NShape::D2(ow, num_output));
    node->attrs["kernel_shape"] = std::vector<int64_t>{kw};
    // Graph shape of a 2-D blob is [h, w]: present it as [1, h, w] to the conv rule.
  } else {
    if (x.dims == 1) x = NShape::D3(1, 1, x.w);  // a vector feeds a conv as 1x1xC
    if (x.dims != 3) return Fail(l, "expects a 3-D input, got " + x.ToString());
    int64_t ow, oh;
    if (deconv) {
      int64_t opr = l.I(18, 0), opb = l.I(19, opr);
      ow = l.I(20, 0) > 0 ? l.I(20, 0) : (x.w - 1) * sw + dw * (kw - 1) + 1 - pl - pr + opr;
      oh = l.I(21, 0) > 0 ? l.I(21, 0) : (x.h - 1) * sh + dh * (kh - 1) + 1 - pt - pb + opb;
      if (pl == -233 || pl == -234) {
        ow = x.w * sw;
        oh = x.h * sh;
      }
    } else {
      ow = ConvOut(x.w, kw, dw, sw, pl, pr);
      oh = ConvOut(x.h, kh, dh, sh, pt, pb);
    }
    if (ow <= 0 || oh <= 0) return Fail(l, "kernel larger than the padded input " + x.ToString());
    out->push_back(NShape::D3(ow, oh, num_output));
    node->attrs["kernel_shape"] = std::vector<int64_t>{kh, kw};
    node->attrs["strides"] = std::vector<int64_t>{sh, sw};
    node->attrs["dilations"] = std::vector<int64_t>{dh, dw};
  }
  int64_t cin = one_d ? x.h : x.c;
  node->attrs["group"] = group;
  if (!deconv && group > 1 && group == cin && group == num_output) {
    node->kind = OpKind::kDepthwiseConv;
  }
  int64_t k = one_d ? kw : kw * kh;
  int64_t per_filter = deconv ? (num_output / group) * k : (cin / group) * k;
  Shape wshape = deconv ? Shape{cin, num_output / group, kh, kw} : Shape{num_output, cin / group, kh, kw};
  if (one_d) wshape = Shape{num_output, cin / group, kw};
  if (weight_size > 0 && weight_size != (deconv ? cin : num_output) * per_filter) {
    wshape = Shape{weight_size};  // trust the stored size; MACs still follow the geometry
  }
  DType wtype = l.I(8, 0) > 0 ? DType::kInt8 : DType::kFloat32;
  const int32_t weight = AddWeight(l, "weight", wshape, wtype, /*tagged=*/true);
  node->inputs.push_back(weight);
  node->inputs.push_back(l.I(5, 0) ? AddWeight(l, "bias", {num_output}, DType::kFloat32) : -1);
  if (int64_t int8 = l.I(8, 0); int8 > 0 && !deconv) {
    // weight scales (one per output channel, or per group for depthwise), input scale(s),
    // and an output scale when int8_scale_term > 100.
    bool per_group = group > 1;
    const int64_t weight_scales = per_group ? group : num_output;
    SkipRaw(weight_scales + (per_group ? group : 1) + (int8 > 100 ? 1 : 0), weight, weight_scales);
  }
  if (const char* act = FusedActivation(l.I(9, 0))) node->attrs["fused_activation"] = std::string(act);
  return Status::Ok();
}

Status Converter::ConvertPooling(const NcnnLayer& l, const NShape& x, std::vector<NShape>* out,
                                 Node* node) {
  bool avg = l.I(0, 0) == 1;
  if (x.dims != 3) return Fail(l, "expects a 3-D input, got " + x.ToString());
  if (l.I(4, 0)) {  // global pooling: ncnn emits a vector of c; kept as c x 1 x 1
    node->kind = avg ? OpKind::kGlobalAveragePool : OpKind::kGlobalMaxPool;
    out->push_back(NShape::D3(1, 1, x.c));
    return Status::Ok();
  }
  node->kind = avg ? OpKind::kAveragePool : OpKind::kMaxPool;
  int64_t kw = l.I(1, 0), kh = l.I(11, kw);
  int64_t sw = l.I(2, 1), sh = l.I(12, sw);
  int64_t pl = l.I(3, 0), pt = l.I(13, pl), pr = l.I(14, pl), pb = l.I(15, pt);
  int64_t mode = l.I(5, 0);
  int64_t ow, oh;
  if (l.I(7, 0)) {  // adaptive
    ow = l.I(8, 0);
    oh = l.I(18, ow);
    kw = ow > 0 ? (x.w + ow - 1) / ow : 0;
    kh = oh > 0 ? (x.h + oh - 1) / oh : 0;
  } else {
    if (kw <= 0 || kh <= 0 || sw <= 0 || sh <= 0) return Fail(l, "kernel and stride must be >= 1");
    auto size = [&](int64_t in, int64_t k, int64_t s, int64_t lo, int64_t hi) -> int64_t {
      if (mode == 2 || mode == 3) return (in + s - 1) / s;  // SAME
      int64_t span = in + lo + hi - k;
      if (span < 0) return -1;
      if (mode == 0 && span % s != 0) span += s - span % s;  // full padding (ceil mode)
      return span / s + 1;
    };
    ow = size(x.w, kw, sw, pl, pr);
    oh = size(x.h, kh, sh, pt, pb);
  }
  if (ow <= 0 || oh <= 0) return Fail(l, "window larger than the padded input " + x.ToString());
  node->attrs["kernel_shape"] = std::vector<int64_t>{kh, kw};
  out->push_back(NShape::D3(ow, oh, x.c));
  return Status::Ok();
}

// ncnn broadcasting: equal dims broadcast axis by axis; a 1-D vector of c meets a 3-D blob
// along its channels. The output has the larger operand's shape.
NShape Broadcast(const std::vector<NShape>& in) {
  NShape out = in[0];
  for (const NShape& s : in) {
    if (s.dims > out.dims || (s.dims == out.dims && s.Elems() > out.Elems())) out = s;
  }
  for (const NShape& s : in) {
    if (s.dims == out.dims) {
      out.w = std::max(out.w, s.w);
      out.h = std::max(out.h, s.h);
      out.d = std::max(out.d, s.d);
      out.c = std::max(out.c, s.c);
    }
  }
  return out;
}

Status Converter::Convert(const NcnnLayer& l, const std::vector<NShape>& in,
                          std::vector<NShape>* out, Node* node) {
  const std::string& t = l.type;
  auto need = [&](size_t n) -> Status {
    if (in.size() < n) {
      return Fail(l, "needs " + std::to_string(n) + " inputs, has " + std::to_string(in.size()));
    }
    return Status::Ok();
  };
  auto same = [&]() {
    for (size_t i = 0; i < l.tops.size(); ++i) out->push_back(in[0]);
  };
  if (t != "Input" && t != "MemoryData") MBENCH_RETURN_IF_ERROR(need(1));

  if (t.find("onvolution") != std::string::npos) return ConvertConv(l, in[0], out, node);
  if (t == "Pooling") return ConvertPooling(l, in[0], out, node);
  if (t == "InnerProduct") {
    int64_t n = l.I(0, 0);
    if (n <= 0) return Fail(l, "num_output must be >= 1");
    const NShape& x = in[0];
    int64_t k = x.dims == 2 ? x.w : x.Elems();
    out->push_back(x.dims == 2 ? NShape::D2(n, x.h) : NShape::D1(n));
    DType wtype = l.I(8, 0) > 0 ? DType::kInt8 : DType::kFloat32;
    const int32_t weight = AddWeight(l, "weight", {n, k}, wtype, /*tagged=*/true);
    node->inputs.push_back(weight);
    node->inputs.push_back(l.I(1, 0) ? AddWeight(l, "bias", {n}, DType::kFloat32) : -1);
    if (l.I(8, 0) > 0) SkipRaw(n + 1, weight, n);  // weight scales, input scale
    if (const char* act = FusedActivation(l.I(9, 0))) node->attrs["fused_activation"] = std::string(act);
    return Status::Ok();
  }
  if (t == "Gemm") {
    // A [M, K] (transA: [K, M]) times B [K, N] (transB: [N, K]); constant B is a weight.
    const NShape& a = in[0];
    bool trans_a = l.I(2, 0) != 0;
    int64_t m = l.I(7, 0) > 0 ? l.I(7, 0) : (trans_a ? a.w : a.h);
    int64_t k = l.I(9, 0) > 0 ? l.I(9, 0) : (trans_a ? a.h : a.w);
    int64_t n = l.I(8, 0);
    if (l.I(5, 0) == 0) {
      MBENCH_RETURN_IF_ERROR(need(2));
      node->kind = OpKind::kMatMul;
      const NShape& b = in[1];
      n = l.I(3, 0) ? b.h : b.w;
    } else {
      node->inputs.push_back(AddWeight(l, "B", {n, k}, DType::kFloat32, /*tagged=*/true,
                                       /*readable=*/false));
      int64_t c_type = l.I(10, -1);
      node->inputs.push_back(l.I(6, 0) && c_type >= 0 ? AddWeight(l, "C", {n}, DType::kFloat32) : -1);
    }
    if (m <= 0 || n <= 0 || k <= 0) return Fail(l, "M, N and K must be known and >= 1");
    out->push_back(a.dims == 1 ? NShape::D1(n) : NShape::D2(n, m));
    return Status::Ok();
  }
  if (t == "ReLU") {
    if (l.F(0, 0.0) != 0.0) node->kind = OpKind::kLeakyRelu;
    same();
    return Status::Ok();
  }
  if (t == "PReLU") {
    node->inputs.push_back(AddWeight(l, "slope", {std::max<int64_t>(1, l.I(0, 1))}, DType::kFloat32));
    same();
    return Status::Ok();
  }
  if (t == "BatchNorm") {
    int64_t c = l.I(0, in[0].dims == 3 ? in[0].c : in[0].w);
    // .bin order is slope, mean, var, bias; the node takes [x, scale, bias, mean, var].
    int32_t slope = AddWeight(l, "slope", {c}, DType::kFloat32);
    int32_t mean = AddWeight(l, "mean", {c}, DType::kFloat32);
    int32_t var = AddWeight(l, "var", {c}, DType::kFloat32);
    int32_t bias = AddWeight(l, "bias", {c}, DType::kFloat32);
    node->inputs.insert(node->inputs.end(), {slope, bias, mean, var});
    same();
    return Status::Ok();
  }
  if (t == "Scale" || t == "Bias") {
    int64_t size = l.I(0, 0);
    if (t == "Scale" && size == kSentinel) {
      node->kind = OpKind::kMul;  // scale comes from the second input
    } else {
      node->inputs.push_back(AddWeight(l, t == "Scale" ? "scale" : "bias", {size}, DType::kFloat32));
      if (t == "Scale") {
        if (l.I(1, 0)) {
          node->inputs.push_back(AddWeight(l, "bias", {size}, DType::kFloat32));
        } else {
          node->kind = OpKind::kMul;
        }
      }
    }
    out->push_back(in[0]);
    return Status::Ok();
  }
  if (t == "InstanceNorm" || t == "LayerNorm" || t == "RMSNorm" || t == "GroupNorm" ||
      t == "Normalize") {
    int64_t size = t == "GroupNorm" ? l.I(1, 0) : l.I(0, 0);
    bool affine = t == "Normalize" ? l.I(3, 0) > 0 : l.I(t == "GroupNorm" ? 3 : 2, 1) != 0;
    if (t == "Normalize") size = l.I(3, 0);
    if (affine && size > 0) {
      node->inputs.push_back(AddWeight(l, "gamma", {size}, DType::kFloat32));
      if (t != "RMSNorm" && t != "Normalize") {
        node->inputs.push_back(AddWeight(l, "beta", {size}, DType::kFloat32));
      }
    }
    same();
    return Status::Ok();
  }
  if (t == "Eltwise" || t == "BinaryOp") {
    if (t == "Eltwise") {
      int64_t op = l.I(0, 1);
      node->kind = op == 0 ? OpKind::kMul : op == 2 ? OpKind::kMax : OpKind::kSum;
    } else {
      static constexpr OpKind kBinary[] = {OpKind::kAdd, OpKind::kSub, OpKind::kMul, OpKind::kDiv,
                                           OpKind::kMax, OpKind::kMin, OpKind::kPow, OpKind::kSub,
                                           OpKind::kDiv, OpKind::kPow, OpKind::kAtan, OpKind::kAtan};
      int64_t op = l.I(0, 0);
      if (op < 0 || op > 11) return Fail(l, "op_type=" + std::to_string(op) + ": unknown");
      node->kind = kBinary[op];
    }
    out->push_back(Broadcast(in));
    return Status::Ok();
  }
  if (t == "UnaryOp") {
    static constexpr OpKind kUnary[] = {
        OpKind::kAbs,  OpKind::kNeg,  OpKind::kFloor, OpKind::kCeil, OpKind::kSquare,
        OpKind::kSqrt, OpKind::kRsqrt, OpKind::kExp,  OpKind::kLog,  OpKind::kSin,
        OpKind::kCos,  OpKind::kTan,  OpKind::kAsin,  OpKind::kAcos, OpKind::kAtan,
        OpKind::kReciprocal, OpKind::kTanh, OpKind::kLog, OpKind::kRound, OpKind::kFloor};
    int64_t op = l.I(0, 0);
    if (op < 0 || op > 19) return Fail(l, "op_type=" + std::to_string(op) + ": unknown");
    node->kind = kUnary[op];
    same();
    return Status::Ok();
  }
  if (t == "Concat") {
    NShape o = in[0];
    int64_t* axis = o.Axis(static_cast<int>(l.I(0, 0)));
    if (axis == nullptr) return Fail(l, "axis out of range for " + o.ToString());
    for (size_t i = 1; i < in.size(); ++i) {
      NShape s = in[i];
      int64_t* a = s.Axis(static_cast<int>(l.I(0, 0)));
      if (a == nullptr || s.dims != o.dims) return Fail(l, "inputs of different ranks");
      *axis += *a;
    }
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "Slice") {
    NShape x = in[0];
    int64_t* axis = x.Axis(static_cast<int>(l.I(1, 0)));
    if (axis == nullptr) return Fail(l, "axis out of range for " + x.ToString());
    std::vector<int64_t> slices = l.Ints(0);
    std::vector<int64_t> indices = l.Ints(2);
    int64_t total = *axis, used = 0, unknown = 0;
    size_t n = l.tops.size();
    std::vector<int64_t> sizes(n, -1);
    if (!indices.empty()) {
      int64_t prev = 0;
      for (size_t i = 0; i < n; ++i) {
        int64_t end = i < indices.size() ? indices[i] : total;
        if (end < 0) end += total;
        sizes[i] = end - prev;
        prev = end;
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        if (i < slices.size() && slices[i] != kSentinel) {
          sizes[i] = slices[i];
          used += slices[i];
        } else {
          ++unknown;
        }
      }
      for (size_t i = 0; i < n; ++i) {
        if (sizes[i] == -1) sizes[i] = unknown > 0 ? (total - used) / unknown : 0;
      }
    }
    for (int64_t s : sizes) {
      if (s < 0) return Fail(l, "slices do not fit the input " + x.ToString());
      NShape o = x;
      *o.Axis(static_cast<int>(l.I(1, 0))) = s;
      out->push_back(o);
    }
    return Status::Ok();
  }
  if (t == "Crop") {
    NShape o = in[0];
    if (in.size() >= 2) {
      const NShape& ref = in[1];
      o.w = ref.w;
      if (o.dims >= 2) o.h = ref.h;
    } else if (l.Has(9)) {  // starts/ends/axes arrays
      std::vector<int64_t> starts = l.Ints(9), ends = l.Ints(10), axes = l.Ints(11);
      for (size_t i = 0; i < starts.size() && i < ends.size(); ++i) {
        int ax = axes.size() > i ? static_cast<int>(axes[i]) : static_cast<int>(i);
        int64_t* a = o.Axis(ax);
        if (a == nullptr) return Fail(l, "axis out of range");
        int64_t st = starts[i] < 0 ? starts[i] + *a : starts[i];
        int64_t en = ends[i] < 0 ? ends[i] + *a : std::min(ends[i], *a);
        *a = std::max<int64_t>(0, en - st);
      }
    } else {
      o.w = l.I(3, 0) > 0 ? l.I(3, 0) : o.w - l.I(0, 0) - l.I(6, 0);
      o.h = l.I(4, 0) > 0 ? l.I(4, 0) : o.h - l.I(1, 0) - l.I(7, 0);
      if (o.dims == 3) o.c = l.I(5, 0) > 0 ? l.I(5, 0) : o.c - l.I(2, 0) - l.I(8, 0);
    }
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "Interp") {
    NShape x = in[0];
    if (x.dims == 1) x = NShape::D3(1, 1, x.w);
    int64_t mode = l.I(0, 0);
    node->attrs["mode"] = std::string(mode == 2 ? "linear" : mode == 3 ? "cubic" : "nearest");
    NShape o = x;
    if (in.size() >= 2) {
      o.w = in[1].w;
      o.h = in[1].h;
    } else if (l.I(3, 0) > 0 && l.I(4, 0) > 0) {
      o.h = l.I(3, 0);
      o.w = l.I(4, 0);
    } else {
      o.h = static_cast<int64_t>(x.h * l.F(1, 1.0));
      o.w = static_cast<int64_t>(x.w * l.F(2, 1.0));
    }
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "Reshape") {
    const NShape& x = in[0];
    int64_t w = l.I(0, kSentinel), h = l.I(1, kSentinel), d = l.I(11, kSentinel),
            c = l.I(2, kSentinel);
    int dims = h == kSentinel ? 1 : c == kSentinel ? 2 : d == kSentinel ? 3 : 4;
    int64_t total = x.Elems();
    NShape o;
    o.dims = dims;
    int64_t* dst[4] = {&o.w, &o.h, &o.d, &o.c};
    int64_t src[4] = {w, h, d, c};
    int64_t srcx[4] = {x.w, x.h, x.d, x.c};
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < 4; ++i) {
      bool used = (i == 0) || (i == 1 && dims >= 2) || (i == 3 && dims >= 3) || (i == 2 && dims == 4);
      if (!used) continue;
      int64_t v = src[i] == 0 ? srcx[i] : src[i];
      if (v == -1) {
        infer = i;
        continue;
      }
      if (v <= 0) return Fail(l, "dimension " + std::to_string(v) + " is not valid");
      *dst[i] = v;
      known *= v;
    }
    if (infer >= 0) {
      if (known == 0 || total % known != 0) return Fail(l, "cannot infer -1 from " + x.ToString());
      *dst[infer] = total / known;
    }
    if (o.Elems() != total) {
      return Fail(l, "reshape of " + x.ToString() + " to " + o.ToString() + " changes the element count");
    }
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "Permute") {
    const NShape& x = in[0];
    int64_t order = l.I(0, 0);
    NShape o = x;
    if (x.dims == 2 && order == 1) std::swap(o.w, o.h);
    if (x.dims == 3) {
      // order names the new (w, h, c) taken from the old axes.
      int64_t v[3] = {x.w, x.h, x.c};
      static constexpr int kOrders[6][3] = {{0, 1, 2}, {1, 0, 2}, {0, 2, 1},
                                            {2, 0, 1}, {1, 2, 0}, {2, 1, 0}};
      if (order < 0 || order > 5) return Fail(l, "order_type out of range");
      o.w = v[kOrders[order][0]];
      o.h = v[kOrders[order][1]];
      o.c = v[kOrders[order][2]];
    }
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "Flatten") {
    out->push_back(NShape::D1(in[0].Elems()));
    return Status::Ok();
  }
  if (t == "Padding") {
    NShape o = in[0];
    o.h += l.I(0, 0) + l.I(1, 0);
    o.w += l.I(2, 0) + l.I(3, 0);
    if (o.dims == 3) o.c += l.I(7, 0) + l.I(8, 0);
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "Reorg" || t == "PixelShuffle") {
    int64_t s = std::max<int64_t>(1, l.I(0, 1));
    NShape o = in[0];
    if (t == "Reorg") {
      o.w /= s;
      o.h /= s;
      o.c *= s * s;
    } else {
      o.w *= s;
      o.h *= s;
      o.c /= s * s;
      // Mode 0 is PyTorch's pixel shuffle (ONNX CRD), 1 TensorFlow's depth-to-space (DCR).
      node->attrs["blocksize"] = s;
      node->attrs["mode"] = std::string(l.I(1, 0) == 1 ? "DCR" : "CRD");
    }
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "Reduction") {
    static constexpr OpKind kReduce[] = {OpKind::kReduceSum, OpKind::kReduceL1,
                                         OpKind::kReduceSumSquare, OpKind::kReduceMean,
                                         OpKind::kReduceMax, OpKind::kReduceMin,
                                         OpKind::kReduceProd, OpKind::kReduceL1,
                                         OpKind::kReduceL2, OpKind::kReduceLogSum,
                                         OpKind::kReduceLogSumExp};
    int64_t op = l.I(0, 0);
    if (op < 0 || op > 10) return Fail(l, "operation out of range");
    node->kind = kReduce[op];
    NShape o = in[0];
    bool keep = l.I(4, 0) != 0;
    if (l.I(1, 1)) {
      o = keep ? NShape{o.dims, 1, 1, 1, 1} : NShape::D1(1);
    } else {
      std::vector<int64_t> axes = l.Ints(3);
      for (int64_t a : axes) {
        // fixbug0=1 (param 5) indexes axes from the outermost; older files counted the batch.
        int axis = static_cast<int>(l.I(5, 0) ? a : a - 1);
        int64_t* p = o.Axis(axis);
        if (p == nullptr) return Fail(l, "axis " + std::to_string(a) + " out of range");
        *p = 1;
      }
      if (!keep) return Fail(l, "keepdims=0 is not supported by mbench's ncnn shape rules");
    }
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "PriorBox") {
    const NShape& f = in[0];
    int64_t num_min = static_cast<int64_t>(l.Ints(0).size());
    int64_t num_max = static_cast<int64_t>(l.Ints(1).size());
    int64_t num_ar = static_cast<int64_t>(l.Ints(2).size());
    int64_t priors = num_min * num_ar + num_min + num_max;
    if (l.I(4, 1)) priors += num_min * num_ar;
    out->push_back(NShape::D2(4 * f.w * f.h * priors, 2));
    return Status::Ok();
  }
  if (t == "DetectionOutput" || t == "YoloDetectionOutput" || t == "Yolov3DetectionOutput") {
    out->push_back(NShape::D2(6, -1));  // one row per detection: data-dependent
    return Status::Ok();
  }
  if (t == "ArgMax") {
    out->push_back(NShape::D1(std::max<int64_t>(1, l.I(1, 1))));
    return Status::Ok();
  }
  if (t == "Embed") {
    int64_t n = l.I(0, 0), vocab = l.I(1, 0);
    node->inputs = {AddWeight(l, "weight", {vocab, n}, DType::kFloat32, /*tagged=*/true),
                    node->inputs[0]};
    out->push_back(NShape::D2(n, in[0].w));
    return Status::Ok();
  }
  if (t == "SDPA") {
    MBENCH_RETURN_IF_ERROR(need(3));
    NShape o = in[0];
    o.w = in[2].w;
    out->push_back(o);
    if (l.I(7, 0) && in.size() >= 6) {
      // KV-cache mode: inputs q, k, v, mask, past_k, past_v; outputs also the grown caches,
      // and attention runs over past + current keys.
      NShape ck = in[4], cv = in[5];
      node->attrs["kv_cache_len"] = ck.h;
      ck.h += in[1].h;
      cv.h += in[2].h;
      out->push_back(ck);
      out->push_back(cv);
    }
    return Status::Ok();
  }
  if (t == "Tile") {
    NShape o = in[0];
    std::vector<int64_t> reps = l.Ints(2);
    // repeats are listed outermost first, like the blob's axes
    for (size_t i = 0; i < reps.size(); ++i) {
      int64_t* a = o.Axis(static_cast<int>(i) - static_cast<int>(reps.size()));
      if (a != nullptr) *a *= reps[i];
    }
    out->push_back(o);
    return Status::Ok();
  }
  if (t == "ExpandDims" || t == "Squeeze") {
    std::vector<int64_t> v = in[0].ToList();
    std::vector<int64_t> axes = l.Ints(3);
    if (t == "ExpandDims") {
      auto rank = static_cast<int64_t>(v.size() + axes.size());
      std::vector<bool> inserted(rank, false);
      for (int64_t a : axes) {
        if (a < 0) a += rank;
        if (a < 0 || a >= rank) return Fail(l, "axis out of range");
        inserted[a] = true;
      }
      std::vector<int64_t> o;
      size_t j = 0;
      for (int64_t i = 0; i < rank; ++i) o.push_back(inserted[i] ? 1 : v[j++]);
      v = o;
    } else {
      std::vector<int64_t> o;
      for (size_t i = 0; i < v.size(); ++i) {
        bool listed = axes.empty() ? v[i] == 1
                                   : std::count(axes.begin(), axes.end(), static_cast<int64_t>(i)) > 0 ||
                                         std::count(axes.begin(), axes.end(),
                                                    static_cast<int64_t>(i) - static_cast<int64_t>(v.size())) > 0;
        if (!listed) o.push_back(v[i]);
      }
      if (o.empty()) o.push_back(1);
      v = o;
    }
    auto shape = NShape::FromList(v);
    if (!shape) return Fail(l, "result has more than 4 dimensions, beyond ncnn's blobs");
    out->push_back(*shape);
    return Status::Ok();
  }
  // Everything else keeps its input's shape (activations, Softmax, Dropout, Split, Quantize...).
  same();
  return Status::Ok();
}

StatusOr<Graph> Converter::Run(std::vector<NcnnLayer> layers) {
  graph_.format = "ncnn";
  graph_.layout = Layout::kNCHW;
  for (const NcnnLayer& l : layers) {
    const LayerInfo* info = FindLayer(l.type);
    std::vector<NShape> in;
    Node node;
    node.name = l.name;
    node.op_type = l.type;
    node.kind = info != nullptr ? info->kind : OpKind::kUnknown;
    for (const std::string& b : l.bottoms) {
      auto it = blobs_.find(b);
      if (it == blobs_.end()) {
        return Status::Corruption(path_ + ":" + std::to_string(l.line) + ": layer '" + l.name +
                                  "' reads blob '" + b + "' before any layer writes it");
      }
      node.inputs.push_back(it->second);
      in.push_back(shapes_[b]);
    }
    std::vector<NShape> out;
    bool is_input = l.type == "Input" || l.type == "MemoryData";
    if (is_input) {
      NShape s;
      int64_t w = l.I(0, 0), h = l.I(1, 0), c = l.I(2, 0);
      s = c > 0 ? NShape::D3(w, h, c) : h > 0 ? NShape::D2(w, h) : NShape::D1(w);
      // An Input may declare several blobs (an LLM's KV cache); each takes its own
      // --input-shape, given outermost first: [1,]C,H,W, H,W or W.
      for (size_t i = 0; i < l.tops.size(); ++i) {
        const std::string& blob = l.tops[i];
        auto ov = options_.input_shapes.find(blob);
        if (ov == options_.input_shapes.end() && l.tops.size() == 1) {
          ov = options_.input_shapes.find(l.name);
        }
        NShape top = s;
        if (l.type == "Input" && ov != options_.input_shapes.end()) {
          std::vector<int64_t> d = ov->second;
          if (d.size() == 4 && d[0] == 1) d.erase(d.begin());
          auto parsed = NShape::FromList(d);
          if (!parsed) {
            return Status::InvalidArgument(path_ + ": --input-shape " + blob +
                                           ": ncnn blobs have 1 to 4 dimensions");
          }
          top = *parsed;
        } else if (w <= 0 || (l.type == "Input" && l.tops.size() != 1)) {
          return Status::InvalidArgument(path_ + ": input '" + blob + "' has no shape in the " +
                                         "file: set it with --input-shape " + blob + "=1,C,H,W");
        }
        out.push_back(top);
      }
    } else if (node.kind != OpKind::kUnknown) {
      MBENCH_RETURN_IF_ERROR(Convert(l, in, &out, &node));
    } else if (has_bin_) {
      return Status::Unsupported(path_ + ": layer '" + l.name + "' has unknown type '" + l.type +
                                 "': its weights in the .bin cannot be skipped");
    } else {
      for (size_t i = 0; i < l.tops.size(); ++i) out.push_back(NShape{});  // unknown shape
    }
    // Compare with the shape hints ncnnoptimize writes (-23330 = dims, w, h, c per top).
    if (l.Has(30) && !is_input && node.kind != OpKind::kNonMaxSuppression) {
      std::vector<int64_t> hint = l.Ints(30);
      if (hint.size() == 4 * out.size()) {
        for (size_t i = 0; i < out.size(); ++i) {
          NShape h{static_cast<int>(hint[4 * i]), hint[4 * i + 1], hint[4 * i + 2], 1, hint[4 * i + 3]};
          NShape mine = out[i];
          // ncnn keeps global pooling output as a vector; mbench as c x 1 x 1.
          if (h.dims == 1 && mine.dims == 3 && mine.w == 1 && mine.h == 1) mine = NShape::D1(mine.c);
          if (h.dims > 0 && out[i].dims > 0 && !(h == mine)) {
            if (hint_mismatches_++ == 0) {
              first_mismatch_ = "layer '" + l.name + "': file " + h.ToString() + ", mbench " +
                                out[i].ToString();
            }
          }
        }
      }
    }
    auto node_index = static_cast<int32_t>(graph_.nodes.size());
    for (size_t i = 0; i < l.tops.size(); ++i) {
      const std::string& blob = l.tops[i];
      if (blobs_.count(blob)) {
        return Status::Corruption(path_ + ":" + std::to_string(l.line) + ": blob '" + blob +
                                  "' is written twice");
      }
      const NShape& s = i < out.size() ? out[i] : NShape{};
      if (s.dims > 0 && !s.Valid() && node.kind != OpKind::kNonMaxSuppression) {
        return Status::InvalidArgument(path_ + ":" + std::to_string(l.line) + ": layer '" + l.name +
                                       "' output " + blob + " has an impossible shape");
      }
      TensorInfo ti;
      ti.name = graph_.FindTensor(blob) >= 0 ? blob + "#blob" : blob;
      ti.dtype = node.kind == OpKind::kQuantize ? DType::kInt8 : DType::kFloat32;
      ti.has_shape = s.dims > 0;
      ti.shape = s.dims > 0 ? s.ToShape() : Shape{};
      ti.is_constant = l.type == "MemoryData";
      ti.producer = is_input ? -1 : node_index;
      int32_t idx = graph_.AddTensor(std::move(ti));
      blobs_[blob] = idx;
      shapes_[blob] = s;
      if (l.type == "Input") graph_.inputs.push_back(idx);
      if (!is_input) node.outputs.push_back(idx);
    }
    if (l.type == "MemoryData" && !out.empty()) SkipRaw(out[0].Elems());
    if (has_bin_) {
      MBENCH_RETURN_IF_ERROR(ConsumeBin(l));
    } else {
      loads_.clear();
    }
    if (!is_input) graph_.nodes.push_back(std::move(node));
  }
  if (has_bin_ && bin_pos_ != bin_.size()) {
    return Status::Corruption(path_ + ": .bin has " + std::to_string(bin_.size() - bin_pos_) +
                              " bytes after the last layer's weights: .param and .bin do not match");
  }
  // Graph outputs: blobs nobody reads.
  std::unordered_map<int32_t, int> readers;
  for (const Node& n : graph_.nodes) {
    for (int32_t i : n.inputs) readers[i]++;
  }
  for (const Node& n : graph_.nodes) {
    for (int32_t o : n.outputs) {
      if (!readers.count(o)) graph_.outputs.push_back(o);
    }
  }
  if (hint_mismatches_ > 0) {
    graph_.notes.push_back(std::to_string(hint_mismatches_) + " blob shapes differ from the " +
                           "file's shape hints (first: " + first_mismatch_ + ")");
  }
  graph_.notes.push_back(has_bin_ ? std::string("ncnn weights: sizes from the .param, stored dtypes "
                                                "from the .bin type tags")
                                  : std::string("ncnn .param only: weights are sized from layer "
                                                "parameters (float32 unless the layer is int8)"));
  Status valid = ValidateGraph(graph_);
  if (!valid.ok()) return valid.Annotate(path_);
  return std::move(graph_);
}

}  // namespace

StatusOr<Graph> ReadNcnnParam(const std::string& path, std::string_view text,
                              const ReadOptions& options, const std::string_view* bin) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<NcnnLayer> layers, ParseParam(path, text));
  Converter converter(path, options);
  if (bin != nullptr) converter.SetBin(*bin);
  return converter.Run(std::move(layers));
}

StatusOr<std::vector<std::string>> UnknownNcnnLayerTypes(const std::string& path,
                                                        std::string_view text) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<NcnnLayer> layers, ParseParam(path, text));
  std::vector<std::string> unknown;
  for (const NcnnLayer& l : layers) {
    if (FindLayer(l.type) == nullptr &&
        std::find(unknown.begin(), unknown.end(), l.type) == unknown.end()) {
      unknown.push_back(l.type);
    }
  }
  return unknown;
}

}  // namespace mbench::analyzer
