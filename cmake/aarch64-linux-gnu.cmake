# Cross build for 64-bit ARM Linux (phones over adb, ARM boards) with Debian's g++-aarch64-linux-gnu.
# The target's libraries come from MBENCH_AARCH64_SYSROOT (scripts/aarch64-sysroot.sh unpacks
# Debian's arm64 packages there); the C library and libstdc++ are the cross toolchain's own
# (/usr/aarch64-linux-gnu). Programs run at build time (flatc, protoc) are the host's.
# scripts/build-aarch64.sh uses this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

if(NOT MBENCH_AARCH64_SYSROOT)
  set(MBENCH_AARCH64_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build-aarch64/sysroot")
endif()
get_filename_component(MBENCH_AARCH64_SYSROOT "${MBENCH_AARCH64_SYSROOT}" ABSOLUTE)
set(MBENCH_AARCH64_SYSROOT "${MBENCH_AARCH64_SYSROOT}" CACHE PATH "Unpacked arm64 packages")

set(CMAKE_FIND_ROOT_PATH "${MBENCH_AARCH64_SYSROOT}" /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Headers without a CMake package (xnnpack.h, pthreadpool.h) and the libraries' own dependencies
# at link time (libonnx needs libprotobuf, which needs libz).
set(_lib "${MBENCH_AARCH64_SYSROOT}/usr/lib/aarch64-linux-gnu")
set(CMAKE_CXX_FLAGS_INIT "-isystem ${MBENCH_AARCH64_SYSROOT}/usr/include")
set(CMAKE_C_FLAGS_INIT "-isystem ${MBENCH_AARCH64_SYSROOT}/usr/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-Wl,-rpath-link,${_lib} -Wl,-rpath-link,${MBENCH_AARCH64_SYSROOT}/lib/aarch64-linux-gnu")

# Tests run under user-mode emulation (Debian's qemu-user) through the target's own loader with
# the sysroot's libraries, as the bundle's launcher starts mbench (scripts/qemu-aarch64.sh).
# Not `qemu-aarch64 -L /usr/aarch64-linux-gnu`: under that path prefix, tests that run layers on
# a two-thread pool spin forever in glibc's lock code (qemu 7.2), while the same tests pass
# through the loader.
set(CMAKE_CROSSCOMPILING_EMULATOR
    qemu-aarch64 /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 --library-path
    "${_lib}:${MBENCH_AARCH64_SYSROOT}/lib/aarch64-linux-gnu:/usr/aarch64-linux-gnu/lib")
