// The values an ONNX TensorProto holds, as the Graph keeps them: its element type, the small
// constants shape arithmetic reads, and every value as float for the runner. Part of the ONNX
// reader (libonnx's protobuf types stay inside analyzer/'s readers); pure functions.
#ifndef MBENCH_ANALYZER_ONNX_TENSOR_READER_H_
#define MBENCH_ANALYZER_ONNX_TENSOR_READER_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "analyzer/graph.h"
#include "core/status_or.h"

namespace onnx {
class TensorProto;
class ValueInfoProto;  // onnx/onnx_pb.h, included only by the readers and writers
}  // namespace onnx

namespace mbench::analyzer {

// The DType of a TensorProto::DataType; kUnknown for types mbench does not name.
DType FromOnnxType(int32_t t);

// Reads up to kMaxInlineValues values of a small constant into `t` (int_values or
// float_values, has_values). Little-endian raw data, as the ONNX spec requires. `raw` is the
// tensor's raw_data (held in the model file when the parse left it there) and `has_raw`
// whether it has any.
void ExtractValues(const onnx::TensorProto& p, std::string_view raw, bool has_raw, TensorInfo& t);

// Every value of a constant of `n` elements as float, for the runner. Null for types it does
// not convert (strings) or data that does not match the shape.
std::shared_ptr<const std::vector<float>> ExtractWeights(const onnx::TensorProto& p,
                                                         std::string_view raw, bool has_raw,
                                                         int64_t n);

// Values a TensorProto holds inline: raw bytes over the element size (`bits` each), or its
// typed fields.
int64_t StoredValues(const onnx::TensorProto& p, std::string_view raw, int bits);

// The constant that stands for graph input `input` given `values` (`--input-value`): its type,
// its shape (or a scalar, or 1-D when the file leaves dims open). kInvalidArgument when the count
// does not fill the shape or an integer input gets a fraction; kUnsupported for a type that
// takes no number.
Status ValueTensor(const onnx::ValueInfoProto& input, const std::vector<double>& values,
                   onnx::TensorProto* out);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ONNX_TENSOR_READER_H_
