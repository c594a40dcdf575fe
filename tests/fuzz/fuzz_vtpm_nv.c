/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the vTPM module's NV image parser
 * (modules/vtpm/vtpm_nv.c, vtpm_nv_load_image), what the module reads on
 * its state channel at start. The SVSM hands it only plaintext that opened
 * under the state key, so a bad image means a bug or a key leak; the parser
 * still treats it as hostile.
 *
 * Input: the image. Invariants: a refused image comes with a reason and
 * leaves the store empty and clean; an accepted image serialises back to
 * exactly its bytes, the store holds as many bytes as its entries' data,
 * is clean, and each entry reads back through libtpms's load callback;
 * storing the same bytes again is no change, storing other bytes is one,
 * and the new image loads back to the same store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_memory.h>

#include "vtpm_nv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_same_image(const uint8_t *data, size_t size)
{
	uint8_t *img = NULL;
	size_t len = 0;

	if (vtpm_nv_serialize(&img, &len) != 0)
		abort();
	if (len != size || memcmp(img, data, size) != 0)
		abort(); /* accepted bytes are not the store's image */
	free(img);
}

/* Walks the accepted image's entries (the parser's bounds already held). */
static void check_entries(struct libtpms_callbacks *cb, const uint8_t *data, size_t size)
{
	size_t o = 12;
	uint32_t count = get32(data + 8);
	uint64_t total = 0;

	for (uint32_t i = 0; i < count; i++) {
		char name[VTPM_NV_NAME_MAX];
		size_t nl = data[o++];
		unsigned char *got = NULL;
		uint32_t got_len = 0, dl;

		memcpy(name, data + o, nl);
		name[nl] = '\0';
		o += nl;
		dl = get32(data + o), o += 4;
		if (cb->tpm_nvram_loaddata(&got, &got_len, 0, name) != TPM_SUCCESS)
			abort();
		if (got_len != dl || (dl != 0 && memcmp(got, data + o, dl) != 0))
			abort();
		TPM_Free(got);
		total += dl;
		o += dl;
	}
	if (o != size || total != vtpm_nv_bytes())
		abort();
}

static void check_store_change(struct libtpms_callbacks *cb, const uint8_t *data)
{
	char name[VTPM_NV_NAME_MAX];
	size_t nl;
	uint32_t dl;
	unsigned char *copy, *img2 = NULL;
	uint8_t *img = NULL;
	size_t len = 0;
	const char *why = NULL;

	if (get32(data + 8) == 0)
		return;
	nl = data[12];
	memcpy(name, data + 13, nl);
	name[nl] = '\0';
	dl = get32(data + 13 + nl);
	copy = malloc(dl + 1u);
	if (copy == NULL)
		abort();
	memcpy(copy, data + 17 + nl, dl);
	if (cb->tpm_nvram_storedata(copy, dl, 0, name) != TPM_SUCCESS || vtpm_nv_dirty())
		abort(); /* the same bytes again changed the store */
	copy[dl] = 0x5a;
	if (cb->tpm_nvram_storedata(copy, dl + 1, 0, name) != TPM_SUCCESS || !vtpm_nv_dirty())
		abort();
	free(copy);
	if (vtpm_nv_serialize(&img, &len) != 0 || vtpm_nv_load_image(img, len, &why) != 0)
		abort(); /* the store's own image refused */
	if (vtpm_nv_serialize(&img2, &len) != 0 || memcmp(img, img2, len) != 0)
		abort();
	free(img);
	free(img2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct libtpms_callbacks cb;
	const char *why = NULL;

	vtpm_nv_callbacks(&cb);
	if (vtpm_nv_load_image(data, size, &why) != 0) {
		if (why == NULL || why[0] == '\0' || vtpm_nv_bytes() != 0 || vtpm_nv_dirty())
			abort();
		return 0;
	}
	if (vtpm_nv_dirty())
		abort();
	check_same_image(data, size);
	check_entries(&cb, data, size);
	check_store_change(&cb, data);
	return 0;
}
