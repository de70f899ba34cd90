package x86

import (
	"encoding/binary"
	"testing"
)

const (
	lmPML4  = 0x9000
	lmPDPT  = 0xa000
	lmPD    = 0xb000
	lmIDT   = 0xc000 // 256 16-byte gates
	lmTSS   = 0xd000
	lmStubs = 0x20000 // handler for vector v at lmStubs + 16*v: HLT
	lmUser  = 0x30000 // user code
)

// newLong64 returns a CPU in 64-bit mode at CPL 0 with the first 1 GiB
// identity-mapped by 2 MiB pages (user-accessible), a GDT with kernel and
// user segments and a 64-bit TSS, and an IDT of HLT stubs.
//
// GDT: 0x08 code64, 0x10 data, 0x18 user data, 0x20 user code64 (the
// SYSRET layout: STAR[63:48] = 0x10), 0x28 TSS (16 bytes).
func newLong64(t testing.TB, code []byte) *CPU {
	t.Helper()
	ram := make([]byte, 4<<20)
	le := binary.LittleEndian
	copy(ram[testCode:], code)
	le.PutUint64(ram[lmPML4:], lmPDPT|pteP|pteRW|pteUS)
	le.PutUint64(ram[lmPDPT:], lmPD|pteP|pteRW|pteUS)
	for i := 0; i < 512; i++ {
		le.PutUint64(ram[lmPD+8*i:], uint64(i)<<21|pteP|pteRW|pteUS|ptePS)
	}
	tss := uint64(lmTSS)
	gdt := []uint64{0, 0x00af9b000000ffff, 0x00cf93000000ffff, 0x00cff3000000ffff, 0x00affb000000ffff,
		0x67 | (tss&0xffffff)<<16 | uint64(0x89)<<40 | (tss>>24&0xff)<<56, tss >> 32}
	for i, d := range gdt {
		le.PutUint64(ram[testGDT+8*i:], d)
	}
	le.PutUint64(ram[lmTSS+4:], 0x7000)    // RSP0
	le.PutUint64(ram[lmTSS+0x24:], 0x6000) // IST1
	for v := 0; v < 256; v++ {
		h := uint64(lmStubs + 16*v)
		lo := h&0xffff | 8<<16 | uint64(0xee00)<<32 | (h>>16&0xffff)<<48
		le.PutUint64(ram[lmIDT+16*v:], lo)
		le.PutUint64(ram[lmIDT+16*v+8:], h>>32)
		ram[h] = 0xf4
	}
	c := New(ram, &testPlatform{})
	var s State
	code64 := Segment{Sel: 8, Limit: 0xffffffff, Attr: 0xa9b}
	data := Segment{Sel: 0x10, Limit: 0xffffffff, Attr: 0xc93}
	s.Seg = [6]Segment{data, code64, data, data, data, data}
	s.TR = Segment{Sel: 0x28, Base: lmTSS, Limit: 0x67, Attr: 0x8b}
	s.LDTR = Segment{Attr: 0x82}
	s.GDTR = DescTable{Base: testGDT, Limit: uint32(8*len(gdt) - 1)}
	s.IDTR = DescTable{Base: lmIDT, Limit: 256*16 - 1}
	s.CR0 = CR0PE | CR0ET | CR0PG
	s.CR3 = lmPML4
	s.CR4 = CR4PAE
	s.EFER = EFERLME | EFERLMA | EFERSCE | EFERNXE
	s.RIP = testCode
	s.GPR[RSP] = 0x8000
	s.RFLAGS = 2
	s.DR[6], s.DR[7] = dr6Fixed, 0x400
	s.STAR = 0x0010000800000000
	s.LSTAR = 0x4000
	c.SetState(&s)
	return c
}

// handled64 runs c and returns the vector of the handler it halted in.
func handled64(t *testing.T, c *CPU) int {
	t.Helper()
	ex := c.Run(10000)
	if ex.Reason != ExitHalt {
		t.Fatalf("exit %v (%s), rip %#x", ex.Reason, ex.Detail, c.RIP)
	}
	off := int(c.RIP) - 1 - lmStubs
	if off < 0 || off%16 != 0 {
		t.Fatalf("halted at rip %#x, not in a handler stub", c.RIP)
	}
	return off / 16
}

func q(c *CPU, n int) uint64 { return binary.LittleEndian.Uint64(c.RAM[c.GPR[RSP]+uint64(8*n):]) }

func TestLongModeExceptionFrame(t *testing.T) {
	// mov rax, 0x0000800000000000 (non-canonical); mov rbx, [rax] → #GP(0).
	c := newLong64(t, []byte{0x48, 0xb8, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x48, 0x8b, 0x18})
	c.GPR[RSP] = 0x7ff8 // misaligned: the frame is pushed 16-byte aligned
	if vec := handled64(t, c); vec != VecGP {
		t.Fatalf("vector %d, want #GP", vec)
	}
	if c.GPR[RSP]&0xf != 0 {
		// 6 qwords pushed onto a 16-aligned stack: RSP = aligned - 48.
		t.Fatalf("RSP %#x not 16-byte aligned", c.GPR[RSP])
	}
	want := []uint64{0, testCode + 10, 8, 2 | FlagRF, 0x7ff8, 0x10} // faults push RF=1
	for i, w := range want {
		if got := q(c, i); got != w {
			t.Fatalf("frame[%d] = %#x, want %#x", i, got, w)
		}
	}
}

func TestLongModeUserInterruptStackSwitch(t *testing.T) {
	// Enter CPL 3 with IRETQ (frame built by hand), then INT 0x80 → handler
	// on RSP0; the frame holds the user SS:RSP.
	c := newLong64(t, nil)
	le := binary.LittleEndian
	copy(c.RAM[lmUser:], []byte{0x90, 0xcd, 0x80})
	frame := []uint64{lmUser, 0x20 | 3, 0x202, 0x5ff0, 0x18 | 3}
	for i, v := range frame {
		le.PutUint64(c.RAM[0x7f00+8*i:], v)
	}
	c.GPR[RSP] = 0x7f00
	c.RAM[testCode] = 0x48 // iretq
	c.RAM[testCode+1] = 0xcf
	if vec := handled64(t, c); vec != 0x80 {
		t.Fatalf("vector %#x", vec)
	}
	if c.CPL != 0 {
		t.Fatalf("CPL %d in the handler", c.CPL)
	}
	want := []uint64{lmUser + 3, 0x23, 0x202, 0x5ff0, 0x1b}
	for i, w := range want {
		if got := q(c, i); got != w {
			t.Fatalf("frame[%d] = %#x, want %#x", i, got, w)
		}
	}
	if c.GPR[RSP] != 0x7000-40 {
		t.Fatalf("handler RSP %#x, want RSP0-40", c.GPR[RSP])
	}
	if c.Seg[SS].Sel != 0 {
		t.Fatalf("SS %#x, want the null selector", c.Seg[SS].Sel)
	}
}

func TestLongModeISTAndPageFault(t *testing.T) {
	// #PF through a gate with IST=1: the frame is on IST1, CR2 and the error
	// code (user write to a supervisor page) are right.
	c := newLong64(t, nil)
	le := binary.LittleEndian
	c.RAM[lmIDT+16*VecPF+4] = 1 // IST1
	// Make the 2 MiB page at 2 MiB supervisor-only.
	le.PutUint64(c.RAM[lmPD+8:], 1<<21|pteP|pteRW|ptePS)
	// User code: mov byte [0x200010], 1
	copy(c.RAM[lmUser:], []byte{0xc6, 0x04, 0x25, 0x10, 0x00, 0x20, 0x00, 0x01})
	frame := []uint64{lmUser, 0x23, 0x202, 0x5ff0, 0x1b}
	for i, v := range frame {
		le.PutUint64(c.RAM[0x7f00+8*i:], v)
	}
	c.GPR[RSP] = 0x7f00
	copy(c.RAM[testCode:], []byte{0x48, 0xcf})
	if vec := handled64(t, c); vec != VecPF {
		t.Fatalf("vector %d", vec)
	}
	if c.CR2 != 0x200010 {
		t.Fatalf("CR2 %#x", c.CR2)
	}
	if got := q(c, 0); got != pfP|pfW|pfU {
		t.Fatalf("error code %#x, want %#x", got, pfP|pfW|pfU)
	}
	if c.GPR[RSP] != 0x6000-48 {
		t.Fatalf("RSP %#x, want IST1-48", c.GPR[RSP])
	}
}

func TestSyscallSysret(t *testing.T) {
	// Kernel: SYSRET at LSTAR (0x4000) returns to user code that halts? HLT
	// at CPL 3 is #GP, which proves the return to CPL 3.
	c := newLong64(t, []byte{0x0f, 0x05, 0xf4})    // syscall; hlt (at CPL 3 after SYSRET)
	copy(c.RAM[0x4000:], []byte{0x48, 0x0f, 0x07}) // sysretq
	c.SFMASK = FlagIF
	c.RFLAGS |= FlagIF
	c.GPR[R11] = 0x202
	if vec := handled64(t, c); vec != VecGP {
		t.Fatalf("vector %d, want #GP from HLT at CPL 3", vec)
	}
	// The #GP frame: RIP of the user HLT (= RCX = after SYSCALL), CS 0x23.
	if q(c, 1) != testCode+2 || q(c, 2) != 0x23 {
		t.Fatalf("frame RIP %#x CS %#x", q(c, 1), q(c, 2))
	}
	if c.GPR[R11]&FlagIF == 0 {
		t.Fatal("R11 lost RFLAGS.IF")
	}
}
