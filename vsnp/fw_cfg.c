/* SPDX-License-Identifier: MIT */
/* The firmware configuration device (include/vsnp/fw_cfg.h). */
#include "vsnp/fw_cfg.h"

#include "lib/string.h"
#include "svsm/errno.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static int add(struct vsnp_fw_cfg *f, uint16_t key, const void *data, uint32_t len)
{
	for (unsigned i = 0; i < f->items; i++) {
		if (f->item[i].key == key)
			return SVSM_EEXIST;
	}
	if (f->items == FW_CFG_MAX_ITEMS || len > FW_CFG_DATA_MAX - f->used)
		return SVSM_ENOSPC;
	f->item[f->items].key = key;
	f->item[f->items].start = f->used;
	f->item[f->items].len = len;
	memcpy(f->data + f->used, data, len);
	f->used += len;
	f->items++;
	return SVSM_OK;
}

void vsnp_fw_cfg_init(struct vsnp_fw_cfg *f)
{
	const uint8_t id[4] = { FW_CFG_ID_TRADITIONAL, 0, 0, 0 }; /* little endian */

	memset(f, 0, sizeof(*f));
	add(f, FW_CFG_SIGNATURE, "QEMU", 4);
	add(f, FW_CFG_ID, id, sizeof(id));
}

int vsnp_fw_cfg_add(struct vsnp_fw_cfg *f, uint16_t key, const void *data, uint32_t len)
{
	if (key >= FW_CFG_FILE_FIRST || key == FW_CFG_FILE_DIR)
		return SVSM_EINVAL;
	return add(f, key, data, len);
}

int vsnp_fw_cfg_add_file(struct vsnp_fw_cfg *f, const char *name, const void *data, uint32_t len)
{
	const size_t n = strnlen(name, FW_CFG_FILE_NAME_LEN);
	uint8_t *e = f->dir + 4 + f->files * sizeof(struct fw_cfg_file);
	const uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + f->files);
	int err;

	if (n == 0 || n == FW_CFG_FILE_NAME_LEN)
		return SVSM_EINVAL; /* the name and its NUL must fit the entry */
	for (unsigned i = 0; i < f->files; i++) {
		if (strncmp((const char *)f->dir + 4 + i * sizeof(struct fw_cfg_file) + 8, name, FW_CFG_FILE_NAME_LEN) == 0)
			return SVSM_EEXIST; /* one file per name, as QEMU keeps them */
	}
	if (f->files == FW_CFG_MAX_FILES)
		return SVSM_ENOSPC;
	err = add(f, key, data, len);
	if (err != SVSM_OK)
		return err;
	memset(e, 0, sizeof(struct fw_cfg_file));
	put_be32(e, len);
	put_be16(e + 4, key);
	memcpy(e + 8, name, n);
	f->files++;
	put_be32(f->dir, f->files);
	return SVSM_OK;
}

const char *vsnp_fw_cfg_file_name(const struct vsnp_fw_cfg *f, unsigned i)
{
	return i < f->files ? (const char *)f->dir + 4 + i * sizeof(struct fw_cfg_file) + 8 : "";
}

/* The selected item's byte at the current offset, 0 past its end or for a key with no item. */
static uint8_t next_byte(struct vsnp_fw_cfg *f)
{
	const uint16_t key = f->selector & FW_CFG_KEY_MASK;
	const uint32_t at = f->offset;
	uint8_t b = 0;

	if (key == FW_CFG_FILE_DIR) {
		const uint32_t len = 4 + f->files * (uint32_t)sizeof(struct fw_cfg_file);

		b = at < len ? f->dir[at] : 0;
	} else {
		for (unsigned i = 0; i < f->items; i++) {
			if (f->item[i].key == key && at < f->item[i].len)
				b = f->data[f->item[i].start + at];
			if (f->item[i].key == key && at + 1 == f->item[i].len && key >= FW_CFG_FILE_FIRST)
				f->files_read |= 1u << (key - FW_CFG_FILE_FIRST);
		}
	}
	if (f->offset != UINT32_MAX)
		f->offset++;
	return b;
}

bool vsnp_fw_cfg_io(struct vsnp_fw_cfg *f, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	if (port == FW_CFG_PORT_SEL && size == 2) {
		if (in) {
			*val = 0xFFFF; /* write-only */
		} else {
			f->selector = (uint16_t)*val;
			f->offset = 0;
		}
		return true;
	}
	if (port == FW_CFG_PORT_DATA && size == 1) {
		if (in)
			*val = next_byte(f);
		/* A write to the data register is ignored (fw_cfg.rst: writes were removed in QEMU 2.4). */
		return true;
	}
	return false;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int vsnp_fw_cfg_add_e820(struct vsnp_fw_cfg *f, uint64_t ram_size, const struct fw_cfg_range *reserved, unsigned n)
{
	struct fw_cfg_range r[(FW_CFG_E820_MAX - 1) / 2];
	uint8_t out[FW_CFG_E820_MAX * 20];
	unsigned k = 0;
	uint64_t at = 0;

	if (n > sizeof(r) / sizeof(r[0]))
		return SVSM_ENOSPC;
	for (unsigned i = 0; i < n; i++) {
		if (((reserved[i].gpa | reserved[i].size) & 0xFFF) != 0 || reserved[i].size == 0 ||
		    reserved[i].gpa >= ram_size || reserved[i].size > ram_size - reserved[i].gpa)
			return SVSM_EINVAL;
		r[i] = reserved[i];
	}
	/* In address order (a handful of ranges: insertion sort), then disjoint. */
	for (unsigned i = 1; i < n; i++) {
		for (unsigned j = i; j > 0 && r[j].gpa < r[j - 1].gpa; j--) {
			struct fw_cfg_range t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	}
	for (unsigned i = 0; i <= n; i++) {
		const uint64_t end = i < n ? r[i].gpa : ram_size;

		if (end < at)
			return SVSM_EINVAL; /* overlaps the range before */
		if (end > at) {
			put_le(out + 20 * k, at, 8), put_le(out + 20 * k + 8, end - at, 8);
			put_le(out + 20 * k + 16, FW_CFG_E820_RAM, 4), k++;
		}
		if (i < n) {
			put_le(out + 20 * k, r[i].gpa, 8), put_le(out + 20 * k + 8, r[i].size, 8);
			put_le(out + 20 * k + 16, FW_CFG_E820_RESERVED, 4), k++;
			at = r[i].gpa + r[i].size;
		}
	}
	return vsnp_fw_cfg_add_file(f, "etc/e820", out, 20 * k);
}
