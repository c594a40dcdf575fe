/* SPDX-License-Identifier: MIT */
/* mbedTLS set-up in the kernel (include/svsm/crypto.h). */
#include "svsm/crypto.h"

#include <stdint.h>

#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/percpu.h"
#include "svsm/platform.h"

bool crypto_init(void)
{
	uint64_t canary = 0;

	if (platform_random(&canary, sizeof(canary)) != SVSM_OK || canary == 0) {
		log_warn("crypto: no random source; the stack-protector canary stays fixed");
		return false;
	}
	/* No mbedTLS function is on the stack yet, so changing the canary is safe. */
	this_cpu()->tls[PERCPU_TLS_CANARY] = canary;
	return true;
}
