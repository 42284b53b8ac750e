/* Tiny real-mode guests, loaded as flat binaries at 1000:0000. */
#define COM1		0x3f8
#define ACPI_PM1A_CNT	0x604
#define SLP_S5_EN	0x3400		/* SLP_TYP=5 (S5) | SLP_EN */

	.code16
	.text

/* puts: print the NUL-terminated string at %si */
#define DEFINE_PUTS			\
puts:					\
	mov	$COM1, %dx;		\
1:	lodsb;				\
	test	%al, %al;		\
	jz	2f;			\
	outb	%al, %dx;		\
	jmp	1b;			\
2:	ret

#define PRINT(label)			\
	mov	$label, %si;		\
	call	puts

#define POWEROFF			\
	mov	$ACPI_PM1A_CNT, %dx;	\
	mov	$SLP_S5_EN, %ax;	\
	outw	%ax, %dx;		\
3:	hlt;				\
	jmp	3b
