package x86test

import (
	"testing"

	"github.com/govmm/govmm/x86"
)

// benchInsns is a mix of common 64-bit instructions (compiler output and
// kernel entry code), each followed by filler.
var benchInsns = []string{
	"90",                            // nop
	"48 89 d8",                      // mov rax, rbx
	"48 8b 45 f8",                   // mov rax, [rbp-8]
	"48 8b 84 c8 00 01 00 00",       // mov rax, [rax+rcx*8+0x100]
	"8b 05 78 56 34 12",             // mov eax, [rip+disp32]
	"48 b8 88 77 66 55 44 33 22 11", // movabs rax, imm64
	"b8 01 00 00 00",                // mov eax, 1
	"48 83 c4 08",                   // add rsp, 8
	"48 81 ec 00 01 00 00",          // sub rsp, 0x100
	"31 c0",                         // xor eax, eax
	"48 85 c0",                      // test rax, rax
	"74 10",                         // jz rel8
	"0f 85 00 01 00 00",             // jnz rel32
	"e8 00 01 00 00",                // call rel32
	"c3",                            // ret
	"55",                            // push rbp
	"41 5c",                         // pop r12
	"48 8d 44 24 08",                // lea rax, [rsp+8]
	"0f b6 c0",                      // movzx eax, al
	"48 63 c8",                      // movsxd rcx, eax
	"f0 48 0f b1 0b",                // lock cmpxchg [rbx], rcx
	"66 89 07",                      // mov [rdi], ax
	"f3 48 ab",                      // rep stosq
	"48 c1 e0 04",                   // shl rax, 4
	"ff d0",                         // call rax
}

// BenchmarkDecodeLen decodes the mix above in 64-bit mode; ns/op is per
// instruction.
func BenchmarkDecodeLen(b *testing.B) {
	codes := make([][]byte, len(benchInsns))
	for i, s := range benchInsns {
		codes[i] = append(unhex(s), 0xcc, 0xcc, 0xcc, 0xcc)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, ok := x86.DecodeLen(x86.Mode64, codes[i]); !ok {
			b.Fatalf("DecodeLen(% x) not ok", codes[i])
		}
		i++
		if i == len(codes) {
			i = 0
		}
	}
}

// BenchmarkDecodeLenModes decodes a few instructions per mode.
func BenchmarkDecodeLenModes(b *testing.B) {
	for _, md := range modes {
		b.Run(md.name, func(b *testing.B) {
			code := unhex("8b 44 24 08 cc cc cc cc")
			b.ReportAllocs()
			for b.Loop() {
				x86.DecodeLen(md.m, code)
			}
		})
	}
}
