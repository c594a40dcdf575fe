/* SPDX-License-Identifier: MIT */
/*
 * The attestation protocol, protocol 1 (SVSM spec 58019, attestation protocol):
 * the guest gets a VMPL0 attestation report whose REPORT_DATA is SHA-512(nonce
 * || manifest), with the services manifest beside it. The report comes from the
 * PSP through an SNP guest request sealed with VMPCK0 (protocols/guest_msg.c)
 * over two shared pages the platform provides.
 */
#pragma once

#include <stdint.h>

#include "abi/snp_msg.h"
#include "protocols/guest_msg.h"
#include "protocols/svsm_rc.h"
#include "protocols/svsm_vm.h"
#include "svsm/addr.h"

/* BUSY answers from the hypervisor tolerated per report before giving up. */
#define SVSM_ATTEST_BUSY_RETRIES 16
/* The largest manifest the SVSM builds (a header, its services, their data). */
#define SVSM_MANIFEST_MAX 4096u

struct svsm_attest {
	/*
	 * The protocol's entry, set by svsm_attest_init: the dispatcher calls
	 * through it, so builds without the crypto (the kernel until mbedTLS
	 * is built for it) link the dispatcher alone.
	 */
	svsm_rc (*handle)(struct svsm_vm *vm, uint32_t call, struct svsm_regs *regs);
	struct snp_msg_ctx msg;        /* VMPCK0 */
	struct snp_guest_msg *req;     /* shared request page, as the SVSM maps it */
	struct snp_guest_msg *resp;    /* shared response page */
	paddr_t req_pa, resp_pa;
};

/*
 * Sets a up with VMPCK0 and the two shared pages (distinct, page aligned).
 * SVSM_OK or SVSM_EINVAL.
 */
int svsm_attest_init(struct svsm_attest *a, const uint8_t vmpck0[SNP_VMPCK_LEN],
		     struct snp_guest_msg *req, paddr_t req_pa, struct snp_guest_msg *resp,
		     paddr_t resp_pa);
/*
 * A key from the PSP (MSG_KEY_REQ under VMPCK0, SNP ABI 56860): q as the
 * caller built it. SVSM_OK with the key; SVSM_EPERM when the PSP refused
 * (*status its MSG_KEY_RSP status); SVSM_EBUSY (the hypervisor stayed
 * busy) or SVSM_EIO (no usable answer: VMPCK0 is wiped, as after a failed
 * report). One request at a time per svsm_attest: the caller holds the
 * VM's attest_lock, or runs before the guest does.
 */
int svsm_attest_derive_key(struct svsm_attest *a, const struct snp_key_req *q, uint8_t key[SNP_DERIVED_KEY_LEN],
			   uint32_t *status);
/* Offers protocol 1 backed by a (NULL withdraws it). */
void svsm_vm_set_attest(struct svsm_vm *vm, struct svsm_attest *a);
