package vmm

// Guest-physical layout at Multiboot entry. It reproduces what QEMU 7.2's
// Multiboot option ROM (with SeaBIOS, -machine q35) leaves behind, so that
// test kernels see the same addresses under govmm:
//
//	0x00000000  real-mode IVT (IDTR points here: base 0, limit 0x3ff)
//	0x00000400  BIOS data area (EBDA segment at 0x40e, base memory KiB at 0x413)
//	0x00006f08  initial ESP (SeaBIOS's stack; kernels set their own)
//	0x00009000  Multiboot memory map (24-byte entries)
//	0x00009500  Multiboot information structure (88 bytes)
//	0x0009fc00  EBDA (reserved)
//	0x000c02b8  GDT: null, 0x08 code32, 0x10 data32, 0x18 code16, 0x20 data16
//	0x000f0000  BIOS area (reserved)
//	0x00100000  usual kernel load address; the kernel decides (p_paddr)
//	kernel end  module list, strings, then page-aligned module data
//	RAM-128KiB  reserved tail (SeaBIOS tables under QEMU)
const (
	ivtLimit       = 0x3ff
	bdaEBDASeg     = 0x40e
	bdaBaseMemKB   = 0x413
	initialESP     = 0x6f08
	mmapAddr       = 0x9000
	mbiAddr        = 0x9500
	mbiSize        = 88
	ebdaAddr       = 0x9fc00
	gdtAddr        = 0xc02b8
	gdtLimit       = 0x27
	biosAreaAddr   = 0xf0000
	highMemStart   = 0x100000
	reservedTail   = 0x20000
	codeSelector   = 0x08
	dataSelector   = 0x10
	multibootMagic = 0x2badb002 // EAX at entry

	// privateBase and privateSize place L0's private memory (IOPM, MSRPM,
	// shadow page tables) in guest-physical space where no RAM or device
	// is: below 4 GiB (PAE shadow roots need 32-bit addresses) and above
	// the largest RAM. Guests that map it are stopped.
	privateBase = 0xc0000000
	privateSize = 8 << 20

	// MinMem is the smallest RAM size a VM accepts: the low megabyte plus
	// room for a kernel.
	MinMem = 2 << 20
	// MaxMem is the largest RAM size: guest RAM is one block below the
	// 32-bit PCI hole (QEMU splits larger RAM around it).
	MaxMem = 2 << 30
)

// gdtEntries is the GDT QEMU's option ROM installs (accessed bits as the CPU
// leaves them after loading the data segments).
var gdtEntries = [5]uint64{
	0,
	0x00cf9a000000ffff, // 0x08: 32-bit code, base 0, 4 GiB
	0x00cf93000000ffff, // 0x10: 32-bit data, base 0, 4 GiB
	0x00009e000000ffff, // 0x18: 16-bit conforming code, 64 KiB
	0x000092000000ffff, // 0x20: 16-bit data, 64 KiB
}

// e820Entry is one Multiboot memory-map entry.
type e820Entry struct {
	base, length uint64
	typ          uint32 // 1 = available, 2 = reserved
}

// memoryMap returns the map QEMU q35 reports for ramSize bytes of RAM with an
// AMD CPU model.
func memoryMap(ramSize uint64) []e820Entry {
	return []e820Entry{
		{0, ebdaAddr, 1},
		{ebdaAddr, 0x400, 2},
		{biosAreaAddr, 0x10000, 2},
		{highMemStart, ramSize - highMemStart - reservedTail, 1},
		{ramSize - reservedTail, reservedTail, 2},
		{0xb0000000, 0x10000000, 2}, // PCIe MMCONFIG
		{0xfed1c000, 0x4000, 2},     // chipset RCRB
		{0xfffc0000, 0x40000, 2},    // BIOS flash
		{0xfd00000000, 0x300000000, 2},
	}
}
