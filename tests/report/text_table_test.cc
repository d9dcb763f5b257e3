// Terminal tables: fitting a width by eliding, wrapping and leaving out columns.
#include "report/text_table.h"

#include <gtest/gtest.h>

#include "core/text.h"

namespace mbench::report {
namespace {

size_t Widest(const std::string& text) {
  size_t w = 0;
  for (const auto& l : SplitLines(text)) w = std::max(w, DisplayWidth(l));
  return w;
}

TextTable Devices() {
  TextTable t({{"device", false, 0, 12},
               {"ms", true},
               {"year", true, 1},
               {"heaviest kernel", false, 2, 10},
               {"notes", false, 3, 10, true}});
  t.AddRow({"Snapdragon 8 Gen 2 phone (reference: Samsung Galaxy S23)", "3.03", "2023",
            "model_1/model/re_lu_13/Relu6;model_1/model/conv2d_14/Conv2D",
            "fitted on 18 "
            "published whole-model latencies"});
  t.AddRow({"Pixel 4", "9.16", "2019", "conv19", ""});
  return t;
}

TEST(TextTableTest, FullWidthWithoutLimit) {
  const std::string out = Devices().Render(0);
  EXPECT_NE(out.find("Snapdragon 8 Gen 2 phone (reference: Samsung Galaxy S23)"),
            std::string::npos);
  EXPECT_NE(out.find("model_1/model/re_lu_13/Relu6;model_1/model/conv2d_14/Conv2D"),
            std::string::npos);
  EXPECT_EQ(out.find("not shown"), std::string::npos);
  EXPECT_EQ(SplitLines(out).size(), 3u);
}

TEST(TextTableTest, FitsByWrappingThenElidingThenLeavingOutColumns) {
  for (size_t width : {120u, 100u, 80u, 60u, 40u}) {
    const std::string out = Devices().Render(width);
    EXPECT_LE(Widest(out), width) << out;
    // The columns that are always shown stay, whole numbers included.
    EXPECT_NE(out.find("3.03"), std::string::npos) << out;
    EXPECT_NE(out.find("Pixel 4"), std::string::npos) << out;
  }
  // At 40 columns names are elided in the middle (both ends kept) and the least important
  // columns are left out, named on the last line.
  const std::string narrow = Devices().Render(40);
  EXPECT_NE(narrow.find("Snapdrago"), std::string::npos) << narrow;
  EXPECT_NE(narrow.find("S23)"), std::string::npos) << narrow;
  EXPECT_NE(narrow.find(".."), std::string::npos);
  EXPECT_NE(narrow.find("(not shown at 40 columns: year,\n   heaviest kernel;"), std::string::npos)
      << narrow;
  EXPECT_EQ(narrow.find("2023"), std::string::npos) << narrow;
  // The wrapped column gives way first and keeps all its words; the device's name stays whole.
  const std::string wrapped = Devices().Render(110);
  EXPECT_NE(wrapped.find("Snapdragon 8 Gen 2 phone (reference: Samsung Galaxy S23)"),
            std::string::npos)
      << wrapped;
  EXPECT_NE(wrapped.find("fitted on"), std::string::npos) << wrapped;
  EXPECT_NE(wrapped.find("latencies"), std::string::npos) << wrapped;
  EXPECT_GT(SplitLines(wrapped).size(), 3u) << wrapped;
}

TEST(TextTableTest, NumbersAlignRightAndLinesHaveNoTrailingSpaces) {
  TextTable t({{"name"}, {"ms", true}});
  t.AddRow({"a", "1.5"});
  t.AddRow({"b", "123.25"});
  const auto lines = SplitLines(t.Render(0));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "  a        1.5");
  EXPECT_EQ(lines[2], "  b     123.25");
  for (const auto& l : lines) EXPECT_NE(l.back(), ' ');
}

TEST(TextTableTest, MarkdownEscapesCellsAndMarksAlignment) {
  const std::string md = MarkdownTable({{"name"}, {"ms", true}}, {{"a|b", "1"}});
  EXPECT_EQ(md, "| name | ms |\n|:---|---:|\n| a\\|b | 1 |\n");
}

TEST(TextTableTest, WrappedIndentsContinuationLines) {
  const std::string out = Wrapped("  ! eight devices have no sourced power figure", 24, "    ");
  for (const auto& l : SplitLines(out)) EXPECT_LE(DisplayWidth(l), 24u);
  EXPECT_EQ(SplitLines(out)[1].rfind("    ", 0), 0u);
  EXPECT_EQ(Wrapped("abc", 0, ""), "abc\n");
}

}  // namespace
}  // namespace mbench::report
