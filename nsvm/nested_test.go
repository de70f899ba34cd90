package nsvm

import (
	"encoding/binary"
	"testing"

	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

const (
	l2Code   = 0x3000
	vmcb12PA = 0x6000
	hsavePA  = 0x7000
	l2IDT    = 0x8000
	l2Stack  = 0xa000
)

// l1Hypervisor is L1's code: enable EFER.SVME, set VM_HSAVE_PA, VMRUN the
// vmcb12 the test prepared, then HLT (L0 stops the VM; the test reads
// vmcb12 from memory).
func l1Hypervisor() []byte {
	return cat(
		[]byte{0xb9}, le32(x86.MSREFER), []byte{0x0f, 0x32, 0x0d}, le32(x86.EFERSVME), []byte{0x0f, 0x30}, // rdmsr; or eax, SVME; wrmsr
		[]byte{0xb9}, le32(x86.MSRVMHsavePA), []byte{0xb8}, le32(hsavePA), []byte{0x31, 0xd2, 0x0f, 0x30}, // wrmsr HSAVE
		[]byte{0xb8}, le32(vmcb12PA), []byte{0x0f, 0x01, 0xd8}, // mov eax, vmcb12; vmrun
		[]byte{0xf4}, // hlt
	)
}

// nestedGuest prepares L1 and a vmcb12 running l2 in 32-bit flat protected
// mode with its own IDT; setup may adjust vmcb12 and memory.
func nestedGuest(t *testing.T, l2 []byte, feats svm.Features, setup func(g *guest, v12 *svm.VMCB)) *guest {
	t.Helper()
	g := newGuest(t, l1Hypervisor(), nil, feats)
	copy(g.ram[l2Code:], l2)
	v12 := &svm.VMCB{}
	code32 := svm.Segment{Selector: 8, Attrib: 0xc9b, Limit: 0xffffffff}
	data32 := svm.Segment{Selector: 0x10, Attrib: 0xc93, Limit: 0xffffffff}
	s := &v12.Save
	s.ES, s.CS, s.SS, s.DS = data32, code32, data32, data32
	s.GDTR = svm.Segment{Base: gdtAddr, Limit: 23}
	s.IDTR = svm.Segment{Base: l2IDT, Limit: 0x7ff}
	s.CR0 = x86.CR0PE | x86.CR0ET
	s.EFER = x86.EFERSVME
	s.RFLAGS, s.RIP, s.RSP = 2, l2Code, l2Stack
	s.DR6, s.DR7 = 0xffff0ff0, 0x400
	v12.ASID = 1
	v12.SetIntercept(svm.InterceptVMRUN)
	v12.SetIntercept(svm.InterceptHLT)
	if setup != nil {
		setup(g, v12)
	}
	v12.Store(g.ram[vmcb12PA : vmcb12PA+svm.VMCBSize])
	return g
}

// l2Gate installs an L2 IDT gate.
func (g *guest) l2Gate(vec uint8, h uint32) {
	gate := uint64(h&0xffff) | 8<<16 | uint64(0x8e00)<<32 | uint64(h>>16)<<48
	binary.LittleEndian.PutUint64(g.ram[l2IDT+8*int(vec):], gate)
}

// runNested runs L1 until it halts and returns vmcb12 as L1 sees it.
func (g *guest) runNested(t *testing.T, cfg Config) (*svm.VMCB, []Record) {
	t.Helper()
	st, recs := g.run(t, cfg)
	if st.Reason != StopHalted {
		t.Fatalf("stop %v (%s)", st.Reason, st.Detail)
	}
	var v12 svm.VMCB
	v12.Load(g.ram[vmcb12PA : vmcb12PA+svm.VMCBSize])
	return &v12, recs
}

func TestNestedRouting(t *testing.T) {
	feats := x86.SVMFeaturesDefault
	tests := []struct {
		name  string
		l2    []byte
		setup func(g *guest, v12 *svm.VMCB)
		exit  svm.ExitCode
		info1 uint64
		ripOf int // vmcb12 RIP - l2Code
		nrip  int // vmcb12 NRIP - l2Code, -1: 0
		check func(t *testing.T, g *guest, v12 *svm.VMCB)
	}{
		{"CPUID intercepted by L1", []byte{0x90, 0x0f, 0xa2}, func(g *guest, v12 *svm.VMCB) { v12.SetIntercept(svm.InterceptCPUID) },
			svm.ExitCPUID, 0, 1, 3, nil},
		{"CPUID not intercepted: L0 emulates", []byte{0x31, 0xc0, 0x0f, 0xa2, 0xf4}, nil, svm.ExitHLT, 0, 4, 5,
			func(t *testing.T, g *guest, v12 *svm.VMCB) {
				if v12.Save.RAX != 7 {
					t.Fatalf("L2's CPUID(0).EAX = %#x, want the max leaf 7", v12.Save.RAX)
				}
			}},
		{"IOIO straddling into an intercepted port", []byte{0x66, 0xba, 0xf7, 0x03, 0xef}, func(g *guest, v12 *svm.VMCB) {
			v12.SetIntercept(svm.InterceptIOIOProt)
			v12.IOPMBasePA = 0x20000
			g.ram[0x20000+0x3f9/8] |= 1 << (0x3f9 % 8)
		}, svm.ExitIOIO, 0x3f7<<16 | svm.IOIOSz32 | svm.IOIOA32, 4, 5, nil},
		{"MSR write intercepted, read not", []byte{0xb9, 0x81, 0, 0, 0xc0, 0x0f, 0x32, 0x0f, 0x30}, func(g *guest, v12 *svm.VMCB) {
			v12.SetIntercept(svm.InterceptMSRProt)
			v12.MSRPMBasePA = 0x20000
			bit := 0x800*8 + 0x81*2 + 1 // STAR write
			g.ram[0x20000+bit/8] |= 1 << (bit % 8)
		}, svm.ExitMSR, 1, 7, 9, nil},
		{"selective CR0: TS alone stays in L0", []byte{0x0f, 0x20, 0xc0, 0x83, 0xc8, 0x08, 0x0f, 0x22, 0xc0, 0x0d, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x22, 0xc0},
			func(g *guest, v12 *svm.VMCB) { v12.SetIntercept(svm.InterceptSelectiveCR0) },
			svm.ExitCR0SelWrite, 1 << 63, 14, 17, nil},
		{"#BP intercept reports NRIP = RIP+1", []byte{0x90, 0xcc}, func(g *guest, v12 *svm.VMCB) { v12.SetIntercept(svm.InterceptExcpBP) },
			svm.ExitExcpBP, 0, 1, 2, nil},
		{"VMMCALL not intercepted is #UD in L2", []byte{0x0f, 0x01, 0xd9}, func(g *guest, v12 *svm.VMCB) {
			v12.SetIntercept(svm.InterceptExcp(x86.VecUD))
		}, svm.ExitExcp(x86.VecUD), 0, 0, -1, nil},
		{"SHUTDOWN", []byte{0x0f, 0x0b}, func(g *guest, v12 *svm.VMCB) {
			v12.SetIntercept(svm.InterceptShutdown)
			v12.Save.IDTR.Limit = 0 // #UD → #GP → #DF → shutdown
		}, svm.ExitShutdown, 0, 0, -2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := nestedGuest(t, tt.l2, feats, tt.setup)
			v12, recs := g.runNested(t, Config{})
			if v12.ExitCode != tt.exit || v12.ExitInfo1 != tt.info1 {
				t.Fatalf("vmcb12 exit %v info1 %#x, want %v %#x (trace %v)", v12.ExitCode, v12.ExitInfo1, tt.exit, tt.info1, recs)
			}
			if v12.Save.RIP != uint64(l2Code+tt.ripOf) {
				t.Fatalf("vmcb12 RIP %#x, want %#x", v12.Save.RIP, l2Code+tt.ripOf)
			}
			switch {
			case tt.nrip == -1 && v12.NRIP != 0:
				t.Fatalf("NRIP %#x, want 0", v12.NRIP)
			case tt.nrip >= 0 && v12.NRIP != uint64(l2Code+tt.nrip):
				t.Fatalf("NRIP %#x, want %#x", v12.NRIP, l2Code+tt.nrip)
			}
			if v12.EventInj != 0 {
				t.Fatal("EVENTINJ not cleared")
			}
			if tt.check != nil {
				tt.check(t, g, v12)
			}
		})
	}
}

func TestNestedVMRUNInvalid(t *testing.T) {
	g := nestedGuest(t, []byte{0xf4}, x86.SVMFeaturesDefault, func(g *guest, v12 *svm.VMCB) { v12.ASID = 0 })
	v12, _ := g.runNested(t, Config{})
	if uint64(v12.ExitCode) != 0xffffffffffffffff || v12.ExitInfo1 != 0 || v12.ExitInfo2 != 0 {
		t.Fatalf("exit %#x info %#x %#x, want VMEXIT_INVALID", uint64(v12.ExitCode), v12.ExitInfo1, v12.ExitInfo2)
	}
	// L1 continued after VMRUN (and halted there).
	if g.u32(codeAddr) == 0 {
		t.Fatal("setup")
	}
}

func TestNestedPFReflectedWhileVectoringINT3(t *testing.T) {
	// L2 has paging on; its IDT page is not present in its own tables; L1
	// intercepts #PF: L2's INT3 → #PF while vectoring #BP → vmcb12 gets
	// the #PF with EXITINTINFO = #BP and NRIP = 0.
	const pd, pt = 0x30000, 0x31000
	g := nestedGuest(t, []byte{0x90, 0xcc}, x86.SVMFeaturesDefault, func(g *guest, v12 *svm.VMCB) {
		le := binary.LittleEndian
		le.PutUint32(g.ram[pd:], pt|7)
		for i := 0; i < 256; i++ {
			le.PutUint32(g.ram[pt+4*i:], uint32(i)<<12|7)
		}
		le.PutUint32(g.ram[pt+4*(l2IDT>>12):], 0) // L2's IDT page not present
		v12.Save.CR0 |= x86.CR0PG
		v12.Save.CR3 = pd
		v12.SetIntercept(svm.InterceptExcpPF)
		g.l2Gate(x86.VecBP, 0x3100)
	})
	v12, _ := g.runNested(t, Config{})
	if v12.ExitCode != svm.ExitExcpPF || v12.ExitInfo2 != l2IDT+8*x86.VecBP || v12.ExitInfo1 != 0 {
		t.Fatalf("exit %v info1 %#x info2 %#x", v12.ExitCode, v12.ExitInfo1, v12.ExitInfo2)
	}
	if v12.ExitIntInfo != svm.NewEvent(svm.EventTypeException, x86.VecBP) || v12.NRIP != 0 || v12.Save.RIP != l2Code+1 {
		t.Fatalf("exitintinfo %v nrip %#x rip %#x; want #BP, 0, the INT3", v12.ExitIntInfo, v12.NRIP, v12.Save.RIP)
	}
}

func TestNestedL1InjectedSoftEvents(t *testing.T) {
	// L1 injects an event with an arbitrary next_rip; L2's handler records
	// its return address. L2's shadow starts empty, so the injection's
	// delivery takes L0-only #PF exits (IDT, GDT, stack) first: L0 must
	// re-stuff next_rip, not decode (there is no backing instruction).
	tests := []struct {
		name string
		inj  svm.Event
		vec  uint8
	}{
		{"INTn type 4 vector 0x20", svm.NewEvent(svm.EventTypeSoftInt, 0x20), 0x20},
		{"#BP type 3 with next_rip = RIP+2", svm.NewEvent(svm.EventTypeException, x86.VecBP), x86.VecBP},
	}
	for _, tt := range tests {
		for _, zap := range []ZapPolicy{{}, {OnExit: true}} {
			t.Run(tt.name+"/zap="+zap.String(), func(t *testing.T) {
				const next = l2Code + 2
				g := nestedGuest(t, []byte{0x0f, 0x0b, 0xf4, 0xf4}, x86.SVMFeaturesDefault, func(g *guest, v12 *svm.VMCB) {
					v12.EventInj = tt.inj
					v12.NRIP = next
					g.l2Gate(tt.vec, 0x3100)
					// handler: mov eax,[esp]; mov [dataAddr],eax; hlt
					copy(g.ram[0x3100:], cat([]byte{0x8b, 0x04, 0x24, 0xa3}, le32(dataAddr), []byte{0xf4}))
				})
				v12, _ := g.runNested(t, Config{Zap: zap})
				if v12.ExitCode != svm.ExitHLT || v12.Save.RIP != 0x3100+8 {
					t.Fatalf("exit %v at %#x, want HLT in the handler", v12.ExitCode, v12.Save.RIP)
				}
				if got := g.u32(dataAddr); got != next {
					t.Fatalf("handler's return address %#x, want next_rip %#x", got, next)
				}
			})
		}
	}
}

func TestNestedINTRWithVIntrMasking(t *testing.T) {
	// With V_INTR_MASKING, L1's RFLAGS.IF at VMRUN decides whether an
	// interrupt that arrives while L2 runs exits to L1 (L1 intercepts INTR):
	// IF=1 → #VMEXIT(INTR); IF=0 → it stays pending and L2 runs on (to HLT).
	for _, l1IF := range []bool{true, false} {
		code := l1Hypervisor()
		code = append(code[:len(code)-1], 0xfa, 0xf4) // cli; hlt after the VMRUN
		if l1IF {
			code = append([]byte{0xfb}, code...) // sti first
		}
		g := newGuest(t, code, nil, x86.SVMFeaturesDefault)
		copy(g.ram[l2Code:], []byte{0x90, 0x90, 0x90, 0x90, 0xf4})
		v12 := &svm.VMCB{}
		code32 := svm.Segment{Selector: 8, Attrib: 0xc9b, Limit: 0xffffffff}
		data32 := svm.Segment{Selector: 0x10, Attrib: 0xc93, Limit: 0xffffffff}
		s := &v12.Save
		s.ES, s.CS, s.SS, s.DS = data32, code32, data32, data32
		s.GDTR = svm.Segment{Base: gdtAddr, Limit: 23}
		s.CR0, s.EFER, s.RFLAGS, s.RIP, s.RSP = x86.CR0PE|x86.CR0ET, x86.EFERSVME, 2, l2Code, l2Stack
		s.DR6, s.DR7 = 0xffff0ff0, 0x400
		v12.ASID = 1
		v12.SetIntercept(svm.InterceptVMRUN)
		v12.SetIntercept(svm.InterceptHLT)
		v12.SetIntercept(svm.InterceptINTR)
		v12.IntCtl = svm.IntCtlVIntrMasking
		v12.Store(g.ram[vmcb12PA : vmcb12PA+svm.VMCBSize])
		h := &irqHost{vector: 0x30}
		g.cpu.Platform = h
		v, err := New(g.cpu, h, Config{})
		if err != nil {
			t.Fatal(err)
		}
		v.afterExit = func(r Record) {
			if r.Level == 2 && h.acks == 0 {
				h.pending = true // the interrupt arrives while L2 runs
			}
		}
		st := v.Run(100000)
		if st.Reason != StopHalted {
			t.Fatalf("L1 IF=%v: stop %v (%s)", l1IF, st.Reason, st.Detail)
		}
		var got svm.VMCB
		got.Load(g.ram[vmcb12PA : vmcb12PA+svm.VMCBSize])
		want := svm.ExitHLT
		if l1IF {
			want = svm.ExitINTR
		}
		if got.ExitCode != want || h.acks != 0 {
			t.Fatalf("L1 IF=%v: exit %v, acks %d; want %v with the interrupt still pending", l1IF, got.ExitCode, h.acks, want)
		}
	}
}

func TestNestedNPEnable(t *testing.T) {
	// NP_ENABLE in vmcb12: ignored when L1's CPUID has no NP (L2 runs to
	// its HLT), VMEXIT_INVALID with nCR3 beyond MAXPHYADDR when it has,
	// and a clear "unsupported" stop (no silently wrong paging) when it
	// has NP and the VMCB is valid, since nested NPT is not implemented.
	withNP := x86.SVMFeaturesDefault | svm.FeatureNP
	tests := []struct {
		name     string
		feats    svm.Features
		ncr3     uint64
		wantStop StopReason
		wantExit svm.ExitCode
	}{
		{"no-NP-in-CPUID", x86.SVMFeaturesDefault, 0x1000, StopHalted, svm.ExitHLT},
		{"nCR3-beyond-MAXPHYADDR", withNP, 1 << x86.MaxPhysAddr, StopHalted, svm.ExitInvalid},
		{"valid-nCR3", withNP, 0x1000, StopUnsupported, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := nestedGuest(t, []byte{0xf4}, tt.feats, func(g *guest, v12 *svm.VMCB) {
				v12.MiscCtl |= svm.MiscCtlNPEnable
				v12.NCR3 = tt.ncr3
			})
			st, _ := g.run(t, Config{})
			if st.Reason != tt.wantStop {
				t.Fatalf("stop %v (%s), want %v", st.Reason, st.Detail, tt.wantStop)
			}
			if st.Reason != StopHalted {
				return
			}
			var v12 svm.VMCB
			v12.Load(g.ram[vmcb12PA : vmcb12PA+svm.VMCBSize])
			if v12.ExitCode != tt.wantExit {
				t.Fatalf("vmcb12 exit %v, want %v", v12.ExitCode, tt.wantExit)
			}
		})
	}
}
