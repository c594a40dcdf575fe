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
static bool dirty;
static const uint8_t image_magic[8] = { 'V', 'T', 'P', 'M', 'N', 'V', 0, 1 };

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
	/* An empty blob could never be loaded back (TPM_Malloc refuses 0 bytes): refuse it now. */
	if (strlen(name) >= VTPM_NV_NAME_MAX || length == 0)
		return TPM_FAIL;
	for (unsigned i = 0; b == NULL && i < VTPM_NV_SLOTS; i++) {
		if (store[i].data == NULL)
			b = &store[i];
	}
	if (b == NULL)
		return TPM_FAIL; /* more names than libtpms uses: refuse, lose nothing already stored */
	copy = malloc(length);
	if (copy == NULL)
		return TPM_FAIL;
	memcpy(copy, data, length);

	if (b->data != NULL && b->len == length && memcmp(b->data, data, length) == 0) {
		free(copy); /* the same bytes again: nothing to keep anew */
		return TPM_SUCCESS;
	}
	free(b->data);
	strcpy(b->name, name);
	b->data = copy;
	b->len = length;
	dirty = true;
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
	dirty = true;
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

bool vtpm_nv_dirty(void)
{
	return dirty;
}

void vtpm_nv_clean(void)
{
	dirty = false;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int vtpm_nv_serialize(uint8_t **img, size_t *len)
{
	size_t n = sizeof(image_magic) + 4, o = 0;
	uint32_t count = 0;
	uint8_t *p;

	for (unsigned i = 0; i < VTPM_NV_SLOTS; i++) {
		if (store[i].data != NULL) {
			n += 1 + strlen(store[i].name) + 4 + store[i].len;
			count++;
		}
	}
	p = malloc(n);
	if (p == NULL)
		return -1;
	memcpy(p, image_magic, sizeof(image_magic)), o += sizeof(image_magic);
	put32(p + o, count), o += 4;
	for (unsigned i = 0; i < VTPM_NV_SLOTS; i++) {
		const struct blob *b = &store[i];
		const size_t nl = strlen(b->name);

		if (b->data == NULL)
			continue;
		p[o++] = (uint8_t)nl;
		memcpy(p + o, b->name, nl), o += nl;
		put32(p + o, b->len), o += 4;
		memcpy(p + o, b->data, b->len), o += b->len;
	}
	*img = p;
	*len = o;
	return 0;
}

static void store_clear(void)
{
	for (unsigned i = 0; i < VTPM_NV_SLOTS; i++) {
		free(store[i].data);
		memset(&store[i], 0, sizeof(store[i]));
	}
}

static int refuse(const char *msg, const char **why)
{
	store_clear();
	*why = msg;
	return -1;
}

int vtpm_nv_load_image(const uint8_t *img, size_t len, const char **why)
{
	size_t o = sizeof(image_magic) + 4;
	uint32_t count;

	store_clear();
	if (len < o || memcmp(img, image_magic, sizeof(image_magic)) != 0)
		return refuse("not an NV image of format 1 (magic)", why);
	count = get32(img + sizeof(image_magic));
	if (count > VTPM_NV_SLOTS)
		return refuse("more entries than the store has slots", why);
	for (uint32_t i = 0; i < count; i++) {
		struct blob *b = &store[i];
		size_t nl;
		uint32_t dl;

		if (len - o < 1)
			return refuse("cut short in an entry's name length", why);
		nl = img[o++];
		if (nl == 0 || nl >= VTPM_NV_NAME_MAX || len - o < nl + 4)
			return refuse("an entry's name is empty, too long or cut short", why);
		if (memchr(img + o, 0, nl) != NULL)
			return refuse("an entry's name holds a NUL", why);
		memcpy(b->name, img + o, nl);
		b->name[nl] = '\0';
		o += nl;
		for (uint32_t j = 0; j < i; j++) {
			if (strcmp(store[j].name, b->name) == 0)
				return refuse("an entry's name appears twice", why);
		}
		dl = get32(img + o), o += 4;
		if (dl == 0)
			return refuse("an entry's data is empty", why);
		if (len - o < dl)
			return refuse("an entry's data is cut short", why);
		b->data = malloc(dl);
		if (b->data == NULL)
			return refuse("no memory for the entries", why);
		memcpy(b->data, img + o, dl);
		b->len = dl;
		o += dl;
	}
	if (o != len)
		return refuse("bytes after the last entry", why);
	dirty = false;
	return 0;
}
