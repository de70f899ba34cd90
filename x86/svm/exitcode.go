package svm

import "strconv"

// ExitCode is the EXITCODE field at VMCB offset 0x070: why the guest exited
// (APM vol. 2, appendix C; KVM: SVM_EXIT_* in uapi/asm/svm.h). It is 64 bits
// wide; VMEXIT_INVALID is -1.
//
// For every exit caused by an intercept bit, the exit code equals the bit's
// [Intercept] index: see [ExitCode.Intercept].
type ExitCode uint64

// Exit codes 0x00–0x5F: CR, DR and exception intercepts. Each range has one
// constant per architecturally defined register; ExitCRRead and friends build
// any member of a range.
const (
	ExitCR0Read ExitCode = 0x00 // VMEXIT_CR0_READ (KVM: SVM_EXIT_READ_CR0)
	ExitCR2Read ExitCode = 0x02 // VMEXIT_CR2_READ (KVM: SVM_EXIT_READ_CR2)
	ExitCR3Read ExitCode = 0x03 // VMEXIT_CR3_READ (KVM: SVM_EXIT_READ_CR3)
	ExitCR4Read ExitCode = 0x04 // VMEXIT_CR4_READ (KVM: SVM_EXIT_READ_CR4)
	ExitCR8Read ExitCode = 0x08 // VMEXIT_CR8_READ (KVM: SVM_EXIT_READ_CR8)

	ExitCR0Write ExitCode = 0x10 // VMEXIT_CR0_WRITE (KVM: SVM_EXIT_WRITE_CR0)
	ExitCR2Write ExitCode = 0x12 // VMEXIT_CR2_WRITE (KVM: SVM_EXIT_WRITE_CR2)
	ExitCR3Write ExitCode = 0x13 // VMEXIT_CR3_WRITE (KVM: SVM_EXIT_WRITE_CR3)
	ExitCR4Write ExitCode = 0x14 // VMEXIT_CR4_WRITE (KVM: SVM_EXIT_WRITE_CR4)
	ExitCR8Write ExitCode = 0x18 // VMEXIT_CR8_WRITE (KVM: SVM_EXIT_WRITE_CR8)

	ExitDR0Read ExitCode = 0x20 // VMEXIT_DR0_READ (KVM: SVM_EXIT_READ_DR0)
	ExitDR1Read ExitCode = 0x21 // VMEXIT_DR1_READ (KVM: SVM_EXIT_READ_DR1)
	ExitDR2Read ExitCode = 0x22 // VMEXIT_DR2_READ (KVM: SVM_EXIT_READ_DR2)
	ExitDR3Read ExitCode = 0x23 // VMEXIT_DR3_READ (KVM: SVM_EXIT_READ_DR3)
	ExitDR4Read ExitCode = 0x24 // VMEXIT_DR4_READ (KVM: SVM_EXIT_READ_DR4)
	ExitDR5Read ExitCode = 0x25 // VMEXIT_DR5_READ (KVM: SVM_EXIT_READ_DR5)
	ExitDR6Read ExitCode = 0x26 // VMEXIT_DR6_READ (KVM: SVM_EXIT_READ_DR6)
	ExitDR7Read ExitCode = 0x27 // VMEXIT_DR7_READ (KVM: SVM_EXIT_READ_DR7)

	ExitDR0Write ExitCode = 0x30 // VMEXIT_DR0_WRITE (KVM: SVM_EXIT_WRITE_DR0)
	ExitDR1Write ExitCode = 0x31 // VMEXIT_DR1_WRITE (KVM: SVM_EXIT_WRITE_DR1)
	ExitDR2Write ExitCode = 0x32 // VMEXIT_DR2_WRITE (KVM: SVM_EXIT_WRITE_DR2)
	ExitDR3Write ExitCode = 0x33 // VMEXIT_DR3_WRITE (KVM: SVM_EXIT_WRITE_DR3)
	ExitDR4Write ExitCode = 0x34 // VMEXIT_DR4_WRITE (KVM: SVM_EXIT_WRITE_DR4)
	ExitDR5Write ExitCode = 0x35 // VMEXIT_DR5_WRITE (KVM: SVM_EXIT_WRITE_DR5)
	ExitDR6Write ExitCode = 0x36 // VMEXIT_DR6_WRITE (KVM: SVM_EXIT_WRITE_DR6)
	ExitDR7Write ExitCode = 0x37 // VMEXIT_DR7_WRITE (KVM: SVM_EXIT_WRITE_DR7)

	// ExitExcpBase is VMEXIT_EXCP0; exception vector v exits with
	// ExitExcpBase+v (KVM: SVM_EXIT_EXCP_BASE).
	ExitExcpBase ExitCode = 0x40
	ExitExcpDE   ExitCode = 0x40 // VMEXIT_EXCP0, #DE divide error
	ExitExcpDB   ExitCode = 0x41 // VMEXIT_EXCP1, #DB debug
	ExitExcpNMI  ExitCode = 0x42 // VMEXIT_EXCP2, vector 2 (NMI); real NMIs exit with ExitNMI
	ExitExcpBP   ExitCode = 0x43 // VMEXIT_EXCP3, #BP breakpoint (INT3)
	ExitExcpOF   ExitCode = 0x44 // VMEXIT_EXCP4, #OF overflow (INTO)
	ExitExcpBR   ExitCode = 0x45 // VMEXIT_EXCP5, #BR bound range (BOUND)
	ExitExcpUD   ExitCode = 0x46 // VMEXIT_EXCP6, #UD invalid opcode
	ExitExcpNM   ExitCode = 0x47 // VMEXIT_EXCP7, #NM device not available
	ExitExcpDF   ExitCode = 0x48 // VMEXIT_EXCP8, #DF double fault
	ExitExcpTS   ExitCode = 0x4A // VMEXIT_EXCP10, #TS invalid TSS
	ExitExcpNP   ExitCode = 0x4B // VMEXIT_EXCP11, #NP segment not present
	ExitExcpSS   ExitCode = 0x4C // VMEXIT_EXCP12, #SS stack
	ExitExcpGP   ExitCode = 0x4D // VMEXIT_EXCP13, #GP general protection
	ExitExcpPF   ExitCode = 0x4E // VMEXIT_EXCP14, #PF page fault
	ExitExcpMF   ExitCode = 0x50 // VMEXIT_EXCP16, #MF x87 floating point
	ExitExcpAC   ExitCode = 0x51 // VMEXIT_EXCP17, #AC alignment check
	ExitExcpMC   ExitCode = 0x52 // VMEXIT_EXCP18, #MC machine check
	ExitExcpXF   ExitCode = 0x53 // VMEXIT_EXCP19, #XF SIMD floating point
	ExitExcpCP   ExitCode = 0x55 // VMEXIT_EXCP21, #CP control protection
	ExitExcpHV   ExitCode = 0x5C // VMEXIT_EXCP28, #HV hypervisor injection
	ExitExcpVC   ExitCode = 0x5D // VMEXIT_EXCP29, #VC VMM communication (SEV-ES)
	ExitExcpSX   ExitCode = 0x5E // VMEXIT_EXCP30, #SX security
	ExitExcpLast ExitCode = 0x5F // VMEXIT_EXCP31, the last exception exit code
)

// Exit codes 0x60–0xA6: the misc intercepts (words 3–5 of the intercept
// vector) in bit order.
const (
	ExitINTR            ExitCode = 0x60        // VMEXIT_INTR, physical INTR (KVM: SVM_EXIT_INTR)
	ExitNMI             ExitCode = 0x61        // VMEXIT_NMI, physical NMI (KVM: SVM_EXIT_NMI)
	ExitSMI             ExitCode = 0x62        // VMEXIT_SMI (KVM: SVM_EXIT_SMI)
	ExitINIT            ExitCode = 0x63        // VMEXIT_INIT (KVM: SVM_EXIT_INIT)
	ExitVINTR           ExitCode = 0x64        // VMEXIT_VINTR, virtual interrupt window (KVM: SVM_EXIT_VINTR)
	ExitCR0SelWrite     ExitCode = 0x65        // VMEXIT_CR0_SEL_WRITE, CR0 write changing bits other than TS/MP (KVM: SVM_EXIT_CR0_SEL_WRITE)
	ExitIDTRRead        ExitCode = 0x66        // VMEXIT_IDTR_READ, SIDT (KVM: SVM_EXIT_IDTR_READ)
	ExitGDTRRead        ExitCode = 0x67        // VMEXIT_GDTR_READ, SGDT (KVM: SVM_EXIT_GDTR_READ)
	ExitLDTRRead        ExitCode = 0x68        // VMEXIT_LDTR_READ, SLDT (KVM: SVM_EXIT_LDTR_READ)
	ExitTRRead          ExitCode = 0x69        // VMEXIT_TR_READ, STR (KVM: SVM_EXIT_TR_READ)
	ExitIDTRWrite       ExitCode = 0x6A        // VMEXIT_IDTR_WRITE, LIDT (KVM: SVM_EXIT_IDTR_WRITE)
	ExitGDTRWrite       ExitCode = 0x6B        // VMEXIT_GDTR_WRITE, LGDT (KVM: SVM_EXIT_GDTR_WRITE)
	ExitLDTRWrite       ExitCode = 0x6C        // VMEXIT_LDTR_WRITE, LLDT (KVM: SVM_EXIT_LDTR_WRITE)
	ExitTRWrite         ExitCode = 0x6D        // VMEXIT_TR_WRITE, LTR (KVM: SVM_EXIT_TR_WRITE)
	ExitRDTSC           ExitCode = 0x6E        // VMEXIT_RDTSC (KVM: SVM_EXIT_RDTSC)
	ExitRDPMC           ExitCode = 0x6F        // VMEXIT_RDPMC (KVM: SVM_EXIT_RDPMC)
	ExitPUSHF           ExitCode = 0x70        // VMEXIT_PUSHF (KVM: SVM_EXIT_PUSHF)
	ExitPOPF            ExitCode = 0x71        // VMEXIT_POPF (KVM: SVM_EXIT_POPF)
	ExitCPUID           ExitCode = 0x72        // VMEXIT_CPUID (KVM: SVM_EXIT_CPUID)
	ExitRSM             ExitCode = 0x73        // VMEXIT_RSM (KVM: SVM_EXIT_RSM)
	ExitIRET            ExitCode = 0x74        // VMEXIT_IRET (KVM: SVM_EXIT_IRET)
	ExitSWINT           ExitCode = 0x75        // VMEXIT_SWINT, INTn (KVM: SVM_EXIT_SWINT)
	ExitINVD            ExitCode = 0x76        // VMEXIT_INVD (KVM: SVM_EXIT_INVD)
	ExitPAUSE           ExitCode = 0x77        // VMEXIT_PAUSE (KVM: SVM_EXIT_PAUSE)
	ExitHLT             ExitCode = 0x78        // VMEXIT_HLT (KVM: SVM_EXIT_HLT)
	ExitINVLPG          ExitCode = 0x79        // VMEXIT_INVLPG (KVM: SVM_EXIT_INVLPG)
	ExitINVLPGA         ExitCode = 0x7A        // VMEXIT_INVLPGA (KVM: SVM_EXIT_INVLPGA)
	ExitIOIO            ExitCode = 0x7B        // VMEXIT_IOIO, port I/O via the IOPM; EXITINFO1 per IOIO* (KVM: SVM_EXIT_IOIO)
	ExitMSR             ExitCode = 0x7C        // VMEXIT_MSR, RDMSR/WRMSR via the MSRPM; EXITINFO1 0 = read, 1 = write (KVM: SVM_EXIT_MSR)
	ExitTaskSwitch      ExitCode = 0x7D        // VMEXIT_TASK_SWITCH (KVM: SVM_EXIT_TASK_SWITCH)
	ExitFERRFreeze      ExitCode = 0x7E        // VMEXIT_FERR_FREEZE (KVM: SVM_EXIT_FERR_FREEZE)
	ExitShutdown        ExitCode = 0x7F        // VMEXIT_SHUTDOWN (KVM: SVM_EXIT_SHUTDOWN)
	ExitVMRUN           ExitCode = 0x80        // VMEXIT_VMRUN (KVM: SVM_EXIT_VMRUN)
	ExitVMMCALL         ExitCode = 0x81        // VMEXIT_VMMCALL (KVM: SVM_EXIT_VMMCALL)
	ExitVMLOAD          ExitCode = 0x82        // VMEXIT_VMLOAD (KVM: SVM_EXIT_VMLOAD)
	ExitVMSAVE          ExitCode = 0x83        // VMEXIT_VMSAVE (KVM: SVM_EXIT_VMSAVE)
	ExitSTGI            ExitCode = 0x84        // VMEXIT_STGI (KVM: SVM_EXIT_STGI)
	ExitCLGI            ExitCode = 0x85        // VMEXIT_CLGI (KVM: SVM_EXIT_CLGI)
	ExitSKINIT          ExitCode = 0x86        // VMEXIT_SKINIT (KVM: SVM_EXIT_SKINIT)
	ExitRDTSCP          ExitCode = 0x87        // VMEXIT_RDTSCP (KVM: SVM_EXIT_RDTSCP)
	ExitICEBP           ExitCode = 0x88        // VMEXIT_ICEBP, INT1 opcode F1 (KVM: SVM_EXIT_ICEBP)
	ExitWBINVD          ExitCode = 0x89        // VMEXIT_WBINVD, WBINVD and WBNOINVD (KVM: SVM_EXIT_WBINVD)
	ExitMONITOR         ExitCode = 0x8A        // VMEXIT_MONITOR, MONITOR and MONITORX (KVM: SVM_EXIT_MONITOR)
	ExitMWAIT           ExitCode = 0x8B        // VMEXIT_MWAIT, MWAIT(X) unconditionally (KVM: SVM_EXIT_MWAIT)
	ExitMWAITCond       ExitCode = 0x8C        // VMEXIT_MWAIT_CONDITIONAL, MWAIT(X) if armed (KVM: SVM_EXIT_MWAIT_COND)
	ExitXSETBV          ExitCode = 0x8D        // VMEXIT_XSETBV (KVM: SVM_EXIT_XSETBV)
	ExitRDPRU           ExitCode = 0x8E        // VMEXIT_RDPRU (KVM: SVM_EXIT_RDPRU)
	ExitEFERWriteTrap   ExitCode = 0x8F        // VMEXIT_EFER_WRITE_TRAP, after an EFER write completed (KVM: SVM_EXIT_EFER_WRITE_TRAP)
	ExitCR0WriteTrap    ExitCode = 0x90        // VMEXIT_CR0_WRITE_TRAP; 0x90+n for CRn (KVM: SVM_EXIT_CR0_WRITE_TRAP)
	ExitCR3WriteTrap    ExitCode = 0x93        // VMEXIT_CR3_WRITE_TRAP
	ExitCR4WriteTrap    ExitCode = 0x94        // VMEXIT_CR4_WRITE_TRAP (KVM: SVM_EXIT_CR4_WRITE_TRAP)
	ExitCR8WriteTrap    ExitCode = 0x98        // VMEXIT_CR8_WRITE_TRAP (KVM: SVM_EXIT_CR8_WRITE_TRAP)
	ExitCR15WriteTrap   ExitCode = 0x9F        // VMEXIT_CR15_WRITE_TRAP, the last write trap
	ExitINVLPGB         ExitCode = 0xA0        // VMEXIT_INVLPGB [APM?]
	ExitINVLPGBIllegal  ExitCode = 0xA1        // VMEXIT_INVLPGB_ILLEGAL, illegally specified INVLPGB [APM?]
	ExitINVPCID         ExitCode = 0xA2        // VMEXIT_INVPCID (KVM: SVM_EXIT_INVPCID)
	ExitMCOMMIT         ExitCode = 0xA3        // VMEXIT_MCOMMIT [APM?]
	ExitTLBSYNC         ExitCode = 0xA4        // VMEXIT_TLBSYNC [APM?]
	ExitBusLock         ExitCode = 0xA5        // VMEXIT_BUSLOCK, bus lock threshold reached (KVM: SVM_EXIT_BUS_LOCK)
	ExitIdleHLT         ExitCode = 0xA6        // VMEXIT_IDLE_HLT, HLT with no pending interrupt (KVM: SVM_EXIT_IDLE_HLT)
	ExitLastIntercepted ExitCode = ExitIdleHLT // the highest exit code tied to an intercept bit
)

// Exit codes without an intercept bit.
const (
	ExitNPF               ExitCode = 0x400 // VMEXIT_NPF, nested page fault; EXITINFO1 per NPF*, EXITINFO2 = guest physical address (KVM: SVM_EXIT_NPF)
	ExitAVICIncompleteIPI ExitCode = 0x401 // VMEXIT_AVIC_INCOMPLETE_IPI (KVM: SVM_EXIT_AVIC_INCOMPLETE_IPI)
	ExitAVICNoAccel       ExitCode = 0x402 // VMEXIT_AVIC_NOACCEL, unaccelerated AVIC access (KVM: SVM_EXIT_AVIC_UNACCELERATED_ACCESS)
	ExitVMGEXIT           ExitCode = 0x403 // VMEXIT_VMGEXIT, SEV-ES (KVM: SVM_EXIT_VMGEXIT)

	// ExitInvalid is VMEXIT_INVALID (-1): VMRUN found illegal guest state
	// or an illegal EVENTINJ (KVM: SVM_EXIT_ERR).
	ExitInvalid ExitCode = 0xFFFFFFFFFFFFFFFF
	// ExitBusy is VMEXIT_BUSY (-2), SEV-SNP: the VMSA's BUSY bit was set [APM?].
	ExitBusy ExitCode = 0xFFFFFFFFFFFFFFFE
	// ExitIdleRequired is VMEXIT_IDLE_REQUIRED (-3), SEV-SNP: the sibling
	// thread is not idle [APM?].
	ExitIdleRequired ExitCode = 0xFFFFFFFFFFFFFFFD
	// ExitInvalidPMC is VMEXIT_INVALID_PMC (-4): invalid PMC state [APM?].
	ExitInvalidPMC ExitCode = 0xFFFFFFFFFFFFFFFC

	// ExitSW is KVM's software-only exit code, used for its own SMM exit
	// (KVM: SVM_EXIT_SW). The processor never writes it.
	ExitSW ExitCode = 0xF0000000
)

// ExitCRRead returns VMEXIT_CRn_READ. Precondition: n < 16.
func ExitCRRead(n uint8) ExitCode { return ExitCR0Read + ExitCode(n&15) }

// ExitCRWrite returns VMEXIT_CRn_WRITE. Precondition: n < 16.
func ExitCRWrite(n uint8) ExitCode { return ExitCR0Write + ExitCode(n&15) }

// ExitDRRead returns VMEXIT_DRn_READ. Precondition: n < 16.
func ExitDRRead(n uint8) ExitCode { return ExitDR0Read + ExitCode(n&15) }

// ExitDRWrite returns VMEXIT_DRn_WRITE. Precondition: n < 16.
func ExitDRWrite(n uint8) ExitCode { return ExitDR0Write + ExitCode(n&15) }

// ExitExcp returns VMEXIT_EXCPn for exception vector n. Precondition: n < 32.
func ExitExcp(vector uint8) ExitCode { return ExitExcpBase + ExitCode(vector&31) }

// ExitCRWriteTrap returns VMEXIT_CRn_WRITE_TRAP. Precondition: n < 16.
func ExitCRWriteTrap(n uint8) ExitCode { return ExitCR0WriteTrap + ExitCode(n&15) }

// IsException reports whether c is one of VMEXIT_EXCP0–VMEXIT_EXCP31.
func (c ExitCode) IsException() bool { return c >= ExitExcpBase && c <= ExitExcpLast }

// Vector returns the exception vector of a VMEXIT_EXCPn exit code.
// Precondition: c.IsException().
func (c ExitCode) Vector() uint8 { return uint8(c - ExitExcpBase) }

// exitNames holds the APM name of every exit code 0x00–0xA6, the range tied to
// intercept bits. The CR, DR, exception and write-trap ranges are filled in
// by number; the rest are spelled out.
var exitNames = func() [ExitLastIntercepted + 1]string {
	t := [ExitLastIntercepted + 1]string{
		ExitINTR:           "VMEXIT_INTR",
		ExitNMI:            "VMEXIT_NMI",
		ExitSMI:            "VMEXIT_SMI",
		ExitINIT:           "VMEXIT_INIT",
		ExitVINTR:          "VMEXIT_VINTR",
		ExitCR0SelWrite:    "VMEXIT_CR0_SEL_WRITE",
		ExitIDTRRead:       "VMEXIT_IDTR_READ",
		ExitGDTRRead:       "VMEXIT_GDTR_READ",
		ExitLDTRRead:       "VMEXIT_LDTR_READ",
		ExitTRRead:         "VMEXIT_TR_READ",
		ExitIDTRWrite:      "VMEXIT_IDTR_WRITE",
		ExitGDTRWrite:      "VMEXIT_GDTR_WRITE",
		ExitLDTRWrite:      "VMEXIT_LDTR_WRITE",
		ExitTRWrite:        "VMEXIT_TR_WRITE",
		ExitRDTSC:          "VMEXIT_RDTSC",
		ExitRDPMC:          "VMEXIT_RDPMC",
		ExitPUSHF:          "VMEXIT_PUSHF",
		ExitPOPF:           "VMEXIT_POPF",
		ExitCPUID:          "VMEXIT_CPUID",
		ExitRSM:            "VMEXIT_RSM",
		ExitIRET:           "VMEXIT_IRET",
		ExitSWINT:          "VMEXIT_SWINT",
		ExitINVD:           "VMEXIT_INVD",
		ExitPAUSE:          "VMEXIT_PAUSE",
		ExitHLT:            "VMEXIT_HLT",
		ExitINVLPG:         "VMEXIT_INVLPG",
		ExitINVLPGA:        "VMEXIT_INVLPGA",
		ExitIOIO:           "VMEXIT_IOIO",
		ExitMSR:            "VMEXIT_MSR",
		ExitTaskSwitch:     "VMEXIT_TASK_SWITCH",
		ExitFERRFreeze:     "VMEXIT_FERR_FREEZE",
		ExitShutdown:       "VMEXIT_SHUTDOWN",
		ExitVMRUN:          "VMEXIT_VMRUN",
		ExitVMMCALL:        "VMEXIT_VMMCALL",
		ExitVMLOAD:         "VMEXIT_VMLOAD",
		ExitVMSAVE:         "VMEXIT_VMSAVE",
		ExitSTGI:           "VMEXIT_STGI",
		ExitCLGI:           "VMEXIT_CLGI",
		ExitSKINIT:         "VMEXIT_SKINIT",
		ExitRDTSCP:         "VMEXIT_RDTSCP",
		ExitICEBP:          "VMEXIT_ICEBP",
		ExitWBINVD:         "VMEXIT_WBINVD",
		ExitMONITOR:        "VMEXIT_MONITOR",
		ExitMWAIT:          "VMEXIT_MWAIT",
		ExitMWAITCond:      "VMEXIT_MWAIT_CONDITIONAL",
		ExitXSETBV:         "VMEXIT_XSETBV",
		ExitRDPRU:          "VMEXIT_RDPRU",
		ExitEFERWriteTrap:  "VMEXIT_EFER_WRITE_TRAP",
		ExitINVLPGB:        "VMEXIT_INVLPGB",
		ExitINVLPGBIllegal: "VMEXIT_INVLPGB_ILLEGAL",
		ExitINVPCID:        "VMEXIT_INVPCID",
		ExitMCOMMIT:        "VMEXIT_MCOMMIT",
		ExitTLBSYNC:        "VMEXIT_TLBSYNC",
		ExitBusLock:        "VMEXIT_BUSLOCK",
		ExitIdleHLT:        "VMEXIT_IDLE_HLT",
	}
	for n := range uint8(16) {
		d := strconv.Itoa(int(n))
		t[ExitCRRead(n)] = "VMEXIT_CR" + d + "_READ"
		t[ExitCRWrite(n)] = "VMEXIT_CR" + d + "_WRITE"
		t[ExitDRRead(n)] = "VMEXIT_DR" + d + "_READ"
		t[ExitDRWrite(n)] = "VMEXIT_DR" + d + "_WRITE"
		t[ExitCRWriteTrap(n)] = "VMEXIT_CR" + d + "_WRITE_TRAP"
	}
	for v := range uint8(32) {
		t[ExitExcp(v)] = "VMEXIT_EXCP" + strconv.Itoa(int(v))
	}
	return t
}()

// String returns the APM name of the exit code ("VMEXIT_NPF",
// "VMEXIT_EXCP14"), or "0x…" in hexadecimal for a code the APM does not
// define.
func (c ExitCode) String() string {
	if c <= ExitLastIntercepted {
		return exitNames[c]
	}
	switch c {
	case ExitNPF:
		return "VMEXIT_NPF"
	case ExitAVICIncompleteIPI:
		return "VMEXIT_AVIC_INCOMPLETE_IPI"
	case ExitAVICNoAccel:
		return "VMEXIT_AVIC_NOACCEL"
	case ExitVMGEXIT:
		return "VMEXIT_VMGEXIT"
	case ExitInvalid:
		return "VMEXIT_INVALID"
	case ExitBusy:
		return "VMEXIT_BUSY"
	case ExitIdleRequired:
		return "VMEXIT_IDLE_REQUIRED"
	case ExitInvalidPMC:
		return "VMEXIT_INVALID_PMC"
	case ExitSW:
		return "SVM_EXIT_SW" // KVM's name; not architectural
	}
	return hex(uint64(c))
}

// hex formats v as "0x" followed by lower-case hexadecimal digits.
func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

// EXITINFO1 of VMEXIT_IOIO (APM vol. 2, "IOIO Intercepts"; KVM:
// SVM_IOIO_*). EXITINFO2 holds the RIP of the next instruction.
const (
	IOIOTypeIn    = 1 << 0       // TYPE: 1 = IN, 0 = OUT (KVM: SVM_IOIO_TYPE_MASK)
	IOIOStr       = 1 << 2       // STR: INS/OUTS (KVM: SVM_IOIO_STR_MASK)
	IOIORep       = 1 << 3       // REP prefix (KVM: SVM_IOIO_REP_MASK)
	IOIOSz8       = 1 << 4       // SZ8: 8-bit operand
	IOIOSz16      = 1 << 5       // SZ16: 16-bit operand
	IOIOSz32      = 1 << 6       // SZ32: 32-bit operand
	IOIOSizeShift = 4            // shift of the one-hot operand size (KVM: SVM_IOIO_SIZE_SHIFT)
	IOIOSizeMask  = 7 << 4       // SZ8|SZ16|SZ32; the size in bytes is (v&IOIOSizeMask)>>IOIOSizeShift (KVM: SVM_IOIO_SIZE_MASK)
	IOIOA16       = 1 << 7       // A16: 16-bit address size
	IOIOA32       = 1 << 8       // A32: 32-bit address size
	IOIOA64       = 1 << 9       // A64: 64-bit address size
	IOIOAsizeMask = 7 << 7       // A16|A32|A64 (KVM: SVM_IOIO_ASIZE_MASK)
	IOIOSegShift  = 10           // shift of SEG, the effective segment of INS/OUTS [APM?]
	IOIOSegMask   = 7 << 10      // bits 12:10 SEG [APM?]
	IOIOPortShift = 16           // shift of the port number in bits 31:16
	IOIOPortMask  = 0xFFFF << 16 // bits 31:16 port number
)

// EXITINFO1 bits 63:32 of VMEXIT_NPF; bits 31:0 hold a #PF-style error code
// (APM vol. 2, "Nested Page Fault"; KVM: PFERR_GUEST_*).
const (
	NPFFinalAddr = 1 << 32 // the fault was on the final guest physical access (KVM: PFERR_GUEST_FINAL_MASK)
	NPFPageTable = 1 << 33 // the fault was on a guest page-table access during the walk [APM?] (KVM: PFERR_GUEST_PAGE_MASK)
)

// EXITINFO2 bits of VMEXIT_TASK_SWITCH; EXITINFO1 holds the target TSS
// selector (APM vol. 2, "Task Switch Intercept"; KVM: TASK_SWITCH_*, SVM_EXITINFOSHIFT_TS_*).
const (
	TaskSwitchErrCodeMask = 0xFFFFFFFF // bits 31:0 error code, valid when TaskSwitchHasErrCode
	TaskSwitchIRET        = 1 << 36    // the task switch was caused by IRET
	TaskSwitchJMP         = 1 << 38    // the task switch was caused by a far JMP
	TaskSwitchHasErrCode  = 1 << 44    // bits 31:0 hold an error code to push
)

// EXITINFO1 of MOV CRx/DRx intercepts with decode assists (APM vol. 2,
// "Decode Assists"; KVM: CR_VALID, SVM_EXITINFO_REG_MASK).
const (
	ExitInfoMovCRValid = 1 << 63 // MOV CRx/DRx (as opposed to LMSW, CLTS, SMSW) with a valid GPR number
	ExitInfoGPRMask    = 0xF     // bits 3:0, the general-purpose register number
)
