import socket, sys, time
srv = socket.socket()
srv.bind(("127.0.0.1", 18932))
srv.listen(0)
fillers = []
for _ in range(2):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", 18932))
    except BlockingIOError:
        pass
    fillers.append(c)
time.sleep(0.3)
open(sys.argv[1], "w").close()
time.sleep(20)
