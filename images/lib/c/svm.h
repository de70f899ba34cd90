/*
 * svm.h: the small AMD SVM runtime of govmm's L1 hypervisor test images
 * (svm.c). An svm_* image is an L1 hypervisor: it enables EFER.SVME,
 * builds a vmcb12 for a flat 32-bit L2 that shares its address space
 * (identity, L1 paging off), runs it with VMRUN and checks what comes
 * back, printing one "PASS <check>" or "FAIL <check> got X want Y" line
 * per check on COM1. main returns svm_result(): 0 only if every check
 * passed.
 *
 * Layout and encodings are the AMD APM vol. 2's (ch. 15 and appendix B):
 * the VMCB control area at 0x000-0x3ff, the state save area at 0x400.
 *
 * Runtime pieces:
 *   - svm_init: own GDT (ring-0 and ring-3 flat segments, a TSS), an L1
 *     IDT whose handlers either resume an svm_probe() or count interrupts
 *     (and fail the image on an unexpected exception), CPUID 8000_000Ah
 *     feature detection (svm_feat), the "features" line;
 *   - svm_enable: EFER.SVME and VM_HSAVE_PA;
 *   - svm_vmcb_init: a vmcb12 for a flat 32-bit L2 (CS 0x08, DS 0x10, the
 *     L2 IDT, its own stack, VMRUN and VMMCALL intercepted, ASID 1);
 *   - svm_vmrun: VMRUN with L2's GPRs loaded from and saved to svm_l2_gprs;
 *   - the L2 IDT: each vector records its frame (l2_exc) and then, as
 *     l2_mode[vector] says, reports with VMMCALL, HLT, or returns (IRET);
 *   - checks: check(), check_true(), svm_result().
 */
#ifndef GOVMM_SVM_H
#define GOVMM_SVM_H

#include "rt.h"

/* A VMCB segment register: selector, packed attributes, limit, base. */
struct vmcb_seg {
	uint16_t sel;
	uint16_t attrib; /* type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11 */
	uint32_t limit;
	uint64_t base;
};

/* VMCB control area (APM vol. 2, table B-1). */
struct vmcb_control {
	uint32_t intercept_cr;    /* 0x000: CRn read 15:0, write 31:16 */
	uint32_t intercept_dr;    /* 0x004: DRn read 15:0, write 31:16 */
	uint32_t intercept_exc;   /* 0x008: exception vector n */
	uint32_t intercept_misc1; /* 0x00c: INTR .. SHUTDOWN */
	uint32_t intercept_misc2; /* 0x010: VMRUN .. */
	uint32_t intercept_misc3; /* 0x014 */
	uint8_t rsvd_018[0x3c - 0x18];
	uint16_t pause_filter_thresh; /* 0x03c */
	uint16_t pause_filter_count;  /* 0x03e */
	uint64_t iopm_base_pa;        /* 0x040 */
	uint64_t msrpm_base_pa;       /* 0x048 */
	uint64_t tsc_offset;          /* 0x050 */
	uint32_t asid;                /* 0x058 */
	uint8_t tlb_control;          /* 0x05c */
	uint8_t rsvd_05d[3];
	uint32_t int_ctl;    /* 0x060 */
	uint32_t int_vector; /* 0x064 */
	uint32_t int_state;  /* 0x068 */
	uint32_t rsvd_06c;
	uint64_t exitcode;        /* 0x070 */
	uint64_t exitinfo1;       /* 0x078 */
	uint64_t exitinfo2;       /* 0x080 */
	uint32_t exitintinfo;     /* 0x088 */
	uint32_t exitintinfo_err; /* 0x08c */
	uint64_t nested_ctl;      /* 0x090: bit 0 NP_ENABLE */
	uint64_t avic_apic_bar;   /* 0x098 */
	uint64_t ghcb_pa;         /* 0x0a0 */
	uint32_t event_inj;       /* 0x0a8 */
	uint32_t event_inj_err;   /* 0x0ac */
	uint64_t n_cr3;           /* 0x0b0 */
	uint64_t virt_ext;        /* 0x0b8 */
	uint32_t clean;           /* 0x0c0 */
	uint32_t rsvd_0c4;
	uint64_t next_rip;      /* 0x0c8 */
	uint8_t insn_len;       /* 0x0d0 */
	uint8_t insn_bytes[15]; /* 0x0d1 */
	uint8_t rsvd_0e0[0x400 - 0xe0];
};

/* VMCB state save area (APM vol. 2, table B-2), at VMCB offset 0x400. */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 .. 0x45f */
	struct vmcb_seg gdtr, ldtr, idtr, tr;   /* 0x460 .. 0x49f */
	uint8_t rsvd_4a0[0xcb - 0xa0];
	uint8_t cpl; /* 0x4cb */
	uint32_t rsvd_4cc;
	uint64_t efer; /* 0x4d0 */
	uint8_t rsvd_4d8[0x148 - 0xd8];
	uint64_t cr4;    /* 0x548 */
	uint64_t cr3;    /* 0x550 */
	uint64_t cr0;    /* 0x558 */
	uint64_t dr7;    /* 0x560 */
	uint64_t dr6;    /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;    /* 0x578 */
	uint8_t rsvd_580[0x1d8 - 0x180];
	uint64_t rsp; /* 0x5d8 */
	uint8_t rsvd_5e0[0x1f8 - 0x1e0];
	uint64_t rax;           /* 0x5f8 */
	uint64_t star;          /* 0x600 */
	uint64_t lstar;         /* 0x608 */
	uint64_t cstar;         /* 0x610 */
	uint64_t sfmask;        /* 0x618 */
	uint64_t kernel_gs_base; /* 0x620 */
	uint64_t sysenter_cs;   /* 0x628 */
	uint64_t sysenter_esp;  /* 0x630 */
	uint64_t sysenter_eip;  /* 0x638 */
	uint64_t cr2;           /* 0x640 */
	uint8_t rsvd_648[0x268 - 0x248];
	uint64_t g_pat; /* 0x668 */
	uint8_t rsvd_670[0xc00 - 0x270];
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __attribute__((aligned(4096)));

/* Intercept bit numbers: word*32+bit; for bits below 0xa7 the index is the
 * exit code. Set with vmcb_intercept(). */
enum {
	INTERCEPT_CR0_READ = 0x00,
	INTERCEPT_CR0_WRITE = 0x10,
	INTERCEPT_EXC = 0x40, /* + vector */
	INTERCEPT_INTR = 0x60,
	INTERCEPT_NMI = 0x61,
	INTERCEPT_VINTR = 0x64,
	INTERCEPT_CR0_SEL = 0x65,
	INTERCEPT_RDTSC = 0x6e,
	INTERCEPT_CPUID = 0x72,
	INTERCEPT_IRET = 0x74,
	INTERCEPT_SWINT = 0x75,
	INTERCEPT_HLT = 0x78,
	INTERCEPT_INVLPG = 0x79,
	INTERCEPT_IOIO = 0x7b,
	INTERCEPT_MSR = 0x7c,
	INTERCEPT_SHUTDOWN = 0x7f,
	INTERCEPT_VMRUN = 0x80,
	INTERCEPT_VMMCALL = 0x81,
	INTERCEPT_VMLOAD = 0x82,
	INTERCEPT_VMSAVE = 0x83,
	INTERCEPT_STGI = 0x84,
	INTERCEPT_CLGI = 0x85,
};

/* Exit codes (APM vol. 2, appendix C). */
enum {
	EXIT_CR0_WRITE = 0x10,
	EXIT_EXC = 0x40, /* + vector */
	EXIT_INTR = 0x60,
	EXIT_NMI = 0x61,
	EXIT_VINTR = 0x64,
	EXIT_CR0_SEL = 0x65,
	EXIT_CPUID = 0x72,
	EXIT_IRET = 0x74,
	EXIT_SWINT = 0x75,
	EXIT_HLT = 0x78,
	EXIT_IOIO = 0x7b,
	EXIT_MSR = 0x7c,
	EXIT_SHUTDOWN = 0x7f,
	EXIT_VMRUN = 0x80,
	EXIT_VMMCALL = 0x81,
};
#define EXIT_INVALID 0xffffffffffffffffULL

/* EVENTINJ / EXITINTINFO (APM vol. 2, 15.20). */
#define EV_VECTOR(v) ((uint32_t)(v)&0xff)
#define EV_TYPE_INTR (0u << 8)
#define EV_TYPE_NMI (2u << 8)
#define EV_TYPE_EXC (3u << 8)
#define EV_TYPE_SOFT (4u << 8)
#define EV_ERR (1u << 11)
#define EV_VALID (1u << 31)

/* int_ctl bits. */
#define V_IRQ (1u << 8)
#define V_GIF (1u << 9)
#define V_INTR_MASKING (1u << 24)
#define V_GIF_ENABLE (1u << 25)

/* IOIO EXITINFO1 (APM vol. 2, 15.10.2). */
#define IOIO_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SZ8 (1u << 4)
#define IOIO_SZ16 (1u << 5)
#define IOIO_SZ32 (1u << 6)
#define IOIO_A16 (1u << 7)
#define IOIO_A32 (1u << 8)
#define IOIO_A64 (1u << 9)

/* CPUID 8000_000Ah EDX. */
#define SVM_FEAT_NP (1u << 0)
#define SVM_FEAT_NRIPS (1u << 3)
#define SVM_FEAT_VMCBCLEAN (1u << 5)
#define SVM_FEAT_FLUSHBYASID (1u << 6)
#define SVM_FEAT_DECODEASSISTS (1u << 7)
#define SVM_FEAT_VGIF (1u << 16)

/* MSRs. */
#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)
#define EFER_SVME (1u << 12)

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)

#define RFLAGS_TF (1u << 8)
#define RFLAGS_IF (1u << 9)
#define RFLAGS_OF (1u << 11)
#define RFLAGS_RF (1u << 16)

/* Selectors of the runtime's GDT. */
#define SEL_CS32 0x08
#define SEL_DS 0x10
#define SEL_CS64 0x18
#define SEL_UCS32 0x23 /* ring-3 code */
#define SEL_UDS 0x2b   /* ring-3 data */
#define SEL_TSS 0x30

/* Exception vectors. */
enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5,
	VEC_UD = 6, VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12,
	VEC_GP = 13, VEC_PF = 14,
};

/* ---- features ---- */
extern uint32_t svm_feat;     /* CPUID 8000_000Ah EDX */
extern uint32_t svm_maxphys;  /* CPUID 8000_0008h EAX[7:0] */
#define HAS(f) ((svm_feat & (f)) != 0)

/* ---- checks ---- */
/* check prints "PASS name" when got == want, else "FAIL name got X want Y". */
void check(const char *name, uint64_t got, uint64_t want);
/* check_true is check(name, cond, 1) without the numbers' meaning. */
void check_true(const char *name, int cond);
/* note prints an informational line (it must be the same on every CPU). */
#define note printf
/* svm_result returns main's value: 0 if every check passed, else 1. */
int svm_result(void);
extern int svm_failures;

/* ---- setup ---- */
/* svm_init builds the GDT, TSS and L1 IDT, reads the SVM features and
 * prints "features ..."; it fails the image if the CPU has no SVM. */
void svm_init(const char *image);
/* svm_enable sets EFER.SVME and VM_HSAVE_PA (the runtime's page). */
void svm_enable(void);
/* svm_vmcb_init fills v for a flat 32-bit L2 starting at entry with the
 * L2 IDT and stack (see l2_stack_top) and intercepts VMRUN and VMMCALL. */
void svm_vmcb_init(struct vmcb *v, void (*entry)(void));
void vmcb_intercept(struct vmcb *v, unsigned bit);
void vmcb_clear_intercept(struct vmcb *v, unsigned bit);

/* svm_vmrun executes VMRUN on v with L2's GPRs from svm_l2_gprs (saved
 * back after the #VMEXIT). It does not touch GIF: after it returns, GIF is
 * 0 (as every #VMEXIT leaves it) until stgi(). */
void svm_vmrun(struct vmcb *v);
/* svm_run is svm_vmrun followed by STGI. */
void svm_run(struct vmcb *v);
struct gprs {
	uint32_t ebx, ecx, edx, esi, edi, ebp;
};
extern struct gprs svm_l2_gprs;
/* RIP right after the VMRUN of svm_vmrun (where L1 resumes). */
extern char svm_vmrun_next[], svm_vmrun_insn[];
/* svm_l1_esp_after is L1's ESP right after VMRUN returned; svm_l1_esp_before
 * its ESP just before VMRUN; svm_l1_eax_after L1's EAX after VMRUN. */
extern uint32_t svm_l1_esp_before, svm_l1_esp_after, svm_l1_eax_after;
/* L1's DR7 and EFLAGS right after VMRUN returned. */
extern uint32_t svm_l1_dr7_after, svm_l1_eflags_after;

/* ---- L1 exception probes ---- */
/* svm_probe calls fn(arg) and returns -1 if it returned normally, or the
 * vector of the exception it raised (the IDT handler abandons fn and
 * returns here). probe_err and probe_eip hold the error code (if the
 * vector has one) and the faulting EIP. */
int svm_probe(void (*fn)(uint32_t), uint32_t arg);
extern uint32_t probe_err, probe_eip;
/* svm_probe_user runs fn(arg) at CPL 3 (flat ring-3 segments); like
 * svm_probe it returns the vector fn raised. fn must raise one: if it
 * returns, a UD2 follows. */
int svm_probe_user(void (*fn)(uint32_t), uint32_t arg);
/* Ready-made probe bodies: the SVM instructions with rAX = arg. The
 * *_insn labels are their addresses. */
void do_vmrun(uint32_t pa);
void do_vmload(uint32_t pa);
void do_vmsave(uint32_t pa);
void do_stgi(uint32_t unused);
void do_clgi(uint32_t unused);
extern char do_vmrun_insn[], do_vmload_insn[], do_vmsave_insn[], do_stgi_insn[], do_clgi_insn[];

/* ---- L1 interrupts ---- */
/* Count of L1 IDT deliveries per vector for vectors >= 32 and NMI (2);
 * vectors >= 32 are EOIed in the local APIC by the handler. l1_intr_hook,
 * if set, is called from the handler with the vector. */
extern volatile uint32_t l1_intr_count[256];
extern void (*volatile l1_intr_hook)(uint32_t vector);
/* l1_exc_expect, when set to a vector, lets one exception of that vector
 * (and l1_exc_expect_resume_tf: a #DB) be counted in l1_intr_count and
 * returned from (IRET) instead of failing the image. l1_exc_eip is the
 * return EIP of the last one. For #DB the handler also clears TF in the
 * returned-to RFLAGS. */
extern volatile int l1_exc_expect;
extern volatile uint32_t l1_exc_eip, l1_exc_dr6;

/* ---- L2 side ---- */
/* The L2 IDT: 256 32-bit interrupt gates (selector 0x08, DPL 3). */
extern uint64_t l2_idt[256];
/* l2_idt_set points vector at handler in idt (l2_idt or another table). */
void l2_idt_set(uint64_t *idt, unsigned vector, void (*handler)(void));
/* The default per-vector handlers (l2_stub[v] is vector v's entry). */
extern uint32_t l2_stub[256];
/* What each L2 vector's handler does after recording its frame. */
enum {
	L2_VMMCALL = 0, /* report to L1 with VMMCALL (the default) */
	L2_HLT = 1,     /* report with HLT (for tests where VMMCALL is #UD) */
	L2_IRET = 2,    /* return (no error code on the stack) */
	L2_IRET_ERR = 3, /* drop the error code, return */
	L2_IRET_RF = 4, /* return with RFLAGS.RF set (#DB on an instruction breakpoint) */
};
extern volatile uint8_t l2_mode[256];
/* Record of the last L2 exception/interrupt: vector, ESP at handler entry
 * (before the stub ran), the first four dwords there, CR2 and DR6 then. */
struct l2_exc {
	uint32_t vec, esp, frame[4], cr2, dr6;
};
extern volatile struct l2_exc l2_exc;
extern volatile uint32_t l2_count[256];
void l2_reset(void);
/* L2's stack: svm_vmcb_init sets RSP to l2_stack_top. */
extern char l2_stack_top[];

/* ---- x86 helpers ---- */
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
static inline void stgi(void) { __asm__ volatile("stgi" ::: "memory"); }
static inline void clgi(void) { __asm__ volatile("clgi" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint32_t read_cr0(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline uint32_t read_dr7(void)
{
	uint32_t v;
	__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}
static inline uint32_t read_dr6(void)
{
	uint32_t v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}
static inline uint32_t read_eflags(void)
{
	uint32_t v;
	__asm__ volatile("pushfl; popl %0" : "=r"(v));
	return v;
}
static inline uint32_t read_cs(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cs, %0" : "=r"(v));
	return v;
}

/* ---- local APIC (xAPIC at 0xfee00000) ---- */
#define APIC_BASE 0xfee00000u
static inline uint32_t apic_read(uint32_t off) { return *(volatile uint32_t *)(APIC_BASE + off); }
static inline void apic_write(uint32_t off, uint32_t v) { *(volatile uint32_t *)(APIC_BASE + off) = v; }
/* apic_enable software-enables the local APIC (spurious vector 0xff). */
void apic_enable(void);
/* apic_self_ipi sends a fixed interrupt of vector to this CPU. */
void apic_self_ipi(uint8_t vector);
/* apic_self_nmi sends an NMI to this CPU (physical destination = own ID). */
void apic_self_nmi(void);

#endif
