/*
 * Entry of the C test guests.  lkvm loads the flat binary at 0x10000 and
 * starts it in real mode with CS = DS = SS = 0x1000, IP = 0, SP = 0x8000.
 *
 * Real mode -> load a GDT with flat 4 GiB code (0x08) and data (0x10)
 * segments -> 32-bit protected mode, paging off, interrupts off -> stack
 * at GUEST_STACK (0x80000) -> clear .bss -> IDT catching exceptions 0-31
 * -> main() -> exit(main's value): "EXIT <n>" if non-zero, then power off
 * through ACPI PM1a_CNT (port 0x604).
 */
#define SEL_CODE	0x08
#define SEL_DATA	0x10

	.section .text.start, "ax"
	.code16
	.globl	_start
_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	gdt_desc - _start	/* DS base = LOAD = _start */
	mov	%cr0, %eax
	or	$1, %eax		/* PE */
	and	$0x7ffffff3, %eax	/* no PG, no TS, no EM */
	mov	%eax, %cr0
	ljmpl	$SEL_CODE, $start32

	.code32
	.globl	start32		/* for loaders that enter in protected mode */
start32:
	mov	$SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	mov	$GUEST_STACK, %esp
	xor	%ebp, %ebp
	/* clear .bss (a multiple of 4 bytes, see guest.ld) */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl
	call	idt_init
	call	main
	push	%eax
	call	exit			/* does not return */
1:	cli
	hlt
	jmp	1b

	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: flat 32-bit data */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	gdt

/*
 * Exception stubs: push a zero error code where the CPU pushes none, then
 * the vector, and hand the frame to exception() in lib.c.
 */
	.text
.macro EXC vec
exc_\vec:
.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
.else
	push	$0
.endif
	push	$\vec
	jmp	exc_common
.endm

.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC	\v
.endr

exc_common:
	push	%esp			/* struct exc_frame * */
	call	exception		/* does not return */
2:	cli
	hlt
	jmp	2b

	.section .rodata
	.globl	exc_stubs
	.p2align 2
exc_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long	exc_\v
.endr

	.section .note.GNU-stack, "", @progbits
