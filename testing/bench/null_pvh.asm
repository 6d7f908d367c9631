; The null PVH kernel: the floor for boot benchmarks. It has the same PVH
; note as Torito images, prints one line on COM1 and exits through
; isa-debug-exit; nothing else (32-bit, no paging, no long mode).

%define COM1 0x3f8

section .note.Xen note alloc noexec nowrite align=4
    dd 4, 8, 18
    db "Xen", 0
    dq start

section .text progbits alloc exec nowrite align=16
bits 32
global start
start:
    mov esi, msg
.next:
    lodsb
    test al, al
    jz .done
    mov dx, COM1
    out dx, al
    jmp .next
.done:
    xor eax, eax
    out 0xf4, al            ; isa-debug-exit: success
.halt:
    hlt
    jmp .halt

section .rodata progbits alloc noexec nowrite align=4
msg: db "null kernel", 13, 10, 0
