/* ossp-project-test-helper.h — the example projects of docs/examples/ in a
 * temp dir, with the inputs their own script makes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-test-helper.h"

G_BEGIN_DECLS

/* Copies docs/examples/{mp15,mp25}/product.openssp to a fresh temp dir,
 * runs docs/examples/make-inputs.sh there with $OPENSSP_CLI, and returns
 * the path of @name's project ("mp15" or "mp25"). */
char *ossp_test_make_example (const char *name);

G_END_DECLS
