/* SPDX-License-Identifier: MIT */
/*
 * The SVSM protocol's guest-visible pieces: the calling area, protocol and
 * call numbers, result codes, the PVALIDATE list. Numbers: SVSM spec
 * (58019), checked against Linux sev.h and EDK2 Svsm.h (docs/REFERENCES.md).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SVSM spec (58019), the calling area (one 4 KiB page per vCPU). */
struct svsm_ca {
	uint8_t call_pending;  /* 0x000 */
	uint8_t mem_available; /* 0x001 */
	uint8_t rsvd[6];
	uint8_t buffer[4088];  /* 0x008 */
} __attribute__((packed));

_Static_assert(sizeof(struct svsm_ca) == 4096, "calling area is one page");
_Static_assert(offsetof(struct svsm_ca, buffer) == 8, "calling-area buffer");

/* SVSM spec (58019), calling convention: RAX = protocol << 32 | call. */
#define SVSM_PROTOCOL_SHIFT 32
#define SVSM_CALL_MASK 0xFFFFFFFFull

/* SVSM spec (58019): the protocols. */
#define SVSM_CORE_PROTOCOL 0
#define SVSM_ATTEST_PROTOCOL 1
#define SVSM_VTPM_PROTOCOL 2

/* SVSM spec (58019), core protocol: the calls. */
#define SVSM_CORE_REMAP_CA 0
#define SVSM_CORE_PVALIDATE 1
#define SVSM_CORE_CREATE_VCPU 2
#define SVSM_CORE_DELETE_VCPU 3
#define SVSM_CORE_DEPOSIT_MEM 4
#define SVSM_CORE_WITHDRAW_MEM 5
#define SVSM_CORE_QUERY_PROTOCOL 6
#define SVSM_CORE_CONFIGURE_VTOM 7
/* SVSM spec (58019): attestation protocol calls, vTPM protocol calls. */
#define SVSM_ATTEST_SERVICES 0
#define SVSM_ATTEST_SINGLE_SERVICE 1
#define SVSM_VTPM_QUERY 0
#define SVSM_VTPM_CMD 1
/*
 * How many protocols, and how many calls each defines (numbered from 0):
 * the dispatcher answers UNSUPPORTED_CALL from a protocol's count up (the
 * host tests check both sides of it), and fuzz_core draws its calls below
 * each count and one past it. A new call raises its protocol's count.
 */
#define SVSM_PROTOCOLS (SVSM_VTPM_PROTOCOL + 1)
#define SVSM_CORE_CALLS (SVSM_CORE_CONFIGURE_VTOM + 1)
#define SVSM_ATTEST_CALLS (SVSM_ATTEST_SINGLE_SERVICE + 1)
#define SVSM_VTPM_CALLS (SVSM_VTPM_CMD + 1)

/* SVSM spec (58019): result codes (RAX). */
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

/* SVSM spec (58019), core protocol, SVSM_CORE_PVALIDATE request: 8-byte header, then u64 entries. */
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
/* SVSM spec §6.5 DEPOSIT_MEM list: the PVALIDATE list's header; entries [1:0] size, [11:2] reserved, [63:12] GFN. */
#define SVSM_DEPOSIT_RSVD_MASK 0xFFCull
/* SVSM spec §6.6 WITHDRAW_MEM answer: u16 count, 6 unused bytes, then 4 KiB-page GPAs. */
struct svsm_withdraw_hdr {
	uint16_t entries;
	uint8_t unused[6];
} __attribute__((packed));

_Static_assert(sizeof(struct svsm_withdraw_hdr) == 8, "WITHDRAW_MEM header");

/* (4088 - 8) / 8 entries fit in the calling-area buffer. */
#define SVSM_PVALIDATE_MAX_COUNT 510
/*
 * A list may not cross its page (SVSM spec 58019 §6.2, §6.6): at page
 * offset 0, (4096 - 8) / 8 entries follow the 8-byte header. WITHDRAW_MEM
 * fills as many as fit where the guest put its list.
 */
#define SVSM_LIST_PAGE_ENTRIES 511
_Static_assert(SVSM_LIST_PAGE_ENTRIES == (4096 - sizeof(struct svsm_withdraw_hdr)) / 8, "a page of list entries");

/* SVSM spec (58019), vTPM protocol: platform commands (bit n of the VTPM_QUERY bitmap), TPM_SEND_COMMAND layout. */
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

/* SVSM spec (58019), attestation protocol: the operation structures (RCX points at one). */
struct svsm_attest_services_op {
	uint64_t report_gpa;    /* 0x00: page aligned */
	uint32_t report_size;   /* 0x08 */
	uint32_t rsvd_0c;
	uint64_t nonce_gpa;     /* 0x10: must not cross a page */
	uint16_t nonce_size;    /* 0x18 */
	uint8_t rsvd_1a[6];
	uint64_t manifest_gpa;  /* 0x20: page aligned */
	uint32_t manifest_size; /* 0x28 */
	uint32_t rsvd_2c;
	uint64_t certs_gpa;     /* 0x30: page aligned; size 0 = no certificates */
	uint32_t certs_size;    /* 0x38 */
	uint32_t rsvd_3c;
} __attribute__((packed));

struct svsm_attest_single_op {
	struct svsm_attest_services_op base;
	uint8_t service_guid[16];  /* 0x40 */
	uint32_t manifest_version; /* 0x50: only 0 */
	uint32_t rsvd_54;
} __attribute__((packed));

_Static_assert(sizeof(struct svsm_attest_services_op) == 0x40, "ATTEST_SERVICES operation");
_Static_assert(offsetof(struct svsm_attest_services_op, nonce_gpa) == 0x10, "attest nonce");
_Static_assert(offsetof(struct svsm_attest_services_op, nonce_size) == 0x18, "attest nonce size");
_Static_assert(offsetof(struct svsm_attest_services_op, manifest_gpa) == 0x20, "attest manifest");
_Static_assert(offsetof(struct svsm_attest_services_op, certs_gpa) == 0x30, "attest certs");
_Static_assert(offsetof(struct svsm_attest_services_op, certs_size) == 0x38, "attest certs size");
_Static_assert(sizeof(struct svsm_attest_single_op) == 0x58, "ATTEST_SINGLE_SERVICE operation");
_Static_assert(offsetof(struct svsm_attest_single_op, service_guid) == 0x40, "attest GUID");
_Static_assert(offsetof(struct svsm_attest_single_op, manifest_version) == 0x50, "attest version");

/* SVSM spec (58019), attestation protocol: the nonce is 64 bytes (Linux's configfs-tsm inblob). */
#define SVSM_ATTEST_NONCE_SIZE 64u

/* SVSM spec (58019), attestation protocol, services manifest: header GUID, u32 size, u32 count; per service GUID, u32 offset, u32 size. */
struct svsm_manifest_hdr {
	uint8_t guid[16];
	uint32_t size;
	uint32_t count;
} __attribute__((packed));

struct svsm_manifest_entry {
	uint8_t guid[16];
	uint32_t offset; /* from the manifest's start */
	uint32_t size;
} __attribute__((packed));

_Static_assert(sizeof(struct svsm_manifest_hdr) == 24, "manifest header");
_Static_assert(sizeof(struct svsm_manifest_entry) == 24, "manifest entry");

/* GUIDs in their mixed-endian byte order (first three fields little endian). */
/* 63849ebb-3d92-4670-a1ff-58f9c94b87bb */
#define SVSM_MANIFEST_GUID \
	{ 0xbb, 0x9e, 0x84, 0x63, 0x92, 0x3d, 0x70, 0x46, 0xa1, 0xff, 0x58, 0xf9, 0xc9, 0x4b, 0x87, 0xbb }
/* c476f1eb-0123-45a5-9641-b4e7dde5bfe3 */
#define SVSM_VTPM_SERVICE_GUID \
	{ 0xeb, 0xf1, 0x76, 0xc4, 0x23, 0x01, 0xa5, 0x45, 0x96, 0x41, 0xb4, 0xe7, 0xdd, 0xe5, 0xbf, 0xe3 }

/*
 * This SVSM's own manifest entry (not in the SVSM spec; its GUID was
 * generated for it): where the vTPM's state is kept, so a relying party
 * can see a restart on fresh state and, remembering the last version it
 * saw, a rollback (tools/vtpm-rollback-check). The vTPM's own entry stays
 * what the SVSM spec makes it, the EK's TPMT_PUBLIC; this one sits beside
 * it in the services manifest, and ATTEST_SINGLE_SERVICE answers it alone.
 * f6178be9-98b9-4780-a3bc-4161170adf14
 */
#define SVSM_VTPM_STATE_GUID \
	{ 0xe9, 0x8b, 0x17, 0xf6, 0xb9, 0x98, 0x80, 0x47, 0xa3, 0xbc, 0x41, 0x61, 0x17, 0x0a, 0xdf, 0x14 }
#define SVSM_VTPM_STATE_FORMAT 1u
#define SVSM_VTPM_STATE_PERSISTENT 0x1u /* flags: kept on the host's disk, sealed; clear: volatile */

struct svsm_vtpm_state_entry {
	uint32_t format;     /* 0x00: SVSM_VTPM_STATE_FORMAT */
	uint32_t flags;      /* 0x04 */
	uint64_t version;    /* 0x08: the version of the state the vTPM runs on (0: none written yet) */
	uint8_t digest[32];  /* 0x10: SHA-256 of that version's sealed image as on the disk; zero for version 0 */
} __attribute__((packed));

_Static_assert(sizeof(struct svsm_vtpm_state_entry) == 48, "vTPM state manifest entry");
_Static_assert(offsetof(struct svsm_vtpm_state_entry, digest) == 0x10, "vTPM state entry digest");
