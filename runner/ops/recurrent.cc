// ONNX's recurrent layers, LSTM, GRU and RNN, as plain loops: one time step after another (the
// recurrence leaves nothing to share out across threads at the sizes mobile models use), gates
// as dot products over contiguous weight rows. Gate orders, biases, peepholes, clip,
// input_forget, linear_before_reset, both directions and both layouts as the ONNX operators
// define them.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "runner/plan_impl.h"

namespace mbench::runner {
namespace {

enum class Act : uint8_t { kSigmoid, kTanh, kRelu };

float Apply(Act a, float x) {
  switch (a) {
    case Act::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case Act::kTanh: return std::tanh(x);
    default: return std::max(x, 0.0f);
  }
}

float Dot(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

struct RecurrentJob {
  OpKind kind = OpKind::kLstm;
  int64_t seq = 0, batch = 0, in = 0, hid = 0, dirs = 1, gates = 4;
  bool reverse = false;  // direction "reverse" (one direction, run backwards)
  bool batch_first = false;
  bool input_forget = false;
  bool linear_before_reset = false;
  float clip = 0.0f;      // 0: none
  std::vector<Act> acts;  // per direction: f, g (, h)
  const float *x = nullptr, *w = nullptr, *r = nullptr, *b = nullptr;
  const float *h0 = nullptr, *c0 = nullptr, *p = nullptr;
  float *y = nullptr, *yh = nullptr, *yc = nullptr;
  std::vector<float> h, c, pre;  // scratch: state of one direction, gate pre-activations
};

void RunRecurrent(RecurrentJob& j) {
  const int64_t hid = j.hid, g = j.gates, per_dir = static_cast<int64_t>(j.acts.size()) / j.dirs;
  for (int64_t d = 0; d < j.dirs; ++d) {
    const bool backwards = j.reverse || d == 1;
    const float* w = j.w + d * g * hid * j.in;
    const float* r = j.r + d * g * hid * hid;
    const float* wb = j.b ? j.b + d * 2 * g * hid : nullptr;
    const float* rb = wb ? wb + g * hid : nullptr;
    const float* p = j.p ? j.p + d * 3 * hid : nullptr;
    const Act f = j.acts[static_cast<size_t>(d * per_dir)];
    const Act ga = per_dir > 1 ? j.acts[static_cast<size_t>(d * per_dir + 1)] : f;
    const Act ha = per_dir > 2 ? j.acts[static_cast<size_t>(d * per_dir + 2)] : ga;
    for (int64_t i = 0; i < j.batch * hid; ++i) {
      j.h[static_cast<size_t>(i)] = j.h0 ? j.h0[d * j.batch * hid + i] : 0.0f;
      j.c[static_cast<size_t>(i)] = j.c0 ? j.c0[d * j.batch * hid + i] : 0.0f;
    }
    auto clip = [&](float v) { return j.clip > 0.0f ? std::clamp(v, -j.clip, j.clip) : v; };
    for (int64_t s = 0; s < j.seq; ++s) {
      const int64_t t = backwards ? j.seq - 1 - s : s;
      for (int64_t bi = 0; bi < j.batch; ++bi) {
        const float* xt = j.x + (j.batch_first ? (bi * j.seq + t) : (t * j.batch + bi)) * j.in;
        float* h = j.h.data() + bi * hid;
        float* c = j.c.data() + bi * hid;
        float* pre = j.pre.data();
        for (int64_t k = 0; k < g * hid; ++k) {
          pre[k] = Dot(w + k * j.in, xt, j.in) + (wb ? wb[k] : 0.0f);
        }
        if (j.kind == OpKind::kGru) {
          // z, r and h gates; h reads r.
          std::vector<float> rh(static_cast<size_t>(hid));
          for (int64_t k = 0; k < 2 * hid; ++k) {
            pre[k] += Dot(r + k * hid, h, hid) + (rb ? rb[k] : 0.0f);
          }
          for (int64_t k = 0; k < hid; ++k) {
            const float z = Apply(f, clip(pre[k]));
            const float rg = Apply(f, clip(pre[hid + k]));
            const float* rrow = r + (2 * hid + k) * hid;
            const float rbias = rb ? rb[2 * hid + k] : 0.0f;
            float cand;
            if (j.linear_before_reset) {
              cand = pre[2 * hid + k] + rg * (Dot(rrow, h, hid) + rbias);
            } else {
              float acc = 0.0f;
              for (int64_t q = 0; q < hid; ++q) acc += rrow[q] * rg * h[q];
              cand = pre[2 * hid + k] + acc + rbias;
            }
            const float hh = Apply(ga, clip(cand));
            rh[static_cast<size_t>(k)] = (1.0f - z) * hh + z * h[k];
          }
          std::copy(rh.begin(), rh.end(), h);
        } else {
          for (int64_t k = 0; k < g * hid; ++k) {
            pre[k] += Dot(r + k * hid, h, hid) + (rb ? rb[k] : 0.0f);
          }
          if (j.kind == OpKind::kRnn) {
            for (int64_t k = 0; k < hid; ++k) h[k] = Apply(f, clip(pre[k]));
          } else {  // LSTM: gates i, o, f, c; peepholes i, o, f
            for (int64_t k = 0; k < hid; ++k) {
              const float ig = Apply(f, clip(pre[k] + (p ? p[k] * c[k] : 0.0f)));
              const float fg =
                  j.input_forget
                      ? 1.0f - ig
                      : Apply(f, clip(pre[2 * hid + k] + (p ? p[2 * hid + k] * c[k] : 0.0f)));
              const float cg = Apply(ga, clip(pre[3 * hid + k]));
              c[k] = fg * c[k] + ig * cg;
              const float og = Apply(f, clip(pre[hid + k] + (p ? p[hid + k] * c[k] : 0.0f)));
              pre[hid + k] = og;  // kept until h is written below
            }
            for (int64_t k = 0; k < hid; ++k) h[k] = pre[hid + k] * Apply(ha, c[k]);
          }
        }
        if (j.y != nullptr) {
          // Y: [seq, dirs, batch, hid], or [batch, seq, dirs, hid] batch-first.
          const int64_t at = j.batch_first ? ((bi * j.seq + t) * j.dirs + d) * hid
                                           : ((t * j.dirs + d) * j.batch + bi) * hid;
          std::copy(h, h + hid, j.y + at);
        }
      }
    }
    for (int64_t bi = 0; bi < j.batch; ++bi) {
      // Y_h, Y_c: [dirs, batch, hid], or [batch, dirs, hid] batch-first.
      const int64_t at = j.batch_first ? (bi * j.dirs + d) * hid : (d * j.batch + bi) * hid;
      if (j.yh) std::copy(j.h.begin() + bi * hid, j.h.begin() + (bi + 1) * hid, j.yh + at);
      if (j.yc) std::copy(j.c.begin() + bi * hid, j.c.begin() + (bi + 1) * hid, j.yc + at);
    }
  }
}

}  // namespace

Status Plan::Impl::Recurrent(const Node& n, Step& st) {
  auto refuse = [&](const std::string& why) {
    return Status::Unsupported("layer '" + n.name + "': " + why);
  };
  if (graph->format != "onnx") return refuse("recurrent layers run for ONNX models only");
  auto job = std::make_shared<RecurrentJob>();
  RecurrentJob& j = *job;
  j.kind = n.kind;
  j.gates = n.kind == OpKind::kLstm ? 4 : n.kind == OpKind::kGru ? 3 : 1;
  const Shape& xs = G(n.inputs[0]);
  const Shape& ws = G(n.inputs[1]);
  j.batch_first = n.GetInt("layout", 0) == 1;
  j.hid = n.GetInt("hidden_size", ws.size() == 3 ? ws[1] / j.gates : 0);
  const std::string direction = n.GetString("direction", "forward");
  j.dirs = direction == "bidirectional" ? 2 : 1;
  j.reverse = direction == "reverse";
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") {
    return refuse("direction '" + direction + "'");
  }
  if (xs.size() != 3 || ws.size() != 3 || ws[0] != j.dirs || ws[1] != j.gates * j.hid ||
      ws[2] != xs[2] || j.hid <= 0) {
    return refuse("input or weight shapes do not match hidden_size and direction");
  }
  j.seq = j.batch_first ? xs[1] : xs[0];
  j.batch = j.batch_first ? xs[0] : xs[1];
  j.in = xs[2];
  j.clip = static_cast<float>(n.GetFloat("clip", 0.0));
  j.input_forget = n.GetInt("input_forget", 0) != 0;
  j.linear_before_reset = n.GetInt("linear_before_reset", 0) != 0;
  // Activations: the defaults, or Sigmoid/Tanh/Relu named per direction.
  std::vector<std::string> names;
  if (auto it = n.attrs.find("activations"); it != n.attrs.end()) {
    if (const auto* v = std::get_if<std::vector<std::string>>(&it->second)) names = *v;
  }
  if (names.empty()) {
    const std::vector<std::string> one =
        n.kind == OpKind::kLstm  ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
        : n.kind == OpKind::kGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                 : std::vector<std::string>{"Tanh"};
    for (int64_t d = 0; d < j.dirs; ++d) names.insert(names.end(), one.begin(), one.end());
  }
  if (static_cast<int64_t>(names.size()) % j.dirs != 0) return refuse("activations per direction");
  for (std::string a : names) {
    std::transform(a.begin(), a.end(), a.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    if (a == "sigmoid")
      j.acts.push_back(Act::kSigmoid);
    else if (a == "tanh")
      j.acts.push_back(Act::kTanh);
    else if (a == "relu")
      j.acts.push_back(Act::kRelu);
    else
      return refuse("activation '" + a + "'");
  }
  auto in = [&](size_t i) { return i < n.inputs.size() ? n.inputs[i] : -1; };
  // Weights are usually constants; exporters also compute them from constants (an Unsqueeze of
  // a weight), which the step then reads where the plan leaves them on each run.
  auto need_const = [&](int32_t t, int64_t count, const char* what) -> StatusOr<const float*> {
    if (t < 0) return static_cast<const float*>(nullptr);
    if (Product(G(t)) != count) return refuse(std::string(what) + " of the wrong size");
    if (!bufs[t].constant) return static_cast<const float*>(bufs[t].data);
    return Const(t).data();
  };
  MBENCH_ASSIGN_OR_RETURN(j.w, need_const(in(1), j.dirs * j.gates * j.hid * j.in, "W"));
  MBENCH_ASSIGN_OR_RETURN(j.r, need_const(in(2), j.dirs * j.gates * j.hid * j.hid, "R"));
  MBENCH_ASSIGN_OR_RETURN(j.b, need_const(in(3), j.dirs * 2 * j.gates * j.hid, "B"));
  if (const int32_t lens = in(4); lens >= 0) {
    const auto& info = graph->tensors[lens];
    bool full = info.has_values && !info.int_values.empty();
    for (int64_t v : info.int_values) full &= v == j.seq;
    if (!full) return refuse("sequence lengths other than the whole sequence");
  }
  const int64_t state = j.dirs * j.batch * j.hid;
  for (const auto& [slot, ptr] : {std::pair<size_t, const float**>{5, &j.h0}, {6, &j.c0}}) {
    const int32_t t = in(slot);
    if (t < 0) continue;
    if (slot == 6 && n.kind != OpKind::kLstm) break;
    if (Product(G(t)) != state) return refuse("initial state of the wrong size");
    *ptr = bufs[t].constant ? Const(t).data() : bufs[t].data;
  }
  if (n.kind == OpKind::kLstm) {
    MBENCH_ASSIGN_OR_RETURN(j.p, need_const(in(7), j.dirs * 3 * j.hid, "peepholes P"));
  }
  auto out = [&](size_t i) -> float* {
    return i < n.outputs.size() && n.outputs[i] >= 0 ? bufs[n.outputs[i]].data : nullptr;
  };
  for (int32_t t : n.outputs) {
    if (t >= 0 && bufs[t].nhwc) return refuse("outputs stored in another layout");
  }
  j.x = bufs[n.inputs[0]].data;
  j.y = out(0);
  j.yh = out(1);
  j.yc = n.kind == OpKind::kLstm ? out(2) : nullptr;
  j.h.resize(static_cast<size_t>(j.batch * j.hid));
  j.c.resize(static_cast<size_t>(j.batch * j.hid));
  j.pre.resize(static_cast<size_t>(j.gates * j.hid));
  st.info.kernel = "plain";
  st.plain = [job] { RunRecurrent(*job); };
  return Status::Ok();
}

}  // namespace mbench::runner
