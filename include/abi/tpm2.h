/* SPDX-License-Identifier: MIT */
/*
 * The TPM 2.0 constants the SVSM's own commands use (TPM 2.0 Library
 * Specification, Part 2: Structures): the command/response header is
 * 10 bytes, tag then the big-endian total size at offset 2 then the
 * command or response code.
 */
#pragma once

#define TPM2_HDR_SIZE 10u
#define TPM2_ST_NO_SESSIONS 0x8001u    /* §6.9 TPM_ST */
#define TPM2_ST_SESSIONS 0x8002u
#define TPM2_CC_PCR_EXTEND 0x00000182u /* §6.5.2 TPM_CC */
#define TPM2_CC_GET_CAPABILITY 0x0000017Au
#define TPM2_CAP_PCRS 0x00000005u      /* §6.12 TPM_CAP */
#define TPM2_RS_PW 0x40000009u         /* §7.4 TPM_RH: the password session */
#define TPM2_RC_COMMAND_SIZE 0x142u    /* §6.6.3 TPM_RC */
