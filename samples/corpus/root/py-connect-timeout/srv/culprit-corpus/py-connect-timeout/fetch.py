import socket

sock = socket.create_connection(("127.0.0.1", 18932))
sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
print(sock.recv(128))
