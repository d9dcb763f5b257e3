#include "analyzer/onnx_proto_reader.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "onnx/onnx_pb.h"

namespace mbench::analyzer {
namespace {

// Protobuf's wire format, as far as StripLargeRawData needs it.
bool ReadVarint(const char*& p, const char* end, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const auto byte = static_cast<uint8_t>(*p++);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void WriteVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// One field of a message: its number, wire type, and (for length-delimited fields) payload.
struct WireField {
  uint64_t number = 0;
  int type = 0;
  std::string_view whole;    // key and value, as in the message
  std::string_view payload;  // wire type 2 only
};

bool NextField(const char*& p, const char* end, WireField* f) {
  const char* start = p;
  uint64_t key = 0, v = 0;
  if (!ReadVarint(p, end, &key)) return false;
  f->number = key >> 3;
  f->type = static_cast<int>(key & 7);
  switch (f->type) {
    case 0:
      if (!ReadVarint(p, end, &v)) return false;
      break;
    case 1:
      if (end - p < 8) return false;
      p += 8;
      break;
    case 5:
      if (end - p < 4) return false;
      p += 4;
      break;
    case 2:
      if (!ReadVarint(p, end, &v) || v > static_cast<uint64_t>(end - p)) return false;
      f->payload = std::string_view(p, static_cast<size_t>(v));
      p += v;
      break;
    default: return false;  // groups: no ONNX message has them
  }
  f->whole = std::string_view(start, static_cast<size_t>(p - start));
  return true;
}

// Copies `message`, passing each length-delimited field numbered `field` through `rewrite`
// (which appends the field's new payload, or returns false to drop the field).
template <typename Rewrite>
bool RewriteFields(std::string_view message, uint64_t field, std::string* out, Rewrite rewrite) {
  const char* p = message.data();
  const char* end = p + message.size();
  while (p < end) {
    WireField f;
    if (!NextField(p, end, &f)) return false;
    if (f.number != field || f.type != 2) {
      out->append(f.whole);
      continue;
    }
    std::string payload;
    bool keep = true;
    if (!rewrite(f.payload, &payload, &keep)) return false;
    if (!keep) continue;
    WriteVarint(field << 3 | 2, out);
    WriteVarint(payload.size(), out);
    out->append(payload);
  }
  return true;
}

// Every name the nodes of `g` (and their subgraphs) read.
void SubgraphReads(const onnx::GraphProto& g, std::unordered_set<std::string>* names) {
  for (const auto& node : g.node()) {
    for (const auto& in : node.input()) names->insert(in);
    for (const auto& a : node.attribute()) {
      if (a.has_g()) SubgraphReads(a.g(), names);
      for (const auto& sub : a.graphs()) SubgraphReads(sub, names);
    }
  }
}

}  // namespace

// ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto.raw_data = 9. Returns false on
// anything it cannot walk, and the caller parses the file as it is (protobuf then judges it).
bool StripLargeRawData(std::string_view file, size_t min_bytes, StrippedModel* out) {
  out->proto.clear();
  out->raw.clear();
  out->proto.reserve(std::min<size_t>(file.size(), 1 << 20));
  return RewriteFields(file, 7, &out->proto, [&](std::string_view graph, std::string* g, bool*) {
    return RewriteFields(graph, 5, g, [&](std::string_view tensor, std::string* t, bool*) {
      std::optional<std::string_view> kept;
      const bool walked =
          RewriteFields(tensor, 9, t, [&](std::string_view raw, std::string* r, bool* keep) {
            if (raw.size() < min_bytes) {
              r->assign(raw);
              kept.reset();  // a later raw_data replaces an earlier one, as protobuf's parse does
            } else {
              kept = raw;
              *keep = false;
            }
            return true;
          });
      out->raw.push_back(kept);
      return walked;
    });
  });
}

StatusOr<bool> SortNodesInDependencyOrder(onnx::GraphProto* g) {
  const int n = g->node_size();
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < n; ++i) {
    for (const auto& out : g->node(i).output()) {
      if (!out.empty()) producer.emplace(out, i);
    }
  }
  std::vector<std::vector<int>> readers(static_cast<size_t>(n));
  std::vector<int> pending(static_cast<size_t>(n), 0);
  for (int i = 0; i < n; ++i) {
    const onnx::NodeProto& node = g->node(i);
    std::unordered_set<std::string> reads(node.input().begin(), node.input().end());
    for (const auto& a : node.attribute()) {
      if (a.has_g()) SubgraphReads(a.g(), &reads);
      for (const auto& sub : a.graphs()) SubgraphReads(sub, &reads);
    }
    std::unordered_set<int> deps;
    for (const auto& name : reads) {
      auto it = producer.find(name);
      if (it == producer.end() || name.empty()) continue;
      if (it->second == i) {
        return Status::Corruption("node '" + node.name() + "' (" + node.op_type() +
                                  ") reads its own output '" + name + "'");
      }
      deps.insert(it->second);
    }
    pending[static_cast<size_t>(i)] = static_cast<int>(deps.size());
    for (int d : deps) readers[static_cast<size_t>(d)].push_back(i);
  }
  // Kahn's algorithm, always taking the earliest ready node: the file's order where it is valid.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i) {
    if (pending[static_cast<size_t>(i)] == 0) ready.push(i);
  }
  std::vector<int> order;
  order.reserve(static_cast<size_t>(n));
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int r : readers[static_cast<size_t>(i)]) {
      if (--pending[static_cast<size_t>(r)] == 0) ready.push(r);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    std::string cycle;
    int named = 0;
    for (int i = 0; i < n && named < 4; ++i) {
      if (pending[static_cast<size_t>(i)] == 0) continue;
      cycle += (named++ ? ", '" : "'") + g->node(i).name() + "' (" + g->node(i).op_type() + ")";
    }
    return Status::Corruption(
        "the graph has a cycle: " + std::to_string(n - static_cast<int>(order.size())) +
        " nodes wait on each other, among them " + cycle);
  }
  bool sorted = true;
  for (int i = 0; i < n; ++i) sorted &= order[static_cast<size_t>(i)] == i;
  if (sorted) return false;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i : order) nodes.Add()->Swap(g->mutable_node(i));
  g->mutable_node()->Swap(&nodes);
  return true;
}

}  // namespace mbench::analyzer
