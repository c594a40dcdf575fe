/* SPDX-License-Identifier: MIT */
/* #VC instruction decoding for IOIO, MSR and CPUID (include/svsm/vc_decode.h). */
#include "svsm/vc_decode.h"

#include "abi/ghcb.h"
#include "lib/string.h"
#include "svsm/errno.h"

#define MAX_PREFIXES 4

uint64_t ioio_info_encode(const struct ioio_info *io)
{
	uint64_t v = (uint64_t)io->port << SVM_IOIO_PORT_SHIFT;

	v |= io->in ? SVM_IOIO_TYPE_IN : 0;
	v |= io->size == 1 ? SVM_IOIO_SZ8 : io->size == 2 ? SVM_IOIO_SZ16 : SVM_IOIO_SZ32;
	if (io->string) {
		v |= SVM_IOIO_STR | ((uint64_t)(io->seg & 7) << SVM_IOIO_SEG_SHIFT);
		v |= io->rep ? SVM_IOIO_REP : 0;
	}
	v |= io->addr_bits == 16 ? SVM_IOIO_A16 : io->addr_bits == 32 ? SVM_IOIO_A32 : SVM_IOIO_A64;
	return v;
}

static unsigned bits_set(uint64_t v)
{
	unsigned n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

bool ioio_info_decode(uint64_t info, struct ioio_info *io)
{
	uint64_t sz = info & (SVM_IOIO_SZ8 | SVM_IOIO_SZ16 | SVM_IOIO_SZ32);
	uint64_t a = info & (SVM_IOIO_A16 | SVM_IOIO_A32 | SVM_IOIO_A64);

	if (bits_set(sz) != 1 || bits_set(a) > 1)
		return false;
	io->port = (uint16_t)(info >> SVM_IOIO_PORT_SHIFT);
	io->size = sz == SVM_IOIO_SZ8 ? 1 : sz == SVM_IOIO_SZ16 ? 2 : 4;
	io->addr_bits = a == SVM_IOIO_A16 ? 16 : a == SVM_IOIO_A32 ? 32 : 64;
	io->seg = (uint8_t)((info >> SVM_IOIO_SEG_SHIFT) & 7);
	io->in = (info & SVM_IOIO_TYPE_IN) != 0;
	io->string = (info & SVM_IOIO_STR) != 0;
	io->rep = (info & SVM_IOIO_REP) != 0;
	return true;
}

static int decode_ioio(const uint8_t *b, size_t avail, uint16_t dx, struct vc_insn *out)
{
	bool opsize16 = false, addr32 = false, rep = false;
	size_t i = 0;

	/* Legacy prefixes IN/OUT may carry in 64-bit mode; anything else is refused. */
	for (; i < avail && i < MAX_PREFIXES; i++) {
		if (b[i] == 0x66)
			opsize16 = true;
		else if (b[i] == 0x67)
			addr32 = true;
		else if (b[i] == 0xF3)
			rep = true;
		else
			break;
	}
	if (i >= avail)
		return SVSM_ERANGE;

	struct ioio_info *io = &out->io;
	uint8_t op = b[i++];

	memset(io, 0, sizeof(*io));
	io->addr_bits = addr32 ? 32 : 64;
	switch (op) {
	case 0xE4: case 0xE5: case 0xE6: case 0xE7: /* IN/OUT with imm8 port */
		if (i >= avail)
			return SVSM_ERANGE;
		io->port = b[i++];
		break;
	case 0xEC: case 0xED: case 0xEE: case 0xEF: /* IN/OUT with the port in DX */
		io->port = dx;
		break;
	case 0x6C: case 0x6D: case 0x6E: case 0x6F: /* INS/OUTS */
		io->port = dx;
		io->string = true;
		io->rep = rep;
		/* INS writes ES:rDI, OUTS reads DS:rSI (no override accepted above). */
		io->seg = (op == 0x6C || op == 0x6D) ? 0 : (uint8_t)SVM_IOIO_SEG_DS;
		break;
	default:
		return SVSM_EINVAL;
	}
	if (rep && !io->string)
		return SVSM_EINVAL;
	io->in = op == 0xE4 || op == 0xE5 || op == 0xEC || op == 0xED || op == 0x6C || op == 0x6D;
	io->size = (op & 1) == 0 ? 1 : opsize16 ? 2 : 4;
	out->len = (unsigned)i;
	out->exit_info_1 = ioio_info_encode(io);
	return SVSM_OK;
}

int vc_decode(uint64_t exit_code, const uint8_t *b, size_t avail, uint16_t dx, struct vc_insn *out)
{
	memset(out, 0, sizeof(*out));
	if (exit_code == SVM_EXIT_IOIO)
		return decode_ioio(b, avail, dx, out);
	if (exit_code != SVM_EXIT_MSR && exit_code != SVM_EXIT_CPUID)
		return SVSM_EINVAL;
	if (avail < 2)
		return SVSM_ERANGE;
	if (b[0] != 0x0F)
		return SVSM_EINVAL;
	out->len = 2;
	if (exit_code == SVM_EXIT_CPUID)
		return b[1] == 0xA2 ? SVSM_OK : SVSM_EINVAL;
	if (b[1] == 0x32) {
		out->exit_info_1 = SVM_MSR_READ;
		return SVSM_OK;
	}
	if (b[1] == 0x30) {
		out->exit_info_1 = SVM_MSR_WRITE;
		return SVSM_OK;
	}
	return SVSM_EINVAL;
}
