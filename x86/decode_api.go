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
	c := &CPU{Platform: nullPlatform{}}
	c.mode = m
	var in Inst
	ok = func() (ok bool) {
		defer func() {
			if r := recover(); r != nil {
				if _, f := r.(faultPanic); !f {
					panic(r)
				}
				ok = false
			}
		}()
		buf := code
		if len(buf) > 15 {
			buf = buf[:15]
		}
		c.decodeNoRefill(&in, buf)
		return true
	}()
	if !ok {
		return 0, false, false
	}
	return int(in.Len), !isUD(in.exec), true
}

// decodeNoRefill decodes from buf only; running past it raises #GP, which
// DecodeLen reports as an incomplete instruction.
func (c *CPU) decodeNoRefill(in *Inst, buf []byte) {
	c.decodeLimit = true
	defer func() { c.decodeLimit = false }()
	c.decode(in, 0, buf)
}
