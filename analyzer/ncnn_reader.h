// Reads ncnn's text .param format (magic 7767517) into a Graph. ncnn files carry no weights in
// the .param, so weight tensors are created from the layer parameters (their element counts
// follow from num_output, kernel sizes and weight_data_size), and every blob shape is
// propagated from the Input layers by ncnn's own rules. Shapes map to the Graph as
// [w] (1-D), [h, w] (2-D), [1, c, h, w] (3-D) and [1, c, d, h, w] (4-D). Stateless;
// thread-safe.
#ifndef MBENCH_ANALYZER_NCNN_READER_H_
#define MBENCH_ANALYZER_NCNN_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "analyzer/graph.h"
#include "analyzer/read_options.h"
#include "core/status_or.h"

namespace mbench::analyzer {

// Converts the ncnn .param text in `text`; `path` names the file in messages. When `bin` is
// given (the matching .bin), each weight's stored dtype comes from its type tag, and a .bin
// that is shorter or longer than the .param implies is kCorruption.
// Returns kCorruption for a malformed file (bad magic, counts that do not match, a blob read
// before it is written, an unparsable parameter), kInvalidArgument for an Input whose shape is
// neither in the file nor given with --input-shape (the message names the input and the flag),
// and for shapes that cannot propagate (the message names the layer and the rule).
StatusOr<Graph> ReadNcnnParam(const std::string& path, std::string_view text,
                              const ReadOptions& options, const std::string_view* bin = nullptr);

// The layer types of a .param file that mbench does not know, without propagating shapes
// (for files whose inputs are dynamic). Returns kCorruption for a malformed file.
StatusOr<std::vector<std::string>> UnknownNcnnLayerTypes(const std::string& path,
                                                         std::string_view text);

// Whether the reader knows ncnn layer type `type` ("Convolution3D"): its shapes and work.
bool IsKnownNcnnLayer(const std::string& type);

}  // namespace mbench::analyzer

#endif  // MBENCH_ANALYZER_NCNN_READER_H_
