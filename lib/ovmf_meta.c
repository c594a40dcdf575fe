/* SPDX-License-Identifier: MIT */
/* OVMF footer table and SEV metadata checks (include/lib/ovmf_meta.h). */
#include "lib/ovmf_meta.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "svsm/errno.h"

#define PAGE 0x1000u

static const uint8_t footer_guid[16] = OVMF_TABLE_FOOTER_GUID;
static const uint8_t sev_meta_guid[16] = OVMF_SEV_METADATA_GUID;
static const uint8_t reset_block_guid[16] = OVMF_SEV_ES_RESET_BLOCK_GUID;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A refusal: the reason into why, SVSM_EINVAL. */
#define REFUSE(...) (fmt_snprintf(why, OVMF_WHY_LEN, __VA_ARGS__), SVSM_EINVAL)

const char *ovmf_section_name(uint32_t type)
{
	switch (type) {
	case OVMF_SECTION_SNP_SEC_MEM:
		return "SEC memory";
	case OVMF_SECTION_SNP_SECRETS:
		return "secrets page";
	case OVMF_SECTION_CPUID:
		return "CPUID page";
	case OVMF_SECTION_SVSM_CAA:
		return "SVSM calling area";
	case OVMF_SECTION_KERNEL_HASHES:
		return "kernel hashes page";
	default:
		return NULL;
	}
}

/* What the table gives: the ASEV offset and the AP reset value (the last page's entries walked). */
struct table {
	bool has_meta, has_reset;
	uint32_t meta_off, reset;
};

static int walk_table(const uint8_t *tail, struct table *t, char *why)
{
	const size_t foot = PAGE - OVMF_TABLE_FOOTER_END - OVMF_TABLE_ENTRY_TAIL; /* the footer's offset in tail */
	const uint16_t table_len = get16(tail + foot);
	size_t p = foot, left;

	if (memcmp(tail + foot + 2, footer_guid, sizeof(footer_guid)) != 0)
		return REFUSE("no OVMF table footer GUID at 0x%x bytes before the image's end: not an OVMF image",
			      OVMF_TABLE_FOOTER_END + 16);
	if (table_len < OVMF_TABLE_ENTRY_TAIL || table_len > foot + OVMF_TABLE_ENTRY_TAIL)
		return REFUSE("OVMF table length %u is outside %u..%zu (it must fit the image's last page)", table_len,
			      OVMF_TABLE_ENTRY_TAIL, foot + OVMF_TABLE_ENTRY_TAIL);
	left = table_len - OVMF_TABLE_ENTRY_TAIL;
	while (left != 0) {
		uint16_t len;
		const uint8_t *guid, *data;

		if (left < OVMF_TABLE_ENTRY_TAIL)
			return REFUSE("OVMF table: %zu bytes left before an entry's end, fewer than its %u-byte tail", left,
				      OVMF_TABLE_ENTRY_TAIL);
		len = get16(tail + p - OVMF_TABLE_ENTRY_TAIL);
		guid = tail + p - 16;
		if (len < OVMF_TABLE_ENTRY_TAIL || len > left)
			return REFUSE("OVMF table: an entry of length %u where %zu bytes of the table are left", len, left);
		data = tail + p - len;
		if (memcmp(guid, sev_meta_guid, 16) == 0 || memcmp(guid, reset_block_guid, 16) == 0) {
			const bool meta = memcmp(guid, sev_meta_guid, 16) == 0;

			const char *what = meta ? "SEV metadata" : "SEV-ES reset block";

			if (len != OVMF_TABLE_ENTRY_TAIL + 4)
				return REFUSE("OVMF table: the %s entry has %u data bytes, not 4", what,
					      len - OVMF_TABLE_ENTRY_TAIL);
			if (meta ? t->has_meta : t->has_reset)
				return REFUSE("OVMF table: the %s entry appears twice", what);
			if (meta)
				t->has_meta = true, t->meta_off = get32(data);
			else
				t->has_reset = true, t->reset = get32(data);
		}
		/* Other entries (hash table, launch secret, TDX metadata) are not this SVSM's to read. */
		p -= len;
		left -= len;
	}
	if (!t->has_meta)
		return REFUSE("no SEV metadata in OVMF's table (no dc886566-984a-4798-a75e-5585a7bf67cc entry): "
			      "an OVMF built without SEV support");
	return SVSM_OK;
}

static int check_sections(struct ovmf_meta *m, char *why)
{
	uint32_t *one[] = { &m->secrets_gpa, &m->cpuid_gpa, &m->caa_gpa };

	for (unsigned i = 0; i < m->count; i++) {
		const struct ovmf_sev_section *s = &m->sec[i];
		const char *name = ovmf_section_name(s->type);
		uint32_t **slot = NULL;

		if (name == NULL)
			return REFUSE("OVMF SEV metadata: section %u has type 0x%x, which this SVSM does not know", i,
				      s->type);
		if (s->size == 0 || s->gpa % PAGE != 0 || s->size % PAGE != 0)
			return REFUSE("OVMF SEV metadata: section %u (%s, GPA 0x%x, 0x%x bytes) is empty or not page aligned",
				      i, name, s->gpa, s->size);
		if ((uint64_t)s->gpa + s->size > m->fw_gpa)
			return REFUSE("OVMF SEV metadata: section %u (%s, GPA 0x%x, 0x%x bytes) reaches the firmware image "
				      "at 0x%llx", i, name, s->gpa, s->size, (unsigned long long)m->fw_gpa);
		for (unsigned j = 0; j < i; j++) {
			const struct ovmf_sev_section *o = &m->sec[j];

			if (s->gpa < (uint64_t)o->gpa + o->size && o->gpa < (uint64_t)s->gpa + s->size)
				return REFUSE("OVMF SEV metadata: sections %u (GPA 0x%x) and %u (GPA 0x%x) overlap", j, o->gpa,
					      i, s->gpa);
		}
		if (s->type == OVMF_SECTION_SNP_SECRETS)
			slot = &one[0];
		else if (s->type == OVMF_SECTION_CPUID)
			slot = &one[1];
		else if (s->type == OVMF_SECTION_SVSM_CAA)
			slot = &one[2];
		if (slot == NULL)
			continue;
		if (s->size != PAGE)
			return REFUSE("OVMF SEV metadata: section %u (%s) is 0x%x bytes, not one page", i, name, s->size);
		if (**slot != 0)
			return REFUSE("OVMF SEV metadata: section %u is a second %s", i, name);
		**slot = s->gpa;
	}
	if (m->secrets_gpa == 0 || m->cpuid_gpa == 0)
		return REFUSE("OVMF SEV metadata: no %s section", m->secrets_gpa == 0 ? "secrets page" : "CPUID page");
	if (m->caa_gpa == 0)
		return REFUSE("OVMF SEV metadata: no SVSM calling-area section: this OVMF cannot run under an SVSM "
			      "(it needs edk2-stable202405 or later)");
	return SVSM_OK;
}

int ovmf_meta_read(uint64_t image_size, ovmf_read_fn read, void *ctx, struct ovmf_meta *out, char why[OVMF_WHY_LEN])
{
	static uint8_t tail[PAGE]; /* the last page, read once; one reader at a time (the boot CPU, a tool) */
	struct table t = { 0 };
	struct ovmf_sev_metadata h;
	struct ovmf_meta m;
	int err;

	why[0] = '\0';
	memset(&m, 0, sizeof(m));
	if (image_size < OVMF_IMAGE_MIN || image_size > OVMF_IMAGE_MAX || image_size % PAGE != 0)
		return REFUSE("OVMF image of 0x%llx bytes: not whole pages between 4 KiB and 16 MiB",
			      (unsigned long long)image_size);
	m.fw_size = image_size;
	m.fw_gpa = OVMF_IMAGE_END - image_size;
	if (read(ctx, image_size - PAGE, tail, PAGE) != 0) {
		fmt_snprintf(why, OVMF_WHY_LEN, "OVMF image: its last page could not be read");
		return SVSM_EIO;
	}
	err = walk_table(tail, &t, why);
	if (err != SVSM_OK)
		return err;
	if (t.meta_off < sizeof(h) || t.meta_off > image_size)
		return REFUSE("OVMF SEV metadata offset 0x%x (back from the image's end) is outside the 0x%llx-byte image",
			      t.meta_off, (unsigned long long)image_size);
	if (read(ctx, image_size - t.meta_off, &h, sizeof(h)) != 0) {
		fmt_snprintf(why, OVMF_WHY_LEN, "OVMF image: its SEV metadata could not be read");
		return SVSM_EIO;
	}
	if (memcmp(h.sig, OVMF_SEV_METADATA_SIG, 4) != 0 || h.version != OVMF_SEV_METADATA_VERSION)
		return REFUSE("OVMF SEV metadata at 0x%x before the end: not an ASEV block of version 1", t.meta_off);
	if (h.count == 0 || h.count > OVMF_META_SECTIONS_MAX)
		return REFUSE("OVMF SEV metadata: %u sections (1..%u here)", h.count, OVMF_META_SECTIONS_MAX);
	if (h.len != sizeof(h) + h.count * sizeof(struct ovmf_sev_section) || h.len > t.meta_off)
		return REFUSE("OVMF SEV metadata: length %u is not its header and %u sections inside the image", h.len,
			      h.count);
	if (read(ctx, image_size - t.meta_off + sizeof(h), m.sec, h.count * sizeof(struct ovmf_sev_section)) != 0) {
		fmt_snprintf(why, OVMF_WHY_LEN, "OVMF image: its SEV metadata sections could not be read");
		return SVSM_EIO;
	}
	m.count = h.count;
	err = check_sections(&m, why);
	if (err != SVSM_OK)
		return err;
	m.has_ap_reset = t.has_reset;
	m.ap_reset_cs_base = t.reset & 0xFFFF0000u;
	m.ap_reset_ip = (uint16_t)(t.reset & 0xFFFFu);
	*out = m;
	return SVSM_OK;
}
