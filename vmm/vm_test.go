package vmm

import (
	"bytes"
	"context"
	"testing"

	"github.com/govmm/govmm/images"
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// flatKernel wraps code in a flat Multiboot image (header with address
// fields) loaded at 1 MiB, entry right after the 32-byte header.
func flatKernel(code ...byte) []byte {
	const load = 0x100000
	hdr := mbHeaderBytes(mbFlagAOutKlg, [5]uint32{load, load, 0, 0, load + 32})
	return append(hdr, code...)
}

func runKernel(t *testing.T, img []byte, cfg Config) (Result, string) {
	t.Helper()
	var out bytes.Buffer
	if cfg.MemSize == 0 {
		cfg.MemSize = 16 << 20
	}
	cfg.Console = &out
	vm, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm.Boot(img, "test", "", nil); err != nil {
		t.Fatal(err)
	}
	return vm.Run(context.Background()), out.String()
}

func TestRunOutcomes(t *testing.T) {
	hello, ok := images.Lookup("hello")
	if !ok {
		t.Fatal("hello image missing")
	}
	tests := []struct {
		name    string
		img     []byte
		max     uint64
		outcome Outcome
		status  int
		out     string
	}{
		{"hello", hello, 0, OutcomeDebugExit, 1, "hello from govmm\n"},
		// ud2 with the real-mode IVT as IDT: #UD → #GP → #DF → shutdown.
		{"triple fault", flatKernel(0x0f, 0x0b), 0, OutcomeTripleFault, ExitTripleFault, ""},
		// in al,0x80 (unknown port: 0xff); out 0xf4,al → status 0x1ff.
		{"unknown port reads all-ones", flatKernel(0xe4, 0x80, 0xe6, 0xf4), 0, OutcomeDebugExit, 0x1ff, ""},
		// mov al,'x'; mov dx,0x3f8; out dx,al; mov al,0x21; out 0xf4,al
		{"exit value", flatKernel(0xb0, 'x', 0x66, 0xba, 0xf8, 0x03, 0xee, 0xb0, 0x21, 0xe6, 0xf4), 0, OutcomeDebugExit, 0x43, "x"},
		{"cli hlt", flatKernel(0xfa, 0xf4), 0, OutcomeHalted, ExitHalted, ""},
		{"max insns", flatKernel(0xeb, 0xfe), 1000, OutcomeLimit, ExitLimit, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out := runKernel(t, tt.img, Config{MaxInsns: tt.max})
			if res.Outcome != tt.outcome || res.Status != tt.status {
				t.Fatalf("outcome %v status %#x (%s), want %v %#x", res.Outcome, res.Status, res.Detail, tt.outcome, tt.status)
			}
			if out != tt.out {
				t.Fatalf("console %q, want %q", out, tt.out)
			}
			if tt.max != 0 && res.Insns != tt.max {
				t.Fatalf("retired %d instructions, want %d", res.Insns, tt.max)
			}
		})
	}
}

func TestSVMFeaturesInCPUID(t *testing.T) {
	// mov eax, 0x8000000a; cpuid; mov eax, edx; out 0xf4, al
	img := flatKernel(0xb8, 0x0a, 0, 0, 0x80, 0x0f, 0xa2, 0x89, 0xd0, 0xe6, 0xf4)
	for _, tc := range []struct {
		name  string
		feats svm.Features
	}{
		{"default", x86.SVMFeaturesDefault},
		{"nrips only", svm.FeatureNRIPS},
		{"none", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := runKernel(t, img, Config{SVMFeatures: tc.feats})
			if want := int(uint8(tc.feats))<<1 | 1; res.Status != want {
				t.Fatalf("status %#x, want %#x (EDX low byte %#x)", res.Status, want, uint8(tc.feats))
			}
		})
	}
}

func TestNewRejectsBadMemory(t *testing.T) {
	for _, size := range []uint64{0, 1 << 20, MinMem + 1, MaxMem + 4096} {
		if _, err := New(Config{MemSize: size}); err == nil {
			t.Errorf("New(%d) succeeded", size)
		}
	}
}
