#include "analyzer/ncnn_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "analyzer/onnx_reader.h"
#include "tests/testutil/reference_nets.h"
#include "tests/testutil/testutil.h"

namespace mbench::analyzer {
namespace {

// ncnn's benchmark .param files live in the team's shared data (CI has it beside the clone).
// The ncnn benchmark .param files, copied into the repository with their MANIFEST.
std::string SharedParams() { return testing::SourceDir() + "/data/ncnn_params"; }

ModelAnalysis AnalyzeText(const std::string& text, const ReadOptions& options = {}) {
  auto g = ReadNcnnParam("t.param", text, options);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  if (!g.ok()) return {};
  auto a = Analyze(*g);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return a.ok() ? *a : ModelAnalysis{};
}

TEST(NcnnReaderTest, ConvPoolAndInnerProductFollowNcnnShapeRules) {
  // 3x3 conv stride 2 pad 1 on 224: 112. Max pool 3x3 s2 without padding in full (ceil) mode:
  // (112 - 3) / 2 rounded up + 1 = 56.
  std::string text =
      "7767517\n5 5\n"
      "Input data 0 1 data 0=224 1=224 2=3\n"
      "Convolution conv 1 1 data c 0=32 1=3 3=2 4=1 5=1 6=864 9=1\n"
      "Pooling pool 1 1 c p 0=0 1=3 2=2\n"
      "Pooling gap 1 1 p g 0=1 4=1\n"
      "InnerProduct fc 1 1 g out 0=10 1=1 2=320\n";
  ModelAnalysis a = AnalyzeText(text);
  ASSERT_EQ(a.layers.size(), 4u);
  EXPECT_EQ(a.layers[0].output_shapes[0], (Shape{1, 32, 112, 112}));
  EXPECT_EQ(a.layers[0].macs, 32LL * 112 * 112 * 27);
  // relu fused (9=1): one FLOP per output on top of 2*MACs + bias.
  EXPECT_EQ(a.layers[0].flops, 2 * a.layers[0].macs + 2 * 32LL * 112 * 112);
  EXPECT_EQ(a.layers[0].params, 864 + 32);
  EXPECT_EQ(a.layers[1].output_shapes[0], (Shape{1, 32, 56, 56}));
  EXPECT_EQ(a.layers[2].kind, OpKind::kGlobalAveragePool);
  EXPECT_EQ(a.layers[3].output_shapes[0], (Shape{10}));
  EXPECT_EQ(a.layers[3].macs, 320);
  EXPECT_TRUE(a.totals.complete);
}

TEST(NcnnReaderTest, DepthwiseSliceConcatReshapePermuteAndBroadcast) {
  std::string text =
      "7767517\n8 9\n"
      "Input data 0 1 data 0=8 1=8 2=16\n"
      "ConvolutionDepthWise dw 1 1 data d 0=16 1=3 4=1 6=144 7=16\n"
      "Slice sl 1 2 d a b -23300=2,-233,-233 1=0\n"
      "Concat cat 2 1 b a c 0=0\n"
      "Reshape rs 1 1 c r 0=64 1=-1\n"
      "Permute pm 1 1 r q 0=1\n"
      "Pooling gap 1 1 d g 0=1 4=1\n"
      "BinaryOp mul 2 1 d g m 0=2\n";
  ModelAnalysis a = AnalyzeText(text);
  ASSERT_EQ(a.layers.size(), 7u);
  EXPECT_EQ(a.layers[0].kind, OpKind::kDepthwiseConv);
  EXPECT_EQ(a.layers[0].macs, 16LL * 64 * 9);
  EXPECT_EQ(a.layers[1].output_shapes[0], (Shape{1, 8, 8, 8}));
  EXPECT_EQ(a.layers[2].output_shapes[0], (Shape{1, 16, 8, 8}));
  EXPECT_EQ(a.layers[3].output_shapes[0], (Shape{16, 64}));  // 2-D: h=16 rows of w=64
  EXPECT_EQ(a.layers[4].output_shapes[0], (Shape{64, 16}));
  EXPECT_EQ(a.layers[6].output_shapes[0], (Shape{1, 16, 8, 8}));  // c x 1 x 1 broadcast
  EXPECT_EQ(a.layers[6].flops, 1024);
}

TEST(NcnnReaderTest, MissingInputShapeNamesTheInputAndTheFlag) {
  std::string text = "7767517\n2 2\nInput in0 0 1 in0\nReLU r 1 1 in0 out\n";
  auto g = ReadNcnnParam("m.param", text, {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(g.status().message().find("--input-shape in0="), std::string::npos);
  ReadOptions opts;
  ASSERT_TRUE(ParseInputShapeFlag("in0=1,3,32,32", &opts).ok());
  auto ok = ReadNcnnParam("m.param", text, opts);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->tensors[ok->inputs[0]].shape, (Shape{1, 3, 32, 32}));
}

TEST(NcnnReaderTest, MalformedFilesAreCorruptionWithLineNumbers) {
  struct Case {
    std::string text, needle;
  } cases[] = {
      {"7767518\n1 1\n", "magic"},
      {"7767517\n", "layer_count"},
      {"7767517\n3 3\nInput data 0 1 data 0=4\n", "declares 3 layers"},
      {"7767517\n1 1\nReLU r 1 1 ghost out\n", "before any layer writes it"},
      {"7767517\n1 1\nInput data 0 1 data 0=abc\n", "bad value"},
      {"7767517\n1 1\nInput data 0 1 data -23300=3,1,2\n", "count does not match"},
      {"7767517\n1 1\nInput data 0 2 data\n", "missing blob names"},
  };
  for (const Case& c : cases) {
    auto g = ReadNcnnParam("bad.param", c.text, {});
    ASSERT_FALSE(g.ok()) << c.text;
    EXPECT_EQ(g.status().code(), StatusCode::kCorruption) << g.status().ToString();
    EXPECT_NE(g.status().message().find(c.needle), std::string::npos) << g.status().message();
    EXPECT_EQ(g.status().message().rfind("bad.param", 0), 0u);
  }
}

// ncnn reads as many layers as the header declares and ignores the rest; mbench does the same
// and says so in the notes every report prints (a header that declares more is still refused).
TEST(NcnnReaderTest, LinesBeyondTheDeclaredLayerCountAreIgnoredWithANote) {
  const std::string text =
      "7767517\n2 2\nInput data 0 1 data 0=4 1=4 2=3\nReLU relu 1 1 data out\n"
      "ReLU stray 1 1 out out2\nnot even a layer\n";
  auto g = ReadNcnnParam("m.param", text, {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  for (const auto& n : g->nodes) EXPECT_NE(n.name, "stray");
  EXPECT_EQ(g->FindTensor("out2"), -1);
  ASSERT_FALSE(g->notes.empty());
  EXPECT_NE(g->notes.back().find("declares 2 layers; the 2 lines after them (from line 5) are "
                                 "ignored"),
            std::string::npos)
      << g->notes.back();
}

// ViT exports use ncnn's MultiHeadAttention: q, k, v projections, attention over the heads, and
// the output projection, all in one layer. Each part counts, and the .bin holds its four
// weights (type-tagged) each followed by its raw float32 bias.
TEST(NcnnReaderTest, MultiHeadAttentionCountsItsProjectionsAndItsAttention) {
  const int64_t L = 197, E = 192, H = 3;
  const std::string text =
      "7767517\n2 2\nInput in 0 1 x 0=192 1=197\n"
      "MultiHeadAttention attn 1 1 x y 0=192 1=3 2=36864\n";
  std::string bin;
  for (int i = 0; i < 4; ++i) {
    bin.append(4, '\0');  // float32 tag
    bin.append(static_cast<size_t>(E * E * 4), '\0');
    bin.append(static_cast<size_t>(E * 4), '\0');
  }
  std::string_view view(bin);
  auto g = ReadNcnnParam("vit.param", text, {}, &view);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto a = Analyze(*g);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->totals.complete);
  const int64_t projections = 4 * L * E * E;
  const int64_t attention = H * L * L * (E / H) * 2;  // Q.K^T and scores.V
  EXPECT_EQ(a->totals.macs, projections + attention);
  EXPECT_EQ(a->totals.params, 4 * (E * E + E));
  EXPECT_EQ(g->tensors[g->outputs[0]].shape, (Shape{L, E}));
  // A .bin one bias short is a mismatch, not a silent misread.
  std::string_view short_view(bin.data(), bin.size() - 4);
  EXPECT_FALSE(ReadNcnnParam("vit.param", text, {}, &short_view).ok());
}

// More of the layer types ncnn ships: 1-D deconvolutions (vocoders, audio decoders), MatMul of
// two activations, DeepCopy, Erf and CELU.
TEST(NcnnReaderTest, OneDDeconvolutionMatMulAndElementwiseLayersAreCounted) {
  const std::string text =
      "7767517\n7 8\nInput in 0 1 x 0=50 1=16\n"
      "Deconvolution1D up 1 1 x y 0=8 1=4 3=2 4=1 15=1 5=1 6=512\n"
      "DeepCopy copy 1 1 y y2\nErf erf 1 1 y2 y3\nCELU celu 1 1 y3 y4\n"
      "Split split 1 2 y4 a b\n"
      "MatMul mm 2 1 a b c 0=1\n";
  auto g = ReadNcnnParam("audio.param", text, {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto a = Analyze(*g);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->totals.complete);
  // Deconvolution1D: 16 channels of 50 -> 8 of (50 - 1) * 2 + 4 - 2 = 100.
  EXPECT_EQ(g->tensors[g->FindTensor("y")].shape, (Shape{8, 100}));
  // [8, 100] x [8, 100]^T -> [8, 8].
  EXPECT_EQ(g->tensors[g->FindTensor("c")].shape, (Shape{8, 8}));
  const int64_t deconv = 16 * 50 * 8 * 4;  // every input element meets every tap and output
  const int64_t matmul = 8 * 8 * 100;
  EXPECT_EQ(a->totals.macs, deconv + matmul);
  EXPECT_EQ(a->totals.params, 512 + 8);

  // Convolution1D over [16 channels, 50]: channels are the blob's first axis (they were once
  // taken from its length, 50, counting 3x the work).
  auto conv = ReadNcnnParam(
      "c1d.param",
      "7767517\n2 2\nInput in 0 1 x 0=50 1=16\nConvolution1D c 1 1 x y 0=8 1=3 6=384\n", {});
  ASSERT_TRUE(conv.ok()) << conv.status().ToString();
  auto ca = Analyze(*conv);
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(ca->totals.macs, 8 * 48 * 16 * 3);
}

// Speech and sequence models: ncnn's LSTM, GRU and RNN, their weights in the .bin's order (all
// type-tagged: input weights, biases, recurrent weights) and their work per time step.
TEST(NcnnReaderTest, RecurrentLayersCountTheirWeightsAndSteps) {
  const int64_t T = 10, I = 32, H = 16;
  const std::string text =
      "7767517\n3 3\nInput in 0 1 x 0=32 1=10\n"
      "LSTM lstm 1 1 x y 0=16 1=4096 2=2\n"
      "GRU gru 1 1 y z 0=16 1=1536\n";
  auto tagged = [](std::string* bin, int64_t floats) {
    bin->append(4, '\0');  // float32 tag
    bin->append(static_cast<size_t>(floats * 4), '\0');
  };
  std::string bin;
  tagged(&bin, 2 * 4 * H * I);  // LSTM, both directions
  tagged(&bin, 2 * 4 * H);
  tagged(&bin, 2 * 4 * H * H);
  tagged(&bin, 3 * H * 2 * H);  // GRU over the LSTM's 2H features
  tagged(&bin, 4 * H);
  tagged(&bin, 3 * H * H);
  std::string_view view(bin);
  auto g = ReadNcnnParam("speech.param", text, {}, &view);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto a = Analyze(*g);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->totals.complete);
  EXPECT_EQ(g->tensors[g->FindTensor("y")].shape, (Shape{T, 2 * H}));
  EXPECT_EQ(g->tensors[g->FindTensor("z")].shape, (Shape{T, H}));
  const int64_t lstm = T * (2 * 4 * H * I + 2 * 4 * H * H);
  const int64_t gru = T * (3 * H * 2 * H + 3 * H * H);
  EXPECT_EQ(a->totals.macs, lstm + gru);
  EXPECT_EQ(a->totals.params,
            2 * 4 * H * I + 2 * 4 * H + 2 * 4 * H * H + 3 * H * 2 * H + 4 * H + 3 * H * H);
  // A weight_data_size that does not match the input is refused with the layer named.
  auto bad = ReadNcnnParam(
      "speech.param", "7767517\n2 2\nInput in 0 1 x 0=32 1=10\nLSTM l 1 1 x y 0=16 1=999\n", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("layer 'l' (LSTM)"), std::string::npos);
}

// Builds a .bin the way ncnn lays one out: per layer, in load order; "auto" weights behind a
// 4-byte type tag (float16 here, padded to 4 bytes), the rest raw float32.
std::string MakeBin(int64_t conv_weights, int64_t conv_bias, int64_t bn_channels) {
  std::string bin;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) bin.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  u32(0x01306B47);  // float16 tag
  bin.append(static_cast<size_t>((conv_weights * 2 + 3) / 4 * 4), '\0');
  bin.append(static_cast<size_t>(conv_bias * 4), '\0');        // bias: raw float32
  bin.append(static_cast<size_t>(4 * bn_channels * 4), '\0');  // slope, mean, var, bias
  return bin;
}

TEST(NcnnReaderTest, BinTypeTagsSetStoredDtypesAndMismatchedBinsAreCorruption) {
  std::string text =
      "7767517\n3 3\n"
      "Input data 0 1 data 0=8 1=8 2=3\n"
      "Convolution conv 1 1 data c 0=5 1=3 5=1 6=135\n"
      "BatchNorm bn 1 1 c out 0=5\n";
  std::string bin = MakeBin(135, 5, 5);
  std::string_view view(bin);
  auto g = ReadNcnnParam("m.param", text, {}, &view);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto a = Analyze(*g);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->totals.weight_bytes_by_dtype.at("float16"), 135 * 2);
  EXPECT_EQ(a->totals.weight_bytes_by_dtype.at("float32"), 5 * 4 + 4 * 5 * 4);
  EXPECT_EQ(a->totals.params, 135 + 5 + 10);
  EXPECT_EQ(a->totals.buffers, 10);

  std::string short_bin = bin.substr(0, bin.size() - 4);
  std::string_view short_view(short_bin);
  auto s = ReadNcnnParam("m.param", text, {}, &short_view);
  EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
  EXPECT_NE(s.status().message().find("do not match"), std::string::npos);
  std::string long_bin = bin + std::string(8, '\0');
  std::string_view long_view(long_bin);
  auto l = ReadNcnnParam("m.param", text, {}, &long_view);
  EXPECT_EQ(l.status().code(), StatusCode::kCorruption);
  EXPECT_NE(l.status().message().find("8 bytes after"), std::string::npos);
}

TEST(NcnnReaderTest, ReadModelPicksUpTheMatchingBinFile) {
  testing::TempDir dir;
  std::string text =
      "7767517\n3 3\n"
      "Input data 0 1 data 0=8 1=8 2=3\n"
      "Convolution conv 1 1 data c 0=5 1=3 5=1 6=135\n"
      "BatchNorm bn 1 1 c out 0=5\n";
  testing::WriteFile(dir.File("net.param"), text);
  testing::WriteFile(dir.File("net.bin"), MakeBin(135, 5, 5));
  auto m = ReadModel(dir.File("net.param"), {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto a = Analyze(m->graph);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->totals.weight_bytes_by_dtype.count("float16"), 1u);
  testing::WriteFile(dir.File("net.bin"), "short");
  EXPECT_EQ(ReadModel(dir.File("net.param"), {}).status().code(), StatusCode::kCorruption);
}

TEST(NcnnReaderTest, UnknownLayerIsKeptAndNamed) {
  std::string text = "7767517\n2 2\nInput data 0 1 data 0=4 1=4 2=2\nFrobnicate f 1 1 data out\n";
  ModelAnalysis a = AnalyzeText(text);
  EXPECT_EQ(a.totals.unknown_ops, 1);
  EXPECT_EQ(a.totals.unknown_op_types, std::vector<std::string>{"Frobnicate"});
}

TEST(NcnnReaderTest, EveryBenchmarkParamAnalyzesWithNoUnknownLayersAndMatchesShapeHints) {
  ASSERT_TRUE(std::filesystem::exists(SharedParams())) << SharedParams();
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SharedParams())) {
    if (entry.path().extension() != ".param") continue;
    ReadOptions opts;
    if (entry.path().filename() == "FastestDet.param") {
      // Its Input carries no shape; FastestDet runs at 352x352.
      ASSERT_TRUE(ParseInputShapeFlag("in0=1,3,352,352", &opts).ok());
    }
    auto m = ReadModel(entry.path().string(), opts);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->format, ModelFormat::kNcnnParam);
    for (const std::string& note : m->graph.notes) {
      EXPECT_EQ(note.find("differ from the file's shape hints"), std::string::npos)
          << entry.path() << ": " << note;
    }
    auto a = Analyze(m->graph);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->totals.unknown_ops, 0) << entry.path();
    EXPECT_TRUE(a->totals.complete) << entry.path();
    EXPECT_GT(a->totals.macs, 0);
    std::printf("%-26s macs=%lld params=%lld\n", entry.path().filename().c_str(),
                static_cast<long long>(a->totals.macs), static_cast<long long>(a->totals.params));
    ++files;
  }
  EXPECT_GE(files, 24);
}

TEST(NcnnReaderTest, LlmDecodersUseOnlyKnownLayersAndAskForTheirDynamicInputs) {
  std::string dir = SharedParams() + "/llm";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " missing";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string text = testing::ReadFile(entry.path().string());
    auto unknown = UnknownNcnnLayerTypes(entry.path().string(), text);
    ASSERT_TRUE(unknown.ok()) << unknown.status().ToString();
    EXPECT_TRUE(unknown->empty()) << entry.path() << ": " << ::testing::PrintToString(*unknown);
    auto g = ReadNcnnParam(entry.path().string(), text, {});
    ASSERT_FALSE(g.ok());
    EXPECT_NE(g.status().message().find("--input-shape"), std::string::npos)
        << g.status().message();
    ++files;
  }
  EXPECT_GE(files, 12);
}

// With its dynamic inputs given (8 new tokens, 16 cached), Qwen2.5-0.5B's decoder stack counts
// the model card's non-embedding parameters (0.36 B; 0.49 B with the 151936 x 896 embedding) and
// about one multiply-accumulate per parameter per token.
TEST(NcnnReaderTest, Qwen25DecoderWithKvCacheMatchesPublishedParameterCount) {
  std::string path = SharedParams() + "/llm/qwen2.5_0.5b_decoder.ncnn.param";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " missing";
  ReadOptions opts;
  for (const char* flag : {"in0=8,896", "in1=8,24", "in2=8,32", "in3=8,32"}) {
    ASSERT_TRUE(ParseInputShapeFlag(flag, &opts).ok());
  }
  for (int i = 0; i < 24; ++i) {
    for (const char* kv : {"cache_k", "cache_v"}) {
      ASSERT_TRUE(ParseInputShapeFlag(kv + std::to_string(i) + "=2,16,64", &opts).ok());
    }
  }
  auto m = ReadModel(path, opts);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto a = Analyze(m->graph);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->totals.complete);
  EXPECT_EQ(a->totals.unknown_ops, 0);
  EXPECT_NEAR(a->totals.params / 1e9, 0.36, 0.36 * 0.01);
  EXPECT_NEAR(static_cast<double>(a->totals.macs), 8.0 * a->totals.params,
              8.0 * a->totals.params * 0.02);
  std::printf("qwen2.5-0.5b decoder: params=%lld macs(8 tokens, 16 cached)=%lld\n",
              static_cast<long long>(a->totals.params), static_cast<long long>(a->totals.macs));
}

int64_t NcnnMacs(const std::string& file) {
  auto m = ReadModel(SharedParams() + "/" + file, {});
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  auto a = Analyze(m->graph);
  return a.ok() ? a->totals.macs : 0;
}

int64_t OnnxMacs(const std::string& bytes) {
  auto g = ReadOnnxModel("ref.onnx", bytes, {});
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  auto a = Analyze(*g);
  return a.ok() ? a->totals.macs : 0;
}

// One architecture, one count: the same network in ONNX and in ncnn agrees within 1%.
TEST(NcnnReaderTest, SameArchitectureCountsTheSameInOnnxAndNcnn) {
  ASSERT_TRUE(std::filesystem::exists(SharedParams())) << SharedParams();
  // ncnn's resnet18.param is the original Caffe ResNet-18: block res2a has a 1x1 projection
  // shortcut (56*56*64*64 = 12.8 M MACs) that torchvision's does not. Same architecture: equal.
  int64_t ncnn_resnet = NcnnMacs("resnet18.param");
  EXPECT_NEAR(static_cast<double>(OnnxMacs(testing::ResNet18Onnx(/*caffe_projection=*/true))),
              static_cast<double>(ncnn_resnet), ncnn_resnet * 0.01);
  // Against torchvision's variant the difference is that one layer: 0.7%.
  EXPECT_NEAR(static_cast<double>(OnnxMacs(testing::ResNet18Onnx())),
              static_cast<double>(ncnn_resnet), ncnn_resnet * 0.01);
  // ncnn's mobilenet_v2.param is the Caffe MobileNetV2: its first bottleneck (t=1) keeps a 1x1
  // expansion conv (112*112*32*32 = 12.8 M MACs) that torchvision drops; with it, the counts agree.
  int64_t ncnn_mbv2 = NcnnMacs("mobilenet_v2.param");
  int64_t onnx_mbv2 = OnnxMacs(testing::MobileNetV2Onnx(/*caffe_first_expand=*/true));
  EXPECT_NEAR(static_cast<double>(onnx_mbv2), static_cast<double>(ncnn_mbv2), ncnn_mbv2 * 0.01);
  std::printf("resnet18: ncnn %lld MACs, onnx %lld; mobilenet_v2: ncnn %lld, onnx %lld\n",
              static_cast<long long>(ncnn_resnet),
              static_cast<long long>(OnnxMacs(testing::ResNet18Onnx(true))),
              static_cast<long long>(ncnn_mbv2), static_cast<long long>(onnx_mbv2));
}

TEST(NcnnReaderTest, DamagedParamFilesNeverCrash) {
  std::string path = SharedParams() + "/mobilenet_v2.param";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " missing";
  std::string original = testing::ReadFile(path);
  std::mt19937 rng(7767517);
  int rejected = 0;
  for (int i = 0; i < 200; ++i) {
    std::string bytes = original;
    if (i % 2 == 0) {
      bytes.resize(rng() % bytes.size());
    } else {
      for (int k = 0; k < 4; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng() % 128);
    }
    auto g = ReadNcnnParam("mutant.param", bytes, {});
    if (!g.ok()) {
      ++rejected;
      EXPECT_EQ(g.status().message().find('\n'), std::string::npos);
      continue;
    }
    auto a = Analyze(*g);
    if (!a.ok()) {
      EXPECT_FALSE(a.status().message().empty());
    }
  }
  std::printf("mobilenet_v2.param: 200 damaged copies, %d rejected, none crashed\n", rejected);
  EXPECT_GT(rejected, 50);
}

TEST(NcnnReaderTest, LongChainsAndWideSplitsReadInLinearTime) {
  // 100,000 layers and a Split with 100,000 tops: each read once; a reader that searched the
  // graph for every name took 30 s on the chain.
  constexpr int kN = 100000;
  std::string chain = "7767517\n" + std::to_string(kN + 1) + " " + std::to_string(kN + 1) +
                      "\nInput in 0 1 b0 0=8 1=8 2=4\n";
  for (int i = 0; i < kN; ++i) {
    chain += "ReLU r" + std::to_string(i) + " 1 1 b" + std::to_string(i) + " b" +
             std::to_string(i + 1) + "\n";
  }
  auto g = ReadNcnnParam("chain.param", chain, {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->nodes.size(), static_cast<size_t>(kN));
  std::string split = "7767517\n2 " + std::to_string(kN + 1) +
                      "\nInput in 0 1 b0 0=8 1=8 2=4\nSplit sp 1 " + std::to_string(kN) + " b0";
  for (int i = 0; i < kN; ++i) split += " s" + std::to_string(i);
  split += "\n";
  auto s = ReadNcnnParam("split.param", split, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->nodes.back().outputs.size(), static_cast<size_t>(kN));
}

TEST(NcnnReaderTest, LayerCountsAboveTheLimitAreRefusedBeforeParsing) {
  auto g = ReadNcnnParam("big.param", "7767517\n300000 300000\n", {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_NE(g.status().message().find("limited to 200000 layers"), std::string::npos)
      << g.status().message();
}

// Found by tests/fuzz/ncnn_fuzz.cc: a parameter of 2e20 converted to int64 (undefined
// behaviour, caught by UBSan in the sanitizer build): PriorBox's aspect ratios (array id 2:
// -23302) held it. Parameters are clamped to ncnn's 32-bit range, scalars and arrays alike.
TEST(NcnnReaderTest, FuzzFindingAHugeParameterIsClampedNotConverted) {
  const std::string param =
      "7767517\n4 5\nInput in 0 1 data 0=8 1=8 2=4\nSplit sp 1 2 data d0 d1\n"
      "PriorBox p 2 1 d0 d1 prior -23300=1,45 -23301=1,99 -23302=2,2e20,3\n"
      "Convolution c 1 1 d1 out 0=-9e30 1=3 5=1 6=1e25\n";
  // An array count of 1e108 (also a fuzz finding) is compared, not converted.
  auto count = ReadNcnnParam("count.param",
                             "7767517\n2 2\nInput in 0 1 data 0=8 1=8 2=4\n"
                             "Slice s 1 1 data out -23300=1e108,1\n",
                             {});
  ASSERT_FALSE(count.ok());
  EXPECT_NE(count.status().message().find("count does not match"), std::string::npos)
      << count.status().ToString();
  auto g = ReadNcnnParam("huge.param", param, {});
  // Read or refused with a reason; never undefined behaviour.
  if (!g.ok()) {
    EXPECT_NE(g.status().message().find("huge.param"), std::string::npos) << g.status().ToString();
  }
}

}  // namespace
}  // namespace mbench::analyzer
