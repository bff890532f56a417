/* Wine 8 (Debian bookworm's) lacks bcryptprimitives.dll, which every Windows since 8 has and
 * Rust's standard library links for ProcessPrng. This stand-in, for the wine runs in CI only
 * (never shipped), answers it from RtlGenRandom (advapi32's SystemFunction036). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
