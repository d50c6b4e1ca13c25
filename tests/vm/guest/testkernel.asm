; testkernel.asm: a tiny "kernel" in the Linux bzImage format (x86 boot protocol 2.06),
; for the direct-kernel-boot test (vmcp ipl --kernel/--initrd/--append) and for the
; SYSLINUX test (SYSLINUX loads it as a Linux kernel). It is not Linux: it reports what
; its loader handed it and stops.
;
; File layout: sector 0 holds the setup header at 0x1F1; sector 1 is the real-mode setup
; code (entered at setup_seg+0x20:0000 by 16-bit loaders such as SYSLINUX); from 0x400
; on is the protected-mode part, which the loader puts at 0x100000 (code32_start) and
; which 32-bit loaders enter directly with ESI pointing at boot_params.
; Output goes to COM1 (polled) and to port 0xE9:
;   testkernel: entered in protected mode
;   loader: 0xNN                    (type_of_loader)
;   cmdline: TEXT                   (the command line, from cmd_line_ptr)
;   initrd: N bytes: FIRST-LINE     (from ramdisk_image/ramdisk_size)
;   testkernel: done
; then halts with interrupts off.

%include "pc.inc"

SETUP_SECTS equ 1
PM_BASE     equ 0x100000
PM_OFFSET   equ (SETUP_SECTS + 1) * 512

bits 16
section .setup start=0 vstart=0
	; Sector 0: a boot sector nobody boots, then the header.
	times 0x1F1 - ($ - $$) db 0
hdr:
setup_sects:    db SETUP_SECTS
root_flags:     dw 0
syssize:        dd (pm_end - pm_start + 15) / 16
ram_size:       dw 0
vid_mode:       dw 0xFFFF
root_dev:       dw 0
boot_flag:      dw 0xAA55
	; 0x200: the jump into the setup code (must be a 2-byte short jump).
	jmp short setup_code
header:         db "HdrS"
version:        dw 0x0206
realmode_swtch: dd 0
start_sys_seg:  dw 0x1000
kernel_version: dw kver - 0x200
type_of_loader: db 0
loadflags:      db 0x81          ; LOADED_HIGH | CAN_USE_HEAP
setup_move_size: dw 0x8000
code32_start:   dd PM_BASE
ramdisk_image:  dd 0
ramdisk_size:   dd 0
bootsect_kludge: dd 0
heap_end_ptr:   dw 0
ext_loader_ver: db 0
ext_loader_type: db 0
cmd_line_ptr:   dd 0
initrd_addr_max: dd 0x37FFFFFF
kernel_alignment: dd 0x100000
relocatable_kernel: db 0
min_alignment:  db 0
xloadflags:     dw 0
cmdline_size:   dd 255

kver: db "vmcp-testkernel 1.0", 0

setup_code:
	; 16-bit loaders enter at setup_seg+0x20:0000 with DS = ES = SS = setup_seg.
	cli
	cld
	mov ax, ds
	movzx ebx, ax
	shl ebx, 4                  ; EBX = linear address of the setup (boot_params)
	lea eax, [ebx + gdt]
	mov [gdt_desc + 2], eax
	lgdt [gdt_desc]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	mov esi, ebx
	jmp dword 0x10:PM_BASE

	align 8
gdt:    dq 0, 0
	dq 0x00CF9A000000FFFF       ; 0x10: flat 32-bit code
	dq 0x00CF92000000FFFF       ; 0x18: flat 32-bit data
gdt_desc:
	dw 4 * 8 - 1
	dd 0
	times SETUP_SECTS * 512 + 512 - ($ - $$) db 0

bits 32
section .pm start=PM_OFFSET vstart=PM_BASE
pm_start:
	cli
	mov ax, 0x18
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, PM_BASE + 0x10000  ; 64 KiB above the (tiny) kernel: free RAM
	mov ebp, esi                ; EBP = boot_params

	; COM1: 115200 8N1, FIFO on.
	COM1_INIT
	mov dx, 0x3FA
	mov al, 0x07
	out dx, al

	mov esi, s_entered
	call puts
	mov esi, s_loader
	call puts
	movzx eax, byte [ebp + 0x210]
	call puthex8
	call newline

	mov esi, s_cmdline
	call puts
	mov esi, [ebp + 0x228]
	test esi, esi
	jz .nocmd
	call puts
.nocmd:
	call newline

	mov esi, s_initrd
	call puts
	mov eax, [ebp + 0x21C]
	call putdec
	mov esi, s_bytes
	call puts
	mov esi, [ebp + 0x218]
	mov ecx, [ebp + 0x21C]
	test ecx, ecx
	jz .noinitrd
	cmp ecx, 60
	jbe .line
	mov ecx, 60
.line:                              ; print the first line of the initrd
	lodsb
	cmp al, 10
	je .noinitrd
	cmp al, 13
	je .noinitrd
	call putc
	loop .line
.noinitrd:
	call newline
	mov esi, s_done
	call puts
.halt:
	cli
	hlt
	jmp .halt

; putc: AL to COM1 (waiting for THRE) and to port 0xE9.
putc:
	push edx
	push eax
	mov dx, 0x3FD
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop eax
	mov dx, 0x3F8
	out dx, al
	out 0xE9, al
	pop edx
	ret

puts:                               ; ESI: NUL-terminated string
	lodsb
	test al, al
	jz .ret
	call putc
	jmp puts
.ret:
	ret

newline:
	mov al, 13
	call putc
	mov al, 10
	jmp putc

puthex8:                            ; AL as 0xNN
	push eax
	mov al, '0'
	call putc
	mov al, 'x'
	call putc
	mov eax, [esp]
	shr al, 4
	call .digit
	pop eax
	and al, 15
.digit:
	and al, 15
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '9' - 1
.out:
	jmp putc

putdec:                             ; EAX unsigned decimal
	mov ecx, 10
	xor edx, edx
	push dword 0                    ; end marker
.div:
	xor edx, edx
	div ecx
	add dl, '0'
	push edx
	test eax, eax
	jnz .div
.emit:
	pop eax
	test eax, eax
	jz .ret
	call putc
	jmp .emit
.ret:
	ret

s_entered: db "testkernel: entered in protected mode", 13, 10, 0
s_loader:  db "loader: ", 0
s_cmdline: db "cmdline: ", 0
s_initrd:  db "initrd: ", 0
s_bytes:   db " bytes: ", 0
s_done:    db "testkernel: done", 13, 10, 0
	align 16
pm_end:
