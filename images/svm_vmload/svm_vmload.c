/*
 * svm_vmload: the state VMLOAD and VMSAVE move and VMRUN/#VMEXIT do not
 * (nsvm-behaviours.md §1.2, §7 item 27; AMD APM vol. 2, 15.5.2 and the
 * VMLOAD/VMSAVE pages of vol. 3): FS, GS, TR, LDTR (with their hidden
 * state), KernelGSBase, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS/ESP/EIP.
 *
 *   load_*   after VMLOAD of a VMCB holding test values, the registers
 *            and MSRs hold them (RDMSR, STR, SLDT, FS/GS-relative loads);
 *   save_*   VMSAVE into a zeroed VMCB stores every one of them back;
 *   l2_*     L2 (run without VMLOAD by L1) sees the values L1 loaded: its
 *            FS/GS-relative loads, STR, SLDT and RDMSR of STAR;
 *   exit_*   L2 writes STAR and loads FS with a null-base selector; after
 *            the #VMEXIT L1 sees L2's STAR and FS base: #VMEXIT does not
 *            restore them (the hypervisor's VMLOAD does);
 *   restore  VMLOAD of L1's original state (VMSAVEd at the start) brings
 *            its values back.
 */
#include "svm.h"

static struct vmcb vmcb, orig, src, dst, after;
uint32_t marker_fs = 0xf5f5f5f5, marker_gs = 0x65656565;
uint32_t l2_fs_val, l2_gs_val, l2_tr, l2_ldtr, l2_star_lo, l2_star_hi;

extern char l2_code[];
__asm__(".pushsection .text\n"
	"l2_code:\n"
	"mov %fs:0, %eax\n"
	"mov %eax, l2_fs_val\n"
	"mov %gs:0, %eax\n"
	"mov %eax, l2_gs_val\n"
	"str %eax\n"
	"mov %eax, l2_tr\n"
	"sldt %eax\n"
	"mov %eax, l2_ldtr\n"
	"mov $0xc0000081, %ecx\n"
	"rdmsr\n"
	"mov %eax, l2_star_lo\n"
	"mov %edx, l2_star_hi\n"
	"mov $0x9abcdef0, %eax\n"
	"mov $0x00100008, %edx\n"
	"wrmsr\n"
	"mov $0x10, %ax\n"
	"mov %ax, %fs\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

static void vmload(struct vmcb *v) { __asm__ volatile("vmload" : : "a"(v) : "memory"); }
static void vmsave(struct vmcb *v) { __asm__ volatile("vmsave" : : "a"(v) : "memory"); }

static int seg_eq(const struct vmcb_seg *a, const struct vmcb_seg *b)
{
	return a->sel == b->sel && a->attrib == b->attrib && a->limit == b->limit && a->base == b->base;
}

static uint32_t fs_load(void)
{
	uint32_t v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}
static uint32_t gs_load(void)
{
	uint32_t v;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}
static uint32_t str(void)
{
	uint32_t v;
	__asm__ volatile("str %0" : "=r"(v));
	return v;
}
static uint32_t sldt(void)
{
	uint32_t v;
	__asm__ volatile("sldt %0" : "=r"(v));
	return v;
}

int main(void)
{
	svm_init("svm_vmload");
	svm_enable();
	vmsave(&orig);

	/* Test values: TR is a second descriptor for L1's TSS (same base and
	 * limit, so nothing breaks if it is used); LDTR a made-up LDT. */
	struct vmcb_save *s = &src.save;
	s->fs = (struct vmcb_seg){.sel = 0x10, .attrib = 0xc93, .limit = 0xffffffff, .base = (uint32_t)&marker_fs};
	s->gs = (struct vmcb_seg){.sel = 0x10, .attrib = 0xc93, .limit = 0xffffffff, .base = (uint32_t)&marker_gs};
	s->tr = orig.save.tr;
	s->tr.attrib = 0x8b; /* present, 32-bit busy TSS */
	s->tr.limit = 0x67;
	s->ldtr = (struct vmcb_seg){.sel = 0x38, .attrib = 0x82, .limit = 0x1ff, .base = 0x7000};
	s->kernel_gs_base = 0x00007f1122334000ULL;
	s->star = 0x0023001012345678ULL;
	s->lstar = 0xffffffff81000000ULL;
	s->cstar = 0xffffffff82000000ULL;
	s->sfmask = 0x47700;
	s->sysenter_cs = 0x08;
	s->sysenter_esp = 0x00123000;
	s->sysenter_eip = 0x00456000;

	vmload(&src);
	check("load_fs_base", rdmsr(MSR_FS_BASE), (uint32_t)&marker_fs);
	check("load_fs_access", fs_load(), 0xf5f5f5f5);
	check("load_gs_base", rdmsr(MSR_GS_BASE), (uint32_t)&marker_gs);
	check("load_gs_access", gs_load(), 0x65656565);
	check("load_tr_sel", str(), orig.save.tr.sel);
	check("load_ldtr_sel", sldt(), 0x38);
	check("load_kernel_gs_base", rdmsr(MSR_KERNEL_GS_BASE), s->kernel_gs_base);
	check("load_star", rdmsr(MSR_STAR), s->star);
	check("load_lstar", rdmsr(MSR_LSTAR), s->lstar);
	check("load_cstar", rdmsr(MSR_CSTAR), s->cstar);
	check("load_sfmask", rdmsr(MSR_SFMASK), s->sfmask);
	check("load_sysenter_cs", rdmsr(MSR_SYSENTER_CS), s->sysenter_cs);
	check("load_sysenter_esp", rdmsr(MSR_SYSENTER_ESP), s->sysenter_esp);
	check("load_sysenter_eip", rdmsr(MSR_SYSENTER_EIP), s->sysenter_eip);

	vmsave(&dst);
	struct vmcb_save *d = &dst.save;
	check("save_fs", seg_eq(&d->fs, &s->fs), 1);
	check("save_gs", seg_eq(&d->gs, &s->gs), 1);
	check("save_tr", seg_eq(&d->tr, &s->tr), 1);
	check("save_ldtr", seg_eq(&d->ldtr, &s->ldtr), 1);
	check("save_kernel_gs_base", d->kernel_gs_base, s->kernel_gs_base);
	check("save_star", d->star, s->star);
	check("save_lstar", d->lstar, s->lstar);
	check("save_cstar", d->cstar, s->cstar);
	check("save_sfmask", d->sfmask, s->sfmask);
	check("save_sysenter_cs", d->sysenter_cs, s->sysenter_cs);
	check("save_sysenter_esp", d->sysenter_esp, s->sysenter_esp);
	check("save_sysenter_eip", d->sysenter_eip, s->sysenter_eip);
	check("save_leaves_rest", d->rip == 0 && d->cr0 == 0 && d->rsp == 0 && dst.control.asid == 0, 1);

	/* VMRUN with FS/GS/TR/LDTR in vmcb12 set to other values: L2 still
	 * sees what L1 loaded, because VMRUN does not load them. */
	svm_vmcb_init(&vmcb, (void (*)(void))l2_code);
	vmcb.save.fs.base = 0x1000;
	vmcb.save.gs.base = 0x2000;
	vmcb.save.ldtr.sel = 0;
	vmcb.save.star = 0x5555;
	svm_run(&vmcb);
	check("l2_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("l2_fs_access", l2_fs_val, 0xf5f5f5f5);
	check("l2_gs_access", l2_gs_val, 0x65656565);
	check("l2_tr_sel", l2_tr, orig.save.tr.sel);
	check("l2_ldtr_sel", l2_ldtr, 0x38);
	check("l2_star", (uint64_t)l2_star_hi << 32 | l2_star_lo, s->star);
	check("exit_star_is_l2s", rdmsr(MSR_STAR), 0x001000089abcdef0ULL);
	check("exit_fs_base_is_l2s", rdmsr(MSR_FS_BASE), 0);
	check("exit_lstar_kept", rdmsr(MSR_LSTAR), s->lstar);
	check("exit_vmcb12_star_untouched", vmcb.save.star, 0x5555);
	vmsave(&after);
	check("exit_vmsave_star", after.save.star, 0x001000089abcdef0ULL);
	check("exit_vmsave_ldtr", after.save.ldtr.sel, 0x38);

	vmload(&orig);
	check("restore_fs_base", rdmsr(MSR_FS_BASE), orig.save.fs.base);
	check("restore_star", rdmsr(MSR_STAR), orig.save.star);
	check("restore_ldtr_sel", sldt(), orig.save.ldtr.sel);
	return svm_result();
}
