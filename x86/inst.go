package x86

// Inst is one decoded instruction in the form the executor runs. It is built
// once by decode and cached per physical page, so it holds no per-execution
// state.
type Inst struct {
	exec func(c *CPU, in *Inst) // handler chosen at decode time
	succ *Inst                  // the instruction that follows on the same page, once seen (cache link)
	br   *Inst                  // the last branch target on the same page (cache link)
	brIP uint64                 // the RIP br was fetched at

	Imm  uint64 // immediate (sign- or zero-extended as the opcode defines), or rel target offset
	Imm2 uint64 // second immediate: ENTER's nesting level, a far pointer's selector
	Disp int64  // memory displacement (sign-extended)

	Op     uint16 // opcode: 0x000-0x0ff one-byte map, 0x100-0x1ff 0F map, 0x200 0F38, 0x300 0F3A
	Len    uint8  // length in bytes (1..15)
	Mode   Mode   // decoding mode the instruction was decoded in
	OpSize uint8  // operand size in bytes: 1, 2, 4 or 8
	AdSize uint8  // address size in bytes: 2, 4 or 8
	Prefix uint8  // prefix flags (pfx*)
	Seg    uint8  // segment of the memory operand (override or default)
	ModRM  uint8  // raw ModRM byte (0 if none)
	Reg    uint8  // ModRM.reg extended by REX.R (or opcode low bits for +r forms)
	RM     uint8  // ModRM.rm extended by REX.B: the register operand when !IsMem
	Base   uint8  // base register of the memory operand, or regNone / regRIP
	Index  uint8  // index register, or regNone
	Scale  uint8  // index shift count (0..3)
	IsMem  bool   // the r/m operand is memory
}

// Prefix flags in Inst.Prefix.
const (
	pfxLock  = 1 << 0
	pfxRep   = 1 << 1 // F3
	pfxRepne = 1 << 2 // F2
	pfxOpSz  = 1 << 3 // 66
	pfxAdSz  = 1 << 4 // 67
	pfxRex   = 1 << 5 // a REX prefix was present (selects SPL/BPL/SIL/DIL)
	pfxRexW  = 1 << 6
	pfxSeg   = 1 << 7 // explicit segment override
)

// Pseudo register numbers for memory operands.
const (
	regNone = 0xff
	regRIP  = 0x10
)

// rex reports whether a REX prefix was present (it changes byte registers).
func (in *Inst) rex() bool { return in.Prefix&pfxRex != 0 }
