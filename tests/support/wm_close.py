# Ask the X window with the given name to close, as a window manager's close
# button does (WM_DELETE_WINDOW). Used by the GUI test; needs python3-xlib.
import sys
from Xlib import X, display, protocol
d = display.Display()
root = d.screen().root
def walk(w):
    try:
        name = w.get_wm_name()
    except Exception:
        name = None
    if name == sys.argv[1]:
        return w
    for c in w.query_tree().children:
        r = walk(c)
        if r: return r
win = walk(root)
if not win:
    sys.exit("window not found")
wm_protocols = d.intern_atom('WM_PROTOCOLS')
wm_delete = d.intern_atom('WM_DELETE_WINDOW')
ev = protocol.event.ClientMessage(window=win, client_type=wm_protocols, data=(32, [wm_delete, X.CurrentTime, 0, 0, 0]))
win.send_event(ev, event_mask=X.NoEventMask)
d.flush()
print("sent")
