// Names from files made safe to print and store (core/text.h).
#include "core/text.h"

#include <gtest/gtest.h>

namespace mbench {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(TextTest, ValidTextIsUnchanged) {
  for (const std::string s :
       {"", "conv1/Relu6", "model_1/re_lu;Conv2D,BiasAdd", "\xC3\xA9t\xC3\xA9",
        "\xE4\xB8\xAD\xE6\x96\x87", "\xF0\x9F\x98\x80"}) {
    EXPECT_EQ(SafeText(s), s);
    EXPECT_TRUE(IsSafeText(s));
  }
}

TEST(TextTest, ControlCharactersAndInvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(SafeText("a\x1b]0;owned\x07z"), "a" + kFffd + "]0;owned" + kFffd + "z");
  EXPECT_EQ(SafeText("line\nbreak"), "line" + kFffd + "break");
  EXPECT_EQ(SafeText(std::string("nul\0x", 5)), "nul" + kFffd + "x");
  EXPECT_EQ(SafeText("\xC2\x9B"
                     "2J"),
            kFffd + "2J");  // C1 CSI
  EXPECT_EQ(SafeText("bad\xFFname"), "bad" + kFffd + "name");
  EXPECT_EQ(SafeText("\xC0\xAF"), kFffd + kFffd);              // overlong '/'
  EXPECT_EQ(SafeText("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // a surrogate
  EXPECT_EQ(SafeText("cut\xE4\xB8"), "cut" + kFffd + kFffd);   // truncated sequence
  EXPECT_FALSE(IsSafeText("a\tb"));
  EXPECT_TRUE(IsSafeText(SafeText("bad\xFF\x1b")));
}

TEST(TextTest, MarkdownCellsEscapePipesAndHtml) {
  EXPECT_EQ(MarkdownCell("a|b"), "a\\|b");
  EXPECT_EQ(MarkdownCell("<script>&"), "&lt;script>&amp;");
  EXPECT_EQ(MarkdownCell("plain"), "plain");
}

TEST(TextTest, TrimAndLastLineDropWhitespaceAndEmptyLines) {
  EXPECT_EQ(Trim("  a b\t\r\n"), "a b");
  EXPECT_EQ(Trim(" \n "), "");
  EXPECT_EQ(LastLine("first\nsecond  \n\n"), "second");
  EXPECT_EQ(LastLine("only"), "only");
  EXPECT_EQ(LastLine("\n\n"), "");
}

TEST(TextTest, ElideMiddleKeepsBothEndsAndWholeCharacters) {
  EXPECT_EQ(ElideMiddle("model_1/model/re_lu_13/Relu6", 12), "model..Relu6");
  EXPECT_EQ(ElideMiddle("short", 12), "short");
  EXPECT_EQ(ElideMiddle("abcdef", 3), "abc");
  EXPECT_EQ(ElideMiddle("abc", 0), "");
  // Four two-byte characters on each side: cut at characters, counted as one column each.
  const std::string name = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9xxxx\xC3\xA8\xC3\xA8\xC3\xA8\xC3\xA8";
  const std::string cut = ElideMiddle(name, 8);
  EXPECT_EQ(DisplayWidth(cut), 8u);
  EXPECT_EQ(cut, "\xC3\xA9\xC3\xA9\xC3\xA9..\xC3\xA8\xC3\xA8\xC3\xA8");
  EXPECT_TRUE(IsSafeText(cut));
  EXPECT_EQ(DisplayWidth("\xE2\x86\x92 ms"), 4u);
}

TEST(TextTest, SplitLinesDropsCarriageReturnsAndNoTrailingEmptyLine) {
  EXPECT_EQ(SplitLines("a\r\n\nb\n"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(SplitLines("last"), std::vector<std::string>{"last"});
  EXPECT_TRUE(SplitLines("").empty());
}

TEST(TextTest, WrapTextBreaksAtSpacesKeepsGapsAndIndents) {
  const auto lines = WrapText("  model    zoo, built in, 13.50 MiB of weights", 20, "    ");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "  model    zoo,");  // the text's own spacing stays
  EXPECT_EQ(lines[1], "    built in, 13.50");
  EXPECT_EQ(lines[2], "    MiB of weights");
  for (const auto& l : lines) EXPECT_LE(DisplayWidth(l), 20u);
  // A word longer than the width is elided, never split over lines or left too long.
  const auto long_word = WrapText("x " + std::string(50, 'a') + "b", 10);
  for (const auto& l : long_word) EXPECT_LE(DisplayWidth(l), 10u);
  EXPECT_EQ(long_word.back().back(), 'b');
  EXPECT_EQ(WrapText("one line", 0), std::vector<std::string>{"one line"});
  EXPECT_EQ(WrapText("", 10), std::vector<std::string>{""});
}

}  // namespace
}  // namespace mbench
