; pm_pae.asm: PAE paging, NX, the PAT and MTRR MSRs, SYSENTER/SYSEXIT (a Pentium 4).
; romrun: --cpu pentium4
; bochs-cpu: p4_prescott_celeron_336
; qemu-cpu: coreduo,-apic
;
; PAE paging (SDM vol. 3A 4.4): the PDPTEs load at MOV CR3 under PAE paging, at MOV CR0
; setting PG, at MOV CR4 changing PGE; a present PDPTE with a reserved bit makes that
; MOV #GP(0) and changes nothing; a not-present one is not checked; the PDPTEs are
; registers: a change in memory shows only after the next load, not after INVLPG. The
; walk: 4 KiB pages, 2 MiB pages (PS) with their A and D bits, #PF error codes (P, W/R,
; U/S, RSVD, I/D) and CR2 for not-present entries at each level, protection (CR0.WP,
; ring 3), reserved bits (bits 62:36 of an entry, bits 20:13 of a 2 MiB PDE, bit 63
; without EFER.NXE); EFER.NXE (MSR C0000080h) and the XD bit in a PTE and in a 2 MiB
; PDE (fetches fault with I/D, reads do not); INVLPG of one address of a 2 MiB page
; drops all of it. The PAT and MTRR MSRs (SDM 11.11, 11.12): reset values, read-back,
; #GP for reserved bits and memory types. SYSENTER/SYSEXIT (SDM vol. 2B): the round
; trip ring 3 -> ring 0 -> ring 3 with the selectors and stacks IA32_SYSENTER_* give,
; #GP with IA32_SYSENTER_CS = 0 and for SYSEXIT outside ring 0.
; Reserved bits are tested at 40 and up: VMCP's MAXPHYADDR is 36 (no CPUID 80000008h),
; the reference Bochs model's is 40 (bits 36-39 are checked by tests/cpu/pae_test.c).
%include "lib.inc"

PDPT     equ 0x40000    ; the page-directory-pointer table (32-byte aligned)
PDPT_BAD equ 0x40100    ; a copy with a reserved bit in a present PDPTE
PDPT_NP  equ 0x40200    ; a copy with reserved bits in a not-present PDPTE
PD0      equ 0x41000    ; 0-1 GiB: PT0 for the low 2 MiB
PT0      equ 0x42000    ; identity, user, writable
PD1      equ 0x43000    ; 1-2 GiB: the test region
PD3      equ 0x44000    ; 3-4 GiB: the ROM's 2 MiB page
PT1      equ 0x45000
PD1B     equ 0x46000    ; another PD for 1-2 GiB (the PDPTE reload test)
PT1B     equ 0x47000
PG_A     equ 0x50000    ; data pages (physical)
PG_B     equ 0x51000
PG_RO    equ 0x52000
PG_CODE  equ 0x53000    ; a RET at offset 0
PG_URO   equ 0x55000
TL       equ 0x40000000 ; the test region's linear base
HIMARK   equ 0x230000   ; physical, in the second 2 MiB
EFER     equ 0xC0000080

SYS_CS   equ 0x60       ; IA32_SYSENTER_CS: CS 60h, SS 68h, ring 3 CS 73h, SS 7Bh

; PTE slot, low, high: an 8-byte entry
%macro PTE 3
	mov dword [%1], %2
	mov dword [%1 + 4], %3
%endmacro
; SHOWCR2: prints CR2 on a line of its own
%macro SHOWCR2 0
	mov eax, cr2
	PR " cr2="
	PRX 8, eax
	NL
%endmacro

main:
	PR {"pm_pae: PAE paging, NX, PAT/MTRR MSRs, SYSENTER/SYSEXIT", 10}
	mov eax, 1
	cpuid
	and edx, 0x00013848     ; PSE PAE SEP MTRR PGE PAT
	PR "cpuid 1 edx&13848="
	PRX 8, edx
	mov eax, 0x80000001
	cpuid
	and edx, 0x00100000     ; NX
	PR " 80000001 edx&100000="
	PRX 8, edx
	NL
	call build_tables
	mov dword [0x30000], 0x3A3A3A3A
	mov dword [HIMARK], 0x23232323
	mov dword [PG_A], 0xA0A0A0A0
	mov dword [PG_B], 0xB1B1B1B1
	mov byte [PG_CODE], 0xC3

	; ---- PDPTE loading rules ----
	TRY "mov cr3 bad pdpte, paging off"
	mov eax, PDPT_BAD
	AT
	mov cr3, eax
	ENDTRY
	mov eax, cr4
	or eax, 0x20            ; CR4.PAE
	mov cr4, eax
	TRY "mov cr0 pg with a bad pdpte"
	mov eax, cr0
	or eax, 0x80000000
	AT
	mov cr0, eax
	ENDTRY
	mov eax, cr0
	PR "cr0="
	PRX 8, eax
	NL
	mov eax, PDPT
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80010000      ; PG, WP
	mov cr0, eax
	PR {"pae paging on", 10}
	TRY "mov cr3 bad pdpte, pae paging"
	mov eax, PDPT_BAD
	AT
	mov cr3, eax
	ENDTRY
	mov eax, cr3
	PR "cr3="
	PRX 8, eax
	NL
	TRY "mov cr3 reserved bits in a not-present pdpte"
	mov eax, PDPT_NP
	AT
	mov cr3, eax
	ENDTRY
	mov eax, PDPT
	mov cr3, eax
	PTE PDPT + 16, 0x00000107, 0    ; PDPTE 2 present, bit 1 and 2 reserved
	TRY "mov cr4 pge reloads the pdptes"
	mov eax, cr4
	or eax, 0x80
	AT
	mov cr4, eax
	ENDTRY
	PTE PDPT + 16, 0, 0
	mov eax, cr4
	PR "cr4="
	PRX 8, eax
	NL
	; the PDPTEs are registers: memory changes show at the next load only
	mov eax, [TL]
	PR "pdpte1 -> pd1: "
	PRX 8, eax
	PTE PDPT + 8, PD1B | 1, 0
	invlpg [TL]
	mov eax, [TL]
	PR ", changed in memory + invlpg: "
	PRX 8, eax
	mov eax, PDPT
	mov cr3, eax
	mov eax, [TL]
	PR ", after mov cr3: "
	PRX 8, eax
	NL
	PTE PDPT + 8, PD1 | 1, 0
	mov eax, PDPT
	mov cr3, eax

	; ---- 4 KiB and 2 MiB pages, accessed and dirty bits ----
	mov eax, [PD1 + 8]
	and eax, 0x60
	PR "2m pde a/d: before "
	PRX 2, eax
	mov eax, [TL + 0x200000 + 0x30000]
	PR ", read "
	PRX 8, eax
	mov eax, [PD1 + 8]
	and eax, 0x60
	PR " a/d "
	PRX 2, eax
	mov dword [TL + 0x200000 + 0x30004], 0x12345678
	mov eax, [PD1 + 8]
	and eax, 0x60
	PR ", written: a/d "
	PRX 2, eax
	mov eax, [0x30004]
	PR " phys "
	PRX 8, eax
	NL
	mov eax, [TL]
	mov eax, [PT1]
	and eax, 0x60
	PR "4k pte a/d after a read "
	PRX 2, eax
	mov eax, [PD1]
	and eax, 0x60
	PR ", its pde "
	PRX 2, eax
	NL

	; ---- page faults ----
	TRY "read, pte not present"
	AT
	mov eax, [TL + 0x1000]
	ENDTRY
	SHOWCR2
	TRY "write, pte not present"
	AT
	mov dword [TL + 0x1008], 1
	ENDTRY
	SHOWCR2
	TRY "read, pde not present"
	AT
	mov eax, [TL + 0xA00010]
	ENDTRY
	SHOWCR2
	TRY "read, pdpte not present"
	AT
	mov eax, [0x80000020]
	ENDTRY
	SHOWCR2
	TRY "write, read-only page, wp=1"
	AT
	mov dword [TL + 0x2000], 1
	ENDTRY
	SHOWCR2
	mov eax, cr0
	and eax, ~0x10000
	mov cr0, eax
	TRY "write, read-only page, wp=0"
	AT
	mov dword [TL + 0x2000], 1
	ENDTRY
	mov eax, cr0
	or eax, 0x10000
	mov cr0, eax
	TRY "read, pte bit 52 reserved"
	AT
	mov eax, [TL + 0x6000]
	ENDTRY
	SHOWCR2
	TRY "write, pte bit 52 reserved"
	AT
	mov dword [TL + 0x6004], 1
	ENDTRY
	SHOWCR2
	TRY "read, 2m pde bit 13 reserved"
	AT
	mov eax, [TL + 0x400000]
	ENDTRY
	SHOWCR2
	TRY "read, pde bit 40 reserved"
	AT
	mov eax, [TL + 0x600000]
	ENDTRY
	SHOWCR2
	TRY "read, pte xd without nxe (reserved)"
	AT
	mov eax, [TL + 0x3000]
	ENDTRY
	SHOWCR2
	TRY "fetch, pte not present, nxe=0"
	mov eax, TL + 0x1000
	REFAT TL + 0x1000
	jmp eax
	ENDTRY
	SHOWCR2
	RING3
	TRY "ring 3 read, supervisor page"
	AT
	mov eax, [TL]
	ENDTRY
	TRY "ring 3 write, user read-only page"
	AT
	mov dword [TL + 0x5000], 1
	ENDTRY
	TRY "ring 3 read, not present"
	AT
	mov eax, [TL + 0x1000]
	ENDTRY
	TRY "ring 3 read, reserved bit"
	AT
	mov eax, [TL + 0x6000]
	ENDTRY
	TRY "ring 3 read, user read-only page"
	AT
	mov eax, [TL + 0x5000]
	ENDTRY
	ENDRING3

	; ---- EFER.NXE and the XD bit ----
	mov ecx, EFER
	rdmsr
	PR "efer="
	PRX 8, eax
	or eax, 0x800
	wrmsr
	rdmsr
	PR " with nxe: "
	PRX 8, eax
	NL
	TRY "wrmsr efer bit 1 (reserved)"
	mov ecx, EFER
	rdmsr
	or eax, 2
	AT
	wrmsr
	ENDTRY
	TRY "read, xd page"
	AT
	mov eax, [TL + 0x3000]
	ENDTRY
	PR "read: "
	PRX 2, eax
	NL
	TRY "fetch, xd pte"
	mov eax, TL + 0x3000
	REFAT TL + 0x3000
	jmp eax
	ENDTRY
	SHOWCR2
	TRY "fetch, same page without xd"
	mov eax, TL + 0x4000
	REFAT TL + 0x4000
	call eax
	ENDTRY
	TRY "fetch, xd 2m pde"
	mov eax, TL + 0x800000 + PG_CODE
	REFAT TL + 0x800000 + PG_CODE
	jmp eax
	ENDTRY
	SHOWCR2
	TRY "fetch, pte not present, nxe=1"
	mov eax, TL + 0x1000
	REFAT TL + 0x1000
	jmp eax
	ENDTRY
	SHOWCR2
	TRY "read, pte bit 63 with nxe"
	AT
	mov eax, [TL + 0x3000]
	ENDTRY
	RING3
	TRY "ring 3 fetch, xd user page"
	mov eax, TL + 0x3000
	REFAT TL + 0x3000
	call eax
	ENDTRY
	TRY "ring 3 fetch, user page"
	mov eax, TL + 0x4000
	REFAT TL + 0x4000
	call eax
	ENDTRY
	TRY "ring 3 fetch, supervisor page"
	mov eax, TL + 0x7000
	REFAT TL + 0x7000
	call eax
	ENDTRY
	ENDRING3
	mov eax, cr2
	PR "cr2="
	PRX 8, eax
	NL

	; ---- INVLPG of a 2 MiB page ----
	mov eax, [TL + 0x200000 + 0x30000]
	PR "2m page at phys 0: "
	PRX 8, eax
	mov dword [PD1 + 8], 0x200000 | 0xE7
	invlpg [TL + 0x200000 + 0x1234]
	mov eax, [TL + 0x200000 + 0x30000]
	PR ", moved to 2m + invlpg elsewhere in it: "
	PRX 8, eax
	NL

	; ---- PAT and MTRRs ----
	mov ecx, 0xFE
	rdmsr
	PR "mtrrcap="
	PRX 8, edx
	PRX 8, eax
	mov ecx, 0x277
	rdmsr
	PR " pat="
	PRX 8, edx
	PRX 8, eax
	mov ecx, 0x2FF
	rdmsr
	PR " deftype="
	PRX 8, eax
	NL
	TRY "wrmsr pat, type 2 (reserved)"
	mov ecx, 0x277
	mov edx, 0x00070406
	mov eax, 0x00070402
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr pat, type 8 (reserved)"
	mov ecx, 0x277
	mov edx, 0x00070406
	mov eax, 0x00070408
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr pat"
	mov ecx, 0x277
	mov edx, 0x00070106
	mov eax, 0x00070406
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr deftype e fe wb"
	mov ecx, 0x2FF
	xor edx, edx
	mov eax, 0xC06
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr deftype bit 8 (reserved)"
	mov ecx, 0x2FF
	xor edx, edx
	mov eax, 0x106
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr deftype type 2"
	mov ecx, 0x2FF
	xor edx, edx
	mov eax, 0xC02
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr physbase0 wb"
	mov ecx, 0x200
	xor edx, edx
	mov eax, 0x00000006
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr physbase0 bit 8 (reserved)"
	mov ecx, 0x200
	xor edx, edx
	mov eax, 0x00000106
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr physmask0 valid"
	mov ecx, 0x201
	xor edx, edx
	mov eax, 0xF8000800
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr physmask0 bit 40 (reserved)"
	mov ecx, 0x201
	mov edx, 0x100
	mov eax, 0xF8000800
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr physmask0 bit 0 (reserved)"
	mov ecx, 0x201
	xor edx, edx
	mov eax, 0xF8000801
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr fix64k wb"
	mov ecx, 0x250
	mov edx, 0x06060606
	mov eax, 0x06060606
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr fix4k c8000, a type 3"
	mov ecx, 0x269
	mov edx, 0x05050505
	mov eax, 0x05030505
	AT
	wrmsr
	ENDTRY
	TRY "wrmsr mtrrcap"
	mov ecx, 0xFE
	xor edx, edx
	mov eax, 0x508
	AT
	wrmsr
	ENDTRY
	mov ecx, 0x277
	rdmsr
	PR "pat="
	PRX 8, edx
	PRX 8, eax
	mov ecx, 0x2FF
	rdmsr
	PR " deftype="
	PRX 8, eax
	mov ecx, 0x200
	rdmsr
	PR " base0="
	PRX 8, edx
	PRX 8, eax
	mov ecx, 0x201
	rdmsr
	PR " mask0="
	PRX 8, edx
	PRX 8, eax
	mov ecx, 0x250
	rdmsr
	PR " fix64k="
	PRX 8, edx
	PRX 8, eax
	mov ecx, 0x269
	rdmsr
	PR " fix4k_c8000="
	PRX 8, edx
	PRX 8, eax
	NL

	; ---- SYSENTER / SYSEXIT ----
	SETDESC SYS_CS, 0, 0xFFFFF, ACC_CODE, FL_G | FL_D
	SETDESC SYS_CS + 8, 0, 0xFFFFF, ACC_DATA, FL_G | FL_D
	SETDESC SYS_CS + 16, 0, 0xFFFFF, ACC_CODE | ACC_DPL3, FL_G | FL_D
	SETDESC SYS_CS + 24, 0, 0xFFFFF, ACC_DATA | ACC_DPL3, FL_G | FL_D
	TRY "sysenter with sysenter_cs 0"
	AT
	sysenter
	ENDTRY
	TRY "sysexit with sysenter_cs 0"
	AT
	sysexit
	ENDTRY
	mov ecx, 0x174
	xor edx, edx
	mov eax, SYS_CS
	wrmsr
	mov ecx, 0x175
	mov eax, 0x1C000
	wrmsr
	mov ecx, 0x176
	mov eax, sys_entry
	wrmsr
	RING3
	TRY "sysexit in ring 3"
	AT
	sysexit
	ENDTRY
	mov [u_vars], esp
	mov ecx, 0x13F00        ; the ring-3 stack SYSEXIT will load
	mov edx, .back
	pushfd
	or dword [esp], 0x200000 ; a flag to see that SYSENTER keeps it (ID)
	popfd
	sysenter
.back:	mov [u_vars + 4], esp
	mov [u_vars + 8], ss
	mov [u_vars + 12], cs
	mov esp, [u_vars]
	PR "back in ring 3: cs="
	PRX 4, [u_vars + 12]
	PR " ss="
	PRX 4, [u_vars + 8]
	PR " esp="
	PRX 8, [u_vars + 4]
	NL
	ENDRING3
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	FINISH "pm_pae"

; SYSENTER lands here: ring 0, CS 60h, SS 68h, ESP from the MSR.
sys_entry:
	mov [u_vars + 16], esp
	mov [u_vars + 20], ss
	mov [u_vars + 24], cs
	pushfd
	pop dword [u_vars + 28]
	PR "sysenter: cs="
	PRX 4, [u_vars + 24]
	PR " ss="
	PRX 4, [u_vars + 20]
	PR " esp="
	PRX 8, [u_vars + 16]
	mov eax, [u_vars + 28]
	and eax, 0x00200200     ; ID kept, IF clear
	PR " eflags&200200="
	PRX 8, eax
	NL
	sysexit

; The page tables (paging off: linear = physical).
build_tables:
	mov edi, PDPT
	mov ecx, (0x48000 - PDPT) / 4
	xor eax, eax
	rep stosd
	PTE PDPT, PD0 | 1, 0
	PTE PDPT + 8, PD1 | 1, 0
	PTE PDPT + 24, PD3 | 1, 0
	; the bad copies
	PTE PDPT_BAD, PD0 | 3, 0        ; bit 1 reserved, present
	PTE PDPT_BAD + 8, PD1 | 1, 0
	PTE PDPT_BAD + 24, PD3 | 1, 0
	PTE PDPT_NP, PD0 | 1, 0
	PTE PDPT_NP + 8, PD1 | 1, 0
	PTE PDPT_NP + 16, 0xFFFFFFF6, 0xFFFFFFFF ; not present: not checked
	PTE PDPT_NP + 24, PD3 | 1, 0
	; the low 2 MiB, identity, user and writable
	PTE PD0, PT0 | 7, 0
	mov edi, PT0
	mov eax, 7
	mov ecx, 512
.l:	mov [edi], eax
	add edi, 8
	add eax, 0x1000
	loop .l
	; the ROM: a 2 MiB page at 0xFFE00000
	PTE PD3 + 511 * 8, 0xFFE00000 | 0x87, 0
	; the test region
	PTE PD1, PT1 | 7, 0
	PTE PD1 + 8, 0x00000000 | 0x87, 0       ; 2 MiB, phys 0
	PTE PD1 + 16, 0x00002000 | 0x87, 0      ; 2 MiB with bit 13 set
	PTE PD1 + 24, PT1 | 7, 0x100            ; bit 40
	PTE PD1 + 32, 0x00000000 | 0x87, 0x80000000 ; 2 MiB, XD
	PTE PT1, PG_A | 3, 0                    ; supervisor, writable
	PTE PT1 + 16, PG_RO | 1, 0              ; supervisor, read-only
	PTE PT1 + 24, PG_CODE | 7, 0x80000000   ; user, XD
	PTE PT1 + 32, PG_CODE | 7, 0            ; user
	PTE PT1 + 40, PG_URO | 5, 0             ; user, read-only
	PTE PT1 + 48, PG_A | 3, 0x100000        ; bit 52
	PTE PT1 + 56, PG_CODE | 3, 0            ; supervisor, executable
	PTE PD1B, PT1B | 7, 0
	PTE PT1B, PG_B | 3, 0
	ret

%include "end.inc"
