// Feeds hundreds of damaged copies of real models (truncated, bit-flipped, bytes overwritten)
// through ReadModel + Analyze. Each must come back as a model or as a one-line error naming the
// file; none may crash, hang or read out of bounds (CI also runs this under AddressSanitizer).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "tests/testutil/testutil.h"

namespace mbench::analyzer {
namespace {

void MutateAndRead(const std::string& original, const std::string& dir, int copies, uint32_t seed,
                   const ReadOptions& options, int* rejected) {
  std::mt19937 rng(seed);
  std::string path = dir + "/mutant.bin";
  for (int i = 0; i < copies; ++i) {
    std::string bytes = original;
    switch (i % 3) {
      case 0:  // truncate
        bytes.resize(rng() % bytes.size());
        break;
      case 1:  // flip bits
        for (int k = 0; k < 8; ++k)
          bytes[rng() % bytes.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      default: {  // overwrite a run with random bytes
        size_t at = rng() % bytes.size();
        for (size_t k = at; k < std::min(bytes.size(), at + 16); ++k)
          bytes[k] = static_cast<char>(rng());
      }
    }
    testing::WriteFile(path, bytes);
    auto model = ReadModel(path, options);
    if (!model.ok()) {
      ++*rejected;
      EXPECT_EQ(model.status().message().rfind(path, 0), 0u) << model.status().message();
      EXPECT_EQ(model.status().message().find('\n'), std::string::npos);
      continue;
    }
    auto a = Analyze(model->graph);
    if (!a.ok()) {
      EXPECT_FALSE(a.status().message().empty());
    }
  }
}

class MutationTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MutationTest, DamagedCopiesNeverCrash) {
  auto manifest = testing::ReadManifest();
  std::string path = testing::ManifestModelPath(manifest[GetParam()]);
  std::string original = testing::ReadFile(path);
  ASSERT_FALSE(original.empty()) << path;
  ReadOptions options;
  if (manifest[GetParam()].input != "-") {
    ASSERT_TRUE(ParseInputShapeFlag(manifest[GetParam()].input, &options).ok());
  }
  ASSERT_TRUE(ReadModel(path, options).ok()) << "the undamaged model must read";
  testing::TempDir dir;
  int rejected = 0;
  MutateAndRead(original, dir.path(), 150, 7767517, options, &rejected);
  std::printf("%s: 150 damaged copies, %d rejected with an error, none crashed\n",
              GetParam().c_str(), rejected);
  EXPECT_GT(rejected, 0);
}

INSTANTIATE_TEST_SUITE_P(Npm, MutationTest,
                         ::testing::Values("ppocr_mobile_v2_cls", "face_detection_short_range",
                                           "selfie_segmentation"));

}  // namespace
}  // namespace mbench::analyzer
