/* SPDX-License-Identifier: MIT */
/* Host buffers behind vsnp's block device model in host tests (vblk_fixture.h). */
#include "vblk_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

static bool in_shared(const struct vblk_fixture *f, uint64_t gpa, size_t len)
{
	return gpa >= f->shared_gpa && len <= f->shared_len && gpa - f->shared_gpa <= f->shared_len - len;
}

bool vblk_fixture_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const struct vblk_fixture *f = ctx;

	if (!in_shared(f, gpa, len))
		return false;
	memcpy(buf, f->shared + (gpa - f->shared_gpa), len);
	return true;
}

bool vblk_fixture_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	const struct vblk_fixture *f = ctx;

	if (!in_shared(f, gpa, len))
		return false;
	memcpy(f->shared + (gpa - f->shared_gpa), buf, len);
	return true;
}

int vblk_fixture_disk_read(void *ctx, uint64_t sector, void *buf, size_t len)
{
	const struct vblk_fixture *f = ctx;

	assert_true(sector * 512 + len <= f->sectors * 512);
	if (f->fail)
		return -1;
	memcpy(buf, f->disk + sector * 512, len);
	return 0;
}

int vblk_fixture_disk_write(void *ctx, uint64_t sector, const void *buf, size_t len)
{
	const struct vblk_fixture *f = ctx;

	assert_true(sector * 512 + len <= f->sectors * 512);
	if (f->fail)
		return -1;
	memcpy(f->disk + sector * 512, buf, len);
	return 0;
}

int vblk_fixture_disk_flush(void *ctx)
{
	return ((const struct vblk_fixture *)ctx)->fail ? -1 : 0;
}
