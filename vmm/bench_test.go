package vmm

import (
	"context"
	"io"
	"testing"

	"github.com/govmm/govmm/images"
	"github.com/govmm/govmm/nsvm"
)

// benchImage runs a built-in image under L0 per iteration and reports
// guest instructions per second, with or without a trace consumer (the
// interpreter has no trace hook at all; records exist per world switch).
func benchImage(b *testing.B, name string, trace bool) {
	img, ok := images.Lookup(name)
	if !ok {
		b.Fatalf("no image %s", name)
	}
	var insns uint64
	for i := 0; i < b.N; i++ {
		cfg := Config{MemSize: 16 << 20, Console: io.Discard}
		if trace {
			n := 0
			cfg.Trace = func(r nsvm.Record) { n += len(r.String()) }
		}
		vm, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := vm.Boot(img, name, "", nil); err != nil {
			b.Fatal(err)
		}
		r := vm.Run(context.Background())
		if r.Outcome != OutcomeDebugExit {
			b.Fatalf("%s: %v %s", name, r.Outcome, r.Detail)
		}
		insns += r.Insns
	}
	b.ReportMetric(float64(insns)/b.Elapsed().Seconds(), "insn/s")
}

func BenchmarkCsortUnderL0(b *testing.B)         { benchImage(b, "csort", false) }
func BenchmarkCsortUnderL0Traced(b *testing.B)   { benchImage(b, "csort", true) }
func BenchmarkIsaCondUnderL0(b *testing.B)       { benchImage(b, "isa_cond", false) }
func BenchmarkIsaCondUnderL0Traced(b *testing.B) { benchImage(b, "isa_cond", true) }
