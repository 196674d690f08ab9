import socket

sock = socket.create_connection(("10.77.0.5", 5432))
print("database reachable")
