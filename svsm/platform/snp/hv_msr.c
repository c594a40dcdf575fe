/* SPDX-License-Identifier: MIT */
/* The GHCB MSR protocol conversations (include/svsm/snp_hv.h). */
#include "svsm/snp_hv.h"

#include "svsm/errno.h"
#include "svsm/ghcb_proto.h"

int snp_hv_negotiate(struct snp_hv *hv, unsigned expect_cbit)
{
	struct ghcb_sev_info info;
	uint64_t v = hv->msr_exchange(hv->ctx, GHCB_MSR_SEV_INFO_REQ);

	if (!ghcb_msr_sev_info_parse(v, &info))
		return SVSM_EIO;

	uint16_t version = ghcb_negotiate_version(&info);

	if (version == 0)
		return SVSM_ENOTSUP;
	if (info.cbit != expect_cbit)
		return SVSM_EINVAL; /* a hypervisor that lies about the C-bit wants plaintext */
	hv->version = version;
	return SVSM_OK;
}

int snp_hv_features(struct snp_hv *hv, uint64_t *features)
{
	uint64_t v = hv->msr_exchange(hv->ctx, GHCB_MSR_HV_FEATURES_REQ);

	if (!ghcb_msr_hv_features_parse(v, features))
		return SVSM_EIO;
	return (*features & GHCB_HV_FT_SVSM_REQUIRED) == GHCB_HV_FT_SVSM_REQUIRED ? SVSM_OK
										  : SVSM_ENOTSUP;
}

int snp_hv_register_ghcb(struct snp_hv *hv, uint64_t gpa)
{
	uint64_t req = ghcb_msr_reg_gpa_req(gpa);

	if (req == 0)
		return SVSM_EINVAL;
	return ghcb_msr_reg_gpa_ok(hv->msr_exchange(hv->ctx, req), gpa) ? SVSM_OK : SVSM_EIO;
}

int snp_hv_psc_msr(struct snp_hv *hv, uint64_t gpa, bool private_)
{
	uint64_t req = ghcb_msr_psc_req(gpa, private_ ? GHCB_PSC_OP_PRIVATE : GHCB_PSC_OP_SHARED);
	uint32_t error;

	if (req == 0)
		return SVSM_EINVAL;
	return ghcb_msr_resp_ok(hv->msr_exchange(hv->ctx, req), GHCB_MSR_PSC_RESP, &error)
		       ? SVSM_OK
		       : SVSM_EIO;
}
