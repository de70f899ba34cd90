/*
 * svm.c: the AMD SVM runtime of govmm's L1 hypervisor test images (see
 * svm.h). 32-bit protected mode, paging off; L1 and L2 share the address
 * space. The assembly pieces (IDT stubs, VMRUN, probes) are file-scope asm.
 */
#include "svm.h"

#ifdef __x86_64__
#error "svm.c is the 32-bit SVM runtime (build.conf ARCH=32)"
#endif

_Static_assert(sizeof(struct vmcb_control) == 0x400, "control area size");
_Static_assert(sizeof(struct vmcb) == 0x1000, "VMCB size");
_Static_assert(__builtin_offsetof(struct vmcb_control, iopm_base_pa) == 0x40, "iopm");
_Static_assert(__builtin_offsetof(struct vmcb_control, asid) == 0x58, "asid");
_Static_assert(__builtin_offsetof(struct vmcb_control, int_ctl) == 0x60, "int_ctl");
_Static_assert(__builtin_offsetof(struct vmcb_control, exitcode) == 0x70, "exitcode");
_Static_assert(__builtin_offsetof(struct vmcb_control, exitintinfo) == 0x88, "exitintinfo");
_Static_assert(__builtin_offsetof(struct vmcb_control, event_inj) == 0xa8, "event_inj");
_Static_assert(__builtin_offsetof(struct vmcb_control, clean) == 0xc0, "clean");
_Static_assert(__builtin_offsetof(struct vmcb_control, next_rip) == 0xc8, "next_rip");
_Static_assert(__builtin_offsetof(struct vmcb_control, insn_len) == 0xd0, "insn_len");
_Static_assert(__builtin_offsetof(struct vmcb, save.cs) == 0x410, "cs");
_Static_assert(__builtin_offsetof(struct vmcb, save.gdtr) == 0x460, "gdtr");
_Static_assert(__builtin_offsetof(struct vmcb, save.tr) == 0x490, "tr");
_Static_assert(__builtin_offsetof(struct vmcb, save.cpl) == 0x4cb, "cpl");
_Static_assert(__builtin_offsetof(struct vmcb, save.efer) == 0x4d0, "efer");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr4) == 0x548, "cr4");
_Static_assert(__builtin_offsetof(struct vmcb, save.rflags) == 0x570, "rflags");
_Static_assert(__builtin_offsetof(struct vmcb, save.rip) == 0x578, "rip");
_Static_assert(__builtin_offsetof(struct vmcb, save.rsp) == 0x5d8, "rsp");
_Static_assert(__builtin_offsetof(struct vmcb, save.rax) == 0x5f8, "rax");
_Static_assert(__builtin_offsetof(struct vmcb, save.sysenter_eip) == 0x638, "sysenter_eip");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr2) == 0x640, "cr2");
_Static_assert(__builtin_offsetof(struct vmcb, save.g_pat) == 0x668, "g_pat");

uint32_t svm_feat, svm_maxphys;
int svm_failures;

/* ---------------------------------------------------------------- checks */

void check(const char *name, uint64_t got, uint64_t want)
{
	if (got == want) {
		printf("PASS %s\n", name);
		return;
	}
	svm_failures++;
	printf("FAIL %s got %llx want %llx\n", name, (unsigned long long)got, (unsigned long long)want);
}

void check_true(const char *name, int cond)
{
	check(name, cond != 0, 1);
}

int svm_result(void)
{
	printf("%s\n", svm_failures ? "some checks FAILED" : "all checks passed");
	return svm_failures ? 1 : 0;
}

/* ------------------------------------------------------ GDT, TSS, IDT */

static uint64_t gdt[8] __attribute__((aligned(8)));
static struct {
	uint16_t pad;
	uint16_t limit;
	uint32_t base;
} __attribute__((packed, aligned(4))) gdtr, idtr;
static uint32_t tss[26] __attribute__((aligned(8)));
static uint64_t l1_idt[256] __attribute__((aligned(8)));
static char l1_ring0_stack[8192] __attribute__((aligned(16)));
char l1_user_stack[4096] __attribute__((aligned(16)));
extern char l1_stubs[], l2_stubs[];

uint64_t l2_idt[256] __attribute__((aligned(4096)));
uint32_t l2_stub[256];
volatile uint8_t l2_mode[256];
volatile struct l2_exc l2_exc;
volatile uint32_t l2_count[256];
char l2_stack[16384] __attribute__((aligned(4096)));
__asm__(".globl l2_stack_top\n.set l2_stack_top, l2_stack + 16384");

static uint8_t hsave[4096] __attribute__((aligned(4096)));

static uint64_t gate(uint32_t handler, uint16_t sel, uint8_t type_attr)
{
	return (uint64_t)(handler & 0xffff) | (uint64_t)sel << 16 | (uint64_t)type_attr << 40 |
	       (uint64_t)(handler >> 16) << 48;
}

void l2_idt_set(uint64_t *idt, unsigned vector, void (*handler)(void))
{
	idt[vector] = gate((uint32_t)handler, SEL_CS32, 0xee);
}

void l2_reset(void)
{
	for (int i = 0; i < 256; i++) {
		l2_count[i] = 0;
		l2_mode[i] = L2_VMMCALL;
		l2_idt[i] = gate(l2_stub[i], SEL_CS32, 0xee);
	}
	memset((void *)&l2_exc, 0, sizeof(l2_exc));
}

static void print_feat(const char *name, uint32_t bit)
{
	printf(" %s=%d", name, HAS(bit) ? 1 : 0);
}

void svm_init(const char *image)
{
	uint32_t a, b, c, d;
	gdt[1] = 0x00cf9a000000ffffULL;
	gdt[2] = 0x00cf92000000ffffULL;
	gdt[3] = 0x00af9a000000ffffULL;
	gdt[4] = 0x00cffa000000ffffULL;
	gdt[5] = 0x00cff2000000ffffULL;
	uint32_t tb = (uint32_t)tss;
	gdt[6] = (uint64_t)(sizeof(tss) - 1) | (uint64_t)(tb & 0xffffff) << 16 | 0x89ULL << 40 |
		 (uint64_t)(tb >> 24) << 56;
	tss[1] = (uint32_t)(l1_ring0_stack + sizeof(l1_ring0_stack)); /* ESP0 */
	tss[2] = SEL_DS;                                                /* SS0 */
	tss[25] = (uint32_t)sizeof(tss) << 16;                          /* no I/O bitmap */
	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (uint32_t)gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\tmov $0x10, %%eax\n\t"
			 "mov %%eax, %%ds\n\tmov %%eax, %%es\n\tmov %%eax, %%fs\n\t"
			 "mov %%eax, %%gs\n\tmov %%eax, %%ss\n\t"
			 "mov $0x30, %%eax\n\tltr %%ax"
			 : : "m"(gdtr.limit) : "eax", "memory");
	for (int i = 0; i < 256; i++) {
		l1_idt[i] = gate((uint32_t)(l1_stubs + 16 * i), SEL_CS32, 0x8e);
		l2_stub[i] = (uint32_t)(l2_stubs + 16 * i);
	}
	idtr.limit = sizeof(l1_idt) - 1;
	idtr.base = (uint32_t)l1_idt;
	__asm__ volatile("lidt %0" : : "m"(idtr.limit) : "memory");
	l2_reset();

	printf("image %s\n", image);
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	uint32_t maxext = a;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (maxext < 0x8000000a || !(c & (1u << 2))) {
		printf("FAIL cpu_has_svm got 0 want 1\n");
		exit(1);
	}
	cpuid(0x8000000a, 0, &a, &b, &c, &d);
	svm_feat = d;
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	svm_maxphys = a & 0xff;
	printf("features");
	print_feat("nrips", SVM_FEAT_NRIPS);
	print_feat("decodeassists", SVM_FEAT_DECODEASSISTS);
	print_feat("vgif", SVM_FEAT_VGIF);
	print_feat("flushbyasid", SVM_FEAT_FLUSHBYASID);
	print_feat("vmcbclean", SVM_FEAT_VMCBCLEAN);
	print_feat("np", SVM_FEAT_NP);
	printf("\n");
}

void svm_enable(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uint32_t)hsave);
}

void vmcb_intercept(struct vmcb *v, unsigned bit)
{
	(&v->control.intercept_cr)[bit / 32] |= 1u << (bit % 32);
}

void vmcb_clear_intercept(struct vmcb *v, unsigned bit)
{
	(&v->control.intercept_cr)[bit / 32] &= ~(1u << (bit % 32));
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib)
{
	s->sel = sel;
	s->attrib = attrib;
	s->limit = 0xffffffff;
	s->base = 0;
}

void svm_vmcb_init(struct vmcb *v, void (*entry)(void))
{
	memset(v, 0, sizeof(*v));
	struct vmcb_save *s = &v->save;
	seg(&s->cs, SEL_CS32, 0xc9b);
	seg(&s->ds, SEL_DS, 0xc93);
	seg(&s->es, SEL_DS, 0xc93);
	seg(&s->ss, SEL_DS, 0xc93);
	/* FS, GS, TR, LDTR are VMLOAD state: filled for a VMLOAD of this VMCB. */
	seg(&s->fs, SEL_DS, 0xc93);
	seg(&s->gs, SEL_DS, 0xc93);
	s->tr.sel = SEL_TSS;
	s->tr.attrib = 0x8b;
	s->tr.limit = sizeof(tss) - 1;
	s->tr.base = (uint32_t)tss;
	s->ldtr.attrib = 0x82;
	s->gdtr.limit = sizeof(gdt) - 1;
	s->gdtr.base = (uint32_t)gdt;
	s->idtr.limit = sizeof(l2_idt) - 1;
	s->idtr.base = (uint32_t)l2_idt;
	s->cr0 = CR0_PE | CR0_ET | CR0_NE;
	s->efer = EFER_SVME;
	s->rflags = 2;
	s->rip = (uint32_t)entry;
	s->rsp = (uint32_t)l2_stack_top;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ULL;
	v->control.asid = 1;
	vmcb_intercept(v, INTERCEPT_VMRUN);
	vmcb_intercept(v, INTERCEPT_VMMCALL);
}

/* ------------------------------------------------------------ L1 IDT */

struct l1_frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t vec, err, eip, cs, eflags;
};

uint32_t probe_err, probe_eip;
uint32_t probe_active, probe_vec;
volatile uint32_t l1_intr_count[256];
void (*volatile l1_intr_hook)(uint32_t vector);
volatile int l1_exc_expect = -1;
volatile uint32_t l1_exc_eip, l1_exc_dr6;

/* l1_handler is called by the IDT stubs; a non-zero result resumes the
 * active probe instead of returning from the exception. */
uint32_t l1_handler(struct l1_frame *f) __attribute__((used));
uint32_t l1_handler(struct l1_frame *f)
{
	uint32_t vec = f->vec;
	if (probe_active && vec < 32 && vec != VEC_NMI) {
		probe_active = 0;
		probe_vec = vec;
		probe_err = f->err;
		probe_eip = f->eip;
		return 1;
	}
	if ((int)vec == l1_exc_expect) {
		l1_exc_expect = -1;
		l1_intr_count[vec]++;
		l1_exc_eip = f->eip;
		if (vec == VEC_DB) {
			__asm__ volatile("mov %%dr6, %0" : "=r"(l1_exc_dr6));
			f->eflags &= ~RFLAGS_TF;
		}
		return 0;
	}
	if (vec >= 32 || vec == VEC_NMI) {
		l1_intr_count[vec]++;
		if (l1_intr_hook)
			l1_intr_hook(vec);
		if (vec >= 32 && vec != 0xff)
			apic_write(0xb0, 0);
		return 0;
	}
	printf("FAIL l1_unexpected_exception vector %x err %x eip %x\n", vec, f->err, f->eip);
	exit(1);
}

/*
 * L1 stubs: 16 bytes each; vectors without a CPU error code push a dummy 0.
 * l1_common: pushal, l1_handler(frame); then IRET or resume the probe.
 */
__asm__(".pushsection .text\n"
	".balign 16\n"
	".globl l1_stubs\n"
	"l1_stubs:\n"
	".set svm_vec_, 0\n"
	".rept 256\n"
	".balign 16\n"
	".if (svm_vec_ == 8) || ((svm_vec_ >= 10) && (svm_vec_ <= 14)) || (svm_vec_ == 17) || (svm_vec_ == 21) || (svm_vec_ == 29) || (svm_vec_ == 30)\n"
	"pushl $svm_vec_\n"
	".else\n"
	"pushl $0\n"
	"pushl $svm_vec_\n"
	".endif\n"
	"jmp l1_common\n"
	".set svm_vec_, svm_vec_ + 1\n"
	".endr\n"
	"l1_common:\n"
	"cld\n"
	"pushal\n"
	"mov $0x10, %ax\n"
	"mov %ax, %ds\n"
	"mov %ax, %es\n"
	"push %esp\n"
	"call l1_handler\n"
	"add $4, %esp\n"
	"test %eax, %eax\n"
	"jnz probe_resume\n"
	"popal\n"
	"add $8, %esp\n"
	"iret\n"
	".popsection\n");

/*
 * svm_probe(fn, arg) / svm_probe_user(fn, arg): call fn(arg) (at CPL 0 or
 * CPL 3); -1 if it returns, else the vector it raised.
 */
uint32_t probe_esp, user_fn, user_arg;
__asm__(".pushsection .text\n"
	".globl svm_probe\n"
	"svm_probe:\n"
	"push %ebp\n"
	"push %ebx\n"
	"push %esi\n"
	"push %edi\n"
	"mov %esp, probe_esp\n"
	"movl $1, probe_active\n"
	"pushl 24(%esp)\n"
	"call *24(%esp)\n"
	"add $4, %esp\n"
	"movl $0, probe_active\n"
	"mov $-1, %eax\n"
	"jmp 1f\n"
	"probe_resume:\n"
	"mov probe_esp, %esp\n"
	"mov $0x10, %ax\n"
	"mov %ax, %ds\n"
	"mov %ax, %es\n"
	"mov probe_vec, %eax\n"
	"1:\n"
	"pop %edi\n"
	"pop %esi\n"
	"pop %ebx\n"
	"pop %ebp\n"
	"ret\n"
	".globl svm_probe_user\n"
	"svm_probe_user:\n"
	"push %ebp\n"
	"push %ebx\n"
	"push %esi\n"
	"push %edi\n"
	"mov %esp, probe_esp\n"
	"mov 20(%esp), %eax\n"
	"mov %eax, user_fn\n"
	"mov 24(%esp), %eax\n"
	"mov %eax, user_arg\n"
	"movl $1, probe_active\n"
	"pushl $0x2b\n"
	"pushl $l1_user_stack + 4096\n"
	"pushl $2\n"
	"pushl $0x23\n"
	"pushl $user_entry\n"
	"iret\n"
	"user_entry:\n"
	"mov $0x2b, %ax\n"
	"mov %ax, %ds\n"
	"mov %ax, %es\n"
	"pushl user_arg\n"
	"call *user_fn\n"
	"ud2\n"
	/* the probe bodies */
	".globl do_vmrun, do_vmrun_insn, do_vmload, do_vmload_insn, do_vmsave, do_vmsave_insn\n"
	".globl do_stgi, do_stgi_insn, do_clgi, do_clgi_insn\n"
	"do_vmrun:\n"
	"push %ebp\n"
	"push %ebx\n"
	"push %esi\n"
	"push %edi\n"
	"mov 20(%esp), %eax\n"
	"do_vmrun_insn:\n"
	"vmrun\n"
	"pop %edi\n"
	"pop %esi\n"
	"pop %ebx\n"
	"pop %ebp\n"
	"ret\n"
	"do_vmload:\n"
	"mov 4(%esp), %eax\n"
	"do_vmload_insn:\n"
	"vmload\n"
	"ret\n"
	"do_vmsave:\n"
	"mov 4(%esp), %eax\n"
	"do_vmsave_insn:\n"
	"vmsave\n"
	"ret\n"
	"do_stgi:\n"
	"do_stgi_insn:\n"
	"stgi\n"
	"ret\n"
	"do_clgi:\n"
	"do_clgi_insn:\n"
	"clgi\n"
	"ret\n"
	".popsection\n");

/* -------------------------------------------------------------- VMRUN */

struct gprs svm_l2_gprs;
uint32_t svm_l1_esp_before, svm_l1_esp_after, svm_l1_eax_after;
uint32_t svm_l1_dr7_after, svm_l1_eflags_after;

__asm__(".pushsection .text\n"
	".globl svm_vmrun, svm_vmrun_insn, svm_vmrun_next\n"
	"svm_vmrun:\n"
	"push %ebp\n"
	"push %ebx\n"
	"push %esi\n"
	"push %edi\n"
	"mov 20(%esp), %eax\n"
	"mov svm_l2_gprs+0, %ebx\n"
	"mov svm_l2_gprs+4, %ecx\n"
	"mov svm_l2_gprs+8, %edx\n"
	"mov svm_l2_gprs+12, %esi\n"
	"mov svm_l2_gprs+16, %edi\n"
	"mov svm_l2_gprs+20, %ebp\n"
	"mov %esp, svm_l1_esp_before\n"
	"svm_vmrun_insn:\n"
	"vmrun\n"
	"svm_vmrun_next:\n"
	"mov %esp, svm_l1_esp_after\n"
	"mov %eax, svm_l1_eax_after\n"
	"mov %ebx, svm_l2_gprs+0\n"
	"mov %ecx, svm_l2_gprs+4\n"
	"mov %edx, svm_l2_gprs+8\n"
	"mov %esi, svm_l2_gprs+12\n"
	"mov %edi, svm_l2_gprs+16\n"
	"mov %ebp, svm_l2_gprs+20\n"
	"mov %dr7, %eax\n"
	"mov %eax, svm_l1_dr7_after\n"
	"pushfl\n"
	"popl svm_l1_eflags_after\n"
	"pop %edi\n"
	"pop %esi\n"
	"pop %ebx\n"
	"pop %ebp\n"
	"ret\n"
	".popsection\n");

void svm_run(struct vmcb *v)
{
	svm_vmrun(v);
	stgi();
}

/* ------------------------------------------------------------ L2 IDT */

/*
 * L2 stubs: 16 bytes each, "push vector; jmp l2_common". l2_common records
 * the vector, the ESP at entry and four dwords of the frame, CR2, DR6 and
 * counts the vector; then it reports or returns as l2_mode[vector] says.
 */
__asm__(".pushsection .text\n"
	".balign 16\n"
	".globl l2_stubs\n"
	"l2_stubs:\n"
	".set svm_vec_, 0\n"
	".rept 256\n"
	".balign 16\n"
	"pushl $svm_vec_\n"
	"jmp l2_common\n"
	".set svm_vec_, svm_vec_ + 1\n"
	".endr\n"
	"l2_common:\n"
	"pushal\n"
	"mov 32(%esp), %eax\n"
	"lea 36(%esp), %ebx\n"
	"mov %eax, l2_exc+0\n"
	"mov %ebx, l2_exc+4\n"
	"mov 0(%ebx), %ecx\n"
	"mov %ecx, l2_exc+8\n"
	"mov 4(%ebx), %ecx\n"
	"mov %ecx, l2_exc+12\n"
	"mov 8(%ebx), %ecx\n"
	"mov %ecx, l2_exc+16\n"
	"mov 12(%ebx), %ecx\n"
	"mov %ecx, l2_exc+20\n"
	"mov %cr2, %ecx\n"
	"mov %ecx, l2_exc+24\n"
	"mov %dr6, %ecx\n"
	"mov %ecx, l2_exc+28\n"
	"incl l2_count(,%eax,4)\n"
	"movzbl l2_mode(%eax), %ecx\n"
	"cmp $1, %ecx\n"
	"je 1f\n"
	"cmp $2, %ecx\n"
	"je 2f\n"
	"cmp $3, %ecx\n"
	"je 3f\n"
	"cmp $4, %ecx\n"
	"je 4f\n"
	"popal\n"
	"add $4, %esp\n"
	"vmmcall\n"
	"iret\n"
	"1:\n"
	"popal\n"
	"add $4, %esp\n"
	"hlt\n"
	"iret\n"
	"2:\n"
	"popal\n"
	"add $4, %esp\n"
	"iret\n"
	"3:\n"
	"popal\n"
	"add $8, %esp\n"
	"iret\n"
	"4:\n"
	"popal\n"
	"add $4, %esp\n"
	"orl $0x10000, 8(%esp)\n"
	"iret\n"
	".popsection\n");

/* ---------------------------------------------------------- local APIC */

void apic_enable(void)
{
	apic_write(0xf0, 0x1ff);
}

void apic_self_ipi(uint8_t vector)
{
	apic_write(0x300, 0x40000 | vector);
}

void apic_self_nmi(void)
{
	apic_write(0x310, apic_read(0x20) & 0xff000000);
	apic_write(0x300, 0x4400);
}
