/* SPDX-License-Identifier: MIT */
/* The in-memory NV store (vtpm_nv.h). */
#include "vtpm_nv.h"

#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_memory.h>

struct blob {
	char name[VTPM_NV_NAME_MAX];
	unsigned char *data; /* NULL: slot free */
	uint32_t len;
};

static struct blob store[VTPM_NV_SLOTS];

static struct blob *find(const char *name)
{
	for (unsigned i = 0; i < VTPM_NV_SLOTS; i++) {
		if (store[i].data != NULL && strcmp(store[i].name, name) == 0)
			return &store[i];
	}
	return NULL;
}

static TPM_RESULT nv_init(void)
{
	return TPM_SUCCESS;
}

/* libtpms frees what this returns with TPM_Free; TPM_RETRY says "no such blob yet". */
static TPM_RESULT nv_load(unsigned char **data, uint32_t *length, uint32_t tpm_number,
			  const char *name)
{
	const struct blob *b = find(name);

	(void)tpm_number;
	*data = NULL;
	*length = 0;
	if (b == NULL)
		return TPM_RETRY;
	if (TPM_Malloc(data, b->len) != TPM_SUCCESS)
		return TPM_FAIL;
	memcpy(*data, b->data, b->len);
	*length = b->len;
	return TPM_SUCCESS;
}

static TPM_RESULT nv_store(const unsigned char *data, uint32_t length, uint32_t tpm_number,
			   const char *name)
{
	struct blob *b = find(name);
	unsigned char *copy;

	(void)tpm_number;
	if (strlen(name) >= VTPM_NV_NAME_MAX)
		return TPM_FAIL;
	for (unsigned i = 0; b == NULL && i < VTPM_NV_SLOTS; i++) {
		if (store[i].data == NULL)
			b = &store[i];
	}
	if (b == NULL)
		return TPM_FAIL; /* more names than libtpms uses: refuse, lose nothing already stored */
	copy = malloc(length == 0 ? 1 : length);
	if (copy == NULL)
		return TPM_FAIL;
	memcpy(copy, data, length);
	free(b->data);
	strcpy(b->name, name);
	b->data = copy;
	b->len = length;
	return TPM_SUCCESS;
}

static TPM_RESULT nv_delete(uint32_t tpm_number, const char *name, TPM_BOOL must_exist)
{
	struct blob *b = find(name);

	(void)tpm_number;
	if (b == NULL)
		return must_exist ? TPM_FAIL : TPM_SUCCESS;
	free(b->data);
	memset(b, 0, sizeof(*b));
	return TPM_SUCCESS;
}

static TPM_RESULT io_init(void)
{
	return TPM_SUCCESS;
}

/* The SVSM's vTPM protocol carries locality 0 only (SVSM spec 58019, vTPM protocol). */
static TPM_RESULT io_locality(TPM_MODIFIER_INDICATOR *locality, uint32_t tpm_number)
{
	(void)tpm_number;
	*locality = 0;
	return TPM_SUCCESS;
}

static TPM_RESULT io_presence(TPM_BOOL *present, uint32_t tpm_number)
{
	(void)tpm_number;
	*present = FALSE;
	return TPM_SUCCESS;
}

void vtpm_nv_callbacks(struct libtpms_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->sizeOfStruct = sizeof(*cb);
	cb->tpm_nvram_init = nv_init;
	cb->tpm_nvram_loaddata = nv_load;
	cb->tpm_nvram_storedata = nv_store;
	cb->tpm_nvram_deletename = nv_delete;
	cb->tpm_io_init = io_init;
	cb->tpm_io_getlocality = io_locality;
	cb->tpm_io_getphysicalpresence = io_presence;
}

uint64_t vtpm_nv_bytes(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < VTPM_NV_SLOTS; i++)
		n += store[i].data != NULL ? store[i].len : 0;
	return n;
}
