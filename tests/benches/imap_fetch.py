"""The IMAP benchmark's client: sign in, select INBOX read-only, fetch every
message one command at a time (as fetchmail and getmail do), and print the
time taken and the bytes read as JSON.

usage: imap_fetch.py HOST PORT MODE USER SECRET
MODE: login (plain IMAP, LOGIN with SECRET as the password), login-tls
(the same over IMAPS) or xoauth2 (IMAPS, AUTHENTICATE XOAUTH2 with SECRET as
the token). IMAPS trusts the CA in SSL_CERT_FILE."""
import imaplib, json, ssl, sys, time

host, port, mode, user, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
start = time.perf_counter()
if mode == "xoauth2":
    ctx = ssl.create_default_context()
    m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx, timeout=120)
    m.authenticate("XOAUTH2", lambda _: f"user={user}\x01auth=Bearer {secret}\x01\x01".encode())
elif mode == "login-tls":
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx, timeout=120)
    m.login(user, secret)
else:
    m = imaplib.IMAP4(host, port, timeout=120)
    m.login(user, secret)
m.select("INBOX", readonly=True)
ids = m.search(None, "ALL")[1][0].split()
total = 0
for i in ids:
    typ, data = m.fetch(i, "(BODY.PEEK[])")
    assert typ == "OK", data
    total += len(data[0][1])
m.logout()
print(json.dumps({"secs": time.perf_counter() - start, "bytes": total, "count": len(ids)}))
