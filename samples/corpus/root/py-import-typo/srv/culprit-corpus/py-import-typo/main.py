from helpres import greet

print(greet("world"))
