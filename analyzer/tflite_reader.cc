#include "analyzer/tflite_reader.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "analyzer/limits.h"
#include "analyzer/tflite_schema_generated.h"
#include "core/half.h"
#include "core/units.h"
#include "flatbuffers/flexbuffers.h"

namespace mbench::analyzer {
namespace {

namespace fb = ::mbench::tflite_fb;

struct BuiltinMapping {
  int32_t code;
  const char* name;
  OpKind kind;
};

// TFLite BuiltinOperator codes (schema.fbs) -> OpKind. Codes not listed are kept as unknown ops
// named BUILTIN_<code>.
constexpr BuiltinMapping kBuiltins[] = {
    {0, "ADD", OpKind::kAdd},
    {1, "AVERAGE_POOL_2D", OpKind::kAveragePool},
    {2, "CONCATENATION", OpKind::kConcat},
    {3, "CONV_2D", OpKind::kConv},
    {4, "DEPTHWISE_CONV_2D", OpKind::kDepthwiseConv},
    {5, "DEPTH_TO_SPACE", OpKind::kDepthToSpace},
    {6, "DEQUANTIZE", OpKind::kDequantize},
    {7, "EMBEDDING_LOOKUP", OpKind::kGather},
    {8, "FLOOR", OpKind::kFloor},
    {9, "FULLY_CONNECTED", OpKind::kFullyConnected},
    {11, "L2_NORMALIZATION", OpKind::kLpNormalization},
    {12, "L2_POOL_2D", OpKind::kLpPool},
    {13, "LOCAL_RESPONSE_NORMALIZATION", OpKind::kLrn},
    {14, "LOGISTIC", OpKind::kSigmoid},
    {17, "MAX_POOL_2D", OpKind::kMaxPool},
    {18, "MUL", OpKind::kMul},
    {19, "RELU", OpKind::kRelu},
    {20, "RELU_N1_TO_1", OpKind::kClip},
    {21, "RELU6", OpKind::kClip},
    {22, "RESHAPE", OpKind::kReshape},
    {23, "RESIZE_BILINEAR", OpKind::kResize},
    {25, "SOFTMAX", OpKind::kSoftmax},
    {26, "SPACE_TO_DEPTH", OpKind::kSpaceToDepth},
    {28, "TANH", OpKind::kTanh},
    {31, "CALL", OpKind::kIf},
    {34, "PAD", OpKind::kPad},
    {36, "GATHER", OpKind::kGather},
    {37, "BATCH_TO_SPACE_ND", OpKind::kDepthToSpace},
    {38, "SPACE_TO_BATCH_ND", OpKind::kSpaceToDepth},
    {39, "TRANSPOSE", OpKind::kTranspose},
    {40, "MEAN", OpKind::kReduceMean},
    {41, "SUB", OpKind::kSub},
    {42, "DIV", OpKind::kDiv},
    {43, "SQUEEZE", OpKind::kSqueeze},
    {45, "STRIDED_SLICE", OpKind::kSlice},
    {47, "EXP", OpKind::kExp},
    {48, "TOPK_V2", OpKind::kTopK},
    {49, "SPLIT", OpKind::kSplit},
    {50, "LOG_SOFTMAX", OpKind::kLogSoftmax},
    {53, "CAST", OpKind::kCast},
    {54, "PRELU", OpKind::kPRelu},
    {55, "MAXIMUM", OpKind::kMax},
    {56, "ARG_MAX", OpKind::kArgMax},
    {57, "MINIMUM", OpKind::kMin},
    {58, "LESS", OpKind::kLess},
    {59, "NEG", OpKind::kNeg},
    {60, "PADV2", OpKind::kPad},
    {61, "GREATER", OpKind::kGreater},
    {62, "GREATER_EQUAL", OpKind::kGreaterOrEqual},
    {63, "LESS_EQUAL", OpKind::kLessOrEqual},
    {64, "SELECT", OpKind::kWhere},
    {65, "SLICE", OpKind::kSlice},
    {66, "SIN", OpKind::kSin},
    {67, "TRANSPOSE_CONV", OpKind::kConvTranspose},
    {69, "TILE", OpKind::kTile},
    {70, "EXPAND_DIMS", OpKind::kUnsqueeze},
    {71, "EQUAL", OpKind::kEqual},
    {72, "NOT_EQUAL", OpKind::kEqual},
    {73, "LOG", OpKind::kLog},
    {74, "SUM", OpKind::kReduceSum},
    {75, "SQRT", OpKind::kSqrt},
    {76, "RSQRT", OpKind::kRsqrt},
    {77, "SHAPE", OpKind::kShape},
    {78, "POW", OpKind::kPow},
    {79, "ARG_MIN", OpKind::kArgMin},
    {81, "REDUCE_PROD", OpKind::kReduceProd},
    {82, "REDUCE_MAX", OpKind::kReduceMax},
    {83, "PACK", OpKind::kConcat},
    {84, "LOGICAL_OR", OpKind::kOr},
    {85, "ONE_HOT", OpKind::kOneHot},
    {86, "LOGICAL_AND", OpKind::kAnd},
    {87, "LOGICAL_NOT", OpKind::kNot},
    {88, "UNPACK", OpKind::kSplit},
    {89, "REDUCE_MIN", OpKind::kReduceMin},
    {90, "FLOOR_DIV", OpKind::kDiv},
    {92, "SQUARE", OpKind::kSquare},
    {93, "ZEROS_LIKE", OpKind::kConstantOfShape},
    {94, "FILL", OpKind::kConstantOfShape},
    {95, "FLOOR_MOD", OpKind::kMod},
    {96, "RANGE", OpKind::kRange},
    {97, "RESIZE_NEAREST_NEIGHBOR", OpKind::kResize},
    {98, "LEAKY_RELU", OpKind::kLeakyRelu},
    {99, "SQUARED_DIFFERENCE", OpKind::kSquaredDifference},
    {100, "MIRROR_PAD", OpKind::kPad},
    {101, "ABS", OpKind::kAbs},
    {102, "SPLIT_V", OpKind::kSplit},
    {104, "CEIL", OpKind::kCeil},
    {105, "REVERSE_V2", OpKind::kReverseSequence},
    {106, "ADD_N", OpKind::kSum},
    {107, "GATHER_ND", OpKind::kGatherNd},
    {108, "COS", OpKind::kCos},
    {109, "WHERE", OpKind::kNonZero},
    {111, "ELU", OpKind::kElu},
    {112, "REVERSE_SEQUENCE", OpKind::kReverseSequence},
    {114, "QUANTIZE", OpKind::kQuantize},
    {116, "ROUND", OpKind::kRound},
    {117, "HARD_SWISH", OpKind::kHardSwish},
    {118, "IF", OpKind::kIf},
    {119, "WHILE", OpKind::kLoop},
    {120, "NON_MAX_SUPPRESSION_V4", OpKind::kNonMaxSuppression},
    {121, "NON_MAX_SUPPRESSION_V5", OpKind::kNonMaxSuppression},
    {122, "SCATTER_ND", OpKind::kScatterNd},
    {123, "SELECT_V2", OpKind::kWhere},
    {124, "DENSIFY", OpKind::kIdentity},
    {126, "BATCH_MATMUL", OpKind::kMatMul},
    {128, "CUMSUM", OpKind::kCumSum},
    {129, "CALL_ONCE", OpKind::kIf},
    {130, "BROADCAST_TO", OpKind::kExpand},
    {132, "CONV_3D", OpKind::kConv},
    {150, "GELU", OpKind::kGelu},
    {152, "RELU_0_TO_1", OpKind::kClip},
    {158, "SIGN", OpKind::kSign},
};

constexpr int32_t kDequantizeCode = 6;
constexpr int32_t kDensifyCode = 124;
constexpr int32_t kTransposeConvCode = 67;
constexpr int32_t kEmbeddingLookupCode = 7;

// BuiltinOptions union type ids (schema.fbs order) of the option tables read below.
enum OptionsType : uint8_t {
  kConv2DOptions = 1,
  kDepthwiseConv2DOptions = 2,
  kPool2DOptions = 5,
  kFullyConnectedOptions = 8,
  kConcatenationOptions = 10,
  kAddOptions = 11,
  kLrnOptions = 13,
  kMulOptions = 21,
  kSubOptions = 28,
  kDivOptions = 29,
  kTransposeConvOptions = 49,
  kMirrorPadOptions = 77,
  kDepthToSpaceOptions = 94,
};

// Custom ops whose semantics are known (MediaPipe's); other custom ops stay kCustom.
struct CustomMapping {
  const char* name;
  OpKind kind;
};
constexpr CustomMapping kCustomOps[] = {
    {"Convolution2DTransposeBias", OpKind::kConvTranspose},
    {"MaxPoolingWithArgmax2D", OpKind::kMaxPool},
    {"MaxUnpooling2D", OpKind::kMaxUnpool},
};

DType FromTfliteType(int8_t t) {
  switch (t) {
    case 0: return DType::kFloat32;
    case 1: return DType::kFloat16;
    case 2: return DType::kInt32;
    case 3: return DType::kUInt8;
    case 4: return DType::kInt64;
    case 5: return DType::kString;
    case 6: return DType::kBool;
    case 7: return DType::kInt16;
    case 8: return DType::kComplex64;
    case 9: return DType::kInt8;
    case 10: return DType::kFloat64;
    case 11: return DType::kComplex128;
    case 12: return DType::kUInt64;
    case 15: return DType::kUInt32;
    case 16: return DType::kUInt16;
    case 17: return DType::kInt4;
    default: return DType::kUnknown;
  }
}

const char* ActivationName(int8_t a) {
  switch (a) {
    case 1: return "relu";
    case 2: return "relu_n1_to_1";
    case 3: return "relu6";
    case 4: return "tanh";
    case 5: return "sign_bit";
    default: return nullptr;
  }
}

// A dense constant's values as float for the runner: float32 as is, float16 widened, integer
// types dequantized with their per-tensor or per-channel scale and zero point (unscaled when the
// tensor carries no quantization). Null for types it does not convert.
// The values of a sparse constant (TFLite's sparsity: dimensions visited in traversal_order,
// each dense or compressed (CSR segments and indices), block dimensions after the tensor's own)
// written into its dense shape. Returns a message naming what is inconsistent, or "" with
// `out` filled; `out` stays empty for stored types it cannot decode.
std::string Densify(const TensorInfo& info, const fb::SparsityParameters& sp, const uint8_t* data,
                    int64_t stored, std::shared_ptr<const std::vector<float>>* out) {
  const auto* order = sp.traversal_order();
  const auto* meta = sp.dim_metadata();
  const size_t rank = info.shape.size();
  if (order == nullptr || meta == nullptr || order->size() != meta->size() ||
      order->size() < rank) {
    return "traversal order and dimension metadata do not match the rank";
  }
  const size_t levels = order->size();
  const size_t blocks = levels - rank;
  const auto* block_map = sp.block_map();
  if ((block_map == nullptr ? 0 : block_map->size()) != blocks) return "block map size";
  // Block size per original dimension (1 when not blocked); which level index holds it.
  std::vector<int64_t> block(rank, 1);
  std::vector<int> block_dim(rank, -1);
  for (size_t j = 0; j < blocks; ++j) {
    const int32_t d = block_map->Get(static_cast<flatbuffers::uoffset_t>(j));
    if (d < 0 || static_cast<size_t>(d) >= rank) return "block map names no dimension";
    block_dim[static_cast<size_t>(d)] = static_cast<int>(rank + j);
  }
  for (size_t l = 0; l < levels; ++l) {
    const int32_t dim = order->Get(static_cast<flatbuffers::uoffset_t>(l));
    if (dim < 0 || static_cast<size_t>(dim) >= levels) return "traversal order out of range";
    const auto* m = meta->Get(static_cast<flatbuffers::uoffset_t>(l));
    if (m == nullptr) return "missing dimension metadata";
    if (static_cast<size_t>(dim) >= rank && m->format() != fb::DimensionType_DENSE)
      return "sparse block dimension";
    if (static_cast<size_t>(dim) >= rank) {
      for (size_t d = 0; d < rank; ++d) {
        if (block_dim[d] == dim) block[d] = m->dense_size();
      }
    }
  }
  for (size_t d = 0; d < rank; ++d) {
    if (block[d] < 1 || info.shape[d] % block[d] != 0)
      return "block size does not divide the shape";
  }
  // Stored values as floats (float32 or float16 only: scales of quantized sparse weights
  // would follow the traversal, not the shape).
  std::vector<float> values(static_cast<size_t>(stored));
  if (info.dtype == DType::kFloat32) {
    std::memcpy(values.data(), data, static_cast<size_t>(stored) * 4);
  } else if (info.dtype == DType::kFloat16) {
    for (int64_t i = 0; i < stored; ++i) {
      uint16_t h;
      std::memcpy(&h, data + i * 2, 2);
      values[static_cast<size_t>(i)] = HalfToFloat(h);
    }
  } else {
    return "";
  }
  auto index_at = [](fb::SparseIndexVector type, const void* v, int64_t i, int64_t* value) {
    if (v == nullptr || i < 0) return false;
    switch (type) {
      case fb::SparseIndexVector_Int32Vector: {
        const auto* a = static_cast<const fb::Int32Vector*>(v)->values();
        if (a == nullptr || i >= a->size()) return false;
        *value = a->Get(static_cast<flatbuffers::uoffset_t>(i));
        return true;
      }
      case fb::SparseIndexVector_Uint16Vector: {
        const auto* a = static_cast<const fb::Uint16Vector*>(v)->values();
        if (a == nullptr || i >= a->size()) return false;
        *value = a->Get(static_cast<flatbuffers::uoffset_t>(i));
        return true;
      }
      case fb::SparseIndexVector_Uint8Vector: {
        const auto* a = static_cast<const fb::Uint8Vector*>(v)->values();
        if (a == nullptr || i >= a->size()) return false;
        *value = a->Get(static_cast<flatbuffers::uoffset_t>(i));
        return true;
      }
      default: return false;
    }
  };
  auto dense = std::make_shared<std::vector<float>>(
      static_cast<size_t>(NumElements(info.shape).value_or(0)), 0.0f);
  std::vector<int64_t> at(levels, 0);  // coordinate per level's dimension
  std::string error;
  std::function<void(size_t, int64_t)> visit = [&](size_t l, int64_t pos) {
    if (!error.empty()) return;
    if (l == levels) {
      if (pos < 0 || pos >= stored) {
        error = "stored value index out of range";
        return;
      }
      int64_t linear = 0;
      for (size_t d = 0; d < rank; ++d) {
        int64_t c =
            at[d] * block[d] + (block_dim[d] >= 0 ? at[static_cast<size_t>(block_dim[d])] : 0);
        if (c < 0 || c >= info.shape[d]) {
          error = "index outside the dense shape";
          return;
        }
        linear = linear * info.shape[d] + c;
      }
      (*dense)[static_cast<size_t>(linear)] = values[static_cast<size_t>(pos)];
      return;
    }
    const auto* m = meta->Get(static_cast<flatbuffers::uoffset_t>(l));
    const size_t dim = static_cast<size_t>(order->Get(static_cast<flatbuffers::uoffset_t>(l)));
    if (m->format() == fb::DimensionType_DENSE) {
      const int64_t size = m->dense_size();
      if (size < 1) {
        error = "dense dimension of size " + std::to_string(size);
        return;
      }
      for (int64_t i = 0; i < size && error.empty(); ++i) {
        at[dim] = i;
        visit(l + 1, pos * size + i);
      }
      return;
    }
    int64_t begin = 0, end = 0;
    if (!index_at(m->array_segments_type(), m->array_segments(), pos, &begin) ||
        !index_at(m->array_segments_type(), m->array_segments(), pos + 1, &end) || end < begin) {
      error = "compressed segments out of range";
      return;
    }
    for (int64_t j = begin; j < end && error.empty(); ++j) {
      int64_t index = 0;
      if (!index_at(m->array_indices_type(), m->array_indices(), j, &index)) {
        error = "compressed indices out of range";
        return;
      }
      at[dim] = index;
      visit(l + 1, j);
    }
  };
  visit(0, 0);
  if (!error.empty()) return error;
  *out = std::move(dense);
  return "";
}

std::shared_ptr<const std::vector<float>> DenseWeights(const TensorInfo& info, const uint8_t* data,
                                                       int64_t n) {
  auto out = std::make_shared<std::vector<float>>(static_cast<size_t>(n));
  auto& v = *out;
  // Per-element scale and zero point.
  int64_t inner = 1, channels = 1;
  if (info.quant_axis >= 0 && static_cast<size_t>(info.quant_axis) < info.shape.size()) {
    channels = info.shape[info.quant_axis];
    for (size_t d = info.quant_axis + 1; d < info.shape.size(); ++d) inner *= info.shape[d];
  }
  auto scale = [&](int64_t i) -> double {
    if (info.quant_scales.empty()) return 1.0;
    size_t c = info.quant_scales.size() == 1 ? 0 : static_cast<size_t>((i / inner) % channels);
    return c < info.quant_scales.size() ? info.quant_scales[c] : info.quant_scales[0];
  };
  auto zero = [&](int64_t i) -> double {
    if (info.quant_zero_points.empty()) return 0.0;
    size_t c = info.quant_zero_points.size() == 1 ? 0 : static_cast<size_t>((i / inner) % channels);
    return c < info.quant_zero_points.size() ? static_cast<double>(info.quant_zero_points[c]) : 0.0;
  };
  switch (info.dtype) {
    case DType::kFloat32: std::memcpy(v.data(), data, static_cast<size_t>(n) * 4); break;
    case DType::kFloat16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, data + i * 2, 2);
        v[i] = HalfToFloat(h);
      }
      break;
    case DType::kInt8:
      for (int64_t i = 0; i < n; ++i)
        v[i] = static_cast<float>(scale(i) * (static_cast<int8_t>(data[i]) - zero(i)));
      break;
    case DType::kUInt8:
      for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(scale(i) * (data[i] - zero(i)));
      break;
    case DType::kInt32:
      for (int64_t i = 0; i < n; ++i) {
        int32_t x;
        std::memcpy(&x, data + i * 4, 4);
        v[i] = static_cast<float>(scale(i) * (x - zero(i)));
      }
      break;
    default: return nullptr;
  }
  return out;
}

class Converter {
 public:
  Converter(const std::string& path, std::string_view bytes, const ReadOptions& options)
      : path_(path), bytes_(bytes), options_(options) {}
  StatusOr<Graph> Run();

 private:
  Status Corrupt(const std::string& msg) const { return Status::Corruption(path_ + ": " + msg); }
  std::unordered_set<std::string> names_;  // of the tensors added so far
  Status AddTensor(const fb::Tensor* t, size_t index);
  Status AddOperator(const fb::Operator* op, size_t index);
  // Reads scalar field `id` of an options table, verifying it first. Sets *ok=false on a field
  // that fails verification.
  template <typename T>
  T Opt(const fb::AnyOptions* o, int id, T fallback, bool* ok) const;

  const std::string& path_;
  std::string_view bytes_;
  const ReadOptions& options_;
  const fb::Model* model_ = nullptr;
  const fb::SubGraph* subgraph_ = nullptr;
  Graph graph_;
  std::vector<int32_t> alias_;  // tensor index -> index its readers should use (folded ops)
  int folded_ = 0;
};

template <typename T>
T Converter::Opt(const fb::AnyOptions* options, int id, T fallback, bool* ok) const {
  if (options == nullptr) return fallback;
  // Generated tables derive privately from flatbuffers::Table and add no members.
  const auto* o = reinterpret_cast<const flatbuffers::Table*>(options);
  auto field = static_cast<flatbuffers::voffset_t>(4 + 2 * id);
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size());
  if (!o->VerifyField<T>(verifier, field, sizeof(T))) {
    *ok = false;
    return fallback;
  }
  return o->GetField<T>(field, fallback);
}

Status Converter::AddTensor(const fb::Tensor* t, size_t index) {
  if (t == nullptr) return Corrupt("tensor " + std::to_string(index) + " is null");
  TensorInfo info;
  info.name = t->name() != nullptr ? t->name()->str() : "tensor_" + std::to_string(index);
  // Names are unique in a Graph; a set keeps the check linear in the number of tensors.
  if (info.name.empty() || names_.count(info.name) > 0) {
    info.name += "#" + std::to_string(index);
  }
  names_.insert(info.name);
  info.dtype = FromTfliteType(t->type());
  info.has_shape = t->shape() != nullptr || true;
  if (t->shape() != nullptr) {
    for (int32_t d : *t->shape()) {
      if (d < 0) {
        return Corrupt("tensor '" + info.name + "' dim=" + std::to_string(d) +
                       ": dimensions must be >= 0");
      }
      info.shape.push_back(d);
    }
  }
  auto elems = NumElements(info.shape);
  if (!elems) {
    return Status::InvalidArgument(path_ + ": tensor '" + info.name + "' shape " +
                                   ShapeToString(info.shape) + ": element count overflows int64");
  }
  if (const auto* q = t->quantization()) {
    if (q->scale() != nullptr) {
      for (float s : *q->scale()) info.quant_scales.push_back(s);
    }
    if (q->zero_point() != nullptr) {
      for (int64_t z : *q->zero_point()) info.quant_zero_points.push_back(z);
    }
    if (info.quant_scales.size() > 1) info.quant_axis = q->quantized_dimension();
  }
  uint32_t buffer = t->buffer();
  const auto* buffers = model_->buffers();
  if (buffer != 0) {
    if (buffers == nullptr || buffer >= buffers->size()) {
      return Corrupt("tensor '" + info.name + "' buffer=" + std::to_string(buffer) +
                     ": out of range (" + std::to_string(buffers ? buffers->size() : 0) +
                     " buffers)");
    }
    const fb::Buffer* b = buffers->Get(buffer);
    int64_t data_bytes = 0;
    const uint8_t* data = nullptr;
    if (b != nullptr && b->data() != nullptr && b->data()->size() > 0) {
      data_bytes = b->data()->size();
      data = b->data()->data();
    } else if (b != nullptr && b->offset() > 1) {
      if (b->offset() > bytes_.size() || b->size() > bytes_.size() - b->offset()) {
        return Corrupt("tensor '" + info.name + "' data at offset " + std::to_string(b->offset()) +
                       " size " + std::to_string(b->size()) + ": beyond the end of the file");
      }
      data_bytes = static_cast<int64_t>(b->size());
      data = reinterpret_cast<const uint8_t*>(bytes_.data()) + b->offset();
    }
    if (data_bytes > 0) {
      info.is_constant = true;
      int bits = DTypeBits(info.dtype);
      if (t->sparsity() != nullptr && bits >= 8) {
        info.stored_elements = data_bytes * 8 / bits;
      } else if (bits > 0) {
        auto needed = CheckedMul(*elems, bits);
        if (!needed || (*needed + 7) / 8 > data_bytes) {
          return Corrupt("tensor '" + info.name + "' (" + ShapeToString(info.shape) + " " +
                         DTypeName(info.dtype) + ") needs more bytes than its buffer's " +
                         std::to_string(data_bytes));
        }
      }
      if (options_.keep_weights && info.stored_elements < 0 && data != nullptr) {
        info.weights = DenseWeights(info, data, *elems);
      }
      if (options_.keep_weights && info.stored_elements >= 0 && data != nullptr) {
        std::string why = Densify(info, *t->sparsity(), data, info.stored_elements, &info.weights);
        if (!why.empty()) return Corrupt("tensor '" + info.name + "' sparsity: " + why);
      }
      if (*elems <= TensorInfo::kMaxInlineValues && info.stored_elements < 0 && data != nullptr) {
        if (info.dtype == DType::kInt32 || info.dtype == DType::kInt64) {
          size_t w = info.dtype == DType::kInt32 ? 4 : 8;
          for (int64_t i = 0; i < *elems; ++i) {
            int64_t v = 0;
            if (w == 4) {
              int32_t v32;
              std::memcpy(&v32, data + i * 4, 4);
              v = v32;
            } else {
              std::memcpy(&v, data + i * 8, 8);
            }
            info.int_values.push_back(v);
          }
          info.has_values = true;
        } else if (info.dtype == DType::kFloat32 && *elems <= 16) {
          for (int64_t i = 0; i < *elems; ++i) {
            float f;
            std::memcpy(&f, data + i * 4, 4);
            info.float_values.push_back(f);
          }
          info.has_values = true;
        }
      }
    }
  }
  graph_.AddTensor(std::move(info));
  return Status::Ok();
}

Status Converter::AddOperator(const fb::Operator* op, size_t index) {
  const std::string where = "operator " + std::to_string(index);
  if (op == nullptr) return Corrupt(where + " is null");
  const auto* codes = model_->operator_codes();
  if (codes == nullptr || op->opcode_index() >= codes->size()) {
    return Corrupt(where + ": opcode_index=" + std::to_string(op->opcode_index()) +
                   ": out of range");
  }
  const fb::OperatorCode* code = codes->Get(op->opcode_index());
  if (code == nullptr) return Corrupt(where + ": null operator code");
  int32_t builtin = std::max<int32_t>(code->deprecated_builtin_code(), code->builtin_code());

  auto num_tensors = static_cast<int32_t>(graph_.tensors.size());
  auto resolve = [&](int32_t i, int32_t* out) -> Status {
    if (i == -1) {
      *out = -1;
      return Status::Ok();
    }
    if (i < -1 || i >= num_tensors) {
      return Corrupt(where + ": tensor index " + std::to_string(i) + " out of range (" +
                     std::to_string(num_tensors) + " tensors)");
    }
    *out = alias_[i];
    return Status::Ok();
  };
  std::vector<int32_t> inputs, outputs;
  if (op->inputs() != nullptr) {
    for (int32_t i : *op->inputs()) {
      int32_t r;
      MBENCH_RETURN_IF_ERROR(resolve(i, &r));
      inputs.push_back(r);
    }
  }
  if (op->outputs() != nullptr) {
    for (int32_t i : *op->outputs()) {
      int32_t r;
      MBENCH_RETURN_IF_ERROR(resolve(i, &r));
      outputs.push_back(r);
    }
  }

  // A DEQUANTIZE or DENSIFY of a constant is how TFLite stores float16 and sparse weights:
  // readers of its output read the stored weight instead, and no compute layer is added.
  if ((builtin == kDequantizeCode || builtin == kDensifyCode) && inputs.size() == 1 &&
      outputs.size() == 1 && inputs[0] >= 0 && outputs[0] >= 0 &&
      graph_.tensors[inputs[0]].is_constant) {
    alias_[outputs[0]] = inputs[0];
    ++folded_;
    return Status::Ok();
  }

  Node node;
  if (builtin == 32) {  // CUSTOM
    node.op_type = code->custom_code() != nullptr ? code->custom_code()->str() : "custom";
    node.kind = OpKind::kCustom;
    for (const auto& m : kCustomOps) {
      if (node.op_type == m.name) node.kind = m.kind;
    }
  } else {
    node.op_type = "BUILTIN_" + std::to_string(builtin);
    node.kind = OpKind::kUnknown;
    for (const auto& m : kBuiltins) {
      if (m.code == builtin) {
        node.op_type = m.name;
        node.kind = m.kind;
      }
    }
  }
  node.name = where + ":" + node.op_type;
  if (!outputs.empty() && outputs[0] >= 0) node.name = graph_.tensors[outputs[0]].name;

  if (builtin == kTransposeConvCode) {
    // [output_shape, weights, input, bias] -> [input, weights, bias, output_shape]
    auto at = [&](size_t i) { return i < inputs.size() ? inputs[i] : -1; };
    inputs = {at(2), at(1), at(3), at(0)};
  } else if (builtin == kEmbeddingLookupCode && inputs.size() == 2) {
    inputs = {inputs[1], inputs[0]};
  }
  node.inputs = inputs;
  node.outputs = outputs;

  // Options, verified field by field.
  const fb::AnyOptions* o = op->builtin_options();
  uint8_t otype = op->builtin_options_type();
  bool ok = true;
  int8_t activation = 0;
  auto expect = [&](uint8_t type) { return otype == type ? o : nullptr; };
  const TensorInfo* x = inputs.empty() || inputs[0] < 0 ? nullptr : &graph_.tensors[inputs[0]];
  const TensorInfo* w = inputs.size() < 2 || inputs[1] < 0 ? nullptr : &graph_.tensors[inputs[1]];
  switch (builtin) {
    case 3: {  // CONV_2D: weights [Cout, kh, kw, Cin/group]
      const auto* opts = expect(kConv2DOptions);
      node.attrs["padding"] = std::string(Opt<int8_t>(opts, 0, 0, &ok) == 0 ? "SAME" : "VALID");
      node.attrs["strides"] =
          std::vector<int64_t>{Opt<int32_t>(opts, 2, 1, &ok), Opt<int32_t>(opts, 1, 1, &ok)};
      activation = Opt<int8_t>(opts, 3, 0, &ok);
      node.attrs["dilations"] =
          std::vector<int64_t>{Opt<int32_t>(opts, 5, 1, &ok), Opt<int32_t>(opts, 4, 1, &ok)};
      if (w != nullptr && w->shape.size() == 4) {
        node.attrs["kernel_shape"] = std::vector<int64_t>{w->shape[1], w->shape[2]};
        if (x != nullptr && x->shape.size() == 4 && w->shape[3] > 0) {
          node.attrs["group"] = std::max<int64_t>(1, x->shape[3] / w->shape[3]);
        }
      }
      break;
    }
    case 4: {  // DEPTHWISE_CONV_2D: weights [1, kh, kw, Cout]
      const auto* opts = expect(kDepthwiseConv2DOptions);
      node.attrs["padding"] = std::string(Opt<int8_t>(opts, 0, 0, &ok) == 0 ? "SAME" : "VALID");
      node.attrs["strides"] =
          std::vector<int64_t>{Opt<int32_t>(opts, 2, 1, &ok), Opt<int32_t>(opts, 1, 1, &ok)};
      node.attrs["depth_multiplier"] = static_cast<int64_t>(Opt<int32_t>(opts, 3, 1, &ok));
      activation = Opt<int8_t>(opts, 4, 0, &ok);
      node.attrs["dilations"] =
          std::vector<int64_t>{Opt<int32_t>(opts, 6, 1, &ok), Opt<int32_t>(opts, 5, 1, &ok)};
      if (w != nullptr && w->shape.size() == 4) {
        node.attrs["kernel_shape"] = std::vector<int64_t>{w->shape[1], w->shape[2]};
      }
      if (x != nullptr && x->shape.size() == 4) node.attrs["group"] = x->shape[3];
      break;
    }
    case 132: {  // CONV_3D: weights [kd, kh, kw, Cin, Cout]
      if (w != nullptr && w->shape.size() == 5) {
        node.attrs["kernel_shape"] = std::vector<int64_t>{w->shape[0], w->shape[1], w->shape[2]};
      }
      break;
    }
    case 1:
    case 12:
    case 17: {  // pools
      const auto* opts = expect(kPool2DOptions);
      node.attrs["padding"] = std::string(Opt<int8_t>(opts, 0, 0, &ok) == 0 ? "SAME" : "VALID");
      node.attrs["strides"] =
          std::vector<int64_t>{Opt<int32_t>(opts, 2, 1, &ok), Opt<int32_t>(opts, 1, 1, &ok)};
      node.attrs["kernel_shape"] =
          std::vector<int64_t>{Opt<int32_t>(opts, 4, 1, &ok), Opt<int32_t>(opts, 3, 1, &ok)};
      activation = Opt<int8_t>(opts, 5, 0, &ok);
      break;
    }
    case 9:  // FULLY_CONNECTED
      activation = Opt<int8_t>(expect(kFullyConnectedOptions), 0, 0, &ok);
      break;
    case 2:  // CONCATENATION
      node.attrs["axis"] =
          static_cast<int64_t>(Opt<int32_t>(expect(kConcatenationOptions), 0, 0, &ok));
      activation = Opt<int8_t>(expect(kConcatenationOptions), 1, 0, &ok);
      break;
    case 0: activation = Opt<int8_t>(expect(kAddOptions), 0, 0, &ok); break;
    case 18: activation = Opt<int8_t>(expect(kMulOptions), 0, 0, &ok); break;
    case 41: activation = Opt<int8_t>(expect(kSubOptions), 0, 0, &ok); break;
    case 42: activation = Opt<int8_t>(expect(kDivOptions), 0, 0, &ok); break;
    case 13:  // LRN: window of 2*radius+1
      node.attrs["size"] =
          static_cast<int64_t>(2 * Opt<int32_t>(expect(kLrnOptions), 0, 0, &ok) + 1);
      break;
    case 67: {  // TRANSPOSE_CONV: weights [Cout, kh, kw, Cin]
      const auto* opts = expect(kTransposeConvOptions);
      node.attrs["padding"] = std::string(Opt<int8_t>(opts, 0, 0, &ok) == 0 ? "SAME" : "VALID");
      node.attrs["strides"] =
          std::vector<int64_t>{Opt<int32_t>(opts, 2, 1, &ok), Opt<int32_t>(opts, 1, 1, &ok)};
      activation = Opt<int8_t>(opts, 3, 0, &ok);
      if (w != nullptr && w->shape.size() == 4) {
        node.attrs["kernel_shape"] = std::vector<int64_t>{w->shape[1], w->shape[2]};
      }
      break;
    }
    case 5:  // DEPTH_TO_SPACE: NHWC, channel index (i * block + j) * C_out + c (ONNX's DCR)
      node.attrs["blocksize"] =
          static_cast<int64_t>(Opt<int32_t>(expect(kDepthToSpaceOptions), 0, 0, &ok));
      node.attrs["mode"] = std::string("DCR");
      break;
    case 100:  // MIRROR_PAD
      node.attrs["mode"] = std::string(
          Opt<int8_t>(expect(kMirrorPadOptions), 0, 0, &ok) == 0 ? "reflect" : "symmetric");
      [[fallthrough]];
    case 34:
    case 60:  // PAD, PADV2: paddings [rank, 2], before and after per dimension; as ONNX's
              // pads: all befores, then all afters
      if (w != nullptr && w->shape.size() == 2 && w->shape[1] == 2 &&
          w->int_values.size() == static_cast<size_t>(2 * w->shape[0])) {
        const size_t r = static_cast<size_t>(w->shape[0]);
        std::vector<int64_t> pads(2 * r);
        for (size_t i = 0; i < r; ++i) {
          pads[i] = w->int_values[2 * i];
          pads[i + r] = w->int_values[2 * i + 1];
        }
        node.attrs["pads"] = std::move(pads);
      }
      break;
    case 23: node.attrs["mode"] = std::string("linear"); break;
    case 97: node.attrs["mode"] = std::string("nearest"); break;
    default: break;
  }
  if (node.kind == OpKind::kConvTranspose && builtin == 32 && w != nullptr &&
      w->shape.size() == 4) {
    node.attrs["kernel_shape"] = std::vector<int64_t>{w->shape[1], w->shape[2]};
  }
  if (node.kind == OpKind::kMaxPool && builtin == 32 && x != nullptr && !outputs.empty() &&
      outputs[0] >= 0) {
    // MaxPoolingWithArgmax2D: MediaPipe uses non-overlapping windows (kernel == stride), so the
    // window is the ratio of input to output size.
    const TensorInfo& y = graph_.tensors[outputs[0]];
    if (x->shape.size() == 4 && y.shape.size() == 4 && y.shape[1] > 0 && y.shape[2] > 0) {
      node.attrs["kernel_shape"] =
          std::vector<int64_t>{x->shape[1] / y.shape[1], x->shape[2] / y.shape[2]};
    }
  }
  if (builtin == 32 && node.op_type == "Convolution2DTransposeBias") {
    // MediaPipe's transposed convolution with bias: weights [Cout, kh, kw, Cin] like
    // TRANSPOSE_CONV; its custom options are three little-endian int32s: padding (1 SAME,
    // 2 VALID), stride width, stride height.
    const auto* bytes = op->custom_options();
    int32_t v[3] = {0, 0, 0};
    if (bytes == nullptr || bytes->size() < sizeof(v)) {
      ok = false;
    } else {
      for (int i = 0; i < 3; ++i) {
        const uint8_t* b = bytes->data() + 4 * i;
        v[i] = static_cast<int32_t>(static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
                                    static_cast<uint32_t>(b[2]) << 16 |
                                    static_cast<uint32_t>(b[3]) << 24);
      }
      ok = (v[0] == 1 || v[0] == 2) && v[1] >= 1 && v[1] <= 4096 && v[2] >= 1 && v[2] <= 4096;
    }
    node.attrs["padding"] = std::string(v[0] == 2 ? "VALID" : "SAME");
    node.attrs["strides"] = std::vector<int64_t>{v[2], v[1]};
    if (w != nullptr && w->shape.size() == 4) {
      node.attrs["kernel_shape"] = std::vector<int64_t>{w->shape[1], w->shape[2]};
    }
  }
  if (!ok) return Corrupt(where + " (" + node.op_type + "): options fail verification");
  if (const char* act = ActivationName(activation))
    node.attrs["fused_activation"] = std::string(act);

  auto node_index = static_cast<int32_t>(graph_.nodes.size());
  for (int32_t out : node.outputs) {
    if (out < 0) continue;
    if (graph_.tensors[out].is_constant) {
      return Corrupt(where + ": writes constant tensor '" + graph_.tensors[out].name + "'");
    }
    if (graph_.tensors[out].producer >= 0) {
      return Corrupt(where + ": tensor '" + graph_.tensors[out].name + "' has two producers");
    }
    graph_.tensors[out].producer = node_index;
  }
  graph_.nodes.push_back(std::move(node));
  return Status::Ok();
}

StatusOr<Graph> Converter::Run() {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size());
  if (bytes_.size() >= (size_t{1} << 31) || !fb::VerifyModelBuffer(verifier)) {
    return Corrupt(
        "not a valid TFLite model: the flatbuffer fails verification (truncated or "
        "damaged file)");
  }
  model_ = fb::GetModel(bytes_.data());
  const auto* subgraphs = model_->subgraphs();
  if (subgraphs == nullptr || subgraphs->size() == 0 || subgraphs->Get(0) == nullptr) {
    return Status::Unsupported(path_ + ": TFLite model has no subgraph to analyze");
  }
  subgraph_ = subgraphs->Get(0);
  if (subgraphs->size() > 1) {
    std::string others;
    for (size_t i = 1; i < subgraphs->size(); ++i) {
      const auto* sg = subgraphs->Get(static_cast<flatbuffers::uoffset_t>(i));
      others += (others.empty() ? "" : ", ") + std::to_string(i);
      if (sg != nullptr && sg->name() != nullptr) others += " '" + sg->name()->str() + "'";
    }
    graph_.notes.push_back("model has " + std::to_string(subgraphs->size()) +
                           " subgraphs: analyzed the main one (0); not analyzed: " + others);
  }
  graph_.format = "tflite";
  graph_.layout = Layout::kNHWC;
  graph_.opset = model_->version();
  graph_.producer = model_->description() != nullptr ? model_->description()->str() : "";

  const auto* tensors = subgraph_->tensors();
  size_t num_tensors = tensors != nullptr ? tensors->size() : 0;
  if (static_cast<int64_t>(num_tensors) > kMaxTensors) {
    return Corrupt(std::to_string(num_tensors) + " tensors: above the limit of " +
                   std::to_string(kMaxTensors) + " (docs/limits.md)");
  }
  for (size_t i = 0; i < num_tensors; ++i) {
    MBENCH_RETURN_IF_ERROR(AddTensor(tensors->Get(static_cast<flatbuffers::uoffset_t>(i)), i));
  }
  alias_.resize(num_tensors);
  for (size_t i = 0; i < num_tensors; ++i) alias_[i] = static_cast<int32_t>(i);

  auto check_index = [&](int32_t i, const char* what) -> Status {
    if (i < 0 || static_cast<size_t>(i) >= num_tensors) {
      return Corrupt(std::string(what) + " tensor index " + std::to_string(i) + " out of range");
    }
    return Status::Ok();
  };
  if (subgraph_->inputs() != nullptr) {
    for (int32_t i : *subgraph_->inputs()) {
      MBENCH_RETURN_IF_ERROR(check_index(i, "input"));
      if (!graph_.tensors[i].is_constant) graph_.inputs.push_back(i);
    }
  }
  for (const auto& [name, shape] : options_.input_shapes) {
    int32_t idx = -1;
    for (int32_t i : graph_.inputs) {
      if (graph_.tensors[i].name == name) idx = i;
    }
    if (idx < 0) {
      return Status::InvalidArgument(path_ + ": --input-shape names '" + name +
                                     "', which is not an input of the model");
    }
    if (graph_.tensors[idx].shape != shape) {
      return Status::InvalidArgument(path_ + ": --input-shape " + name + "=" +
                                     ShapeToString(shape) +
                                     ": TFLite stores every "
                                     "tensor's shape and input '" +
                                     name + "' is " + ShapeToString(graph_.tensors[idx].shape) +
                                     " in the file; re-export the model for another size");
    }
  }
  const auto* ops = subgraph_->operators();
  size_t num_ops = ops != nullptr ? ops->size() : 0;
  if (num_ops == 0) return Corrupt("the main subgraph has no operators: nothing to analyze");
  if (static_cast<int64_t>(num_ops) > kMaxLayers) {
    return Corrupt(std::to_string(num_ops) + " operators: above the limit of " +
                   std::to_string(kMaxLayers) + " (docs/limits.md)");
  }
  for (size_t i = 0; i < num_ops; ++i) {
    MBENCH_RETURN_IF_ERROR(AddOperator(ops->Get(static_cast<flatbuffers::uoffset_t>(i)), i));
  }
  if (subgraph_->outputs() != nullptr) {
    for (int32_t i : *subgraph_->outputs()) {
      MBENCH_RETURN_IF_ERROR(check_index(i, "output"));
      graph_.outputs.push_back(alias_[i]);
    }
  }
  if (folded_ > 0) {
    graph_.notes.push_back(std::to_string(folded_) + " DEQUANTIZE/DENSIFY ops of constant " +
                           "weights folded: those weights count in their stored dtype and form");
  }
  Status valid = ValidateGraph(graph_);
  if (!valid.ok()) return valid.Annotate(path_);
  return std::move(graph_);
}

}  // namespace

StatusOr<Graph> ReadTfliteModel(const std::string& path, std::string_view bytes,
                                const ReadOptions& options) {
  Converter converter(path, bytes, options);
  return converter.Run();
}

}  // namespace mbench::analyzer
