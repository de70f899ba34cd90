package nsvm

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// newLongGuest is an L1 already in long mode: 4-level tables (1 GiB
// identity, 2 MiB pages) at 0x10000, a GDT with 64-bit code 0x08, data 0x10
// and 32-bit (compatibility-mode) code 0x18, a 64-bit IDT at idtAddr.
func newLongGuest(t *testing.T, code []byte, gates map[uint8]uint64, feats svm.Features) *guest {
	t.Helper()
	g := newGuest(t, code, nil, feats)
	le := binary.LittleEndian
	ram := g.ram
	le.PutUint64(ram[0x10000:], 0x11000|7)
	le.PutUint64(ram[0x11000:], 0x12000|7)
	for i := 0; i < 512; i++ {
		le.PutUint64(ram[0x12000+8*i:], uint64(i)<<21|0x87)
	}
	for i, d := range []uint64{0, 0x00af9b000000ffff, 0x00cf93000000ffff, 0x00cf9b000000ffff} {
		le.PutUint64(ram[gdtAddr+8*i:], d)
	}
	for vec, h := range gates {
		le.PutUint64(ram[idtAddr+16*int(vec):], h&0xffff|8<<16|uint64(0x8e00)<<32|(h>>16&0xffff)<<48)
		le.PutUint64(ram[idtAddr+16*int(vec)+8:], h>>32)
	}
	s := g.cpu.GetState()
	s.Seg[x86.CS] = x86.Segment{Sel: 8, Limit: 0xffffffff, Attr: 0xa9b}
	s.GDTR = x86.DescTable{Base: gdtAddr, Limit: 31}
	s.IDTR = x86.DescTable{Base: idtAddr, Limit: 0xfff}
	s.CR0 |= x86.CR0PG
	s.CR3 = 0x10000
	s.CR4 = x86.CR4PAE
	s.EFER = x86.EFERLME | x86.EFERLMA
	g.cpu.SetState(&s)
	return g
}

func TestIntoInCompatibilityMode(t *testing.T) {
	// 64-bit: cpuid (an exit; zap policies drop the shadow), then far
	// return into a compatibility-mode segment that runs INTO with OF=1.
	// The #OF goes through the 64-bit IDT; its handler (64-bit) records the
	// pushed RIP and halts.
	compat := uint32(codeAddr + 0x40)
	code := cat(
		[]byte{0x31, 0xc0, 0x0f, 0xa2}, // xor eax, eax; cpuid
		[]byte{0x6a, 0x18},             // push 0x18
		[]byte{0x68}, le32(compat),     // push compat
		[]byte{0x48, 0xcb}, // retfq
	)
	code = append(code, make([]byte, 0x40-len(code))...)
	code = append(code, 0xb0, 0x7f, 0x04, 0x01, 0xce, 0xf4) // mov al,0x7f; add al,1; into; hlt
	handler := uint64(0x1100)
	for _, z := range []ZapPolicy{{}, {OnExit: true}, {Every: 2}} {
		for _, f := range []svm.Features{x86.SVMFeaturesDefault, x86.SVMFeaturesDefault &^ svm.FeatureNRIPS} {
			t.Run(fmt.Sprintf("zap=%v/nrips=%v", z, f&svm.FeatureNRIPS != 0), func(t *testing.T) {
				g := newLongGuest(t, code, map[uint8]uint64{x86.VecOF: handler}, f)
				// handler: inc dword [dataAddr]; mov rax,[rsp]; mov [dataAddr+4],eax; hlt
				copy(g.ram[handler:], cat([]byte{0xff, 0x04, 0x25}, le32(dataAddr), []byte{0x48, 0x8b, 0x04, 0x24, 0x89, 0x04, 0x25}, le32(dataAddr+4), []byte{0xf4}))
				st, recs := g.run(t, Config{Zap: z})
				if st.Reason != StopHalted {
					t.Fatalf("stop %v (%s)\n%v", st.Reason, st.Detail, recs)
				}
				if z.OnExit {
					vectoring := false
					for _, r := range recs {
						vectoring = vectoring || r.ExitIntInfo == svm.NewEvent(svm.EventTypeException, x86.VecOF)
					}
					if !vectoring {
						t.Fatal("no exit while vectoring the #OF")
					}
				}
				if g.u32(dataAddr) != 1 || g.u32(dataAddr+4) != compat+5 {
					t.Fatalf("#OF handler ran %d times, return address %#x; want once, %#x", g.u32(dataAddr), g.u32(dataAddr+4), compat+5)
				}
			})
		}
	}
}
