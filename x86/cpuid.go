package x86

import "github.com/govmm/govmm/x86/svm"

// CPUID model: an AMD processor whose leaves are data, so the VM (and SVM
// feature sets later) can change them.

// CPUIDLeaf is the output of one CPUID leaf/subleaf.
type CPUIDLeaf struct{ EAX, EBX, ECX, EDX uint32 }

// CPUIDModel maps leaf numbers to their outputs. Leaves that are absent read
// as zeros, as on AMD processors for leaves within range.
type CPUIDModel struct {
	Leaves map[uint32]CPUIDLeaf
}

// CPUID feature bits govmm implements (and therefore may advertise).
const (
	// Leaf 1 EDX.
	cpuidFPU   = 1 << 0
	cpuidDE    = 1 << 2
	cpuidPSE   = 1 << 3
	cpuidTSC   = 1 << 4
	cpuidMSR   = 1 << 5
	cpuidPAE   = 1 << 6
	cpuidCX8   = 1 << 8
	cpuidSEP   = 1 << 11
	cpuidPGE   = 1 << 13
	cpuidCMOV  = 1 << 15
	cpuidPAT   = 1 << 16
	cpuidPSE36 = 1 << 17
	cpuidCLFSH = 1 << 19
	// Leaf 1 ECX.
	cpuidCX16   = 1 << 13
	cpuidPOPCNT = 1 << 23
	// Leaf 8000_0001h ECX.
	cpuidLahfLM   = 1 << 0
	CPUIDSVM      = 1 << 2 // SVM (set by the SVM feature configuration)
	cpuidABM      = 1 << 5 // LZCNT
	cpuidPrefetch = 1 << 8 // PREFETCH/PREFETCHW
	// Leaf 8000_0001h EDX.
	cpuidSYSCALL = 1 << 11
	cpuidNX      = 1 << 20
	cpuidPage1G  = 1 << 26
	cpuidRDTSCP  = 1 << 27
	cpuidLM      = 1 << 29
)

// cpuidSignature is family 17h (0xF + extended 0x8), model 1, stepping 1.
const cpuidSignature = 0x00800f11

// DefaultCPUID returns govmm's AMD model: only features the CPU implements
// are advertised (no SSE, no x2APIC, no SVM until it is configured).
func DefaultCPUID() CPUIDModel {
	leaf1EDX := uint32(cpuidFPU | cpuidDE | cpuidPSE | cpuidTSC | cpuidMSR | cpuidPAE | cpuidCX8 |
		cpuidSEP | cpuidPGE | cpuidCMOV | cpuidPAT | cpuidPSE36 | cpuidCLFSH)
	// AMD duplicates these leaf-1 EDX bits in 8000_0001h EDX.
	const dupMask = 0x0183f3ff
	m := CPUIDModel{Leaves: map[uint32]CPUIDLeaf{
		0x0:        {EAX: 0x7, EBX: 0x68747541, ECX: 0x444d4163, EDX: 0x69746e65}, // "AuthenticAMD"
		0x1:        {EAX: cpuidSignature, EBX: 8 << 8, ECX: cpuidCX16 | cpuidPOPCNT, EDX: leaf1EDX},
		0x80000000: {EAX: 0x8000000a, EBX: 0x68747541, ECX: 0x444d4163, EDX: 0x69746e65},
		0x80000001: {EAX: cpuidSignature, ECX: cpuidLahfLM | cpuidABM | cpuidPrefetch,
			EDX: leaf1EDX&dupMask | cpuidSYSCALL | cpuidNX | cpuidPage1G | cpuidRDTSCP | cpuidLM},
		0x80000007: {EDX: 1 << 8}, // invariant TSC: it counts instructions
		0x80000008: {EAX: 48<<8 | MaxPhysAddr},
	}}
	brand := "govmm software AMD64 CPU"
	var b [48]byte
	copy(b[:], brand)
	for i := uint32(0); i < 3; i++ {
		var r [4]uint32
		for j := range r {
			o := 16*i + 4*uint32(j)
			r[j] = uint32(b[o]) | uint32(b[o+1])<<8 | uint32(b[o+2])<<16 | uint32(b[o+3])<<24
		}
		m.Leaves[0x80000002+i] = CPUIDLeaf{r[0], r[1], r[2], r[3]}
	}
	return m
}

// has reports whether feature bit mask is set in a register of leaf.
func (m *CPUIDModel) has(leaf uint32, reg int, mask uint32) bool {
	l := m.Leaves[leaf]
	r := [4]uint32{l.EAX, l.EBX, l.ECX, l.EDX}
	return r[reg]&mask != 0
}

// Register indexes for has.
const (
	regEAX = iota
	regEBX
	regECX
	regEDX
)

// lookup returns the leaf's output for CPU c (APIC ID and the dynamic
// OSXSAVE-style bits are filled in here).
func (m *CPUIDModel) lookup(leaf, sub uint32) CPUIDLeaf {
	maxBasic := m.Leaves[0].EAX
	maxExt := m.Leaves[0x80000000].EAX
	if (leaf < 0x80000000 && leaf > maxBasic) || (leaf >= 0x80000000 && leaf > maxExt) {
		return CPUIDLeaf{}
	}
	return m.Leaves[leaf]
}

// CPUIDLookup returns what CPUID reports for leaf and subleaf (L0 emulating
// an intercepted CPUID uses the same model).
func (c *CPU) CPUIDLookup(leaf, sub uint32) CPUIDLeaf { return c.CPUID.lookup(leaf, sub) }

// 0F A2: CPUID.
func execCPUID(c *CPU, in *Inst) {
	c.intercept(svm.InterceptCPUID, 0, 0)
	l := c.CPUID.lookup(uint32(c.GPR[RAX]), uint32(c.GPR[RCX]))
	c.GPR[RAX] = uint64(l.EAX)
	c.GPR[RBX] = uint64(l.EBX)
	c.GPR[RCX] = uint64(l.ECX)
	c.GPR[RDX] = uint64(l.EDX)
}
