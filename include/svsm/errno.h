/* SPDX-License-Identifier: MIT */
/*
 * Internal result codes (negative; 0 is success). Values follow Linux errno
 * numbers so logs read familiarly. Guest-visible results use the SVSM
 * protocol's own codes, never these.
 */
#pragma once

#define SVSM_OK 0
#define SVSM_EPERM (-1)
#define SVSM_EFAULT (-14)
#define SVSM_EINVAL (-22)
#define SVSM_ENOMEM (-12)
#define SVSM_ENOSPC (-28)
#define SVSM_ERANGE (-34)
#define SVSM_ENOENT (-2)
#define SVSM_EBUSY (-16)
#define SVSM_EEXIST (-17)
#define SVSM_EIO (-5)
#define SVSM_ENOTSUP (-95)
