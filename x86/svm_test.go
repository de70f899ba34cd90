package x86

import (
	"encoding/binary"
	"testing"

	"github.com/govmm/govmm/x86/svm"
)

// guestVMCB builds a VMCB whose save area is c's current state (a 32-bit
// flat guest from newFlat32), with VMRUN intercepted and ASID 1.
func guestVMCB(c *CPU) *svm.VMCB {
	v := &svm.VMCB{}
	s := &v.Save
	s.ES, s.CS, s.SS, s.DS = segToVMCB(c.Seg[ES]), segToVMCB(c.Seg[CS]), segToVMCB(c.Seg[SS]), segToVMCB(c.Seg[DS])
	s.GDTR = svm.Segment{Base: c.GDTR.Base, Limit: c.GDTR.Limit}
	s.IDTR = svm.Segment{Base: c.IDTR.Base, Limit: c.IDTR.Limit}
	s.CR0, s.CR3, s.CR4 = c.CR0, c.CR3, c.CR4
	s.EFER = c.EFER | EFERSVME
	s.DR6, s.DR7 = dr6Fixed, 0x400
	s.RFLAGS, s.RIP, s.RSP = 2, c.RIP, c.GPR[RSP]
	v.SetIntercept(svm.InterceptVMRUN)
	v.ASID = 1
	return v
}

// newSVM returns a CPU with the default SVM features and a guest VMCB for
// code, with the HLT-stub IDT installed.
func newSVM(t *testing.T, code []byte) (*CPU, *svm.VMCB) {
	c, _ := newFlat32(t, code)
	c.SetSVMFeatures(SVMFeaturesDefault)
	withIDT(c)
	v := guestVMCB(c)
	v.SetIntercept(svm.InterceptHLT)
	return c, v
}

func run(t *testing.T, c *CPU, v *svm.VMCB) {
	t.Helper()
	if ex := c.VMRun(v, 10000); ex.Reason != ExitVMExit {
		t.Fatalf("VMRun ended with %v (%s) at rip %#x", ex.Reason, ex.Detail, c.RIP)
	}
}

func TestSVMInt3Intercepted(t *testing.T) {
	c, v := newSVM(t, []byte{0x90, 0xcc})
	v.SetIntercept(svm.InterceptExcpBP)
	run(t, c, v)
	if v.ExitCode != svm.ExitExcpBP {
		t.Fatalf("exit %v, want VMEXIT_EXCP3", v.ExitCode)
	}
	if v.NRIP != testCode+2 || v.Save.RIP != testCode+1 {
		t.Fatalf("NRIP %#x RIP %#x, want NRIP = RIP+1 = %#x", v.NRIP, v.Save.RIP, testCode+2)
	}
	if v.ExitIntInfo != 0 {
		t.Fatalf("EXITINTINFO %v, want none", v.ExitIntInfo)
	}
}

func TestSVMInt3NPWhileVectoring(t *testing.T) {
	// INT3 whose gate is not present, #NP intercepted: the #NP arises while
	// vectoring #BP, so EXITINTINFO names the #BP and NRIP is 0.
	c, v := newSVM(t, []byte{0xcc})
	c.RAM[testIDT+8*VecBP+5] &^= 0x80
	v.SetIntercept(svm.InterceptExcp(VecNP))
	v.NRIP = 0xdead
	run(t, c, v)
	if v.ExitCode != 0x4b || v.ExitInfo1 != 0x1a || v.ExitIntInfo != 0x80000303 || v.NRIP != 0 {
		t.Fatalf("exit %#x info1 %#x exitintinfo %#x nrip %#x; want 0x4b 0x1a 0x80000303 0",
			uint64(v.ExitCode), v.ExitInfo1, uint64(v.ExitIntInfo), v.NRIP)
	}
	if v.Save.RIP != testCode {
		t.Fatalf("RIP %#x, want the INT3", v.Save.RIP)
	}
}

func TestSVMEventInjSoftIntUsesNRIP(t *testing.T) {
	c, v := newSVM(t, []byte{0x90})
	v.EventInj = svm.NewEvent(svm.EventTypeSoftInt, 0x20)
	v.NRIP = testCode + 7
	run(t, c, v)
	if v.ExitCode != svm.ExitHLT || v.Save.RIP != testStubs+16*0x20 {
		t.Fatalf("exit %v at %#x, want HLT in the 0x20 handler", v.ExitCode, v.Save.RIP)
	}
	if got := binary.LittleEndian.Uint32(c.RAM[v.Save.RSP:]); got != testCode+7 {
		t.Fatalf("pushed return address %#x, want NRIP %#x", got, testCode+7)
	}
	if v.EventInj != 0 {
		t.Fatal("EVENTINJ not cleared at #VMEXIT")
	}
}

func TestSVMEventInjErrorCodeEV(t *testing.T) {
	for _, ev := range []bool{false, true} {
		c, v := newSVM(t, []byte{0x90})
		if ev {
			v.EventInj = svm.NewEventErr(svm.EventTypeException, VecGP, 0x18)
		} else {
			v.EventInj = svm.NewEvent(svm.EventTypeException, VecGP)
		}
		run(t, c, v)
		if v.ExitCode != svm.ExitHLT {
			t.Fatalf("exit %v, want HLT in the #GP handler", v.ExitCode)
		}
		sp := v.Save.RSP
		wantSP := uint64(0x8000 - 12)
		if ev {
			wantSP -= 4
			if got := binary.LittleEndian.Uint32(c.RAM[sp:]); got != 0x18 {
				t.Fatalf("error code %#x", got)
			}
		}
		if sp != wantSP {
			t.Fatalf("EV=%v: RSP %#x, want %#x", ev, sp, wantSP)
		}
	}
}

func TestSVMConsistencyChecks(t *testing.T) {
	tests := []struct {
		name string
		bad  func(v *svm.VMCB)
	}{
		{"ASID 0", func(v *svm.VMCB) { v.ASID = 0 }},
		{"EFER.SVME clear", func(v *svm.VMCB) { v.Save.EFER &^= EFERSVME }},
		{"CR0.NW without CD", func(v *svm.VMCB) { v.Save.CR0 |= CR0NW }},
		{"CR0 high bits", func(v *svm.VMCB) { v.Save.CR0 |= 1 << 40 }},
		{"CR3 above MAXPHYADDR", func(v *svm.VMCB) { v.Save.CR3 = 1 << MaxPhysAddr }},
		{"CR4 reserved", func(v *svm.VMCB) { v.Save.CR4 |= 1 << 28 }},
		{"DR6 high", func(v *svm.VMCB) { v.Save.DR6 |= 1 << 32 }},
		{"DR7 high", func(v *svm.VMCB) { v.Save.DR7 |= 1 << 33 }},
		{"EFER reserved", func(v *svm.VMCB) { v.Save.EFER |= 1 << 20 }},
		{"LME+PG without PAE", func(v *svm.VMCB) { v.Save.EFER |= EFERLME; v.Save.CR0 |= CR0PG }},
		{"LME+PG+PAE with CS.L and CS.D", func(v *svm.VMCB) {
			v.Save.EFER |= EFERLME
			v.Save.CR0 |= CR0PG
			v.Save.CR4 |= CR4PAE
			v.Save.CS.Attrib |= svm.SegAttribL | svm.SegAttribDB
		}},
		{"VMRUN intercept clear", func(v *svm.VMCB) { v.ClearIntercept(svm.InterceptVMRUN) }},
		{"MSRPM beyond MAXPHYADDR", func(v *svm.VMCB) { v.MSRPMBasePA = 1<<MaxPhysAddr - 0x1000 }},
		{"IOPM beyond MAXPHYADDR", func(v *svm.VMCB) { v.IOPMBasePA = 1<<MaxPhysAddr - 0x2000 }},
		{"EVENTINJ reserved type", func(v *svm.VMCB) { v.EventInj = svm.NewEvent(1, 0x20) }},
		{"EVENTINJ exception vector 2", func(v *svm.VMCB) { v.EventInj = svm.NewEvent(svm.EventTypeException, 2) }},
		{"EVENTINJ exception vector 0x20", func(v *svm.VMCB) { v.EventInj = svm.NewEvent(svm.EventTypeException, 0x20) }},
		{"EVENTINJ error code in real mode", func(v *svm.VMCB) {
			v.Save.CR0 &^= CR0PE
			v.EventInj = svm.NewEventErr(svm.EventTypeException, VecGP, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, v := newSVM(t, []byte{0x90})
			tt.bad(v)
			before := c.GetState()
			v.ExitInfo1, v.ExitInfo2 = 1, 2
			if ex := c.VMRun(v, 100); ex.Reason != ExitVMExit {
				t.Fatalf("reason %v", ex.Reason)
			}
			if v.ExitCode != svm.ExitInvalid || uint64(v.ExitCode) != 0xffffffffffffffff {
				t.Fatalf("EXITCODE %#x, want VMEXIT_INVALID (-1)", uint64(v.ExitCode))
			}
			if v.ExitInfo1 != 0 || v.ExitInfo2 != 0 {
				t.Fatal("EXITINFO not cleared")
			}
			if c.GetState() != before || c.Insns != 0 {
				t.Fatal("a failed VMRUN changed CPU state")
			}
			if c.GIF() {
				t.Fatal("GIF still set after VMEXIT_INVALID")
			}
		})
	}
}

func TestSVMInstructionIntercepts(t *testing.T) {
	tests := []struct {
		name      string
		code      []byte
		icpt      svm.Intercept
		exit      svm.ExitCode
		info1     uint64
		info2     uint64
		insnLen   uint64
		setupCode func(c *CPU, v *svm.VMCB)
	}{
		{"CPUID", []byte{0x0f, 0xa2}, svm.InterceptCPUID, svm.ExitCPUID, 0, 0, 2, nil},
		{"HLT", []byte{0xf4}, svm.InterceptHLT, svm.ExitHLT, 0, 0, 1, nil},
		{"RDTSC", []byte{0x0f, 0x31}, svm.InterceptRDTSC, svm.ExitRDTSC, 0, 0, 2, nil},
		{"PUSHF", []byte{0x9c}, svm.InterceptPUSHF, svm.ExitPUSHF, 0, 0, 1, nil},
		{"INT 0x21 with decode assists", []byte{0xcd, 0x21}, svm.InterceptINTn, svm.ExitSWINT, 0x21, 0, 2, nil},
		{"PAUSE", []byte{0xf3, 0x90}, svm.InterceptPAUSE, svm.ExitPAUSE, 0, 0, 2, nil},
		{"ICEBP", []byte{0xf1}, svm.InterceptICEBP, svm.ExitICEBP, 0, 0, 1, nil},
		{"MOV CR3,EBX", []byte{0x0f, 0x22, 0xdb}, svm.InterceptCR3Write, svm.ExitCR3Write, 1<<63 | RBX, 0, 3, nil},
		{"MOV ECX,CR0", []byte{0x0f, 0x20, 0xc1}, svm.InterceptCR0Read, svm.ExitCR0Read, 1<<63 | RCX, 0, 3, nil},
		{"selective CR0 (set WP)", []byte{0x0f, 0x22, 0xc0}, svm.InterceptSelectiveCR0, svm.ExitCR0SelWrite, 1 << 63, 0, 3, // GPR 0 = RAX

			func(c *CPU, v *svm.VMCB) { v.Save.RAX = c.CR0 | CR0WP }},
		{"MOV DR7,EAX", []byte{0x0f, 0x23, 0xf8}, svm.InterceptDRWrite(7), svm.ExitDRWrite(7), 1 << 63, 0, 3, // GPR 0 = RAX
			nil},
		{"INVLPG", []byte{0x0f, 0x01, 0x3d, 0x00, 0x50, 0, 0}, svm.InterceptINVLPG, svm.ExitINVLPG, 0x5000, 0, 7, nil},
		{"LIDT", []byte{0x0f, 0x01, 0x1d, 0x00, 0x50, 0, 0}, svm.InterceptLoadIDTR, svm.ExitIDTRWrite, 0, 0, 7, nil},
		{"VMMCALL", []byte{0x0f, 0x01, 0xd9}, svm.InterceptVMMCALL, svm.ExitVMMCALL, 0, 0, 3, nil},
		{"VMRUN", []byte{0x0f, 0x01, 0xd8}, svm.InterceptVMRUN, svm.ExitVMRUN, 0, 0, 3,
			func(c *CPU, v *svm.VMCB) { v.Save.RAX = 0x6000 }},
		{"OUT DX,AL (IOPM)", []byte{0xee}, svm.InterceptIOIOProt, svm.ExitIOIO,
			0x3f8<<16 | svm.IOIOSz8 | svm.IOIOA32, testCode + 2, 1, func(c *CPU, v *svm.VMCB) {
				v.IOPMBasePA = 0x40000
				c.RAM[0x40000+0x3f8/8] = 1 << (0x3f8 % 8)
				c.GPR[RDX] = 0x3f8
			}},
		{"REP INSW (IOPM, second port bit)", []byte{0xf3, 0x66, 0x6d}, svm.InterceptIOIOProt, svm.ExitIOIO,
			0x70<<16 | svm.IOIOTypeIn | svm.IOIOStr | svm.IOIORep | svm.IOIOSz16 | svm.IOIOA32 | ES<<svm.IOIOSegShift, testCode + 4, 3,
			func(c *CPU, v *svm.VMCB) {
				v.IOPMBasePA = 0x40000
				c.RAM[0x40000+0x71/8] = 1 << (0x71 % 8)
				c.GPR[RDX], c.GPR[RCX], c.GPR[RDI] = 0x70, 4, 0x5000
			}},
		{"WRMSR (MSRPM)", []byte{0x0f, 0x30}, svm.InterceptMSRProt, svm.ExitMSR, 1, 0, 2, func(c *CPU, v *svm.VMCB) {
			v.MSRPMBasePA = 0x40000
			bit := 0x800*8 + 0x80*2 + 1 // EFER write
			c.RAM[0x40000+bit/8] = 1 << (bit % 8)
			c.GPR[RCX] = MSREFER
		}},
		{"RDMSR outside the MSRPM ranges", []byte{0x0f, 0x32}, svm.InterceptMSRProt, svm.ExitMSR, 0, 0, 2, func(c *CPU, v *svm.VMCB) {
			v.MSRPMBasePA = 0x40000
			c.GPR[RCX] = 0x40000000
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, v := newSVM(t, append([]byte{0x90}, tt.code...))
			v.Save.EFER |= EFERSVME
			v.SetIntercept(tt.icpt)
			if tt.setupCode != nil {
				tt.setupCode(c, v)
			}
			run(t, c, v)
			if v.ExitCode != tt.exit || v.ExitInfo1 != tt.info1 || v.ExitInfo2 != tt.info2 {
				t.Fatalf("exit %v info1 %#x info2 %#x; want %v %#x %#x", v.ExitCode, v.ExitInfo1, v.ExitInfo2, tt.exit, tt.info1, tt.info2)
			}
			if v.Save.RIP != testCode+1 || v.NRIP != testCode+1+tt.insnLen {
				t.Fatalf("RIP %#x NRIP %#x, want %#x and %#x", v.Save.RIP, v.NRIP, testCode+1, testCode+1+tt.insnLen)
			}
		})
	}
}

func TestSVMPageFaultExitInfo(t *testing.T) {
	// A #PF intercepted: EXITINFO1 = error code, EXITINFO2 = address, CR2
	// untouched, instruction bytes with decode assists, NRIP 0.
	c, v := newSVM(t, []byte{0xa1, 0x00, 0x00, 0x40, 0x00})
	pagingOn(c)
	v.Save.CR0, v.Save.CR3 = c.CR0, c.CR3
	v.Save.CR2 = 0x1234
	v.SetIntercept(svm.InterceptExcpPF)
	run(t, c, v)
	if v.ExitCode != svm.ExitExcpPF || v.ExitInfo1 != 0 || v.ExitInfo2 != 0x400000 || v.Save.CR2 != 0x1234 || v.NRIP != 0 {
		t.Fatalf("exit %v info1 %#x info2 %#x cr2 %#x nrip %#x", v.ExitCode, v.ExitInfo1, v.ExitInfo2, v.Save.CR2, v.NRIP)
	}
	if v.InsnLen != 15 || v.InsnBytes[0] != 0xa1 {
		t.Fatalf("instruction bytes %d % x", v.InsnLen, v.InsnBytes[:4])
	}
}

func TestSVMExitIntInfoTypes(t *testing.T) {
	// INT 0x30 whose handler's stack push faults (#PF intercepted): the
	// EXITINTINFO type is 4 (software interrupt); for an injected NMI it is
	// 2; for an injected external interrupt 0.
	tests := []struct {
		name string
		code []byte
		inj  svm.Event
		want svm.Event
	}{
		{"INTn", []byte{0xcd, 0x30}, 0, svm.NewEvent(svm.EventTypeSoftInt, 0x30)},
		{"injected NMI", []byte{0x90}, svm.NewEvent(svm.EventTypeNMI, 2), svm.NewEvent(svm.EventTypeNMI, 2)},
		{"injected INTR", []byte{0x90}, svm.NewEvent(svm.EventTypeIntr, 0x41), svm.NewEvent(svm.EventTypeIntr, 0x41)},
		{"injected #GP with error code", []byte{0x90}, svm.NewEventErr(svm.EventTypeException, VecGP, 8),
			svm.NewEventErr(svm.EventTypeException, VecGP, 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, v := newSVM(t, tt.code)
			pagingOn(c)
			// Unmap the stack page (0x7000) so the frame push faults.
			binary.LittleEndian.PutUint32(c.RAM[0x10000+7*4:], 0)
			v.Save.CR0, v.Save.CR3 = c.CR0, c.CR3
			v.SetIntercept(svm.InterceptExcpPF)
			v.EventInj = tt.inj
			run(t, c, v)
			if v.ExitCode != svm.ExitExcpPF || v.ExitIntInfo != tt.want {
				t.Fatalf("exit %v exitintinfo %v, want #PF with %v", v.ExitCode, v.ExitIntInfo, tt.want)
			}
			if v.ExitInfo1 != pfW {
				t.Fatalf("#PF error code %#x, want a supervisor write to a non-present page", v.ExitInfo1)
			}
		})
	}
}

func TestSVMVirtualInterrupt(t *testing.T) {
	// V_IRQ with guest IF=1: with VINTR intercepted the CPU exits; without
	// it the vector is delivered through the guest IDT and V_IRQ clears.
	for _, icpt := range []bool{true, false} {
		c, v := newSVM(t, []byte{0x90, 0x90})
		v.Save.RFLAGS |= FlagIF
		v.IntCtl = svm.IntCtlVIRQ | svm.IntCtlVIgnTPR | svm.IntCtlVIntrMasking
		v.IntVector = 0x51
		if icpt {
			v.SetIntercept(svm.InterceptVINTR)
		}
		run(t, c, v)
		if icpt {
			if v.ExitCode != svm.ExitVINTR || v.IntCtl&svm.IntCtlVIRQ == 0 {
				t.Fatalf("exit %v int_ctl %#x, want VINTR with V_IRQ still set", v.ExitCode, v.IntCtl)
			}
			continue
		}
		if v.ExitCode != svm.ExitHLT || v.Save.RIP != testStubs+16*0x51 {
			t.Fatalf("exit %v at %#x, want HLT in the 0x51 handler", v.ExitCode, v.Save.RIP)
		}
		if v.IntCtl&svm.IntCtlVIRQ != 0 {
			t.Fatal("V_IRQ still set after delivery")
		}
	}
}

func TestSVMInterruptShadowAndINTR(t *testing.T) {
	// An external interrupt with INTR intercepted exits at the next
	// boundary, but not inside the STI shadow given in int_state.
	c, v := newSVM(t, []byte{0x90, 0x90})
	v.SetIntercept(svm.InterceptINTR)
	v.IntCtl = svm.IntCtlVIntrMasking // physical interrupts ignore the guest's IF
	v.IntState = svm.IntStateInterruptShadow
	c.SetINTR(true)
	run(t, c, v)
	if v.ExitCode != svm.ExitINTR || v.Save.RIP != testCode+1 {
		t.Fatalf("exit %v at %#x, want INTR after the shadowed first instruction", v.ExitCode, v.Save.RIP)
	}
}

func TestSVMTSCOffsetAndBudget(t *testing.T) {
	// RDTSC in the guest sees TSC_OFFSET; the budget ends the run as a
	// host interrupt would (VMEXIT_INTR).
	c, v := newSVM(t, []byte{0x0f, 0x31, 0xeb, 0xfe})
	v.TSCOffset = 1000
	if ex := c.VMRun(v, 50); ex.Reason != ExitBudget {
		t.Fatalf("reason %v", ex.Reason)
	}
	if v.ExitCode != svm.ExitINTR {
		t.Fatalf("exit %v, want VMEXIT_INTR for the time slice", v.ExitCode)
	}
	if v.Save.RAX != 1000 {
		t.Fatalf("guest TSC %d, want 0 instructions + offset 1000", v.Save.RAX)
	}
	if c.TSC() != 50 {
		t.Fatalf("host TSC %d after the run, want 50", c.TSC())
	}
}

func TestSVMInstructionsNeedSVME(t *testing.T) {
	// Outside guest mode, VMLOAD without EFER.SVME is #UD; with it and CPL 0
	// it loads FS/GS/TR/LDTR and the syscall MSRs from the VMCB at rAX.
	c, _ := newFlat32(t, []byte{0xb8, 0x00, 0x60, 0, 0, 0x0f, 0x01, 0xda, 0xf4})
	c.SetSVMFeatures(SVMFeaturesDefault)
	withIDT(c)
	if vec := handled(t, c); vec != VecUD {
		t.Fatalf("vector %d, want #UD without EFER.SVME", vec)
	}
	c, _ = newFlat32(t, []byte{0xb8, 0x00, 0x60, 0, 0, 0x0f, 0x01, 0xda, 0xf4})
	c.SetSVMFeatures(SVMFeaturesDefault)
	c.EFER |= EFERSVME
	var src svm.VMCB
	src.Save.FS = svm.Segment{Selector: 0x10, Attrib: 0xc93, Limit: 0xffffffff, Base: 0x1234000}
	src.Save.LSTAR = 0xffffffff81000000
	src.Store(c.RAM[0x6000:0x7000])
	if ex := c.Run(100); ex.Reason != ExitHalt {
		t.Fatalf("exit %v (%s)", ex.Reason, ex.Detail)
	}
	if c.Seg[FS].Base != 0x1234000 || c.LSTAR != 0xffffffff81000000 {
		t.Fatalf("VMLOAD did not load: FS.base %#x LSTAR %#x", c.Seg[FS].Base, c.LSTAR)
	}
}

func TestSVMCPUID(t *testing.T) {
	c, _ := newFlat32(t, nil)
	if c.CPUID.has(0x80000001, regECX, CPUIDSVM) {
		t.Fatal("SVM advertised before it is configured")
	}
	c.SetSVMFeatures(SVMFeaturesQEMUMax)
	if !c.CPUID.has(0x80000001, regECX, CPUIDSVM) {
		t.Fatal("SVM not advertised")
	}
	if l := c.CPUID.lookup(0x8000000a, 0); l.EDX != uint32(SVMFeaturesQEMUMax) || l.EAX != 1 {
		t.Fatalf("leaf 8000_000Ah = %+v", l)
	}
	c.SetSVMFeatures(0)
	if c.CPUID.has(0x80000001, regECX, CPUIDSVM) {
		t.Fatal("SVM still advertised")
	}
}

func TestSVMIntoBoundIntercepts(t *testing.T) {
	// INTO and BOUND raise #OF/#BR through the exception intercepts with
	// NRIP = the next instruction (not through the INTn intercept).
	tests := []struct {
		name string
		code []byte
		icpt svm.Intercept
		exit svm.ExitCode
		n    int
	}{
		{"INTO", []byte{0xb0, 0x7f, 0x04, 0x01, 0xce}, svm.InterceptExcp(VecOF), svm.ExitExcp(VecOF), 1},
		{"BOUND", []byte{0xb8, 9, 0, 0, 0, 0x62, 0x05, 0x00, 0x50, 0, 0}, svm.InterceptExcp(VecBR), svm.ExitExcp(VecBR), 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, v := newSVM(t, tt.code)
			v.SetIntercept(tt.icpt)
			v.SetIntercept(svm.InterceptINTn)
			binary.LittleEndian.PutUint32(c.RAM[0x5004:], 4) // BOUND upper limit 4 < 9
			run(t, c, v)
			at := uint64(testCode + len(tt.code) - tt.n)
			if v.ExitCode != tt.exit || v.Save.RIP != at || v.NRIP != at+uint64(tt.n) {
				t.Fatalf("exit %v rip %#x nrip %#x; want %v at %#x, NRIP %#x", v.ExitCode, v.Save.RIP, v.NRIP, tt.exit, at, at+uint64(tt.n))
			}
		})
	}
}

func TestSVMVGIF(t *testing.T) {
	// With VGIF enabled, the guest's CLGI clears V_GIF (no exit), which
	// blocks the pending virtual interrupt; STGI lets it in.
	c, v := newSVM(t, []byte{0x0f, 0x01, 0xdd, 0xfb, 0x90, 0x90, 0x0f, 0x01, 0xdc, 0x90, 0x90})
	v.Save.EFER |= EFERSVME
	v.IntCtl = svm.IntCtlVGIFEnable | svm.IntCtlVGIF | svm.IntCtlVIRQ | svm.IntCtlVIgnTPR
	v.IntVector = 0x52
	v.SetIntercept(svm.InterceptVINTR)
	run(t, c, v)
	if v.ExitCode != svm.ExitVINTR {
		t.Fatalf("exit %v, want VINTR", v.ExitCode)
	}
	// CLGI at +0, STI at +3 (shadow covers +4), the window opens only after
	// STGI at +6 completes.
	if v.Save.RIP != testCode+9 || v.IntCtl&svm.IntCtlVGIF == 0 {
		t.Fatalf("VINTR at %#x (V_GIF %v), want right after STGI at %#x", v.Save.RIP, v.IntCtl&svm.IntCtlVGIF != 0, testCode+9)
	}
}

func TestSVMVMSaveAndMSRs(t *testing.T) {
	c, _ := newFlat32(t, []byte{0xb8, 0x00, 0x60, 0, 0, 0x0f, 0x01, 0xdb, 0xf4}) // mov eax,0x6000; vmsave; hlt
	c.SetSVMFeatures(SVMFeaturesDefault)
	c.EFER |= EFERSVME
	c.LSTAR, c.KernelGSBase = 0xffffffff81234567, 0x7777
	if ex := c.Run(100); ex.Reason != ExitHalt {
		t.Fatalf("exit %v (%s)", ex.Reason, ex.Detail)
	}
	var v svm.VMCB
	v.Load(c.RAM[0x6000:0x7000])
	if v.Save.LSTAR != 0xffffffff81234567 || v.Save.KernelGSBase != 0x7777 {
		t.Fatalf("VMSAVE stored LSTAR %#x KernelGSBase %#x", v.Save.LSTAR, v.Save.KernelGSBase)
	}
	// VM_HSAVE_PA must be page-aligned and below MAXPHYADDR.
	for _, tc := range []struct {
		v  uint64
		ok bool
	}{{0x10000, true}, {0x10010, false}, {1 << MaxPhysAddr, false}} {
		if got := c.SetMSR(MSRVMHsavePA, tc.v); got != tc.ok {
			t.Errorf("wrmsr VM_HSAVE_PA %#x = %v, want %v", tc.v, got, tc.ok)
		}
	}
	// VM_CR.SVMDIS with EFER.SVME set is refused; with SVME clear and
	// SVMDIS set, EFER.SVME cannot be set.
	if c.SetMSR(MSRVMCR, svm.VMCRSVMDis) {
		t.Fatal("SVMDIS accepted while EFER.SVME is set")
	}
	c.EFER &^= EFERSVME
	if !c.SetMSR(MSRVMCR, svm.VMCRSVMDis) || c.SetMSR(MSREFER, EFERSVME) {
		t.Fatal("SVMDIS did not block EFER.SVME")
	}
}

func TestSVMMaskedInterruptsWaitForSTI(t *testing.T) {
	// A V_IRQ, or an INTR without V_INTR_MASKING, pending while the guest
	// runs with IF=0 is taken at the first boundary after STI's shadow
	// (nop; nop; sti; nop; nop), never earlier and never lost. With
	// V_INTR_MASKING the INTR exits at once, whatever the guest's IF.
	code := []byte{0x90, 0x90, 0xfb, 0x90, 0x90, 0xf4}
	tests := []struct {
		name    string
		intr    bool
		intCtl  uint32
		want    svm.ExitCode
		wantRIP uint64
	}{
		{"V_IRQ", false, svm.IntCtlVIRQ | svm.IntCtlVIgnTPR, svm.ExitVINTR, testCode + 4},
		{"INTR-guest-IF", true, 0, svm.ExitINTR, testCode + 4},
		{"INTR-V_INTR_MASKING", true, svm.IntCtlVIntrMasking, svm.ExitINTR, testCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, v := newSVM(t, code)
			v.Save.RFLAGS &^= FlagIF
			v.IntCtl = tt.intCtl
			v.SetIntercept(svm.InterceptVINTR)
			v.SetIntercept(svm.InterceptINTR)
			c.SetINTR(tt.intr)
			run(t, c, v)
			if v.ExitCode != tt.want || v.Save.RIP != tt.wantRIP {
				t.Fatalf("exit %v at %#x, want %v at %#x", v.ExitCode, v.Save.RIP, tt.want, tt.wantRIP)
			}
		})
	}
}
