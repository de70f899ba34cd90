package x86

// nullPlatform is a Platform with nothing attached, for decoding outside a
// running VM.
type nullPlatform struct{}

func (nullPlatform) In(uint16, int) uint32       { return ^uint32(0) }
func (nullPlatform) Out(uint16, int, uint32)     {}
func (nullPlatform) ReadMMIO(_ uint64, d []byte) { clear(d) }
func (nullPlatform) WriteMMIO(uint64, []byte)    {}
func (nullPlatform) AckInterrupt() (uint8, bool) { return 0, false }

// DecodeLen decodes one instruction from code in mode m and returns its
// length. ok is false when the bytes do not form a complete instruction of at
// most 15 bytes (truncated input, or over-long). An instruction that decodes
// but is invalid (it would raise #UD) still has a length and ok = true; valid
// reports whether it would execute rather than raise #UD at decode time.
func DecodeLen(m Mode, code []byte) (n int, valid, ok bool) {
	in, ok := decodeDetached(m, code)
	if !ok {
		return 0, false, false
	}
	return int(in.Len), !isUD(in.exec), true
}

// DecodeInst decodes one instruction from code in mode m, for L0's
// instruction emulation (next_rip computation, MOV CR decoding). ok is false
// when the bytes do not hold a complete instruction. Fields are as in Inst;
// a register-form ALU instruction may have Reg and RM swapped (see
// specialise), so callers should use it for system and control
// instructions only.
func DecodeInst(m Mode, code []byte) (Inst, bool) {
	in, ok := decodeDetached(m, code)
	in.exec, in.succ, in.br = nil, nil, nil
	return in, ok
}

// decodeDetached decodes outside any CPU: running past the given bytes
// (or past 15) reports !ok.
func decodeDetached(m Mode, code []byte) (in Inst, ok bool) {
	c := &CPU{Platform: nullPlatform{}}
	c.mode = m
	defer func() {
		if r := recover(); r != nil {
			if _, f := r.(faultPanic); !f {
				panic(r)
			}
			ok = false
		}
	}()
	if len(code) > 15 {
		code = code[:15]
	}
	c.decodeLimit = true
	c.decode(&in, 0, code)
	return in, true
}
