/*
 * Print a line, enter protected mode with an empty IDT and take an
 * exception: #UD cannot be delivered, nor can #DF: a triple fault.
 */
#include "common.h"

	.globl _start
_start:
	PRINT(msg)
	cli
	lgdt	gdt_desc
	lidt	idt_desc
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $(0x10000 + pm)

	.code32
pm:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	$0x1234, %eax
	mov	$0x5678, %ebx
	ud2
1:	jmp	1b

	.code16
DEFINE_PUTS

	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: flat data */
gdt_desc:
	.word	23
	.long	0x10000 + gdt
idt_desc:
	.word	0
	.long	0
msg:	.asciz "about to triple fault\n"
