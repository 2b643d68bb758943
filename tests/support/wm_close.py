# Ask the X window with the given name to close, as a window manager's close
# button does (WM_DELETE_WINDOW). Used by the GUI test; needs python3-xlib.
# A shown window is preferred over a hidden one of the same name (an app
# hidden in the tray, or one a failed test left behind).
import sys
from Xlib import X, display, protocol
d = display.Display()
root = d.screen().root
def walk(w, found):
    try:
        name = w.get_wm_name()
    except Exception:
        name = None
    if name == sys.argv[1]:
        found.append(w)
    for c in w.query_tree().children:
        walk(c, found)
    return found
def viewable(w):
    try:
        return w.get_attributes().map_state == X.IsViewable
    except Exception:
        return False
found = walk(root, [])
shown = [w for w in found if viewable(w)]
win = (shown or found or [None])[-1]
if not win:
    sys.exit("window not found")
wm_protocols = d.intern_atom('WM_PROTOCOLS')
wm_delete = d.intern_atom('WM_DELETE_WINDOW')
ev = protocol.event.ClientMessage(window=win, client_type=wm_protocols, data=(32, [wm_delete, X.CurrentTime, 0, 0, 0]))
win.send_event(ev, event_mask=X.NoEventMask)
d.flush()
print("sent")
