; bench/boot.asm: a floppy boot sector that loads the benchmark loop (sector 2) to
; 1000:0000, enables A20, enters flat 32-bit protected mode and jumps to it. Used by
; bench/run.sh to run bench/loop.asm on QEMU and Bochs (not part of VMCP).
bits 16
org 0x7c00
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov ax, 0x1000
    mov es, ax
    xor bx, bx
    mov ax, 0x0201          ; read one sector
    mov cx, 0x0002          ; cylinder 0, sector 2
    xor dh, dh              ; head 0, DL = boot drive
    int 0x13
    in al, 0x92             ; A20 on
    or al, 2
    out 0x92, al
    lgdt [gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:pm
bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    jmp 0x10000
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF   ; flat code
    dq 0x00CF92000000FFFF   ; flat data
gdtr:
    dw 23
    dd gdt
times 510-($-$$) db 0
    dw 0xAA55
