// Where the text output goes: how wide it may be and whether a person watches stderr. Reads
// the environment and the file descriptors only; thread-safe.
#ifndef MBENCH_CORE_TERMINAL_H_
#define MBENCH_CORE_TERMINAL_H_

#include <cstddef>

namespace mbench {

// The width text reports fit, in columns; 0 means no limit. $COLUMNS wins when it is a number
// from 20 to 10000; otherwise the terminal's width when stdout is a terminal; otherwise (output
// piped or redirected) no limit.
size_t OutputWidth();

// Whether stderr is a terminal: progress lines are drawn only then.
bool StderrIsTerminal();

}  // namespace mbench

#endif  // MBENCH_CORE_TERMINAL_H_
