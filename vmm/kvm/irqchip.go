package kvm

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"github.com/govmm/govmm/devices"
)

// The in-kernel interrupt controllers and PIT start in their reset state;
// a Multiboot kernel under QEMU finds them as SeaBIOS left them. These put
// KVM's models in the state vmm puts its own in (devices' SeaBIOSState
// functions and masks), so a kernel sees the same platform on both
// backends.

// In-kernel irqchip identifiers (KVM_IRQCHIP_*).
const (
	irqchipPICMaster = 0
	irqchipPICSlave  = 1
)

// PIC vector bases as a PC BIOS programs them (devices.PIC8259's power-on state).
const (
	picMasterBase = 0x08
	picSlaveBase  = 0x70
)

// Local APIC register offsets and the SeaBIOS values (devices.LAPIC.SeaBIOSState).
const (
	lapicSPIV     = 0xf0
	lapicLVT0     = 0x350
	lapicLVT1     = 0x360
	seaBIOSSPIV   = 0x1ff  // APIC software-enabled, spurious vector 0xFF
	seaBIOSLINT0  = 0x8700 // ExtINT (virtual wire to the 8259), unmasked
	seaBIOSLINT1  = 0x8400 // NMI, unmasked
	pitRWLSBMSB   = 3      // access mode: LSB then MSB
	pitRWStateW0  = 3      // RW_STATE_WORD0: the next access is the LSB of a word
	pitModeRate   = 2      // mode 2, rate generator
	pitCountMax   = 0      // 0 stands for 65536
	pitGateActive = 1
)

// picState returns the struct kvm_pic_state inside an IRQChip buffer.
func picState(c *gokvm.IRQChip) *gokvm.PICState {
	return (*gokvm.PICState)(unsafe.Pointer(&c.Chip[0]))
}

// seaBIOSPIC programs one in-kernel 8259 as initialized by the BIOS (ICW1-4
// done, 8086 mode, vector base) with the given interrupt mask.
func seaBIOSPIC(p *gokvm.PICState, base, imr uint8) {
	p.IRQBase = base
	p.IMR = imr
	p.IRR, p.ISR, p.LastIRR = 0, 0, 0
	p.Init4 = 1
	p.InitState = 0
	p.AutoEOI, p.RotateOnAutoEOI, p.SpecialFullyNestedMode = 0, 0, 0
	p.SpecialMask, p.Poll, p.ReadRegSelect, p.PriorityAdd = 0, 0, 0, 0
}

// seaBIOSPIT programs counter 0 as devices.PIT8254.SeaBIOSState does: mode
// 2, LSB then MSB, binary, count 65536 (IRQ0 at 18.2 Hz), counting from
// the moment KVM_SET_PIT2 loads it.
func seaBIOSPIT(s *gokvm.PITState2) {
	ch := &s.Channels[0]
	ch.Count = pitCountMax
	ch.RWMode = pitRWLSBMSB
	ch.ReadState, ch.WriteState = pitRWStateW0, pitRWStateW0
	ch.Mode = pitModeRate
	ch.BCD = 0
	ch.Gate = pitGateActive
	ch.CountLatched, ch.StatusLatched = 0, 0
}

// seaBIOSLAPIC sets the local APIC registers SeaBIOS leaves.
func seaBIOSLAPIC(l *gokvm.LAPICState) {
	le := binary.LittleEndian
	le.PutUint32(l.Regs[lapicSPIV:], seaBIOSSPIV)
	le.PutUint32(l.Regs[lapicLVT0:], seaBIOSLINT0)
	le.PutUint32(l.Regs[lapicLVT1:], seaBIOSLINT1)
}

// seaBIOSState applies the SeaBIOS state to KVM's PIC pair, PIT and the
// vCPU's local APIC (read-modify-write, so fields KVM owns survive).
func (vm *VM) seaBIOSState() error {
	vfd := uintptr(vm.vmFd)
	for _, p := range []struct {
		id        uint32
		base, imr uint8
	}{
		{irqchipPICMaster, picMasterBase, devices.SeaBIOSMasterIMR},
		{irqchipPICSlave, picSlaveBase, devices.SeaBIOSSlaveIMR},
	} {
		c := gokvm.IRQChip{ChipID: p.id}
		if err := gokvm.GetIRQChip(vfd, &c); err != nil {
			return fmt.Errorf("KVM_GET_IRQCHIP(%d): %w", p.id, err)
		}
		seaBIOSPIC(picState(&c), p.base, p.imr)
		if err := gokvm.SetIRQChip(vfd, &c); err != nil {
			return fmt.Errorf("KVM_SET_IRQCHIP(%d): %w", p.id, err)
		}
	}
	var pit gokvm.PITState2
	if err := gokvm.GetPIT2(vfd, &pit); err != nil {
		return fmt.Errorf("KVM_GET_PIT2: %w", err)
	}
	seaBIOSPIT(&pit)
	if err := gokvm.SetPIT2(vfd, &pit); err != nil {
		return fmt.Errorf("KVM_SET_PIT2: %w", err)
	}
	var l gokvm.LAPICState
	if err := gokvm.GetLocalAPIC(uintptr(vm.vcpuFd), &l); err != nil {
		return fmt.Errorf("KVM_GET_LAPIC: %w", err)
	}
	seaBIOSLAPIC(&l)
	if err := gokvm.SetLocalAPIC(uintptr(vm.vcpuFd), &l); err != nil {
		return fmt.Errorf("KVM_SET_LAPIC: %w", err)
	}
	return nil
}
