package svm

import "testing"

// TestInterceptBits pins intercept bits to (word, bit) of the reference
// table §1.3 and to their exit code.
func TestInterceptBits(t *testing.T) {
	tests := []struct {
		i    Intercept
		word int
		bit  uint
		exit ExitCode
		name string
	}{
		{InterceptCR0Read, 0, 0, ExitCR0Read, "INTERCEPT_CR0_READ"},
		{InterceptCR3Read, 0, 3, ExitCR3Read, "INTERCEPT_CR3_READ"},
		{InterceptCR4Read, 0, 4, ExitCR4Read, "INTERCEPT_CR4_READ"},
		{InterceptCR8Read, 0, 8, ExitCR8Read, "INTERCEPT_CR8_READ"},
		{InterceptCR0Write, 0, 16, ExitCR0Write, "INTERCEPT_CR0_WRITE"},
		{InterceptCR3Write, 0, 19, ExitCR3Write, "INTERCEPT_CR3_WRITE"},
		{InterceptCR4Write, 0, 20, ExitCR4Write, "INTERCEPT_CR4_WRITE"},
		{InterceptCR8Write, 0, 24, ExitCR8Write, "INTERCEPT_CR8_WRITE"},
		{InterceptDRRead(7), 1, 7, ExitDR7Read, "INTERCEPT_DR7_READ"},
		{InterceptDRWrite(7), 1, 23, ExitDR7Write, "INTERCEPT_DR7_WRITE"},
		{InterceptExcpBase, 2, 0, ExitExcpDE, "INTERCEPT_EXCP0"},
		{InterceptExcpDB, 2, 1, ExitExcpDB, "INTERCEPT_EXCP1"},
		{InterceptExcpBP, 2, 3, ExitExcpBP, "INTERCEPT_EXCP3"},
		{InterceptExcpUD, 2, 6, ExitExcpUD, "INTERCEPT_EXCP6"},
		{InterceptExcpGP, 2, 13, ExitExcpGP, "INTERCEPT_EXCP13"},
		{InterceptExcpPF, 2, 14, ExitExcpPF, "INTERCEPT_EXCP14"},
		{InterceptExcpAC, 2, 17, ExitExcpAC, "INTERCEPT_EXCP17"},
		{InterceptExcpMC, 2, 18, ExitExcpMC, "INTERCEPT_EXCP18"},
		{InterceptINTR, 3, 0, ExitINTR, "INTERCEPT_INTR"},
		{InterceptNMI, 3, 1, ExitNMI, "INTERCEPT_NMI"},
		{InterceptSMI, 3, 2, ExitSMI, "INTERCEPT_SMI"},
		{InterceptINIT, 3, 3, ExitINIT, "INTERCEPT_INIT"},
		{InterceptVINTR, 3, 4, ExitVINTR, "INTERCEPT_VINTR"},
		{InterceptSelectiveCR0, 3, 5, ExitCR0SelWrite, "INTERCEPT_CR0_SEL_WRITE"},
		{InterceptStoreIDTR, 3, 6, ExitIDTRRead, "INTERCEPT_IDTR_READ"},
		{InterceptStoreGDTR, 3, 7, ExitGDTRRead, "INTERCEPT_GDTR_READ"},
		{InterceptStoreLDTR, 3, 8, ExitLDTRRead, "INTERCEPT_LDTR_READ"},
		{InterceptStoreTR, 3, 9, ExitTRRead, "INTERCEPT_TR_READ"},
		{InterceptLoadIDTR, 3, 10, ExitIDTRWrite, "INTERCEPT_IDTR_WRITE"},
		{InterceptLoadGDTR, 3, 11, ExitGDTRWrite, "INTERCEPT_GDTR_WRITE"},
		{InterceptLoadLDTR, 3, 12, ExitLDTRWrite, "INTERCEPT_LDTR_WRITE"},
		{InterceptLoadTR, 3, 13, ExitTRWrite, "INTERCEPT_TR_WRITE"},
		{InterceptRDTSC, 3, 14, ExitRDTSC, "INTERCEPT_RDTSC"},
		{InterceptRDPMC, 3, 15, ExitRDPMC, "INTERCEPT_RDPMC"},
		{InterceptPUSHF, 3, 16, ExitPUSHF, "INTERCEPT_PUSHF"},
		{InterceptPOPF, 3, 17, ExitPOPF, "INTERCEPT_POPF"},
		{InterceptCPUID, 3, 18, ExitCPUID, "INTERCEPT_CPUID"},
		{InterceptRSM, 3, 19, ExitRSM, "INTERCEPT_RSM"},
		{InterceptIRET, 3, 20, ExitIRET, "INTERCEPT_IRET"},
		{InterceptINTn, 3, 21, ExitSWINT, "INTERCEPT_SWINT"},
		{InterceptINVD, 3, 22, ExitINVD, "INTERCEPT_INVD"},
		{InterceptPAUSE, 3, 23, ExitPAUSE, "INTERCEPT_PAUSE"},
		{InterceptHLT, 3, 24, ExitHLT, "INTERCEPT_HLT"},
		{InterceptINVLPG, 3, 25, ExitINVLPG, "INTERCEPT_INVLPG"},
		{InterceptINVLPGA, 3, 26, ExitINVLPGA, "INTERCEPT_INVLPGA"},
		{InterceptIOIOProt, 3, 27, ExitIOIO, "INTERCEPT_IOIO"},
		{InterceptMSRProt, 3, 28, ExitMSR, "INTERCEPT_MSR"},
		{InterceptTaskSwitch, 3, 29, ExitTaskSwitch, "INTERCEPT_TASK_SWITCH"},
		{InterceptFERRFreeze, 3, 30, ExitFERRFreeze, "INTERCEPT_FERR_FREEZE"},
		{InterceptShutdown, 3, 31, ExitShutdown, "INTERCEPT_SHUTDOWN"},
		{InterceptVMRUN, 4, 0, ExitVMRUN, "INTERCEPT_VMRUN"},
		{InterceptVMMCALL, 4, 1, ExitVMMCALL, "INTERCEPT_VMMCALL"},
		{InterceptVMLOAD, 4, 2, ExitVMLOAD, "INTERCEPT_VMLOAD"},
		{InterceptVMSAVE, 4, 3, ExitVMSAVE, "INTERCEPT_VMSAVE"},
		{InterceptSTGI, 4, 4, ExitSTGI, "INTERCEPT_STGI"},
		{InterceptCLGI, 4, 5, ExitCLGI, "INTERCEPT_CLGI"},
		{InterceptSKINIT, 4, 6, ExitSKINIT, "INTERCEPT_SKINIT"},
		{InterceptRDTSCP, 4, 7, ExitRDTSCP, "INTERCEPT_RDTSCP"},
		{InterceptICEBP, 4, 8, ExitICEBP, "INTERCEPT_ICEBP"},
		{InterceptWBINVD, 4, 9, ExitWBINVD, "INTERCEPT_WBINVD"},
		{InterceptMONITOR, 4, 10, ExitMONITOR, "INTERCEPT_MONITOR"},
		{InterceptMWAIT, 4, 11, ExitMWAIT, "INTERCEPT_MWAIT"},
		{InterceptMWAITCond, 4, 12, ExitMWAITCond, "INTERCEPT_MWAIT_CONDITIONAL"},
		{InterceptXSETBV, 4, 13, ExitXSETBV, "INTERCEPT_XSETBV"},
		{InterceptRDPRU, 4, 14, ExitRDPRU, "INTERCEPT_RDPRU"},
		{InterceptEFERWriteTrap, 4, 15, ExitEFERWriteTrap, "INTERCEPT_EFER_WRITE_TRAP"},
		{InterceptCR0WriteTrap, 4, 16, ExitCR0WriteTrap, "INTERCEPT_CR0_WRITE_TRAP"},
		{InterceptCR4WriteTrap, 4, 20, ExitCR4WriteTrap, "INTERCEPT_CR4_WRITE_TRAP"},
		{InterceptCR8WriteTrap, 4, 24, ExitCR8WriteTrap, "INTERCEPT_CR8_WRITE_TRAP"},
		{InterceptINVLPGB, 5, 0, ExitINVLPGB, "INTERCEPT_INVLPGB"},
		{InterceptINVLPGBIllegal, 5, 1, ExitINVLPGBIllegal, "INTERCEPT_INVLPGB_ILLEGAL"},
		{InterceptINVPCID, 5, 2, ExitINVPCID, "INTERCEPT_INVPCID"},
		{InterceptMCOMMIT, 5, 3, ExitMCOMMIT, "INTERCEPT_MCOMMIT"},
		{InterceptTLBSYNC, 5, 4, ExitTLBSYNC, "INTERCEPT_TLBSYNC"},
		{InterceptBusLock, 5, 5, ExitBusLock, "INTERCEPT_BUSLOCK"},
		{InterceptIdleHLT, 5, 6, ExitIdleHLT, "INTERCEPT_IDLE_HLT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.i.Word() != tt.word || tt.i.Mask() != 1<<tt.bit {
				t.Errorf("word %d mask %#x, want word %d bit %d", tt.i.Word(), tt.i.Mask(), tt.word, tt.bit)
			}
			if int(tt.i) != 32*tt.word+int(tt.bit) {
				t.Errorf("index %d, want %d", tt.i, 32*tt.word+int(tt.bit))
			}
			if tt.i.ExitCode() != tt.exit {
				t.Errorf("ExitCode() = %v, want %v", tt.i.ExitCode(), tt.exit)
			}
			if got, ok := tt.exit.Intercept(); !ok || got != tt.i {
				t.Errorf("%v.Intercept() = %v, %v; want %v, true", tt.exit, got, ok, tt.i)
			}
			if got := tt.i.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			var c Control
			c.SetIntercept(tt.i)
			for w, v := range c.Intercepts {
				want := uint32(0)
				if w == tt.word {
					want = 1 << tt.bit
				}
				if v != want {
					t.Errorf("after SetIntercept, word %d = %#x, want %#x", w, v, want)
				}
			}
		})
	}
}

// TestInterceptRanges checks that the CR, DR, exception and write-trap bits
// sit where the APM puts them and that their index equals the exit code.
func TestInterceptRanges(t *testing.T) {
	type rng struct {
		name string
		n    uint8
		icpt func(uint8) Intercept
		exit func(uint8) ExitCode
		word int
		bit0 uint
	}
	for _, r := range []rng{
		{"CR read", 16, InterceptCRRead, ExitCRRead, 0, 0},
		{"CR write", 16, InterceptCRWrite, ExitCRWrite, 0, 16},
		{"DR read", 16, InterceptDRRead, ExitDRRead, 1, 0},
		{"DR write", 16, InterceptDRWrite, ExitDRWrite, 1, 16},
		{"exception", 32, InterceptExcp, ExitExcp, 2, 0},
		{"CR write trap", 16, InterceptCRWriteTrap, ExitCRWriteTrap, 4, 16},
	} {
		t.Run(r.name, func(t *testing.T) {
			for n := range r.n {
				i := r.icpt(n)
				if i.Word() != r.word || i.Mask() != 1<<(r.bit0+uint(n)) {
					t.Errorf("n=%d: word %d mask %#x, want word %d bit %d", n, i.Word(), i.Mask(), r.word, r.bit0+uint(n))
				}
				if ExitCode(i) != r.exit(n) {
					t.Errorf("n=%d: index %d != exit code %#x", n, i, uint64(r.exit(n)))
				}
			}
		})
	}
}

func TestInterceptIdentity(t *testing.T) {
	for c := ExitCode(0); c <= ExitLastIntercepted; c++ {
		i, ok := c.Intercept()
		if !ok || ExitCode(i) != c || i.ExitCode() != c {
			t.Errorf("%v: Intercept() = %d, %v", c, i, ok)
		}
	}
	for _, c := range []ExitCode{0xA7, ExitNPF, ExitAVICNoAccel, ExitVMGEXIT, ExitInvalid, ExitBusy, ExitSW} {
		t.Run(c.String(), func(t *testing.T) {
			if _, ok := c.Intercept(); ok {
				t.Errorf("%v has an intercept bit", c)
			}
		})
	}
}

func TestSetClearIntercept(t *testing.T) {
	var c Control
	all := []Intercept{InterceptExcpPF, InterceptINTR, InterceptVMRUN, InterceptINVPCID, InterceptCR3Write}
	for _, i := range all {
		c.SetIntercept(i)
	}
	c.SetIntercept(InterceptVMRUN) // idempotent
	want := [NumInterceptWords]uint32{0: 1 << 19, 2: 1 << 14, 3: 1 << 0, 4: 1 << 0, 5: 1 << 2}
	if c.Intercepts != want {
		t.Fatalf("Intercepts = %#x, want %#x", c.Intercepts, want)
	}
	for _, i := range all {
		if !c.Intercepted(i) {
			t.Errorf("%v not intercepted", i)
		}
	}
	if c.Intercepted(InterceptHLT) || c.Intercepted(InterceptExcpBP) {
		t.Error("unset intercept reported set")
	}
	c.ClearIntercept(InterceptExcpPF)
	c.ClearIntercept(InterceptExcpPF) // idempotent
	if c.Intercepted(InterceptExcpPF) || c.Intercepts[2] != 0 {
		t.Error("ClearIntercept(#PF) did not clear")
	}
	if !c.Intercepted(InterceptVMRUN) {
		t.Error("ClearIntercept(#PF) cleared VMRUN")
	}
	for i := range Intercept(NumIntercepts) {
		c.SetIntercept(i)
	}
	for w, v := range c.Intercepts {
		if v != 0xFFFFFFFF {
			t.Errorf("word %d = %#x after setting every bit", w, v)
		}
	}
}

func TestInterceptStringReserved(t *testing.T) {
	tests := []struct {
		i    Intercept
		want string
	}{
		{Intercept(ExitIdleHLT) + 1, "Intercept(167)"},
		{NumIntercepts - 1, "Intercept(191)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.i.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
