/* SPDX-License-Identifier: MIT */
/*
 * The SVSM protocol's guest-visible pieces: the calling area, protocol and
 * call numbers, result codes, the PVALIDATE list. Numbers:
 * ../shared/reference/snp-svsm-abi.md §5 (SVSM spec #58019; Linux sev.h,
 * EDK2 Svsm.h, COCONUT).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* §5.2 calling area (one 4 KiB page per vCPU). */
struct svsm_ca {
	uint8_t call_pending;  /* 0x000 */
	uint8_t mem_available; /* 0x001 */
	uint8_t rsvd[6];
	uint8_t buffer[4088];  /* 0x008 */
} __attribute__((packed));

_Static_assert(sizeof(struct svsm_ca) == 4096, "calling area is one page");
_Static_assert(offsetof(struct svsm_ca, buffer) == 8, "calling-area buffer");

/* §5.3: RAX = protocol << 32 | call. */
#define SVSM_PROTOCOL_SHIFT 32
#define SVSM_CALL_MASK 0xFFFFFFFFull

/* §5.4 protocols. */
#define SVSM_CORE_PROTOCOL 0
#define SVSM_ATTEST_PROTOCOL 1
#define SVSM_VTPM_PROTOCOL 2

/* §5.6 core calls. */
#define SVSM_CORE_REMAP_CA 0
#define SVSM_CORE_PVALIDATE 1
#define SVSM_CORE_CREATE_VCPU 2
#define SVSM_CORE_DELETE_VCPU 3
#define SVSM_CORE_DEPOSIT_MEM 4
#define SVSM_CORE_WITHDRAW_MEM 5
#define SVSM_CORE_QUERY_PROTOCOL 6
#define SVSM_CORE_CONFIGURE_VTOM 7
/* §5.7 attestation calls, §5.8 vTPM calls. */
#define SVSM_ATTEST_SERVICES 0
#define SVSM_ATTEST_SINGLE_SERVICE 1
#define SVSM_VTPM_QUERY 0
#define SVSM_VTPM_CMD 1

/* §5.5 result codes (RAX). */
#define SVSM_SUCCESS 0x00000000ull
#define SVSM_ERR_INCOMPLETE 0x80000000ull
#define SVSM_ERR_UNSUPPORTED_PROTOCOL 0x80000001ull
#define SVSM_ERR_UNSUPPORTED_CALL 0x80000002ull
#define SVSM_ERR_INVALID_ADDRESS 0x80000003ull
#define SVSM_ERR_INVALID_FORMAT 0x80000004ull
#define SVSM_ERR_INVALID_PARAMETER 0x80000005ull
#define SVSM_ERR_INVALID_REQUEST 0x80000006ull
#define SVSM_ERR_BUSY 0x80000007ull
#define SVSM_ERR_PROTOCOL_BASE 0x80001000ull
#define SVSM_ERR_PVALIDATE_FAIL_INPUT 0x80001001ull
#define SVSM_ERR_PVALIDATE_FAIL_PERMISSION 0x80001002ull
#define SVSM_ERR_FAIL_INUSE 0x80001003ull
#define SVSM_ERR_PVALIDATE_FAIL_SIZEMISMATCH 0x80001006ull
#define SVSM_ERR_PVALIDATE_FAIL_NO_CHANGE 0x80001010ull

/* §5.6 PVALIDATE request: 8-byte header, then u64 entries. */
struct svsm_pvalidate_hdr {
	uint16_t entries;
	uint16_t next;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct svsm_pvalidate_hdr) == 8, "PVALIDATE header");
_Static_assert(offsetof(struct svsm_pvalidate_hdr, next) == 2, "PVALIDATE next");

#define SVSM_PVAL_SIZE_MASK 0x3ull      /* [1:0] 0 = 4 KiB, 1 = 2 MiB, others invalid */
#define SVSM_PVAL_ACTION_VALIDATE (1ull << 2)
#define SVSM_PVAL_IGNORE_CF (1ull << 3)
#define SVSM_PVAL_RSVD_MASK 0xFF0ull    /* [11:4] must be zero */
#define SVSM_PVAL_GFN_SHIFT 12
/* (4088 - 8) / 8 entries fit in the calling-area buffer. */
#define SVSM_PVALIDATE_MAX_COUNT 510

/* §5.8 vTPM: platform commands (bit n of the VTPM_QUERY bitmap), TPM_SEND_COMMAND layout. */
#define SVSM_VTPM_TPM_SEND_COMMAND 8u
#define SVSM_VTPM_BUFFER_SIZE 4096u
#define SVSM_VTPM_CMD_MAX (SVSM_VTPM_BUFFER_SIZE - 9u)  /* 4087: Linux tpm_svsm rejects more */
#define SVSM_VTPM_RESP_MAX (SVSM_VTPM_BUFFER_SIZE - 4u) /* 4092 */

struct svsm_vtpm_request {
	uint32_t platform_command; /* TPM_SEND_COMMAND */
	uint8_t locality;          /* must be 0 */
	uint32_t size;             /* bytes of TPM command that follow */
	uint8_t command[SVSM_VTPM_CMD_MAX];
} __attribute__((packed));

struct svsm_vtpm_response {
	uint32_t size; /* bytes of TPM response that follow */
	uint8_t response[SVSM_VTPM_RESP_MAX];
} __attribute__((packed));

_Static_assert(offsetof(struct svsm_vtpm_request, locality) == 4, "vTPM request locality");
_Static_assert(offsetof(struct svsm_vtpm_request, size) == 5, "vTPM request size");
_Static_assert(offsetof(struct svsm_vtpm_request, command) == 9, "vTPM request command");
_Static_assert(sizeof(struct svsm_vtpm_request) == SVSM_VTPM_BUFFER_SIZE, "vTPM request");
_Static_assert(offsetof(struct svsm_vtpm_response, response) == 4, "vTPM response bytes");
_Static_assert(sizeof(struct svsm_vtpm_response) == SVSM_VTPM_BUFFER_SIZE, "vTPM response");
