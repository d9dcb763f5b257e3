# Every third-party dependency, each from a Debian package (scripts/install-deps.sh names them).
# Nothing is downloaded at build time.

find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)      # nlohmann-json3-dev
find_package(CLI11 REQUIRED)                   # libcli11-dev
find_package(Protobuf REQUIRED)                # libprotobuf-dev
find_package(ONNX REQUIRED)                    # libonnx-dev (targets onnx, onnx_proto)
find_package(FlatBuffers REQUIRED)             # libflatbuffers-dev + flatbuffers-compiler (flatc)
if(NOT TARGET flatbuffers::flatc)  # a cross build's sysroot has the target's flatc, not the host's
  find_program(MBENCH_FLATC flatc REQUIRED)
  add_executable(flatbuffers::flatc IMPORTED)
  set_target_properties(flatbuffers::flatc PROPERTIES IMPORTED_LOCATION "${MBENCH_FLATC}")
endif()
find_package(SQLite3 REQUIRED)                 # libsqlite3-dev (the results database, db/)
if(MBENCH_WITH_POSTGRES)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)  # libpqxx-dev (a team's results database)
endif()

if(MBENCH_WITH_SERVER)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)  # libcpp-httplib-dev (mbench serve)
endif()

if(MBENCH_BUILD_TESTS)
  find_package(GTest REQUIRED)                 # libgtest-dev, libgmock-dev
  include(GoogleTest)
endif()
if(MBENCH_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)             # libbenchmark-dev
endif()

# Build info for reports: the commit this tree was configured from.
execute_process(
  COMMAND git -C ${PROJECT_SOURCE_DIR} rev-parse --short=12 HEAD
  OUTPUT_VARIABLE MBENCH_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _git_rc ERROR_QUIET)
if(NOT _git_rc EQUAL 0 OR NOT MBENCH_GIT_COMMIT)
  set(MBENCH_GIT_COMMIT "unknown")
else()
  execute_process(
    COMMAND git -C ${PROJECT_SOURCE_DIR} status --porcelain --untracked-files=no
    OUTPUT_VARIABLE _git_dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_git_dirty)
    string(APPEND MBENCH_GIT_COMMIT "+dirty")
  endif()
endif()
set(MBENCH_BUILD_TYPE "${CMAKE_BUILD_TYPE}")
string(TOUPPER "${CMAKE_BUILD_TYPE}" _bt)
string(STRIP "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_bt}}" MBENCH_BUILD_FLAGS)
if(MBENCH_SANITIZE)
  set(MBENCH_SANITIZER_ON true)
  string(APPEND MBENCH_BUILD_FLAGS " -fsanitize=${MBENCH_SANITIZE}")
else()
  set(MBENCH_SANITIZER_ON false)
endif()
