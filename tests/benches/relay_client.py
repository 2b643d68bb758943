"""The relay benchmark's client: one SMTP connection, COUNT messages (every
tenth 200 KB, the rest 2 KB), signed in with LOGIN; prints one JSON line with
the wall time and each transaction's latency by size."""
import json, smtplib, sys, time

host, port, user, password, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
def message(n, kb):
    body = ("x" * 76 + "\r\n") * (kb * 1024 // 78)
    return ("From: erp@contoso.com\r\nTo: erp@contoso.com\r\nSubject: bench %d\r\n"
            "Message-ID: <bench-%s-%d@bench.lan>\r\n\r\n%s" % (n, port, n, body))
small, large = message(0, 2), message(0, 200)
lat = {"2": [], "200": []}
s = smtplib.SMTP(host, port, timeout=120)
s.ehlo("bench.lan")
s.login(user, password)
start = time.perf_counter()
for n in range(count):
    kb = "200" if n % 10 == 9 else "2"
    msg = (large if kb == "200" else small).replace("bench-%s-0@" % port, "bench-%s-%d@" % (port, n), 1)
    t = time.perf_counter()
    s.sendmail("erp@contoso.com", ["erp@contoso.com"], msg)
    lat[kb].append(time.perf_counter() - t)
secs = time.perf_counter() - start
s.quit()
print(json.dumps({"secs": secs, "lat": lat}))
