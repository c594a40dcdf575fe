/* SPDX-License-Identifier: MIT */
/*
 * The vTPM module: a TPM 2.0 on libtpms, as a static Linux executable.
 * fd 0 carries TPM commands, fd 1 the responses: each is a TPM 2.0
 * command or response as TPM 2.0 Part 1 frames it (tag, then the
 * big-endian total size at offset 2), one response per command, in order.
 * That is the byte stream tpm2-tss's cmd TCTI speaks, so on the host the
 * same binary serves tpm2-tools; inside the SVSM it runs at CPL3 and the
 * SVSM's vTPM protocol writes the guest's commands into fd 0.
 * fd 2 is the log. State lives in memory (vtpm_nv.c); with VTPM_STATE_FD=3
 * in the environment (the SVSM sets it when it keeps the state on its
 * disk), fd 3 is the state channel: the module reads the NV image there
 * to its end before libtpms starts, and after start-up and after every
 * command that changed NV it writes the whole new image there before the
 * response, once per command however often libtpms stored (so the SVSM
 * can make it durable before the guest sees the response). The TPM is
 * manufactured on its first start (no image), with one PCR bank, SHA-256
 * (pcr_banks_sha256_only); the client sends TPM2_Startup as it would to
 * any TPM.
 *
 * Exit status: 0 at end of input between commands; 2 when the stream
 * cannot go on (a command cut short, a size outside 10..VTPM_CMD_MAX:
 * answered TPM_RC_COMMAND_SIZE first, since the next command's start is
 * unknown); 3 when libtpms cannot start; 4 when the state channel fails
 * (an image that does not load, a write refused).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>

#include "vtpm_nv.h"

/* The SVSM's vTPM protocol carries at most 4087 command bytes (SVSM spec 58019, vTPM protocol); libtpms takes 4096. */
#define VTPM_CMD_MAX 4096u
#define TPM_HDR 10u
/* TPM 2.0 Part 2: TPM_ST_NO_SESSIONS, TPM_RC_COMMAND_SIZE, TPM_RC_FAILURE. */
#define TPM_ST_NO_SESSIONS 0x8001u
#define TPM_RC_COMMAND_SIZE 0x142u
#define TPM_RC_FAILURE 0x101u

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Input: one read() takes whatever the channel holds, up to a whole
 * buffer, so a command that arrives at once (as every client sends it)
 * costs one system call, not a header read and a body read. Bytes past
 * the command in hand stay for the next one.
 */
static uint8_t in_buf[VTPM_CMD_MAX];
static size_t in_have;

/* 1: in_buf holds at least want bytes; 0: end of input with nothing held; -1: end or error after some. */
static int in_fill(size_t want)
{
	while (in_have < want) {
		ssize_t n = read(0, in_buf + in_have, sizeof(in_buf) - in_have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return in_have == 0 && n == 0 ? 0 : -1;
		in_have += (size_t)n;
	}
	return 1;
}

/* Drops the command of len bytes at the buffer's start. */
static void in_consume(size_t len)
{
	memmove(in_buf, in_buf + len, in_have - len);
	in_have -= len;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A response that is only a header with rc. */
static int respond_rc(uint32_t rc)
{
	uint8_t r[TPM_HDR];

	r[0] = TPM_ST_NO_SESSIONS >> 8, r[1] = TPM_ST_NO_SESSIONS & 0xFF;
	put_be32(r + 2, TPM_HDR);
	put_be32(r + 6, rc);
	return write_full(1, r, sizeof(r));
}

/* One command to libtpms at start-up: its response code, or -1. */
static long internal_command(const uint8_t *cmd, uint32_t len)
{
	unsigned char *resp = NULL;
	uint32_t resp_len = 0, resp_size = 0;
	long rc = -1;

	if (TPMLIB_Process(&resp, &resp_len, &resp_size, (unsigned char *)cmd, len) == TPM_SUCCESS &&
	    resp_len >= TPM_HDR)
		rc = (long)get_be32(resp + 6);
	free(resp);
	return rc;
}

/*
 * The PCR banks, as a platform's firmware sets them before the TPM's first
 * real start: SHA-256 only (as swtpm_setup activates by default), not the
 * four libtpms allocates. Every active bank must be hashed by whoever
 * measures (the SVSM's measured boot hashes 25 MB of Linux per bank), and
 * a bank nobody extends only misleads. TPM2_PCR_Allocate (TPM 2.0 Part 3
 * §22.5) with the platform hierarchy's empty auth, which takes effect at
 * the next TPM Reset: Shutdown, then libtpms restarted (_TPM_Init), the
 * state kept in the in-memory NV. The client's Startup follows as before.
 */
static void pcr_banks_sha256_only(void)
{
	static const uint8_t startup[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0 };
	static const uint8_t allocate[] = {
		0x80, 0x02, 0, 0, 0, 55, 0, 0, 0x01, 0x2B, /* TPM_CC_PCR_Allocate */
		0x40, 0, 0, 0x0C,                          /* TPM_RH_PLATFORM */
		0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0,  /* password session, empty auth */
		0, 0, 0, 4,                                /* TPML_PCR_SELECTION: 4 banks */
		0, 0x04, 3, 0, 0, 0,                       /* SHA-1: none */
		0, 0x0B, 3, 0xFF, 0xFF, 0xFF,              /* SHA-256: PCRs 0-23 */
		0, 0x0C, 3, 0, 0, 0,                       /* SHA-384: none */
		0, 0x0D, 3, 0, 0, 0,                       /* SHA-512: none */
	};
	static const uint8_t shutdown[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, 0 };
	_Static_assert(sizeof(allocate) == 10 + 4 + 4 + 9 + 4 + 4 * 6, "PCR_Allocate layout");

	if (internal_command(startup, sizeof(startup)) != 0 || internal_command(allocate, sizeof(allocate)) != 0 ||
	    internal_command(shutdown, sizeof(shutdown)) != 0) {
		fprintf(stderr, "vtpm: the PCR banks could not be set to SHA-256 only; libtpms' allocation stays\n");
		return;
	}
	TPMLIB_Terminate();
	if (TPMLIB_MainInit() != TPM_SUCCESS) {
		fprintf(stderr, "vtpm: libtpms could not restart after the PCR allocation\n");
		exit(3);
	}
}

/* The state channel: VTPM_STATE_FD=3 says the SVSM opened it. */
#define STATE_FD 3
#define STATE_MAX (512u << 10)
static bool state_channel;

/* Reads the whole image on fd 3 (the end comes after it) and loads it; an empty channel is a new TPM. */
static void state_load(void)
{
	uint8_t *buf = malloc(STATE_MAX);
	size_t len = 0;
	const char *why = NULL;

	if (buf == NULL) {
		fprintf(stderr, "vtpm: no memory to read the saved state\n");
		exit(4);
	}
	for (;;) {
		ssize_t n = read(STATE_FD, buf + len, STATE_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "vtpm: the state channel cannot be read (errno %d)\n", errno);
			exit(4);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == STATE_MAX) {
			fprintf(stderr, "vtpm: the saved state is larger than %u bytes\n", STATE_MAX);
			exit(4);
		}
	}
	if (len == 0) {
		fprintf(stderr, "vtpm: no saved state: a new TPM is manufactured\n");
	} else if (vtpm_nv_load_image(buf, len, &why) != 0) {
		fprintf(stderr, "vtpm: the saved state does not load: %s\n", why);
		exit(4);
	} else {
		fprintf(stderr, "vtpm: saved state loaded (%zu bytes)\n", len);
	}
	free(buf);
}

/* After a step that may have stored NV: the whole image on fd 3 when it changed, once. */
static void state_save(void)
{
	uint8_t *img = NULL;
	size_t len = 0;

	if (!state_channel || !vtpm_nv_dirty())
		return;
	if (vtpm_nv_serialize(&img, &len) != 0 || write_full(STATE_FD, img, len) != 0) {
		fprintf(stderr, "vtpm: the state could not be handed to the SVSM (%zu bytes)\n", len);
		exit(4);
	}
	free(img);
	vtpm_nv_clean();
}

int main(int argc, char **argv)
{
	struct libtpms_callbacks cb;
	unsigned char *resp = NULL;
	uint32_t resp_len = 0, resp_size = 0;
	unsigned long commands = 0;

	if (argc > 1) {
		fprintf(stderr, "usage: %s  (TPM 2.0 commands on stdin, responses on stdout)\n", argv[0]);
		return 2;
	}
	vtpm_nv_callbacks(&cb);
	state_channel = getenv("VTPM_STATE_FD") != NULL && strcmp(getenv("VTPM_STATE_FD"), "3") == 0;
	if (state_channel)
		state_load();
	if (TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) != TPM_SUCCESS ||
	    TPMLIB_RegisterCallbacks(&cb) != TPM_SUCCESS || TPMLIB_MainInit() != TPM_SUCCESS) {
		fprintf(stderr, "vtpm: libtpms could not start a TPM 2.0\n");
		return 3;
	}
	pcr_banks_sha256_only();
	state_save();
	for (;;) {
		int got = in_fill(TPM_HDR);

		if (got == 0)
			break;
		if (got < 0) {
			fprintf(stderr, "vtpm: input ended inside a command header after %lu commands\n",
				commands);
			return 2;
		}

		uint32_t size = get_be32(in_buf + 2);

		if (size < TPM_HDR || size > VTPM_CMD_MAX) {
			fprintf(stderr, "vtpm: command size %u outside %u..%u; the stream cannot go on\n",
				size, TPM_HDR, VTPM_CMD_MAX);
			(void)respond_rc(TPM_RC_COMMAND_SIZE);
			return 2;
		}
		if (in_fill(size) != 1) {
			fprintf(stderr, "vtpm: a %u-byte command was cut short\n", size);
			return 2;
		}
		commands++;
		TPM_RESULT done = TPMLIB_Process(&resp, &resp_len, &resp_size, in_buf, size);

		in_consume(size);
		state_save(); /* before the response: what the guest is told happened is what is kept */
		if (done != TPM_SUCCESS || resp_len < TPM_HDR) {
			fprintf(stderr, "vtpm: libtpms failed on command %lu\n", commands);
			if (respond_rc(TPM_RC_FAILURE) != 0)
				return 2;
			continue;
		}
		if (write_full(1, resp, resp_len) != 0) {
			fprintf(stderr, "vtpm: the response channel is closed\n");
			return 2;
		}
	}
	TPMLIB_Terminate();
	free(resp);
	return 0;
}
