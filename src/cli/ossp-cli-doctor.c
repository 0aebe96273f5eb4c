/* ossp-cli-doctor.c — `openssp doctor`: what a provisioning station needs
 * (pcscd and readers, USB access to chips in DFU mode, serial ports, the
 * files a project names), each check with how to fix it (docs/doctor.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ossp-cli.h"
#include "ossp-dfu-transport.h"
#include "ossp-pcsc-hsm.h"

#define DFU_VENDOR  "0483"
#define DFU_PRODUCT "df11"
#define UDEV_RULE   "70-openssp.rules"

typedef enum {
  CHECK_OK,
  CHECK_WARNING,   /* the station works, but not for everything */
  CHECK_ERROR,     /* something a station needs is missing */
  CHECK_SKIPPED,
} CheckStatus;

typedef struct {
  const char  *id;
  CheckStatus  status;
  char        *message;
  char        *fix;       /* NULL when nothing is to be done */
} Check;

static void
check_free (Check *check)
{
  g_free (check->message);
  g_free (check->fix);
  g_free (check);
}

static const char *
status_name (CheckStatus status)
{
  switch (status)
    {
    case CHECK_OK: return "ok";
    case CHECK_WARNING: return "warning";
    case CHECK_ERROR: return "error";
    default: return "skipped";
    }
}

static void G_GNUC_PRINTF (4, 5)
add_check (GPtrArray   *checks,
           const char  *id,
           CheckStatus  status,
           const char  *format,
           ...)
{
  Check *c = g_new0 (Check, 1);
  va_list args;

  c->id = id;
  c->status = status;
  va_start (args, format);
  c->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (checks, c);
}

static void G_GNUC_PRINTF (2, 3)
set_fix (GPtrArray  *checks,
         const char *format,
         ...)
{
  Check *c = g_ptr_array_index (checks, checks->len - 1);
  va_list args;

  va_start (args, format);
  g_free (c->fix);
  c->fix = g_strdup_vprintf (format, args);
  va_end (args);
}

/* sysfs is read through plain files so that umockdev can stand in for a
 * real device in tests */
static char *
read_attr (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return g_strstrip (text);
}

static const char *
sys_root (void)
{
  return "/sys";
}

/* ---- pcscd --------------------------------------------------------------- */

static void
check_pcscd (OsspCli   *cli,
             GPtrArray *checks)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) readers = ossp_pcsc_list_readers (&error);
  const char *provider = cli->project ? ossp_project_get_string (cli->project, "hsm.provider") : NULL;
  /* a project that uses the soft-HSM or a bridge command does not need pcscd */
  gboolean needed = provider == NULL || g_str_equal (provider, "pcsc");

  if (readers == NULL)
    {
      add_check (checks, "pcscd", needed ? CHECK_ERROR : CHECK_WARNING,
                 "pcscd cannot be reached: %s", error->message);
      set_fix (checks, "Install and start the PC/SC daemon: sudo apt install pcscd && sudo systemctl "
               "enable --now pcscd.socket (in the Flatpak, the app needs --socket=pcsc)");
      return;
    }
  if (readers->len == 0)
    {
      add_check (checks, "pcscd", needed ? CHECK_WARNING : CHECK_OK,
                 "pcscd answers, but no smart-card reader is connected");
      if (needed)
        set_fix (checks, "Plug in the reader holding the HSM; 'pcsc_scan' (package pcsc-tools) shows what "
                 "pcscd sees");
      return;
    }
  {
    g_autoptr(GString) names = g_string_new (NULL);
    guint cards = 0;
    for (guint i = 0; i < readers->len; i++)
      {
        OsspPcscReader *r = g_ptr_array_index (readers, i);
        g_string_append_printf (names, "%s%s (%s)", i ? ", " : "", r->name,
                                r->card_present ? "card present" : "no card");
        cards += r->card_present;
      }
    add_check (checks, "pcscd", cards || !needed ? CHECK_OK : CHECK_WARNING,
               "pcscd answers; %u reader%s: %s", readers->len, readers->len == 1 ? "" : "s", names->str);
    if (cards == 0 && needed)
      set_fix (checks, "Insert the HSM card into the reader");
  }
}

/* ---- USB: chips in DFU mode and the udev rule ---------------------------- */

static char *
find_udev_rule (void)
{
  const char *dirs[] = { "/etc/udev/rules.d", "/run/udev/rules.d", "/usr/lib/udev/rules.d",
                         "/lib/udev/rules.d", "/usr/local/lib/udev/rules.d", NULL };

  for (guint i = 0; dirs[i]; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], UDEV_RULE, NULL);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
  return NULL;
}

static void
check_usb (OsspCli   *cli,
           GPtrArray *checks)
{
  g_autofree char *usb_dir = g_build_filename (sys_root (), "bus", "usb", "devices", NULL);
  g_autoptr(GDir) dir = g_dir_open (usb_dir, 0, NULL);
  g_autofree char *rule = find_udev_rule ();
  guint found = 0, usable = 0;
  g_autoptr(GString) denied = g_string_new (NULL);
  g_autoptr(GString) ok = g_string_new (NULL);
  const char *name;

  if (rule != NULL)
    add_check (checks, "udev-rule", CHECK_OK, "The udev rule for DFU devices is installed: %s", rule);
  else
    {
      add_check (checks, "udev-rule", CHECK_WARNING,
                 "The udev rule that lets you (not only root) open chips in DFU mode is not installed");
      set_fix (checks, "sudo cp data/udev/" UDEV_RULE " /etc/udev/rules.d/ && sudo udevadm control --reload "
               "(meson install puts it in PREFIX/lib/udev/rules.d), then plug the board in again");
    }

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *dev = g_build_filename (usb_dir, name, NULL);
      g_autofree char *vendor = read_attr (dev, "idVendor");
      g_autofree char *product = read_attr (dev, "idProduct");
      g_autofree char *busnum = NULL, *devnum = NULL, *node = NULL;

      if (g_strcmp0 (vendor, DFU_VENDOR) != 0 || g_ascii_strcasecmp (product ? product : "", DFU_PRODUCT) != 0)
        continue;
      found++;
      busnum = read_attr (dev, "busnum");
      devnum = read_attr (dev, "devnum");
      node = g_strdup_printf ("/dev/bus/usb/%03d/%03d", busnum ? atoi (busnum) : 0, devnum ? atoi (devnum) : 0);
      if (access (node, R_OK | W_OK) == 0)
        {
          usable++;
          g_string_append_printf (ok, "%s%s", ok->len ? ", " : "", node);
        }
      else
        g_string_append_printf (denied, "%s%s (%s)", denied->len ? ", " : "", node, g_strerror (errno));
    }

  /* what the provisioning code itself (libusb) sees */
  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) descs = NULL;
    g_auto(GStrv) ports = ossp_dfu_transport_list_ports (&descs, &error);
    g_autoptr(GString) seen = g_string_new (NULL);

    for (guint i = 0; ports && ports[i]; i++)
      g_string_append_printf (seen, "%s%s (%s)", i ? ", " : "", ports[i], descs[i]);
    if (ports == NULL)
      add_check (checks, "libusb", CHECK_ERROR, "libusb cannot list USB devices: %s", error->message);
    else if (ports[0] == NULL)
      add_check (checks, "libusb", found ? CHECK_WARNING : CHECK_OK,
                 "libusb sees no chip in DFU mode%s", found ? ", though sysfs lists one" : "");
    else
      add_check (checks, "libusb", CHECK_OK, "libusb sees %s", seen->str);
    if (ports == NULL)
      set_fix (checks, "Check that /dev/bus/usb is there (in a container: pass the USB bus through; "
               "in the Flatpak: --device=all)");
  }

  if (found == 0)
    {
      add_check (checks, "usb-dfu", CHECK_WARNING, "No STM32 chip in USB DFU mode (%s:%s) is connected",
                 DFU_VENDOR, DFU_PRODUCT);
      set_fix (checks, "Connect the board's USB OTG (Type-C) port with the boot pins set to USB boot, "
               "then reset it; 'lsusb -d %s:%s' should list it", DFU_VENDOR, DFU_PRODUCT);
    }
  else if (usable < found)
    {
      add_check (checks, "usb-dfu", CHECK_ERROR, "%u chip%s in DFU mode, but you cannot open %s",
                 found, found == 1 ? "" : "s", denied->str);
      set_fix (checks, "Install the udev rule (see udev-rule) and plug the board in again; or add "
               "yourself to group plugdev: sudo usermod -aG plugdev $USER, then log in again");
    }
  else
    add_check (checks, "usb-dfu", CHECK_OK, "%u chip%s in DFU mode, usable: %s", found,
               found == 1 ? "" : "s", ok->str);
}

/* ---- serial ports ---------------------------------------------------------- */

static gboolean
in_group (gid_t gid)
{
  int n = getgroups (0, NULL);
  g_autofree gid_t *groups = NULL;

  if (getegid () == gid)
    return TRUE;
  if (n <= 0)
    return FALSE;
  groups = g_new (gid_t, n);
  n = getgroups (n, groups);
  for (int i = 0; i < n; i++)
    if (groups[i] == gid)
      return TRUE;
  return FALSE;
}

/* /etc/group lists the user, but this login session predates it */
static gboolean
listed_in_group (gid_t gid)
{
  struct group *gr = getgrgid (gid);
  struct passwd *pw = getpwuid (getuid ());

  if (gr == NULL || pw == NULL)
    return FALSE;
  for (char **m = gr->gr_mem; m && *m; m++)
    if (g_str_equal (*m, pw->pw_name))
      return TRUE;
  return pw->pw_gid == gid;
}

static void
check_serial (OsspCli   *cli,
              GPtrArray *checks)
{
  g_autofree char *tty_dir = g_build_filename (sys_root (), "class", "tty", NULL);
  g_autoptr(GDir) dir = g_dir_open (tty_dir, 0, NULL);
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GString) denied = g_string_new (NULL);
  g_autofree char *group_name = NULL;
  gboolean relogin = FALSE;
  guint found = 0, usable = 0;
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *node = NULL;
      struct stat st;

      if (!g_str_has_prefix (name, "ttyACM") && !g_str_has_prefix (name, "ttyUSB"))
        continue;
      found++;
      node = g_build_filename ("/dev", name, NULL);
      if (access (node, R_OK | W_OK) == 0)
        {
          usable++;
          g_string_append_printf (ok, "%s%s", ok->len ? ", " : "", node);
          continue;
        }
      g_string_append_printf (denied, "%s%s", denied->len ? ", " : "", node);
      if (stat (node, &st) == 0)
        {
          struct group *gr = getgrgid (st.st_gid);
          if (group_name == NULL && gr != NULL)
            group_name = g_strdup (gr->gr_name);
          relogin |= !in_group (st.st_gid) && listed_in_group (st.st_gid);
        }
    }

  if (found == 0)
    {
      struct group *dialout = getgrnam ("dialout");
      add_check (checks, "serial", CHECK_WARNING, "No USB serial port (/dev/ttyACM*, /dev/ttyUSB*) is connected");
      set_fix (checks, "For UART provisioning connect the board's ST-LINK or USB-UART; it shows up as "
               "/dev/ttyACM0 or /dev/ttyUSB0");
      if (dialout != NULL && !in_group (dialout->gr_gid))
        {
          add_check (checks, "serial-group", CHECK_WARNING,
                     "You are not in group dialout, which owns serial ports on Debian");
          set_fix (checks, "sudo usermod -aG dialout $USER, then log out and in again");
        }
      return;
    }
  if (usable == found)
    {
      add_check (checks, "serial", CHECK_OK, "%u serial port%s, usable: %s", found, found == 1 ? "" : "s",
                 ok->str);
      return;
    }
  add_check (checks, "serial", CHECK_ERROR, "You cannot open %s%s%s", denied->str,
             group_name ? ", owned by group " : "", group_name ? group_name : "");
  if (relogin)
    set_fix (checks, "You were added to group %s after logging in: log out and in again",
             group_name ? group_name : "dialout");
  else
    set_fix (checks, "sudo usermod -aG %s $USER, then log out and in again",
             group_name ? group_name : "dialout");
}

/* ---- the project ------------------------------------------------------------ */

static void
check_project (OsspCli   *cli,
               GPtrArray *checks)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  guint errors = 0, warnings = 0, pending = 0;
  const char *port;

  if (cli->project == NULL)
    {
      add_check (checks, "project", CHECK_SKIPPED, "No project given (--project FILE checks its files too)");
      return;
    }
  problems = ossp_project_check (cli->project);
  for (guint i = 0; i < problems->len; i++)
    {
      const OsspProjectProblem *p = g_ptr_array_index (problems, i);
      if (p->severity == OSSP_PROJECT_SEVERITY_INFO)
        {
          pending++;
          continue;
        }
      errors += p->severity == OSSP_PROJECT_SEVERITY_ERROR;
      warnings += p->severity == OSSP_PROJECT_SEVERITY_WARNING;
      g_string_append_printf (text, "; %s: %s", p->where, p->message);
    }
  if (errors + warnings == 0)
    add_check (checks, "project", CHECK_OK, "%s: every file it names is there%s",
               ossp_project_get_file (cli->project),
               pending ? " (or is made by 'openssp project build')" : "");
  else
    {
      add_check (checks, "project", errors ? CHECK_ERROR : CHECK_WARNING, "%s: %u error%s, %u warning%s%s",
                 ossp_project_get_file (cli->project), errors, errors == 1 ? "" : "s", warnings,
                 warnings == 1 ? "" : "s", text->str);
      set_fix (checks, "Put the missing files in place or point the project at them "
               "('openssp project set FILE KEY PATH'); 'openssp project check FILE' lists every problem");
    }

  /* a serial port named in the project must be there and usable */
  port = ossp_project_get_string (cli->project, "provision.port");
  if (port != NULL && g_str_has_prefix (port, "/dev/"))
    {
      if (access (port, R_OK | W_OK) == 0)
        add_check (checks, "project-port", CHECK_OK, "The project's port %s is usable", port);
      else
        {
          add_check (checks, "project-port", CHECK_ERROR, "The project's port %s: %s", port, g_strerror (errno));
          set_fix (checks, errno == ENOENT ? "Connect the board, or set provision.port to the port it shows up as"
                                           : "sudo usermod -aG dialout $USER, then log out and in again");
        }
    }
}

/* ---- output ----------------------------------------------------------------- */

static int
print_checks (OsspCli   *cli,
              GPtrArray *checks)
{
  guint errors = 0, warnings = 0;

  for (guint i = 0; i < checks->len; i++)
    {
      Check *c = g_ptr_array_index (checks, i);
      errors += c->status == CHECK_ERROR;
      warnings += c->status == CHECK_WARNING;
    }
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, errors == 0);
      json_builder_set_member_name (b, "errors");
      json_builder_add_int_value (b, errors);
      json_builder_set_member_name (b, "warnings");
      json_builder_add_int_value (b, warnings);
      json_builder_set_member_name (b, "checks");
      json_builder_begin_array (b);
      for (guint i = 0; i < checks->len; i++)
        {
          Check *c = g_ptr_array_index (checks, i);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "id");
          json_builder_add_string_value (b, c->id);
          json_builder_set_member_name (b, "status");
          json_builder_add_string_value (b, status_name (c->status));
          json_builder_set_member_name (b, "message");
          json_builder_add_string_value (b, c->message);
          json_builder_set_member_name (b, "fix");
          if (c->fix)
            json_builder_add_string_value (b, c->fix);
          else
            json_builder_add_null_value (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    {
      const char *marks[] = { "ok  ", "WARN", "FAIL", "skip" };
      for (guint i = 0; i < checks->len; i++)
        {
          Check *c = g_ptr_array_index (checks, i);
          g_print ("%s %-13s %s\n", marks[c->status], c->id, c->message);
          if (c->fix)
            g_print ("     %-13s fix: %s\n", "", c->fix);
        }
      g_print ("%u error%s, %u warning%s\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    }
  if (errors > 0)
    {
      g_autoptr(GError) error = g_error_new (OSSP_ERROR, OSSP_ERROR_VALIDATION,
                                             "This station is missing %u thing%s it needs", errors,
                                             errors == 1 ? "" : "s");
      return ossp_error_exit_code (error);
    }
  return OSSP_EXIT_OK;
}

int
ossp_cli_doctor (OsspCli *cli, int argc, char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func ((GDestroyNotify) check_free);
  int exit_code;

  if (!ossp_cli_parse_options (cli, "doctor", "",
                               "Check what a provisioning station needs: pcscd and readers, USB access to "
                               "chips in DFU mode, serial ports and their group, the files a --project names. "
                               "Each problem comes with how to fix it; exit 11 when something is missing.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ossp_cli_usage_error (cli, "'openssp doctor' takes no argument (\"%s\"); see --help", argv[1]);
  check_pcscd (cli, checks);
  check_usb (cli, checks);
  check_serial (cli, checks);
  check_project (cli, checks);
  return print_checks (cli, checks);
}
