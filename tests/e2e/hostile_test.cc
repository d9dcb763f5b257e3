// Hostile and impossible models through analyze, grade and run: each gives a one-line error
// naming the file and a non-zero exit (or a correct result), never a crash, a hang or a silent
// zero. One test per case a mutation run found (issue 19); each failed before its fix.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/testutil/onnx_builder.h"
#include "tests/testutil/testutil.h"

namespace mbench {
namespace {

using testing::OnnxAttr;
using testing::OnnxBuilder;
using testing::RunMbench;
using testing::RunResult;
using testing::TempDir;

// Exit code 1-4 (a reported error) with a single line on stderr that names `file`.
void ExpectOneLineError(const RunResult& r, const std::string& file, const std::string& cmd) {
  EXPECT_GE(r.exit_code, 1) << cmd << "\n" << r.err;
  EXPECT_LE(r.exit_code, 4) << cmd << " (a signal?)\n" << r.err;
  std::string err = r.err;
  // Progress lines ("mbench run: ...") are not errors; the error is the line with "error:".
  const size_t at = err.find("error:");
  ASSERT_NE(at, std::string::npos) << cmd << "\n" << r.err;
  const std::string line = err.substr(err.rfind('\n', at) + 1);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << cmd << ": more than one line\n" << r.err;
  EXPECT_NE(line.find(file), std::string::npos) << cmd << ": does not name " << file << "\n"
                                                << r.err;
}

void ExpectEveryCommandRefuses(const TempDir& dir, const std::string& path,
                               const std::string& name) {
  for (const std::string cmd : {"analyze", "grade", "run"}) {
    const std::string args = cmd + " " + path + (cmd == "run" ? " --runs 1 --warmup 0" : "");
    ExpectOneLineError(RunMbench(args, dir), name, args);
  }
}

TEST(HostileTest, ZeroStridesAreRefusedBeforeShapeInference) {
  TempDir dir;
  for (const std::string op : {"Conv", "MaxPool", "AveragePool"}) {
    OnnxBuilder b;
    auto x = b.Input("x", {1, 3, 8, 8});
    std::vector<std::string> in = {x};
    std::vector<OnnxAttr> attrs = {OnnxAttr::Ints("strides", {0, 0}),
                                   OnnxAttr::Ints("kernel_shape", {3, 3})};
    if (op == "Conv") in.push_back(b.Weight("w", {4, 3, 3, 3}));
    b.Output(b.Node(op, in, attrs, 1, "bad"));
    const std::string name = "zero_strides_" + op + ".onnx";
    ExpectEveryCommandRefuses(dir, b.WriteTo(dir.path(), name), name);
  }
}

TEST(HostileTest, AReshapeThatChangesTheElementCountIsRefused) {
  TempDir dir;
  OnnxBuilder b;
  auto x = b.Input("x", {1, 3, 8, 8});
  b.Output(b.Node("Reshape", {x, b.Int64s("shape", {7, 7})}, {}, 1, "bad"));
  ExpectEveryCommandRefuses(dir, b.WriteTo(dir.path(), "reshape.onnx"), "reshape.onnx");
}

TEST(HostileTest, BatchNormWithTooFewStatisticsIsRefused) {
  TempDir dir;
  OnnxBuilder b;
  auto x = b.Input("x", {1, 3, 8, 8});
  auto bn =
      b.Node("BatchNormalization",
             {x, b.Weight("s", {1}), b.Weight("b", {1}), b.Weight("m", {1}), b.Weight("v", {1})},
             {}, 1, "bn");
  b.Output(bn);
  ExpectEveryCommandRefuses(dir, b.WriteTo(dir.path(), "bn.onnx"), "bn.onnx");
}

TEST(HostileTest, ExternalDataOutsideTheModelsFolderIsRefused) {
  TempDir dir;
  const std::string sub = dir.File("model");
  ASSERT_EQ(std::system(("mkdir -p " + sub).c_str()), 0);
  // A file that exists outside the model's folder, and the absolute path of another.
  testing::WriteFile(dir.File("outside.bin"), std::string(64, '\1'));
  for (const std::string& location : std::vector<std::string>{"/etc/hostname", "../outside.bin"}) {
    // The builder writes a side file named by a stand-in of the location's length, whose
    // bytes in the model are then replaced by the location (same length: the protobuf stays
    // valid).
    const std::string stand_in(location.size(), 'q');
    OnnxBuilder b;
    auto x = b.Input("x", {1, 4});
    auto w = b.Weight("w", {4, 4});
    b.MakeExternal(w, stand_in);
    b.Output(b.Node("MatMul", {x, w}, {}, 1, "mm"));
    const std::string path = b.WriteTo(sub, "ext.onnx");
    std::string bytes = testing::ReadFile(path);
    const size_t at = bytes.find(stand_in);
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, stand_in.size(), location);
    testing::WriteFile(path, bytes);
    ExpectEveryCommandRefuses(dir, path, "ext.onnx");
    EXPECT_NE(RunMbench("analyze " + path, dir).err.find("must be a file in the model's folder"),
              std::string::npos)
        << location;
  }
}

TEST(HostileTest, AModelWithNoLayersIsRefusedNotGradedAsFree) {
  TempDir dir;
  OnnxBuilder b;
  b.Output(b.Input("x", {1, 3, 8, 8}));  // the output is the input: no layer at all
  ExpectEveryCommandRefuses(dir, b.WriteTo(dir.path(), "empty.onnx"), "empty.onnx");
}

TEST(HostileTest, AnInitializerTheFileDoesNotBackIsRefused) {
  TempDir dir;
  OnnxBuilder b;
  auto x = b.Input("x", {1, 3});
  b.Output(b.Node("Add", {x, b.Int64s("w", {1, 2, 3})}, {}, 1, "add"));
  const std::string path = b.WriteTo(dir.path(), "claims.onnx");
  // The initializer's one dim is the varint 3 right after its dims tag (field 1, 0x08): make it
  // 120, so the shape claims 120 values while the file stores 3.
  std::string bytes = testing::ReadFile(path);
  const size_t name = bytes.find("\x08\x03\x10\x07");  // dims: 3, data_type: INT64 (7)
  ASSERT_NE(name, std::string::npos);
  bytes[name + 1] = 120;
  testing::WriteFile(path, bytes);
  RunResult r = RunMbench("analyze " + path, dir);
  ExpectOneLineError(r, "claims.onnx", "analyze");
  EXPECT_NE(r.err.find("claims 120 values but the file stores 3"), std::string::npos) << r.err;
}

TEST(HostileTest, AnExternalInitializerLargerThanItsFileIsRefusedBeforeAllocation) {
  TempDir dir;
  OnnxBuilder b;
  auto x = b.Input("x", {1, 4});
  auto w = b.Weight("w", {4, 4});
  b.MakeExternal(w, "side.bin");
  b.Output(b.Node("MatMul", {x, w}, {}, 1, "mm"));
  const std::string path = b.WriteTo(dir.path(), "claims_ext.onnx");
  // Keep the 64-byte side file but make the initializer claim [1000000000, 4] floats (16 GB):
  // its dims are varints right after their tags, 0x08 0x04 0x08 0x04.
  std::string bytes = testing::ReadFile(path);
  const size_t at = bytes.find(std::string("\x08\x04\x08\x04", 4));
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 2, std::string("\x08\x80\x94\xeb\xdc\x03", 6));  // 1000000000
  testing::WriteFile(path, bytes);
  ExpectEveryCommandRefuses(dir, path, "claims_ext.onnx");
}

TEST(HostileTest, ImpossibleActivationSizesAreRefused) {
  TempDir dir;
  OnnxBuilder b;
  auto x = b.Input("x", {1, 1000000, 1000000, 1000});  // 10^15 floats: 4 PB
  b.Output(b.Node("Relu", {x}, {}, 1, "relu"));
  ExpectEveryCommandRefuses(dir, b.WriteTo(dir.path(), "huge.onnx"), "huge.onnx");
}

TEST(HostileTest, LargeFilesThatAreNoModelAreRefusedWithoutBeingRead) {
  TempDir dir;
  // Sparse files: 3 GiB of zeros, and an "ONNX" file over protobuf's 2 GiB. Reading either whole
  // would take gigabytes; the format and the size limit are decided from the first bytes.
  const std::string zeros = dir.File("zeros.onnx"), big = dir.File("big.onnx");
  ASSERT_EQ(std::system(("truncate -s 3G " + zeros).c_str()), 0);
  testing::WriteFile(big, std::string("\x08\x07", 2));
  ASSERT_EQ(std::system(("truncate -s 3G " + big).c_str()), 0);
  ExpectOneLineError(RunMbench("analyze " + zeros, dir), "zeros.onnx", "analyze zeros");
  RunResult r = RunMbench("analyze " + big, dir);
  ExpectOneLineError(r, "big.onnx", "analyze big");
  EXPECT_NE(r.err.find("above the 2048 MiB"), std::string::npos) << r.err;
}

// Peak resident memory of `mbench args...` in MiB (-1 when it did not exit 0).
double PeakMiB(const std::vector<std::string>& args) {
  const std::string bin = testing::BinaryDir() + "/mbench";
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage use {};
  if (pid < 0 || wait4(pid, &status, 0, &use) != pid) return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return use.ru_maxrss / 1024.0;
}

// Weights are mapped from the file, not read into a copy, and the runner shares the reader's
// values instead of copying them: analyze peaked at twice a model's file size and run at 3.6
// times (VGG-16: 1.1 GB and 2.0 GB for a 553 MB file); now about once and 2.6 times (ResNet-50,
// 98 MB: 3.1 times, its activations and the runtime adding more).
TEST(HostileTest, LargeWeightsAreMappedNotCopied) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "under AddressSanitizer the peak memory is mostly the sanitizer's own";
#endif
  TempDir dir;
  const std::string path = dir.File("resnet50.onnx");
  ASSERT_EQ(RunMbench("zoo export resnet50 -o " + path, dir).exit_code, 0);
  auto size = testing::ReadFile(path).size() / 1048576.0;
  ASSERT_GT(size, 90);
  const double analyze = PeakMiB({"analyze", path});
  const double run = PeakMiB({"run", path, "--runs", "1", "--warmup", "0", "--min-secs", "0"});
  EXPECT_GT(analyze, 0);
  EXPECT_GT(run, 0);
  EXPECT_LT(analyze, 1.4 * size) << "file " << size << " MiB";
  EXPECT_LT(run, 4.0 * size) << "file " << size << " MiB";  // copies would add 2x
}

TEST(HostileTest, HostileNamesArePrintedAndStoredSafely) {
  TempDir dir;
  OnnxBuilder b;
  auto x = b.Input("x", {1, 3, 8, 8});
  // An ANSI escape (window title) and a bell, a byte that is not UTF-8, a pipe and a formula.
  auto r1 = b.Node("Relu", {x}, {}, 1, "evil\x1b]0;owned\x07|=HYPERLINK(1)");
  b.Output(b.Node("Sigmoid", {r1}, {}, 1, "bad\xff-utf8"));
  const std::string path = b.WriteTo(dir.path(), "names.onnx");
  for (const std::string format : {"table", "json", "csv", "md"}) {
    RunResult r = RunMbench("analyze " + path + " --format " + format, dir);
    ASSERT_EQ(r.exit_code, 0) << format << ": " << r.err;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << format;
    EXPECT_EQ(r.out.find('\x07'), std::string::npos) << format;
    EXPECT_EQ(r.out.find("\xff"), std::string::npos) << format;
    if (format == "md") {
      EXPECT_NE(r.out.find("\\|=HYPERLINK"), std::string::npos) << r.out;
    }
    if (format == "csv") {
      EXPECT_EQ(r.out.find(",=HYPERLINK"), std::string::npos) << r.out;
    }
  }
  RunResult run =
      RunMbench("run " + path + " --runs 1 --warmup 0 --per-layer --db " + dir.File("r.db"), dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find('\x1b'), std::string::npos);
  RunResult exp = RunMbench("db export --db " + dir.File("r.db"), dir);
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  EXPECT_NE(exp.out.find("bad\xEF\xBF\xBD-utf8"), std::string::npos);
}

}  // namespace
}  // namespace mbench
