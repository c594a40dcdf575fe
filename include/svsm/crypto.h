/* SPDX-License-Identifier: MIT */
/*
 * mbedTLS in the kernel (Debian's libmbedcrypto.a; C-library pieces in
 * svsm/crypto/libc_shim.c, SSE in include/svsm/fpu.h).
 */
#pragma once

#include <stdbool.h>

/*
 * After the platform backend is chosen: gives this CPU's stack-protector
 * canary random bits (the platform RNG). Returns false, with a warning
 * logged, if no random source works (the fixed canary then stays: it still
 * detects overruns, but is not secret).
 */
bool crypto_init(void);
