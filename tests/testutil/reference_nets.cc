#include "tests/testutil/reference_nets.h"

#include "tests/testutil/onnx_builder.h"

namespace mbench::testing {
namespace {

class NetBuilder {
 public:
  explicit NetBuilder(OnnxBuilder& b) : b_(b) {}

  std::string ConvBn(const std::string& x, int64_t cin, int64_t cout, int64_t k, int64_t stride,
                     int64_t groups = 1) {
    std::string id = std::to_string(n_++);
    auto w = b_.Weight("w" + id, {cout, cin / groups, k, k});
    int64_t p = (k - 1) / 2;
    auto y = b_.Node("Conv", {x, w},
                     {OnnxAttr::Ints("strides", {stride, stride}),
                      OnnxAttr::Ints("pads", {p, p, p, p}), OnnxAttr::Int("group", groups)});
    return b_.Node("BatchNormalization",
                   {y, b_.Weight("g" + id, {cout}), b_.Weight("b" + id, {cout}),
                    b_.Weight("m" + id, {cout}), b_.Weight("v" + id, {cout})});
  }
  std::string Relu(const std::string& x) { return b_.Node("Relu", {x}); }
  std::string Relu6(const std::string& x) {
    return b_.Node("Clip", {x, b_.Weight("lo" + std::to_string(n_++), {}, kOnnxFloat, 0.f),
                            b_.Weight("hi" + std::to_string(n_++), {}, kOnnxFloat, 6.f)});
  }
  std::string Add(const std::string& a, const std::string& c) { return b_.Node("Add", {a, c}); }
  std::string Head(const std::string& x, int64_t c) {
    auto p = b_.Node("GlobalAveragePool", {x});
    auto f = b_.Node("Flatten", {p});
    return b_.Node("Gemm", {f, b_.Weight("fc_w", {1000, c}), b_.Weight("fc_b", {1000})},
                   {OnnxAttr::Int("transB", 1)});
  }

 private:
  OnnxBuilder& b_;
  int n_ = 0;
};

}  // namespace

std::string ResNet18Onnx(bool caffe_projection) {
  OnnxBuilder b;
  NetBuilder n(b);
  auto x = n.Relu(n.ConvBn(b.Input("image", {1, 3, 224, 224}), 3, 64, 7, 2));
  x = b.Node("MaxPool", {x},
             {OnnxAttr::Ints("kernel_shape", {3, 3}), OnnxAttr::Ints("strides", {2, 2}),
              OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  int64_t cin = 64;
  for (int64_t cout : {64, 128, 256, 512}) {
    for (int block = 0; block < 2; ++block) {
      int64_t stride = (block == 0 && cout != 64) ? 2 : 1;
      auto y = n.Relu(n.ConvBn(x, cin, cout, 3, stride));
      y = n.ConvBn(y, cout, cout, 3, 1);
      auto shortcut = (stride != 1 || cin != cout || (caffe_projection && block == 0))
                          ? n.ConvBn(x, cin, cout, 1, stride)
                          : x;
      x = n.Relu(n.Add(y, shortcut));
      cin = cout;
    }
  }
  b.Output(n.Head(x, 512));
  return b.Serialize();
}

std::string MobileNetV2Onnx(bool caffe_first_expand) {
  OnnxBuilder b;
  NetBuilder n(b);
  auto x = n.Relu6(n.ConvBn(b.Input("image", {1, 3, 224, 224}), 3, 32, 3, 2));
  int64_t cin = 32;
  struct Stage {
    int64_t t, c, n, s;
  };
  for (Stage st : {Stage{1, 16, 1, 1}, Stage{6, 24, 2, 2}, Stage{6, 32, 3, 2}, Stage{6, 64, 4, 2},
                   Stage{6, 96, 3, 1}, Stage{6, 160, 3, 2}, Stage{6, 320, 1, 1}}) {
    for (int64_t i = 0; i < st.n; ++i) {
      int64_t stride = i == 0 ? st.s : 1;
      int64_t hidden = cin * st.t;
      auto y = x;
      if (st.t != 1 || caffe_first_expand) y = n.Relu6(n.ConvBn(y, cin, hidden, 1, 1));
      y = n.Relu6(n.ConvBn(y, hidden, hidden, 3, stride, hidden));
      y = n.ConvBn(y, hidden, st.c, 1, 1);
      x = (stride == 1 && cin == st.c) ? n.Add(x, y) : y;
      cin = st.c;
    }
  }
  x = n.Relu6(n.ConvBn(x, cin, 1280, 1, 1));
  b.Output(n.Head(x, 1280));
  return b.Serialize();
}

}  // namespace mbench::testing
