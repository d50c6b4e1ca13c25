; smp.asm: two processors on the whole board (`vmcp define vm --cpus 2`, `vmcp ipl
; --bios`, tests/vm/smp_rom_test.sh), in 32-bit protected mode with paging (4 MiB pages
; and one 4 KiB page table). The bootstrap processor (tests/cpu/pm/lib.inc's start)
; prints one line per check on port E9h; the application processor reports through
; memory. Checked:
;  - start-up: the AP waits for a start-up IPI after RESET; INIT (level assert), INIT
;    de-assert, start-up IPI (vector 08h: real mode at 8000h), as Linux sends them; its
;    own APIC ID and CPUID ID; a second start-up IPI to a running AP is ignored;
;  - IPIs: fixed to APIC 1, AP to BSP, all-excluding-self, logical (flat) destination,
;    NMI;
;  - locked instructions and XCHG between the two: LOCK INC, LOCK XADD and LOCK CMPXCHG
;    counters and an XCHG spinlock around a plain load/add/store, 100000 rounds on each
;    CPU, no update lost;
;  - a TLB shootdown: the BSP moves a 4 KiB page and flushes its own TLB; the AP still
;    reads the old page through its TLB until the BSP's IPI makes it run INVLPG.
%include "lib.inc"

APIC    equ 0xFEE00000
TRAMP   equ 0x8000          ; the AP's start-up code (vector 08h)
PD      equ 0x40000         ; page directory
PT      equ 0x41000         ; page table of 400000h-7FFFFFh
PAGE_A  equ 0x50000
PAGE_B  equ 0x51000
LIN     equ 0x400000        ; mapped to PAGE_A, then PAGE_B
AP_STK  equ 0x28000
ROUNDS  equ 100000
; shared variables (not in u_vars: the AP writes them too)
SH      equ 0x7000
sh_entries  equ SH + 0x00   ; times the AP ran the start-up code
sh_alive    equ SH + 0x04
sh_apid     equ SH + 0x08
sh_cpuid    equ SH + 0x0C
sh_cmd      equ SH + 0x10   ; what the BSP asks the AP to do
sh_done     equ SH + 0x14   ; the last command the AP finished
sh_ipis     equ SH + 0x18   ; fixed IPIs the AP took (vector 70h)
sh_ipi_id   equ SH + 0x1C   ; the APIC ID the AP's handler read
sh_nmis     equ SH + 0x20
sh_bsp_ipis equ SH + 0x24   ; vector 71h on the BSP
sh_cnt_inc  equ SH + 0x28
sh_cnt_xadd equ SH + 0x2C
sh_cnt_cx   equ SH + 0x30
sh_cnt_lock equ SH + 0x34   ; guarded by sh_lock
sh_lock     equ SH + 0x38
sh_go       equ SH + 0x3C   ; both loops start when set
sh_read     equ SH + 0x40   ; what the AP read at LIN
sh_read2    equ SH + 0x44

%macro LW 2
	mov dword [APIC + %1], %2
%endmacro
%macro ICR 2                    ; destination, low word: the IPI goes
	mov dword [APIC + 0x310], %1
	mov dword [APIC + 0x300], %2
%endmacro
%macro WAIT_DONE 1              ; until the AP finished command %1
%%w:	pause
	cmp dword [sh_done], %1
	jne %%w
%endmacro
%macro AP_CMD 1                 ; ask the AP, wake it with vector 72h, wait
	mov dword [sh_cmd], %1
	ICR 0x01000000, 0x4072
	WAIT_DONE %1
%endmacro

main:
	PR {"smp: two processors", 10}
	SETGATE IDT_SLOT(0x02), SEL_CODE32, nmi_isr, GATE_INT32
	SETGATE IDT_SLOT(0x70), SEL_CODE32, ipi70_isr, GATE_INT32
	SETGATE IDT_SLOT(0x71), SEL_CODE32, ipi71_isr, GATE_INT32
	SETGATE IDT_SLOT(0x72), SEL_CODE32, eoi_isr, GATE_INT32
	SETGATE IDT_SLOT(0x73), SEL_CODE32, shoot_isr, GATE_INT32
	mov edi, SH
	mov ecx, 0x100
	xor eax, eax
	rep stosb
	; paging: 4 MiB pages for 0-4M and FEC00000-FFFFFFFF, a 4 KiB table for 4M-8M
	mov edi, PD
	mov ecx, 0x2000
	rep stosb
	mov dword [PD + 0 * 4], 0x00000083
	mov dword [PD + 1 * 4], PT | 3
	mov dword [PD + 1019 * 4], 0xFEC00083
	mov dword [PD + 1023 * 4], 0xFFC00083
	mov dword [PT], PAGE_A | 3
	mov dword [PAGE_A], 0xAAAAAAAA
	mov dword [PAGE_B], 0xBBBBBBBB
	call paging_on
	mov eax, [LIN]
	PR "paging: bsp reads "
	PRX 8, eax
	NL
	LW 0xF0, 0x1FF
	; the start-up code at 8000h
	mov esi, ap_tramp
	mov edi, TRAMP
	mov ecx, ap_tramp_end - ap_tramp
	rep movsb

	;--- INIT, INIT de-assert, start-up (as Linux's wakeup_secondary_cpu_via_init).
	PR "ap before start-up: alive="
	PRX 1, [sh_alive]
	NL
	ICR 0x01000000, 0xC500          ; INIT, level, assert, to APIC 1
	ICR 0x01000000, 0x8500          ; INIT, level, de-assert
	ICR 0x01000000, 0x0608          ; start-up, vector 08h
.w0:	pause
	cmp dword [sh_alive], 1
	jne .w0
	ICR 0x01000000, 0x0608          ; a second start-up IPI: the AP runs, ignores it
	AP_CMD 9                        ; a round trip, so that it had its chance
	PR "ap started: apic id="
	PRX 8, [sh_apid]
	PR " cpuid id="
	PRX 2, [sh_cpuid]
	PR " start-up code entered "
	PRX 1, [sh_entries]
	PR " time(s)"
	NL

	;--- IPIs.
	sti
	ICR 0x01000000, 0x4070          ; fixed, physical, to APIC 1
.w1:	pause
	cmp dword [sh_ipis], 1
	jb .w1
	PR "fixed ipi to apic 1: taken="
	PRX 1, [sh_ipis]
	PR " by apic "
	PRX 8, [sh_ipi_id]
	NL
	AP_CMD 1                        ; the AP sends 71h to APIC 0
.w2:	pause
	cmp dword [sh_bsp_ipis], 1
	jb .w2
	PR "ipi from the ap to apic 0: taken="
	PRX 1, [sh_bsp_ipis]
	NL
	ICR 0, 0xC4070                  ; all excluding self
.w3:	pause
	cmp dword [sh_ipis], 2
	jb .w3
	PR "all excluding self: ap took "
	PRX 1, [sh_ipis]
	PR ", bsp took "
	PRX 1, [sh_bsp_ipis]
	NL
	AP_CMD 2                        ; the AP puts itself in logical group 2 (flat)
	LW 0xD0, 0x01000000
	ICR 0x02000000, 0x4870          ; logical destination 02h: the AP only
.w4:	pause
	cmp dword [sh_ipis], 3
	jb .w4
	PR "logical 02: ap took "
	PRX 1, [sh_ipis]
	NL
	ICR 0x01000000, 0x4400          ; NMI
.w5:	pause
	cmp dword [sh_nmis], 1
	jb .w5
	PR "nmi to apic 1: taken="
	PRX 1, [sh_nmis]
	NL
	cli

	;--- Locked instructions and XCHG, both CPUs at once.
	mov dword [sh_cmd], 3
	ICR 0x01000000, 0x4072
	mov dword [sh_go], 1
	call count_loops
	WAIT_DONE 3
	PR "lock inc="
	PRX 8, [sh_cnt_inc]
	PR " lock xadd="
	PRX 8, [sh_cnt_xadd]
	PR " lock cmpxchg="
	PRX 8, [sh_cnt_cx]
	PR " xchg spinlock="
	PRX 8, [sh_cnt_lock]
	NL

	;--- TLB shootdown.
	AP_CMD 4                        ; the AP reads LIN: its TLB holds PAGE_A
	mov dword [PT], PAGE_B | 3      ; the BSP moves the page...
	invlpg [LIN]                    ; ...and flushes its own TLB entry
	mov eax, [LIN]
	PR "tlb: bsp now reads "
	PRX 8, eax
	NL
	AP_CMD 5                        ; the AP reads again: its entry is stale
	PR "tlb: ap before the shootdown reads "
	PRX 8, [sh_read2]
	NL
	ICR 0x01000000, 0x4073          ; the shootdown IPI: the AP runs INVLPG
	AP_CMD 5
	PR "tlb: ap after the shootdown reads "
	PRX 8, [sh_read2]
	NL
	mov dword [sh_cmd], 6           ; the AP stops (CLI, HLT): the machine ends
	ICR 0x01000000, 0x4072
	FINISH "smp"

; paging with 4 MiB pages, CR3 = PD
paging_on:
	mov eax, cr4
	or eax, 0x10
	mov cr4, eax
	mov eax, PD
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	ret

; The counting loops both CPUs run at once.
count_loops:
	pushad
	mov ecx, ROUNDS
.l:	lock inc dword [sh_cnt_inc]
	mov eax, 1
	lock xadd [sh_cnt_xadd], eax
	mov eax, [sh_cnt_cx]
.cx:	lea edx, [eax + 1]
	lock cmpxchg [sh_cnt_cx], edx   ; EAX reloaded on failure
	jnz .cx
	mov eax, 1
.sp:	xchg [sh_lock], eax             ; the spinlock
	test eax, eax
	jz .in
	pause
	mov eax, 1
	jmp .sp
.in:	mov eax, [sh_cnt_lock]          ; a plain read-modify-write, guarded
	add eax, 1
	mov [sh_cnt_lock], eax
	mov dword [sh_lock], 0
	dec ecx
	jnz .l
	popad
	ret

;--- The application processor.
	bits 16
ap_tramp:                               ; at TRAMP, CS = 0800h, real mode
	cli
	xor ax, ax
	mov ds, ax
	lock inc word [sh_entries]
	o32 lgdt [cs:ap_gdtr - ap_tramp]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword SEL_CODE32:ap_main
ap_gdtr:
	dw GDT_LIMIT
	dd GDT_BASE
ap_tramp_end:
	bits 32

ap_main:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, AP_STK
	lidt [idtr_image]
	call paging_on
	LW 0xF0, 0x1FF
	mov eax, [APIC + 0x20]
	mov [sh_apid], eax
	mov eax, 1
	cpuid
	shr ebx, 24
	mov [sh_cpuid], ebx
	lock inc dword [sh_alive]
	sti
.idle:	mov eax, [sh_cmd]
	test eax, eax
	jnz .cmd
	hlt
	jmp .idle
.cmd:	mov dword [sh_cmd], 0
	cmp eax, 1
	jne .c2
	ICR 0, 0x4071                   ; to APIC 0
	jmp .done
.c2:	cmp eax, 2
	jne .c3
	LW 0xD0, 0x02000000
	jmp .done
.c3:	cmp eax, 3
	jne .c4
.go:	cmp dword [sh_go], 1
	jne .go
	call count_loops
	jmp .done
.c4:	cmp eax, 4
	jne .c5
	mov ebx, [LIN]
	mov [sh_read], ebx
	jmp .done
.c5:	cmp eax, 5
	jne .c6
	mov ebx, [LIN]
	mov [sh_read2], ebx
	jmp .done
.c6:	cmp eax, 6
	jne .done
	cli
	hlt
.done:	mov [sh_done], eax
	jmp .idle

;--- Handlers (both CPUs).
ipi70_isr:
	push eax
	lock inc dword [sh_ipis]
	mov eax, [APIC + 0x20]
	mov [sh_ipi_id], eax
	LW 0xB0, 0
	pop eax
	iretd
ipi71_isr:
	lock inc dword [sh_bsp_ipis]
	LW 0xB0, 0
	iretd
eoi_isr:
	LW 0xB0, 0
	iretd
shoot_isr:
	invlpg [LIN]
	LW 0xB0, 0
	iretd
nmi_isr:
	lock inc dword [sh_nmis]
	iretd

%include "end.inc"
