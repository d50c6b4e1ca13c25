; bench/x87loop.asm: the x87 benchmark loop of bench/cpu --x87 (its bytes are in
; bench/cpu.c): eleven x87 instructions (arithmetic, FSQRT, stores and loads of double
; and integer memory operands, FXCH, FCOM, FNSTSW) and two integer ones per iteration,
; in flat 32-bit protected mode; ends with a triple fault as loop.asm does.
bits 32
org 0x10000
start:
    mov ebp, 0x11223344     ; iterations (patched)
    fninit
    mov dword [0x20008], 12345
    fld1
    fldz
outer:
    fadd st0, st1
    fld st0
    fmul st0, st0
    fsqrt
    fdiv st0, st2
    fstp qword [0x20000]
    fild dword [0x20008]
    fistp dword [0x2000c]
    fxch st1
    fxch st1
    fcom st1
    fnstsw ax
    dec ebp
    jnz outer
    lidt [idt0]
    int3
idt0:
    dw 0
    dd 0
