/* vmhold.c: a test tool standing in for a running VM until `vmcp ipl` exists: loads VM
 * NAME from the real disk DASD with vmblock_load (taking its VD locks, as ipl will),
 * prints "held N VDs" and waits until it is killed or 60 seconds pass, then unloads.
 * With a failed load it prints the numbered message and exits with its code. */
#include <stdio.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/vmblock.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vmhold DASD NAME\n");
		return 1;
	}
	VmBlock vm;
	int r = vmblock_load(argv[1], argv[2], &vm);
	if (r) {
		msg(vm.err.num, 'E', "%s", vm.err.text);
		return vmcp_exit_code(r);
	}
	printf("held %u VDs\n", vm.nvd);
	fflush(stdout);
	for (int i = 0; i < 600; i++)
		usleep(100000);
	vmblock_unload(&vm);
	return 0;
}
