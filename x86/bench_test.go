package x86

import "testing"

// loopCode is a tight integer loop: ECX iterations of 4 instructions.
//
//	mov ecx, N
//	l: add eax, ecx ; xor edx, eax ; dec ecx ; jnz l
//	hlt
func loopCode(n uint32) []byte {
	return []byte{
		0xb9, byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24),
		0x01, 0xc8, // add eax, ecx
		0x31, 0xc2, // xor edx, eax
		0x49,       // dec ecx
		0x75, 0xf9, // jnz l
		0xf4, // hlt
	}
}

// memCode copies and checksums a buffer: a load/store-heavy loop.
//
//	mov esi, 0x10000 ; mov edi, 0x20000 ; mov ecx, N
//	l: mov eax, [esi] ; add ebx, eax ; mov [edi], eax ; add esi, 4 ; add edi, 4 ; dec ecx ; jnz l
//	hlt
func memCode(n uint32) []byte {
	return []byte{
		0xbe, 0x00, 0x00, 0x01, 0x00,
		0xbf, 0x00, 0x00, 0x02, 0x00,
		0xb9, byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24),
		0x8b, 0x06, // mov eax, [esi]
		0x01, 0xc3, // add ebx, eax
		0x89, 0x07, // mov [edi], eax
		0x83, 0xc6, 0x04, // add esi, 4
		0x83, 0xc7, 0x04, // add edi, 4
		0x49,       // dec ecx
		0x75, 0xf1, // jnz l
		0xf4,
	}
}

func benchRun(b *testing.B, code []byte, insnsPerRun uint64) {
	c, _ := newFlat32(b, code)
	start := c.State
	b.ResetTimer()
	var total uint64
	for i := 0; i < b.N; i++ {
		c.SetState(&start)
		c.Insns = 0
		c.setHalted(false)
		ex := c.Run(1 << 40)
		if ex.Reason != ExitHalt {
			b.Fatalf("exit %v %s", ex.Reason, ex.Detail)
		}
		total += c.Insns
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "insn/s")
	_ = insnsPerRun
}

// BenchmarkInterpreterLoop runs a 4-instruction register loop (4M
// instructions per iteration) and reports guest instructions per second.
func BenchmarkInterpreterLoop(b *testing.B) { benchRun(b, loopCode(1<<20), 4<<20) }

// BenchmarkInterpreterMemcpy runs a load/store/checksum loop over 64 KiB.
func BenchmarkInterpreterMemcpy(b *testing.B) { benchRun(b, memCode(1<<14), 7<<14) }
