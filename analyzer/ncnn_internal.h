// The ncnn reader's insides, shared by its three files: the .param parser (ncnn_param.cc), the
// layer converters with their table (ncnn_layers.cc) and the reader that walks the layers and
// the .bin (ncnn_reader.cc). Internal to analyzer/: no other part includes it.
#ifndef MBENCH_ANALYZER_NCNN_INTERNAL_H_
#define MBENCH_ANALYZER_NCNN_INTERNAL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analyzer/graph.h"
#include "analyzer/read_options.h"
#include "core/status_or.h"

namespace mbench::analyzer::ncnn {

inline constexpr int kSentinel = -233;  // ncnn's "not set" value

struct NcnnLayer {
  std::string type;
  std::string name;
  std::vector<std::string> bottoms;
  std::vector<std::string> tops;
  std::map<int, std::vector<double>> params;  // scalars are one-element vectors
  int line = 0;

  bool Has(int id) const { return params.count(id) > 0; }
  // A parameter as an integer: ncnn's are 32-bit, so values outside that range (or NaN) are
  // clamped into it rather than converted with undefined behaviour.
  static int64_t ToInt(double v) {
    if (!(v == v)) return 0;
    if (v > 2147483647.0) return 2147483647;
    if (v < -2147483648.0) return -2147483648LL;
    return static_cast<int64_t>(v);
  }
  int64_t I(int id, int64_t fallback) const {
    auto it = params.find(id);
    return it == params.end() || it->second.empty() ? fallback : ToInt(it->second[0]);
  }
  double F(int id, double fallback) const {
    auto it = params.find(id);
    return it == params.end() || it->second.empty() ? fallback : it->second[0];
  }
  std::vector<int64_t> Ints(int id) const {
    std::vector<int64_t> out;
    auto it = params.find(id);
    if (it != params.end()) {
      for (double v : it->second) out.push_back(ToInt(v));
    }
    return out;
  }
};

// The layers of a .param text, in file order. kCorruption names the line of a malformed one.
// `note` (optional) receives a line for the report when the file holds more layer lines than
// its header declares (ignored, as ncnn ignores them).
StatusOr<std::vector<NcnnLayer>> ParseParam(const std::string& path, std::string_view text,
                                            std::string* note = nullptr);

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

// ncnn parameter ids (the numbers before '=' on a .param line), named as ncnn's layers name the
// fields they load (load_param in ncnn's src/layer/<type>.cpp); one struct per layer family.
struct InputParam {
  enum : int { kW = 0, kH = 1, kC = 2, kD = 11 };
};
struct ConvParam {  // Convolution, ConvolutionDepthWise, *1D, Deconvolution*
  enum : int {
    kNumOutput = 0,
    kKernelW = 1,
    kDilationW = 2,
    kStrideW = 3,
    kPadLeft = 4,
    kBiasTerm = 5,
    kWeightDataSize = 6,
    kGroup = 7,
    kInt8ScaleTerm = 8,
    kActivationType = 9,
    kKernelH = 11,
    kDilationH = 12,
    kStrideH = 13,
    kPadTop = 14,
    kPadRight = 15,
    kPadBottom = 16,
    kOutputPadRight = 18,
    kOutputPadBottom = 19,
    kOutputW = 20,
    kOutputH = 21
  };
};
struct PoolParam {
  enum : int {
    kPoolingType = 0,
    kKernelW = 1,
    kStrideW = 2,
    kPadLeft = 3,
    kGlobalPooling = 4,
    kPadMode = 5,
    kAdaptivePooling = 7,
    kOutW = 8,
    kKernelH = 11,
    kStrideH = 12,
    kPadTop = 13,
    kPadRight = 14,
    kPadBottom = 15,
    kOutH = 18
  };
};
struct InnerProductParam {
  enum : int { kNumOutput = 0, kBiasTerm = 1, kInt8ScaleTerm = 8, kActivationType = 9 };
};
struct GemmParam {
  enum : int {
    kTransA = 2,
    kTransB = 3,
    kConstantB = 5,
    kConstantC = 6,
    kConstantM = 7,
    kConstantN = 8,
    kConstantK = 9,
    kConstantBroadcastTypeC = 10
  };
};
struct ReluParam {
  enum : int { kSlope = 0 };
};
struct PReluParam {
  enum : int { kNumSlope = 0 };
};
struct BatchNormParam {
  enum : int { kChannels = 0 };
};
struct ScaleParam {
  enum : int { kDataSize = 0, kBiasTerm = 1 };
};  // Scale and Bias
struct NormParam {
  enum : int { kSize = 0, kAffine = 2 };
};  // InstanceNorm, LayerNorm, RMSNorm
struct GroupNormParam {
  enum : int { kChannels = 1, kAffine = 3 };
};
struct NormalizeParam {
  enum : int { kScaleDataSize = 3 };
};
struct BinaryParam {
  enum : int { kOpType = 0 };
};  // BinaryOp and Eltwise
struct UnaryParam {
  enum : int { kOpType = 0 };
};
struct ConcatParam {
  enum : int { kAxis = 0 };
};
struct SliceParam {
  enum : int { kSlices = 0, kAxis = 1, kIndices = 2 };
};
struct CropParam {
  enum : int {
    kWOffset = 0,
    kHOffset = 1,
    kCOffset = 2,
    kOutW = 3,
    kOutH = 4,
    kOutC = 5,
    kWOffset2 = 6,
    kHOffset2 = 7,
    kCOffset2 = 8,
    kStarts = 9,
    kEnds = 10,
    kAxes = 11
  };
};
struct InterpParam {
  enum : int {
    kResizeType = 0,
    kHeightScale = 1,
    kWidthScale = 2,
    kOutputHeight = 3,
    kOutputWidth = 4
  };
};
struct ReshapeParam {
  enum : int { kW = 0, kH = 1, kC = 2, kD = 11 };
};
struct PermuteParam {
  enum : int { kOrderType = 0 };
};
struct PaddingParam {
  enum : int { kTop = 0, kBottom = 1, kLeft = 2, kRight = 3, kFront = 7, kBehind = 8 };
};
struct PixelShuffleParam {
  enum : int { kFactor = 0, kMode = 1 };
};  // and Reorg's stride
struct ReductionParam {
  enum : int { kOperation = 0, kReduceAll = 1, kAxes = 3, kKeepDims = 4, kFixbug0 = 5 };
};
struct PriorBoxParam {
  enum : int { kMinSizes = 0, kMaxSizes = 1, kAspectRatios = 2, kFlip = 4 };
};
struct ArgMaxParam {
  enum : int { kOutMaxVal = 0, kTopK = 1 };
};
struct EmbedParam {
  enum : int { kNumOutput = 0, kInputDim = 1 };
};
struct SdpaParam {
  enum : int { kKvCache = 7 };
};
struct MultiHeadAttentionParam {
  enum : int {
    kEmbedDim = 0,
    kNumHeads = 1,
    kWeightDataSize = 2,
    kKDim = 3,
    kVDim = 4,
    kAttnMask = 5
  };
};
struct TileParam {
  enum : int { kRepeats = 2 };
};
struct ExpandSqueezeParam {
  enum : int { kAxes = 3 };
};
// The output shapes ncnnoptimize writes on any layer (-23330: dims, w, h, c per top).
constexpr int kShapeHintParam = 30;

// Fused activation (ConvParam::kActivationType, InnerProductParam::kActivationType) as a
// fused_activation name; nullptr for none.
const char* FusedActivation(int64_t type);

// Output size of a convolution window along one axis; pad == -233/-234 is SAME padding.
int64_t ConvOut(int64_t in, int64_t k, int64_t dil, int64_t stride, int64_t pad_lo, int64_t pad_hi);
// A pooled size along one axis with ncnn's pad_mode (0 full padding, rounding up; 1 valid;
// 2 and 3 SAME); -1 when the window does not fit.
int64_t PoolOut(int64_t in, int64_t k, int64_t s, int64_t lo, int64_t hi, int64_t mode);

// ncnn broadcasting: equal dims broadcast axis by axis; a 1-D vector of c meets a 3-D blob
// along its channels. The output has the larger operand's shape.
NShape Broadcast(const std::vector<NShape>& in);

struct LayerInfo;

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
    names_.insert(t.name);
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
  // A node the layer runs before its own (a layer ncnn implements as several steps, such as
  // MultiHeadAttention's projections): appended to the graph now, its one output a new tensor
  // of `shape` named "<layer>/<step>". Returns that tensor.
  int32_t AddStep(const NcnnLayer& l, const std::string& step, OpKind kind,
                  std::vector<int32_t> inputs, Shape shape);
  // Runs the layer's converter (kLayers): checks its inputs, adds its weights in .bin order,
  // refines node->kind from its parameters, and appends one shape per top to `out`.
  Status Convert(const NcnnLayer& l, const LayerInfo& info, const std::vector<NShape>& in,
                 std::vector<NShape>* out, Node* node);
  Status NeedInputs(const NcnnLayer& l, const std::vector<NShape>& in, size_t n) const;
  static void SameShape(const NcnnLayer& l, const std::vector<NShape>& in,
                        std::vector<NShape>* out);

 public:
  // One converter per layer family, named in kLayers.
  Status Same(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status Conv(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status Pooling(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                 Node* node);
  Status InnerProduct(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                      Node* node);
  Status Gemm(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status MatMul(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);
  Status Relu(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status PRelu(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
               Node* node);
  Status BatchNorm(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                   Node* node);
  Status ScaleBias(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                   Node* node);
  Status Norm(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status Binary(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);
  Status Unary(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
               Node* node);
  Status Concat(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);
  Status Slice(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
               Node* node);
  Status Crop(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status Interp(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);
  Status Reshape(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                 Node* node);
  Status Permute(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                 Node* node);
  Status Flatten(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                 Node* node);
  Status Padding(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                 Node* node);
  Status Reorg(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
               Node* node);
  Status Reduction(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                   Node* node);
  Status PriorBox(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                  Node* node);
  Status Detection(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                   Node* node);
  Status ArgMax(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);
  Status Embed(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
               Node* node);
  Status Sdpa(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status MultiHeadAttention(const NcnnLayer& l, const std::vector<NShape>& in,
                            std::vector<NShape>* out, Node* node);
  Status Recurrent(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                   Node* node);
  Status Tile(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status ExpandSqueeze(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                       Node* node);
  // ncnn_layers_more.cc: the rarer layer types (3-D convolution and pooling, 1-D pooling,
  // im2col and col2im, detection heads, sampling, signal processing, einsum).
  Status Conv3D(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);
  Status Pooling1D(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                   Node* node);
  Status Pooling3D(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                   Node* node);
  Status Glu(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
             Node* node);
  Status CopyTo(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);
  Status Diag(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status Unfold(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);
  Status Fold(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
              Node* node);
  Status GridSample(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                    Node* node);
  Status Spp(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
             Node* node);
  Status StatisticsPooling(const NcnnLayer& l, const std::vector<NShape>& in,
                           std::vector<NShape>* out, Node* node);
  Status RoiPool(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                 Node* node);
  Status Proposal(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                  Node* node);
  Status DeformableConv(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                        Node* node);
  Status Spectrogram(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                     Node* node);
  Status Einsum(const NcnnLayer& l, const std::vector<NShape>& in, std::vector<NShape>* out,
                Node* node);

 private:
  Status ConvertConv(const NcnnLayer& l, NShape x, std::vector<NShape>* out, Node* node);
  Status ConvertPooling(const NcnnLayer& l, const NShape& x, std::vector<NShape>* out, Node* node);

  const std::string& path_;
  const ReadOptions& options_;
  Graph graph_;
  std::unordered_map<std::string, NShape> shapes_;
  std::unordered_map<std::string, int32_t> blobs_;
  std::unordered_set<std::string> names_;  // of the tensors added so far (names are unique)
  int hint_mismatches_ = 0;
  std::string first_mismatch_;
  struct Load {
    int32_t tensor;  // -1: skip `raw_floats` values
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

// ncnn layer types: the OpKind each starts as and the converter that reads its parameters
// (BinaryOp, UnaryOp, Eltwise, Pooling, ReLU, Reduction and the convolutions refine the kind
// from them). Types not listed are unknown layers.
struct LayerInfo {
  const char* type;
  OpKind kind;
  Status (Converter::*convert)(const NcnnLayer&, const std::vector<NShape>&, std::vector<NShape>*,
                               Node*);
};

// The row of an ncnn layer type, or nullptr for a type mbench does not know.
const LayerInfo* FindLayer(const std::string& type);

}  // namespace mbench::analyzer::ncnn

#endif  // MBENCH_ANALYZER_NCNN_INTERNAL_H_
