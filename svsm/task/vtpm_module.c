/* SPDX-License-Identifier: MIT */
/* The vTPM protocol's back end on the CPL3 module (include/svsm/vtpm_module.h). */
#include "svsm/vtpm_module.h"

#include "lib/string.h"
#include "svsm/console.h"
#include "svsm/errno.h"
#include "svsm/modar.h"
#include "svsm/task.h"

/* TPM 2.0 Part 1/2: a 10-byte header with the big-endian total size at offset 2. */
#define TPM_HDR 10u
#define TPM_MAX 4096u
#define TPM_ST_NO_SESSIONS 0x8001u
#define TPM_RC_COMMAND_SIZE 0x142u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* The module stopped: log why once; every later command fails. */
static int broken(struct vtpm_module *m, const char *what)
{
	const struct task *t = m->task;

	if (!m->broken)
		log_err("vtpm: the module %s (%s): the vTPM is gone", what,
			t->state == TASK_EXITED ? "it exited" : t->why);
	m->broken = true;
	return SVSM_EIO;
}

/* Runs the module until it waits for input again: SVSM_OK, or it stopped. */
static int run_until_waiting(struct vtpm_module *m)
{
	enum task_state s;

	do
		s = task_run(m->task);
	while (s == TASK_READY);
	return s == TASK_WAIT_INPUT ? SVSM_OK : SVSM_EIO;
}

/* One slice: SVSM_OK when it waits for input again, SVSM_EBUSY when the slice ran out. */
static int run_slice(struct vtpm_module *m)
{
	enum task_state s = task_run_slice(m->task, VTPM_SLICE_US);

	if (s == TASK_READY)
		return SVSM_EBUSY;
	return s == TASK_WAIT_INPUT ? SVSM_OK : SVSM_EIO;
}

static int send_command(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t resp_max,
			size_t *resp_len)
{
	struct vtpm_module *m = ctx;
	uint8_t hdr[TPM_HDR];

	if (m->broken)
		return SVSM_EIO;
	if (resp_max < TPM_HDR)
		return SVSM_EINVAL;
	if (m->busy) {
		/* Only the command in flight may go on; it is the guest retrying after BUSY. */
		if (cmd_len != m->inflight_len || memcmp(cmd, m->inflight, cmd_len) != 0) {
			m->busy_answers++;
			return SVSM_EBUSY;
		}
		goto run;
	}
	if (cmd_len < TPM_HDR || cmd_len > TPM_MAX || be32(cmd + 2) != cmd_len) {
		/* As a TPM answers a size it cannot parse; the module's stream stays in step. */
		resp[0] = TPM_ST_NO_SESSIONS >> 8, resp[1] = TPM_ST_NO_SESSIONS & 0xFF;
		put_be32(resp + 2, TPM_HDR);
		put_be32(resp + 6, TPM_RC_COMMAND_SIZE);
		*resp_len = TPM_HDR;
		return SVSM_OK;
	}
	if (task_give_input(m->task, cmd, cmd_len) != SVSM_OK)
		return broken(m, "has unread input");
	memcpy(m->inflight, cmd, cmd_len);
	m->inflight_len = cmd_len;
	m->busy = true;
	m->commands++;
run:;
	int err = run_slice(m);

	if (err == SVSM_EBUSY) {
		m->busy_answers++;
		return SVSM_EBUSY;
	}
	m->busy = false;
	if (err != SVSM_OK)
		return broken(m, "stopped during a command");
	/* Exactly one whole response, and it fits. */
	if (task_take_output(m->task, hdr, TPM_HDR) != TPM_HDR)
		return broken(m, "answered without a response header");
	uint32_t size = be32(hdr + 2);

	if (size < TPM_HDR || size > resp_max || size - TPM_HDR != m->task->out_len)
		return broken(m, "answered with a response of the wrong size");
	memcpy(resp, hdr, TPM_HDR);
	task_take_output(m->task, resp + TPM_HDR, size - TPM_HDR);
	*resp_len = size;
	return SVSM_OK;
}

int vtpm_module_start(struct vtpm_module *m, const uint8_t *archive, size_t archive_size,
		      const char *name, const char **why)
{
	const char *const envp[] = { "OPENSSL_CONF=/nonexistent" };
	const uint8_t *elf;
	size_t size;
	int err;

	memset(m, 0, sizeof(*m));
	*why = modar_find(archive, archive_size, name, &elf, &size);
	if (*why != NULL)
		return SVSM_EINVAL;
	err = task_create(name, elf, size, envp, 1, &m->task, why);
	if (err != SVSM_OK)
		return err;
	if (run_until_waiting(m) != SVSM_OK) {
		*why = m->task->state == TASK_EXITED ? "the module exited during start-up" : m->task->why;
		task_destroy(m->task);
		m->task = NULL;
		return SVSM_EIO;
	}
	m->backend = (struct vtpm_backend){ .send_command = send_command, .manifest = NULL, .ctx = m };
	log_info("vtpm: module %s waiting for commands (%llu user pages, %llu page-table pages)", name,
		 (unsigned long long)m->task->pages, (unsigned long long)m->task->table_pages);
	return SVSM_OK;
}
