package x86test

import (
	"strings"
	"testing"

	"github.com/govmm/govmm/x86"
)

// asmOracle decodes code with x86asm and returns its length and whether that
// length can be trusted (err == nil && Op != 0). It is nil unless the test
// binary is built with the x86asm tag (x86asm_oracle_test.go), because
// govmm's go.mod does not require golang.org/x/arch.
var asmOracle func(m x86.Mode, code []byte) (n int, text string, trusted bool)

// x86asmQuirk reports why x86asm's length for code is known to be wrong on
// AMD hardware, or "" if it should agree with govmm.
func x86asmQuirk(m x86.Mode, code []byte) string {
	if amdNearBranch16(m, code) {
		return "66-prefixed near branch in 64-bit mode: rel16 on AMD, rel32 in x86asm (Intel)"
	}
	if op, modrm, ok := opcodeAndModRM(m, code); ok && op >= 0x120 && op <= 0x123 && modrm < 0xc0 {
		return "MOV CRn/DRn ignores ModRM.mod (APM vol. 3 MOV CRn); x86asm reads a displacement"
	}
	return ""
}

// opcodeAndModRM skips legacy and REX prefixes and returns the opcode (0x0xx
// one-byte map, 0x1xx 0F map) and the byte after it.
func opcodeAndModRM(m x86.Mode, code []byte) (op uint16, modrm byte, ok bool) {
	i := 0
	for i < len(code) {
		b := code[i]
		if b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
			b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || m == x86.Mode64 && b&0xf0 == 0x40 {
			i++
			continue
		}
		break
	}
	if i >= len(code) {
		return 0, 0, false
	}
	op = uint16(code[i])
	if code[i] == 0x0f {
		i++
		if i >= len(code) {
			return 0, 0, false
		}
		op = 0x100 | uint16(code[i])
	}
	if i+1 >= len(code) {
		return op, 0, false
	}
	return op, code[i+1], true
}

// knownDecodeBugs are govmm decoder bugs already reported (and pinned by
// failing rows in decodeLenCases). FuzzDecode skips inputs they explain, so
// that fuzzing finds new classes; delete an entry once it is fixed.
var knownDecodeBugs = []struct {
	name  string
	match func(m x86.Mode, code []byte) bool
}{
	{
		"62 with ModRM.mod=11 outside 64-bit mode is an EVEX prefix (or a register-form BOUND, #UD either way without AVX-512); govmm reports it valid with length 2",
		func(m x86.Mode, code []byte) bool {
			op, modrm, ok := opcodeAndModRM(m, code)
			return ok && m != x86.Mode64 && op == 0x62 && modrm >= 0xc0
		},
	},
}

// FuzzDecode checks DecodeLen on arbitrary bytes in every mode: it never
// panics, a complete instruction has 1..15 bytes that lie within the input,
// the result is deterministic and depends only on the instruction's own
// bytes, and (with the x86asm tag) valid instructions have the length
// x86asm gives them, bar known quirks.
func FuzzDecode(f *testing.F) {
	for _, tc := range decodeLenCases {
		f.Add(uint8(tc.mode), unhex(tc.code))
	}
	for _, b := range benchInsns {
		f.Add(uint8(x86.Mode64), unhex(b))
	}
	f.Fuzz(func(t *testing.T, mode uint8, code []byte) {
		m := x86.Mode(mode % 3)
		n, valid, ok := x86.DecodeLen(m, code)
		if n2, valid2, ok2 := x86.DecodeLen(m, code); n2 != n || valid2 != valid || ok2 != ok {
			t.Fatalf("DecodeLen(%s, % x) not deterministic: (%d, %v, %v) then (%d, %v, %v)",
				modeName(m), code, n, valid, ok, n2, valid2, ok2)
		}
		if !ok {
			if n != 0 || valid {
				t.Fatalf("DecodeLen(%s, % x) = (%d, %v, false); want (0, false, false) when not ok", modeName(m), code, n, valid)
			}
			return
		}
		if n < 1 || n > 15 || n > len(code) {
			t.Fatalf("DecodeLen(%s, % x) = %d bytes, want 1..min(15, %d)", modeName(m), code, n, len(code))
		}
		// The instruction's own bytes decide everything.
		if n2, valid2, ok2 := x86.DecodeLen(m, code[:n]); n2 != n || valid2 != valid || !ok2 {
			t.Fatalf("DecodeLen(%s, % x) = (%d, %v, true) but on its first %d bytes = (%d, %v, %v)",
				modeName(m), code, n, valid, n, n2, valid2, ok2)
		}
		if n > 1 {
			if _, _, ok2 := x86.DecodeLen(m, code[:n-1]); ok2 {
				t.Fatalf("DecodeLen(%s, % x) = %d bytes but its first %d bytes already decode", modeName(m), code, n, n-1)
			}
		}
		if asmOracle == nil || !valid {
			return
		}
		a, text, trusted := asmOracle(m, code)
		if !trusted || a == n {
			return
		}
		for _, b := range knownDecodeBugs {
			if b.match(m, code) {
				t.Skipf("known govmm bug: %s", b.name)
			}
		}
		if q := x86asmQuirk(m, code); q != "" {
			t.Skipf("known x86asm quirk: %s", q)
		}
		if haveObjdump() {
			// A second opinion in AMD64 mode; on agreement with govmm the
			// disagreement is x86asm's (log it, to extend x86asmQuirk).
			if r, err := objdumpDecode(t.TempDir(), m, code); err == nil && r.Len == n && !strings.Contains(r.Text, "(bad)") {
				t.Skipf("x86asm says %d (%s), objdump agrees with govmm: %d (%s)", a, text, r.Len, r.Text)
			}
		}
		t.Errorf("DecodeLen(%s, % x) = %d, x86asm says %d (%s)", modeName(m), code[:max(n, a)], n, a, text)
	})
}
