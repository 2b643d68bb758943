# The smtplib side of the SMTP benchmark: one test send per line read from
# stdin, over STARTTLS with AUTH XOAUTH2, the same message and token as
# Mailwarden's. Answers "ok" per send (the process stays up: no start-up cost).
import smtplib, ssl, sys
host, port, ca, user, token = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
msg = (f"From: {user}\r\nTo: {user}\r\nSubject: Mailwarden test: bench\r\nMessage-ID: <bench@contoso.com>\r\n"
       "Content-Type: text/plain; charset=utf-8\r\n\r\nThis is a test message.\r\n")
for _ in sys.stdin:
    with smtplib.SMTP(host, port, timeout=30) as s:
        s.ehlo()
        s.starttls(context=ctx)
        s.ehlo()
        s.auth("XOAUTH2", lambda challenge=None: f"user={user}\x01auth=Bearer {token}\x01\x01")
        s.sendmail(user, [user], msg)
    print("ok", flush=True)
