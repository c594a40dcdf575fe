/* SPDX-License-Identifier: MIT */
/* IGVM file checks and iteration (include/lib/igvm.h). */
#include "lib/igvm.h"

#include "lib/crc32.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "svsm/errno.h"

#define FIXED sizeof(struct igvm_fixed_header)
#define PAGE IGVM_PAGE_SIZE

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The payload length each understood type must have (0: not understood). */
static uint32_t body_len(uint32_t type)
{
	switch (type) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		return sizeof(struct igvm_supported_platform);
	case IGVM_VHT_GUEST_POLICY:
		return sizeof(struct igvm_guest_policy);
	case IGVM_VHT_PARAMETER_AREA:
		return sizeof(struct igvm_parameter_area);
	case IGVM_VHT_PAGE_DATA:
		return sizeof(struct igvm_page_data);
	case IGVM_VHT_PARAMETER_INSERT:
		return sizeof(struct igvm_parameter_insert);
	case IGVM_VHT_VP_CONTEXT:
		return sizeof(struct igvm_vp_context);
	case IGVM_VHT_REQUIRED_MEMORY:
		return sizeof(struct igvm_required_memory);
	case IGVM_VHT_VP_COUNT_PARAMETER:
	case IGVM_VHT_SRAT:
	case IGVM_VHT_MADT:
	case IGVM_VHT_MMIO_RANGES:
	case IGVM_VHT_MEMORY_MAP:
	case IGVM_VHT_COMMAND_LINE:
	case IGVM_VHT_SLIT:
	case IGVM_VHT_PPTT:
	case IGVM_VHT_DEVICE_TREE:
	case IGVM_VHT_ENVIRONMENT_INFO_PARAMETER:
		return sizeof(struct igvm_parameter);
	default:
		return 0;
	}
}

/* The bytes a parameter needs at its offset in its area. */
static uint32_t param_need(uint32_t type)
{
	switch (type) {
	case IGVM_VHT_VP_COUNT_PARAMETER:
	case IGVM_VHT_ENVIRONMENT_INFO_PARAMETER:
		return 4;
	case IGVM_VHT_MEMORY_MAP:
		return sizeof(struct igvm_memory_map_entry); /* at least the terminating entry */
	default:
		return 1;
	}
}

/* 0 platform, 1 initialization, 2 directive, -1 none of them. */
static int section_of(uint32_t type)
{
	if (type >= 1 && type <= IGVM_VHT_RANGE_PLATFORM_LAST)
		return 0;
	if (type >= IGVM_VHT_RANGE_INIT_FIRST && type <= IGVM_VHT_RANGE_INIT_LAST)
		return 1;
	if (type >= IGVM_VHT_RANGE_DIRECTIVE_FIRST && type <= IGVM_VHT_RANGE_DIRECTIVE_LAST)
		return 2;
	return -1;
}

struct area {
	uint32_t index;
	uint64_t bytes;
	uint32_t inserted; /* platform masks it was inserted for */
};

struct check {
	struct igvm_file *f;
	char *why;
	struct area area[IGVM_MAX_PARAM_AREAS];
	unsigned nareas;
	uint64_t vps[IGVM_MAX_PLATFORMS]; /* VP indices seen, per platform */
	unsigned vp_count[IGVM_MAX_PLATFORMS];
};

static int bad(struct check *c, uint32_t at, const char *what, uint64_t value)
{
	fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: %s (0x%llx)", at, what,
		     (unsigned long long)value);
	return SVSM_EINVAL;
}

static int mask_ok(struct check *c, uint32_t at, uint32_t mask)
{
	if (mask == 0 || (mask & ~c->f->masks) != 0)
		return bad(c, at, "compatibility mask names no declared platform", mask);
	return SVSM_OK;
}

static int gpa_ok(struct check *c, uint32_t at, uint64_t gpa, uint64_t len)
{
	if ((gpa & (PAGE - 1)) != 0 || (len & (PAGE - 1)) != 0 || len == 0)
		return bad(c, at, "GPA or size not page aligned", gpa);
	if (gpa >= IGVM_MAX_GPA || len > IGVM_MAX_GPA - gpa)
		return bad(c, at, "GPA range beyond 52 bits", gpa);
	return SVSM_OK;
}

/* A file_offset: 0 (none) or inside the file data section. */
static int data_ok(struct check *c, uint32_t at, uint32_t off, uint32_t need)
{
	if (off == 0)
		return SVSM_OK;
	if (off < c->f->vh_end || off >= c->f->size || need > c->f->size - off)
		return bad(c, at, "file data offset outside the file data section", off);
	return SVSM_OK;
}

static struct area *find_area(struct check *c, uint32_t index)
{
	for (unsigned i = 0; i < c->nareas; i++) {
		if (c->area[i].index == index)
			return &c->area[i];
	}
	return NULL;
}

static int platform(struct check *c, uint32_t at, const uint8_t *b)
{
	struct igvm_supported_platform p;
	struct igvm_file *f = c->f;

	memcpy(&p, b, sizeof(p));
	if (p.compatibility_mask == 0 || (p.compatibility_mask & (p.compatibility_mask - 1)) != 0)
		return bad(c, at, "platform mask is not exactly one bit", p.compatibility_mask);
	if ((f->masks & p.compatibility_mask) != 0)
		return bad(c, at, "platform mask declared twice", p.compatibility_mask);
	if (p.platform_type > IGVM_PLATFORM_TYPE_LAST)
		return bad(c, at, "unknown platform type", p.platform_type);
	if (p.platform_version != IGVM_PLATFORM_VERSION)
		return bad(c, at, "unknown platform version", p.platform_version);
	if (p.platform_type == IGVM_PLATFORM_SEV_SNP && p.highest_vtl > 3)
		return bad(c, at, "SNP highest VMPL above 3", p.highest_vtl);
	if (f->nplatforms == IGVM_MAX_PLATFORMS) {
		bad(c, at, "more platforms than this loader keeps", IGVM_MAX_PLATFORMS);
		return SVSM_ENOSPC;
	}
	f->platform[f->nplatforms++] = (struct igvm_platform){ p.compatibility_mask, p.platform_type,
							       p.highest_vtl, p.shared_gpa_boundary };
	f->masks |= p.compatibility_mask;
	return SVSM_OK;
}

static int vp_context(struct check *c, uint32_t at, const uint8_t *b)
{
	struct igvm_vp_context v;
	int err;

	memcpy(&v, b, sizeof(v));
	if ((err = mask_ok(c, at, v.compatibility_mask)) != SVSM_OK || (err = gpa_ok(c, at, v.gpa, PAGE)) != SVSM_OK)
		return err;
	if (v.file_offset == 0 || v.reserved != 0)
		return bad(c, at, "VP context without data, or reserved field set", v.file_offset);
	if ((err = data_ok(c, at, v.file_offset, PAGE)) != SVSM_OK)
		return err;
	if (v.vp_index >= IGVM_MAX_VPS) {
		bad(c, at, "VP index beyond this loader's limit", v.vp_index);
		return SVSM_ENOSPC;
	}
	for (unsigned i = 0; i < c->f->nplatforms; i++) {
		if (!(c->f->platform[i].mask & v.compatibility_mask))
			continue;
		if (c->vps[i] & (1ull << v.vp_index))
			return bad(c, at, "VP index given a context twice", v.vp_index);
		c->vps[i] |= 1ull << v.vp_index;
		c->vp_count[i]++;
	}
	return SVSM_OK;
}

static int directive(struct check *c, uint32_t at, uint32_t type, const uint8_t *b)
{
	int err;

	switch (type) {
	case IGVM_VHT_GUEST_POLICY: {
		struct igvm_guest_policy p;

		memcpy(&p, b, sizeof(p));
		if (p.reserved != 0)
			return bad(c, at, "guest policy reserved field set", p.reserved);
		return mask_ok(c, at, p.compatibility_mask);
	}
	case IGVM_VHT_PARAMETER_AREA: {
		struct igvm_parameter_area a;

		memcpy(&a, b, sizeof(a));
		if (a.number_of_bytes == 0 || (a.number_of_bytes & (PAGE - 1)) != 0 || a.number_of_bytes > (1ull << 30))
			return bad(c, at, "parameter area size not a page multiple up to 1 GiB", a.number_of_bytes);
		if (find_area(c, a.parameter_area_index) != NULL)
			return bad(c, at, "parameter area index declared twice", a.parameter_area_index);
		if ((err = data_ok(c, at, a.file_offset, 1)) != SVSM_OK)
			return err;
		if (c->nareas == IGVM_MAX_PARAM_AREAS) {
			bad(c, at, "more parameter areas than this loader keeps", IGVM_MAX_PARAM_AREAS);
			return SVSM_ENOSPC;
		}
		c->area[c->nareas++] = (struct area){ a.parameter_area_index, a.number_of_bytes, 0 };
		return SVSM_OK;
	}
	case IGVM_VHT_PAGE_DATA: {
		struct igvm_page_data p;

		memcpy(&p, b, sizeof(p));
		if ((err = mask_ok(c, at, p.compatibility_mask)) != SVSM_OK || (err = gpa_ok(c, at, p.gpa, PAGE)) != SVSM_OK)
			return err;
		if ((p.flags & ~IGVM_PAGE_FLAGS_KNOWN) != 0 || p.reserved != 0)
			return bad(c, at, "page data flags or reserved field unknown", p.flags);
		if (p.flags & IGVM_PAGE_FLAG_2MB)
			return bad(c, at, "2 MiB page data is not supported by this loader", p.gpa);
		if (p.data_type > IGVM_PAGE_DATA_CPUID_XF)
			return bad(c, at, "unknown page data type", p.data_type);
		return data_ok(c, at, p.file_offset, 1);
	}
	case IGVM_VHT_PARAMETER_INSERT: {
		struct igvm_parameter_insert p;
		struct area *a;

		memcpy(&p, b, sizeof(p));
		if ((err = mask_ok(c, at, p.compatibility_mask)) != SVSM_OK)
			return err;
		a = find_area(c, p.parameter_area_index);
		if (a == NULL)
			return bad(c, at, "insert of a parameter area never declared", p.parameter_area_index);
		if ((a->inserted & p.compatibility_mask) != 0)
			return bad(c, at, "parameter area inserted twice", p.parameter_area_index);
		if ((err = gpa_ok(c, at, p.gpa, a->bytes)) != SVSM_OK)
			return err;
		a->inserted |= p.compatibility_mask;
		return SVSM_OK;
	}
	case IGVM_VHT_VP_CONTEXT:
		return vp_context(c, at, b);
	case IGVM_VHT_REQUIRED_MEMORY: {
		struct igvm_required_memory r;

		memcpy(&r, b, sizeof(r));
		if ((err = mask_ok(c, at, r.compatibility_mask)) != SVSM_OK)
			return err;
		if ((r.flags & ~IGVM_REQUIRED_MEMORY_VTL2_PROTECTABLE) != 0 || r.reserved != 0)
			return bad(c, at, "required memory flags or reserved field unknown", r.flags);
		return gpa_ok(c, at, r.gpa, r.number_of_bytes);
	}
	default: { /* the parameters: where in which area the loader writes a value */
		struct igvm_parameter p;
		struct area *a;

		memcpy(&p, b, sizeof(p));
		a = find_area(c, p.parameter_area_index);
		if (a == NULL || a->inserted != 0)
			return bad(c, at, "parameter in an area not declared, or already inserted", p.parameter_area_index);
		if (p.byte_offset >= a->bytes || param_need(type) > a->bytes - p.byte_offset)
			return bad(c, at, "parameter does not fit its area", p.byte_offset);
		return SVSM_OK;
	}
	}
}

/*
 * The pages a header loads into guest memory for platform p, appended to
 * gpas. SVSM_ENOSPC when they do not fit; SVSM_EINVAL for a page of data
 * at the GPA where an SNP launch measures the VMSA (SEV-SNP ABI 56860
 * SNP ABI §8.17: KVM and the PSP put every VMSA there), which no loader could
 * give both.
 */
static int add_pages(const struct igvm_header *h, const struct igvm_platform *p_, const struct check *c,
		     uint64_t *gpas, size_t max, size_t *n)
{
	uint32_t mask = p_->mask;
	bool snp = p_->type == IGVM_PLATFORM_SEV_SNP;
	uint64_t gpa = 0, bytes = 0;

	if (h->type == IGVM_VHT_PAGE_DATA) {
		struct igvm_page_data p;

		memcpy(&p, h->body, sizeof(p));
		if (p.compatibility_mask & mask)
			gpa = p.gpa, bytes = PAGE;
	} else if (h->type == IGVM_VHT_VP_CONTEXT) {
		struct igvm_vp_context v;

		memcpy(&v, h->body, sizeof(v));
		if (v.compatibility_mask & mask)
			gpa = v.gpa, bytes = PAGE;
	} else if (h->type == IGVM_VHT_PARAMETER_INSERT) {
		struct igvm_parameter_insert p;

		memcpy(&p, h->body, sizeof(p));
		for (unsigned i = 0; i < c->nareas && (p.compatibility_mask & mask); i++) {
			if (c->area[i].index == p.parameter_area_index)
				gpa = p.gpa, bytes = c->area[i].bytes;
		}
	}
	for (uint64_t off = 0; off < bytes; off += PAGE) {
		if (snp && h->type != IGVM_VHT_VP_CONTEXT && gpa + off == IGVM_SNP_VMSA_GPA) {
			fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM header at offset 0x%x: a page at GPA 0x%llx, where the SNP "
				     "launch measures the VMSA", h->offset, (unsigned long long)(gpa + off));
			return SVSM_EINVAL;
		}
		if (*n == max) {
			fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM file loads more than %zu pages for platform mask 0x%x "
				     "(this loader's limit)", max, mask);
			return SVSM_ENOSPC;
		}
		gpas[(*n)++] = gpa + off;
	}
	return SVSM_OK;
}

static void sift(uint64_t *a, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		uint64_t t = a[root];

		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heapsort(uint64_t *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(a, i, n);
	for (size_t end = n; end-- > 1;) {
		uint64_t t = a[0];

		a[0] = a[end];
		a[end] = t;
		sift(a, 0, end);
	}
}

/* No guest page is loaded twice for one platform (PAGE_DATA, VP context pages, inserted areas). */
static int overlaps(struct check *c, uint64_t *scratch, size_t scratch_n)
{
	for (unsigned i = 0; i < c->f->nplatforms; i++) {
		uint32_t mask = c->f->platform[i].mask, cursor = 0;
		struct igvm_header h;
		size_t n = 0;

		while (igvm_next(c->f, &cursor, &h)) {
			int err = add_pages(&h, &c->f->platform[i], c, scratch, scratch_n, &n);

			if (err != SVSM_OK)
				return err;
		}
		heapsort(scratch, n);
		for (size_t k = 1; k < n; k++) {
			if (scratch[k] == scratch[k - 1]) {
				fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM file loads the page at GPA 0x%llx twice for platform mask 0x%x",
					     (unsigned long long)scratch[k], mask);
				return SVSM_EINVAL;
			}
		}
		/* VP indices 0..n-1, each once (IGVM_VHS_VP_CONTEXT). */
		if (c->vp_count[i] != 0 && c->vps[i] != (c->vp_count[i] == 64 ? ~0ull : (1ull << c->vp_count[i]) - 1)) {
			fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM VP contexts for platform mask 0x%x leave a gap in the VP indices",
				     mask);
			return SVSM_EINVAL;
		}
	}
	return SVSM_OK;
}

bool igvm_next(const struct igvm_file *f, uint32_t *cursor, struct igvm_header *h)
{
	uint32_t at = *cursor == 0 ? f->vh_off : *cursor;

	if (at + sizeof(struct igvm_vh) > f->vh_end)
		return false;
	uint32_t raw = rd32(f->buf + at), len = rd32(f->buf + at + 4);

	h->type = raw & ~IGVM_VHT_OPTIONAL;
	h->optional = (raw & IGVM_VHT_OPTIONAL) != 0;
	h->known = body_len(h->type) != 0 || h->type == IGVM_VHT_SNP_ID_BLOCK || h->type == IGVM_VHT_ERROR_RANGE;
	h->offset = at;
	h->length = len;
	h->body = f->buf + at + sizeof(struct igvm_vh);
	*cursor = at + (uint32_t)sizeof(struct igvm_vh) + ((len + 7) & ~7u);
	return true;
}

/* The variable headers: framing, sections, each body. */
static int headers(struct check *c)
{
	struct igvm_file *f = c->f;
	int section = 0;
	uint32_t at = f->vh_off;

	while (at < f->vh_end) {
		if (f->vh_end - at < sizeof(struct igvm_vh))
			return bad(c, at, "variable header cut short", f->vh_end - at);
		uint32_t raw = rd32(f->buf + at), len = rd32(f->buf + at + 4);
		uint32_t type = raw & ~IGVM_VHT_OPTIONAL;
		uint64_t padded = ((uint64_t)len + 7) & ~7ull;
		const uint8_t *b = f->buf + at + sizeof(struct igvm_vh);

		if (padded > f->vh_end - at - sizeof(struct igvm_vh))
			return bad(c, at, "variable header runs past the variable header section", len);
		for (uint64_t i = len; i < padded; i++) {
			if (b[i] != 0)
				return bad(c, at, "non-zero padding after a variable header", b[i]);
		}
		int s = section_of(type);

		if (s < 0 && !(raw & IGVM_VHT_OPTIONAL))
			return bad(c, at, "variable header type in no section", type);
		if (s >= 0 && s < section)
			return bad(c, at, "variable header goes back to an earlier section", type);
		if (s >= 0)
			section = s;
		uint32_t want = body_len(type);
		int err = SVSM_OK;

		if (type == IGVM_VHT_SNP_ID_BLOCK || type == IGVM_VHT_ERROR_RANGE) {
			/* Understood enough to check its mask (the first u32 of the ID block, the third of the error range). */
			uint32_t need = type == IGVM_VHT_SNP_ID_BLOCK ? 0x2B8 : 16;

			if (len != need)
				return bad(c, at, "variable header has the wrong length for its type", len);
			err = mask_ok(c, at, rd32(b + (type == IGVM_VHT_SNP_ID_BLOCK ? 0 : 8)));
		} else if (want == 0) {
			if (!(raw & IGVM_VHT_OPTIONAL))
				return bad(c, at, "variable header type not supported by this loader (and not optional)", type);
		} else if (len != want) {
			return bad(c, at, "variable header has the wrong length for its type", len);
		} else if (type == IGVM_VHT_SUPPORTED_PLATFORM) {
			err = platform(c, at, b);
		} else {
			if (f->nplatforms == 0)
				return bad(c, at, "initialization or directive before any supported platform", type);
			err = directive(c, at, type, b);
		}
		if (err != SVSM_OK)
			return err;
		f->headers++;
		at += sizeof(struct igvm_vh) + (uint32_t)padded;
	}
	if (f->nplatforms == 0) {
		fmt_snprintf(c->why, IGVM_WHY_LEN, "IGVM file declares no supported platform");
		return SVSM_EINVAL;
	}
	return SVSM_OK;
}

int igvm_open(struct igvm_file *f, const void *buf, size_t size, uint64_t *scratch, size_t scratch_n, char *why)
{
	static struct check c; /* one file at a time: the loader is not reentrant */
	struct igvm_fixed_header h;

	memset(f, 0, sizeof(*f));
	memset(&c, 0, sizeof(c));
	c.f = f;
	c.why = why;
	why[0] = '\0';
	if (size < FIXED) {
		fmt_snprintf(why, IGVM_WHY_LEN, "IGVM file of %zu bytes: shorter than its fixed header", size);
		return SVSM_EINVAL;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != IGVM_MAGIC) {
		fmt_snprintf(why, IGVM_WHY_LEN, "not an IGVM file (magic 0x%x)", h.magic);
		return SVSM_EINVAL;
	}
	if (h.format_version != IGVM_FORMAT_VERSION_1) {
		fmt_snprintf(why, IGVM_WHY_LEN, "IGVM format version %u: only version 1 is read (2 is not stable)",
			     h.format_version);
		return SVSM_EINVAL;
	}
	if (h.total_file_size != size) {
		fmt_snprintf(why, IGVM_WHY_LEN, "IGVM file is %zu bytes but its header says %u (truncated, or data after it)",
			     size, h.total_file_size);
		return SVSM_EINVAL;
	}
	if (h.variable_header_offset < FIXED || (h.variable_header_offset & 7) != 0 || h.variable_header_size == 0 ||
	    (uint64_t)h.variable_header_offset + h.variable_header_size > size) {
		fmt_snprintf(why, IGVM_WHY_LEN, "IGVM variable headers at 0x%x, 0x%x bytes: misaligned or outside the file",
			     h.variable_header_offset, h.variable_header_size);
		return SVSM_EINVAL;
	}
	uint32_t sum = h.checksum;

	h.checksum = 0;
	uint32_t crc = crc32_update(0, &h, sizeof(h));

	crc = crc32_update(crc, (const uint8_t *)buf + h.variable_header_offset, h.variable_header_size);
	if (crc != sum) {
		fmt_snprintf(why, IGVM_WHY_LEN, "IGVM checksum 0x%08x, but the headers give 0x%08x", sum, crc);
		return SVSM_EINVAL;
	}
	f->buf = buf;
	f->size = (uint32_t)size;
	f->vh_off = h.variable_header_offset;
	f->vh_end = h.variable_header_offset + h.variable_header_size;
	int err = headers(&c);

	if (err == SVSM_OK)
		err = overlaps(&c, scratch, scratch_n);
	if (err != SVSM_OK)
		memset(f, 0, sizeof(*f));
	return err;
}

const struct igvm_platform *igvm_platform_of(const struct igvm_file *f, unsigned type)
{
	for (unsigned i = 0; i < f->nplatforms; i++) {
		if (f->platform[i].type == type)
			return &f->platform[i];
	}
	return NULL;
}

void igvm_page(const struct igvm_file *f, uint32_t file_offset, uint8_t page[IGVM_PAGE_SIZE])
{
	memset(page, 0, PAGE);
	if (file_offset == 0 || file_offset >= f->size)
		return;
	uint32_t n = f->size - file_offset < PAGE ? f->size - file_offset : PAGE;

	memcpy(page, f->buf + file_offset, n);
}

size_t igvm_scratch_bound(const void *buf, size_t size)
{
	struct igvm_fixed_header h;
	size_t vh = size;

	if (size >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		vh = h.variable_header_size < size ? h.variable_header_size : size;
	}
	return vh / (sizeof(struct igvm_vh) + sizeof(struct igvm_parameter_insert)) + 64;
}
