/* SPDX-License-Identifier: MIT */
/*
 * The guest's I/O ports: every port is the hypervisor's to serve, and it
 * serves an allow-list (its own 16550 on COM1, PIT channel 2). A device
 * the guest could drive directly would act with the machine's reach:
 * QEMU's fw_cfg DMA writes wherever its descriptor says, SVSM memory
 * included. These checks try exactly that and must see nothing happen.
 */
#include "guest.h"
#include "lib/io.h"
#include "lib/string.h"

/* QEMU fw_cfg I/O interface (QEMU docs/specs/fw_cfg.rst): selector, data, DMA address. */
#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_DMA_HI 0x514
#define FW_CFG_DMA_LO 0x518
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_DMA_READ 0x02u
#define FW_CFG_DMA_SELECT 0x08u
/* PCI configuration mechanism #1 (PCI Local Bus Specification 3.0 §3.2.2.3.2). */
#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define COM1 0x3F8

/* fw_cfg's DMA descriptor: all fields big-endian (QEMU docs/specs/fw_cfg.rst). */
struct fw_cfg_dma {
	uint32_t control, length;
	uint64_t address;
};

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static volatile struct fw_cfg_dma dma __attribute__((aligned(16)));
static volatile uint8_t dma_buf[16];

void guest_test_io_ports(void)
{
	uint8_t sig[4];

	io_outw(FW_CFG_SELECTOR, FW_CFG_SIGNATURE);
	for (unsigned i = 0; i < 4; i++)
		sig[i] = io_inb(FW_CFG_DATA);
	guest_check(sig[0] == 0xFF && sig[1] == 0xFF && sig[2] == 0xFF && sig[3] == 0xFF,
		    "fw_cfg is not reachable: its signature reads as all ones (an empty bus)");

	/* fw_cfg DMA of its signature into a buffer of this guest: the data must not arrive. */
	memset((void *)dma_buf, 0xAA, sizeof(dma_buf));
	dma.control = be32(FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ);
	dma.length = be32(4);
	dma.address = __builtin_bswap64((uint64_t)(uintptr_t)dma_buf);
	uint64_t desc = (uint64_t)(uintptr_t)&dma;

	io_outl(FW_CFG_DMA_HI, be32((uint32_t)(desc >> 32)));
	io_outl(FW_CFG_DMA_LO, be32((uint32_t)desc)); /* the low half starts the transfer */
	__asm__ volatile("" ::: "memory");
	guest_check(dma_buf[0] == 0xAA && dma_buf[3] == 0xAA && dma.control != 0,
		    "fw_cfg DMA does not happen (nothing written to the target, the descriptor untouched)");
	if (dma_buf[0] != 0xAA)
		guest_printf("# fw_cfg DMA wrote '%c%c%c%c' into guest memory\n", dma_buf[0], dma_buf[1],
			     dma_buf[2], dma_buf[3]);

	io_outl(PCI_CONFIG_ADDRESS, 0x80000000u); /* bus 0, device 0, function 0, register 0 */
	uint32_t id = io_inl(PCI_CONFIG_DATA);

	guest_check(id == 0xFFFFFFFFu, "PCI configuration is not reachable: the host bridge's ID reads as all ones");
	if (id != 0xFFFFFFFFu)
		guest_printf("# PCI 00:00.0 answered vendor/device 0x%08x\n", id);

	/*
	 * The SVSM's state disk (vsnp offers it at 00:03.0, I/O 0xC000, to
	 * VMPL0 only): this guest neither sees it nor reaches its registers;
	 * a reset written to its status register must not stop the SVSM's use.
	 */
	io_outl(PCI_CONFIG_ADDRESS, 0x80000000u | 3u << 11);
	id = io_inl(PCI_CONFIG_DATA);
	io_outb(0xC000 + 0x12, 0); /* the legacy status register: 0 resets the device */
	io_outl(0xC000 + 0x08, 0x100); /* its queue address, at a page of this guest */
	guest_check(id == 0xFFFFFFFFu && io_inl(0xC000) == 0xFFFFFFFFu && io_inb(0xC000 + 0x12) == 0xFF,
		    "the SVSM's virtio disk slot (00:03.0) and its I/O registers read as all ones from VMPL2");

	/* Its own UART: the scratch register keeps what it wrote, the transmitter is always ready. */
	io_outb(COM1 + 7, 0x5A);
	guest_check(io_inb(COM1 + 7) == 0x5A && (io_inb(COM1 + 5) & 0x60) == 0x60,
		    "COM1 is the guest's own 16550 (scratch register kept, transmitter ready)");
}

/*
 * Instructions that act on the whole machine are the hypervisor's: INVD
 * (it would drop cache lines that are not the guest's), WBINVD, MONITOR
 * and MWAIT come back as no-ops (an MWAIT the hypervisor let through
 * would halt the CPU with nothing to wake it).
 */
void guest_test_machine_insns(void)
{
	static volatile uint64_t line;

	__asm__ volatile("wbinvd" ::: "memory");
	__asm__ volatile("invd" ::: "memory");
	__asm__ volatile("monitor" : : "a"(&line), "c"(0), "d"(0));
	__asm__ volatile("mwait" : : "a"(0), "c"(0));
	guest_check(true, "INVD, WBINVD, MONITOR, MWAIT taken by the hypervisor and stepped over");
}

/*
 * Sets DLAB on its UART and leaves it set: on a UART shared with the SVSM
 * the SVSM's next lines would go into the divisor latch and vanish. The
 * test harness expects the SVSM's closing line after this.
 */
void guest_uart_leave_dlab(void)
{
	guest_printf("# COM1: DLAB left set on the guest's UART; the SVSM's own lines must still appear\n");
	io_outb(COM1 + 3, 0x83);
}
