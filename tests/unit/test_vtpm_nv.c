/* SPDX-License-Identifier: MIT */
/*
 * The vTPM module's NV image (modules/vtpm/vtpm_nv.c): what the module
 * writes on its state channel loads back the same; every malformed image
 * (the plaintext is authenticated before the module sees it, but the
 * parser takes nothing on trust) is refused with its reason and leaves
 * the store empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libtpms/tpm_library.h>

#include "vtpm_nv.h"

static struct libtpms_callbacks cb;

static void put(const char *name, const char *data)
{
	assert_int_equal(cb.tpm_nvram_storedata((const unsigned char *)data, (uint32_t)strlen(data), 0, name), 0);
}

static void test_round_trip(void **state)
{
	uint8_t *img = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	const char *why = NULL;
	unsigned char *data = NULL;
	uint32_t dl = 0;

	(void)state;
	vtpm_nv_callbacks(&cb);
	put("permall", "the persistent state");
	put("savestate", "x");
	assert_true(vtpm_nv_dirty());
	assert_int_equal(vtpm_nv_serialize(&img, &len), 0);
	vtpm_nv_clean();
	put("permall", "the persistent state"); /* the same bytes: not a change */
	assert_false(vtpm_nv_dirty());
	assert_int_equal(vtpm_nv_load_image(img, len, &why), 0);
	assert_false(vtpm_nv_dirty());
	assert_int_equal(cb.tpm_nvram_loaddata(&data, &dl, 0, "permall"), 0);
	assert_int_equal(dl, 20);
	assert_memory_equal(data, "the persistent state", 20);
	free(data);
	assert_int_equal(vtpm_nv_serialize(&again, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, img, len);
	free(again);
	free(img);
	/* An empty blob is refused (it could not be loaded back); what was stored stays. */
	vtpm_nv_clean();
	assert_int_not_equal(cb.tpm_nvram_storedata((const unsigned char *)"", 0, 0, "permall"), 0);
	assert_false(vtpm_nv_dirty());
	assert_int_equal(cb.tpm_nvram_loaddata(&data, &dl, 0, "permall"), 0);
	assert_int_equal(dl, 20);
	free(data);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *what;
		const char *bytes;
		size_t len;
		const char *reason; /* a part of the sentence it must give */
	} rows[] = {
		{ "empty", "", 0, "magic" },
		{ "bad magic", "VTPMNV\0\2\0\0\0\0", 12, "magic" },
		{ "too many entries", "VTPMNV\0\1\x09\0\0\0", 12, "more entries" },
		{ "cut in a name length", "VTPMNV\0\1\1\0\0\0", 12, "name length" },
		{ "an empty name", "VTPMNV\0\1\1\0\0\0\0\0\0\0\0", 17, "name is empty" },
		{ "a name with a NUL", "VTPMNV\0\1\1\0\0\0\2a\0\1\0\0\0x", 20, "NUL" },
		{ "data cut short", "VTPMNV\0\1\1\0\0\0\1a\5\0\0\0xy", 19, "cut short" },
		{ "a name twice", "VTPMNV\0\1\2\0\0\0\1a\1\0\0\0x\1a\1\0\0\0y", 26, "twice" },
		{ "bytes after the last entry", "VTPMNV\0\1\0\0\0\0z", 13, "after the last" },
		{ "a name too long", "VTPMNV\0\1\1\0\0\0\x40", 13, "too long" },
		/* libtpms never stores an empty blob and cannot take one back (TPM_Malloc(0) fails). */
		{ "empty data", "VTPMNV\0\1\1\0\0\0\1a\0\0\0\0", 18, "data is empty" },
	};
	const char *why;
	unsigned char *data = NULL;
	uint32_t dl = 0;

	(void)state;
	vtpm_nv_callbacks(&cb);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		put("permall", "kept before");
		why = NULL;
		if (vtpm_nv_load_image((const uint8_t *)rows[i].bytes, rows[i].len, &why) != -1 || why == NULL)
			fail_msg("%s: not refused", rows[i].what);
		if (strstr(why, rows[i].reason) == NULL)
			fail_msg("%s: refused for another reason: %s", rows[i].what, why);
		assert_int_equal(vtpm_nv_bytes(), 0); /* nothing half loaded */
		assert_int_not_equal(cb.tpm_nvram_loaddata(&data, &dl, 0, "permall"), 0);
	}
	/* The smallest good image: no entries. */
	assert_int_equal(vtpm_nv_load_image((const uint8_t *)"VTPMNV\0\1\0\0\0\0", 12, &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
