; Thread switch for the cooperative scheduler (kernel/sched/sched.c).
; Only callee-saved registers need saving: a switch is an ordinary call.

bits 64
section .text

; void switch_context(uint64_t *save_rsp, uint64_t next_rsp)
global switch_context
switch_context:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; The first "return" of a new thread: r12 = entry function, r13 = thread.
global thread_start
thread_start:
    xor ebp, ebp            ; backtraces end here
    mov rdi, r13
    call r12
    ud2                     ; the entry function never returns
