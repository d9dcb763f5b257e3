// The `mbench` at the root of the aarch64 bundle (scripts/build-aarch64.sh): a static program that
// starts the real mbench (bin/mbench) with the bundle's own loader and libraries, so the bundle
// runs where no glibc is installed: Android phones (from /data/local/tmp over adb shell) and any
// ARM Linux board. Linked statically against glibc, it calls nothing that needs the C library's
// dynamic parts (no NSS, no locale, no dlopen), which is what a static glibc binary on Android
// can rely on.
//
// MBENCH_EXEC_WRAPPER (test hook): a program to exec the loader through, e.g. qemu-aarch64 on an
// x86 machine without binfmt_misc.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int Fail(const char* what, const char* path) {
  fprintf(stderr, "mbench: %s %s: %s (is the bundle folder complete?)\n", what, path,
          strerror(errno));
  return 126;
}

int main(int argc, char** argv) {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return Fail("cannot find itself through", "/proc/self/exe");
  self[n] = '\0';
  char* slash = strrchr(self, '/');
  if (slash == NULL) return Fail("cannot find its folder from", self);
  *slash = '\0';  // `self` is now the bundle folder

  char loader[PATH_MAX], libs[PATH_MAX], real[PATH_MAX];
  if (snprintf(loader, sizeof(loader), "%s/lib/ld-linux-aarch64.so.1", self) >= PATH_MAX ||
      snprintf(libs, sizeof(libs), "%s/lib", self) >= PATH_MAX ||
      snprintf(real, sizeof(real), "%s/bin/mbench", self) >= PATH_MAX) {
    errno = ENAMETOOLONG;
    return Fail("cannot start from", self);
  }
  const char* wrapper = getenv("MBENCH_EXEC_WRAPPER");
  const int lead = (wrapper != NULL && wrapper[0] != '\0') ? 1 : 0;
  // [wrapper] loader --library-path LIBS --argv0 mbench bin/mbench ARGS... NULL
  char** args = calloc((size_t)argc + 7, sizeof(char*));
  if (args == NULL) return Fail("cannot allocate arguments in", self);
  int k = 0;
  if (lead) args[k++] = (char*)wrapper;
  args[k++] = loader;
  args[k++] = "--library-path";
  args[k++] = libs;
  args[k++] = "--argv0";
  args[k++] = argv[0];
  args[k++] = real;
  for (int i = 1; i < argc; ++i) args[k++] = argv[i];
  args[k] = NULL;
  setenv("MBENCH_BUNDLE_DIR", self, 1);
  if (lead)
    execvp(wrapper, args);
  else
    execv(loader, args);
  return Fail("cannot start", lead ? wrapper : loader);
}
