/* openssp.h — libopenssp, the OpenSSP model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-error.h"
#include "ossp-util.h"
#include "ossp-chip.h"
#include "ossp-payload.h"
#include "ossp-payload-gcm.h"
#include "ossp-pem.h"
#include "ossp-key-pair.h"
#include "ossp-keys.h"
#include "ossp-backup-entry.h"
#include "ossp-backup-list.h"
#include "ossp-error-catalogue.h"
#include "ossp-p256.h"
#include "ossp-chip-certificate.h"
#include "ossp-license.h"
#include "ossp-hsm-perso.h"
#include "ossp-hsm.h"
#include "ossp-hsm-external.h"
#include "ossp-project.h"
#include "ossp-otp-item.h"
#include "ossp-otp-secret.h"
#include "ossp-image.h"
#include "ossp-pkcs11-signer.h"
#include "ossp-transport.h"
#include "ossp-progress.h"
#include "ossp-audit-log.h"
#include "ossp-burn-plan.h"
#include "ossp-provisioner.h"
#include "ossp-demo.h"
