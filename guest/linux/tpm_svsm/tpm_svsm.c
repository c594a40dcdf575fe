// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tpm_svsm: the vTPM an SVSM offers to the guest at VMPL2, as /dev/tpm0 and
 * /dev/tpmrm0, for kernels built without CONFIG_TCG_SVSM (Debian's 7.3 is one).
 *
 * The kernel registers the "tpm-svsm" platform device when the SVSM answers
 * SVSM_VTPM_QUERY with TPM_SEND_COMMAND among its platform commands (SVSM
 * spec 58019, chapter 8 "vTPM Protocol"); this driver binds to it. Each TPM
 * command goes out in one page, the TPM_SEND_COMMAND request (table 16:
 * platform command 8, locality, size, command bytes), through the kernel's
 * exported snp_svsm_vtpm_send_command(), which makes the SVSM_VTPM_CMD call
 * on this CPU's calling area; the SVSM writes the response (table 17: size,
 * response bytes) over the same page before the call returns. So the chip is
 * synchronous: send() hands the TPM core the response.
 *
 * Written for this project; built out of tree against Debian's linux-headers
 * (guest/linux/meson.build).
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/tpm.h>
#include <linux/tpm_svsm.h>
#include <asm/sev.h>

/*
 * The TPM core exports these (EXPORT_SYMBOL_GPL) but declares them only in its
 * private drivers/char/tpm/tpm.h, which linux-headers does not carry.
 */
struct tpm_chip *tpmm_chip_alloc(struct device *pdev, const struct tpm_class_ops *ops);
int tpm_chip_register(struct tpm_chip *chip);
void tpm_chip_unregister(struct tpm_chip *chip);

struct svsm_vtpm {
	/* The request and, after the call, the response: one page (SVSM_VTPM_MAX_BUFFER). */
	void *page;
};

static_assert(SVSM_VTPM_MAX_BUFFER == PAGE_SIZE);

/*
 * One TPM command. The TPM core holds chip->tpm_mutex around it, so the page is
 * never shared between two commands. A response longer than the core's buffer
 * or than the page is refused, never cut short.
 */
static int svsm_vtpm_send(struct tpm_chip *chip, u8 *buf, size_t bufsiz, size_t len)
{
	struct svsm_vtpm *v = dev_get_drvdata(&chip->dev);
	int rc;

	rc = svsm_vtpm_cmd_request_fill(v->page, 0, buf, len);
	if (rc)
		return rc;
	rc = snp_svsm_vtpm_send_command(v->page);
	if (rc) {
		dev_err(&chip->dev, "SVSM_VTPM_CMD failed: %d\n", rc);
		return rc;
	}
	return svsm_vtpm_cmd_response_parse(v->page, buf, bufsiz);
}

static const struct tpm_class_ops svsm_vtpm_ops = {
	/* The core sends TPM2_Startup if the TPM says it was not started. */
	.flags = TPM_OPS_AUTO_STARTUP,
	.send = svsm_vtpm_send,
};

static int svsm_vtpm_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct svsm_vtpm *v;
	struct tpm_chip *chip;

	v = devm_kzalloc(dev, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->page = (void *)devm_get_free_pages(dev, GFP_KERNEL, 0);
	if (!v->page)
		return -ENOMEM;
	chip = tpmm_chip_alloc(dev, &svsm_vtpm_ops);
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	dev_set_drvdata(&chip->dev, v);
	/* The SVSM's vTPM is a TPM 2.0 (SVSM spec 58019, 8.1) and answers within the call. */
	chip->flags |= TPM_CHIP_FLAG_TPM2 | TPM_CHIP_FLAG_SYNC;
	return tpm_chip_register(chip);
}

static void svsm_vtpm_remove(struct platform_device *pdev)
{
	/* tpmm_chip_alloc left the chip as the platform device's driver data. */
	tpm_chip_unregister(platform_get_drvdata(pdev));
}

static struct platform_driver svsm_vtpm_driver = {
	.probe = svsm_vtpm_probe,
	.remove = svsm_vtpm_remove,
	.driver = { .name = "tpm-svsm" },
};
module_platform_driver(svsm_vtpm_driver);

MODULE_DESCRIPTION("vTPM of an SEV-SNP SVSM (SVSM spec 58019, vTPM protocol)");
MODULE_LICENSE("Dual MIT/GPL");
MODULE_ALIAS("platform:tpm-svsm");
