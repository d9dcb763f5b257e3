#include "analyzer/zoo.h"

#include <algorithm>
#include <cmath>

#include "analyzer/graph_builder.h"

namespace mbench::analyzer {
namespace {

using K = OpKind;

// torchvision's / the papers' channel rounding: nearest multiple of `divisor`, never more than
// 10% below the unrounded value.
int64_t MakeDivisible(double v, int64_t divisor = 8) {
  int64_t out =
      std::max<int64_t>(divisor, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

int64_t Res(const ZooOptions& o, int64_t fallback) {
  return o.resolution > 0 ? o.resolution : fallback;
}

TensorId Classifier(GraphBuilder& b, TensorId x, int64_t classes = 1000) {
  x = b.Flatten(b.GlobalAvgPool(x));
  return b.Linear(b.Dropout(x), classes);
}

// MobileNetV1 (Howard et al. 2017): 3x3 stem, 13 depthwise-separable blocks, classifier.
StatusOr<Graph> MobileNetV1(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  auto c = [&](int64_t ch) { return static_cast<int64_t>(ch * o.width); };
  TensorId x =
      b.ConvBnAct(b.Input("image", {1, 3, Res(o, 224), Res(o, 224)}), c(32), 3, 2, K::kRelu);
  const int64_t cfg[][2] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},  {512, 2}, {512, 1},
                            {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  for (const auto& [ch, s] : cfg) {
    x = b.ConvBnAct(x, b.Channels(x), 3, s, K::kRelu, b.Channels(x));
    x = b.ConvBnAct(x, c(ch), 1, 1, K::kRelu);
  }
  x = b.Flatten(b.GlobalAvgPool(x));
  return b.Finish({b.Linear(x, 1000)});
}

// MobileNetV2 (Sandler et al. 2018), torchvision's structure.
StatusOr<Graph> MobileNetV2(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.ConvBnAct(x, MakeDivisible(32 * o.width), 3, 2, K::kClip);
  const int64_t cfg[][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                            {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const auto& [t, ch, n, s] : cfg) {
    int64_t out = MakeDivisible(ch * o.width);
    for (int64_t i = 0; i < n; ++i) {
      int64_t in = b.Channels(x), hidden = in * t;
      TensorId y = x;
      if (t != 1) y = b.ConvBnAct(y, hidden, 1, 1, K::kClip);
      y = b.ConvBnAct(y, hidden, 3, i == 0 ? s : 1, K::kClip, hidden);
      y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      x = (i > 0 || s == 1) && in == out ? b.Add(x, y) : y;
    }
  }
  x = b.ConvBnAct(x, MakeDivisible(1280 * std::max(1.0, o.width)), 1, 1, K::kClip);
  return b.Finish({Classifier(b, x)});
}

struct V3Block {
  int64_t k, exp, out;
  bool se, hs;
  int64_t stride;
};

// MobileNetV3 (Howard et al. 2019), torchvision's structure; minimalistic variants drop SE,
// hard-swish and 5x5 kernels, as in the paper's Table.
StatusOr<Graph> MobileNetV3(const ZooOptions& o, bool large, bool minimalistic) {
  static constexpr V3Block kLarge[] = {
      {3, 16, 16, false, false, 1}, {3, 64, 24, false, false, 2}, {3, 72, 24, false, false, 1},
      {5, 72, 40, true, false, 2},  {5, 120, 40, true, false, 1}, {5, 120, 40, true, false, 1},
      {3, 240, 80, false, true, 2}, {3, 200, 80, false, true, 1}, {3, 184, 80, false, true, 1},
      {3, 184, 80, false, true, 1}, {3, 480, 112, true, true, 1}, {3, 672, 112, true, true, 1},
      {5, 672, 160, true, true, 2}, {5, 960, 160, true, true, 1}, {5, 960, 160, true, true, 1}};
  static constexpr V3Block kSmall[] = {
      {3, 16, 16, true, false, 2}, {3, 72, 24, false, false, 2}, {3, 88, 24, false, false, 1},
      {5, 96, 40, true, true, 2},  {5, 240, 40, true, true, 1},  {5, 240, 40, true, true, 1},
      {5, 120, 48, true, true, 1}, {5, 144, 48, true, true, 1},  {5, 288, 96, true, true, 2},
      {5, 576, 96, true, true, 1}, {5, 576, 96, true, true, 1}};
  GraphBuilder b(o.fold_bn);
  auto act = [&](bool hs) { return hs && !minimalistic ? K::kHardSwish : K::kRelu; };
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.ConvBnAct(x, MakeDivisible(16 * o.width), 3, 2, act(true));
  std::span<const V3Block> blocks =
      large ? std::span<const V3Block>(kLarge) : std::span<const V3Block>(kSmall);
  for (const V3Block& blk : blocks) {
    int64_t in = b.Channels(x);
    int64_t exp = MakeDivisible(blk.exp * o.width), out = MakeDivisible(blk.out * o.width);
    int64_t k = minimalistic ? 3 : blk.k;
    TensorId y = x;
    if (exp != in) y = b.ConvBnAct(y, exp, 1, 1, act(blk.hs));
    y = b.ConvBnAct(y, exp, k, blk.stride, act(blk.hs), exp);
    if (blk.se && !minimalistic)
      y = b.SqueezeExcite(y, MakeDivisible(exp / 4.0), K::kRelu, K::kHardSigmoid);
    y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
    x = blk.stride == 1 && in == out ? b.Add(x, y) : y;
  }
  x = b.ConvBnAct(x, 6 * b.Channels(x), 1, 1, act(true));
  x = b.Flatten(b.GlobalAvgPool(x));
  x = b.Act(b.Linear(x, MakeDivisible((large ? 1280 : 1024) * o.width)), act(true));
  return b.Finish({b.Linear(b.Dropout(x), 1000)});
}

StatusOr<Graph> MobileNetV3Large(const ZooOptions& o) { return MobileNetV3(o, true, false); }
StatusOr<Graph> MobileNetV3Small(const ZooOptions& o) { return MobileNetV3(o, false, false); }
StatusOr<Graph> MobileNetV3LargeMin(const ZooOptions& o) { return MobileNetV3(o, true, true); }
StatusOr<Graph> MobileNetV3SmallMin(const ZooOptions& o) { return MobileNetV3(o, false, true); }

// MnasNet-B1 as torchvision's mnasnet (depths rounded with a 0.9 bias, divisor 8).
StatusOr<Graph> MnasNetB1(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  auto depth = [&](int64_t d) { return MakeDivisible(d * o.width, 8); };
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.ConvBnAct(x, depth(32), 3, 2, K::kRelu);
  x = b.ConvBnAct(x, b.Channels(x), 3, 1, K::kRelu, b.Channels(x));
  x = b.ConvBnAct(x, depth(16), 1, 1, K::kUnknown);
  const int64_t cfg[][5] = {{24, 3, 2, 3, 3}, {40, 5, 2, 3, 3},  {80, 5, 2, 6, 3},
                            {96, 3, 1, 6, 2}, {192, 5, 2, 6, 4}, {320, 3, 1, 6, 1}};
  for (const auto& [ch, k, s, e, n] : cfg) {
    int64_t out = depth(ch);
    for (int64_t i = 0; i < n; ++i) {
      int64_t in = b.Channels(x), stride = i == 0 ? s : 1;
      TensorId y = b.ConvBnAct(x, in * e, 1, 1, K::kRelu);
      y = b.ConvBnAct(y, in * e, k, stride, K::kRelu, in * e);
      y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      x = in == out && stride == 1 ? b.Add(x, y) : y;
    }
  }
  x = b.ConvBnAct(x, 1280, 1, 1, K::kRelu);
  return b.Finish({Classifier(b, x)});
}

// ShuffleNetV2 (Ma et al. 2018), torchvision's structure; width picks the 0.5/1.0/1.5/2.0 table.
StatusOr<Graph> ShuffleNetV2(const ZooOptions& o) {
  int64_t outs[5] = {24, 116, 232, 464, 1024};
  if (o.width <= 0.5) {
    int64_t t[5] = {24, 48, 96, 192, 1024};
    std::copy(t, t + 5, outs);
  } else if (o.width > 1.0 && o.width <= 1.5) {
    int64_t t[5] = {24, 176, 352, 704, 1024};
    std::copy(t, t + 5, outs);
  } else if (o.width > 1.5) {
    int64_t t[5] = {24, 244, 488, 976, 2048};
    std::copy(t, t + 5, outs);
  }
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.MaxPool(b.ConvBnAct(x, outs[0], 3, 2, K::kRelu), 3, 2, 1);
  const int64_t repeats[3] = {4, 8, 4};
  for (int stage = 0; stage < 3; ++stage) {
    int64_t out = outs[stage + 1], half = out / 2;
    for (int64_t i = 0; i < repeats[stage]; ++i) {
      TensorId left, right;
      if (i == 0) {
        int64_t in = b.Channels(x);
        left = b.ConvBnAct(b.ConvBnAct(x, in, 3, 2, K::kUnknown, in), half, 1, 1, K::kRelu);
        right = x;
      } else {
        std::tie(left, right) = b.SplitChannels(x);
      }
      int64_t stride = i == 0 ? 2 : 1;
      TensorId r = b.ConvBnAct(right, half, 1, 1, K::kRelu);
      r = b.ConvBnAct(r, half, 3, stride, K::kUnknown, half);
      r = b.ConvBnAct(r, half, 1, 1, K::kRelu);
      x = b.ChannelShuffle(b.Concat({left, r}), 2);
    }
  }
  x = b.ConvBnAct(x, outs[4], 1, 1, K::kRelu);
  x = b.Flatten(b.GlobalAvgPool(x));
  return b.Finish({b.Linear(x, 1000)});
}

// SqueezeNet 1.0 / 1.1 (Iandola et al. 2016), torchvision's structure.
StatusOr<Graph> SqueezeNet(const ZooOptions& o, bool v11) {
  GraphBuilder b(o.fold_bn);
  auto fire = [&](TensorId x, int64_t squeeze, int64_t expand) {
    TensorId s = b.Act(b.Conv(x, squeeze, 1, 1, 0, 1, true), K::kRelu);
    TensorId e1 = b.Act(b.Conv(s, expand, 1, 1, 0, 1, true), K::kRelu);
    TensorId e3 = b.Act(b.Conv(s, expand, 3, 1, 1, 1, true), K::kRelu);
    return b.Concat({e1, e3});
  };
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  if (!v11) {
    x = b.MaxPool(b.Act(b.Conv(x, 96, 7, 2, 0, 1, true), K::kRelu), 3, 2, 0, true);
    x = fire(fire(fire(x, 16, 64), 16, 64), 32, 128);
    x = b.MaxPool(x, 3, 2, 0, true);
    x = fire(fire(fire(fire(x, 32, 128), 48, 192), 48, 192), 64, 256);
    x = fire(b.MaxPool(x, 3, 2, 0, true), 64, 256);
  } else {
    x = b.MaxPool(b.Act(b.Conv(x, 64, 3, 2, 0, 1, true), K::kRelu), 3, 2, 0, true);
    x = b.MaxPool(fire(fire(x, 16, 64), 16, 64), 3, 2, 0, true);
    x = b.MaxPool(fire(fire(x, 32, 128), 32, 128), 3, 2, 0, true);
    x = fire(fire(fire(fire(x, 48, 192), 48, 192), 64, 256), 64, 256);
  }
  x = b.Act(b.Conv(b.Dropout(x), 1000, 1, 1, 0, 1, true), K::kRelu);
  return b.Finish({b.Flatten(b.GlobalAvgPool(x))});
}

StatusOr<Graph> SqueezeNet10(const ZooOptions& o) { return SqueezeNet(o, false); }
StatusOr<Graph> SqueezeNet11(const ZooOptions& o) { return SqueezeNet(o, true); }

// ResNet (He et al. 2016), torchvision's structure (stride on the 3x3 of bottlenecks, v1.5).
// A bottleneck's 3x3 has planes * base_width / 64 * groups channels in `groups` groups:
// ResNeXt (Xie et al. 2017) widens it and groups it, Wide ResNet (Zagoruyko & Komodakis 2016)
// only widens it.
StatusOr<Graph> ResNet(const ZooOptions& o, bool bottleneck, const int64_t (&blocks)[4],
                       int64_t groups = 1, int64_t base_width = 64) {
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.MaxPool(b.ConvBnAct(x, 64, 7, 2, K::kRelu), 3, 2, 1);
  for (int stage = 0; stage < 4; ++stage) {
    int64_t planes = 64 << stage, out = bottleneck ? planes * 4 : planes;
    int64_t width = planes * base_width / 64 * groups;
    for (int64_t i = 0; i < blocks[stage]; ++i) {
      int64_t stride = i == 0 && stage > 0 ? 2 : 1;
      TensorId y;
      if (bottleneck) {
        y = b.ConvBnAct(x, width, 1, 1, K::kRelu);
        y = b.ConvBnAct(y, width, 3, stride, K::kRelu, groups);
        y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      } else {
        y = b.ConvBnAct(x, planes, 3, stride, K::kRelu);
        y = b.ConvBnAct(y, planes, 3, 1, K::kUnknown);
      }
      TensorId shortcut = stride != 1 || b.Channels(x) != out
                              ? b.ConvBnAct(x, out, 1, stride, K::kUnknown, 1, 0)
                              : x;
      x = b.Act(b.Add(y, shortcut), K::kRelu);
    }
  }
  x = b.Flatten(b.GlobalAvgPool(x));
  return b.Finish({b.Linear(x, 1000)});
}

StatusOr<Graph> ResNet18(const ZooOptions& o) { return ResNet(o, false, {2, 2, 2, 2}); }
StatusOr<Graph> ResNet34(const ZooOptions& o) { return ResNet(o, false, {3, 4, 6, 3}); }
StatusOr<Graph> ResNet50(const ZooOptions& o) { return ResNet(o, true, {3, 4, 6, 3}); }
StatusOr<Graph> ResNet101(const ZooOptions& o) { return ResNet(o, true, {3, 4, 23, 3}); }
StatusOr<Graph> ResNeXt50(const ZooOptions& o) { return ResNet(o, true, {3, 4, 6, 3}, 32, 4); }
StatusOr<Graph> ResNeXt101(const ZooOptions& o) { return ResNet(o, true, {3, 4, 23, 3}, 32, 8); }
StatusOr<Graph> WideResNet50(const ZooOptions& o) { return ResNet(o, true, {3, 4, 6, 3}, 1, 128); }

// VGG-16 (Simonyan & Zisserman 2015), configuration D, torchvision's structure.
StatusOr<Graph> Vgg16(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  const int64_t cfg[] = {64, 64,  0,   128, 128, 0,   256, 256, 256,
                         0,  512, 512, 512, 0,   512, 512, 512, 0};
  for (int64_t c : cfg)
    x = c == 0 ? b.MaxPool(x, 2, 2) : b.Act(b.Conv(x, c, 3, 1, 1, 1, true), K::kRelu);
  x = b.Flatten(b.AdaptiveAvgPool(x, 7));
  x = b.Dropout(b.Act(b.Linear(x, 4096), K::kRelu));
  x = b.Dropout(b.Act(b.Linear(x, 4096), K::kRelu));
  return b.Finish({b.Linear(x, 1000)});
}

// AlexNet (Krizhevsky et al. 2012), torchvision's single-tower structure.
StatusOr<Graph> AlexNet(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.MaxPool(b.Act(b.Conv(x, 64, 11, 4, 2, 1, true), K::kRelu), 3, 2);
  x = b.MaxPool(b.Act(b.Conv(x, 192, 5, 1, 2, 1, true), K::kRelu), 3, 2);
  x = b.Act(b.Conv(x, 384, 3, 1, 1, 1, true), K::kRelu);
  x = b.Act(b.Conv(x, 256, 3, 1, 1, 1, true), K::kRelu);
  x = b.MaxPool(b.Act(b.Conv(x, 256, 3, 1, 1, 1, true), K::kRelu), 3, 2);
  x = b.Flatten(b.AdaptiveAvgPool(x, 6));
  x = b.Act(b.Linear(b.Dropout(x), 4096), K::kRelu);
  x = b.Act(b.Linear(b.Dropout(x), 4096), K::kRelu);
  return b.Finish({b.Linear(x, 1000)});
}

// EfficientNet-B0..B4 (Tan & Le 2019), torchvision's structure: width and depth multipliers and
// resolutions of the paper; SE squeeze is a quarter of the block's input channels.
// `lite` gives EfficientNet-Lite (tensorflow/tpu efficientnet/lite): no squeeze-excite, ReLU6
// everywhere, stem and head fixed at 32 and 1280 channels, and the first and last stages not
// repeated more with depth.
StatusOr<Graph> EfficientNet(const ZooOptions& o, double width, double depth, int64_t resolution,
                             bool lite = false) {
  GraphBuilder b(o.fold_bn);
  const OpKind act = lite ? K::kClip : K::kSwish;
  auto ch = [&](int64_t c) { return MakeDivisible(c * width); };
  TensorId x = b.Input("image", {1, 3, Res(o, resolution), Res(o, resolution)});
  x = b.ConvBnAct(x, lite ? 32 : ch(32), 3, 2, act);
  const int64_t cfg[][5] = {{1, 3, 1, 16, 1}, {6, 3, 2, 24, 2},  {6, 5, 2, 40, 2},
                            {6, 3, 2, 80, 3}, {6, 5, 1, 112, 3}, {6, 5, 2, 192, 4},
                            {6, 3, 1, 320, 1}};
  const size_t stages = sizeof(cfg) / sizeof(cfg[0]);
  for (size_t st = 0; st < stages; ++st) {
    const auto& [e, k, s, c, n] = cfg[st];
    int64_t out = ch(c);
    bool fixed = lite && (st == 0 || st == stages - 1);
    int64_t layers = fixed ? n : static_cast<int64_t>(std::ceil(n * depth));
    for (int64_t i = 0; i < layers; ++i) {
      int64_t in = b.Channels(x), stride = i == 0 ? s : 1, hidden = MakeDivisible(in * e);
      TensorId y = x;
      if (e != 1) y = b.ConvBnAct(y, hidden, 1, 1, act);
      y = b.ConvBnAct(y, hidden, k, stride, act, hidden);
      if (!lite) y = b.SqueezeExcite(y, std::max<int64_t>(1, in / 4), K::kSwish, K::kSigmoid);
      y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      x = stride == 1 && in == out ? b.Add(x, y) : y;
    }
  }
  x = b.ConvBnAct(x, lite ? 1280 : 4 * b.Channels(x), 1, 1, act);
  return b.Finish({Classifier(b, x)});
}

StatusOr<Graph> EfficientNetB0(const ZooOptions& o) { return EfficientNet(o, 1.0, 1.0, 224); }
StatusOr<Graph> EfficientNetB1(const ZooOptions& o) { return EfficientNet(o, 1.0, 1.1, 240); }
StatusOr<Graph> EfficientNetB2(const ZooOptions& o) { return EfficientNet(o, 1.1, 1.2, 260); }
StatusOr<Graph> EfficientNetB3(const ZooOptions& o) { return EfficientNet(o, 1.2, 1.4, 300); }
StatusOr<Graph> EfficientNetB4(const ZooOptions& o) { return EfficientNet(o, 1.4, 1.8, 380); }

// EfficientNetV2-S (Tan & Le 2021), torchvision's structure: three stages of fused MBConv (the
// expansion and the depthwise convolution replaced by one dense 3x3), then MBConv with
// squeeze-excite.
StatusOr<Graph> EfficientNetV2S(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 384), Res(o, 384)});
  x = b.ConvBnAct(x, 24, 3, 2, K::kSwish);
  // expansion, stride, output channels, layers, fused; every kernel is 3x3
  const int64_t cfg[][5] = {{1, 1, 24, 2, 1},  {4, 2, 48, 4, 1},  {4, 2, 64, 4, 1},
                            {4, 2, 128, 6, 0}, {6, 1, 160, 9, 0}, {6, 2, 256, 15, 0}};
  for (const auto& [e, s, out, n, fused] : cfg) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t in = b.Channels(x), stride = i == 0 ? s : 1, hidden = MakeDivisible(in * e);
      TensorId y = x;
      if (fused) {
        y = b.ConvBnAct(y, e == 1 ? out : hidden, 3, stride, K::kSwish);
        if (e != 1) y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      } else {
        y = b.ConvBnAct(y, hidden, 1, 1, K::kSwish);
        y = b.ConvBnAct(y, hidden, 3, stride, K::kSwish, hidden);
        y = b.SqueezeExcite(y, std::max<int64_t>(1, in / 4), K::kSwish, K::kSigmoid);
        y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      }
      x = stride == 1 && in == out ? b.Add(x, y) : y;
    }
  }
  x = b.ConvBnAct(x, 1280, 1, 1, K::kSwish);
  return b.Finish({Classifier(b, x)});
}

// DenseNet-121 (Huang et al. 2017), torchvision's structure.
StatusOr<Graph> DenseNet121(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.MaxPool(b.ConvBnAct(x, 64, 7, 2, K::kRelu), 3, 2, 1);
  const int64_t blocks[4] = {6, 12, 24, 16};
  for (int stage = 0; stage < 4; ++stage) {
    std::vector<TensorId> features = {x};
    for (int64_t i = 0; i < blocks[stage]; ++i) {
      TensorId in = features.size() == 1 ? features[0] : b.Concat(features);
      TensorId y = b.Conv(b.Act(b.BatchNorm(in), K::kRelu), 128, 1, 1, 0);
      y = b.Conv(b.Act(b.BatchNorm(y), K::kRelu), 32, 3, 1, 1);
      features.push_back(y);
    }
    x = b.Concat(features);
    if (stage < 3) {
      x = b.Conv(b.Act(b.BatchNorm(x), K::kRelu), b.Channels(x) / 2, 1, 1, 0);
      x = b.AvgPool(x, 2, 2);
    }
  }
  x = b.Act(b.BatchNorm(x), K::kRelu);
  x = b.Flatten(b.GlobalAvgPool(x));
  return b.Finish({b.Linear(x, 1000)});
}

// GoogLeNet / Inception-v1 (Szegedy et al. 2015), torchvision's structure without the auxiliary
// classifiers (as deployed); torchvision uses 3x3 where the paper has 5x5 in the third branch.
StatusOr<Graph> GoogLeNet(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  auto conv = [&](TensorId x, int64_t c, int64_t k, int64_t s = 1) {
    return b.ConvBnAct(x, c, k, s, K::kRelu);
  };
  auto inception = [&](TensorId x, int64_t c1, int64_t r3, int64_t c3, int64_t r5, int64_t c5,
                       int64_t pool) {
    TensorId a = conv(x, c1, 1);
    TensorId bb = conv(conv(x, r3, 1), c3, 3);
    TensorId c = conv(conv(x, r5, 1), c5, 3);
    TensorId d = conv(b.MaxPool(x, 3, 1, 1, true), pool, 1);
    return b.Concat({a, bb, c, d});
  };
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.MaxPool(conv(x, 64, 7, 2), 3, 2, 0, true);
  x = b.MaxPool(conv(conv(x, 64, 1), 192, 3), 3, 2, 0, true);
  x = inception(x, 64, 96, 128, 16, 32, 32);
  x = inception(x, 128, 128, 192, 32, 96, 64);
  x = b.MaxPool(x, 3, 2, 0, true);
  x = inception(x, 192, 96, 208, 16, 48, 64);
  x = inception(x, 160, 112, 224, 24, 64, 64);
  x = inception(x, 128, 128, 256, 24, 64, 64);
  x = inception(x, 112, 144, 288, 32, 64, 64);
  x = inception(x, 256, 160, 320, 32, 128, 128);
  x = b.MaxPool(x, 2, 2, 0, true);
  x = inception(x, 256, 160, 320, 32, 128, 128);
  x = inception(x, 384, 192, 384, 48, 128, 128);
  return b.Finish({Classifier(b, x)});
}

StatusOr<Graph> EfficientNetLite0(const ZooOptions& o) {
  return EfficientNet(o, 1.0, 1.0, 224, true);
}
StatusOr<Graph> EfficientNetLite1(const ZooOptions& o) {
  return EfficientNet(o, 1.0, 1.1, 240, true);
}
StatusOr<Graph> EfficientNetLite2(const ZooOptions& o) {
  return EfficientNet(o, 1.1, 1.2, 260, true);
}
StatusOr<Graph> EfficientNetLite3(const ZooOptions& o) {
  return EfficientNet(o, 1.2, 1.4, 280, true);
}
StatusOr<Graph> EfficientNetLite4(const ZooOptions& o) {
  return EfficientNet(o, 1.4, 1.8, 300, true);
}

// MnasNet-A1 (Tan et al. 2019, tensorflow/tpu mnasnet_a1 block list): MBConv with
// squeeze-excite on the 40, 112 and 160 stages (squeeze = a quarter of the block's input).
StatusOr<Graph> MnasNetA1(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  auto f = [&](int64_t c) { return MakeDivisible(c * o.width); };
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.ConvBnAct(x, f(32), 3, 2, K::kRelu);
  // repeats, kernel, stride, expansion, output, squeeze-excite
  const int64_t cfg[][6] = {{1, 3, 1, 1, 16, 0}, {2, 3, 2, 6, 24, 0},  {3, 5, 2, 3, 40, 1},
                            {4, 3, 2, 6, 80, 0}, {2, 3, 1, 6, 112, 1}, {3, 5, 2, 6, 160, 1},
                            {1, 3, 1, 6, 320, 0}};
  bool first = true;
  for (const auto& [n, k, s, e, c, se] : cfg) {
    int64_t out = f(c);
    for (int64_t i = 0; i < n; ++i) {
      int64_t in = b.Channels(x), stride = i == 0 ? s : 1, hidden = in * e;
      TensorId y = x;
      if (e != 1) y = b.ConvBnAct(y, hidden, 1, 1, K::kRelu);
      y = b.ConvBnAct(y, hidden, k, stride, K::kRelu, hidden);
      if (se) y = b.SqueezeExcite(y, std::max<int64_t>(1, in / 4), K::kRelu, K::kSigmoid);
      y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      x = !first && stride == 1 && in == out ? b.Add(x, y) : y;  // the first block has no skip
      first = false;
    }
  }
  x = b.ConvBnAct(x, 1280, 1, 1, K::kRelu);
  return b.Finish({Classifier(b, x)});
}

// RegNetY-400MF (Radosavovic et al. 2020), torchvision's structure: widths 48/104/208/440,
// depths 1/3/6/6, group width 8, squeeze-excite a quarter of each block's input width.
StatusOr<Graph> RegNetY400MF(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.ConvBnAct(x, 32, 3, 2, K::kRelu);
  const int64_t widths[4] = {48, 104, 208, 440}, depths[4] = {1, 3, 6, 6};
  for (int st = 0; st < 4; ++st) {
    for (int64_t i = 0; i < depths[st]; ++i) {
      int64_t in = b.Channels(x), out = widths[st], stride = i == 0 ? 2 : 1;
      TensorId y = b.ConvBnAct(x, out, 1, 1, K::kRelu);
      y = b.ConvBnAct(y, out, 3, stride, K::kRelu, out / 8);
      y = b.SqueezeExcite(y, static_cast<int64_t>(std::lround(0.25 * in)), K::kRelu, K::kSigmoid);
      y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      TensorId shortcut =
          in != out || stride != 1 ? b.ConvBnAct(x, out, 1, stride, K::kUnknown, 1, 0) : x;
      x = b.Act(b.Add(y, shortcut), K::kRelu);
    }
  }
  x = b.Flatten(b.GlobalAvgPool(x));
  return b.Finish({b.Linear(x, 1000)});
}

// ShuffleNetV1 with 3 groups (Zhang et al. 2018), width 0.5/1.0/1.5/2.0: grouped 1x1 convs,
// channel shuffle, stride-2 units concatenating an average-pooled shortcut.
StatusOr<Graph> ShuffleNetV1(const ZooOptions& o) {
  const int64_t groups = 3;
  GraphBuilder b(o.fold_bn);
  auto scaled = [&](int64_t c) {
    return static_cast<int64_t>(c * o.width) / (2 * groups) * (2 * groups);
  };
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.MaxPool(b.ConvBnAct(x, 24, 3, 2, K::kRelu), 3, 2, 1);
  const int64_t outs[3] = {240, 480, 960}, repeats[3] = {4, 8, 4};
  for (int st = 0; st < 3; ++st) {
    for (int64_t i = 0; i < repeats[st]; ++i) {
      int64_t in = b.Channels(x), out = scaled(outs[st]);
      int64_t stride = i == 0 ? 2 : 1;
      int64_t branch_out = stride == 2 ? out - in : out;
      int64_t mid = out / 4;
      int64_t g1 = st == 0 && i == 0 ? 1 : groups;  // the first unit sees only 24 channels
      TensorId y = b.ConvBnAct(x, mid, 1, 1, K::kRelu, g1);
      y = b.ChannelShuffle(y, groups);
      y = b.ConvBnAct(y, mid, 3, stride, K::kUnknown, mid);
      y = b.ConvBnAct(y, branch_out, 1, 1, K::kUnknown, groups);
      x = stride == 2 ? b.Act(b.Concat({b.AvgPool(x, 3, 2, 1), y}), K::kRelu)
                      : b.Act(b.Add(x, y), K::kRelu);
    }
  }
  x = b.Flatten(b.GlobalAvgPool(x));
  return b.Finish({b.Linear(x, 1000)});
}

// Inception-v3 (Szegedy et al. 2016), torchvision's structure at 299x299, including the
// auxiliary classifier (a second output: torchvision's parameter count includes it).
StatusOr<Graph> InceptionV3(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  auto conv = [&](TensorId x, int64_t c, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                  int64_t stride = 1) {
    return b.Act(b.BatchNorm(b.ConvRect(x, c, kh, kw, ph, pw, stride)), K::kRelu);
  };
  auto sq = [&](TensorId x, int64_t c, int64_t k, int64_t stride = 1, int64_t pad = 0) {
    return conv(x, c, k, k, pad, pad, stride);
  };
  auto inception_a = [&](TensorId x, int64_t pool) {
    TensorId a = sq(x, 64, 1);
    TensorId c5 = sq(sq(x, 48, 1), 64, 5, 1, 2);
    TensorId d = sq(sq(sq(x, 64, 1), 96, 3, 1, 1), 96, 3, 1, 1);
    TensorId p = sq(b.AvgPool(x, 3, 1, 1), pool, 1);
    return b.Concat({a, c5, d, p});
  };
  auto inception_b = [&](TensorId x) {
    TensorId a = sq(x, 384, 3, 2);
    TensorId d = sq(sq(sq(x, 64, 1), 96, 3, 1, 1), 96, 3, 2);
    return b.Concat({a, d, b.MaxPool(x, 3, 2)});
  };
  auto inception_c = [&](TensorId x, int64_t c7) {
    TensorId a = sq(x, 192, 1);
    TensorId s7 = conv(conv(sq(x, c7, 1), c7, 1, 7, 0, 3), 192, 7, 1, 3, 0);
    TensorId d = sq(x, c7, 1);
    d = conv(conv(conv(conv(d, c7, 7, 1, 3, 0), c7, 1, 7, 0, 3), c7, 7, 1, 3, 0), 192, 1, 7, 0, 3);
    TensorId p = sq(b.AvgPool(x, 3, 1, 1), 192, 1);
    return b.Concat({a, s7, d, p});
  };
  auto inception_d = [&](TensorId x) {
    TensorId a = sq(sq(x, 192, 1), 320, 3, 2);
    TensorId s7 = conv(conv(sq(x, 192, 1), 192, 1, 7, 0, 3), 192, 7, 1, 3, 0);
    s7 = sq(s7, 192, 3, 2);
    return b.Concat({a, s7, b.MaxPool(x, 3, 2)});
  };
  auto inception_e = [&](TensorId x) {
    TensorId a = sq(x, 320, 1);
    TensorId t = sq(x, 384, 1);
    TensorId s3 = b.Concat({conv(t, 384, 1, 3, 0, 1), conv(t, 384, 3, 1, 1, 0)});
    TensorId d = sq(sq(x, 448, 1), 384, 3, 1, 1);
    TensorId dd = b.Concat({conv(d, 384, 1, 3, 0, 1), conv(d, 384, 3, 1, 1, 0)});
    TensorId p = sq(b.AvgPool(x, 3, 1, 1), 192, 1);
    return b.Concat({a, s3, dd, p});
  };
  TensorId x = b.Input("image", {1, 3, Res(o, 299), Res(o, 299)});
  x = sq(sq(sq(x, 32, 3, 2), 32, 3), 64, 3, 1, 1);
  x = b.MaxPool(x, 3, 2);
  x = b.MaxPool(sq(sq(x, 80, 1), 192, 3), 3, 2);
  x = inception_a(inception_a(inception_a(x, 32), 64), 64);
  x = inception_b(x);
  x = inception_c(inception_c(inception_c(inception_c(x, 128), 160), 160), 192);
  // Auxiliary classifier on Mixed_6e: a training-time head, kept so the parameters match
  // torchvision's at 299. Below about 290 pixels its 5x5 convolution meets a map smaller than
  // its window (a 3x3 map at 224); inference never runs the head, so there it is left out.
  std::vector<TensorId> outputs;
  const Shape mixed_6e = b.ShapeOf(x);
  if ((mixed_6e[2] - 5) / 3 + 1 >= 5 && (mixed_6e[3] - 5) / 3 + 1 >= 5) {
    TensorId aux = b.AvgPool(x, 5, 3);
    aux = sq(sq(aux, 128, 1), 768, 5);
    outputs.push_back(b.Linear(b.Flatten(b.GlobalAvgPool(aux)), 1000));
  }
  x = inception_e(inception_e(inception_d(x)));
  outputs.insert(outputs.begin(), Classifier(b, x));
  return b.Finish(outputs);
}

// A pre-norm transformer encoder block: LayerNorm, multi-head self-attention (query, key and
// value as three projections: the same MACs and parameters as one fused qkv), LayerNorm, MLP
// with GELU; both with residuals. x is [1, tokens, dim].
TensorId EncoderBlock(GraphBuilder& b, TensorId x, int64_t heads, int64_t mlp, OpKind mlp_act) {
  Shape s = b.ShapeOf(x);
  int64_t tokens = s[1], dim = s[2], head_dim = dim / heads;
  TensorId h = b.LayerNorm(x);
  auto split_heads = [&](TensorId t) {
    return b.Transpose(b.Reshape(t, {s[0], tokens, heads, head_dim}), {0, 2, 1, 3});
  };
  TensorId q = split_heads(b.Linear(h, dim));
  TensorId k =
      b.Transpose(b.Reshape(b.Linear(h, dim), {s[0], tokens, heads, head_dim}), {0, 2, 3, 1});
  TensorId v = split_heads(b.Linear(h, dim));
  TensorId attn =
      b.Softmax(b.Scale(b.MatMul(q, k), 1.0 / std::sqrt(static_cast<double>(head_dim))));
  TensorId o = b.Transpose(b.MatMul(attn, v), {0, 2, 1, 3});
  o = b.Linear(b.Reshape(o, {s[0], tokens, dim}), dim);
  x = b.Add(x, o);
  TensorId m = b.Linear(b.Act(b.Linear(b.LayerNorm(x), mlp), mlp_act), dim);
  return b.Add(x, m);
}

// ViT-Tiny/16 (Dosovitskiy et al. 2021; DeiT-Ti, Touvron et al. 2021): 16x16 patches, dim 192,
// 12 blocks of 3 heads, MLP 768, class token and learned position embedding.
StatusOr<Graph> VitTiny16(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  int64_t res = Res(o, 224), dim = 192, patches = (res / 16) * (res / 16);
  TensorId x = b.Input("image", {1, 3, res, res});
  x = b.Conv(x, dim, 16, 16, 0, 1, /*bias=*/true);
  x = b.Transpose(b.Reshape(x, {1, dim, patches}), {0, 2, 1});
  x = b.Concat({b.Parameter("cls_token", {1, 1, dim}), x}, 1);
  x = b.Add(x, b.Parameter("pos_embed", {1, patches + 1, dim}));
  for (int i = 0; i < 12; ++i) x = EncoderBlock(b, x, 3, 4 * dim, K::kGelu);
  x = b.TakeToken(b.LayerNorm(x), 0);
  return b.Finish({b.Linear(x, 1000)});
}

// BlazeFace (Bazarevsky et al. 2019) as MediaPipe's short-range face detector at 128x128:
// single BlazeBlocks (3x3 depthwise + 1x1, a max-pooled and zero-padded shortcut), and the two
// SSD heads (2 anchors on 16x16, 6 on 8x8) with 16 regression values per anchor. Outputs
// [1, 896, 16] boxes and [1, 896, 1] scores.
StatusOr<Graph> BlazeFace(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  int64_t res = Res(o, 128);
  TensorId x = b.Input("image", {1, 3, res, res});
  x = b.Act(b.Conv(x, 24, 5, 2, 2, 1, true), K::kRelu);
  const int64_t blocks[][2] = {{24, 1}, {28, 1}, {32, 2}, {36, 1}, {42, 1}, {48, 2},
                               {56, 1}, {64, 1}, {72, 1}, {80, 1}, {88, 1}, {96, 2},
                               {96, 1}, {96, 1}, {96, 1}, {96, 1}};
  TensorId features16 = -1;
  for (const auto& [out, stride] : blocks) {
    if (stride == 2 && out == 96) features16 = x;
    int64_t in = b.Channels(x);
    TensorId y = b.Conv(b.Conv(x, in, 3, stride, 1, in, true), out, 1, 1, 0, 1, true);
    TensorId shortcut = stride == 2 ? b.MaxPool(x, 2, 2) : x;
    if (out > in) shortcut = b.PadChannels(shortcut, out - in);
    x = b.Act(b.Add(y, shortcut), K::kRelu);
  }
  auto head = [&](TensorId f, int64_t per_anchor, int64_t anchors) {
    TensorId h = b.Conv(f, per_anchor * anchors, 1, 1, 0, 1, true);
    Shape s = b.ShapeOf(h);
    return b.Reshape(b.Transpose(h, {0, 2, 3, 1}), {1, s[2] * s[3] * anchors, per_anchor});
  };
  TensorId scores = b.Concat({head(features16, 1, 2), head(x, 1, 6)}, 1);
  TensorId boxes = b.Concat({head(features16, 16, 2), head(x, 16, 6)}, 1);
  return b.Finish({boxes, scores});
}

// SSD and SSDLite on MobileNetV2 (Sandler et al. 2018, section 6.2; TF Object Detection API
// layout) at 320x320: features from the expansion of block 15 (stride 16) and the final 1x1
// conv (stride 32), four extra stride-2 layers of 512/256/256/128 channels, and box (4) and
// class (80 COCO classes + background) predictors for 3 anchors on the first map and 6 on the
// others. SSDLite replaces every 3x3 conv of the extras and predictors with a depthwise-separable
// one.
StatusOr<Graph> SsdMobileNetV2(const ZooOptions& o, bool lite) {
  GraphBuilder b(o.fold_bn);
  int64_t res = Res(o, 320);
  TensorId x = b.Input("image", {1, 3, res, res});
  x = b.ConvBnAct(x, MakeDivisible(32 * o.width), 3, 2, K::kClip);
  const int64_t cfg[][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                            {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  std::vector<TensorId> maps;
  int block = 0;
  for (const auto& [t, ch, n, s] : cfg) {
    int64_t out = MakeDivisible(ch * o.width);
    for (int64_t i = 0; i < n; ++i, ++block) {
      int64_t in = b.Channels(x), hidden = in * t;
      TensorId y = x;
      if (t != 1) y = b.ConvBnAct(y, hidden, 1, 1, K::kClip);
      if (block == 13) maps.push_back(y);  // "layer_15/expansion_output": stride 16
      y = b.ConvBnAct(y, hidden, 3, i == 0 ? s : 1, K::kClip, hidden);
      y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      x = (i > 0 || s == 1) && in == out ? b.Add(x, y) : y;
    }
  }
  x = b.ConvBnAct(x, MakeDivisible(1280 * std::max(1.0, o.width)), 1, 1, K::kClip);
  maps.push_back(x);
  for (int64_t depth : {512, 256, 256, 128}) {
    x = b.ConvBnAct(x, depth / 2, 1, 1, K::kClip);
    if (lite) {
      x = b.ConvBnAct(x, depth / 2, 3, 2, K::kClip, depth / 2);
      x = b.ConvBnAct(x, depth, 1, 1, K::kClip);
    } else {
      x = b.ConvBnAct(x, depth, 3, 2, K::kClip);
    }
    maps.push_back(x);
  }
  std::vector<TensorId> boxes, classes;
  for (size_t i = 0; i < maps.size(); ++i) {
    int64_t anchors = i == 0 ? 3 : 6;
    auto predictor = [&](TensorId f, int64_t per_anchor) {
      TensorId p = f;
      if (lite) {
        p = b.ConvBnAct(p, b.Channels(p), 3, 1, K::kClip, b.Channels(p));
        p = b.Conv(p, anchors * per_anchor, 1, 1, 0, 1, true);
      } else {
        p = b.Conv(p, anchors * per_anchor, 3, 1, 1, 1, true);
      }
      Shape sh = b.ShapeOf(p);
      return b.Reshape(b.Transpose(p, {0, 2, 3, 1}), {1, sh[2] * sh[3] * anchors, per_anchor});
    };
    boxes.push_back(predictor(maps[i], 4));
    classes.push_back(predictor(maps[i], 81));
  }
  return b.Finish({b.Concat(boxes, 1), b.Concat(classes, 1)});
}

StatusOr<Graph> SsdMobileNetV2Regular(const ZooOptions& o) { return SsdMobileNetV2(o, false); }
StatusOr<Graph> SsdLiteMobileNetV2(const ZooOptions& o) { return SsdMobileNetV2(o, true); }

// DeepLabv3 on MobileNetV2 (Sandler et al. 2018, section 6.3) at 513x513, output stride 16:
// the backbone up to its 320-channel features ("MNet V2*": no final 1280 conv), the last
// stride-2 stage run at stride 1 with dilation 2; a head of image pooling and a 1x1 branch
// (plus 3x3 atrous branches at rates 6/12/18 with ASPP), 256 channels each, a 1x1 projection,
// 21 PASCAL classes, and bilinear upsampling back to the input size.
StatusOr<Graph> DeepLabV3MobileNetV2(const ZooOptions& o, bool aspp) {
  GraphBuilder b(o.fold_bn);
  int64_t res = Res(o, 513);  // DeepLab's evaluation crop
  TensorId x = b.Input("image", {1, 3, res, res});
  x = b.ConvBnAct(x, MakeDivisible(32 * o.width), 3, 2, K::kClip);
  const int64_t cfg[][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                            {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int64_t dilation = 1;
  for (const auto& [t, ch, n, s] : cfg) {
    int64_t out = MakeDivisible(ch * o.width);
    int64_t stride = s;
    if (ch == 160) {  // output stride 16: keep the resolution, dilate from here on
      stride = 1;
      dilation = 2;
    }
    for (int64_t i = 0; i < n; ++i) {
      int64_t in = b.Channels(x), hidden = in * t;
      int64_t st = i == 0 ? stride : 1;
      TensorId y = x;
      if (t != 1) y = b.ConvBnAct(y, hidden, 1, 1, K::kClip);
      y = b.Act(b.BatchNorm(b.Conv(y, hidden, 3, st, dilation, hidden, false, dilation)), K::kClip);
      y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
      x = (i > 0 || st == 1) && in == out ? b.Add(x, y) : y;
    }
  }
  Shape fs = b.ShapeOf(x);
  std::vector<TensorId> branches;
  TensorId pooled = b.ConvBnAct(b.GlobalAvgPool(x), 256, 1, 1, K::kRelu);
  branches.push_back(b.Resize(pooled, fs[2], fs[3], "linear"));
  branches.push_back(b.ConvBnAct(x, 256, 1, 1, K::kRelu));
  if (aspp) {
    for (int64_t rate : {6, 12, 18}) {
      branches.push_back(b.Act(b.BatchNorm(b.Conv(x, 256, 3, 1, rate, 1, false, rate)), K::kRelu));
    }
  }
  x = b.ConvBnAct(b.Concat(branches), 256, 1, 1, K::kRelu);
  x = b.Conv(x, 21, 1, 1, 0, 1, true);
  return b.Finish({b.Resize(x, res, res, "linear")});
}

StatusOr<Graph> DeepLabV3(const ZooOptions& o) { return DeepLabV3MobileNetV2(o, false); }
StatusOr<Graph> DeepLabV3Aspp(const ZooOptions& o) { return DeepLabV3MobileNetV2(o, true); }

// MobileViT-S (Mehta & Rastegari 2022; apple/ml-cvnets layout) at 256x256: MobileNetV2 blocks
// (expansion 4, SiLU) and three MobileViT blocks (d = 144/192/240 with 2/4/3 transformer layers
// of 4 heads, FFN 2d), each unfolding 2x2 patches into 4 sequences of H*W/4 tokens.
StatusOr<Graph> MobileVitS(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  int64_t res = Res(o, 256);
  auto mv2 = [&](TensorId x, int64_t out, int64_t stride) {
    int64_t in = b.Channels(x), hidden = in * 4;
    TensorId y = b.ConvBnAct(x, hidden, 1, 1, K::kSwish);
    y = b.ConvBnAct(y, hidden, 3, stride, K::kSwish, hidden);
    y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
    return stride == 1 && in == out ? b.Add(x, y) : y;
  };
  auto vit_block = [&](TensorId x, int64_t d, int64_t layers) {
    Shape s = b.ShapeOf(x);
    const int64_t c = s[1], map_h = s[2], map_w = s[3];
    // A map of odd size (7x7 at 224) is resized up to whole 2x2 patches and back, as
    // ml-cvnets does (bilinear).
    const int64_t h = (map_h + 1) / 2 * 2, w = (map_w + 1) / 2 * 2, n = (h / 2) * (w / 2);
    TensorId local = b.ConvBnAct(x, c, 3, 1, K::kSwish);
    local = b.Conv(local, d, 1, 1, 0);
    if (h != map_h || w != map_w) local = b.Resize(local, h, w, "linear");
    // Unfold: [1, d, H, W] -> [4 patch positions, H*W/4 tokens, d].
    TensorId t = b.Reshape(local, {1, d, h / 2, 2, w / 2, 2});
    t = b.Reshape(b.Transpose(t, {0, 3, 5, 2, 4, 1}), {4, n, d});
    for (int64_t i = 0; i < layers; ++i) t = EncoderBlock(b, t, 4, 2 * d, K::kSwish);
    t = b.LayerNorm(t);
    // Fold back.
    t = b.Transpose(b.Reshape(t, {1, 2, 2, h / 2, w / 2, d}), {0, 5, 3, 1, 4, 2});
    t = b.Reshape(t, {1, d, h, w});
    if (h != map_h || w != map_w) t = b.Resize(t, map_h, map_w, "linear");
    TensorId proj = b.ConvBnAct(t, c, 1, 1, K::kSwish);
    return b.ConvBnAct(b.Concat({x, proj}), c, 3, 1, K::kSwish);
  };
  TensorId x = b.Input("image", {1, 3, res, res});
  x = b.ConvBnAct(x, 16, 3, 2, K::kSwish);
  x = mv2(x, 32, 1);
  x = mv2(mv2(mv2(x, 64, 2), 64, 1), 64, 1);
  x = vit_block(mv2(x, 96, 2), 144, 2);
  x = vit_block(mv2(x, 128, 2), 192, 4);
  x = vit_block(mv2(x, 160, 2), 240, 3);
  x = b.ConvBnAct(x, 640, 1, 1, K::kSwish);
  return b.Finish({Classifier(b, x)});
}

// ProxylessNAS-Mobile (Cai et al. 2019): the searched mobile network of MBConv blocks
// (expansion 3 or 6, kernels 3/5/7) between a 32-channel stem and a 1280-channel mixing layer;
// skip (identity) choices are left out. 320 M MACs and 4.08 M parameters, as published.
StatusOr<Graph> ProxylessMobile(const ZooOptions& o) {
  GraphBuilder b(o.fold_bn);
  TensorId x = b.Input("image", {1, 3, Res(o, 224), Res(o, 224)});
  x = b.ConvBnAct(x, 32, 3, 2, K::kClip);
  x = b.ConvBnAct(x, 32, 3, 1, K::kClip, 32);
  x = b.ConvBnAct(x, 16, 1, 1, K::kUnknown);
  // expansion, kernel, output, stride
  const int64_t blocks[][4] = {{3, 5, 32, 2},  {3, 3, 32, 1},  {3, 7, 40, 2},  {3, 3, 40, 1},
                               {3, 5, 40, 1},  {3, 5, 40, 1},  {6, 7, 80, 2},  {3, 5, 80, 1},
                               {3, 5, 80, 1},  {3, 5, 80, 1},  {6, 5, 96, 1},  {3, 5, 96, 1},
                               {3, 5, 96, 1},  {3, 5, 96, 1},  {6, 7, 192, 2}, {6, 7, 192, 1},
                               {3, 7, 192, 1}, {3, 7, 192, 1}, {6, 7, 320, 1}};
  for (const auto& [e, k, out, stride] : blocks) {
    int64_t in = b.Channels(x), hidden = in * e;
    TensorId y = b.ConvBnAct(x, hidden, 1, 1, K::kClip);
    y = b.ConvBnAct(y, hidden, k, stride, K::kClip, hidden);
    y = b.ConvBnAct(y, out, 1, 1, K::kUnknown);
    x = stride == 1 && in == out ? b.Add(x, y) : y;
  }
  x = b.ConvBnAct(x, 1280, 1, 1, K::kClip);
  return b.Finish({Classifier(b, x)});
}

constexpr ZooEntry kZoo[] = {
    {"mobilenet_v1", "MobileNetV1 (Howard et al. 2017)", 224, true, &MobileNetV1},
    {"mobilenet_v2", "MobileNetV2 (Sandler et al. 2018), torchvision layout", 224, true,
     &MobileNetV2},
    {"mobilenet_v3_large", "MobileNetV3-Large (Howard et al. 2019), torchvision layout", 224, true,
     &MobileNetV3Large},
    {"mobilenet_v3_small", "MobileNetV3-Small (Howard et al. 2019), torchvision layout", 224, true,
     &MobileNetV3Small},
    {"mobilenet_v3_large_minimalistic", "MobileNetV3-Large minimalistic: no SE, ReLU, 3x3", 224,
     true, &MobileNetV3LargeMin},
    {"mobilenet_v3_small_minimalistic", "MobileNetV3-Small minimalistic: no SE, ReLU, 3x3", 224,
     true, &MobileNetV3SmallMin},
    {"mnasnet_a1", "MnasNet-A1 (Tan et al. 2019), with squeeze-excite", 224, true, &MnasNetA1},
    {"mnasnet_b1", "MnasNet-B1 (Tan et al. 2019), torchvision's mnasnet", 224, true, &MnasNetB1},
    {"shufflenet_v2", "ShuffleNetV2 (Ma et al. 2018), width 0.5/1.0/1.5/2.0", 224, true,
     &ShuffleNetV2},
    {"shufflenet_v1", "ShuffleNetV1, 3 groups (Zhang et al. 2018)", 224, true, &ShuffleNetV1},
    {"proxylessnas_mobile", "ProxylessNAS-Mobile (Cai et al. 2019)", 224, false, &ProxylessMobile},
    {"squeezenet1_0", "SqueezeNet 1.0 (Iandola et al. 2016)", 224, false, &SqueezeNet10},
    {"squeezenet1_1", "SqueezeNet 1.1", 224, false, &SqueezeNet11},
    {"resnet18", "ResNet-18 (He et al. 2016)", 224, false, &ResNet18},
    {"resnet34", "ResNet-34", 224, false, &ResNet34},
    {"resnet50", "ResNet-50 (v1.5: stride on the 3x3)", 224, false, &ResNet50},
    {"resnet101", "ResNet-101 (v1.5)", 224, false, &ResNet101},
    {"resnext50_32x4d", "ResNeXt-50 32x4d (Xie et al. 2017)", 224, false, &ResNeXt50},
    {"resnext101_32x8d", "ResNeXt-101 32x8d", 224, false, &ResNeXt101},
    {"wide_resnet50_2", "Wide ResNet-50-2 (Zagoruyko & Komodakis 2016)", 224, false, &WideResNet50},
    {"efficientnet_b0", "EfficientNet-B0 (Tan & Le 2019)", 224, false, &EfficientNetB0},
    {"efficientnet_b1", "EfficientNet-B1", 240, false, &EfficientNetB1},
    {"efficientnet_b2", "EfficientNet-B2", 260, false, &EfficientNetB2},
    {"efficientnet_b3", "EfficientNet-B3", 300, false, &EfficientNetB3},
    {"efficientnet_b4", "EfficientNet-B4", 380, false, &EfficientNetB4},
    {"efficientnet_v2_s", "EfficientNetV2-S (Tan & Le 2021), torchvision layout", 384, false,
     &EfficientNetV2S},
    {"efficientnet_lite0", "EfficientNet-Lite0 (no SE, ReLU6)", 224, false, &EfficientNetLite0},
    {"efficientnet_lite1", "EfficientNet-Lite1", 240, false, &EfficientNetLite1},
    {"efficientnet_lite2", "EfficientNet-Lite2", 260, false, &EfficientNetLite2},
    {"efficientnet_lite3", "EfficientNet-Lite3", 280, false, &EfficientNetLite3},
    {"efficientnet_lite4", "EfficientNet-Lite4", 300, false, &EfficientNetLite4},
    {"regnet_y_400mf", "RegNetY-400MF (Radosavovic et al. 2020), torchvision layout", 224, false,
     &RegNetY400MF},
    {"densenet121", "DenseNet-121 (Huang et al. 2017)", 224, false, &DenseNet121},
    {"googlenet", "GoogLeNet / Inception-v1 (Szegedy et al. 2015), no aux heads", 224, false,
     &GoogLeNet},
    {"inception_v3",
     "Inception-v3 (Szegedy et al. 2016), torchvision layout; aux head where it fits", 299, false,
     &InceptionV3},
    {"blazeface", "BlazeFace (Bazarevsky et al. 2019), MediaPipe short-range layout", 128, false,
     &BlazeFace},
    {"ssd_mobilenet_v2", "SSD on MobileNetV2, 80 COCO classes (TF OD API layout)", 320, true,
     &SsdMobileNetV2Regular},
    {"ssdlite_mobilenet_v2", "SSDLite on MobileNetV2 (Sandler et al. 2018)", 320, true,
     &SsdLiteMobileNetV2},
    {"deeplabv3_mobilenet_v2", "DeepLabv3 on MobileNetV2, OS16, mobile head (no ASPP)", 513, true,
     &DeepLabV3},
    {"deeplabv3_mobilenet_v2_aspp", "DeepLabv3 on MobileNetV2, OS16 with ASPP", 513, true,
     &DeepLabV3Aspp},
    {"vit_tiny_16", "ViT-Tiny/16 = DeiT-Ti (Touvron et al. 2021)", 224, false, &VitTiny16},
    {"mobilevit_s", "MobileViT-S (Mehta & Rastegari 2022)", 256, false, &MobileVitS},
    {"vgg16", "VGG-16 (Simonyan & Zisserman 2015)", 224, false, &Vgg16},
    {"alexnet", "AlexNet (Krizhevsky et al. 2012), torchvision layout", 224, false, &AlexNet},
};

}  // namespace

Status ZooOptions::Validate() const {
  if (!(width > 0.0 && width <= 4.0)) {
    return Status::InvalidArgument("--width " + std::to_string(width) + ": must be in (0, 4]");
  }
  if (resolution != 0 && (resolution < 32 || resolution > 4096)) {
    return Status::InvalidArgument("--resolution " + std::to_string(resolution) +
                                   ": must be between 32 and 4096");
  }
  return Status::Ok();
}

std::span<const ZooEntry> ZooEntries() { return kZoo; }

bool IsZooReference(const std::string& path) { return path.rfind("zoo:", 0) == 0; }

StatusOr<Graph> BuildZooModel(const std::string& name, const ZooOptions& options) {
  MBENCH_RETURN_IF_ERROR(options.Validate());
  std::string bare = IsZooReference(name) ? name.substr(4) : name;
  for (const ZooEntry& e : kZoo) {
    if (bare != e.name) continue;
    if (!e.has_width && options.width != 1.0) {
      return Status::InvalidArgument("zoo:" + bare + " has no width multiplier; drop --width");
    }
    auto built = e.build(options);
    if (!built.ok()) {
      return Status::InvalidArgument(
          "zoo:" + bare + " at resolution " +
          std::to_string(options.resolution > 0 ? options.resolution : e.default_resolution) +
          ": " + built.status().message());
    }
    Graph g = std::move(built).value();
    g.producer = std::string("mbench zoo: ") + e.description;
    if (options.fold_bn) g.notes.push_back("deployment form: BatchNorm folded into convolutions");
    return g;
  }
  std::string known;
  for (const ZooEntry& e : kZoo) {
    if (std::string(e.name).find(bare.substr(0, 4)) != std::string::npos) {
      known += (known.empty() ? "" : ", ") + std::string(e.name);
    }
  }
  return Status::NotFound(
      "zoo:" + bare + ": no such zoo model" +
      (known.empty() ? std::string("; see `mbench zoo list`") : "; did you mean " + known + "?"));
}

}  // namespace mbench::analyzer
