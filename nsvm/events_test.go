package nsvm

import (
	"fmt"
	"testing"

	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// countingHandler returns code that increments the dword at counter,
// stores the pushed EIP at counter+4, and IRETs.
func countingHandler(counter uint32) []byte {
	return cat([]byte{0xff, 0x05}, le32(counter), []byte{0x8b, 0x04, 0x24, 0xa3}, le32(counter+4), []byte{0xcf})
}

// eventCode runs insn after a CPUID exit (so zap policies drop the shadow
// right before it), entering it through IRET with RF=1 while DR0 points at
// it; then HLT. It returns the code and the address of insn.
func eventCode(pre []byte, insn []byte, bp bool) ([]byte, uint32) {
	build := func(at uint32) []byte {
		dr7 := uint32(0x400)
		if bp {
			dr7 = 0x401
		}
		return cat(pre,
			[]byte{0xb8}, le32(at), []byte{0x0f, 0x23, 0xc0}, // mov eax, at; mov dr0, eax
			[]byte{0xb8}, le32(dr7), []byte{0x0f, 0x23, 0xf8}, // mov eax, dr7val; mov dr7, eax
			[]byte{0x31, 0xc0, 0x0f, 0xa2}, // xor eax, eax; cpuid
			[]byte{0x68}, le32(0x10002|0x800*b2u(insn[0] == 0xce)), []byte{0x6a, 0x08, 0x68}, le32(at), []byte{0xcf})
	}
	at := uint32(codeAddr + len(build(0)))
	return cat(build(at), insn, []byte{0xf4}), at
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func TestSoftEventsEveryZapAndNRIPS(t *testing.T) {
	const dbCounter = dataAddr + 0x100
	events := []struct {
		name string
		insn []byte
		vec  uint8
		bp   bool // code breakpoint on the instruction
	}{
		{"INT3", []byte{0xcc}, x86.VecBP, true},
		{"INTO", []byte{0xce}, x86.VecOF, true},
		{"INT 0x80", []byte{0xcd, 0x80}, 0x80, true},
		{"INT 0x80 with 66 prefix", []byte{0x66, 0xcd, 0x80}, 0x80, true},
		{"INT 0x80 with CS prefix", []byte{0x2e, 0xcd, 0x80}, 0x80, true},
		{"ICEBP", []byte{0xf1}, x86.VecDB, false},
	}
	zaps := []ZapPolicy{{}, {OnExit: true}, {Every: 2}}
	feats := []svm.Features{x86.SVMFeaturesDefault, x86.SVMFeaturesDefault &^ svm.FeatureNRIPS}
	for _, e := range events {
		for _, z := range zaps {
			for _, f := range feats {
				name := fmt.Sprintf("%s/zap=%v/nrips=%v", e.name, z, f&svm.FeatureNRIPS != 0)
				t.Run(name, func(t *testing.T) {
					code, at := eventCode(nil, e.insn, e.bp)
					counter := uint32(dataAddr)
					g := newGuest(t, code, map[uint8]uint32{e.vec: 0x1100, x86.VecDB: 0x1200}, f)
					copy(g.ram[0x1100:], countingHandler(counter))
					if e.vec != x86.VecDB {
						copy(g.ram[0x1200:], countingHandler(dbCounter))
					}
					st, _ := g.run(t, Config{Zap: z})
					if st.Reason != StopHalted {
						t.Fatalf("stop %v (%s)", st.Reason, st.Detail)
					}
					if got := g.u32(int(counter)); got != 1 {
						t.Fatalf("handler ran %d times, want once", got)
					}
					if got := g.u32(int(counter) + 4); got != at+uint32(len(e.insn)) {
						t.Fatalf("return address %#x, want %#x (after the instruction)", got, at+uint32(len(e.insn)))
					}
					if e.vec != x86.VecDB && g.u32(dbCounter) != 0 {
						t.Fatalf("%d spurious #DB", g.u32(dbCounter))
					}
				})
			}
		}
	}
}

func TestFaultChainReinjectsNP(t *testing.T) {
	// INT 0x41 whose gate is not present raises #NP(0x41*8+2); delivering
	// the #NP faults on the shadow (zapped after the CPUID exit): the #NP,
	// with its error code, is what L0 re-injects — not the INT n.
	// xor eax, eax; cpuid (zap); int 0x41; hlt — no IRET in between, so
	// the GDT and stack pages are first touched while delivering the #NP.
	code := []byte{0x31, 0xc0, 0x0f, 0xa2, 0xcd, 0x41, 0xf4}
	at := uint32(codeAddr + 4)
	for _, f := range []svm.Features{x86.SVMFeaturesDefault, x86.SVMFeaturesDefault &^ svm.FeatureNRIPS} {
		g := newGuest(t, code, map[uint8]uint32{x86.VecNP: 0x1100, 0x41: 0x1300}, f)
		g.ram[idtAddr+8*0x41+5] &^= 0x80 // the INT 0x41 gate is not present
		// #NP handler: count, store the error code and the pushed EIP.
		copy(g.ram[0x1100:], cat([]byte{0xff, 0x05}, le32(dataAddr), []byte{0x8b, 0x04, 0x24, 0xa3}, le32(dataAddr+4),
			[]byte{0x8b, 0x44, 0x24, 0x04, 0xa3}, le32(dataAddr+8), []byte{0xf4}))
		st, recs := g.run(t, Config{Zap: ZapPolicy{OnExit: true}})
		if st.Reason != StopHalted {
			t.Fatalf("stop %v (%s)", st.Reason, st.Detail)
		}
		sawNP := false
		for _, r := range recs {
			if r.Code == svm.ExitExcpPF && r.ExitIntInfo == svm.NewEventErr(svm.EventTypeException, x86.VecNP, 0x41*8+2) {
				sawNP = true
			}
		}
		if !sawNP {
			t.Fatal("no shadow #PF while delivering the #NP")
		}
		if g.u32(dataAddr) != 1 || g.u32(dataAddr+4) != 0x41*8+2 || g.u32(dataAddr+8) != at {
			t.Fatalf("#NP ran %d times, error code %#x, EIP %#x; want once, %#x, the INT at %#x",
				g.u32(dataAddr), g.u32(dataAddr+4), g.u32(dataAddr+8), 0x41*8+2, at)
		}
	}
}

// irqHost delivers one external interrupt.
type irqHost struct {
	testHost
	pending bool
	vector  uint8
	acks    int
}

func (h *irqHost) InterruptPending() bool { return h.pending }
func (h *irqHost) AckInterrupt() (uint8, bool) {
	if !h.pending {
		return 0, false
	}
	h.pending = false
	h.acks++
	return h.vector, true
}

func TestExternalInterruptReinjectedOnce(t *testing.T) {
	// STI after a CPUID exit (zap): L0 injects the pending vector 0x30;
	// delivering it faults on the zapped IDT page; it is re-delivered once.
	code := []byte{0x31, 0xc0, 0x0f, 0xa2, 0xfb, 0x90, 0x90, 0xfa, 0xf4} // xor; cpuid; sti; nop; nop; cli; hlt
	g := newGuest(t, code, map[uint8]uint32{0x30: 0x1100}, x86.SVMFeaturesDefault)
	copy(g.ram[0x1100:], countingHandler(dataAddr))
	h := &irqHost{pending: true, vector: 0x30}
	g.cpu.Platform = h
	v, err := New(g.cpu, h, Config{Zap: ZapPolicy{OnExit: true}, Trace: func(r Record) {}})
	if err != nil {
		t.Fatal(err)
	}
	var vectoring bool
	v.cfg.Trace = func(r Record) {
		if r.ExitIntInfo == svm.NewEvent(svm.EventTypeIntr, 0x30) {
			vectoring = true
		}
	}
	st := v.Run(100000)
	if st.Reason != StopHalted {
		t.Fatalf("stop %v (%s)", st.Reason, st.Detail)
	}
	if !vectoring {
		t.Fatal("the interrupt's delivery was never interrupted by an exit")
	}
	if g.u32(dataAddr) != 1 || h.acks != 1 {
		t.Fatalf("handler ran %d times after %d acks, want once", g.u32(dataAddr), h.acks)
	}
}

func TestCodeChangedDropsEvent(t *testing.T) {
	// The INT3's delivery is interrupted; before L0 re-injects it the byte
	// is replaced by a NOP (as a text-poke on another CPU would): the event
	// is dropped and the guest resumes at RIP, running the NOP.
	code, at := eventCode(nil, []byte{0xcc}, false)
	g := newGuest(t, code, map[uint8]uint32{x86.VecBP: 0x1100}, x86.SVMFeaturesDefault&^svm.FeatureNRIPS)
	copy(g.ram[0x1100:], countingHandler(dataAddr))
	v, err := New(g.cpu, g.host, Config{Zap: ZapPolicy{OnExit: true}})
	if err != nil {
		t.Fatal(err)
	}
	poked := false
	v.afterExit = func(r Record) {
		if r.ExitIntInfo.Valid() && r.ExitIntInfo.Vector() == x86.VecBP && !poked {
			g.ram[at] = 0x90
			g.cpu.Invalidate()
			poked = true
		}
	}
	st := v.Run(100000)
	if st.Reason != StopHalted || !poked {
		t.Fatalf("stop %v (%s), poked %v", st.Reason, st.Detail, poked)
	}
	if g.u32(dataAddr) != 0 {
		t.Fatalf("#BP delivered %d times after the INT3 was replaced", g.u32(dataAddr))
	}
	if v.VMCB().Save.RIP != uint64(at)+2 {
		t.Fatalf("rip %#x, want after the NOP and HLT", v.VMCB().Save.RIP)
	}
}
