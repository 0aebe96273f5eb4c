/* ossp-sim-umockdev.c — usbdevfs ioctls → OsspSimDfuDevice (platform.md §5)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
/* linux/ioctl.h must come first or the USBDEVFS_* macros do not build */
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>

#include "ossp-sim-umockdev.h"

#define SYSFS_PATH "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"

typedef struct {
  UMockdevIoctlData *urb;       /* the client's struct usbdevfs_urb */
  UMockdevIoctlData *buffer;    /* its buffer (setup packet + data) */
  int                status;
  int                actual_length;
  gboolean           resets;    /* completing this URB resets the chip */
} FlyingUrb;

struct _OsspSimUmockdev
{
  GObject            parent_instance;

  UMockdevTestbed   *testbed;
  UMockdevIoctlBase *handler;
  OsspSimDfuDevice  *device;
  GMutex             lock;
  GQueue             done;      /* FlyingUrb, completed, waiting to be reaped */
  guint              devnum;    /* 0: no device in the testbed */
  guint              next_devnum;
  char              *devnode;
  char              *syspath;
  GThread           *watchdog;
  gint64             watchdog_at;
  gboolean           disposing;
  GCond              watchdog_cond;
};

G_DEFINE_FINAL_TYPE (OsspSimUmockdev, ossp_sim_umockdev, G_TYPE_OBJECT)

static void
flying_free (FlyingUrb *f)
{
  umockdev_ioctl_data_unref (f->buffer);
  umockdev_ioctl_data_unref (f->urb);
  g_free (f);
}

static void
remove_device (OsspSimUmockdev *self,
               gboolean         announce)
{
  if (self->devnum == 0)
    return;
  /* hosts learn of the unplug from the "remove" uevent, as with udev */
  if (announce)
    umockdev_testbed_uevent (self->testbed, self->syspath, "remove");
  umockdev_testbed_remove_device (self->testbed, self->syspath);
  g_queue_clear_full (&self->done, (GDestroyNotify) flying_free);
  self->devnum = 0;
}

static void
add_device (OsspSimUmockdev *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) desc = NULL;
  g_autofree char *hex = NULL, *serial = NULL, *text = NULL;
  gsize len;

  if (!ossp_sim_dfu_device_is_connected (self->device))
    return;
  self->devnum = self->next_devnum++;
  if (self->next_devnum > 127)
    self->next_devnum = 2;
  g_free (self->devnode);
  self->devnode = g_strdup_printf ("/dev/bus/usb/001/%03u", self->devnum);
  desc = ossp_sim_dfu_device_get_descriptors (self->device);
  {
    const guint8 *d = g_bytes_get_data (desc, &len);
    hex = ossp_hex_encode (d, len);
  }
  serial = ossp_sim_dfu_device_get_serial (self->device);
  /* the ioctl handler first, so that libusb can open the node at "add" */
  if (!umockdev_testbed_attach_ioctl (self->testbed, self->devnode, self->handler, &error))
    {
      g_warning ("umockdev: cannot attach to %s: %s", self->devnode, error->message);
      g_clear_error (&error);
    }
  text = g_strdup_printf ("P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\n"
                          "N: bus/usb/001/%03u\n"
                          "E: SUBSYSTEM=usb\n"
                          "E: DEVTYPE=usb_device\n"
                          "E: DRIVER=usb\n"
                          "E: BUSNUM=001\n"
                          "E: DEVNUM=%03u\n"
                          "E: DEVNAME=/dev/bus/usb/001/%03u\n"
                          "E: PRODUCT=483/df11/200\n"
                          "A: busnum=1\\n\n"
                          "A: devnum=%u\\n\n"
                          "A: devpath=1\\n\n"
                          "A: speed=480\\n\n"
                          "A: bConfigurationValue=1\\n\n"
                          "A: bNumConfigurations=1\\n\n"
                          "A: idVendor=0483\\n\n"
                          "A: idProduct=df11\\n\n"
                          "A: manufacturer=STMicroelectronics\\n\n"
                          "A: serial=%s\\n\n"
                          "H: descriptors=%s\n",
                          self->devnum, self->devnum, self->devnum, self->devnum, serial, hex);
  if (!umockdev_testbed_add_from_string (self->testbed, text, &error))
    g_warning ("umockdev: cannot add the simulated device: %s", error->message);
  g_free (self->syspath);
  self->syspath = g_strdup (SYSFS_PATH);
}

static gpointer
watchdog_thread (gpointer data)
{
  OsspSimUmockdev *self = data;

  g_mutex_lock (&self->lock);
  while (!self->disposing)
    {
      if (self->watchdog_at > 0 && g_get_monotonic_time () >= self->watchdog_at)
        {
          self->watchdog_at = 0;
          ossp_sim_dfu_device_watchdog (self->device);
          add_device (self);
          continue;
        }
      if (self->watchdog_at > 0)
        g_cond_wait_until (&self->watchdog_cond, &self->lock, self->watchdog_at);
      else
        g_cond_wait (&self->watchdog_cond, &self->lock);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* The chip reset: the old device leaves the bus, the new one arrives. */
static void
reenumerate (OsspSimUmockdev *self)
{
  guint delay;

  remove_device (self, TRUE);
  delay = ossp_sim_dfu_device_apply_reset (self->device);
  if (delay == 0)
    add_device (self);
  else if (delay != G_MAXUINT)
    {
      self->watchdog_at = g_get_monotonic_time () + (gint64) delay * 1000;
      g_cond_signal (&self->watchdog_cond);
    }
}

static void
complete_errno (UMockdevIoctlClient *client,
                int                  err)
{
  umockdev_ioctl_client_complete (client, -1, err);
}

static gboolean
submit_urb (OsspSimUmockdev     *self,
            UMockdevIoctlClient *client,
            UMockdevIoctlData   *arg)
{
  g_autoptr(UMockdevIoctlData) urb_data = NULL;
  struct usbdevfs_urb *urb;
  FlyingUrb *f;
  guint8 in[4096];
  guint16 w_length;
  gint r;

  urb_data = umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_urb), NULL);
  if (urb_data == NULL)
    {
      complete_errno (client, EFAULT);
      return TRUE;
    }
  urb = (struct usbdevfs_urb *) urb_data->data;
  if (urb->type != USBDEVFS_URB_TYPE_CONTROL || urb->buffer_length < 8)
    {
      complete_errno (client, EINVAL);
      return TRUE;
    }
  f = g_new0 (FlyingUrb, 1);
  f->buffer = umockdev_ioctl_data_resolve (urb_data, G_STRUCT_OFFSET (struct usbdevfs_urb, buffer),
                                           urb->buffer_length, NULL);
  if (f->buffer == NULL)
    {
      g_free (f);
      complete_errno (client, EFAULT);
      return TRUE;
    }
  f->urb = g_steal_pointer (&urb_data);
  w_length = f->buffer->data[6] | (f->buffer->data[7] << 8);
  if ((gsize) w_length + 8 > (gsize) urb->buffer_length || w_length > sizeof in)
    r = OSSP_SIM_DFU_STALL;
  else
    r = ossp_sim_dfu_device_control (self->device, f->buffer->data, f->buffer->data + 8, in);
  if (r == OSSP_SIM_DFU_STALL)
    f->status = -EPIPE;
  else
    {
      if ((f->buffer->data[0] & 0x80) && r > 0)
        memcpy (f->buffer->data + 8, in, r);
      f->actual_length = (f->buffer->data[0] & 0x80) ? r : w_length;
    }
  f->resets = ossp_sim_dfu_device_has_pending_reset (self->device);
  g_queue_push_tail (&self->done, f);
  umockdev_ioctl_client_complete (client, 0, 0);
  return TRUE;
}

static gboolean
reap_urb (OsspSimUmockdev     *self,
          UMockdevIoctlClient *client,
          UMockdevIoctlData   *arg)
{
  g_autoptr(UMockdevIoctlData) ptr = NULL;
  FlyingUrb *f = g_queue_pop_head (&self->done);
  struct usbdevfs_urb *urb;
  gboolean resets;

  if (f == NULL)
    {
      complete_errno (client, EAGAIN);
      return TRUE;
    }
  urb = (struct usbdevfs_urb *) f->urb->data;
  urb->status = f->status;
  urb->actual_length = f->actual_length;
  ptr = umockdev_ioctl_data_resolve (arg, 0, sizeof (gpointer), NULL);
  umockdev_ioctl_data_set_ptr (ptr, 0, f->urb);
  umockdev_ioctl_client_complete (client, 0, 0);
  resets = f->resets;
  flying_free (f);
  /* after the host got its answer, e.g. to DFU_DETACH */
  if (resets)
    reenumerate (self);
  return TRUE;
}

static gboolean
handle_ioctl (UMockdevIoctlBase   *handler,
              UMockdevIoctlClient *client,
              OsspSimUmockdev     *self)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  gulong request = umockdev_ioctl_client_get_request (client);
  gboolean handled = TRUE;

  g_mutex_lock (&self->lock);
  /* a handle on a node of an earlier enumeration: that device is gone */
  if (self->devnum == 0 || g_strcmp0 (umockdev_ioctl_client_get_devnode (client), self->devnode) != 0)
    {
      complete_errno (client, ENODEV);
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  switch (request)
    {
    case USBDEVFS_GET_CAPABILITIES:
      {
        g_autoptr(UMockdevIoctlData) d = umockdev_ioctl_data_resolve (arg, 0, sizeof (guint32), NULL);
        *(guint32 *) d->data = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                               USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        umockdev_ioctl_client_complete (client, 0, 0);
      }
      break;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
    case USBDEVFS_RESET:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_DISCONNECT_CLAIM:
      umockdev_ioctl_client_complete (client, 0, 0);
      break;
    case USBDEVFS_GETDRIVER:
    case USBDEVFS_IOCTL:
      complete_errno (client, ENODATA);   /* no kernel driver bound */
      break;
    case USBDEVFS_SETINTERFACE:
      {
        g_autoptr(UMockdevIoctlData) d =
          umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_setinterface), NULL);
        struct usbdevfs_setinterface *si = (struct usbdevfs_setinterface *) d->data;
        if (ossp_sim_dfu_device_set_interface (self->device, si->interface, si->altsetting))
          umockdev_ioctl_client_complete (client, 0, 0);
        else
          complete_errno (client, EINVAL);
      }
      break;
    case USBDEVFS_CONNECTINFO:
      {
        g_autoptr(UMockdevIoctlData) d =
          umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_connectinfo), NULL);
        struct usbdevfs_connectinfo *ci = (struct usbdevfs_connectinfo *) d->data;
        ci->devnum = self->devnum;
        ci->slow = 0;
        umockdev_ioctl_client_complete (client, 0, 0);
      }
      break;
    case USBDEVFS_SUBMITURB:
      submit_urb (self, client, arg);
      break;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
      reap_urb (self, client, arg);
      break;
    case USBDEVFS_DISCARDURB:
      /* every URB completes at once, so there is nothing in flight */
      complete_errno (client, EINVAL);
      break;
    default:
      handled = FALSE;
      break;
    }
  g_mutex_unlock (&self->lock);
  return handled;
}

static void
ossp_sim_umockdev_dispose (GObject *object)
{
  OsspSimUmockdev *self = OSSP_SIM_UMOCKDEV (object);

  if (self->watchdog != NULL)
    {
      g_mutex_lock (&self->lock);
      self->disposing = TRUE;
      g_cond_signal (&self->watchdog_cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->watchdog);
      self->watchdog = NULL;
    }
  if (self->testbed != NULL)
    {
      /* at teardown nobody listens for uevents any more */
      g_mutex_lock (&self->lock);
      remove_device (self, FALSE);
      g_mutex_unlock (&self->lock);
    }
  if (self->handler != NULL)
    g_signal_handlers_disconnect_by_data (self->handler, self);
  g_clear_object (&self->handler);
  g_clear_object (&self->testbed);
  g_clear_object (&self->device);
  G_OBJECT_CLASS (ossp_sim_umockdev_parent_class)->dispose (object);
}

static void
ossp_sim_umockdev_finalize (GObject *object)
{
  OsspSimUmockdev *self = OSSP_SIM_UMOCKDEV (object);

  g_free (self->devnode);
  g_free (self->syspath);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->watchdog_cond);
  G_OBJECT_CLASS (ossp_sim_umockdev_parent_class)->finalize (object);
}

static void
ossp_sim_umockdev_class_init (OsspSimUmockdevClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ossp_sim_umockdev_dispose;
  G_OBJECT_CLASS (klass)->finalize = ossp_sim_umockdev_finalize;
}

static void
ossp_sim_umockdev_init (OsspSimUmockdev *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->watchdog_cond);
  g_queue_init (&self->done);
  self->next_devnum = 2;
}

OsspSimUmockdev *
ossp_sim_umockdev_new (UMockdevTestbed   *testbed,
                       OsspSimDfuDevice  *device,
                       GError           **error)
{
  OsspSimUmockdev *self = g_object_new (OSSP_TYPE_SIM_UMOCKDEV, NULL);

  self->testbed = g_object_ref (testbed);
  self->device = g_object_ref (device);
  self->handler = umockdev_ioctl_base_new ();
  g_signal_connect (self->handler, "handle-ioctl", G_CALLBACK (handle_ioctl), self);
  self->watchdog = g_thread_new ("sim-usb-watchdog", watchdog_thread, self);
  g_mutex_lock (&self->lock);
  add_device (self);
  g_mutex_unlock (&self->lock);
  return self;
}

OsspSimDfuDevice *
ossp_sim_umockdev_get_device (OsspSimUmockdev *self)
{
  return self->device;
}

guint
ossp_sim_umockdev_get_devnum (OsspSimUmockdev *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->devnum;
  g_mutex_unlock (&self->lock);
  return n;
}

void
ossp_sim_umockdev_lock (OsspSimUmockdev *self)
{
  g_mutex_lock (&self->lock);
}

void
ossp_sim_umockdev_unlock (OsspSimUmockdev *self)
{
  g_mutex_unlock (&self->lock);
}
