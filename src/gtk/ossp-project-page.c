/* ossp-project-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-project-page.h"

G_DEFINE_INTERFACE (OsspProjectPage, ossp_project_page, GTK_TYPE_WIDGET)

enum { DIRTY_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* per-page state lives in qdata: the interface has no instance struct */
static GQuark project_quark, loading_quark, dirty_quark;

static void
ossp_project_page_default_init (OsspProjectPageInterface *iface)
{
  project_quark = g_quark_from_static_string ("ossp-project-page-project");
  loading_quark = g_quark_from_static_string ("ossp-project-page-loading");
  dirty_quark = g_quark_from_static_string ("ossp-project-page-dirty");
  /* the page's own documents became (un)saved */
  signals[DIRTY_CHANGED] = g_signal_new ("dirty-changed", G_TYPE_FROM_INTERFACE (iface),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
run_load (OsspProjectPage *self,
          const char      *key)
{
  OsspProjectPageInterface *iface = OSSP_PROJECT_PAGE_GET_IFACE (self);
  OsspProject *project = g_object_get_qdata (G_OBJECT (self), project_quark);
  guint loading = GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (self), loading_quark));

  if (project == NULL || iface->load == NULL)
    return;
  g_object_set_qdata (G_OBJECT (self), loading_quark, GUINT_TO_POINTER (loading + 1));
  iface->load (self, project, key);
  g_object_set_qdata (G_OBJECT (self), loading_quark, GUINT_TO_POINTER (loading));
}

void
ossp_project_page_attach (OsspProjectPage *self,
                          OsspProject     *project)
{
  g_return_if_fail (OSSP_IS_PROJECT_PAGE (self));

  g_object_set_qdata_full (G_OBJECT (self), project_quark,
                           project ? g_object_ref (project) : NULL, g_object_unref);
  if (project != NULL)
    {
      run_load (self, NULL);
      /* what was just loaded is what is on disk */
      ossp_project_page_set_dirty (self, FALSE);
    }
}

void
ossp_project_page_project_changed (OsspProjectPage *self,
                                   const char      *key)
{
  g_return_if_fail (OSSP_IS_PROJECT_PAGE (self));
  run_load (self, key);
}

gboolean
ossp_project_page_save_documents (OsspProjectPage  *self,
                                  const char       *dir,
                                  GError          **error)
{
  OsspProjectPageInterface *iface = OSSP_PROJECT_PAGE_GET_IFACE (self);
  OsspProject *project = g_object_get_qdata (G_OBJECT (self), project_quark);

  if (project == NULL || iface->save_documents == NULL)
    return TRUE;
  if (!iface->save_documents (self, project, dir, error))
    return FALSE;
  ossp_project_page_set_dirty (self, FALSE);
  return TRUE;
}

OsspProject *
ossp_project_page_get_project (gpointer page)
{
  if (!OSSP_IS_PROJECT_PAGE (page) || g_object_get_qdata (G_OBJECT (page), loading_quark) != NULL)
    return NULL;
  return g_object_get_qdata (G_OBJECT (page), project_quark);
}

void
ossp_project_page_store_path (gpointer    page,
                              const char *key,
                              const char *path)
{
  OsspProject *project = ossp_project_page_get_project (page);
  if (project != NULL)
    ossp_project_set_path (project, key, path);
}

void
ossp_project_page_store_int (gpointer    page,
                             const char *key,
                             gint64      value)
{
  OsspProject *project = ossp_project_page_get_project (page);
  if (project != NULL)
    ossp_project_set_int (project, key, value);
}

void
ossp_project_page_store_string (gpointer    page,
                                const char *key,
                                const char *value)
{
  OsspProject *project = ossp_project_page_get_project (page);
  if (project != NULL)
    ossp_project_set_string (project, key, value);
}

void
ossp_project_page_set_dirty (gpointer page,
                             gboolean dirty)
{
  if (!OSSP_IS_PROJECT_PAGE (page))
    return;
  /* a load is not an edit */
  if (dirty && g_object_get_qdata (G_OBJECT (page), loading_quark) != NULL)
    return;
  if (ossp_project_page_get_dirty (page) == dirty)
    return;
  g_object_set_qdata (G_OBJECT (page), dirty_quark, GUINT_TO_POINTER (dirty));
  g_signal_emit (page, signals[DIRTY_CHANGED], 0);
}

gboolean
ossp_project_page_get_dirty (gpointer page)
{
  return OSSP_IS_PROJECT_PAGE (page) &&
         GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (page), dirty_quark)) != 0;
}
