/*
 * Print "ready", then print "tick" each time the RTC's seconds change,
 * forever: a guest to pause, resume and stop from outside.
 */
#include "common.h"

	.globl _start
_start:
	PRINT(ready)
	xor	%bl, %bl
loop:
	mov	$0x00, %al		/* RTC seconds */
	outb	%al, $0x70
	inb	$0x71, %al
	cmp	%al, %bl
	je	loop
	mov	%al, %bl
	PRINT(tick)
	jmp	loop

DEFINE_PUTS

ready:	.asciz "ready\n"
tick:	.asciz "tick\n"
