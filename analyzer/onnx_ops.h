// ONNX op types and the OpKinds they become: the default domain's ops and the Microsoft
// contrib ops exporters emit. One table each (onnx_ops.cc); the ONNX reader's only op list.
// Constant data; thread-safe.
#ifndef MBENCH_ANALYZER_ONNX_OPS_H_
#define MBENCH_ANALYZER_ONNX_OPS_H_

#include <string>

#include "analyzer/graph.h"

namespace mbench::analyzer {

// The kind of ONNX op `op_type` in `domain` ("" or "ai.onnx", "com.microsoft"); kUnknown for an
// op or domain mbench does not know. Conv is refined to kDepthwiseConv by the reader.
OpKind LookupKind(const std::string& domain, const std::string& op_type);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_ONNX_OPS_H_
