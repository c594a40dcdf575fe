/* SPDX-License-Identifier: MIT */
/*
 * What a #VC handler must work out itself: under SEV-ES/SNP the hardware
 * reports only the exit code, so the handler decodes the faulting
 * instruction to fill the GHCB (GHCB spec 56421, NAE events). Pure; host-tested.
 * Only the instructions the SVSM itself executes under #VC are accepted:
 * IN/OUT (immediate or DX port, INS/OUTS with REP), RDMSR/WRMSR, CPUID.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IOIO exit-information value, decoded (APM vol.2 §15.10.2 layout, GHCB spec 56421, NAE events). */
struct ioio_info {
	uint16_t port;
	uint8_t size;      /* 1, 2 or 4 bytes */
	uint8_t addr_bits; /* 16, 32, 64 (string forms) */
	uint8_t seg;       /* segment for string forms (ES 0, DS 3) */
	bool in;
	bool string;
	bool rep;
};

/* Encodes ioio into EXITINFO1 form. */
uint64_t ioio_info_encode(const struct ioio_info *io);
/* Decodes EXITINFO1; false unless exactly one size bit and at most one address-size bit are set. */
bool ioio_info_decode(uint64_t info, struct ioio_info *io);

struct vc_insn {
	unsigned len;          /* bytes to skip after emulation */
	uint64_t exit_info_1;  /* IOIO: exit information; MSR: 0 read / 1 write; CPUID: 0 */
	struct ioio_info io;   /* IOIO only */
};

/*
 * Decodes the instruction at bytes (avail readable bytes) for exit_code
 * (SVM_EXIT_IOIO, SVM_EXIT_MSR or SVM_EXIT_CPUID); dx is the DX register
 * for port-in-DX forms. SVSM_OK; SVSM_ERANGE if the bytes run out;
 * SVSM_EINVAL for an instruction that does not match the exit code or is
 * not supported (prefixes other than 66, 67, F3 before IN/OUT; REX).
 */
int vc_decode(uint64_t exit_code, const uint8_t *bytes, size_t avail, uint16_t dx,
	      struct vc_insn *out);
