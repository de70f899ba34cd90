package nsvm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// seedCode is the seed scenario in L1: a code breakpoint (DR0) on an INT3,
// entered through IRET with RF=1 so the breakpoint is legitimately
// suppressed; a CPUID just before forces an exit so --mmu-zap=exit drops the
// shadow, and delivering #BP then faults on the IDT/GDT/stack pages.
//
//	#BP handler: inc [bpCount]; mov eax,[esp]; mov [bpRIP],eax; iret
//	#DB handler: inc [dbCount]; or dword [esp+8],RF; iret
func seedCode(int3Addr uint32) []byte {
	return cat(
		[]byte{0xb8}, le32(int3Addr), // mov eax, int3
		[]byte{0x0f, 0x23, 0xc0},  // mov dr0, eax
		[]byte{0xb8}, le32(0x401), // mov eax, 0x401 (L0, execute)
		[]byte{0x0f, 0x23, 0xf8},    // mov dr7, eax
		[]byte{0x31, 0xc0},          // xor eax, eax
		[]byte{0x0f, 0xa2},          // cpuid (exit: the shadow is zapped)
		[]byte{0x68}, le32(0x10002), // push RFLAGS with RF
		[]byte{0x6a, 0x08},           // push cs
		[]byte{0x68}, le32(int3Addr), // push int3
		[]byte{0xcf}, // iret
	)
}

const (
	bpHandler = 0x1100
	dbHandler = 0x1200
	bpCount   = dataAddr
	dbCount   = dataAddr + 4
	bpRIP     = dataAddr + 8
)

func handlers(g *guest) {
	copy(g.ram[bpHandler:], cat([]byte{0xff, 0x05}, le32(bpCount), []byte{0x8b, 0x04, 0x24, 0xa3}, le32(bpRIP), []byte{0xcf}))
	copy(g.ram[dbHandler:], cat([]byte{0xff, 0x05}, le32(dbCount), []byte{0x81, 0x4c, 0x24, 0x08}, le32(x86.FlagRF), []byte{0xcf}))
}

func TestSeedScenarioReinjectVsRetry(t *testing.T) {
	code := seedCode(0)
	int3 := uint32(codeAddr + len(code))
	code = append(seedCode(int3), 0xcc, 0xf4) // int3; hlt
	tests := []struct {
		name   string
		mode   SoftIntMode
		feats  svm.Features
		wantDB uint32
	}{
		{"reinject NRIPS", SoftIntReinject, x86.SVMFeaturesDefault, 0},
		{"reinject no NRIPS", SoftIntReinject, x86.SVMFeaturesDefault &^ svm.FeatureNRIPS, 0},
		{"retry shows the spurious #DB", SoftIntRetry, x86.SVMFeaturesDefault, 1},
		{"retry no NRIPS", SoftIntRetry, x86.SVMFeaturesDefault &^ svm.FeatureNRIPS, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuest(t, code, map[uint8]uint32{x86.VecBP: bpHandler, x86.VecDB: dbHandler}, tt.feats)
			handlers(g)
			st, recs := g.run(t, Config{SoftInt: tt.mode, Zap: ZapPolicy{OnExit: true}})
			if st.Reason != StopHalted {
				t.Fatalf("stop %v (%s)", st.Reason, st.Detail)
			}
			// The scenario must really have happened: a shadow #PF taken
			// while vectoring the INT3's #BP.
			vectoring := false
			for _, r := range recs {
				if r.Code == svm.ExitExcpPF && r.ExitIntInfo == svm.NewEvent(svm.EventTypeException, x86.VecBP) {
					vectoring = true
					if r.NRIP != 0 {
						t.Errorf("NRIP %#x on an exit while vectoring, want 0", r.NRIP)
					}
				}
			}
			if !vectoring {
				t.Fatalf("no #PF while vectoring #BP in %d exits", len(recs))
			}
			if got := g.u32(bpCount); got != 1 {
				t.Fatalf("#BP handler ran %d times, want once", got)
			}
			if got := g.u32(bpRIP); got != int3+1 {
				t.Fatalf("#BP return address %#x, want %#x (after the INT3)", got, int3+1)
			}
			if got := g.u32(dbCount); got != tt.wantDB {
				t.Fatalf("#DB handler ran %d times, want %d", got, tt.wantDB)
			}
		})
	}
}

func TestTraceDeterministicAndShowsReinjection(t *testing.T) {
	code := seedCode(0)
	int3 := uint32(codeAddr + len(code))
	code = append(seedCode(int3), 0xcc, 0xf4)
	trace := func() []string {
		g := newGuest(t, code, map[uint8]uint32{x86.VecBP: bpHandler, x86.VecDB: dbHandler}, x86.SVMFeaturesDefault)
		handlers(g)
		_, recs := g.run(t, Config{Zap: ZapPolicy{OnExit: true}})
		var lines []string
		for _, r := range recs {
			lines = append(lines, r.String())
		}
		return lines
	}
	a, b := trace(), trace()
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("two runs traced differently:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	want := fmt.Sprintf("+reinject eventinj=[EXCP vec=0x3] next_rip=%#x", int3+1)
	found := false
	for _, l := range a {
		if strings.Contains(l, "exitintinfo=[EXCP vec=0x3]") && strings.Contains(l, want) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no re-injection line %q in:\n%s", want, strings.Join(a, "\n"))
	}
}

func TestSoftEventDroppedWhenCodeChanged(t *testing.T) {
	// Catalogue scenario 46 (L1 form, no NRIPS so L0 must decode): INT3's
	// delivery exits on a shadow fill; before L0 re-injects it the INT3
	// byte becomes a NOP. The decoded instruction no longer raises #BP, so
	// the event is dropped and L1 resumes at the NOP: the handler never
	// runs and no frame with a made-up return address is pushed.
	const handler = 0x3000
	code := []byte{0x90, 0xcc, 0xf4} // nop; int3; hlt
	for _, overwrite := range []bool{false, true} {
		t.Run(fmt.Sprintf("overwrite=%v", overwrite), func(t *testing.T) {
			g := newGuest(t, code, map[uint8]uint32{x86.VecBP: handler}, x86.SVMFeaturesDefault&^svm.FeatureNRIPS)
			copy(g.ram[handler:], cat([]byte{0xff, 0x05}, le32(dataAddr), []byte{0xcf})) // inc dword [data]; iret
			changed := false
			g.host.onTick = func() {
				if overwrite && !changed && g.cpu.RIP == codeAddr+1 && g.cpu.Insns > 1 {
					g.ram[codeAddr+1] = 0x90
					g.cpu.Invalidate()
					changed = true
				}
			}
			st, recs := g.run(t, Config{})
			if st.Reason != StopHalted {
				t.Fatalf("stop %v (%s), want halted", st.Reason, st.Detail)
			}
			reinjected := false
			for _, r := range recs {
				reinjected = reinjected || r.ExitIntInfo.Valid()
			}
			if !reinjected {
				t.Fatal("no exit while vectoring the #BP: the scenario did not happen")
			}
			wantCount := uint32(1)
			if overwrite {
				wantCount = 0
				if !changed {
					t.Fatal("the INT3 byte was never overwritten")
				}
			}
			if got := g.u32(dataAddr); got != wantCount {
				t.Errorf("#BP handler ran %d times, want %d", got, wantCount)
			}
			if got := g.cpu.RIP; got != codeAddr+2 {
				t.Errorf("halted with RIP %#x, want the HLT at %#x", got, codeAddr+2)
			}
		})
	}
}
