#include "analyzer/ncnn_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>

#include "analyzer/ncnn_internal.h"
#include "core/half.h"
#include "core/units.h"

namespace mbench::analyzer {
namespace ncnn {

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
      if (load.readable)
        keep(t, n, [&](int64_t i) { return f32_at(start + 4 * static_cast<size_t>(i)); });
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
      if (ok && load.readable)
        keep(t, n, [&](int64_t i) { return f32_at(at + 4 * static_cast<size_t>(i)); });
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
      int64_t w = l.I(InputParam::kW, 0), h = l.I(InputParam::kH, 0), c = l.I(InputParam::kC, 0);
      const int64_t depth = l.I(InputParam::kD, 0);
      s = c > 0 && depth > 0 ? NShape{4, w, h, depth, c}
          : c > 0            ? NShape::D3(w, h, c)
          : h > 0            ? NShape::D2(w, h)
                             : NShape::D1(w);
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
          if ((d.size() == 4 || d.size() == 5) && d[0] == 1) d.erase(d.begin());
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
      MBENCH_RETURN_IF_ERROR(Convert(l, *info, in, &out, &node));
    } else if (has_bin_) {
      return Status::Unsupported(path_ + ": layer '" + l.name + "' has unknown type '" + l.type +
                                 "': its weights in the .bin cannot be skipped");
    } else {
      for (size_t i = 0; i < l.tops.size(); ++i) out.push_back(NShape{});  // unknown shape
    }
    // Compare with the shape hints ncnnoptimize writes (-23330 = dims, w, h, c per top).
    if (l.Has(kShapeHintParam) && !is_input && node.kind != OpKind::kNonMaxSuppression) {
      std::vector<int64_t> hint = l.Ints(kShapeHintParam);
      if (hint.size() == 4 * out.size()) {
        for (size_t i = 0; i < out.size(); ++i) {
          NShape h{static_cast<int>(hint[4 * i]), hint[4 * i + 1], hint[4 * i + 2], 1,
                   hint[4 * i + 3]};
          NShape mine = out[i];
          // ncnn keeps global pooling output as a vector; mbench as c x 1 x 1.
          if (h.dims == 1 && mine.dims == 3 && mine.w == 1 && mine.h == 1)
            mine = NShape::D1(mine.c);
          if (h.dims > 0 && out[i].dims > 0 && !(h == mine)) {
            if (hint_mismatches_++ == 0) {
              first_mismatch_ =
                  "layer '" + l.name + "': file " + h.ToString() + ", mbench " + out[i].ToString();
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
      ti.name = names_.count(blob) > 0 ? blob + "#blob" : blob;
      names_.insert(ti.name);
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
    return Status::Corruption(
        path_ + ": .bin has " + std::to_string(bin_.size() - bin_pos_) +
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
  graph_.notes.push_back(has_bin_
                             ? std::string("ncnn weights: sizes from the .param, stored dtypes "
                                           "from the .bin type tags")
                             : std::string("ncnn .param only: weights are sized from layer "
                                           "parameters (float32 unless the layer is int8)"));
  Status valid = ValidateGraph(graph_);
  if (!valid.ok()) return valid.Annotate(path_);
  return std::move(graph_);
}

}  // namespace ncnn

using ncnn::Converter;
using ncnn::FindLayer;
using ncnn::NcnnLayer;
using ncnn::ParseParam;

StatusOr<Graph> ReadNcnnParam(const std::string& path, std::string_view text,
                              const ReadOptions& options, const std::string_view* bin) {
  std::string note;
  MBENCH_ASSIGN_OR_RETURN(std::vector<NcnnLayer> layers, ParseParam(path, text, &note));
  Converter converter(path, options);
  if (bin != nullptr) converter.SetBin(*bin);
  MBENCH_ASSIGN_OR_RETURN(Graph g, converter.Run(std::move(layers)));
  if (!note.empty()) g.notes.push_back(note);
  return g;
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
