/*
 * macros.S: constants and assembler macros shared by govmm's test kernels
 * (GNU as, AT&T syntax). It emits no code or data by itself, so both the
 * assembly runtime (rt.S) and the C kernels' start.S can .include it.
 *
 * build.sh assembles every image with "-I ../lib", so an image writes
 *	.include "macros.S"
 */
	.ifndef RT_MACROS_INCLUDED
	.set RT_MACROS_INCLUDED, 1

	/* Platform: what qemu-system-x86_64 -machine q35 and govmm provide. */
	.set RT_COM1, 0x3f8		/* 16550 UART: THR at +0, LSR at +5 */
	.set RT_LSR_THRE, 0x20		/* LSR bit 5: transmit holding register empty */
	.set RT_EXIT_PORT, 0xf4		/* isa-debug-exit: status = (value << 1) | 1 */

	/* Multiboot v1 header. */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0x00000003	/* page-align modules, want memory info */

	/* Selectors of the GDT built by RT_GDT. */
	.set RT_CS32, 0x08		/* flat 32-bit ring-0 code */
	.set RT_DS32, 0x10		/* flat ring-0 data */
	.set RT_CS64, 0x18		/* 64-bit ring-0 code (long mode) */

	/* RFLAGS bits. */
	.set FL_CF, 0x0001
	.set FL_PF, 0x0004
	.set FL_AF, 0x0010
	.set FL_ZF, 0x0040
	.set FL_SF, 0x0080
	.set FL_TF, 0x0100
	.set FL_IF, 0x0200
	.set FL_DF, 0x0400
	.set FL_OF, 0x0800
	.set FL_STATUS, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF	/* 0x8d5 */
	.set FL_FIXED, 0x0002		/* bit 1 always reads 1 */

/* MULTIBOOT_HEADER: the Multiboot v1 header (ELF kernels: no address fields). */
	.macro MULTIBOOT_HEADER
	.pushsection .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.popsection
	.endm

/*
 * RT_GDT label: a flat GDT (null, 32-bit code 0x08, data 0x10, 64-bit code
 * 0x18) followed by its 6-byte pseudo-descriptor at "label".
 */
	.macro RT_GDT label
	.balign 8
\label\()_table:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: base 0, limit 4G, code, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10: base 0, limit 4G, data */
	.quad 0x00af9a000000ffff	/* 0x18: code, L=1 (64-bit) */
\label\()_table_end:
	.word 0				/* aligns the base field */
\label:
	.word \label\()_table_end - \label\()_table - 1
	.long \label\()_table
	.endm

/*
 * Console and exit macros for the assembly runtime (rt.S). They preserve
 * every register and RFLAGS, so a test may print between an instruction and
 * the check of its flags. Operands must not be ESP-relative (the macros push
 * before they read them).
 */

/* PUTS "text": print a literal string (C escapes such as \n work). */
	.macro PUTS text:req
	.pushsection .rodata
.Lputs_str\@:
	.asciz "\text"
	.popsection
	push %esi
	mov $.Lputs_str\@, %esi
	call rt_puts
	pop %esi
	.endm

/* PUTC 'c': print one character. */
	.macro PUTC ch:req
	push %eax
	mov $\ch, %al
	call rt_putc
	pop %eax
	.endm

/* NL: print a newline. SP: print a space. */
	.macro NL
	call rt_nl
	.endm
	.macro SP
	call rt_space
	.endm

/* HEX8 src, HEX16 src, HEX32 src: print src as 2, 4 or 8 hex digits. */
	.macro HEX8 src:req
	push %eax
	movb \src, %al
	call rt_hex8
	pop %eax
	.endm
	.macro HEX16 src:req
	push %eax
	movw \src, %ax
	call rt_hex16
	pop %eax
	.endm
	.macro HEX32 src:req
	push %eax
	movl \src, %eax
	call rt_hex32
	pop %eax
	.endm

/* HEX64 hi, lo: print hi:lo as 16 hex digits. */
	.macro HEX64 hi:req, lo:req
	push %eax
	push %edx
	push \lo
	push \hi
	pop %edx
	pop %eax
	call rt_hex64
	pop %edx
	pop %eax
	.endm

/* EXIT value: leave through isa-debug-exit with the given value. */
	.macro EXIT value:req
	mov \value, %eax
	jmp rt_exit
	.endm

/*
 * EXPECT_EXC label: the next exception is expected; the runtime's handler
 * prints it and resumes at label instead of returning to the faulting
 * instruction. END_EXPECT (at label) prints "no exception" if none came.
 */
	.macro EXPECT_EXC label:req
	movl $\label, rt_exc_resume
	.endm
	.macro END_EXPECT
	call rt_end_expect
	.endm

	.endif
