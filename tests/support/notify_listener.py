# A desktop-notification service for tests: owns org.freedesktop.Notifications
# on the session bus it is given (a private dbus-daemon), records every Notify
# call as a JSON line in the file named by argv[1], and prints "ready" once the
# name is owned. Run with /usr/bin/python3 (python3-dbus, python3-gi).
import json, sys
import dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib

LOG = sys.argv[1]
NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Notifications(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, PATH)
        self.next_id = 0

    @dbus.service.method(NAME, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints, timeout):
        self.next_id += 1
        with open(LOG, "a") as f:
            f.write(json.dumps({"app": str(app_name), "summary": str(summary), "body": str(body)}) + "\n")
        return self.next_id

    @dbus.service.method(NAME, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(NAME, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("mailwarden-test", "mailwarden", "1", "1.2")

    @dbus.service.method(NAME, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        pass


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
name = dbus.service.BusName(NAME, bus)
service = Notifications(bus)
print("ready", flush=True)
GLib.MainLoop().run()
