import socket

sock = socket.create_connection(("127.0.0.1", 18931))
sock.sendall(b"PING\r\n")
print(sock.recv(64))
