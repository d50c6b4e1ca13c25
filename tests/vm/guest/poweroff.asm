; poweroff.asm: a boot sector that switches the machine off through ACPI, as an OS's
; shutdown does: it finds the PIIX4 power-management function (PCI 00:01.3) with
; configuration mechanism #1, reads its I/O base (PMBA, config 0x40, which SeaBIOS
; programs), and writes SLP_TYP = 0 (S5 in SeaBIOS's tables) with SLP_EN to PM1a_CNT
; (PMBA + 4). Prints progress on COM1. If the machine is still running afterwards it
; says so and halts.
bits 16
%include "pc.inc"
org 0x7C00
start:
	cli
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7C00
	COM1_INIT
	mov si, msg_start
	call puts
	mov eax, 0x80000B40         ; bus 0, device 1, function 3, register 0x40
	mov dx, 0xCF8
	out dx, eax
	mov dx, 0xCFC
	in eax, dx
	and ax, 0xFFC0              ; PMBA: I/O space indicator and low bits off
	jz .nopm
	add ax, 4                   ; PM1a_CNT
	mov dx, ax
	mov ax, 1 << 13             ; SLP_EN, SLP_TYP = 0
	out dx, ax
	mov si, msg_alive
	call puts
	jmp .halt
.nopm:
	mov si, msg_nopm
	call puts
.halt:
	hlt
	jmp .halt

	COM1_PUTS puts

msg_start: db "poweroff: switching the machine off through ACPI", 13, 10, 0
msg_alive: db "poweroff: STILL RUNNING", 13, 10, 0
msg_nopm:  db "poweroff: no PM I/O base", 13, 10, 0
	times 510 - ($ - $$) db 0
	dw 0xAA55
