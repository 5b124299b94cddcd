/*
 * A stand-in for Windows' bcryptprimitives.dll, for Wine 8 only (.ci/wine builds it with Debian's
 * gcc-mingw-w64-x86-64). Rust's standard library on Windows (here in vitest's bundler binding,
 * @rolldown/binding-win32-x64-msvc) imports ProcessPrng from it; Wine 8's own copy lacks that
 * export, so the binding fails to load. ProcessPrng fills a buffer with random bytes and always
 * succeeds; RtlGenRandom (advapi32's SystemFunction036), which Wine has, does that.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
