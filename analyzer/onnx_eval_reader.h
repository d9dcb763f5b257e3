// Constant evaluation over an ONNX graph's protobuf: the small integer and boolean computations
// a condition, a trip count or a shape is made of. Shared by the reader's control-flow inlining
// and its node-by-node shape inference; part of the ONNX reader (libonnx's protobuf types stay
// inside analyzer/'s readers). Thread-compatible.
#ifndef MBENCH_ANALYZER_ONNX_EVAL_READER_H_
#define MBENCH_ANALYZER_ONNX_EVAL_READER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analyzer/graph.h"

namespace onnx {
class NodeProto;  // onnx/onnx_pb.h, included only by the readers and writers
class TensorProto;
}  // namespace onnx

namespace mbench::analyzer {

// The static shape of a tensor, when known.
using ShapeLookup = std::function<std::optional<std::vector<int64_t>>(const std::string&)>;

namespace onnx_eval {

constexpr int64_t kMaxEvalElements = TensorInfo::kMaxInlineValues;

// A small constant as the evaluator sees it: every value as double (exact for the integers and
// booleans conditions and trip counts are made of).
struct Value {
  int32_t type = 1;  // TensorProto::DataType; FLOAT
  std::vector<int64_t> dims;
  std::vector<double> v;
};

// Whether `t` (a TensorProto::DataType) holds integers or booleans.
bool IsIntegral(int32_t t);

// The values of a tensor of at most kMaxEvalElements elements (integers, booleans, float and
// double: onnx_tensor_reader.h's ExtractValues); nullopt for larger ones, other types, and data
// that does not fill the dims.
std::optional<Value> Decode(const onnx::TensorProto& p);

// Fills `out` with `v` (INT64 for integral types, FLOAT otherwise), named `name`.
void Encode(const std::string& name, const Value& v, onnx::TensorProto* out);

// A node's INT attribute `key`, or `fallback`.
int64_t AttrInt(const onnx::NodeProto& n, const std::string& key, int64_t fallback);

class Evaluator {
 public:
  // `shape_of` answers for Shape nodes; it must outlive the evaluator.
  explicit Evaluator(const ShapeLookup& shape_of) : shape_of_(shape_of) {}

  void AddConstant(const std::string& name, const Value& v) { known_[name] = v; }
  void AddProducer(const std::string& name, const onnx::NodeProto* node) { producer_[name] = node; }
  void AddInput(const std::string& name) { inputs_.insert(name); }

  std::optional<Value> Eval(const std::string& name) { return Eval(name, 0); }

  // The graph inputs `name` depends on through nodes, in name order.
  std::set<std::string> InputsBehind(const std::string& name) const;

  bool Known(const std::string& name) const { return known_.count(name) > 0; }

 private:
  std::optional<Value> Eval(const std::string& name, int depth);
  std::optional<Value> EvalNode(const onnx::NodeProto& n, int depth);
  // Reshapes, Slice, Transpose, Concat, ConstantOfShape and Range; `in` per input, nullopt for
  // an omitted optional one.
  std::optional<Value> EvalMovement(const onnx::NodeProto& n,
                                    const std::vector<std::optional<Value>>& in) const;

  const ShapeLookup& shape_of_;
  std::unordered_map<std::string, Value> known_;
  std::unordered_map<std::string, const onnx::NodeProto*> producer_;
  std::unordered_set<std::string> inputs_;
  std::unordered_set<std::string> failed_;
};

}  // namespace onnx_eval
}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ONNX_EVAL_READER_H_
