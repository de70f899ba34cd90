package kvm

import (
	"testing"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"github.com/govmm/govmm/images"
	"github.com/govmm/govmm/vmm"
	"github.com/govmm/govmm/x86"
)

// emuBoot boots image name on the emu backend and returns the CPU state
// vmm.VM.Boot leaves, with the loader's BootInfo.
func emuBoot(t *testing.T, name, appendText string, mem uint64) (x86.State, vmm.BootInfo) {
	t.Helper()
	img, ok := images.Lookup(name)
	if !ok {
		t.Fatalf("no built-in image %q", name)
	}
	vm, err := vmm.New(vmm.Config{MemSize: mem})
	if err != nil {
		t.Fatal(err)
	}
	bi, err := vm.Boot(img, name, appendText, []vmm.Module{{String: "mod arg", Data: []byte("data")}})
	if err != nil {
		t.Fatal(err)
	}
	return vm.CPU.GetState(), bi
}

// TestEntryStateMatchesEmu checks that vmm.EntryState, which the kvm backend
// loads into the vCPU, is
// exactly the state vmm.VM.Boot gives the emu CPU, for several images and
// memory sizes (EDX, EBX, EDI and the entry point depend on them).
func TestEntryStateMatchesEmu(t *testing.T) {
	for _, tc := range []struct {
		image string
		mem   uint64
	}{
		{"hello", 128 << 20},
		{"hello", 16 << 20},
		{"csort", 64 << 20},
		{"csort64", 128 << 20},
	} {
		emu, bi := emuBoot(t, tc.image, "x=1", tc.mem)
		got := vmm.EntryState(bi)
		if got != emu {
			t.Errorf("%s with %d MiB: entry state differs from vmm.VM.Boot's:\n got %+v\nwant %+v", tc.image, tc.mem>>20, got, emu)
		}
		// The same RAM contents: vmm.LoadMultiboot into a fresh buffer is
		// what Boot does on both backends.
		ram := make([]byte, tc.mem)
		img, _ := images.Lookup(tc.image)
		bi2, err := vmm.LoadMultiboot(ram, img, tc.image, "x=1", []vmm.Module{{String: "mod arg", Data: []byte("data")}})
		if err != nil || bi2 != bi {
			t.Errorf("%s: LoadMultiboot = %+v, %v; Boot gave %+v", tc.image, bi2, err, bi)
		}
	}
}

// TestRegsFromEmuBoot converts the emu CPU's state after Boot and checks
// every field of kvm_regs, kvm_sregs and kvm_debugregs against the
// QEMU-compatible entry state.
func TestRegsFromEmuBoot(t *testing.T) {
	s, bi := emuBoot(t, "hello", "", 128<<20)

	r := Regs(&s)
	wantRegs := gokvm.Regs{
		RAX: 0x2badb002, RBX: 0x9500, RCX: uint64(bi.Entry),
		RDX: uint64(bi.MemUpper&0xffff0000 | 0x511),
		RDI: uint64(bi.LoadLow>>24 | bi.LoadLow>>8&0xff00 | bi.LoadLow<<8&0xff0000 | bi.LoadLow<<24),
		RSP: 0x6f08, RIP: uint64(bi.Entry), RFLAGS: 0x6,
	}
	if r != wantRegs {
		t.Errorf("Regs:\n got %+v\nwant %+v", r, wantRegs)
	}
	if bi.LoadLow != 0x100000 || r.RDI != 0x1000 {
		t.Errorf("hello loads at %#x, EDI %#x; want 0x100000 and 0x1000 (byte-swapped, as QEMU leaves it)", bi.LoadLow, r.RDI)
	}

	sr := Sregs(&s, DefaultAPICBase)
	code := gokvm.Segment{Base: 0, Limit: 0xffffffff, Selector: 0x08, Typ: 0xb, Present: 1, DPL: 0, DB: 1, S: 1, L: 0, G: 1}
	data := gokvm.Segment{Base: 0, Limit: 0xffffffff, Selector: 0x10, Typ: 0x3, Present: 1, DPL: 0, DB: 1, S: 1, L: 0, G: 1}
	segs := []struct {
		name      string
		got, want gokvm.Segment
	}{
		{"CS", sr.CS, code},
		{"DS", sr.DS, data}, {"ES", sr.ES, data}, {"SS", sr.SS, data}, {"FS", sr.FS, data}, {"GS", sr.GS, data},
		{"TR", sr.TR, gokvm.Segment{Limit: 0xffff, Typ: 0xb, Present: 1}}, // busy 32-bit TSS
		{"LDT", sr.LDT, gokvm.Segment{Typ: 0x2, Present: 1}},              // LDT, null
	}
	for _, sg := range segs {
		if sg.got != sg.want {
			t.Errorf("%s:\n got %+v\nwant %+v", sg.name, sg.got, sg.want)
		}
	}
	if sr.GDT.Base != 0xc02b8 || sr.GDT.Limit != 0x27 {
		t.Errorf("GDT = %#x/%#x, want 0xc02b8/0x27", sr.GDT.Base, sr.GDT.Limit)
	}
	if sr.IDT.Base != 0 || sr.IDT.Limit != 0x3ff {
		t.Errorf("IDT = %#x/%#x, want 0/0x3ff", sr.IDT.Base, sr.IDT.Limit)
	}
	if sr.CR0 != 0x11 || sr.CR2 != 0 || sr.CR3 != 0 || sr.CR4 != 0 || sr.CR8 != 0 || sr.EFER != 0 {
		t.Errorf("CR0 %#x CR2 %#x CR3 %#x CR4 %#x CR8 %#x EFER %#x; want CR0=0x11 (PE|ET), the rest 0",
			sr.CR0, sr.CR2, sr.CR3, sr.CR4, sr.CR8, sr.EFER)
	}
	if sr.ApicBase != 0xfee00900 || sr.InterruptBitmap != [4]uint64{} {
		t.Errorf("APIC base %#x, interrupt bitmap %v", sr.ApicBase, sr.InterruptBitmap)
	}

	dr := DebugRegs(&s)
	if dr != (gokvm.DebugRegs{DR6: 0xffff0ff0, DR7: 0x400}) {
		t.Errorf("DebugRegs = %+v, want DR6=0xffff0ff0 DR7=0x400", dr)
	}

	// And back: KVM's view converts to the same x86.State, except the
	// MSRs (PAT), which these structures do not carry.
	back := State(&r, &sr, &dr)
	want := s
	want.PAT = 0
	if back != want {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, want)
	}
}

// TestSegmentConversion covers attribute bits Boot does not use.
func TestSegmentConversion(t *testing.T) {
	tests := []struct {
		seg  x86.Segment
		want gokvm.Segment
	}{
		{x86.Segment{Sel: 0x33, Attr: 0x2fb, Limit: 0xfffff, Base: 0x1000}, // 64-bit code, DPL 3, L, G, AVL clear
			gokvm.Segment{Selector: 0x33, Typ: 0xb, S: 1, DPL: 3, Present: 1, L: 1, G: 0, Limit: 0xfffff, Base: 0x1000}},
		{x86.Segment{Sel: 0x2b, Attr: 0x1f3, Limit: 0xffff}, // AVL, DPL 3 data
			gokvm.Segment{Selector: 0x2b, Typ: 0x3, S: 1, DPL: 3, Present: 1, AVL: 1, Limit: 0xffff}},
		{x86.Segment{Attr: 0}, // null segment: not present, unusable
			gokvm.Segment{Unusable: 1}},
		{x86.Segment{Sel: 0x18, Attr: 0x9e, Limit: 0xffff}, // 16-bit conforming code
			gokvm.Segment{Selector: 0x18, Typ: 0xe, S: 1, Present: 1, Limit: 0xffff}},
	}
	for _, tt := range tests {
		got := Segment(tt.seg)
		if got != tt.want {
			t.Errorf("Segment(%+v) =\n %+v, want\n %+v", tt.seg, got, tt.want)
		}
		if back := SegmentState(got); back != tt.seg {
			t.Errorf("SegmentState(Segment(%+v)) = %+v", tt.seg, back)
		}
	}
}
