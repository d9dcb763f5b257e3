// Element-wise regions (passes/regions.cc found them): one pass of a small program over the
// region's input, in tiles of L1 size spread over the threads (runner/kernels/eltwise.h).
#include <memory>

#include "runner/kernels/eltwise.h"
#include "runner/plan_impl.h"

namespace mbench::runner {

Status Plan::Impl::Region(const Node& n, Step& st) {
  const auto& region = regions.at(LayerOf(n));
  auto job = std::make_shared<EltwiseJob>();
  job->program = &region.program;
  job->input = bufs[region.input].data;
  job->output = bufs[OutOf(n)].data;
  const size_t total = static_cast<size_t>(Product(bufs[OutOf(n)].ishape));
  pthreadpool_t p = pool;
  st.plain = [job, p, total] {
    pthreadpool_parallelize_1d_tile_1d(p, &EltwiseTask, job.get(), total, kEltwiseTile, 0);
  };
  return Status::Ok();
}

}  // namespace mbench::runner
