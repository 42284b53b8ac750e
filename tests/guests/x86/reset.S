/* Print a line, then reset through the i8042 (pulse the reset line). */
#include "common.h"

	.globl _start
_start:
	PRINT(msg)
	mov	$0xfe, %al
	outb	%al, $0x64
1:	hlt
	jmp	1b

DEFINE_PUTS

msg:	.asciz "resetting through the i8042\n"
