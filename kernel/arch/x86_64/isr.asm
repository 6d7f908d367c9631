; Interrupt and exception entry stubs for all 256 vectors. Each stub pushes
; a zero error code where the CPU pushes none, then its vector number, and
; jumps to the common path, which saves the general registers into a
; struct trap_frame (trap.h) and calls trap_dispatch(frame) in C.

bits 64
section .text

extern trap_dispatch

; Vectors whose exceptions push an error code: 8, 10-14, 17, 21, 29, 30.
%macro STUB 1
align 16
isr_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
    push 0
%endif
    push %1
    jmp isr_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v + 1
%endrep

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    ; Align the stack for C; the frame pointer links the trap into the
    ; backtrace through the interrupted rbp saved above.
    mov rbx, rsp
    and rsp, -16
    call trap_dispatch
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16             ; vector and error code
    iretq

section .rodata
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
    dq isr_ %+ v
%assign v v + 1
%endrep
