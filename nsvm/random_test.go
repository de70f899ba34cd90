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
