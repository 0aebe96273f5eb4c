/* ossp-backup-list.c — the MP2 backup-memory list, its OSBK file and JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-backup-list.h"
#include "ossp-error.h"

/* Largest OSBK file that can be valid: one 4-byte entry per word of the
 * biggest memory we know of, with headroom for a bigger future chip map.
 * Anything larger is refused before it is read into memory. */
#define MAX_FILE_SIZE (4 * 1024 * 1024)
#define MAX_JSON_SIZE (16 * 1024 * 1024)
#define MAX_DATA_FILE_SIZE (1024 * 1024)

struct _OsspBackupList
{
  GObject                     parent_instance;

  OsspChip                   *chip;
  const OsspBackupMemoryInfo *memory;   /* owned by chip */
  guint32                     base;
  GPtrArray                  *entries;  /* OsspBackupEntry, sorted by offset */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspBackupList, ossp_backup_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_CHIP,
  PROP_MEMORY_KIND,
  PROP_BASE,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- problems ---------------------------------------------------------- */

void
ossp_backup_problem_free (OsspBackupProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->field);
  g_free (problem->message);
  g_free (problem);
}

GPtrArray *
ossp_backup_problems_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_backup_problem_free);
}

static void add_problem (GPtrArray *problems, int index, const char *field,
                         OsspBackupSeverity severity, const char *format, ...) G_GNUC_PRINTF (5, 6);

static void
add_problem (GPtrArray          *problems,
             int                 index,
             const char         *field,
             OsspBackupSeverity  severity,
             const char         *format,
             ...)
{
  OsspBackupProblem *p = g_new0 (OsspBackupProblem, 1);
  va_list args;

  p->index = index;
  p->field = g_strdup (field);
  p->severity = severity;
  va_start (args, format);
  p->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (problems, p);
}

char *
ossp_backup_problem_get_where (const OsspBackupProblem *problem)
{
  if (problem->index < 0)
    return g_strdup (problem->field ? problem->field : "list");
  if (problem->field == NULL)
    return g_strdup_printf ("entries[%d]", problem->index);
  return g_strdup_printf ("entries[%d].%s", problem->index, problem->field);
}

guint
ossp_backup_problems_count_errors (GPtrArray *problems)
{
  guint n = 0;

  for (guint i = 0; problems && i < problems->len; i++)
    if (((OsspBackupProblem *) problems->pdata[i])->severity == OSSP_BACKUP_SEVERITY_ERROR)
      n++;
  return n;
}

JsonNode *
ossp_backup_problems_to_json (GPtrArray *problems)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; problems && i < problems->len; i++)
    {
      const OsspBackupProblem *p = problems->pdata[i];
      g_autofree char *where = ossp_backup_problem_get_where (p);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "where");
      json_builder_add_string_value (b, where);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, p->index);
      json_builder_set_member_name (b, "field");
      json_builder_add_string_value (b, p->field);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, p->severity == OSSP_BACKUP_SEVERITY_ERROR ? "error" : "warning");
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, p->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

/* One GError that still names every error, for callers without a
 * problem list (the GUI toast, `new_from_bytes`). */
static void
set_error_from_problems (GError    **error,
                         GPtrArray  *problems,
                         const char *what)
{
  g_autoptr(GString) s = g_string_new (NULL);
  guint n = ossp_backup_problems_count_errors (problems), shown = 0;

  /* the first few only: the full list goes with the problems array */
  g_string_append_printf (s, "%s: %u problem%s", what, n, n == 1 ? "" : "s");
  for (guint i = 0; i < problems->len && shown < 3; i++)
    {
      const OsspBackupProblem *p = problems->pdata[i];
      g_autofree char *where = ossp_backup_problem_get_where (p);
      if (p->severity != OSSP_BACKUP_SEVERITY_ERROR)
        continue;
      g_string_append_printf (s, "; %s: %s", where, p->message);
      shown++;
    }
  if (n > shown)
    g_string_append_printf (s, "; and %u more", n - shown);
  g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_VALIDATION, s->str);
}

/* ---- rules (payload.md §5.2) -------------------------------------------- */

static char *
describe_bases (const OsspBackupMemoryInfo *memory)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < memory->n_bases; i++)
    g_string_append_printf (s, "%s0x%08X", i == 0 ? "" : " or ", memory->bases[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
memory_has_base (const OsspBackupMemoryInfo *memory,
                 guint32                     base)
{
  for (guint i = 0; i < memory->n_bases; i++)
    if (memory->bases[i] == base)
      return TRUE;
  return FALSE;
}

static void
check_base (OsspChip                   *chip,
            const OsspBackupMemoryInfo *memory,
            guint32                     base,
            GPtrArray                  *problems)
{
  const OsspBackupMemoryInfo *other;
  g_autofree char *bases = NULL;

  if (memory_has_base (memory, base))
    return;
  bases = describe_bases (memory);
  other = ossp_chip_lookup_backup_base (chip, base);
  if (other != NULL)
    add_problem (problems, -1, "base", OSSP_BACKUP_SEVERITY_ERROR,
                 "Base 0x%08X is a %s address, but this list is for %s (\"%s\"); use %s, or switch "
                 "the memory to \"%s\"", base, other->name, memory->name, memory->kind, bases, other->kind);
  else
    add_problem (problems, -1, "base", OSSP_BACKUP_SEVERITY_ERROR,
                 "Base 0x%08X is not a %s address; use %s", base, memory->name, bases);
}

/* The rules one entry must follow on its own. */
static void
check_fields (const OsspBackupMemoryInfo *memory,
              guint32                     offset,
              gsize                       length,
              gboolean                    wrap,
              OsspBackupWrapCpu           cpu,
              const char                 *label,
              int                         index,
              GPtrArray                  *problems)
{
  const OsspBackupSeverity E = OSSP_BACKUP_SEVERITY_ERROR;

  if (offset % 4 != 0)
    add_problem (problems, index, "offset", E,
                 "Offset 0x%X is not 32-bit aligned; use a multiple of 4 (0x%X or 0x%X)",
                 offset, offset & ~3u, (offset & ~3u) + 4);
  if (length == 0)
    add_problem (problems, index, "data", E, "The data is empty; an entry holds at least one 32-bit word");
  else if (length % 4 != 0)
    add_problem (problems, index, "data", E,
                 "The data is %" G_GSIZE_FORMAT " bytes; the length must be a multiple of 4 "
                 "(whole 32-bit words): add %" G_GSIZE_FORMAT " byte%s of padding or remove %"
                 G_GSIZE_FORMAT, length, 4 - length % 4, 4 - length % 4 == 1 ? "" : "s", length % 4);

  if (offset >= memory->size)
    add_problem (problems, index, "offset", E,
                 "Offset 0x%X is outside %s, which has %u bytes (offsets 0x0..0x%X)",
                 offset, memory->name, memory->size, memory->size - 4);
  else if ((guint64) offset + length > memory->size)
    add_problem (problems, index, "data", E,
                 "%" G_GSIZE_FORMAT " bytes at offset 0x%X end at 0x%" G_GINT64_MODIFIER "X, beyond the "
                 "end of %s (%u bytes): %" G_GUINT64_FORMAT " byte%s too many",
                 length, offset, (guint64) offset + length - 1, memory->name, memory->size,
                 (guint64) offset + length - memory->size,
                 (guint64) offset + length - memory->size == 1 ? "" : "s");

  if (wrap && !ossp_backup_length_can_wrap (length))
    add_problem (problems, index, "wrap", E,
                 "Only a 128- or 256-bit AES key (16 or 32 bytes) can be wrapped; this data is %"
                 G_GSIZE_FORMAT " bytes: turn wrap off or give a 16- or 32-byte key", length);
  if ((guint) cpu > OSSP_BACKUP_WRAP_CPU_M33_TDCID2)
    add_problem (problems, index, "cpu", E,
                 "Wrapping CPU %u is unknown: use a35 (TDCID1) or m33 (TDCID2)", (guint) cpu);
  else if (wrap && cpu == OSSP_BACKUP_WRAP_CPU_NONE)
    add_problem (problems, index, "cpu", E,
                 "Wrap needs the CPU whose HUK wraps the key: a35 (Cortex-A35, TDCID1) or "
                 "m33 (Cortex-M33, TDCID2)");
  else if (!wrap && cpu != OSSP_BACKUP_WRAP_CPU_NONE)
    /* refused rather than ignored: a key meant to be wrapped must not
     * silently land in backup memory in clear */
    add_problem (problems, index, "cpu", E,
                 "A wrapping CPU (%s) is set but wrap is off: turn wrap on, or set the CPU to none",
                 ossp_backup_wrap_cpu_to_string (cpu));

  if (label != NULL && !g_utf8_validate (label, -1, NULL))
    add_problem (problems, index, "label", E, "The label is not valid UTF-8 text");
  else if (label != NULL && strlen (label) > OSSP_BACKUP_LABEL_MAX)
    add_problem (problems, index, "label", E, "The label is %" G_GSIZE_FORMAT " bytes; keep it to %d",
                 strlen (label), OSSP_BACKUP_LABEL_MAX);
}

typedef struct {
  OsspBackupEntry *entry;
  int              index;
  gboolean         candidate;  /* not in the list yet: "the new entry" */
} EntryRef;

static int
compare_refs (gconstpointer a,
              gconstpointer b)
{
  const EntryRef *x = a, *y = b;
  guint32 ox = ossp_backup_entry_get_offset (x->entry), oy = ossp_backup_entry_get_offset (y->entry);

  if (ox != oy)
    return ox < oy ? -1 : 1;
  return x->index - y->index;
}

static void
describe_range (GString        *s,
                const EntryRef *ref)
{
  OsspBackupEntry *entry = ref->entry;
  const char *label = ossp_backup_entry_get_label (entry);

  if (ref->candidate)
    g_string_append (s, "this entry");
  else
    g_string_append_printf (s, "entry %d", ref->index);
  if (label)
    g_string_append_printf (s, " \"%s\"", label);
  g_string_append_printf (s, " (0x%X..0x%" G_GINT64_MODIFIER "X)", ossp_backup_entry_get_offset (entry),
                          ossp_backup_entry_get_end (entry) - 1);
}

/* Every rule over a set of entries: each on its own, then overlaps.
 * @require_sorted: the entries come from a file that must be sorted. */
static void
check_entries (const OsspBackupMemoryInfo *memory,
               GArray                     *refs,
               gboolean                    require_sorted,
               GPtrArray                  *problems)
{
  g_autoptr(GArray) sorted = NULL;
  const EntryRef *reach = NULL;   /* the entry reaching furthest so far */

  for (guint i = 0; i < refs->len; i++)
    {
      const EntryRef *r = &g_array_index (refs, EntryRef, i);
      check_fields (memory, ossp_backup_entry_get_offset (r->entry), ossp_backup_entry_get_length (r->entry),
                    ossp_backup_entry_get_wrap (r->entry), ossp_backup_entry_get_cpu (r->entry),
                    ossp_backup_entry_get_label (r->entry), r->index, problems);
      if (require_sorted && i > 0)
        {
          const EntryRef *prev = &g_array_index (refs, EntryRef, i - 1);
          if (ossp_backup_entry_get_offset (r->entry) < ossp_backup_entry_get_offset (prev->entry))
            add_problem (problems, r->index, "offset", OSSP_BACKUP_SEVERITY_ERROR,
                         "Entries must be sorted by offset: offset 0x%X comes after 0x%X of entry %d",
                         ossp_backup_entry_get_offset (r->entry), ossp_backup_entry_get_offset (prev->entry),
                         prev->index);
        }
    }

  sorted = g_array_sized_new (FALSE, FALSE, sizeof (EntryRef), refs->len);
  g_array_append_vals (sorted, refs->data, refs->len);
  g_array_sort (sorted, compare_refs);
  for (guint i = 0; i < sorted->len; i++)
    {
      const EntryRef *r = &g_array_index (sorted, EntryRef, i);

      if (ossp_backup_entry_get_length (r->entry) == 0)
        continue;
      if (reach != NULL && ossp_backup_entry_get_offset (r->entry) < ossp_backup_entry_get_end (reach->entry))
        {
          g_autoptr(GString) s = g_string_new (NULL);
          guint64 overlap_end = MIN (ossp_backup_entry_get_end (r->entry), ossp_backup_entry_get_end (reach->entry));
          describe_range (s, r);
          g_string_append (s, " overlaps ");
          describe_range (s, reach);
          g_string_append_printf (s, " in bytes 0x%X..0x%" G_GINT64_MODIFIER "X; move one of them",
                                  ossp_backup_entry_get_offset (r->entry), overlap_end - 1);
          s->str[0] = g_ascii_toupper (s->str[0]);
          add_problem (problems, r->index, "offset", OSSP_BACKUP_SEVERITY_ERROR, "%s", s->str);
        }
      if (reach == NULL || ossp_backup_entry_get_end (r->entry) > ossp_backup_entry_get_end (reach->entry))
        reach = r;
    }
}

static GArray *
refs_of_list (OsspBackupList *self,
              int             skip_position)
{
  GArray *refs = g_array_sized_new (FALSE, FALSE, sizeof (EntryRef), self->entries->len + 1);

  for (guint i = 0; i < self->entries->len; i++)
    {
      EntryRef r = { self->entries->pdata[i], (int) i, FALSE };
      if ((int) i != skip_position)
        g_array_append_val (refs, r);
    }
  return refs;
}

/* ---- GObject and GListModel -------------------------------------------- */

static GType
list_get_item_type (GListModel *model)
{
  return OSSP_TYPE_BACKUP_ENTRY;
}

static guint
list_get_n_items (GListModel *model)
{
  return OSSP_BACKUP_LIST (model)->entries->len;
}

static gpointer
list_get_item (GListModel *model,
               guint       position)
{
  OsspBackupList *self = OSSP_BACKUP_LIST (model);

  if (position >= self->entries->len)
    return NULL;
  return g_object_ref (self->entries->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

static void
ossp_backup_list_finalize (GObject *object)
{
  OsspBackupList *self = OSSP_BACKUP_LIST (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_object (&self->chip);
  G_OBJECT_CLASS (ossp_backup_list_parent_class)->finalize (object);
}

static void
ossp_backup_list_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  OsspBackupList *self = OSSP_BACKUP_LIST (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      g_value_set_object (value, self->chip);
      break;
    case PROP_MEMORY_KIND:
      g_value_set_string (value, self->memory ? self->memory->kind : NULL);
      break;
    case PROP_BASE:
      g_value_set_uint (value, self->base);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->entries->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_backup_list_class_init (OsspBackupListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ossp_backup_list_finalize;
  object_class->get_property = ossp_backup_list_get_property;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP, ro);
  properties[PROP_MEMORY_KIND] = g_param_spec_string ("memory-kind", NULL, NULL, NULL, ro);
  properties[PROP_BASE] = g_param_spec_uint ("base", NULL, NULL, 0, G_MAXUINT32, 0, ro);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ossp_backup_list_init (OsspBackupList *self)
{
  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
emit_changed (OsspBackupList *self,
              guint           position,
              guint           removed,
              guint           added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static gboolean
check_chip_has_backup (OsspChip  *chip,
                       GError   **error)
{
  if (ossp_chip_get_n_backup_memories (chip) == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s has no backup memory that SSP can provision: backup registers (TAMP) and "
                   "backup SRAM provisioning exists only on STM32MP2 (stm32mp25)",
                   ossp_chip_get_name (chip));
      return FALSE;
    }
  return TRUE;
}

static const OsspBackupMemoryInfo *
lookup_memory (OsspChip    *chip,
               const char  *kind,
               GError     **error)
{
  const OsspBackupMemoryInfo *memory;
  g_autoptr(GString) kinds = NULL;

  if (!check_chip_has_backup (chip, error))
    return NULL;
  memory = kind ? ossp_chip_lookup_backup_memory (chip, kind) : NULL;
  if (memory != NULL)
    return memory;
  kinds = g_string_new (NULL);
  for (guint i = 0; i < ossp_chip_get_n_backup_memories (chip); i++)
    g_string_append_printf (kinds, "%s\"%s\" (%s)", i ? " or " : "",
                            ossp_chip_get_backup_memory (chip, i)->kind,
                            ossp_chip_get_backup_memory (chip, i)->name);
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
               "%s has no backup memory \"%s\"; choose %s", ossp_chip_get_name (chip),
               kind ? kind : "", kinds->str);
  return NULL;
}

OsspBackupList *
ossp_backup_list_new (OsspChip    *chip,
                      const char  *memory_kind,
                      GError     **error)
{
  const OsspBackupMemoryInfo *memory;
  OsspBackupList *self;

  g_return_val_if_fail (OSSP_IS_CHIP (chip), NULL);

  memory = lookup_memory (chip, memory_kind, error);
  if (memory == NULL)
    return NULL;
  self = g_object_new (OSSP_TYPE_BACKUP_LIST, NULL);
  self->chip = g_object_ref (chip);
  self->memory = memory;
  self->base = memory->bases[0];
  return self;
}

OsspChip *ossp_backup_list_get_chip (OsspBackupList *self) { return self->chip; }
const char *ossp_backup_list_get_memory_kind (OsspBackupList *self) { return self->memory->kind; }
const OsspBackupMemoryInfo *ossp_backup_list_get_memory (OsspBackupList *self) { return self->memory; }
guint32 ossp_backup_list_get_base (OsspBackupList *self) { return self->base; }
guint ossp_backup_list_get_n_entries (OsspBackupList *self) { return self->entries->len; }

OsspBackupEntry *
ossp_backup_list_get_entry (OsspBackupList *self,
                            guint           position)
{
  g_return_val_if_fail (position < self->entries->len, NULL);
  return self->entries->pdata[position];
}

gboolean
ossp_backup_list_set_base (OsspBackupList  *self,
                           guint32          base,
                           GError         **error)
{
  g_autoptr(GPtrArray) problems = ossp_backup_problems_new ();

  check_base (self->chip, self->memory, base, problems);
  if (problems->len > 0)
    {
      g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                           ((OsspBackupProblem *) problems->pdata[0])->message);
      return FALSE;
    }
  if (self->base != base)
    {
      self->base = base;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE]);
    }
  return TRUE;
}

gboolean
ossp_backup_list_set_memory_kind (OsspBackupList  *self,
                                  const char      *memory_kind,
                                  GError         **error)
{
  const OsspBackupMemoryInfo *memory = lookup_memory (self->chip, memory_kind, error);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GArray) refs = NULL;

  if (memory == NULL)
    return FALSE;
  if (memory == self->memory)
    return TRUE;
  problems = ossp_backup_problems_new ();
  refs = refs_of_list (self, -1);
  check_entries (memory, refs, FALSE, problems);
  if (ossp_backup_problems_count_errors (problems) > 0)
    {
      g_autofree char *what = g_strdup_printf ("The entries do not fit %s; remove or move them first",
                                               memory->name);
      set_error_from_problems (error, problems, what);
      return FALSE;
    }
  self->memory = memory;
  self->base = memory->bases[0];
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMORY_KIND]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE]);
  return TRUE;
}

GPtrArray *
ossp_backup_list_check_entry (OsspBackupList  *self,
                              OsspBackupEntry *entry,
                              int              replace_position)
{
  g_autoptr(GArray) refs = refs_of_list (self, replace_position);
  GPtrArray *problems = ossp_backup_problems_new ();
  EntryRef r = { entry, replace_position >= 0 ? replace_position : (int) self->entries->len, TRUE };

  g_array_append_val (refs, r);
  check_entries (self->memory, refs, FALSE, problems);
  return problems;
}

GPtrArray *
ossp_backup_list_validate (OsspBackupList *self)
{
  g_autoptr(GArray) refs = refs_of_list (self, -1);
  GPtrArray *problems = ossp_backup_problems_new ();

  check_base (self->chip, self->memory, self->base, problems);
  check_entries (self->memory, refs, TRUE, problems);
  if (self->entries->len == 0)
    add_problem (problems, -1, "entries", OSSP_BACKUP_SEVERITY_WARNING,
                 "The list has no entries: the backup file will not write anything");
  return problems;
}

static guint
sorted_position (OsspBackupList *self,
                 guint32         offset)
{
  guint lo = 0, hi = self->entries->len;

  /* after every entry with the same or a lower offset */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (ossp_backup_entry_get_offset (self->entries->pdata[mid]) <= offset)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static gboolean
refuse_entry (GPtrArray   *problems,
              const char  *what,
              GError     **error)
{
  g_autoptr(GString) s = NULL;

  if (ossp_backup_problems_count_errors (problems) == 0)
    return FALSE;
  /* one entry: its index means nothing to the user yet, so leave it out */
  s = g_string_new (what);
  for (guint i = 0; i < problems->len; i++)
    {
      const OsspBackupProblem *p = problems->pdata[i];
      if (p->severity == OSSP_BACKUP_SEVERITY_ERROR)
        g_string_append_printf (s, "%s%s", i == 0 ? ": " : "; ", p->message);
    }
  g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_VALIDATION, s->str);
  return TRUE;
}

gboolean
ossp_backup_list_add_entry (OsspBackupList   *self,
                            OsspBackupEntry  *entry,
                            guint            *out_position,
                            GError          **error)
{
  g_autoptr(GPtrArray) problems = ossp_backup_list_check_entry (self, entry, -1);
  guint pos;

  if (refuse_entry (problems, "The entry was not added", error))
    return FALSE;
  pos = sorted_position (self, ossp_backup_entry_get_offset (entry));
  g_ptr_array_insert (self->entries, (gint) pos, g_object_ref (entry));
  if (out_position)
    *out_position = pos;
  emit_changed (self, pos, 0, 1);
  return TRUE;
}

gboolean
ossp_backup_list_add (OsspBackupList     *self,
                      guint32             offset,
                      GBytes             *data,
                      gboolean            wrap,
                      OsspBackupWrapCpu   cpu,
                      const char         *label,
                      GError            **error)
{
  g_autoptr(OsspBackupEntry) entry = ossp_backup_entry_new (offset, data, wrap, cpu, label);
  return ossp_backup_list_add_entry (self, entry, NULL, error);
}

gboolean
ossp_backup_list_replace_entry (OsspBackupList   *self,
                                guint             position,
                                OsspBackupEntry  *entry,
                                guint            *out_position,
                                GError          **error)
{
  g_autoptr(GPtrArray) problems = NULL;
  guint pos;

  if (position >= self->entries->len)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "There is no entry %u; the list has %u", position, self->entries->len);
      return FALSE;
    }
  problems = ossp_backup_list_check_entry (self, entry, (int) position);
  if (refuse_entry (problems, "The entry was not changed", error))
    return FALSE;
  g_object_ref (entry);
  g_ptr_array_remove_index (self->entries, position);
  pos = sorted_position (self, ossp_backup_entry_get_offset (entry));
  g_ptr_array_insert (self->entries, (gint) pos, entry);
  /* one signal over the moved range: the model must be consistent with
   * every items-changed it emits, so no remove-then-insert pair */
  emit_changed (self, MIN (pos, position), MAX (pos, position) - MIN (pos, position) + 1,
                MAX (pos, position) - MIN (pos, position) + 1);
  if (out_position)
    *out_position = pos;
  return TRUE;
}

gboolean
ossp_backup_list_remove (OsspBackupList *self,
                         guint           position)
{
  if (position >= self->entries->len)
    return FALSE;
  g_ptr_array_remove_index (self->entries, position);
  emit_changed (self, position, 1, 0);
  return TRUE;
}

void
ossp_backup_list_clear (OsspBackupList *self)
{
  guint n = self->entries->len;

  if (n == 0)
    return;
  g_ptr_array_set_size (self->entries, 0);
  emit_changed (self, 0, n, 0);
}

guint32
ossp_backup_list_get_next_offset (OsspBackupList *self)
{
  guint64 end = 0;

  for (guint i = 0; i < self->entries->len; i++)
    end = MAX (end, ossp_backup_entry_get_end (self->entries->pdata[i]));
  end = (end + 3) & ~(guint64) 3;
  return end >= self->memory->size ? G_MAXUINT32 : (guint32) end;
}

gsize
ossp_backup_list_get_used_bytes (OsspBackupList *self)
{
  gsize n = 0;

  for (guint i = 0; i < self->entries->len; i++)
    n += ossp_backup_entry_get_length (self->entries->pdata[i]);
  return n;
}

/* ---- OSBK v1 file --------------------------------------------------------- */

static guint16
kind_to_code (const char *kind)
{
  if (g_str_equal (kind, "tamp"))
    return OSSP_BACKUP_KIND_TAMP;
  if (g_str_equal (kind, "bkpsram"))
    return OSSP_BACKUP_KIND_BKPSRAM;
  return 0;
}

static const char *
code_to_kind (guint16 code)
{
  switch (code)
    {
    case OSSP_BACKUP_KIND_TAMP: return "tamp";
    case OSSP_BACKUP_KIND_BKPSRAM: return "bkpsram";
    default: return NULL;
    }
}

GBytes *
ossp_backup_list_to_bytes (OsspBackupList  *self,
                           GError         **error)
{
  g_autoptr(GPtrArray) problems = ossp_backup_list_validate (self);
  guint16 kind = kind_to_code (self->memory->kind);
  gsize size = OSSP_BACKUP_FILE_HEADER_SIZE;
  guint8 *out, *p;
  GBytes *bytes;

  if (ossp_backup_problems_count_errors (problems) > 0)
    {
      set_error_from_problems (error, problems, "The backup file was not built");
      return NULL;
    }
  if (kind == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "The OSBK v1 file has no code for backup memory \"%s\" (chip map %s)",
                   self->memory->kind, ossp_chip_get_id (self->chip));
      return NULL;
    }
  for (guint i = 0; i < self->entries->len; i++)
    size += OSSP_BACKUP_ENTRY_HEADER_SIZE + ossp_backup_entry_get_length (self->entries->pdata[i]);

  /* the file holds the data in clear: build it in wiped memory */
  out = ossp_secure_alloc (size);
  memcpy (out, OSSP_BACKUP_FILE_MAGIC, 4);
  ossp_write_le16 (out + 4, OSSP_BACKUP_FILE_VERSION);
  ossp_write_le16 (out + 6, kind);
  ossp_write_le32 (out + 8, self->entries->len);
  ossp_write_le32 (out + 12, 0);
  p = out + OSSP_BACKUP_FILE_HEADER_SIZE;
  for (guint i = 0; i < self->entries->len; i++)
    {
      OsspBackupEntry *e = self->entries->pdata[i];
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (ossp_backup_entry_get_data (e), &len);

      ossp_write_le32 (p, ossp_backup_entry_get_offset (e));
      ossp_write_le32 (p + 4, (guint32) len);
      ossp_write_le32 (p + 8, ossp_backup_entry_get_flags (e));
      ossp_write_le32 (p + 12, 0);
      memcpy (p + 16, data, len);
      p += OSSP_BACKUP_ENTRY_HEADER_SIZE + len;
    }
  bytes = ossp_backup_secure_bytes_new (out, size);
  ossp_secure_free (out, size);
  return bytes;
}

/* Structure errors (truncation, magic, version) stop the parse with a
 * GError; rule errors of a well-formed file are all collected. */
OsspBackupList *
ossp_backup_list_new_from_bytes_full (OsspChip   *chip,
                                      GBytes     *bytes,
                                      GPtrArray **problems,
                                      GError    **error)
{
  g_autoptr(OsspBackupList) self = NULL;
  g_autoptr(GPtrArray) found = ossp_backup_problems_new ();
  g_autoptr(GArray) refs = NULL;
  g_autoptr(GPtrArray) parsed = NULL;
  const OsspBackupMemoryInfo *memory;
  const char *kind;
  gsize size = 0, pos;
  const guint8 *data;
  guint16 version, code;
  guint32 count, reserved;

  g_return_val_if_fail (OSSP_IS_CHIP (chip), NULL);
  g_return_val_if_fail (bytes != NULL, NULL);

  if (!check_chip_has_backup (chip, error))
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  if (size < OSSP_BACKUP_FILE_HEADER_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The backup file is %" G_GSIZE_FORMAT " bytes, shorter than the %d-byte OSBK header; "
                   "it is truncated or not a backup file", size, OSSP_BACKUP_FILE_HEADER_SIZE);
      return NULL;
    }
  if (memcmp (data, OSSP_BACKUP_FILE_MAGIC, 4) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Not an OpenSSP backup file: it starts with %02X %02X %02X %02X, not "
                   "4F 53 42 4B (\"OSBK\")", data[0], data[1], data[2], data[3]);
      return NULL;
    }
  version = ossp_read_le16 (data + 4);
  if (version > OSSP_BACKUP_FILE_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "The backup file is OSBK version %u; this OpenSSP reads version %d only: "
                   "use a newer OpenSSP", version, OSSP_BACKUP_FILE_VERSION);
      return NULL;
    }
  if (version == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The backup file has version 0, which does not exist (OSBK starts at 1)");
      return NULL;
    }
  code = ossp_read_le16 (data + 6);
  kind = code_to_kind (code);
  if (kind == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The backup file names memory kind %u; OSBK v1 knows 1 (TAMP backup registers) "
                   "and 2 (backup SRAM)", code);
      return NULL;
    }
  memory = ossp_chip_lookup_backup_memory (chip, kind);
  if (memory == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "The backup file is for \"%s\", which %s does not have", kind, ossp_chip_get_name (chip));
      return NULL;
    }
  count = ossp_read_le32 (data + 8);
  reserved = ossp_read_le32 (data + 12);
  if (reserved != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The backup file header has 0x%08X in its reserved field (bytes 12..15); "
                   "OSBK v1 requires 0", reserved);
      return NULL;
    }
  /* every entry takes at least its header: refuse a count the file cannot hold */
  if (count > (size - OSSP_BACKUP_FILE_HEADER_SIZE) / OSSP_BACKUP_ENTRY_HEADER_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The backup file claims %u entries but its %" G_GSIZE_FORMAT " bytes hold at most %"
                   G_GSIZE_FORMAT "; it is truncated or corrupt", count, size,
                   (size - OSSP_BACKUP_FILE_HEADER_SIZE) / OSSP_BACKUP_ENTRY_HEADER_SIZE);
      return NULL;
    }

  parsed = g_ptr_array_new_with_free_func (g_object_unref);
  refs = g_array_sized_new (FALSE, FALSE, sizeof (EntryRef), count);
  pos = OSSP_BACKUP_FILE_HEADER_SIZE;
  for (guint32 i = 0; i < count; i++)
    {
      guint32 offset, length, flags, entry_reserved;
      g_autoptr(GBytes) payload = NULL;
      OsspBackupEntry *entry;
      EntryRef r;

      if (size - pos < OSSP_BACKUP_ENTRY_HEADER_SIZE)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "The backup file is truncated: entry %u starts at byte %" G_GSIZE_FORMAT
                       " but only %" G_GSIZE_FORMAT " bytes are left of its 16-byte header",
                       i, pos, size - pos);
          return NULL;
        }
      offset = ossp_read_le32 (data + pos);
      length = ossp_read_le32 (data + pos + 4);
      flags = ossp_read_le32 (data + pos + 8);
      entry_reserved = ossp_read_le32 (data + pos + 12);
      pos += OSSP_BACKUP_ENTRY_HEADER_SIZE;
      if (length > size - pos)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "The backup file is truncated: entry %u declares %u bytes of data at byte %"
                       G_GSIZE_FORMAT " but only %" G_GSIZE_FORMAT " are left",
                       i, length, pos, size - pos);
          return NULL;
        }
      if (flags & ~(OSSP_BACKUP_FLAG_WRAP | OSSP_BACKUP_FLAG_CPU_MASK))
        add_problem (found, (int) i, "flags", OSSP_BACKUP_SEVERITY_ERROR,
                     "Flags 0x%08X set bits OSBK v1 does not define (only bit 0 = wrap and bits 2..1 = CPU)",
                     flags);
      if (entry_reserved != 0)
        add_problem (found, (int) i, "reserved", OSSP_BACKUP_SEVERITY_ERROR,
                     "The reserved field is 0x%08X; OSBK v1 requires 0", entry_reserved);
      payload = ossp_backup_secure_bytes_new (data + pos, length);
      pos += length;
      entry = ossp_backup_entry_new (offset, payload, (flags & OSSP_BACKUP_FLAG_WRAP) != 0,
                                     (flags & OSSP_BACKUP_FLAG_CPU_MASK) >> OSSP_BACKUP_FLAG_CPU_SHIFT, NULL);
      g_ptr_array_add (parsed, entry);
      r.entry = entry;
      r.index = (int) i;
      r.candidate = FALSE;
      g_array_append_val (refs, r);
    }
  if (pos != size)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The backup file has %" G_GSIZE_FORMAT " stray bytes after its last entry (entry "
                   "count %u); it is corrupt or was concatenated with something else", size - pos, count);
      return NULL;
    }

  check_entries (memory, refs, TRUE, found);
  if (problems)
    *problems = g_ptr_array_ref (found);
  if (ossp_backup_problems_count_errors (found) > 0)
    {
      set_error_from_problems (error, found, "The backup file breaks the OSBK v1 rules");
      return NULL;
    }

  self = g_object_new (OSSP_TYPE_BACKUP_LIST, NULL);
  self->chip = g_object_ref (chip);
  self->memory = memory;
  /* the file holds offsets only: the base is chosen when the payload is built */
  self->base = memory->bases[0];
  for (guint i = 0; i < parsed->len; i++)
    g_ptr_array_add (self->entries, g_object_ref (parsed->pdata[i]));
  return g_steal_pointer (&self);
}

OsspBackupList *
ossp_backup_list_new_from_bytes (OsspChip  *chip,
                                 GBytes    *bytes,
                                 GError   **error)
{
  return ossp_backup_list_new_from_bytes_full (chip, bytes, NULL, error);
}

static void
prefix_error_with_path (GError     **error,
                        const char  *path)
{
  if (error && *error && !strstr ((*error)->message, path))
    g_prefix_error (error, "%s: ", path);
}

gboolean
ossp_backup_list_save (OsspBackupList  *self,
                       const char      *path,
                       OsspWriteFlags   flags,
                       GError         **error)
{
  g_autoptr(GBytes) bytes = ossp_backup_list_to_bytes (self, error);

  if (bytes == NULL)
    return FALSE;
  return ossp_file_write_atomic (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 flags | OSSP_WRITE_FLAGS_SECRET, error);
}

/* Reads a file that may hold secrets into wiped memory. */
static GBytes *
read_secret_file (const char  *path,
                  gsize        max_len,
                  GError     **error)
{
  gsize len = 0;
  guint8 *raw = ossp_file_read (path, max_len, &len, error);
  GBytes *bytes;

  if (raw == NULL)
    return NULL;
  bytes = ossp_backup_secure_bytes_new (raw, len);
  ossp_secure_free (raw, len);
  return bytes;
}

OsspBackupList *
ossp_backup_list_load_full (OsspChip    *chip,
                            const char  *path,
                            GPtrArray  **problems,
                            GError     **error)
{
  g_autoptr(GBytes) bytes = read_secret_file (path, MAX_FILE_SIZE, error);
  OsspBackupList *list;

  if (bytes == NULL)
    return NULL;
  list = ossp_backup_list_new_from_bytes_full (chip, bytes, problems, error);
  if (list == NULL)
    prefix_error_with_path (error, path);
  return list;
}

OsspBackupList *
ossp_backup_list_load (OsspChip    *chip,
                       const char  *path,
                       GError     **error)
{
  return ossp_backup_list_load_full (chip, path, NULL, error);
}

/* ---- JSON list (docs/formats/backup.json.md) ----------------------------- */

static const char * const top_members[] = { "format", "version", "chip", "memory", "base", "entries", NULL };
static const char * const entry_members[] = { "offset", "length", "hex", "data_file", "wrap", "cpu", "label", NULL };

static char *
format_offset (guint32 value)
{
  return g_strdup_printf ("0x%X", value);
}

static char *
relative_path (const char *path,
               const char *dir)
{
  g_autofree char *canon_dir = NULL;
  g_autofree char *prefix = NULL;

  if (dir == NULL)
    return g_strdup (path);
  canon_dir = g_canonicalize_filename (dir, NULL);
  prefix = g_str_has_suffix (canon_dir, "/") ? g_strdup (canon_dir) : g_strconcat (canon_dir, "/", NULL);
  if (g_str_has_prefix (path, prefix))
    return g_strdup (path + strlen (prefix));
  return g_strdup (path);
}

JsonNode *
ossp_backup_list_to_json_full (OsspBackupList *self,
                               const char     *relative_to_dir,
                               gboolean        inline_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new_immutable ();
  g_autofree char *base = g_strdup_printf ("0x%08X", self->base);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, OSSP_BACKUP_JSON_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, OSSP_BACKUP_JSON_VERSION);
  json_builder_set_member_name (b, "chip");
  json_builder_add_string_value (b, ossp_chip_get_id (self->chip));
  json_builder_set_member_name (b, "memory");
  json_builder_add_string_value (b, self->memory->kind);
  json_builder_set_member_name (b, "base");
  json_builder_add_string_value (b, base);
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->entries->len; i++)
    {
      OsspBackupEntry *e = self->entries->pdata[i];
      g_autofree char *offset = format_offset (ossp_backup_entry_get_offset (e));
      const char *data_file = ossp_backup_entry_get_data_file (e);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "offset");
      json_builder_add_string_value (b, offset);
      json_builder_set_member_name (b, "length");
      json_builder_add_int_value (b, (gint64) ossp_backup_entry_get_length (e));
      if (data_file != NULL && !inline_data)
        {
          g_autofree char *rel = relative_path (data_file, relative_to_dir);
          json_builder_set_member_name (b, "data_file");
          json_builder_add_string_value (b, rel);
        }
      else
        {
          gsize len = 0;
          const guint8 *data = g_bytes_get_data (ossp_backup_entry_get_data (e), &len);
          char *hex = ossp_hex_encode (data, len);
          json_builder_set_member_name (b, "hex");
          json_builder_add_string_value (b, hex);
          ossp_secure_strfree (hex);
        }
      json_builder_set_member_name (b, "wrap");
      json_builder_add_boolean_value (b, ossp_backup_entry_get_wrap (e));
      json_builder_set_member_name (b, "cpu");
      json_builder_add_string_value (b, ossp_backup_wrap_cpu_to_string (ossp_backup_entry_get_cpu (e)));
      if (ossp_backup_entry_get_label (e) != NULL)
        {
          json_builder_set_member_name (b, "label");
          json_builder_add_string_value (b, ossp_backup_entry_get_label (e));
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
ossp_backup_list_to_json (OsspBackupList *self)
{
  return ossp_backup_list_to_json_full (self, NULL, FALSE);
}

static const char *
node_type_name (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING: return "a string";
    case G_TYPE_BOOLEAN: return "true/false";
    case G_TYPE_DOUBLE: return "a fractional number";
    default: return "a number";
    }
}

/* A u32 given as a JSON integer or as a "0x…"/decimal string. */
static gboolean
member_u32 (JsonObject *obj,
            const char *name,
            int         index,
            GPtrArray  *problems,
            guint32    *out)
{
  JsonNode *node = json_object_get_member (obj, name);
  g_autoptr(GError) error = NULL;

  if (node == NULL)
    {
      add_problem (problems, index, name, OSSP_BACKUP_SEVERITY_ERROR,
                   "\"%s\" is missing; give a number such as \"0x10\" or 16", name);
      return FALSE;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 v = json_node_get_int (node);
      if (v < 0 || v > G_MAXUINT32)
        {
          add_problem (problems, index, name, OSSP_BACKUP_SEVERITY_ERROR,
                       "\"%s\" is %" G_GINT64_FORMAT ", outside 0..0xFFFFFFFF", name, v);
          return FALSE;
        }
      *out = (guint32) v;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      if (!ossp_parse_u32 (json_node_get_string (node), out, &error))
        {
          add_problem (problems, index, name, OSSP_BACKUP_SEVERITY_ERROR, "\"%s\": %s", name, error->message);
          return FALSE;
        }
      return TRUE;
    }
  add_problem (problems, index, name, OSSP_BACKUP_SEVERITY_ERROR,
               "\"%s\" is %s; it must be a whole number or a string such as \"0x10\"",
               name, node_type_name (node));
  return FALSE;
}

/* NULL when absent; a problem when present with the wrong type */
static const char *
member_string (JsonObject *obj,
               const char *name,
               int         index,
               GPtrArray  *problems,
               gboolean   *ok)
{
  JsonNode *node = json_object_get_member (obj, name);

  *ok = TRUE;
  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  add_problem (problems, index, name, OSSP_BACKUP_SEVERITY_ERROR, "\"%s\" is %s; it must be a string",
               name, node_type_name (node));
  *ok = FALSE;
  return NULL;
}

static void
check_members (JsonObject         *obj,
               const char * const *known,
               int                 index,
               GPtrArray          *problems)
{
  g_autoptr(GList) names = json_object_get_members (obj);

  /* a typo such as "wrapp" must not silently drop a setting */
  for (GList *l = names; l; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) known);
        add_problem (problems, index, l->data, OSSP_BACKUP_SEVERITY_ERROR,
                     "Unknown member \"%s\"; the members are: %s", (const char *) l->data, list);
      }
}

static int
compare_problems (gconstpointer a,
                  gconstpointer b)
{
  const OsspBackupProblem *x = *(OsspBackupProblem * const *) a, *y = *(OsspBackupProblem * const *) b;
  return x->index - y->index;
}

static GBytes *
entry_data (JsonObject  *obj,
            int          index,
            const char  *base_dir,
            char       **out_data_file,
            GPtrArray   *problems)
{
  gboolean ok_hex, ok_file;
  const char *hex = member_string (obj, "hex", index, problems, &ok_hex);
  const char *file = member_string (obj, "data_file", index, problems, &ok_file);
  g_autoptr(GError) error = NULL;

  if (!ok_hex || !ok_file)
    return NULL;
  if ((hex != NULL) == (file != NULL))
    {
      add_problem (problems, index, hex ? "data_file" : "hex", OSSP_BACKUP_SEVERITY_ERROR,
                   hex ? "Give the data either as \"hex\" or as \"data_file\", not both"
                       : "The data is missing: give \"hex\" (hex digits) or \"data_file\" (a file path)");
      return NULL;
    }
  if (hex != NULL)
    {
      GBytes *bytes = ossp_backup_bytes_from_hex (hex, &error);
      if (bytes == NULL)
        add_problem (problems, index, "hex", OSSP_BACKUP_SEVERITY_ERROR, "%s", error->message);
      return bytes;
    }
  else
    {
      /* canonicalize takes an absolute folder only; the caller's may be "." */
      g_autofree char *dir = base_dir ? g_canonicalize_filename (base_dir, NULL) : NULL;
      g_autofree char *path = g_canonicalize_filename (file, dir);
      GBytes *bytes = read_secret_file (path, MAX_DATA_FILE_SIZE, &error);
      if (bytes == NULL)
        {
          add_problem (problems, index, "data_file", OSSP_BACKUP_SEVERITY_ERROR, "%s", error->message);
          return NULL;
        }
      *out_data_file = g_steal_pointer (&path);
      return bytes;
    }
}

/* Parses one element of "entries"; NULL (with problems) when a field
 * cannot even be read. The rules are checked later, over all entries. */
static OsspBackupEntry *
entry_from_json (JsonNode   *node,
                 int         index,
                 const char *base_dir,
                 GPtrArray  *problems)
{
  g_autoptr(GBytes) data = NULL;
  g_autofree char *data_file = NULL;
  JsonObject *obj;
  JsonNode *member;
  guint32 offset = 0, length = 0;
  gboolean ok = TRUE, ok_str, wrap = FALSE;
  OsspBackupWrapCpu cpu = OSSP_BACKUP_WRAP_CPU_NONE;
  const char *cpu_text, *label;
  guint before = problems->len;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      add_problem (problems, index, NULL, OSSP_BACKUP_SEVERITY_ERROR,
                   "Each entry must be an object with \"offset\" and \"hex\" or \"data_file\"; this one is %s",
                   node_type_name (node));
      return NULL;
    }
  obj = json_node_get_object (node);
  check_members (obj, entry_members, index, problems);
  ok &= member_u32 (obj, "offset", index, problems, &offset);
  data = entry_data (obj, index, base_dir, &data_file, problems);
  ok &= data != NULL;
  if (json_object_has_member (obj, "length") && member_u32 (obj, "length", index, problems, &length) &&
      data != NULL && length != g_bytes_get_size (data))
    add_problem (problems, index, "length", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"length\" says %u bytes but the data has %" G_GSIZE_FORMAT "; fix one of them",
                 length, g_bytes_get_size (data));
  if ((member = json_object_get_member (obj, "wrap")) != NULL)
    {
      if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_BOOLEAN)
        wrap = json_node_get_boolean (member);
      else
        add_problem (problems, index, "wrap", OSSP_BACKUP_SEVERITY_ERROR,
                     "\"wrap\" is %s; it must be true or false", node_type_name (member));
    }
  cpu_text = member_string (obj, "cpu", index, problems, &ok_str);
  if (cpu_text != NULL && !ossp_backup_wrap_cpu_from_string (cpu_text, &cpu))
    add_problem (problems, index, "cpu", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"cpu\" is \"%s\"; it must be \"none\", \"a35\" (Cortex-A35, TDCID1) or "
                 "\"m33\" (Cortex-M33, TDCID2)", cpu_text);
  label = member_string (obj, "label", index, problems, &ok_str);

  if (!ok || problems->len > before)
    return NULL;
  return ossp_backup_entry_new_with_file (offset, data, data_file, wrap, cpu, label);
}

OsspBackupList *
ossp_backup_list_new_from_json (OsspChip    *chip,
                                JsonNode    *node,
                                const char  *base_dir,
                                GPtrArray  **problems,
                                GError     **error)
{
  g_autoptr(GPtrArray) found = ossp_backup_problems_new ();
  g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) refs = g_array_new (FALSE, FALSE, sizeof (EntryRef));
  g_autoptr(OsspChip) own_chip = NULL;
  g_autoptr(OsspBackupList) self = NULL;
  const OsspBackupMemoryInfo *memory = NULL;
  JsonObject *root;
  JsonNode *member;
  const char *text;
  gboolean ok;
  guint32 base = 0;
  gboolean have_base;

  if (problems)
    *problems = NULL;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "A backup list is a JSON object with \"version\", \"memory\", \"base\" and "
                   "\"entries\"; this is %s", node_type_name (node));
      return NULL;
    }
  root = json_node_get_object (node);

  /* the version first: a newer file is refused as a whole */
  member = json_object_get_member (root, "version");
  if (member == NULL)
    add_problem (found, -1, "version", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"version\" is missing; add \"version\": %d", OSSP_BACKUP_JSON_VERSION);
  else if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64)
    add_problem (found, -1, "version", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"version\" is %s; it must be the number %d", node_type_name (member), OSSP_BACKUP_JSON_VERSION);
  else if (json_node_get_int (member) > OSSP_BACKUP_JSON_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "The backup list is version %" G_GINT64_FORMAT "; this OpenSSP reads version %d only: "
                   "use a newer OpenSSP (nothing was imported)", json_node_get_int (member),
                   OSSP_BACKUP_JSON_VERSION);
      return NULL;
    }
  else if (json_node_get_int (member) < 1)
    add_problem (found, -1, "version", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"version\" is %" G_GINT64_FORMAT "; the first version is 1", json_node_get_int (member));

  check_members (root, top_members, -1, found);
  text = member_string (root, "format", -1, found, &ok);
  if (text != NULL && !g_str_equal (text, OSSP_BACKUP_JSON_FORMAT))
    add_problem (found, -1, "format", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"format\" is \"%s\"; a backup list has \"%s\"", text, OSSP_BACKUP_JSON_FORMAT);

  text = member_string (root, "chip", -1, found, &ok);
  if (chip == NULL && text != NULL)
    {
      g_autoptr(GError) chip_error = NULL;
      chip = own_chip = ossp_chip_new (text, &chip_error);
      if (chip == NULL)
        add_problem (found, -1, "chip", OSSP_BACKUP_SEVERITY_ERROR, "%s", chip_error->message);
    }
  else if (chip == NULL && ok)
    add_problem (found, -1, "chip", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"chip\" is missing and no chip was given; add \"chip\": \"stm32mp25\"");
  else if (chip != NULL && text != NULL && !g_str_equal (text, ossp_chip_get_id (chip)))
    {
      /* names like "mp25" resolve to the same chip */
      g_autoptr(OsspChip) named = ossp_chip_new (text, NULL);
      if (named == NULL || !g_str_equal (ossp_chip_get_id (named), ossp_chip_get_id (chip)))
        add_problem (found, -1, "chip", OSSP_BACKUP_SEVERITY_ERROR,
                     "The list is for \"%s\" but the chip is %s; change \"chip\" or choose that chip",
                     text, ossp_chip_get_id (chip));
    }
  if (chip != NULL && !check_chip_has_backup (chip, error))
    return NULL;

  text = member_string (root, "memory", -1, found, &ok);
  if (text == NULL && ok)
    add_problem (found, -1, "memory", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"memory\" is missing; use \"tamp\" (TAMP backup registers) or \"bkpsram\" (backup SRAM)");
  else if (text != NULL && chip != NULL)
    {
      g_autoptr(GError) memory_error = NULL;
      memory = lookup_memory (chip, text, &memory_error);
      if (memory == NULL)
        add_problem (found, -1, "memory", OSSP_BACKUP_SEVERITY_ERROR, "%s", memory_error->message);
    }

  have_base = member_u32 (root, "base", -1, found, &base);
  if (have_base && memory != NULL)
    check_base (chip, memory, base, found);

  member = json_object_get_member (root, "entries");
  if (member == NULL)
    add_problem (found, -1, "entries", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"entries\" is missing; give an array (it may be empty)");
  else if (!JSON_NODE_HOLDS_ARRAY (member))
    add_problem (found, -1, "entries", OSSP_BACKUP_SEVERITY_ERROR,
                 "\"entries\" is %s; it must be an array", node_type_name (member));
  else
    {
      JsonArray *arr = json_node_get_array (member);
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          OsspBackupEntry *entry = entry_from_json (json_array_get_element (arr, i), (int) i, base_dir, found);
          EntryRef r = { entry, (int) i, FALSE };
          if (entry == NULL)
            continue;
          g_ptr_array_add (parsed, entry);
          g_array_append_val (refs, r);
        }
    }
  if (memory != NULL)
    check_entries (memory, refs, FALSE, found);
  else
    {
      /* the memory is unknown: still report alignment, wrap and overlap
       * problems now, rather than one round of fixes later */
      const OsspBackupMemoryInfo unbounded = { "unknown", "the memory", { 0 }, 0, G_MAXUINT32 };
      check_entries (&unbounded, refs, FALSE, found);
    }

  if (ossp_backup_problems_count_errors (found) > 0)
    {
      g_ptr_array_sort (found, compare_problems);
      set_error_from_problems (error, found, "The backup list is invalid, nothing was imported");
      if (problems)
        *problems = g_steal_pointer (&found);
      return NULL;
    }

  self = g_object_new (OSSP_TYPE_BACKUP_LIST, NULL);
  self->chip = g_object_ref (chip);
  self->memory = memory;
  self->base = base;
  for (guint i = 0; i < parsed->len; i++)
    {
      OsspBackupEntry *entry = parsed->pdata[i];
      g_ptr_array_insert (self->entries, (gint) sorted_position (self, ossp_backup_entry_get_offset (entry)),
                          g_object_ref (entry));
    }
  if (problems)
    *problems = g_steal_pointer (&found);
  return g_steal_pointer (&self);
}

OsspBackupList *
ossp_backup_list_load_json (OsspChip    *chip,
                            const char  *path,
                            GPtrArray  **problems,
                            GError     **error)
{
  g_autoptr(GBytes) bytes = read_secret_file (path, MAX_JSON_SIZE, error);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *dir = NULL;
  OsspBackupList *list;

  if (problems)
    *problems = NULL;
  if (bytes == NULL)
    return NULL;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                   &parse_error))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s is not valid JSON: %s (nothing was imported)", path, parse_error->message);
      return NULL;
    }
  dir = g_path_get_dirname (path);
  list = ossp_backup_list_new_from_json (chip, json_parser_get_root (parser), dir, problems, error);
  if (list == NULL)
    prefix_error_with_path (error, path);
  return list;
}

gboolean
ossp_backup_list_save_json (OsspBackupList  *self,
                            const char      *path,
                            OsspWriteFlags   flags,
                            GError         **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(JsonNode) node = ossp_backup_list_to_json_full (self, dir, FALSE);
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  gboolean secret = FALSE;
  gsize len = 0;
  char *text;
  gboolean ok;

  for (guint i = 0; i < self->entries->len; i++)
    if (ossp_backup_entry_get_data_file (self->entries->pdata[i]) == NULL)
      secret = TRUE;
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  /* inline data may be a key: the file is then private like the key */
  ok = ossp_file_write_atomic (path, (const guint8 *) text, len, flags | (secret ? OSSP_WRITE_FLAGS_SECRET : 0),
                               error);
  ossp_secure_free (text, len);
  return ok;
}
