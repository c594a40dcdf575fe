/* SPDX-License-Identifier: MIT */
/*
 * vTPM latency: the vTPM module (modules/vtpm, over pipes, as the SVSM
 * will drive it) beside swtpm (the same libtpms, over its Unix socket),
 * driven by this one client with the same command bytes in the same run:
 * TPM2_GetRandom(32), TPM2_PCR_Extend(PCR16, SHA-256) and
 * TPM2_CreatePrimary of an ECC P-256 storage key (flushed after each, not
 * timed). The two take turns on one CPU, in runs of 100 commands (a
 * series, as a client sends them) and then command by command (each
 * after the other's, caches cold). Prints median and mean microseconds
 * and the ratio module/swtpm for each, the transport alone (an echo child
 * over pipes and over a Unix socket), then the module's memory (VmHWM) as
 * a host process. Never fails on
 * timing; exits 1 when a TPM answers with an error or cannot be started.
 *   bench_vtpm MODULE [ITERATIONS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXR 4096

struct tpm {
	const char *name;
	int wfd, rfd;
	pid_t pid;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * One TPM 2.0 frame (tag, big-endian size at offset 2) from fd into b,
 * taking what is there in as few reads as it arrives in: both TPMs send a
 * response at once, so this is one read() for either. Its size, or -1 when
 * the stream ends or the size is outside 10..max, or more bytes came than
 * the frame holds (one command is outstanding, so nothing may follow).
 */
static long read_frame(int fd, uint8_t *b, size_t max)
{
	size_t got = 0, size = 0;

	while (got < 10 || got < size) {
		ssize_t r = read(fd, b + got, max - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
		if (got >= 10) {
			size = (uint32_t)b[2] << 24 | b[3] << 16 | b[4] << 8 | b[5];
			if (size < 10 || size > max)
				return -1;
		}
	}
	return got == size ? (long)size : -1;
}

/* One command; the response's return code, or -1 if the TPM is gone. */
static long transact(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t *rlen)
{
	long size;

	if (write(t->wfd, cmd, len) != (ssize_t)len || (size = read_frame(t->rfd, rsp, MAXR)) < 0)
		return -1;
	*rlen = (size_t)size;
	return (long)((uint32_t)rsp[6] << 24 | rsp[7] << 16 | rsp[8] << 8 | rsp[9]);
}

static int start_module(struct tpm *t, const char *path)
{
	int in[2], out[2];

	if (pipe(in) != 0 || pipe(out) != 0)
		return -1;
	t->pid = fork();
	if (t->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->wfd = in[1];
	t->rfd = out[0];
	return t->pid > 0 ? 0 : -1;
}

static int start_swtpm(struct tpm *t, const char *dir)
{
	char srv[256], ctrl[256], state[256];
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	snprintf(srv, sizeof(srv), "type=unixio,path=%s/data", dir);
	snprintf(ctrl, sizeof(ctrl), "type=unixio,path=%s/ctrl", dir);
	snprintf(state, sizeof(state), "dir=%s", dir);
	t->pid = fork();
	if (t->pid == 0) {
		execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", srv, "--ctrl", ctrl, "--tpmstate",
		       state, "--flags", "not-need-init,startup-clear", (char *)NULL);
		_exit(127);
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/data", dir);
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			t->wfd = t->rfd = fd;
			return 0;
		}
		if (fd >= 0)
			close(fd);
		usleep(20000);
	}
	return -1;
}

/*
 * The transport alone: a child that reads each command whole and answers a
 * bare 10-byte success response, over pipes (as the module) or a Unix
 * stream socket (as swtpm). What a TPM costs beyond this is its own work.
 */
static void echo_child(int rfd, int wfd)
{
	static const uint8_t ok[10] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0 };
	uint8_t cmd[MAXR];

	while (read_frame(rfd, cmd, MAXR) >= 0) {
		if (write(wfd, ok, sizeof(ok)) != (ssize_t)sizeof(ok))
			break;
	}
	_exit(0);
}

static int start_echo(struct tpm *t, bool socket_pair)
{
	int in[2], out[2];

	if (socket_pair ? socketpair(AF_UNIX, SOCK_STREAM, 0, in) != 0 : pipe(in) != 0 || pipe(out) != 0)
		return -1;
	t->pid = fork();
	if (t->pid == 0) {
		if (socket_pair) {
			close(in[0]); /* else the child never sees the parent's end close */
			echo_child(in[1], in[1]);
		}
		close(in[1]);
		close(out[0]);
		echo_child(in[0], out[1]);
	}
	if (socket_pair) {
		close(in[1]);
		t->wfd = t->rfd = in[0];
	} else {
		close(in[0]);
		close(out[1]);
		t->wfd = in[1];
		t->rfd = out[0];
	}
	return t->pid > 0 ? 0 : -1;
}

/* TPM 2.0 Part 3 commands as bytes (big endian). */
static const uint8_t STARTUP_CLEAR[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0 };
static const uint8_t GET_RANDOM_32[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7B, 0, 32 };
/* PCR_Extend(PCR16) with a password session, one SHA-256 digest of 0x5A bytes. */
static uint8_t PCR_EXTEND[10 + 4 + 4 + 9 + 4 + 2 + 32] = {
	0x80, 0x02, 0, 0, 0, 65, 0, 0, 0x01, 0x82, /* tag, size, TPM_CC_PCR_Extend */
	0, 0, 0, 16,                               /* PCR handle 16 */
	0, 0, 0, 9,                                /* authorization size */
	0x40, 0, 0, 9, 0, 0, 0, 0, 0,              /* TPM_RS_PW, empty nonce, attrs, empty hmac */
	0, 0, 0, 1, 0, 0x0B,                       /* TPML_DIGEST_VALUES: 1, SHA-256 */
};
/* CreatePrimary under the owner: ECC NIST P-256 restricted decrypt key, AES-128-CFB. */
static const uint8_t CREATE_PRIMARY[] = {
	0x80, 0x02, 0, 0, 0, 67, 0, 0, 0x01, 0x31, /* TPM_CC_CreatePrimary; size patched below */
	0x40, 0, 0, 1,                             /* TPM_RH_OWNER */
	0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0,  /* password session */
	0, 4, 0, 0, 0, 0,                          /* inSensitive: empty userAuth and data */
	0, 26,                                     /* inPublic size */
	0, 0x23, 0, 0x0B, 0, 0x03, 0, 0x72,        /* ECC, SHA-256, fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|decrypt */
	0, 0,                                      /* authPolicy */
	0, 0x06, 0, 128, 0, 0x43,                  /* AES-128 CFB */
	0, 0x10, 0, 0x03, 0, 0x10,                 /* scheme NULL, NIST P-256, kdf NULL */
	0, 0, 0, 0,                                /* unique x, y empty */
	0, 0,                                      /* outsideInfo */
	0, 0, 0, 0,                                /* creationPCR: none */
};

/*
 * Everything (this client, the module, swtpm) on one CPU, the last: on a
 * shared machine the CPUs need not be alike (here CPU 0 ran the same work
 * at half the speed of CPU 1), and the two TPMs must be timed on the same.
 */
static void pin_last_cpu(void)
{
	cpu_set_t set;
	int last = -1;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &set))
			last = c;
	}
	CPU_ZERO(&set);
	CPU_SET(last, &set);
	if (last >= 0 && sched_setaffinity(0, sizeof(set), &set) == 0)
		printf("(client, module and swtpm pinned to CPU %d)\n", last);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct figure {
	double median, mean;
};

/* One timed command (and the untimed flush of the key it made); -1 on a TPM error. */
static int timed(struct tpm *t, const uint8_t *cmd, size_t len, bool flush, double *us)
{
	uint8_t rsp[MAXR];
	size_t rlen;
	double t0 = now_us();
	long rc = transact(t, cmd, len, rsp, &rlen);

	*us = now_us() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench_vtpm: %s answered 0x%lx\n", t->name, rc);
		return -1;
	}
	if (flush) { /* TPM2_FlushContext(objectHandle at offset 10) */
		uint8_t fl[14] = { 0x80, 0x01, 0, 0, 0, 14, 0, 0, 0x01, 0x65 };

		memcpy(fl + 10, rsp + 10, 4);
		if (transact(t, fl, sizeof(fl), rsp, &rlen) != 0) {
			fprintf(stderr, "bench_vtpm: %s could not flush the key\n", t->name);
			return -1;
		}
	}
	return 0;
}

static void summarize(double *lat, int n, struct figure *f)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += lat[i];
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	f->median = lat[n / 2];
	f->mean = sum / n;
}

/*
 * The two TPMs take turns, so drift and noise fall on both alike: in runs
 * of `run` commands each. A run of 1 times every command right after the
 * other TPM's process ran on this CPU (its caches and TLB cold); longer
 * runs time a TPM as a client uses it, a series of commands.
 */
static int measure_pair(struct tpm *a, struct tpm *b, const uint8_t *cmd, size_t len, int iters,
			int run, bool flush, struct figure *fa, struct figure *fb)
{
	double *la = calloc((size_t)iters, sizeof(double)), *lb = calloc((size_t)iters, sizeof(double));
	int err = la == NULL || lb == NULL ? -1 : 0;

	for (int i = 0; err == 0 && i < iters; i += run) {
		int end = i + run < iters ? i + run : iters;

		for (int j = i; err == 0 && j < end; j++)
			err = timed(a, cmd, len, flush, &la[j]);
		for (int j = i; err == 0 && j < end; j++)
			err = timed(b, cmd, len, flush, &lb[j]);
	}
	if (err == 0) {
		summarize(la, iters, fa);
		summarize(lb, iters, fb);
	}
	free(la);
	free(lb);
	return err;
}

static long vm_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	}
	if (f != NULL)
		fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	struct tpm mod = { .name = "module" }, sw = { .name = "swtpm" };
	char dir[] = "/tmp/bench_vtpm.XXXXXX";
	int iters = argc > 2 ? atoi(argv[2]) : 1000;
	uint8_t rsp[MAXR];
	size_t rlen;
	int bad = 0;

	if (argc < 2 || iters < 10) {
		fprintf(stderr, "usage: bench_vtpm MODULE [ITERATIONS >= 10]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	pin_last_cpu();
	memset(PCR_EXTEND + 10 + 4 + 4 + 9 + 4 + 2, 0x5A, 32);
	if (mkdtemp(dir) == NULL || start_module(&mod, argv[1]) != 0 ||
	    transact(&mod, STARTUP_CLEAR, sizeof(STARTUP_CLEAR), rsp, &rlen) != 0) {
		fprintf(stderr, "bench_vtpm: the module %s did not start\n", argv[1]);
		return 1;
	}
	if (start_swtpm(&sw, dir) != 0) {
		fprintf(stderr, "bench_vtpm: swtpm did not start (Debian package swtpm)\n");
		return 1;
	}

	static const struct {
		const char *what;
		const uint8_t *cmd;
		size_t len;
		int div;
		bool flush;
	} ops[] = {
		{ "TPM2_GetRandom(32)", GET_RANDOM_32, sizeof(GET_RANDOM_32), 1, false },
		{ "TPM2_PCR_Extend(16, SHA-256)", PCR_EXTEND, sizeof(PCR_EXTEND), 1, false },
		{ "TPM2_CreatePrimary(ECC P-256)", CREATE_PRIMARY, sizeof(CREATE_PRIMARY), 20, true },
	};
	static const struct {
		const char *what;
		int run;
	} runs[] = {
		{ "in series (each TPM 100 commands in a row, then the other)", 100 },
		{ "strictly alternating (each command right after the other TPM's)", 1 },
	};

	struct tpm ep = { .name = "pipe echo" }, es = { .name = "socket echo" };

	if (start_echo(&ep, false) != 0 || start_echo(&es, true) != 0) {
		fprintf(stderr, "bench_vtpm: the transport-only echo children did not start\n");
		bad = 1;
	}
	printf("vTPM latency, microseconds (median / mean), module over pipes vs swtpm over its socket\n");
	for (unsigned r = 0; !bad && r < sizeof(runs) / sizeof(runs[0]); r++) {
		struct figure a, b;

		printf(" %s:\n", runs[r].what);
		printf("  %-32s %20s %20s %8s\n", "command", "module", "swtpm", "ratio");
		for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			int n = iters / ops[i].div < 10 ? 10 : iters / ops[i].div;

			if (measure_pair(&mod, &sw, ops[i].cmd, ops[i].len, n, runs[r].run, ops[i].flush,
					 &a, &b) != 0) {
				bad = 1;
				break;
			}
			printf("  %-32s %9.1f / %8.1f %9.1f / %8.1f %7.2fx\n", ops[i].what, a.median,
			       a.mean, b.median, b.mean, a.median / b.median);
		}
		if (!bad && measure_pair(&ep, &es, GET_RANDOM_32, sizeof(GET_RANDOM_32), iters,
					 runs[r].run, false, &a, &b) != 0) {
			fprintf(stderr, "bench_vtpm: the transport-only echo children failed\n");
			bad = 1;
		}
		if (!bad)
			printf("  %-32s %9.1f / %8.1f %9.1f / %8.1f   (pipes / Unix socket, no TPM)\n",
			       "transport alone (echo child)", a.median, a.mean, b.median, b.mean);
	}
	printf("  module memory as a host process: VmHWM %ld KiB\n", vm_hwm_kib(mod.pid));
	close(mod.wfd);
	close(mod.rfd);
	close(sw.wfd);
	/* The socket echo first: it was forked later and holds copies of the pipe echo's ends. */
	if (es.pid > 0) {
		close(es.wfd), waitpid(es.pid, NULL, 0);
	}
	if (ep.pid > 0) {
		close(ep.wfd), close(ep.rfd), waitpid(ep.pid, NULL, 0);
	}
	kill(sw.pid, SIGTERM);
	waitpid(mod.pid, NULL, 0);
	waitpid(sw.pid, NULL, 0);
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_vtpm: could not remove %s\n", dir);
	return bad;
}
