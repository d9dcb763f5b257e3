# Helpers shared by every part: one library per folder, warnings per target (never global, so
# nothing leaks into third-party code), and test registration.

set(MBENCH_WARNING_FLAGS -Wall -Wextra -Wshadow)
# GCC 12 reports -Wrestrict false positives inside libstdc++'s string concatenation at -O2
# (GCC bug 105651); the warning is about libstdc++ internals, not our code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND MBENCH_WARNING_FLAGS -Wno-restrict)
endif()
if(MBENCH_WERROR)
  list(APPEND MBENCH_WARNING_FLAGS -Werror)
endif()

set(MBENCH_SANITIZER_FLAGS "")
if(MBENCH_SANITIZE)
  set(MBENCH_SANITIZER_FLAGS -fsanitize=${MBENCH_SANITIZE} -fno-omit-frame-pointer)
endif()

function(mbench_apply_flags target)
  target_compile_options(${target} PRIVATE ${MBENCH_WARNING_FLAGS} ${MBENCH_SANITIZER_FLAGS})
  target_link_options(${target} PRIVATE ${MBENCH_SANITIZER_FLAGS})
endfunction()

# mbench_library(NAME analyzer SRCS a.cc b.cc DEPS mbench::core PRIVATE_DEPS onnx)
# Creates target mbench_<NAME> with alias mbench::<NAME>; includes are rooted at the repo top
# ("analyzer/graph.h").
function(mbench_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(mbench_${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(mbench::${ARG_NAME} ALIAS mbench_${ARG_NAME})
  target_include_directories(mbench_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(mbench_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  mbench_apply_flags(mbench_${ARG_NAME})
endfunction()

# mbench_test(analyzer/op_cost_test.cc DEPS mbench::analyzer [LABELS unit] [SRCS extra.cc])
# The test is named after its file (op_cost_test) and registered with CTest through gtest
# discovery; FIXTURES names CTest fixtures it needs (npm_models: the fetched real models,
# postgres: the private PostgreSQL server); SERIAL runs each of its tests with no other test;
# FILTER (a gtest filter) registers only the tests it selects.
function(mbench_test file)
  cmake_parse_arguments(ARG "SERIAL" "FILTER" "DEPS;LABELS;SRCS;FIXTURES" ${ARGN})
  get_filename_component(name ${file} NAME_WE)
  add_executable(${name} ${file} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  mbench_apply_flags(${name})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # One label per test: a list would be split by gtest_discover_tests' PROPERTIES parsing.
  list(LENGTH ARG_LABELS num_labels)
  if(num_labels GREATER 1)
    message(FATAL_ERROR "mbench_test(${file}): give one label, not ${ARG_LABELS}")
  endif()
  # Reports fit $COLUMNS; tests read full-width output unless they set COLUMNS themselves.
  set(props LABELS "${ARG_LABELS}" ENVIRONMENT "COLUMNS=")
  if(ARG_FIXTURES)
    list(APPEND props FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
  if(ARG_SERIAL)  # times things and compares them: alone, not beside another test's load
    list(APPEND props RUN_SERIAL TRUE)
  endif()
  set(filter "")
  if(ARG_FILTER)  # a gtest filter: only these tests are registered
    set(filter TEST_FILTER "${ARG_FILTER}")
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 ${filter} PROPERTIES ${props})
endfunction()
