// Softmax over the last internal axis (XNNPACK) and layer normalization over the last axis
// (runner/kernels/layer_norm.h, threaded by rows).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runner/kernels/layer_norm.h"
#include "runner/plan_impl.h"

namespace mbench::runner {
namespace {

// Layer normalization (runner/kernels/layer_norm.h), a tile of rows per task.
struct LayerNormJob {
  const float* input = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float epsilon = 1e-5f;
  int64_t d = 1;
  float* output = nullptr;
};
void LayerNormTask(void* context, size_t begin, size_t count) {
  auto* job = static_cast<LayerNormJob*>(context);
  LayerNormRows(job->input, job->gamma, job->beta, job->epsilon, job->d, job->output,
                static_cast<int64_t>(begin), static_cast<int64_t>(begin + count));
}

}  // namespace

Status Plan::Impl::Softmax(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const float* in = x.data;
  float* out = y.data;
  const int64_t total = Product(y.ishape);
  int64_t axis = NormAxis(n.GetInt("axis", -1), x.gshape.size());
  bool last = x.nhwc ? axis == 1 : axis == static_cast<int64_t>(x.gshape.size()) - 1;
  if (!last) return Status::Unsupported("layer '" + n.name + "': softmax over a non-channel axis");
  const int64_t c = x.ishape.back();
  MBENCH_RETURN_IF_ERROR(Check(xnn_create_softmax_nc_f32(c, c, c, 0, &st.op), n, "softmax create"));
  return Check(xnn_setup_softmax_nc_f32(st.op, total / c, in, out, pool), n, "softmax setup");
}

Status Plan::Impl::LayerNorm(const Node& n, Step& st) {
  const Buf& x = bufs[n.inputs[0]];
  const Buf& y = bufs[n.outputs[0]];
  const float* in = x.data;
  float* out = y.data;
  const int64_t total = Product(y.ishape);
  if (x.nhwc) return Status::Unsupported("layer '" + n.name + "': layer norm over NCHW channels");
  if (NormAxis(n.GetInt("axis", -1), x.gshape.size()) !=
          static_cast<int64_t>(x.gshape.size()) - 1 ||
      (n.outputs.size() > 1 &&
       std::any_of(n.outputs.begin() + 1, n.outputs.end(), [](int32_t t) { return t >= 0; })) ||
      !bufs[n.inputs[1]].constant) {
    return Status::Unsupported("layer '" + n.name +
                               "': layer norm over other than the last axis, "
                               "or with its statistics as outputs");
  }
  const int64_t d = x.ishape.back();
  const float* g = Const(n.inputs[1]).data();
  const float* b = n.inputs.size() > 2 && n.inputs[2] >= 0 ? Const(n.inputs[2]).data() : nullptr;
  auto job = std::make_shared<LayerNormJob>();
  *job = {in, g, b, static_cast<float>(n.GetFloat("epsilon", 1e-5)), d, out};
  const auto rows = static_cast<size_t>(total / std::max<int64_t>(d, 1));
  const auto tile = static_cast<size_t>(std::max<int64_t>(1, 4096 / std::max<int64_t>(d, 1)));
  pthreadpool_t p = pool;
  st.plain = [job, p, rows, tile] {
    pthreadpool_parallelize_1d_tile_1d(p, &LayerNormTask, job.get(), rows, tile, 0);
  };
  return Status::Ok();
}

}  // namespace mbench::runner
