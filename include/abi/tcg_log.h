/* SPDX-License-Identifier: MIT */
/*
 * The TCG crypto-agile event log, as the TCG PC Client Platform Firmware
 * Profile Specification (rev. 1.05) defines it: a first TCG_PCR_EVENT in
 * the SHA-1 format whose data is the Spec ID Event (TCG_EfiSpecIdEvent,
 * signature "Spec ID Event03", §9.4.5.1), then one TCG_PCR_EVENT2 per
 * measurement (§9.2.2) with a digest for each PCR bank. All fields are
 * little-endian (the TPM's own commands are big-endian). Event types:
 * §10.4.1 (EV_NO_ACTION 0x3, EV_IPL 0xD). Algorithm IDs: TCG Algorithm
 * Registry (TPM_ALG_SHA1 0x4, SHA256 0xB, SHA384 0xC, SHA512 0xD).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TCG_EV_NO_ACTION 0x00000003u
#define TCG_EV_IPL 0x0000000Du
#define TCG_ALG_SHA1 0x0004u
#define TCG_ALG_SHA256 0x000Bu
#define TCG_ALG_SHA384 0x000Cu
#define TCG_ALG_SHA512 0x000Du
#define TCG_SPEC_ID_SIGNATURE "Spec ID Event03" /* 16 bytes with the NUL */
#define TCG_PLATFORM_CLASS_CLIENT 0u
#define TCG_UINTN_SIZE_64 2u                     /* uintnSize: UINTN is 8 bytes */

/* TCG_PCR_EVENT: the log's first entry (SHA-1 format), event data follows. */
struct tcg_pcr_event {
	uint32_t pcr_index;
	uint32_t event_type;
	uint8_t digest[20];
	uint32_t event_size;
} __attribute__((packed));
_Static_assert(sizeof(struct tcg_pcr_event) == 32, "TCG_PCR_EVENT header size");

/* TCG_EfiSpecIdEvent up to numberOfAlgorithms; digestSizes[] and vendorInfoSize follow. */
struct tcg_spec_id_head {
	char signature[16];
	uint32_t platform_class;
	uint8_t spec_version_minor;
	uint8_t spec_version_major;
	uint8_t spec_errata;
	uint8_t uintn_size;
	uint32_t number_of_algorithms;
} __attribute__((packed));
_Static_assert(sizeof(struct tcg_spec_id_head) == 28, "TCG_EfiSpecIdEvent head size");
_Static_assert(offsetof(struct tcg_spec_id_head, number_of_algorithms) == 24, "numberOfAlgorithms offset");

/* TCG_EfiSpecIdEventAlgorithmSize. */
struct tcg_alg_size {
	uint16_t algorithm_id;
	uint16_t digest_size;
} __attribute__((packed));
_Static_assert(sizeof(struct tcg_alg_size) == 4, "TCG_EfiSpecIdEventAlgorithmSize size");
