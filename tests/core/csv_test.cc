// CSV fields written by CsvField read back unchanged through ParseCsv.
#include "core/csv.h"

#include <gtest/gtest.h>

namespace mbench {
namespace {

TEST(CsvTest, FieldsRoundTripThroughTheParser) {
  const std::vector<std::string> fields = {
      "plain",
      "",
      "a,b",
      "say \"hi\"",
      "two\nlines",
      "cr\rlf",
      "\"",
      ",",
      "model/conv2d/Conv2D;model/batch_normalization/FusedBatchNormV3,ReLU6"};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + CsvField(fields[i]);
  std::vector<std::vector<std::string>> rows;
  ASSERT_TRUE(ParseCsv(line + "\n", &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], fields);
  EXPECT_EQ(CsvField("plain"), "plain");  // quoted only when it must be
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("x\"y"), "\"x\"\"y\"");
}

TEST(CsvTest, FieldsASpreadsheetWouldRunAsFormulasAreDefused) {
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(CsvField("+1+2"), "'+1+2");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("-cmd"), "'-cmd");
  EXPECT_EQ(CsvField("-1.5"), "-1.5");  // a number stays a number
  EXPECT_EQ(CsvField("conv-1"), "conv-1");
}

TEST(CsvTest, AnUnterminatedQuoteIsRefused) {
  std::vector<std::vector<std::string>> rows;
  EXPECT_FALSE(ParseCsv("a,\"b\n", &rows));
}

}  // namespace
}  // namespace mbench
