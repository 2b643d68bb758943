# A StatusNotifierWatcher for tests (what a desktop's panel provides), on the
# private session bus it is given: the app's tray icon registers with it, and
# commands on stdin read the tray menu through com.canonical.dbusmenu:
#   labels        -> one JSON line: the menu's labels (or [] before registering)
#   click LABEL   -> sends the "clicked" event to that item; answers "ok"
# Run with /usr/bin/python3 (python3-dbus, python3-gi).
import json, sys
import dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib

NAME = "org.kde.StatusNotifierWatcher"
items = []  # (bus name, object path)


class Watcher(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, "/StatusNotifierWatcher")

    @dbus.service.method(NAME, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        path = service if service.startswith("/") else "/StatusNotifierItem"
        name = sender if service.startswith("/") else service
        items.append((str(name), str(path)))
        self.StatusNotifierItemRegistered(name + path)

    @dbus.service.method(NAME, in_signature="s", out_signature="")
    def RegisterStatusNotifierHost(self, service):
        pass

    @dbus.service.signal(NAME, signature="s")
    def StatusNotifierItemRegistered(self, service):
        pass

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        return self.GetAll(iface)[prop]

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return {
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
            "RegisteredStatusNotifierItems": dbus.Array([n + p for n, p in items], signature="s"),
        }


def menu():
    name, path = items[-1]
    item = bus.get_object(name, path)
    menu_path = item.Get("org.kde.StatusNotifierItem", "Menu", dbus_interface=dbus.PROPERTIES_IFACE)
    return bus.get_object(name, menu_path)


def entries():
    if not items:
        return []
    _rev, layout = menu().GetLayout(0, -1, ["label"], dbus_interface="com.canonical.dbusmenu")
    return [(int(c[0]), str(c[1].get("label", ""))) for c in layout[2]]


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
name = dbus.service.BusName(NAME, bus)
watcher = Watcher(bus)
loop = GLib.MainLoop()
print("ready", flush=True)


def handle(source, condition):
    line = sys.stdin.readline()
    if not line:
        loop.quit()
        return False
    cmd = line.strip()
    try:
        if cmd == "labels":
            out = json.dumps([label for _, label in entries()])
        elif cmd.startswith("click "):
            target = cmd[len("click "):]
            ident = next(i for i, label in entries() if label.replace("_", "") == target)
            menu().Event(ident, "clicked", dbus.String("", variant_level=1), dbus.UInt32(0),
                         dbus_interface="com.canonical.dbusmenu")
            out = "ok"
        else:
            out = "unknown"
    except Exception as e:
        out = "error: " + str(e).replace("\n", " ")
    print(out, flush=True)
    return True


GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, handle)
loop.run()
