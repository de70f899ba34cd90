package nsvm

import (
	"math/rand"
	"os"
	"strconv"
	"testing"

	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// TestRandomCodeUnderL0 runs pseudo-random L1 code (with a random IDT and
// random memory around it) under L0 with shadow paging, zaps and both NRIPS
// settings: whatever the guest does, L0 must stop cleanly (no Go panic, no
// hang past the budget).
func TestRandomCodeUnderL0(t *testing.T) {
	n := 400
	if s := os.Getenv("GOVMM_RANDOM_PROGRAMS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		n = 60
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < n; i++ {
		code := make([]byte, 256)
		rng.Read(code)
		feats := x86.SVMFeaturesDefault
		if i%2 == 1 {
			feats &^= svm.FeatureNRIPS
		}
		g := newGuest(t, code, map[uint8]uint32{}, feats)
		rng.Read(g.ram[idtAddr : idtAddr+0x800]) // a hostile IDT
		rng.Read(g.ram[0x9000:0xa000])           // and page-table-looking data
		if i%3 == 0 {
			s := g.cpu.GetState()
			s.CR0 |= x86.CR0PG
			s.CR3 = 0x9000 // random "page tables"
			g.cpu.SetState(&s)
		}
		zap := ZapPolicy{OnExit: i%4 == 0, Every: i % 5}
		v, err := New(g.cpu, g.host, Config{Zap: zap})
		if err != nil {
			t.Fatal(err)
		}
		st := v.Run(20000)
		switch st.Reason {
		case StopBudget, StopShutdown, StopHalted, StopUnsupported:
		default:
			t.Fatalf("program %d: unexpected stop %v (%s)", i, st.Reason, st.Detail)
		}
	}
}

// TestRandomNestedUnderL0 lets an L1 VMRUN a vmcb12 whose control area and
// L2 code are random (save area partly random too): L0 must answer with
// VMEXIT_INVALID, reflected exits or a clean stop, never a panic.
func TestRandomNestedUnderL0(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < n; i++ {
		l2 := make([]byte, 128)
		rng.Read(l2)
		g := nestedGuest(t, l2, x86.SVMFeaturesDefault, func(g *guest, v12 *svm.VMCB) {
			for w := range v12.Intercepts {
				v12.Intercepts[w] = rng.Uint32()
			}
			v12.SetIntercept(svm.InterceptVMRUN)
			v12.EventInj = svm.Event(rng.Uint64()) & (svm.EventLowMask | 0xffff<<32)
			v12.IntCtl = rng.Uint32()
			v12.IntVector = rng.Uint32() & 0xff
			v12.NRIP = l2Code + uint64(rng.Intn(16))
			v12.IOPMBasePA = uint64(rng.Intn(0x80)) << 12
			v12.MSRPMBasePA = uint64(rng.Intn(0x80)) << 12
			if i%4 == 0 {
				v12.Save.CR0 |= x86.CR0PG
				v12.Save.CR3 = uint64(rng.Intn(0x80)) << 12
			}
			rng.Read(g.ram[l2IDT : l2IDT+0x800])
		})
		v, err := New(g.cpu, g.host, Config{Zap: ZapPolicy{Every: 1 + i%3}})
		if err != nil {
			t.Fatal(err)
		}
		switch st := v.Run(30000); st.Reason {
		case StopBudget, StopShutdown, StopHalted, StopUnsupported:
		default:
			t.Fatalf("case %d: unexpected stop %v (%s)", i, st.Reason, st.Detail)
		}
	}
}
