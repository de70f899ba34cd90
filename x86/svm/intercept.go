package svm

import "strconv"

// Intercept is the index of a bit in the intercept vector at VMCB offset
// 0x000: bit Intercept%32 of 32-bit word Intercept/32 (KVM: enum with
// INTERCEPT_*, index = 32*word + bit). For every defined bit the index equals
// the exit code the intercept produces, so Intercept(ExitVMRUN) is the VMRUN
// intercept; the named constants below are written that way.
type Intercept uint8

// NumIntercepts is the number of bits in the intercept vector.
const NumIntercepts = 32 * NumInterceptWords

// Words of Control.Intercepts (KVM: INTERCEPT_CR, INTERCEPT_DR,
// INTERCEPT_EXCEPTION, INTERCEPT_WORD3, INTERCEPT_WORD4, INTERCEPT_WORD5).
const (
	InterceptWordCR    = 0 // 0x000 CR reads (15:0) and writes (31:16)
	InterceptWordDR    = 1 // 0x004 DR reads (15:0) and writes (31:16)
	InterceptWordExcp  = 2 // 0x008 exception vectors
	InterceptWordMisc1 = 3 // 0x00C INTR … SHUTDOWN
	InterceptWordMisc2 = 4 // 0x010 VMRUN … CR write traps
	InterceptWordMisc3 = 5 // 0x014 INVLPGB … IDLE_HLT
)

// Intercept bits. CR, DR and exception intercepts are also reachable by number
// through InterceptCRRead and friends.
const (
	InterceptCR0Read  = Intercept(ExitCR0Read)  // word 0 bit 0 (KVM: INTERCEPT_CR0_READ)
	InterceptCR3Read  = Intercept(ExitCR3Read)  // word 0 bit 3 (KVM: INTERCEPT_CR3_READ)
	InterceptCR4Read  = Intercept(ExitCR4Read)  // word 0 bit 4 (KVM: INTERCEPT_CR4_READ)
	InterceptCR8Read  = Intercept(ExitCR8Read)  // word 0 bit 8 (KVM: INTERCEPT_CR8_READ)
	InterceptCR0Write = Intercept(ExitCR0Write) // word 0 bit 16 (KVM: INTERCEPT_CR0_WRITE)
	InterceptCR3Write = Intercept(ExitCR3Write) // word 0 bit 19 (KVM: INTERCEPT_CR3_WRITE)
	InterceptCR4Write = Intercept(ExitCR4Write) // word 0 bit 20 (KVM: INTERCEPT_CR4_WRITE)
	InterceptCR8Write = Intercept(ExitCR8Write) // word 0 bit 24 (KVM: INTERCEPT_CR8_WRITE)

	InterceptExcpBase = Intercept(ExitExcpBase) // word 2 bit 0, exception vector 0 (KVM: INTERCEPT_EXCEPTION_OFFSET)
	InterceptExcpDB   = Intercept(ExitExcpDB)   // word 2 bit 1, #DB
	InterceptExcpBP   = Intercept(ExitExcpBP)   // word 2 bit 3, #BP
	InterceptExcpUD   = Intercept(ExitExcpUD)   // word 2 bit 6, #UD
	InterceptExcpGP   = Intercept(ExitExcpGP)   // word 2 bit 13, #GP
	InterceptExcpPF   = Intercept(ExitExcpPF)   // word 2 bit 14, #PF
	InterceptExcpAC   = Intercept(ExitExcpAC)   // word 2 bit 17, #AC
	InterceptExcpMC   = Intercept(ExitExcpMC)   // word 2 bit 18, #MC

	InterceptINTR           = Intercept(ExitINTR)           // word 3 bit 0 (KVM: INTERCEPT_INTR)
	InterceptNMI            = Intercept(ExitNMI)            // word 3 bit 1 (KVM: INTERCEPT_NMI)
	InterceptSMI            = Intercept(ExitSMI)            // word 3 bit 2 (KVM: INTERCEPT_SMI)
	InterceptINIT           = Intercept(ExitINIT)           // word 3 bit 3 (KVM: INTERCEPT_INIT)
	InterceptVINTR          = Intercept(ExitVINTR)          // word 3 bit 4 (KVM: INTERCEPT_VINTR)
	InterceptSelectiveCR0   = Intercept(ExitCR0SelWrite)    // word 3 bit 5, CR0 writes other than TS/MP (KVM: INTERCEPT_SELECTIVE_CR0)
	InterceptStoreIDTR      = Intercept(ExitIDTRRead)       // word 3 bit 6 (KVM: INTERCEPT_STORE_IDTR)
	InterceptStoreGDTR      = Intercept(ExitGDTRRead)       // word 3 bit 7 (KVM: INTERCEPT_STORE_GDTR)
	InterceptStoreLDTR      = Intercept(ExitLDTRRead)       // word 3 bit 8 (KVM: INTERCEPT_STORE_LDTR)
	InterceptStoreTR        = Intercept(ExitTRRead)         // word 3 bit 9 (KVM: INTERCEPT_STORE_TR)
	InterceptLoadIDTR       = Intercept(ExitIDTRWrite)      // word 3 bit 10 (KVM: INTERCEPT_LOAD_IDTR)
	InterceptLoadGDTR       = Intercept(ExitGDTRWrite)      // word 3 bit 11 (KVM: INTERCEPT_LOAD_GDTR)
	InterceptLoadLDTR       = Intercept(ExitLDTRWrite)      // word 3 bit 12 (KVM: INTERCEPT_LOAD_LDTR)
	InterceptLoadTR         = Intercept(ExitTRWrite)        // word 3 bit 13 (KVM: INTERCEPT_LOAD_TR)
	InterceptRDTSC          = Intercept(ExitRDTSC)          // word 3 bit 14 (KVM: INTERCEPT_RDTSC)
	InterceptRDPMC          = Intercept(ExitRDPMC)          // word 3 bit 15 (KVM: INTERCEPT_RDPMC)
	InterceptPUSHF          = Intercept(ExitPUSHF)          // word 3 bit 16 (KVM: INTERCEPT_PUSHF)
	InterceptPOPF           = Intercept(ExitPOPF)           // word 3 bit 17 (KVM: INTERCEPT_POPF)
	InterceptCPUID          = Intercept(ExitCPUID)          // word 3 bit 18 (KVM: INTERCEPT_CPUID)
	InterceptRSM            = Intercept(ExitRSM)            // word 3 bit 19 (KVM: INTERCEPT_RSM)
	InterceptIRET           = Intercept(ExitIRET)           // word 3 bit 20 (KVM: INTERCEPT_IRET)
	InterceptINTn           = Intercept(ExitSWINT)          // word 3 bit 21, software interrupts (KVM: INTERCEPT_INTn)
	InterceptINVD           = Intercept(ExitINVD)           // word 3 bit 22 (KVM: INTERCEPT_INVD)
	InterceptPAUSE          = Intercept(ExitPAUSE)          // word 3 bit 23 (KVM: INTERCEPT_PAUSE)
	InterceptHLT            = Intercept(ExitHLT)            // word 3 bit 24 (KVM: INTERCEPT_HLT)
	InterceptINVLPG         = Intercept(ExitINVLPG)         // word 3 bit 25 (KVM: INTERCEPT_INVLPG)
	InterceptINVLPGA        = Intercept(ExitINVLPGA)        // word 3 bit 26 (KVM: INTERCEPT_INVLPGA)
	InterceptIOIOProt       = Intercept(ExitIOIO)           // word 3 bit 27, consult the IOPM (KVM: INTERCEPT_IOIO_PROT)
	InterceptMSRProt        = Intercept(ExitMSR)            // word 3 bit 28, consult the MSRPM (KVM: INTERCEPT_MSR_PROT)
	InterceptTaskSwitch     = Intercept(ExitTaskSwitch)     // word 3 bit 29 (KVM: INTERCEPT_TASK_SWITCH)
	InterceptFERRFreeze     = Intercept(ExitFERRFreeze)     // word 3 bit 30 (KVM: INTERCEPT_FERR_FREEZE)
	InterceptShutdown       = Intercept(ExitShutdown)       // word 3 bit 31 (KVM: INTERCEPT_SHUTDOWN)
	InterceptVMRUN          = Intercept(ExitVMRUN)          // word 4 bit 0 (KVM: INTERCEPT_VMRUN)
	InterceptVMMCALL        = Intercept(ExitVMMCALL)        // word 4 bit 1 (KVM: INTERCEPT_VMMCALL)
	InterceptVMLOAD         = Intercept(ExitVMLOAD)         // word 4 bit 2 (KVM: INTERCEPT_VMLOAD)
	InterceptVMSAVE         = Intercept(ExitVMSAVE)         // word 4 bit 3 (KVM: INTERCEPT_VMSAVE)
	InterceptSTGI           = Intercept(ExitSTGI)           // word 4 bit 4 (KVM: INTERCEPT_STGI)
	InterceptCLGI           = Intercept(ExitCLGI)           // word 4 bit 5 (KVM: INTERCEPT_CLGI)
	InterceptSKINIT         = Intercept(ExitSKINIT)         // word 4 bit 6 (KVM: INTERCEPT_SKINIT)
	InterceptRDTSCP         = Intercept(ExitRDTSCP)         // word 4 bit 7 (KVM: INTERCEPT_RDTSCP)
	InterceptICEBP          = Intercept(ExitICEBP)          // word 4 bit 8 (KVM: INTERCEPT_ICEBP)
	InterceptWBINVD         = Intercept(ExitWBINVD)         // word 4 bit 9 (KVM: INTERCEPT_WBINVD)
	InterceptMONITOR        = Intercept(ExitMONITOR)        // word 4 bit 10 (KVM: INTERCEPT_MONITOR)
	InterceptMWAIT          = Intercept(ExitMWAIT)          // word 4 bit 11 (KVM: INTERCEPT_MWAIT)
	InterceptMWAITCond      = Intercept(ExitMWAITCond)      // word 4 bit 12 (KVM: INTERCEPT_MWAIT_COND)
	InterceptXSETBV         = Intercept(ExitXSETBV)         // word 4 bit 13 (KVM: INTERCEPT_XSETBV)
	InterceptRDPRU          = Intercept(ExitRDPRU)          // word 4 bit 14 (KVM: INTERCEPT_RDPRU)
	InterceptEFERWriteTrap  = Intercept(ExitEFERWriteTrap)  // word 4 bit 15 (KVM: TRAP_EFER_WRITE)
	InterceptCR0WriteTrap   = Intercept(ExitCR0WriteTrap)   // word 4 bit 16 (KVM: TRAP_CR0_WRITE)
	InterceptCR4WriteTrap   = Intercept(ExitCR4WriteTrap)   // word 4 bit 20 (KVM: TRAP_CR4_WRITE)
	InterceptCR8WriteTrap   = Intercept(ExitCR8WriteTrap)   // word 4 bit 24 (KVM: TRAP_CR8_WRITE)
	InterceptINVLPGB        = Intercept(ExitINVLPGB)        // word 5 bit 0 [APM?] (KVM: INTERCEPT_INVLPGB)
	InterceptINVLPGBIllegal = Intercept(ExitINVLPGBIllegal) // word 5 bit 1 [APM?] (KVM: INTERCEPT_INVLPGB_ILLEGAL)
	InterceptINVPCID        = Intercept(ExitINVPCID)        // word 5 bit 2 (KVM: INTERCEPT_INVPCID)
	InterceptMCOMMIT        = Intercept(ExitMCOMMIT)        // word 5 bit 3 [APM?] (KVM: INTERCEPT_MCOMMIT)
	InterceptTLBSYNC        = Intercept(ExitTLBSYNC)        // word 5 bit 4 [APM?] (KVM: INTERCEPT_TLBSYNC)
	InterceptBusLock        = Intercept(ExitBusLock)        // word 5 bit 5 (KVM: INTERCEPT_BUSLOCK)
	InterceptIdleHLT        = Intercept(ExitIdleHLT)        // word 5 bit 6 (KVM: INTERCEPT_IDLE_HLT)
)

// InterceptCRRead returns the intercept bit for reads of CRn. Precondition: n < 16.
func InterceptCRRead(n uint8) Intercept { return Intercept(ExitCRRead(n)) }

// InterceptCRWrite returns the intercept bit for writes of CRn. Precondition: n < 16.
func InterceptCRWrite(n uint8) Intercept { return Intercept(ExitCRWrite(n)) }

// InterceptDRRead returns the intercept bit for reads of DRn. Precondition: n < 16.
func InterceptDRRead(n uint8) Intercept { return Intercept(ExitDRRead(n)) }

// InterceptDRWrite returns the intercept bit for writes of DRn. Precondition: n < 16.
func InterceptDRWrite(n uint8) Intercept { return Intercept(ExitDRWrite(n)) }

// InterceptExcp returns the intercept bit for exception vector n. Precondition: n < 32.
func InterceptExcp(vector uint8) Intercept { return Intercept(ExitExcp(vector)) }

// InterceptCRWriteTrap returns the intercept bit for the CRn write trap. Precondition: n < 16.
func InterceptCRWriteTrap(n uint8) Intercept { return Intercept(ExitCRWriteTrap(n)) }

// Word returns the index of the 32-bit word of Control.Intercepts holding i.
func (i Intercept) Word() int { return int(i >> 5) }

// Mask returns the bit of i within its word.
func (i Intercept) Mask() uint32 { return 1 << (i & 31) }

// ExitCode returns the exit code produced when intercept i fires; it equals
// i. Precondition: i <= Intercept(ExitLastIntercepted).
func (i Intercept) ExitCode() ExitCode { return ExitCode(i) }

// Intercept returns the intercept bit whose firing produces exit code c, and
// false if c is not tied to an intercept bit (VMEXIT_NPF, VMEXIT_INVALID, …).
func (c ExitCode) Intercept() (Intercept, bool) {
	if c > ExitLastIntercepted {
		return 0, false
	}
	return Intercept(c), true
}

// String returns KVM-style "INTERCEPT_" followed by the APM exit name without
// its "VMEXIT_" prefix ("INTERCEPT_VMRUN", "INTERCEPT_EXCP14"), or
// "Intercept(n)" for a reserved bit.
func (i Intercept) String() string {
	if ExitCode(i) > ExitLastIntercepted {
		return "Intercept(" + strconv.Itoa(int(i)) + ")"
	}
	return "INTERCEPT_" + exitNames[i][len("VMEXIT_"):]
}

// Intercepted reports whether intercept i is set (KVM: vmcb_is_intercept).
// Precondition: i < NumIntercepts.
func (c *Control) Intercepted(i Intercept) bool {
	return c.Intercepts[i.Word()]&i.Mask() != 0
}

// SetIntercept sets intercept i (KVM: vmcb_set_intercept).
// Precondition: i < NumIntercepts.
func (c *Control) SetIntercept(i Intercept) {
	c.Intercepts[i.Word()] |= i.Mask()
}

// ClearIntercept clears intercept i (KVM: vmcb_clr_intercept).
// Precondition: i < NumIntercepts.
func (c *Control) ClearIntercept(i Intercept) {
	c.Intercepts[i.Word()] &^= i.Mask()
}
