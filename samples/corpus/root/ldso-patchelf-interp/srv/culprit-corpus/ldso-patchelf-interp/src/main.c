#include <stdio.h>
void greet(const char *who);
int main(void) { greet("corpus"); return 0; }
