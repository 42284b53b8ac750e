/* Print a line through the 8250 and power off through ACPI PM1a_CNT. */
#include "common.h"

	.globl _start
_start:
	PRINT(msg)
	POWEROFF

DEFINE_PUTS

msg:	.asciz "Hello from an lkvm guest\n"
