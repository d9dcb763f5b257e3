// File access: a file's head without reading the rest, and writes that never leave a partial
// or empty file behind when they fail.
#include "core/env.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>

#include <string>

#include "tests/testutil/testutil.h"

namespace mbench {
namespace {

int FilesIn(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

TEST(EnvTest, ReadFileHeadReadsAtMostTheHead) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("f"), "0123456789");
  EXPECT_EQ(*ReadFileHead(dir.File("f"), 4), "0123");
  EXPECT_EQ(*ReadFileHead(dir.File("f"), 64), "0123456789");
  EXPECT_EQ(ReadFileHead(dir.File("missing"), 4).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadFileHead(dir.path(), 4).status().code(), StatusCode::kInvalidArgument);
}

TEST(EnvTest, AWriteReplacesTheFileWhole) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteStringToFile(dir.File("out"), "first").ok());
  ASSERT_TRUE(WriteStringToFile(dir.File("out"), "second").ok());
  EXPECT_EQ(*ReadFileToString(dir.File("out")), "second");
  EXPECT_EQ(FilesIn(dir.path()), 1);  // no temporary file left
}

TEST(EnvTest, AFailedWriteLeavesNothingBehind) {
  testing::TempDir dir;
  // The target is a directory: the temporary file is written, then cannot replace it.
  const std::string target = dir.File("target");
  ASSERT_EQ(::mkdir(target.c_str(), 0755), 0);
  Status s = WriteStringToFile(target, "data");
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();
  EXPECT_EQ(FilesIn(dir.path()), 1);  // the directory, and no temporary or partial file
  // A folder that does not exist: nothing is created.
  s = WriteStringToFile(dir.File("no/such/dir/out"), "data");
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_EQ(FilesIn(dir.path()), 1);
}

}  // namespace
}  // namespace mbench
