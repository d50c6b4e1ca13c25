/* altstack.c: linked into the libFuzzer builds only (build/fuzz/NAME, Makefile).
 *
 * AddressSanitizer clears the redzones of the stacks it knows of before every call of a
 * function that does not return (__asan_handle_no_return), and asks the kernel each
 * time where the thread's signal stack is (sigaltstack(NULL, &old), a system call).
 * A guest fault in VMCP is such a call: cpu_fault unwinds to the CPU's run loop with
 * siglongjmp. cpu_fuzz's guest code faults at most instructions, and those system
 * calls took a large part of its time. This sigaltstack answers a query from what the
 * thread last set (kept per thread), working out SS_ONSTACK from the stack pointer as
 * the kernel does, and passes every change to the kernel. It is not instrumented: the
 * sanitizer calls it before the stack's redzones are cleared. */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigaltstack(const stack_t *ss, stack_t *old);

static __thread stack_t alt;
static __thread bool alt_known;

__attribute__((no_sanitize("address", "undefined"))) int sigaltstack(const stack_t *ss, stack_t *old)
{
	if (ss || !alt_known) {
		stack_t cur;
		if (syscall(SYS_sigaltstack, ss, &cur) != 0)
			return -1;
		if (old)
			*old = cur;
		if (syscall(SYS_sigaltstack, NULL, &alt) != 0)
			return -1;
		alt.ss_flags &= ~SS_ONSTACK;
		alt_known = true;
		return 0;
	}
	if (old) {
		uintptr_t sp = (uintptr_t)__builtin_frame_address(0), base = (uintptr_t)alt.ss_sp;
		*old = alt;
		if (!(alt.ss_flags & SS_DISABLE) && sp - base < alt.ss_size)
			old->ss_flags |= SS_ONSTACK;
	}
	return 0;
}
