/* SPDX-License-Identifier: MIT */
/* The kernel ELF, embedded verbatim; KERNEL_ELF is its path (meson.build). */
	.section .kernel_blob, "a"
	.balign 4096
	.incbin KERNEL_ELF
