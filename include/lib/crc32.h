/* SPDX-License-Identifier: MIT */
/* CRC-32 (IEEE 802.3 / zlib), as the IGVM fixed header's checksum uses it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* crc32_update(0, buf, len) is zlib's crc32(0, buf, len); chain calls to continue a CRC. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);
