package svm

import (
	"strings"
	"testing"
)

// TestExitCodes pins each named exit code to its value and APM spelling
// (reference §1.3, APM vol. 2 appendix C).
func TestExitCodes(t *testing.T) {
	tests := []struct {
		code ExitCode
		want uint64
		name string
	}{
		{ExitCR0Read, 0x00, "VMEXIT_CR0_READ"},
		{ExitCR2Read, 0x02, "VMEXIT_CR2_READ"},
		{ExitCR3Read, 0x03, "VMEXIT_CR3_READ"},
		{ExitCR4Read, 0x04, "VMEXIT_CR4_READ"},
		{ExitCR8Read, 0x08, "VMEXIT_CR8_READ"},
		{ExitCRRead(15), 0x0F, "VMEXIT_CR15_READ"},
		{ExitCR0Write, 0x10, "VMEXIT_CR0_WRITE"},
		{ExitCR2Write, 0x12, "VMEXIT_CR2_WRITE"},
		{ExitCR3Write, 0x13, "VMEXIT_CR3_WRITE"},
		{ExitCR4Write, 0x14, "VMEXIT_CR4_WRITE"},
		{ExitCR8Write, 0x18, "VMEXIT_CR8_WRITE"},
		{ExitCRWrite(15), 0x1F, "VMEXIT_CR15_WRITE"},
		{ExitDR0Read, 0x20, "VMEXIT_DR0_READ"},
		{ExitDR1Read, 0x21, "VMEXIT_DR1_READ"},
		{ExitDR2Read, 0x22, "VMEXIT_DR2_READ"},
		{ExitDR3Read, 0x23, "VMEXIT_DR3_READ"},
		{ExitDR4Read, 0x24, "VMEXIT_DR4_READ"},
		{ExitDR5Read, 0x25, "VMEXIT_DR5_READ"},
		{ExitDR6Read, 0x26, "VMEXIT_DR6_READ"},
		{ExitDR7Read, 0x27, "VMEXIT_DR7_READ"},
		{ExitDRRead(15), 0x2F, "VMEXIT_DR15_READ"},
		{ExitDR0Write, 0x30, "VMEXIT_DR0_WRITE"},
		{ExitDR1Write, 0x31, "VMEXIT_DR1_WRITE"},
		{ExitDR2Write, 0x32, "VMEXIT_DR2_WRITE"},
		{ExitDR3Write, 0x33, "VMEXIT_DR3_WRITE"},
		{ExitDR4Write, 0x34, "VMEXIT_DR4_WRITE"},
		{ExitDR5Write, 0x35, "VMEXIT_DR5_WRITE"},
		{ExitDR6Write, 0x36, "VMEXIT_DR6_WRITE"},
		{ExitDR7Write, 0x37, "VMEXIT_DR7_WRITE"},
		{ExitDRWrite(15), 0x3F, "VMEXIT_DR15_WRITE"},
		{ExitExcpBase, 0x40, "VMEXIT_EXCP0"},
		{ExitExcpDE, 0x40, "VMEXIT_EXCP0"},
		{ExitExcpDB, 0x41, "VMEXIT_EXCP1"},
		{ExitExcpNMI, 0x42, "VMEXIT_EXCP2"},
		{ExitExcpBP, 0x43, "VMEXIT_EXCP3"},
		{ExitExcpOF, 0x44, "VMEXIT_EXCP4"},
		{ExitExcpBR, 0x45, "VMEXIT_EXCP5"},
		{ExitExcpUD, 0x46, "VMEXIT_EXCP6"},
		{ExitExcpNM, 0x47, "VMEXIT_EXCP7"},
		{ExitExcpDF, 0x48, "VMEXIT_EXCP8"},
		{ExitExcp(9), 0x49, "VMEXIT_EXCP9"},
		{ExitExcpTS, 0x4A, "VMEXIT_EXCP10"},
		{ExitExcpNP, 0x4B, "VMEXIT_EXCP11"},
		{ExitExcpSS, 0x4C, "VMEXIT_EXCP12"},
		{ExitExcpGP, 0x4D, "VMEXIT_EXCP13"},
		{ExitExcpPF, 0x4E, "VMEXIT_EXCP14"},
		{ExitExcpMF, 0x50, "VMEXIT_EXCP16"},
		{ExitExcpAC, 0x51, "VMEXIT_EXCP17"},
		{ExitExcpMC, 0x52, "VMEXIT_EXCP18"},
		{ExitExcpXF, 0x53, "VMEXIT_EXCP19"},
		{ExitExcpCP, 0x55, "VMEXIT_EXCP21"},
		{ExitExcpHV, 0x5C, "VMEXIT_EXCP28"},
		{ExitExcpVC, 0x5D, "VMEXIT_EXCP29"},
		{ExitExcpSX, 0x5E, "VMEXIT_EXCP30"},
		{ExitExcpLast, 0x5F, "VMEXIT_EXCP31"},
		{ExitINTR, 0x60, "VMEXIT_INTR"},
		{ExitNMI, 0x61, "VMEXIT_NMI"},
		{ExitSMI, 0x62, "VMEXIT_SMI"},
		{ExitINIT, 0x63, "VMEXIT_INIT"},
		{ExitVINTR, 0x64, "VMEXIT_VINTR"},
		{ExitCR0SelWrite, 0x65, "VMEXIT_CR0_SEL_WRITE"},
		{ExitIDTRRead, 0x66, "VMEXIT_IDTR_READ"},
		{ExitGDTRRead, 0x67, "VMEXIT_GDTR_READ"},
		{ExitLDTRRead, 0x68, "VMEXIT_LDTR_READ"},
		{ExitTRRead, 0x69, "VMEXIT_TR_READ"},
		{ExitIDTRWrite, 0x6A, "VMEXIT_IDTR_WRITE"},
		{ExitGDTRWrite, 0x6B, "VMEXIT_GDTR_WRITE"},
		{ExitLDTRWrite, 0x6C, "VMEXIT_LDTR_WRITE"},
		{ExitTRWrite, 0x6D, "VMEXIT_TR_WRITE"},
		{ExitRDTSC, 0x6E, "VMEXIT_RDTSC"},
		{ExitRDPMC, 0x6F, "VMEXIT_RDPMC"},
		{ExitPUSHF, 0x70, "VMEXIT_PUSHF"},
		{ExitPOPF, 0x71, "VMEXIT_POPF"},
		{ExitCPUID, 0x72, "VMEXIT_CPUID"},
		{ExitRSM, 0x73, "VMEXIT_RSM"},
		{ExitIRET, 0x74, "VMEXIT_IRET"},
		{ExitSWINT, 0x75, "VMEXIT_SWINT"},
		{ExitINVD, 0x76, "VMEXIT_INVD"},
		{ExitPAUSE, 0x77, "VMEXIT_PAUSE"},
		{ExitHLT, 0x78, "VMEXIT_HLT"},
		{ExitINVLPG, 0x79, "VMEXIT_INVLPG"},
		{ExitINVLPGA, 0x7A, "VMEXIT_INVLPGA"},
		{ExitIOIO, 0x7B, "VMEXIT_IOIO"},
		{ExitMSR, 0x7C, "VMEXIT_MSR"},
		{ExitTaskSwitch, 0x7D, "VMEXIT_TASK_SWITCH"},
		{ExitFERRFreeze, 0x7E, "VMEXIT_FERR_FREEZE"},
		{ExitShutdown, 0x7F, "VMEXIT_SHUTDOWN"},
		{ExitVMRUN, 0x80, "VMEXIT_VMRUN"},
		{ExitVMMCALL, 0x81, "VMEXIT_VMMCALL"},
		{ExitVMLOAD, 0x82, "VMEXIT_VMLOAD"},
		{ExitVMSAVE, 0x83, "VMEXIT_VMSAVE"},
		{ExitSTGI, 0x84, "VMEXIT_STGI"},
		{ExitCLGI, 0x85, "VMEXIT_CLGI"},
		{ExitSKINIT, 0x86, "VMEXIT_SKINIT"},
		{ExitRDTSCP, 0x87, "VMEXIT_RDTSCP"},
		{ExitICEBP, 0x88, "VMEXIT_ICEBP"},
		{ExitWBINVD, 0x89, "VMEXIT_WBINVD"},
		{ExitMONITOR, 0x8A, "VMEXIT_MONITOR"},
		{ExitMWAIT, 0x8B, "VMEXIT_MWAIT"},
		{ExitMWAITCond, 0x8C, "VMEXIT_MWAIT_CONDITIONAL"},
		{ExitXSETBV, 0x8D, "VMEXIT_XSETBV"},
		{ExitRDPRU, 0x8E, "VMEXIT_RDPRU"},
		{ExitEFERWriteTrap, 0x8F, "VMEXIT_EFER_WRITE_TRAP"},
		{ExitCR0WriteTrap, 0x90, "VMEXIT_CR0_WRITE_TRAP"},
		{ExitCR3WriteTrap, 0x93, "VMEXIT_CR3_WRITE_TRAP"},
		{ExitCR4WriteTrap, 0x94, "VMEXIT_CR4_WRITE_TRAP"},
		{ExitCR8WriteTrap, 0x98, "VMEXIT_CR8_WRITE_TRAP"},
		{ExitCR15WriteTrap, 0x9F, "VMEXIT_CR15_WRITE_TRAP"},
		{ExitINVLPGB, 0xA0, "VMEXIT_INVLPGB"},
		{ExitINVLPGBIllegal, 0xA1, "VMEXIT_INVLPGB_ILLEGAL"},
		{ExitINVPCID, 0xA2, "VMEXIT_INVPCID"},
		{ExitMCOMMIT, 0xA3, "VMEXIT_MCOMMIT"},
		{ExitTLBSYNC, 0xA4, "VMEXIT_TLBSYNC"},
		{ExitBusLock, 0xA5, "VMEXIT_BUSLOCK"},
		{ExitIdleHLT, 0xA6, "VMEXIT_IDLE_HLT"},
		{ExitNPF, 0x400, "VMEXIT_NPF"},
		{ExitAVICIncompleteIPI, 0x401, "VMEXIT_AVIC_INCOMPLETE_IPI"},
		{ExitAVICNoAccel, 0x402, "VMEXIT_AVIC_NOACCEL"},
		{ExitVMGEXIT, 0x403, "VMEXIT_VMGEXIT"},
		{ExitInvalid, 0xFFFFFFFFFFFFFFFF, "VMEXIT_INVALID"},
		{ExitBusy, 0xFFFFFFFFFFFFFFFE, "VMEXIT_BUSY"},
		{ExitIdleRequired, 0xFFFFFFFFFFFFFFFD, "VMEXIT_IDLE_REQUIRED"},
		{ExitInvalidPMC, 0xFFFFFFFFFFFFFFFC, "VMEXIT_INVALID_PMC"},
		{ExitSW, 0xF0000000, "SVM_EXIT_SW"},
		// Unknown codes print as hexadecimal.
		{0xA7, 0xA7, "0xa7"},
		{0x3FF, 0x3FF, "0x3ff"},
		{0x404, 0x404, "0x404"},
		{0xFFFFFFFF, 0xFFFFFFFF, "0xffffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if uint64(tt.code) != tt.want {
				t.Errorf("value = %#x, want %#x", uint64(tt.code), tt.want)
			}
			if got := tt.code.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
		})
	}
}

// TestExitInvalidIsMinusOne checks that VMEXIT_INVALID is -1 as a 64-bit
// value, as the APM and KVM (SVM_EXIT_ERR) define it.
func TestExitInvalidIsMinusOne(t *testing.T) {
	minusOne := int64(-1)
	if ExitInvalid != ExitCode(minusOne) {
		t.Errorf("ExitInvalid = %#x, want -1", uint64(ExitInvalid))
	}
}

// TestExitNamesDense checks that every exit code tied to an intercept bit has
// a distinct APM-style name.
func TestExitNamesDense(t *testing.T) {
	seen := map[string]ExitCode{}
	for c := ExitCode(0); c <= ExitLastIntercepted; c++ {
		name := c.String()
		if !strings.HasPrefix(name, "VMEXIT_") {
			t.Errorf("%#x: name %q lacks VMEXIT_ prefix", uint64(c), name)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("%#x and %#x are both %q", uint64(prev), uint64(c), name)
		}
		seen[name] = c
	}
}

func TestExitCodeRanges(t *testing.T) {
	for n := range uint8(16) {
		t.Run("CR/DR "+ExitCRRead(n).String(), func(t *testing.T) {
			if ExitCRRead(n) != ExitCode(n) || ExitCRWrite(n) != ExitCode(0x10+n) ||
				ExitDRRead(n) != ExitCode(0x20+n) || ExitDRWrite(n) != ExitCode(0x30+n) ||
				ExitCRWriteTrap(n) != ExitCode(0x90+n) {
				t.Errorf("range helpers wrong for n=%d", n)
			}
		})
	}
	for v := range uint8(32) {
		c := ExitExcp(v)
		t.Run(c.String(), func(t *testing.T) {
			if c != ExitCode(0x40+uint64(v)) || !c.IsException() || c.Vector() != v {
				t.Errorf("ExitExcp(%d) = %#x, IsException %v, Vector %d", v, uint64(c), c.IsException(), c.Vector())
			}
		})
	}
	for _, c := range []ExitCode{0x3F, 0x60, ExitNPF, ExitInvalid} {
		if c.IsException() {
			t.Errorf("%v.IsException() = true", c)
		}
	}
}
