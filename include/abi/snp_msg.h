/* SPDX-License-Identifier: MIT */
/*
 * SNP guest messages to the PSP and the attestation report. Layouts: SNP
 * ABI (56860): the guest message header (checked against Linux
 * snp_guest_msg_hdr), MSG_REPORT_REQ/RSP and the ATTESTATION_REPORT
 * structure (docs/REFERENCES.md).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SNP ABI (56860), guest message header */
#define SNP_MSG_ALGO_AES_256_GCM 1
#define SNP_MSG_HDR_VERSION 1
#define SNP_MSG_HDR_SIZE 0x60
#define SNP_MSG_PAGE 4096u
#define SNP_MSG_PAYLOAD_MAX (SNP_MSG_PAGE - SNP_MSG_HDR_SIZE)
#define SNP_MSG_AUTHTAG_LEN 16 /* of the 32-byte field */
#define SNP_MSG_IV_LEN 12
#define SNP_MSG_AAD_OFFSET 0x30
#define SNP_MSG_AAD_LEN 48

/* SNP ABI (56860): guest message types (Linux enum msg_type). */
#define SNP_MSG_CPUID_REQ 1
#define SNP_MSG_CPUID_RSP 2
#define SNP_MSG_KEY_REQ 3
#define SNP_MSG_KEY_RSP 4
#define SNP_MSG_REPORT_REQ 5
#define SNP_MSG_REPORT_RSP 6
#define SNP_MSG_VERSION 1

struct snp_guest_msg_hdr {
	uint8_t authtag[32];  /* 0x00: AES-GCM tag in the first 16 bytes */
	uint64_t msg_seqno;   /* 0x20 */
	uint8_t rsvd1[8];
	uint8_t algo;         /* 0x30: first byte of the AAD */
	uint8_t hdr_version;  /* 0x31 */
	uint16_t hdr_sz;      /* 0x32 */
	uint8_t msg_type;     /* 0x34 */
	uint8_t msg_version;  /* 0x35 */
	uint16_t msg_sz;      /* 0x36: plaintext payload bytes */
	uint32_t rsvd2;
	uint8_t msg_vmpck;    /* 0x3C: key index 0..3 */
	uint8_t rsvd3[35];
} __attribute__((packed));

struct snp_guest_msg {
	struct snp_guest_msg_hdr hdr;
	uint8_t payload[SNP_MSG_PAYLOAD_MAX];
} __attribute__((packed));

_Static_assert(sizeof(struct snp_guest_msg_hdr) == SNP_MSG_HDR_SIZE, "guest message header");
_Static_assert(offsetof(struct snp_guest_msg_hdr, msg_seqno) == 0x20, "MSG_SEQNO");
_Static_assert(offsetof(struct snp_guest_msg_hdr, algo) == SNP_MSG_AAD_OFFSET, "ALGO / AAD");
_Static_assert(offsetof(struct snp_guest_msg_hdr, hdr_sz) == 0x32, "HDR_SZ");
_Static_assert(offsetof(struct snp_guest_msg_hdr, msg_type) == 0x34, "MSG_TYPE");
_Static_assert(offsetof(struct snp_guest_msg_hdr, msg_sz) == 0x36, "MSG_SZ");
_Static_assert(offsetof(struct snp_guest_msg_hdr, msg_vmpck) == 0x3C, "MSG_VMPCK");
_Static_assert(SNP_MSG_AAD_OFFSET + SNP_MSG_AAD_LEN == SNP_MSG_HDR_SIZE, "AAD ends the header");
_Static_assert(sizeof(struct snp_guest_msg) == SNP_MSG_PAGE, "guest message page");

/* SNP ABI (56860): the MSG_REPORT_REQ payload. */
#define SNP_REPORT_DATA_LEN 64
#define SNP_REPORT_KEY_SEL_MASK 0x3u /* 0 VLEK if installed else VCEK, 1 VCEK, 2 VLEK */

struct snp_report_req {
	uint8_t report_data[SNP_REPORT_DATA_LEN]; /* 0x00 */
	uint32_t vmpl;                            /* 0x40 */
	uint32_t flags;                           /* 0x44: [1:0] KEY_SEL */
	uint8_t rsvd[24];                         /* 0x48: MBZ */
} __attribute__((packed));

_Static_assert(sizeof(struct snp_report_req) == 0x60, "MSG_REPORT_REQ");
_Static_assert(offsetof(struct snp_report_req, vmpl) == 0x40, "MSG_REPORT_REQ VMPL");
_Static_assert(offsetof(struct snp_report_req, flags) == 0x44, "MSG_REPORT_REQ flags");

/* SNP ABI (56860): the ATTESTATION_REPORT structure. */
#define SNP_REPORT_SIZE 0x4A0u
#define SNP_REPORT_SIGNED_LEN 0x2A0u /* the signature covers bytes 0x000..0x29F */
#define SNP_REPORT_SIG_ALGO_ECDSA_P384_SHA384 1
#define SNP_REPORT_SIG_COMPONENT 72 /* R and S, little endian, zero padded */

struct snp_attestation_report {
	uint32_t version;             /* 0x000 */
	uint32_t guest_svn;           /* 0x004 */
	uint64_t policy;              /* 0x008 */
	uint8_t family_id[16];        /* 0x010 */
	uint8_t image_id[16];         /* 0x020 */
	uint32_t vmpl;                /* 0x030 */
	uint32_t signature_algo;      /* 0x034 */
	uint64_t current_tcb;         /* 0x038 */
	uint64_t platform_info;       /* 0x040 */
	uint32_t key_info;            /* 0x048 */
	uint32_t rsvd_04c;
	uint8_t report_data[64];      /* 0x050 */
	uint8_t measurement[48];      /* 0x090 */
	uint8_t host_data[32];        /* 0x0C0 */
	uint8_t id_key_digest[48];    /* 0x0E0 */
	uint8_t author_key_digest[48]; /* 0x110 */
	uint8_t report_id[32];        /* 0x140 */
	uint8_t report_id_ma[32];     /* 0x160 */
	uint64_t reported_tcb;        /* 0x180 */
	uint8_t cpuid_fam_id;         /* 0x188 (v3+) */
	uint8_t cpuid_mod_id;         /* 0x189 (v3+) */
	uint8_t cpuid_step;           /* 0x18A (v3+) */
	uint8_t rsvd_18b[0x1A0 - 0x18B];
	uint8_t chip_id[64];          /* 0x1A0 */
	uint64_t committed_tcb;       /* 0x1E0 */
	uint8_t current_build;        /* 0x1E8 */
	uint8_t current_minor;
	uint8_t current_major;
	uint8_t rsvd_1eb;
	uint8_t committed_build;      /* 0x1EC */
	uint8_t committed_minor;
	uint8_t committed_major;
	uint8_t rsvd_1ef;
	uint64_t launch_tcb;          /* 0x1F0 */
	uint8_t rsvd_1f8[0x2A0 - 0x1F8];
	uint8_t sig_r[SNP_REPORT_SIG_COMPONENT]; /* 0x2A0 */
	uint8_t sig_s[SNP_REPORT_SIG_COMPONENT]; /* 0x2E8 */
	uint8_t rsvd_sig[368];
} __attribute__((packed));

_Static_assert(sizeof(struct snp_attestation_report) == SNP_REPORT_SIZE, "ATTESTATION_REPORT");
_Static_assert(offsetof(struct snp_attestation_report, vmpl) == 0x030, "report VMPL");
_Static_assert(offsetof(struct snp_attestation_report, key_info) == 0x048, "report KEY_INFO");
_Static_assert(offsetof(struct snp_attestation_report, report_data) == 0x050, "report REPORT_DATA");
_Static_assert(offsetof(struct snp_attestation_report, measurement) == 0x090, "report MEASUREMENT");
_Static_assert(offsetof(struct snp_attestation_report, host_data) == 0x0C0, "report HOST_DATA");
_Static_assert(offsetof(struct snp_attestation_report, report_id) == 0x140, "report REPORT_ID");
_Static_assert(offsetof(struct snp_attestation_report, reported_tcb) == 0x180, "report REPORTED_TCB");
_Static_assert(offsetof(struct snp_attestation_report, cpuid_step) == 0x18A, "report CPUID_STEP");
_Static_assert(offsetof(struct snp_attestation_report, chip_id) == 0x1A0, "report CHIP_ID");
_Static_assert(offsetof(struct snp_attestation_report, committed_tcb) == 0x1E0, "report COMMITTED_TCB");
_Static_assert(offsetof(struct snp_attestation_report, launch_tcb) == 0x1F0, "report LAUNCH_TCB");
_Static_assert(offsetof(struct snp_attestation_report, sig_r) == 0x2A0, "report signature R");
_Static_assert(offsetof(struct snp_attestation_report, sig_s) == 0x2E8, "report signature S");

/* MSG_REPORT_RSP payload: status, size, then the report. */
#define SNP_REPORT_STATUS_OK 0
#define SNP_REPORT_STATUS_INVALID_PARAMS 0x16
#define SNP_REPORT_STATUS_INVALID_KEY 0x27

struct snp_report_rsp {
	uint32_t status;      /* 0x00 */
	uint32_t report_size; /* 0x04 */
	uint8_t rsvd[24];
	struct snp_attestation_report report; /* 0x20 */
} __attribute__((packed));

_Static_assert(offsetof(struct snp_report_rsp, report) == 0x20, "MSG_REPORT_RSP report");
_Static_assert(sizeof(struct snp_report_rsp) == 0x20 + SNP_REPORT_SIZE, "MSG_REPORT_RSP");

/*
 * SNP ABI (56860), MSG_KEY_REQ and MSG_KEY_RSP (checked against Linux's
 * struct snp_derived_key_req/_resp, include/uapi/linux/sev-guest.h): a key
 * the firmware derives from a root key of the chip (VCEK) or of the
 * migration agent (VMRK), with the fields GUEST_FIELD_SELECT names mixed
 * in. The request's VMPL must not be below the requester's; GUEST_SVN must
 * not exceed the launch's; TCB_VERSION must not exceed the committed TCB.
 */
#define SNP_KEY_ROOT_VMRK 0x1u             /* ROOT_KEY_SELECT bit 0: 0 VCEK, 1 VMRK */
#define SNP_KEY_SEL_SHIFT 1                /* bits 2:1 KEY_SEL, as in MSG_REPORT_REQ */
#define SNP_KEY_ROOT_RSVD_MASK 0xFFFFFFF8u /* bits 31:3 */
#define SNP_KEY_FIELD_POLICY (1ull << 0)
#define SNP_KEY_FIELD_IMAGE_ID (1ull << 1)
#define SNP_KEY_FIELD_FAMILY_ID (1ull << 2)
#define SNP_KEY_FIELD_MEASUREMENT (1ull << 3)
#define SNP_KEY_FIELD_GUEST_SVN (1ull << 4)
#define SNP_KEY_FIELD_TCB_VERSION (1ull << 5)
#define SNP_KEY_FIELD_KNOWN 0x3Full        /* bits 63:6 reserved in message version 1 */
#define SNP_DERIVED_KEY_LEN 32

struct snp_key_req {
	uint32_t root_key_select;    /* 0x00 */
	uint32_t rsvd;               /* 0x04: MBZ */
	uint64_t guest_field_select; /* 0x08 */
	uint32_t vmpl;               /* 0x10 */
	uint32_t guest_svn;          /* 0x14 */
	uint64_t tcb_version;        /* 0x18 */
} __attribute__((packed));

_Static_assert(sizeof(struct snp_key_req) == 0x20, "MSG_KEY_REQ");
_Static_assert(offsetof(struct snp_key_req, guest_field_select) == 0x08, "MSG_KEY_REQ GUEST_FIELD_SELECT");
_Static_assert(offsetof(struct snp_key_req, vmpl) == 0x10, "MSG_KEY_REQ VMPL");
_Static_assert(offsetof(struct snp_key_req, guest_svn) == 0x14, "MSG_KEY_REQ GUEST_SVN");
_Static_assert(offsetof(struct snp_key_req, tcb_version) == 0x18, "MSG_KEY_REQ TCB_VERSION");

/* MSG_KEY_RSP: STATUS takes the MSG_REPORT_RSP values (0, 0x16 invalid parameters, 0x27 invalid key). */
struct snp_key_rsp {
	uint32_t status;                  /* 0x00 */
	uint8_t rsvd[28];                 /* 0x04 */
	uint8_t key[SNP_DERIVED_KEY_LEN]; /* 0x20 */
} __attribute__((packed));

_Static_assert(sizeof(struct snp_key_rsp) == 0x40, "MSG_KEY_RSP");
_Static_assert(offsetof(struct snp_key_rsp, key) == 0x20, "MSG_KEY_RSP DERIVED_KEY");
