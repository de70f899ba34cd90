package svm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A VMCB in memory is little-endian, with every field at its APM offset
// (appendix B). The functions below move the named fields one by one with
// encoding/binary's LittleEndian, so they do not depend on the host's byte
// order or on Go's struct layout, and they do not allocate. Reserved bytes
// (the blank fields of Control, Save and VMCB) are neither read nor written.
//
// Their offsets are literal so that each line can be checked against the
// field's comment in vmcb.go; vmcb_test.go checks both against the APM table
// and against each other.

// ErrVMCBSize is returned (wrapped) by UnmarshalBinary when the input is not
// exactly VMCBSize bytes.
var ErrVMCBSize = errors.New("svm: VMCB image must be 4096 bytes")

var le = binary.LittleEndian

// Load reads every named field of v from page, a VMCB image such as vmcb12 in
// guest memory (KVM: the copy into the vmcb12 cache). Reserved fields of v
// are left alone.
// Precondition: len(page) >= VMCBSize; Load panics otherwise.
func (v *VMCB) Load(page []byte) {
	_ = page[VMCBSize-1]
	v.Control.Load(page[:ControlSize])
	v.Save.Load(page[SaveOffset : SaveOffset+SaveSize])
}

// Store writes every named field of v into page at its APM offset. Reserved
// bytes of page are not touched, so whatever the owner of the page keeps
// there survives.
// Precondition: len(page) >= VMCBSize; Store panics otherwise.
func (v *VMCB) Store(page []byte) {
	_ = page[VMCBSize-1]
	v.Control.Store(page[:ControlSize])
	v.Save.Store(page[SaveOffset : SaveOffset+SaveSize])
}

// MarshalBinary returns the 4096-byte little-endian image of v; reserved bytes
// are zero. It implements encoding.BinaryMarshaler and never fails.
func (v *VMCB) MarshalBinary() ([]byte, error) {
	b := make([]byte, VMCBSize)
	v.Store(b)
	return b, nil
}

// UnmarshalBinary sets v from a 4096-byte little-endian image. It implements
// encoding.BinaryUnmarshaler; the error wraps ErrVMCBSize if len(data) is not
// VMCBSize.
func (v *VMCB) UnmarshalBinary(data []byte) error {
	if len(data) != VMCBSize {
		return fmt.Errorf("%w, got %d", ErrVMCBSize, len(data))
	}
	v.Load(data)
	return nil
}

// Load reads every named field of the control area from b, the bytes at VMCB
// offsets 0x000–0x3FF.
// Precondition: len(b) >= ControlSize; Load panics otherwise.
func (c *Control) Load(b []byte) {
	_ = b[ControlSize-1]
	for i := range c.Intercepts {
		c.Intercepts[i] = le.Uint32(b[4*i:])
	}
	c.PauseFilterThreshold = le.Uint16(b[0x03C:])
	c.PauseFilterCount = le.Uint16(b[0x03E:])
	c.IOPMBasePA = le.Uint64(b[0x040:])
	c.MSRPMBasePA = le.Uint64(b[0x048:])
	c.TSCOffset = le.Uint64(b[0x050:])
	c.ASID = le.Uint32(b[0x058:])
	c.TLBControl = TLBControl(b[0x05C])
	c.ERAPCtl = b[0x05D]
	c.IntCtl = le.Uint32(b[0x060:])
	c.IntVector = le.Uint32(b[0x064:])
	c.IntState = le.Uint32(b[0x068:])
	c.ExitCode = ExitCode(le.Uint64(b[0x070:]))
	c.ExitInfo1 = le.Uint64(b[0x078:])
	c.ExitInfo2 = le.Uint64(b[0x080:])
	c.ExitIntInfo = Event(le.Uint64(b[0x088:]))
	c.MiscCtl = le.Uint64(b[0x090:])
	c.AVICAPICBar = le.Uint64(b[0x098:])
	c.GHCBPA = le.Uint64(b[0x0A0:])
	c.EventInj = Event(le.Uint64(b[0x0A8:]))
	c.NCR3 = le.Uint64(b[0x0B0:])
	c.MiscCtl2 = le.Uint64(b[0x0B8:])
	c.CleanBits = le.Uint32(b[0x0C0:])
	c.NRIP = le.Uint64(b[0x0C8:])
	c.InsnLen = b[0x0D0]
	copy(c.InsnBytes[:], b[0x0D1:0x0E0])
	c.AVICBackingPage = le.Uint64(b[0x0E0:])
	c.AVICLogicalTable = le.Uint64(b[0x0F0:])
	c.AVICPhysicalTable = le.Uint64(b[0x0F8:])
	c.VMSAPA = le.Uint64(b[0x108:])
	c.BusLockCounter = le.Uint16(b[0x120:])
	c.AllowedSEVFeatures = le.Uint64(b[0x138:])
	c.GuestSEVFeatures = le.Uint64(b[0x140:])
	copy(c.HostReserved[:], b[0x3E0:0x400])
}

// Store writes every named field of the control area into b, the bytes at
// VMCB offsets 0x000–0x3FF; reserved bytes of b are not touched.
// Precondition: len(b) >= ControlSize; Store panics otherwise.
func (c *Control) Store(b []byte) {
	_ = b[ControlSize-1]
	for i, w := range c.Intercepts {
		le.PutUint32(b[4*i:], w)
	}
	le.PutUint16(b[0x03C:], c.PauseFilterThreshold)
	le.PutUint16(b[0x03E:], c.PauseFilterCount)
	le.PutUint64(b[0x040:], c.IOPMBasePA)
	le.PutUint64(b[0x048:], c.MSRPMBasePA)
	le.PutUint64(b[0x050:], c.TSCOffset)
	le.PutUint32(b[0x058:], c.ASID)
	b[0x05C] = uint8(c.TLBControl)
	b[0x05D] = c.ERAPCtl
	le.PutUint32(b[0x060:], c.IntCtl)
	le.PutUint32(b[0x064:], c.IntVector)
	le.PutUint32(b[0x068:], c.IntState)
	le.PutUint64(b[0x070:], uint64(c.ExitCode))
	le.PutUint64(b[0x078:], c.ExitInfo1)
	le.PutUint64(b[0x080:], c.ExitInfo2)
	le.PutUint64(b[0x088:], uint64(c.ExitIntInfo))
	le.PutUint64(b[0x090:], c.MiscCtl)
	le.PutUint64(b[0x098:], c.AVICAPICBar)
	le.PutUint64(b[0x0A0:], c.GHCBPA)
	le.PutUint64(b[0x0A8:], uint64(c.EventInj))
	le.PutUint64(b[0x0B0:], c.NCR3)
	le.PutUint64(b[0x0B8:], c.MiscCtl2)
	le.PutUint32(b[0x0C0:], c.CleanBits)
	le.PutUint64(b[0x0C8:], c.NRIP)
	b[0x0D0] = c.InsnLen
	copy(b[0x0D1:0x0E0], c.InsnBytes[:])
	le.PutUint64(b[0x0E0:], c.AVICBackingPage)
	le.PutUint64(b[0x0F0:], c.AVICLogicalTable)
	le.PutUint64(b[0x0F8:], c.AVICPhysicalTable)
	le.PutUint64(b[0x108:], c.VMSAPA)
	le.PutUint16(b[0x120:], c.BusLockCounter)
	le.PutUint64(b[0x138:], c.AllowedSEVFeatures)
	le.PutUint64(b[0x140:], c.GuestSEVFeatures)
	copy(b[0x3E0:0x400], c.HostReserved[:])
}

// Load reads every named field of the state save area from b, the bytes at
// VMCB offsets 0x400–0x6E7 (offsets below are relative to 0x400).
// Precondition: len(b) >= SaveSize; Load panics otherwise.
func (s *Save) Load(b []byte) {
	_ = b[SaveSize-1]
	s.ES.load(b[0x000:])
	s.CS.load(b[0x010:])
	s.SS.load(b[0x020:])
	s.DS.load(b[0x030:])
	s.FS.load(b[0x040:])
	s.GS.load(b[0x050:])
	s.GDTR.load(b[0x060:])
	s.LDTR.load(b[0x070:])
	s.IDTR.load(b[0x080:])
	s.TR.load(b[0x090:])
	s.VMPL = b[0x0CA]
	s.CPL = b[0x0CB]
	s.EFER = le.Uint64(b[0x0D0:])
	s.CR4 = le.Uint64(b[0x148:])
	s.CR3 = le.Uint64(b[0x150:])
	s.CR0 = le.Uint64(b[0x158:])
	s.DR7 = le.Uint64(b[0x160:])
	s.DR6 = le.Uint64(b[0x168:])
	s.RFLAGS = le.Uint64(b[0x170:])
	s.RIP = le.Uint64(b[0x178:])
	s.RSP = le.Uint64(b[0x1D8:])
	s.SCET = le.Uint64(b[0x1E0:])
	s.SSP = le.Uint64(b[0x1E8:])
	s.ISSTAddr = le.Uint64(b[0x1F0:])
	s.RAX = le.Uint64(b[0x1F8:])
	s.STAR = le.Uint64(b[0x200:])
	s.LSTAR = le.Uint64(b[0x208:])
	s.CSTAR = le.Uint64(b[0x210:])
	s.SFMASK = le.Uint64(b[0x218:])
	s.KernelGSBase = le.Uint64(b[0x220:])
	s.SysenterCS = le.Uint64(b[0x228:])
	s.SysenterESP = le.Uint64(b[0x230:])
	s.SysenterEIP = le.Uint64(b[0x238:])
	s.CR2 = le.Uint64(b[0x240:])
	s.GPAT = le.Uint64(b[0x268:])
	s.DBGCTL = le.Uint64(b[0x270:])
	s.BrFrom = le.Uint64(b[0x278:])
	s.BrTo = le.Uint64(b[0x280:])
	s.LastExcpFrom = le.Uint64(b[0x288:])
	s.LastExcpTo = le.Uint64(b[0x290:])
	s.SpecCtrl = le.Uint64(b[0x2E0:])
}

// Store writes every named field of the state save area into b, the bytes at
// VMCB offsets 0x400–0x6E7 (offsets below are relative to 0x400); reserved
// bytes of b are not touched.
// Precondition: len(b) >= SaveSize; Store panics otherwise.
func (s *Save) Store(b []byte) {
	_ = b[SaveSize-1]
	s.ES.store(b[0x000:])
	s.CS.store(b[0x010:])
	s.SS.store(b[0x020:])
	s.DS.store(b[0x030:])
	s.FS.store(b[0x040:])
	s.GS.store(b[0x050:])
	s.GDTR.store(b[0x060:])
	s.LDTR.store(b[0x070:])
	s.IDTR.store(b[0x080:])
	s.TR.store(b[0x090:])
	b[0x0CA] = s.VMPL
	b[0x0CB] = s.CPL
	le.PutUint64(b[0x0D0:], s.EFER)
	le.PutUint64(b[0x148:], s.CR4)
	le.PutUint64(b[0x150:], s.CR3)
	le.PutUint64(b[0x158:], s.CR0)
	le.PutUint64(b[0x160:], s.DR7)
	le.PutUint64(b[0x168:], s.DR6)
	le.PutUint64(b[0x170:], s.RFLAGS)
	le.PutUint64(b[0x178:], s.RIP)
	le.PutUint64(b[0x1D8:], s.RSP)
	le.PutUint64(b[0x1E0:], s.SCET)
	le.PutUint64(b[0x1E8:], s.SSP)
	le.PutUint64(b[0x1F0:], s.ISSTAddr)
	le.PutUint64(b[0x1F8:], s.RAX)
	le.PutUint64(b[0x200:], s.STAR)
	le.PutUint64(b[0x208:], s.LSTAR)
	le.PutUint64(b[0x210:], s.CSTAR)
	le.PutUint64(b[0x218:], s.SFMASK)
	le.PutUint64(b[0x220:], s.KernelGSBase)
	le.PutUint64(b[0x228:], s.SysenterCS)
	le.PutUint64(b[0x230:], s.SysenterESP)
	le.PutUint64(b[0x238:], s.SysenterEIP)
	le.PutUint64(b[0x240:], s.CR2)
	le.PutUint64(b[0x268:], s.GPAT)
	le.PutUint64(b[0x270:], s.DBGCTL)
	le.PutUint64(b[0x278:], s.BrFrom)
	le.PutUint64(b[0x280:], s.BrTo)
	le.PutUint64(b[0x288:], s.LastExcpFrom)
	le.PutUint64(b[0x290:], s.LastExcpTo)
	le.PutUint64(b[0x2E0:], s.SpecCtrl)
}

// load reads a segment from its 16-byte VMCB image.
func (s *Segment) load(b []byte) {
	_ = b[15]
	s.Selector = le.Uint16(b[0:])
	s.Attrib = le.Uint16(b[2:])
	s.Limit = le.Uint32(b[4:])
	s.Base = le.Uint64(b[8:])
}

// store writes a segment as its 16-byte VMCB image.
func (s *Segment) store(b []byte) {
	_ = b[15]
	le.PutUint16(b[0:], s.Selector)
	le.PutUint16(b[2:], s.Attrib)
	le.PutUint32(b[4:], s.Limit)
	le.PutUint64(b[8:], s.Base)
}
