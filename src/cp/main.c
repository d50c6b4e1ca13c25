/* main.c: the vmcp command (the CP). Dispatches the first word to a command module. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		printf("usage: vmcp COMMAND [ARGS]   (see docs/commands.md)\n");
		return argc < 2 ? 1 : 0;
	}
	msg(2, 'E', "unknown command %s", argv[1]);
	return 1;
}
