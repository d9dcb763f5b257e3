// If, Loop and Scan read from ONNX: what the reader inlines, what it counts, what it leaves with
// a note, and that the runner runs the inlined graph to the values the control flow computes.
// Every model is built here, its expected counts and outputs derived by hand next to it.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/analysis.h"
#include "analyzer/onnx_reader.h"
#include "analyzer/read_options.h"
#include "runner/plan.h"
#include "tests/testutil/onnx_builder.h"

namespace mbench::analyzer {
namespace {

using testing::OnnxAttr;
using testing::OnnxBuilder;

constexpr int32_t kBool = 9;

onnx::GraphProto GraphOf(const OnnxBuilder& b, const std::string& name) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(b.Serialize()));
  onnx::GraphProto g = m.graph();
  g.set_name(name);
  return g;
}

// Adds graph attributes to the node named `node` of the model `b` builds; returns the bytes.
std::string WithGraphs(const OnnxBuilder& b, const std::string& node,
                       const std::vector<std::pair<std::string, onnx::GraphProto>>& graphs) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(b.Serialize()));
  for (auto& n : *m.mutable_graph()->mutable_node()) {
    if (n.name() != node) continue;
    for (const auto& [attr, g] : graphs) {
      auto* a = n.add_attribute();
      a->set_name(attr);
      a->set_type(onnx::AttributeProto::GRAPH);
      *a->mutable_g() = g;
    }
  }
  return m.SerializeAsString();
}

StatusOr<Graph> Read(const std::string& bytes, const std::vector<std::string>& flags = {}) {
  ReadOptions options;
  for (const auto& f : flags) {
    Status s = ParseInputShapeFlag(f, &options);
    if (!s.ok()) return s;
  }
  options.keep_weights = true;
  return ReadOnnxModel("control_flow.onnx", bytes, options);
}

bool HasNote(const Graph& g, const std::string& text) {
  for (const auto& n : g.notes) {
    if (n.find(text) != std::string::npos) return true;
  }
  return false;
}

int64_t Macs(const Graph& g) {
  auto a = Analyze(g);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->totals.unresolved_layers, 0);
  return a.ok() ? a->totals.macs : -1;
}

// y = If(sr == 16000) then Conv3x3(x) (8 out) else Conv1x1(x) (8 out); x: 1x3x8x8.
// Then: 8 * 3*3*3 * 8*8 = 13,824 MACs; else: 8 * 3 * 8*8 = 1,536.
std::string SampleRateModel() {
  OnnxBuilder then_b;
  then_b.Output(then_b.Node("Conv", {"x", then_b.Weight("wt", {8, 3, 3, 3})},
                            {OnnxAttr::Ints("pads", {1, 1, 1, 1})}, 1, "conv3x3"));
  OnnxBuilder else_b;
  else_b.Output(else_b.Node("Conv", {"x", else_b.Weight("we", {8, 3, 1, 1})}, {}, 1, "conv1x1"));
  OnnxBuilder b;
  b.Input("x", {1, 3, 8, 8});
  const std::string sr = b.Input("sr", {}, testing::kOnnxInt64);
  const std::string cond = b.Node("Equal", {sr, b.Int64s("k16000", {16000}, true)}, {}, 1, "eq");
  b.Output(b.Node("If", {cond}, {}, 1, "if"));
  return WithGraphs(
      b, "if",
      {{"then_branch", GraphOf(then_b, "then")}, {"else_branch", GraphOf(else_b, "else")}});
}

TEST(OnnxControlFlowTest, AnInputValueChoosesTheBranchCountedAndRun) {
  const std::string model = SampleRateModel();
  auto taken = Read(model, {"sr:=16000"});
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(Macs(*taken), 13824);
  EXPECT_TRUE(HasNote(*taken, "If 'if': its condition is true")) << taken->notes.back();
  EXPECT_TRUE(HasNote(*taken, "input 'sr' fixed to 16000"));
  // The comparison that decided it is gone with the If: nothing left for the runner to refuse.
  for (const Node& n : taken->nodes) EXPECT_NE(n.kind, OpKind::kEqual) << n.name;
  EXPECT_TRUE(taken->inputs.size() == 1 && taken->tensors[taken->inputs[0]].name == "x");
  auto plan = runner::Plan::Compile(*taken, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();

  auto other = Read(model, {"sr:=8000"});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(Macs(*other), 1536);
  EXPECT_TRUE(HasNote(*other, "the else branch is counted"));
}

TEST(OnnxControlFlowTest, AnUnknownConditionCountsBothBranchesAndTheRunnerSaysWhatFixesIt) {
  auto both = Read(SampleRateModel());
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(Macs(*both), 13824 + 1536);
  EXPECT_TRUE(HasNote(*both, "both branches are counted (an upper bound); --input-value sr=V"));
  auto plan = runner::Plan::Compile(*both, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("give --input-value sr=V"), std::string::npos)
      << plan.status().message();
}

TEST(OnnxControlFlowTest, AConditionOnAShapeInsideABranchIsDecidedOnceItsShapeIsKnown) {
  // Outer If on sr; inside its then branch an If on "does the conv output have 8 channels",
  // which only the branch's own shapes can answer.
  OnnxBuilder inner_then;
  inner_then.Output(inner_then.Node("Relu", {"c_out0"}, {}, 1, "relu"));
  OnnxBuilder inner_else;
  inner_else.Output(inner_else.Node("Conv", {"c_out0", inner_else.Weight("w2", {8, 8, 3, 3})},
                                    {OnnxAttr::Ints("pads", {1, 1, 1, 1})}, 1, "conv_again"));
  OnnxBuilder then_b;
  const std::string c = then_b.Node("Conv", {"x", then_b.Weight("w1", {8, 3, 1, 1})}, {}, 1, "c");
  ASSERT_EQ(c, "c_out0");
  const std::string channels = then_b.Node(
      "Gather", {then_b.Node("Shape", {c}, {}, 1, "shape"), then_b.Int64s("one", {1}, true)},
      {OnnxAttr::Int("axis", 0)}, 1, "channels");
  const std::string is8 =
      then_b.Node("Equal", {channels, then_b.Int64s("eight", {8}, true)}, {}, 1, "is8");
  then_b.Output(then_b.Node("If", {is8}, {}, 1, "inner"));
  onnx::GraphProto then_g;
  {
    onnx::ModelProto m;
    ASSERT_TRUE(m.ParseFromString(WithGraphs(
        then_b, "inner",
        {{"then_branch", GraphOf(inner_then, "it")}, {"else_branch", GraphOf(inner_else, "ie")}})));
    then_g = m.graph();
  }
  OnnxBuilder else_b;
  else_b.Output(else_b.Node("Conv", {"x", else_b.Weight("w3", {8, 3, 1, 1})}, {}, 1, "other"));
  OnnxBuilder b;
  b.Input("x", {1, 3, 8, 8});
  const std::string sr = b.Input("sr", {}, testing::kOnnxInt64);
  const std::string cond = b.Node("Equal", {sr, b.Int64s("k", {16000}, true)}, {}, 1, "eq");
  b.Output(b.Node("If", {cond}, {}, 1, "outer"));
  const std::string model =
      WithGraphs(b, "outer", {{"then_branch", then_g}, {"else_branch", GraphOf(else_b, "e")}});
  for (const bool known : {true, false}) {
    auto g =
        Read(model, known ? std::vector<std::string>{"sr:=16000"} : std::vector<std::string>{});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    // 8 * 3 * 64 for the first conv; the inner If takes the Relu (8 channels), no second conv;
    // with sr unknown the else branch's conv (as many MACs) is counted as well.
    EXPECT_EQ(Macs(*g), known ? 1536 : 2 * 1536);
    EXPECT_TRUE(HasNote(*g, "If 'outer/then/inner': its condition is true")) << g->notes.back();
  }
}

// Loop: `trips` trips over v (1x4): y = v + 0.5 carried, s = y * y stacked.
std::string LoopModel(bool ends_early, int64_t trips = 3) {
  OnnxBuilder body;
  const std::string i = body.Input("i", {}, testing::kOnnxInt64);
  const std::string c_in = body.Input("c_in", {}, kBool);
  const std::string v_in = body.Input("v_in", {1, 4});
  const std::string y = body.Node(
      "Add", {v_in, body.Weight("half", {1, 4}, testing::kOnnxFloat, 0.5f)}, {}, 1, "add");
  const std::string c_out =
      ends_early ? body.Node("Less", {i, body.Int64s("two", {2}, true)}, {}, 1, "less")
                 : body.Node("Identity", {c_in}, {}, 1, "keep_going");
  const std::string s = body.Node("Mul", {y, y}, {}, 1, "square");
  body.Output(c_out);
  body.Output(y);
  body.Output(s);
  OnnxBuilder b;
  const std::string x = b.Input("x", {1, 4});
  b.Node("Loop", {b.Int64s("trips", {trips}, true), "", x}, {}, 2, "loop");
  b.Output("loop_out0");
  b.Output("loop_out1");
  return WithGraphs(b, "loop", {{"body", GraphOf(body, "body")}});
}

TEST(OnnxControlFlowTest, ALoopWithAKnownTripCountIsUnrolledAndRunsToItsValues) {
  auto g = Read(LoopModel(false));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_TRUE(HasNote(*g, "Loop 'loop': unrolled, 3 iterations"));
  auto a = Analyze(*g);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->totals.unresolved_layers, 0);
  EXPECT_EQ(a->totals.flops, 3 * (4 + 4));  // an add and a square of 4 values per trip
  ASSERT_EQ(g->outputs.size(), 2u);
  EXPECT_EQ(g->tensors[g->outputs[0]].shape, (Shape{1, 4}));
  EXPECT_EQ(g->tensors[g->outputs[1]].shape, (Shape{3, 1, 4}));

  auto plan = runner::Plan::Compile(*g, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const std::vector<float> x = {-1.0f, 0.0f, 0.25f, 2.0f};
  ASSERT_TRUE((*plan)->SetInput(0, x).ok());
  ASSERT_TRUE((*plan)->Run().ok());
  const std::vector<float> last = (*plan)->Output(0);
  const std::vector<float> stacked = (*plan)->Output(1);
  ASSERT_EQ(last.size(), 4u);
  ASSERT_EQ(stacked.size(), 12u);
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_FLOAT_EQ(last[k], x[k] + 1.5f);
    for (int t = 0; t < 3; ++t) {
      const float y = x[k] + 0.5f * static_cast<float>(t + 1);
      EXPECT_FLOAT_EQ(stacked[static_cast<size_t>(t) * 4 + k], y * y) << "trip " << t;
    }
  }
}

TEST(OnnxControlFlowTest, ALoopThatMayEndEarlyStaysWithAReason) {
  auto g = Read(LoopModel(true));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_TRUE(HasNote(*g, "Loop 'loop': its body computes whether to go on")) << g->notes.back();
  bool kept = false;
  for (const Node& n : g->nodes) kept |= n.kind == OpKind::kLoop;
  EXPECT_TRUE(kept);
  EXPECT_FALSE(runner::Plan::Compile(*g, {}).ok());
  // A trip count past the node limit (INT64_MAX from a hostile file) stays too, with its reason.
  auto huge = Read(LoopModel(false, INT64_MAX));
  ASSERT_TRUE(huge.ok()) << huge.status().ToString();
  EXPECT_TRUE(HasNote(*huge, "iterations exceed the limit")) << huge->notes.back();
}

TEST(OnnxControlFlowTest, AScanIsUnrolledOverItsAxisAndRunsToItsValues) {
  // s_final = s0 + sum of the rows of xs; ys = relu(xs) row by row, scanned backwards and
  // stacked backwards (so in order again).
  OnnxBuilder body;
  const std::string s_in = body.Input("s_in", {4});
  const std::string row = body.Input("row", {4});
  body.Output(body.Node("Add", {s_in, row}, {}, 1, "acc"));
  body.Output(body.Node("Relu", {row}, {}, 1, "relu"));
  OnnxBuilder b;
  const std::string s0 = b.Input("s0", {4});
  const std::string xs = b.Input("xs", {5, 4});
  b.Node("Scan", {s0, xs},
         {OnnxAttr::Int("num_scan_inputs", 1), OnnxAttr::Ints("scan_input_directions", {1}),
          OnnxAttr::Ints("scan_output_directions", {1})},
         2, "scan");
  b.Output("scan_out0");
  b.Output("scan_out1");
  auto g = Read(WithGraphs(b, "scan", {{"body", GraphOf(body, "body")}}));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_TRUE(HasNote(*g, "Scan 'scan': unrolled, 5 steps"));
  EXPECT_EQ(g->tensors[g->outputs[1]].shape, (Shape{5, 4}));
  auto plan = runner::Plan::Compile(*g, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<float> s(4), rows(20);
  for (size_t k = 0; k < 4; ++k) s[k] = static_cast<float>(k);
  for (size_t k = 0; k < 20; ++k) rows[k] = static_cast<float>(k % 7) - 3.0f;
  ASSERT_TRUE((*plan)->SetInput(0, s).ok());
  ASSERT_TRUE((*plan)->SetInput(1, rows).ok());
  ASSERT_TRUE((*plan)->Run().ok());
  const std::vector<float> total = (*plan)->Output(0);
  const std::vector<float> ys = (*plan)->Output(1);
  for (size_t k = 0; k < 4; ++k) {
    float want = s[k];
    for (size_t r = 0; r < 5; ++r) want += rows[r * 4 + k];
    EXPECT_FLOAT_EQ(total[k], want);
  }
  for (size_t k = 0; k < 20; ++k) EXPECT_FLOAT_EQ(ys[k], std::max(rows[k], 0.0f)) << k;
}

TEST(OnnxControlFlowTest, InputValueFlagsAreCheckedAgainstTheModel) {
  const std::string model = SampleRateModel();
  auto unknown = Read(model, {"rate:=16000"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("--input-value rate: not an input of the model "
                                            "(inputs: x, sr)"),
            std::string::npos)
      << unknown.status().message();
  auto fraction = Read(model, {"sr:=16000.5"});
  ASSERT_FALSE(fraction.ok());
  EXPECT_NE(fraction.status().message().find("is not an integer, and the input is int64"),
            std::string::npos)
      << fraction.status().message();
  auto count = Read(model, {"x:=1,2,3"});
  ASSERT_FALSE(count.ok());
  EXPECT_NE(count.status().message().find("3 values for an input of 192 elements"),
            std::string::npos)
      << count.status().message();
  EXPECT_FALSE(InputValueFlag("sr=abc").ok());
  EXPECT_FALSE(InputValueFlag("=3").ok());
  auto encoded = InputValueFlag("sr=16000");
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*encoded, "sr:=16000");
}

TEST(OnnxControlFlowTest, PadsComputedInsideABranchAreEvaluatedForShapesAndTheRunner) {
  // What PyTorch exports for F.pad inside a branch: pads [0, 2, 0, 3] for a 1x4 input built by
  // ConstantOfShape -> Concat -> Reshape -> Slice (reversed, to INT64_MIN) -> Transpose ->
  // Reshape. Output 1x9; the runner must see the pads' values.
  OnnxBuilder then_b;
  const std::string zeros =
      then_b.Node("ConstantOfShape", {then_b.Int64s("two", {2})}, {}, 1, "zeros");
  const std::string both = then_b.Node("Concat", {then_b.Int64s("tail", {2, 3}), zeros},
                                       {OnnxAttr::Int("axis", 0)}, 1, "both");
  const std::string grid =
      then_b.Node("Reshape", {both, then_b.Int64s("shape22", {2, 2})}, {}, 1, "grid");
  const std::string flipped =
      then_b.Node("Slice",
                  {grid, then_b.Int64s("start", {-1}), then_b.Int64s("end", {INT64_MIN}),
                   then_b.Int64s("axis0", {0}), then_b.Int64s("back", {-1})},
                  {}, 1, "flip");
  const std::string turned =
      then_b.Node("Transpose", {flipped}, {OnnxAttr::Ints("perm", {1, 0})}, 1, "turn");
  const std::string pads =
      then_b.Node("Reshape", {turned, then_b.Int64s("flat", {-1})}, {}, 1, "pads");
  then_b.Output(then_b.Node("Pad", {"x", pads}, {}, 1, "pad"));
  OnnxBuilder else_b;
  else_b.Output(else_b.Node("Pad", {"x", else_b.Int64s("p", {0, 0, 0, 5})}, {}, 1, "pad_right"));
  OnnxBuilder b;
  b.Input("x", {1, 4});
  const std::string sr = b.Input("sr", {}, testing::kOnnxInt64);
  b.Output(
      b.Node("If", {b.Node("Equal", {sr, b.Int64s("k", {1}, true)}, {}, 1, "eq")}, {}, 1, "if"));
  auto g = Read(
      WithGraphs(b, "if",
                 {{"then_branch", GraphOf(then_b, "t")}, {"else_branch", GraphOf(else_b, "e")}}),
      {"sr:=1"});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->tensors[g->outputs[0]].shape, (Shape{1, 9}));
  auto plan = runner::Plan::Compile(*g, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE((*plan)->SetInput(0, std::vector<float>{1, 2, 3, 4}).ok());
  ASSERT_TRUE((*plan)->Run().ok());
  EXPECT_EQ((*plan)->Output(0), (std::vector<float>{0, 0, 1, 2, 3, 4, 0, 0, 0}));
}

}  // namespace
}  // namespace mbench::analyzer
