/* SPDX-License-Identifier: MIT */
/*
 * A test module: a static glibc program that uses the syscalls a module
 * needs (those glibc's start-up makes, brk and mmap through malloc,
 * getrandom, clock_gettime, read, write, exit_group), so the CPL3 loader
 * and the syscall personality can be checked with a real binary. It
 * reads fd 0 to its end and writes back every byte plus one to fd 1,
 * logs to fd 2, and exits with status 7 when every step worked (1 when
 * one failed). Built both ET_EXEC (testmod) and static-PIE (testmod-pie).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static unsigned char buf[4096];
	unsigned char rnd[16] = { 0 };
	struct timespec ts;
	size_t total = 0;
	ssize_t n;

	fprintf(stderr, "testmod: %s, %d argument(s), environment %s\n", argv[0], argc,
		getenv("SVSM_MODULE") != NULL ? getenv("SVSM_MODULE") : "(none)");
	/* malloc: small from brk, large from mmap. */
	char *small = malloc(100), *large = malloc(1 << 20);

	if (small == NULL || large == NULL)
		return 1;
	memset(large, 0x5A, 1 << 20);
	if (large[(1 << 20) - 1] != 0x5A)
		return 1;
	free(large);
	free(small);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) || clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 1;
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			buf[i]++;
		if (write(1, buf, (size_t)n) != n)
			return 1;
		total += (size_t)n;
	}
	fprintf(stderr, "testmod: echoed %zu bytes; done\n", total);
	return n == 0 ? 7 : 1;
}
