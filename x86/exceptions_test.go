package x86

import (
	"encoding/binary"
	"testing"
)

const (
	testIDT   = 0x2000 // 32-bit IDT with 256 gates
	testStubs = 0x3000 // handler for vector v at testStubs + 16*v: HLT
)

// withIDT installs a 32-bit IDT whose gates (interrupt gates, DPL 3) point
// at HLT stubs, so a run ends in the handler of the first event delivered.
func withIDT(c *CPU) {
	for v := 0; v < 256; v++ {
		h := uint64(testStubs + 16*v)
		gate := h&0xffff | 8<<16 | uint64(0xee00)<<32 | (h>>16)<<48
		binary.LittleEndian.PutUint64(c.RAM[testIDT+8*v:], gate)
		c.RAM[h] = 0xf4
	}
	c.IDTR = DescTable{Base: testIDT, Limit: 256*8 - 1}
}

// handled runs c and returns the vector of the handler it halted in.
func handled(t *testing.T, c *CPU) int {
	t.Helper()
	ex := c.Run(10000)
	if ex.Reason != ExitHalt {
		t.Fatalf("exit %v (%s), rip %#x", ex.Reason, ex.Detail, c.RIP)
	}
	off := int(c.RIP) - 1 - testStubs
	if off < 0 || off%16 != 0 || off/16 > 255 {
		t.Fatalf("halted at rip %#x, not in a handler stub", c.RIP)
	}
	return off / 16
}

// frame reads the n-th dword of the exception frame.
func frame(c *CPU, n int) uint32 {
	return binary.LittleEndian.Uint32(c.RAM[c.GPR[RSP]+uint64(4*n):])
}

func TestExceptions32(t *testing.T) {
	tests := []struct {
		name    string
		code    []byte
		setup   func(c *CPU)
		vector  int
		errCode int64 // -1: no error code pushed
		retOff  int   // pushed EIP - testCode
		cr2     uint64
	}{
		{"#DE div by zero", []byte{0x31, 0xc9, 0xf7, 0xf1}, nil, VecDE, -1, 2, 0},
		{"#DE quotient overflow", []byte{0xba, 1, 0, 0, 0, 0xb9, 1, 0, 0, 0, 0xf7, 0xf1}, nil, VecDE, -1, 10, 0},
		{"#UD ud2", []byte{0x90, 0x0f, 0x0b}, nil, VecUD, -1, 1, 0},
		{"#UD lock nop", []byte{0xf0, 0x90}, nil, VecUD, -1, 0, 0},
		{"#BP int3 is a trap", []byte{0x90, 0xcc}, nil, VecBP, -1, 2, 0},
		{"int 0x40", []byte{0xcd, 0x40}, nil, 0x40, -1, 2, 0},
		{"#OF into with OF", []byte{0xb0, 0x7f, 0x04, 0x01, 0xce}, nil, VecOF, -1, 5, 0},
		{"into without OF", []byte{0xce, 0xcc}, nil, VecBP, -1, 2, 0},
		{"#BR bound", []byte{0xb8, 5, 0, 0, 0, 0x62, 0x05, 0x00, 0x50, 0, 0}, func(c *CPU) {
			binary.LittleEndian.PutUint32(c.RAM[0x5000:], 0)
			binary.LittleEndian.PutUint32(c.RAM[0x5004:], 4)
		}, VecBR, -1, 5, 0},
		{"#GP wrmsr unknown", []byte{0xb9, 0x34, 0x12, 0, 0, 0x0f, 0x30}, nil, VecGP, 0, 5, 0},
		{"#GP mov ds bad selector", []byte{0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8}, func(c *CPU) {
			c.GDTR.Limit = 0x17
		}, VecGP, 0x30, 4, 0},
		{"#NP not-present data segment", []byte{0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8}, func(c *CPU) {
			binary.LittleEndian.PutUint64(c.RAM[testGDT+0x10:], 0x00cf13000000ffff) // P=0
		}, VecNP, 0x10, 4, 0},
		{"#PF not present read", []byte{0xa1, 0x00, 0x00, 0x40, 0x00}, pagingOn, VecPF, 0, 0, 0x400000},
		{"#PF write to read-only with WP", []byte{0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 1, 0, 0, 0}, func(c *CPU) {
			pagingOn(c)
			c.CR0 |= CR0WP
			binary.LittleEndian.PutUint32(c.RAM[0x10004:], 0x1000|pteP) // page 1 read-only
		}, VecPF, pfP | pfW, 0, 0x1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFlat32(t, tt.code)
			withIDT(c)
			if tt.setup != nil {
				tt.setup(c)
				c.Refresh()
			}
			vec := handled(t, c)
			if vec != tt.vector {
				t.Fatalf("vector %d, want %d", vec, tt.vector)
			}
			i := 0
			if tt.errCode >= 0 {
				if got := frame(c, 0); int64(got) != tt.errCode {
					t.Fatalf("error code %#x, want %#x", got, tt.errCode)
				}
				i = 1
			}
			if got := frame(c, i); got != uint32(testCode+tt.retOff) {
				t.Fatalf("pushed EIP %#x, want %#x", got, testCode+tt.retOff)
			}
			if got := frame(c, i+1); got != 8 {
				t.Fatalf("pushed CS %#x", got)
			}
			if tt.vector == VecPF && c.CR2 != tt.cr2 {
				t.Fatalf("CR2 %#x, want %#x", c.CR2, tt.cr2)
			}
		})
	}
}

// pagingOn identity-maps the first 4 MiB with 32-bit paging (PD at 0x9000,
// PT at 0x10000) and enables CR0.PG.
func pagingOn(c *CPU) {
	binary.LittleEndian.PutUint32(c.RAM[0x9000:], 0x10000|pteP|pteRW)
	for i := 0; i < 1024; i++ {
		binary.LittleEndian.PutUint32(c.RAM[0x10000+4*i:], uint32(i)<<12|pteP|pteRW)
	}
	c.CR3 = 0x9000
	c.CR0 |= CR0PG
}

func TestDoubleAndTripleFault(t *testing.T) {
	// #GP whose gate is not present: #NP during delivery of #GP is
	// contributory on contributory → #DF.
	c, _ := newFlat32(t, []byte{0x0f, 0x0b}) // #UD first: benign, then #GP...
	withIDT(c)
	binary.LittleEndian.PutUint64(c.RAM[testIDT+8*VecUD:], 0) // #UD gate invalid → #GP(6*8+2+1)
	binary.LittleEndian.PutUint64(c.RAM[testIDT+8*VecGP:], 0) // #GP gate invalid → #GP → #DF
	if vec := handled(t, c); vec != VecDF {
		t.Fatalf("vector %d, want #DF", vec)
	}
	if frame(c, 0) != 0 {
		t.Fatalf("#DF error code %#x, want 0", frame(c, 0))
	}
	// With the #DF gate gone too, the CPU shuts down.
	c, _ = newFlat32(t, []byte{0x0f, 0x0b})
	withIDT(c)
	for _, v := range []int{VecUD, VecGP, VecDF} {
		binary.LittleEndian.PutUint64(c.RAM[testIDT+8*v:], 0)
	}
	if ex := c.Run(1000); ex.Reason != ExitShutdown {
		t.Fatalf("exit %v, want shutdown", ex.Reason)
	}
}

func TestIDTErrorCodeFormat(t *testing.T) {
	// INT 0x41 whose gate lies beyond the IDT limit: #GP with the
	// selector-style error code vector*8+2 (EXT=0 for a software interrupt).
	c, _ := newFlat32(t, []byte{0xcd, 0x41})
	withIDT(c)
	c.IDTR.Limit = 0x41*8 - 1
	if vec := handled(t, c); vec != VecGP {
		t.Fatalf("vector %d", vec)
	}
	if got := frame(c, 0); got != 0x41*8+2 {
		t.Fatalf("error code %#x, want %#x", got, 0x41*8+2)
	}
	if got := frame(c, 1); got != testCode {
		t.Fatalf("pushed EIP %#x, want the INT instruction", got)
	}
	// A #UD whose gate is not present: #NP(6*8+2+EXT).
	c, _ = newFlat32(t, []byte{0x0f, 0x0b})
	withIDT(c)
	c.RAM[testIDT+8*VecUD+5] &^= 0x80
	if vec := handled(t, c); vec != VecNP {
		t.Fatalf("vector %d", vec)
	}
	if got := frame(c, 0); got != VecUD*8+3 {
		t.Fatalf("error code %#x, want %#x", got, VecUD*8+3)
	}
}

func TestSingleStepAndBreakpoints(t *testing.T) {
	// pushf; or dword [esp], 0x100; popf; nop; nop → #DB after the first NOP
	// (the POPF that sets TF does not trap itself).
	code := []byte{0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90}
	c, _ := newFlat32(t, code)
	withIDT(c)
	if vec := handled(t, c); vec != VecDB {
		t.Fatalf("vector %d, want #DB", vec)
	}
	if got := frame(c, 0); got != testCode+10 {
		t.Fatalf("pushed EIP %#x, want %#x (after the first NOP)", got, testCode+10)
	}
	if c.DR[6]&dr6BS == 0 {
		t.Fatalf("DR6 %#x lacks BS", c.DR[6])
	}

	// Execute breakpoint on the second instruction: a fault, pushed EIP is
	// the breakpointed instruction, DR6.B1 set.
	c, _ = newFlat32(t, []byte{0x90, 0x90, 0xf4})
	withIDT(c)
	c.DR[1] = testCode + 1
	c.DR[7] = 0x400 | 1<<2 // L1, RW1=00 (execute), LEN1=0
	c.debugChanged()
	if vec := handled(t, c); vec != VecDB {
		t.Fatalf("vector %d, want #DB", vec)
	}
	if got := frame(c, 0); got != testCode+1 {
		t.Fatalf("pushed EIP %#x, want %#x", got, testCode+1)
	}
	if c.DR[6]&0xf != 2 {
		t.Fatalf("DR6 %#x, want B1", c.DR[6])
	}

	// Returning with RF=1 does not re-trigger the breakpoint: IRET to the
	// breakpointed NOP with RF set in the image, then the next HLT.
	c, _ = newFlat32(t, []byte{0x90, 0xf4})
	c.DR[0] = testCode
	c.DR[7] = 0x401
	c.debugChanged()
	c.GPR[RSP] = 0x7ff4
	binary.LittleEndian.PutUint32(c.RAM[0x7ff4:], testCode)
	binary.LittleEndian.PutUint32(c.RAM[0x7ff8:], 8)
	binary.LittleEndian.PutUint32(c.RAM[0x7ffc:], 2|FlagRF)
	c.RIP = 0x4000
	c.RAM[0x4000] = 0xcf // iret
	if ex := c.Run(100); ex.Reason != ExitHalt || c.RIP != testCode+2 {
		t.Fatalf("exit %v at %#x, want halt after the NOP", ex.Reason, c.RIP)
	}
	if c.RFLAGS&FlagRF != 0 {
		t.Fatal("RF still set after the instruction completed")
	}

	// Data write breakpoint: a trap after the store.
	c, _ = newFlat32(t, []byte{0xc7, 0x05, 0x00, 0x50, 0, 0, 7, 0, 0, 0, 0x90})
	withIDT(c)
	c.DR[2] = 0x5002
	c.DR[7] = 0x400 | 1<<4 | 1<<24 | 1<<26 // L2, RW2=01 (write), LEN2=1 (2 bytes)
	c.debugChanged()
	if vec := handled(t, c); vec != VecDB {
		t.Fatalf("vector %d, want #DB", vec)
	}
	if got := frame(c, 0); got != testCode+10 {
		t.Fatalf("pushed EIP %#x, want after the store", got)
	}
	if c.DR[6]&0xf != 4 || binary.LittleEndian.Uint32(c.RAM[0x5000:]) != 7 {
		t.Fatalf("DR6 %#x, store %d", c.DR[6], binary.LittleEndian.Uint32(c.RAM[0x5000:]))
	}
}

func TestPushedRF(t *testing.T) {
	// Faults push RF=1; traps and software interrupts push RF=0.
	tests := []struct {
		name string
		code []byte
		vec  int
		rf   bool
	}{
		{"#UD fault", []byte{0x0f, 0x0b}, VecUD, true},
		{"#DE fault", []byte{0x31, 0xc9, 0xf7, 0xf1}, VecDE, true},
		{"INT3 trap", []byte{0xcc}, VecBP, false},
		{"INT n", []byte{0xcd, 0x33}, 0x33, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFlat32(t, tt.code)
			withIDT(c)
			if vec := handled(t, c); vec != tt.vec {
				t.Fatalf("vector %d", vec)
			}
			flags := frame(c, 2)
			if hasErrorCode(uint8(tt.vec)) {
				flags = frame(c, 3)
			}
			if got := flags&FlagRF != 0; got != tt.rf {
				t.Fatalf("pushed RF = %v, want %v (flags %#x)", got, tt.rf, flags)
			}
		})
	}
}

func TestSelfModifyingCode(t *testing.T) {
	// mov byte [testCode+8], 0xf4 (turn the NOP into HLT); nop; nop; nop(→hlt); int3
	code := []byte{0xc6, 0x05, 0x08, 0x10, 0, 0, 0xf4, 0x90, 0x90, 0xcc}
	c, _ := newFlat32(t, code)
	withIDT(c)
	// Warm the cache by running the first instructions once... the store
	// itself must invalidate the decoded page.
	if ex := c.Run(100); ex.Reason != ExitHalt || c.RIP != testCode+9 {
		t.Fatalf("exit %v at %#x, want HLT at the patched byte", ex.Reason, c.RIP)
	}
}
