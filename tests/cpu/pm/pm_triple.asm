; pm_triple.asm: a double fault that is handled, then a triple fault (shutdown).
; First run: #GP whose gate is not present gives #NP during its delivery, hence #DF
; (SDM table 6-5, contributory + contributory); then with the #DF gate not present as
; well, the #DF delivery fails too: shutdown. A PC board resets the CPU on shutdown
; (RAM is kept): the second run finds the marker left in RAM and reports.
; Expected: the lines of the first run, then the line of the second run. (QEMU, run
; with -no-reboot by ref-run, stops at the shutdown: it lacks the last lines.)
; References: Intel SDM vol. 3, 6.15 (interrupt 8, double fault: "if another exception
; occurs while attempting to call the double-fault handler, the processor enters
; shutdown mode").
%include "lib.inc"

MARKER equ 0x9F000

main:
	cmp dword [MARKER], 'TRPL'
	je second_run
	PR {"pm_triple: double fault, then shutdown", 10}
	SETGATE IDT_SLOT(13), SEL_CODE32, exc_stubs + 13 * 8, GATE_INT32 & 0x7FFF
	TRY "df: #gp, gate not present"
	mov ax, 0x400
	AT
	mov ds, ax
	ENDTRY
	mov dword [MARKER], 'TRPL'
	SETGATE IDT_SLOT(8), SEL_CODE32, exc_stubs + 8 * 8, GATE_INT32 & 0x7FFF
	PR {"#gp, #np, #df gates not present: mov ds, 0x400", 10}
	mov ax, 0x400
	mov ds, ax
	PR {"UNEXPECTED: no shutdown", 10}
	cli
	hlt

second_run:
	mov dword [MARKER], 0
	PR {"after the reset: the marker was in RAM", 10}
	FINISH "pm_triple"

%include "end.inc"
