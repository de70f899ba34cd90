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

// timerKernel arms the local APIC timer (one-shot, vector 0x40, count
// 1000), enables interrupts and halts; the handler writes 0x2a to
// isa-debug-exit. The VM must fast-forward the halted CPU to the timer.
func timerKernel() []byte {
	const load = 0x100000
	img := make([]byte, 0x500)
	copy(img, mbHeaderBytes(mbFlagAOutKlg, [5]uint32{load, load, 0, 0, load + 32}))
	code := []byte{
		0x0f, 0x01, 0x1d, 0x00, 0x01, 0x10, 0x00, // lidt [0x100100]
		0xc7, 0x05, 0xe0, 0x03, 0xe0, 0xfe, 0x0b, 0, 0, 0, // TDCR = divide by 1
		0xc7, 0x05, 0x20, 0x03, 0xe0, 0xfe, 0x40, 0, 0, 0, // LVT timer = vector 0x40, one-shot
		0xc7, 0x05, 0x80, 0x03, 0xe0, 0xfe, 0xe8, 0x03, 0, 0, // TMICT = 1000
		0xfb,       // sti
		0xf4,       // hlt
		0xeb, 0xfd, // jmp back to hlt
	}
	copy(img[32:], code)
	copy(img[0x80:], []byte{0xb0, 0x2a, 0xe6, 0xf4}) // handler: out 0xf4, 0x2a
	copy(img[0x100:], []byte{0xff, 0x07, 0x00, 0x02, 0x10, 0x00})
	h := uint32(load + 0x80)
	gate := uint64(h&0xffff) | 8<<16 | uint64(0x8e00)<<32 | uint64(h>>16)<<48
	for i := 0; i < 8; i++ {
		img[0x200+0x40*8+i] = byte(gate >> (8 * i))
	}
	return img
}

func TestLAPICTimerWakesHaltedGuest(t *testing.T) {
	for _, noL0 := range []bool{false, true} {
		res, _ := runKernel(t, timerKernel(), Config{NoL0: noL0})
		if res.Outcome != OutcomeDebugExit || res.Status != 0x55 {
			t.Fatalf("noL0=%v: outcome %v status %#x (%s), want the timer handler's exit 0x55", noL0, res.Outcome, res.Status, res.Detail)
		}
	}
}

func TestNMISelfIPI(t *testing.T) {
	// An NMI sent to self through the local APIC's ICR reaches the NMI
	// handler (vector 2) even with IF=0; it writes 0x2b to isa-debug-exit.
	img := timerKernel()
	code := []byte{
		0x0f, 0x01, 0x1d, 0x00, 0x01, 0x10, 0x00, // lidt [0x100100]
		0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x44, 0x04, 0x00, // ICR = NMI, self
		0xf4, 0xeb, 0xfd, // hlt; jmp back
	}
	copy(img[32:], append(code, make([]byte, 0x80-32-len(code))...))
	copy(img[0x80:], []byte{0xb0, 0x2b, 0xe6, 0xf4})
	h := uint32(0x100000 + 0x80)
	gate := uint64(h&0xffff) | 8<<16 | uint64(0x8e00)<<32 | uint64(h>>16)<<48
	for i := 0; i < 8; i++ {
		img[0x200+2*8+i] = byte(gate >> (8 * i))
	}
	for _, noL0 := range []bool{false, true} {
		res, _ := runKernel(t, img, Config{NoL0: noL0})
		if res.Outcome != OutcomeDebugExit || res.Status != 0x57 {
			t.Fatalf("noL0=%v: outcome %v status %#x (%s), want the NMI handler's exit 0x57", noL0, res.Outcome, res.Status, res.Detail)
		}
	}
}
