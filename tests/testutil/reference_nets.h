// Reference architectures built layer by layer as ONNX (training form: BatchNorm not folded),
// shared by the tests that check counts against published figures and across formats.
#ifndef MBENCH_TESTS_TESTUTIL_REFERENCE_NETS_H_
#define MBENCH_TESTS_TESTUTIL_REFERENCE_NETS_H_

#include <string>

namespace mbench::testing {

// torchvision's resnet18 at 1x3x224x224. With `caffe_projection`, block res2a also has the 1x1
// projection shortcut of the original Caffe ResNet (the ncnn benchmark's resnet18.param).
std::string ResNet18Onnx(bool caffe_projection = false);

// torchvision's mobilenet_v2 (width 1.0) at 1x3x224x224. With `caffe_first_expand`, the first
// bottleneck (t=1) keeps a 1x1 expansion conv, as the Caffe MobileNetV2 in ncnn's benchmark does.
std::string MobileNetV2Onnx(bool caffe_first_expand = false);

}  // namespace mbench::testing

#endif  // MBENCH_TESTS_TESTUTIL_REFERENCE_NETS_H_
