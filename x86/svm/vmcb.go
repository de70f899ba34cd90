package svm

import "strings"

// Sizes and offsets of the VMCB areas (APM vol. 2, appendix B).
const (
	// VMCBSize is the size of a VMCB: one 4 KiB page, 4 KiB aligned.
	VMCBSize = 0x1000
	// ControlSize is the size of the control area at offset 0x000.
	ControlSize = 0x400
	// SaveOffset is the offset of the state save area in the VMCB.
	SaveOffset = 0x400
	// SaveSize is the size of the state save area (KVM: EXPECTED_VMCB_SAVE_AREA_SIZE).
	SaveSize = 0x2E8
	// NumInterceptWords is the number of 32-bit intercept words at 0x000
	// (KVM: MAX_INTERCEPT).
	NumInterceptWords = 6
	// MaxInsnBytes is the size of the guest instruction bytes field at 0x0D1.
	MaxInsnBytes = 15
)

// VMCB is a Virtual Machine Control Block: the control area followed by the
// state save area, padded to one page (APM vol. 2, appendix B). Its Go layout
// equals the APM layout; use Load/Store or MarshalBinary/UnmarshalBinary to
// move it to and from guest memory.
type VMCB struct {
	Control // 0x000–0x3FF
	Save    // 0x400–0x6E7

	_ [VMCBSize - ControlSize - SaveSize]byte // reserved 0x6E8–0xFFF
}

// Control is the VMCB control area, offsets 0x000–0x3FF (APM vol. 2, table
// B-1; KVM: struct vmcb_control_area). Each field comment gives the offset, the
// APM name and the KVM name. Fields written by the processor at #VMEXIT are
// marked "out"; fields that are read at VMRUN and written at #VMEXIT are "in/out".
type Control struct {
	// Intercepts is the intercept vector, one bit per [Intercept] (KVM:
	// intercepts[MAX_INTERCEPT]):
	//   word 0, 0x000: CR0–15 read (bits 15:0), CR0–15 write (bits 31:16)
	//   word 1, 0x004: DR0–15 read (bits 15:0), DR0–15 write (bits 31:16)
	//   word 2, 0x008: exception vectors 0–31
	//   word 3, 0x00C: misc 1, INTR … SHUTDOWN
	//   word 4, 0x010: misc 2, VMRUN … CR0–15 write traps
	//   word 5, 0x014: misc 3, INVLPGB … IDLE_HLT
	// Use Intercepted, SetIntercept and ClearIntercept to access it.
	Intercepts [NumInterceptWords]uint32 // 0x000 intercept vector (KVM: intercepts)

	_ [0x03C - 0x018]byte // reserved 0x018–0x03B (KVM: reserved_1)

	PauseFilterThreshold uint16     // 0x03C PAUSE_FILTER_THRESHOLD, in cycles (KVM: pause_filter_thresh)
	PauseFilterCount     uint16     // 0x03E PAUSE_FILTER_COUNT (KVM: pause_filter_count)
	IOPMBasePA           uint64     // 0x040 IOPM_BASE_PA, physical address of the 12 KiB I/O permission map; bits 11:0 ignored (KVM: iopm_base_pa)
	MSRPMBasePA          uint64     // 0x048 MSRPM_BASE_PA, physical address of the 8 KiB MSR permission map; bits 11:0 ignored (KVM: msrpm_base_pa)
	TSCOffset            uint64     // 0x050 TSC_OFFSET, added to the guest's view of the TSC (KVM: tsc_offset)
	ASID                 uint32     // 0x058 Guest ASID; 0 is the host's and illegal for VMRUN (KVM: asid)
	TLBControl           TLBControl // 0x05C TLB_CONTROL (KVM: tlb_ctl)
	ERAPCtl              uint8      // 0x05D ERAP_CTL, enhanced return address predictor control; recent AMD addition (KVM: erap_ctl)

	_ [0x060 - 0x05E]byte // reserved 0x05E–0x05F (KVM: reserved_2)

	IntCtl    uint32 // 0x060 V_TPR, V_IRQ, VGIF, vNMI, V_INTR_PRIO, V_IGN_TPR, V_INTR_MASKING, …; IntCtl* bits (KVM: int_ctl)
	IntVector uint32 // 0x064 V_INTR_VECTOR in bits 7:0, see IntVectorMask (KVM: int_vector)
	IntState  uint32 // 0x068 INTERRUPT_SHADOW, GUEST_INTERRUPT_MASK; IntState* bits, in/out (KVM: int_state)

	_ [0x070 - 0x06C]byte // reserved 0x06C–0x06F (KVM: reserved_3)

	ExitCode    ExitCode // 0x070 EXITCODE, out, 64 bits (KVM: exit_code, older KVM exit_code + exit_code_hi)
	ExitInfo1   uint64   // 0x078 EXITINFO1, out (KVM: exit_info_1)
	ExitInfo2   uint64   // 0x080 EXITINFO2, out (KVM: exit_info_2)
	ExitIntInfo Event    // 0x088 EXITINTINFO, out; error code in bits 63:32 (KVM: exit_int_info + exit_int_info_err)
	MiscCtl     uint64   // 0x090 NP_ENABLE, SEV, SEV-ES, …; MiscCtl* bits (KVM: nested_ctl, newest misc_ctl)
	AVICAPICBar uint64   // 0x098 AVIC_APIC_BAR, bits 51:0 (KVM: avic_vapic_bar)
	GHCBPA      uint64   // 0x0A0 guest physical address of the GHCB, SEV-ES (KVM: ghcb_gpa)
	EventInj    Event    // 0x0A8 EVENTINJ, in; cleared by #VMEXIT; error code in bits 63:32 (KVM: event_inj + event_inj_err)
	NCR3        uint64   // 0x0B0 N_CR3, nested page table root (KVM: nested_cr3)
	MiscCtl2    uint64   // 0x0B8 LBR_VIRTUALIZATION_ENABLE, virtual VMSAVE/VMLOAD; MiscCtl2* bits (KVM: virt_ext, newest misc_ctl2)
	CleanBits   uint32   // 0x0C0 VMCB clean bits; Clean* bits (KVM: clean)

	_ [0x0C8 - 0x0C4]byte // reserved 0x0C4–0x0C7 (KVM: reserved_5)

	NRIP      uint64              // 0x0C8 nRIP, next sequential instruction pointer; in/out, see APM §15.7 (KVM: next_rip)
	InsnLen   uint8               // 0x0D0 number of bytes fetched, decode assists, out (KVM: insn_len)
	InsnBytes [MaxInsnBytes]uint8 // 0x0D1 guest instruction bytes, decode assists, out (KVM: insn_bytes)

	AVICBackingPage uint64 // 0x0E0 AVIC APIC_BACKING_PAGE pointer, bits 51:12 (KVM: avic_backing_page)

	_ [0x0F0 - 0x0E8]byte // reserved 0x0E8–0x0EF (KVM: reserved_6)

	AVICLogicalTable  uint64 // 0x0F0 AVIC_LOGICAL_TABLE pointer, bits 51:12 (KVM: avic_logical_id)
	AVICPhysicalTable uint64 // 0x0F8 AVIC_PHYSICAL_TABLE pointer bits 51:12, AVIC_PHYSICAL_MAX_INDEX bits 7:0 (KVM: avic_physical_id)

	_ [0x108 - 0x100]byte // reserved 0x100–0x107 (KVM: reserved_7)

	VMSAPA uint64 // 0x108 VMSA pointer, SEV-ES (KVM: vmsa_pa)

	_ [0x120 - 0x110]byte // reserved 0x110–0x11F (KVM: reserved_8)

	BusLockCounter uint16 // 0x120 bus lock threshold counter (KVM: bus_lock_counter)

	_ [0x138 - 0x122]byte // reserved 0x122–0x137 (KVM: reserved_9)

	AllowedSEVFeatures uint64 // 0x138 allowed SEV features, SEV-SNP (KVM: allowed_sev_features)
	GuestSEVFeatures   uint64 // 0x140 guest SEV features, SEV-SNP (KVM: guest_sev_features)

	_ [0x3E0 - 0x148]byte // reserved 0x148–0x3DF (KVM: reserved_10)

	// HostReserved is reserved for the host's (the hypervisor's) own use; the
	// processor never reads or writes it. Hyper-V enlightenments live here.
	HostReserved [0x400 - 0x3E0]byte // 0x3E0 reserved for host/software use (KVM: reserved_sw)
}

// Segment is a segment register in the VMCB's 16-byte format (APM vol. 2,
// table B-2; KVM: struct vmcb_seg). GDTR and IDTR use only Limit and Base.
type Segment struct {
	Selector uint16 // +0x0 selector (KVM: selector)
	Attrib   uint16 // +0x2 attributes, packed: see SegAttrib* (KVM: attrib)
	Limit    uint32 // +0x4 expanded 32-bit limit (KVM: limit)
	Base     uint64 // +0x8 base address (KVM: base)
}

// Bits of Segment.Attrib. The VMCB packs descriptor bits 47:40 into attrib
// bits 7:0 and descriptor bits 55:52 into attrib bits 11:8.
const (
	SegAttribTypeMask = 0xF     // bits 3:0 segment type (descriptor type field)
	SegAttribS        = 1 << 4  // bit 4 S, code/data (1) vs system (0)
	SegAttribDPLShift = 5       // shift of DPL
	SegAttribDPLMask  = 3 << 5  // bits 6:5 DPL
	SegAttribP        = 1 << 7  // bit 7 P, present
	SegAttribAVL      = 1 << 8  // bit 8 AVL, available to software
	SegAttribL        = 1 << 9  // bit 9 L, 64-bit code segment
	SegAttribDB       = 1 << 10 // bit 10 D/B, default operand size / big
	SegAttribG        = 1 << 11 // bit 11 G, granularity
	SegAttribMask     = 0xFFF   // bits 11:0, all defined attribute bits
)

// Save is the VMCB state save area, VMCB offsets 0x400–0x6E7 (APM vol. 2,
// table B-2; KVM: struct vmcb_save_area). Offsets in the comments are
// absolute VMCB offsets, with the offset relative to the save area after the
// slash.
type Save struct {
	ES   Segment // 0x400/0x000 ES (KVM: es)
	CS   Segment // 0x410/0x010 CS (KVM: cs)
	SS   Segment // 0x420/0x020 SS (KVM: ss)
	DS   Segment // 0x430/0x030 DS (KVM: ds)
	FS   Segment // 0x440/0x040 FS (KVM: fs)
	GS   Segment // 0x450/0x050 GS (KVM: gs)
	GDTR Segment // 0x460/0x060 GDTR, only limit and base (KVM: gdtr)
	LDTR Segment // 0x470/0x070 LDTR (KVM: ldtr)
	IDTR Segment // 0x480/0x080 IDTR, only limit and base (KVM: idtr)
	TR   Segment // 0x490/0x090 TR (KVM: tr)

	_ [0x0CA - 0x0A0]byte // reserved 0x4A0–0x4C9 (KVM: reserved_0xa0)

	VMPL uint8 // 0x4CA/0x0CA VMPL, SEV-SNP (KVM: vmpl)
	CPL  uint8 // 0x4CB/0x0CB CPL (KVM: cpl)

	_ [0x0D0 - 0x0CC]byte // reserved 0x4CC–0x4CF (KVM: reserved_0xcc)

	EFER uint64 // 0x4D0/0x0D0 EFER (KVM: efer)

	_ [0x148 - 0x0D8]byte // reserved 0x4D8–0x547 (KVM: reserved_0xd8)

	CR4    uint64 // 0x548/0x148 CR4 (KVM: cr4)
	CR3    uint64 // 0x550/0x150 CR3 (KVM: cr3)
	CR0    uint64 // 0x558/0x158 CR0 (KVM: cr0)
	DR7    uint64 // 0x560/0x160 DR7 (KVM: dr7)
	DR6    uint64 // 0x568/0x168 DR6 (KVM: dr6)
	RFLAGS uint64 // 0x570/0x170 RFLAGS (KVM: rflags)
	RIP    uint64 // 0x578/0x178 RIP (KVM: rip)

	_ [0x1D8 - 0x180]byte // reserved 0x580–0x5D7 (KVM: reserved_0x180)

	RSP          uint64 // 0x5D8/0x1D8 RSP (KVM: rsp)
	SCET         uint64 // 0x5E0/0x1E0 S_CET (KVM: s_cet)
	SSP          uint64 // 0x5E8/0x1E8 SSP (KVM: ssp)
	ISSTAddr     uint64 // 0x5F0/0x1F0 ISST_ADDR (KVM: isst_addr)
	RAX          uint64 // 0x5F8/0x1F8 RAX (KVM: rax)
	STAR         uint64 // 0x600/0x200 STAR (KVM: star)
	LSTAR        uint64 // 0x608/0x208 LSTAR (KVM: lstar)
	CSTAR        uint64 // 0x610/0x210 CSTAR (KVM: cstar)
	SFMASK       uint64 // 0x618/0x218 SFMASK (KVM: sfmask)
	KernelGSBase uint64 // 0x620/0x220 KernelGSbase (KVM: kernel_gs_base)
	SysenterCS   uint64 // 0x628/0x228 SYSENTER_CS (KVM: sysenter_cs)
	SysenterESP  uint64 // 0x630/0x230 SYSENTER_ESP (KVM: sysenter_esp)
	SysenterEIP  uint64 // 0x638/0x238 SYSENTER_EIP (KVM: sysenter_eip)
	CR2          uint64 // 0x640/0x240 CR2 (KVM: cr2)

	_ [0x268 - 0x248]byte // reserved 0x648–0x667 (KVM: reserved_0x248)

	GPAT         uint64 // 0x668/0x268 G_PAT, guest PAT for nested paging (KVM: g_pat)
	DBGCTL       uint64 // 0x670/0x270 DBGCTL (KVM: dbgctl)
	BrFrom       uint64 // 0x678/0x278 BR_FROM (KVM: br_from)
	BrTo         uint64 // 0x680/0x280 BR_TO (KVM: br_to)
	LastExcpFrom uint64 // 0x688/0x288 LASTEXCPFROM (KVM: last_excp_from)
	LastExcpTo   uint64 // 0x690/0x290 LASTEXCPTO (KVM: last_excp_to)

	_ [0x2E0 - 0x298]byte // reserved 0x698–0x6DF (KVM: reserved_0x298)

	SpecCtrl uint64 // 0x6E0/0x2E0 SPEC_CTRL, guest value with V_SPEC_CTRL (KVM: spec_ctrl)
}

// TLBControl is the TLB_CONTROL field at 0x05C (APM vol. 2, "TLB Control"). Values
// other than the four below are reserved.
type TLBControl uint8

// TLB_CONTROL values.
const (
	TLBControlDoNothing      TLBControl = 0 // do nothing (KVM: TLB_CONTROL_DO_NOTHING)
	TLBControlFlushAll       TLBControl = 1 // flush the entire TLB, all ASIDs (KVM: TLB_CONTROL_FLUSH_ALL_ASID)
	TLBControlFlushASID      TLBControl = 3 // flush this guest's ASID; needs FlushByAsid (KVM: TLB_CONTROL_FLUSH_ASID)
	TLBControlFlushASIDLocal TLBControl = 7 // flush this guest's non-global entries; needs FlushByAsid (KVM: TLB_CONTROL_FLUSH_ASID_LOCAL)
)

// TLBControlMask is bits 2:0, the bits that encode a TLB_CONTROL value.
const TLBControlMask TLBControl = 7

// String returns the name of a TLB_CONTROL value, or its hexadecimal value if
// it is reserved.
func (t TLBControl) String() string {
	switch t {
	case TLBControlDoNothing:
		return "DO_NOTHING"
	case TLBControlFlushAll:
		return "FLUSH_ALL_ASID"
	case TLBControlFlushASID:
		return "FLUSH_ASID"
	case TLBControlFlushASIDLocal:
		return "FLUSH_ASID_LOCAL"
	}
	return hex(uint64(t))
}

// Bits of Control.IntCtl, the int_ctl field at 0x060 (APM vol. 2, "Interrupt
// and Local APIC Support"; KVM: V_*_MASK in asm/svm.h).
const (
	IntCtlVTPRMask       = 0xF       // bits 3:0 V_TPR, virtual TPR (APM: bits 7:0, only 3:0 used) (KVM: V_TPR_MASK)
	IntCtlVIRQ           = 1 << 8    // V_IRQ, virtual interrupt pending (KVM: V_IRQ_MASK)
	IntCtlVGIF           = 1 << 9    // VGIF, virtual GIF value (KVM: V_GIF_MASK)
	IntCtlVNMIPending    = 1 << 11   // V_NMI, virtual NMI pending (KVM: V_NMI_PENDING_MASK)
	IntCtlVNMIBlocking   = 1 << 12   // V_NMI_MASK, virtual NMI blocked (KVM: V_NMI_BLOCKING_MASK)
	IntCtlVIntrPrioShift = 16        // shift of V_INTR_PRIO (KVM: V_INTR_PRIO_SHIFT)
	IntCtlVIntrPrioMask  = 0xF << 16 // bits 19:16 V_INTR_PRIO, priority of the virtual interrupt (KVM: V_INTR_PRIO_MASK)
	IntCtlVIgnTPR        = 1 << 20   // V_IGN_TPR, ignore the TPR for the virtual interrupt (KVM: V_IGN_TPR_MASK)
	IntCtlVIntrMasking   = 1 << 24   // V_INTR_MASKING, virtualize EFLAGS.IF masking of INTR (KVM: V_INTR_MASKING_MASK)
	IntCtlVGIFEnable     = 1 << 25   // virtual GIF enable (KVM: V_GIF_ENABLE_MASK)
	IntCtlVNMIEnable     = 1 << 26   // virtual NMI enable (KVM: V_NMI_ENABLE_MASK)
	IntCtlX2AVICEnable   = 1 << 30   // x2AVIC enable (KVM: X2APIC_MODE_MASK)
	IntCtlAVICEnable     = 1 << 31   // AVIC enable (KVM: AVIC_ENABLE_MASK)
)

// IntVectorMask is bits 7:0 of Control.IntVector at 0x064, V_INTR_VECTOR.
const IntVectorMask = 0xFF

// Bits of Control.IntState at 0x068.
const (
	IntStateInterruptShadow    = 1 << 0 // INTERRUPT_SHADOW: the guest is in an STI/MOV SS shadow (KVM: SVM_INTERRUPT_SHADOW_MASK)
	IntStateGuestInterruptMask = 1 << 1 // GUEST_INTERRUPT_MASK: the guest's RFLAGS.IF, written at #VMEXIT [APM?] (KVM: SVM_GUEST_INTERRUPT_MASK)
)

// Bits of Control.MiscCtl at 0x090 (KVM: SVM_NESTED_CTL_*).
const (
	MiscCtlNPEnable    = 1 << 0 // NP_ENABLE, nested paging (KVM: SVM_NESTED_CTL_NP_ENABLE)
	MiscCtlSEVEnable   = 1 << 1 // SEV enable (KVM: SVM_NESTED_CTL_SEV_ENABLE)
	MiscCtlSEVESEnable = 1 << 2 // SEV-ES enable (KVM: SVM_NESTED_CTL_SEV_ES_ENABLE)
	MiscCtlGMETEnable  = 1 << 3 // guest mode execute trap enable [APM?]
	MiscCtlSSSCheckEn  = 1 << 4 // supervisor shadow stack check enable [APM?]
)

// Bits of Control.MiscCtl2 at 0x0B8 (KVM: virt_ext bits).
const (
	MiscCtl2LBRVirtEnable     = 1 << 0 // LBR_VIRTUALIZATION_ENABLE (KVM: LBR_CTL_ENABLE_MASK)
	MiscCtl2VVMSaveLoadEnable = 1 << 1 // virtualized VMSAVE/VMLOAD enable (KVM: VIRTUAL_VMLOAD_VMSAVE_ENABLE_MASK)
)

// Bits of Control.CleanBits at 0x0C0 (APM vol. 2, "VMCB Clean Bits"; KVM: enum in
// kvm/svm/svm.h). A set bit tells the processor the area is unchanged since
// the last VMRUN with this VMCB; the processor may ignore any bit.
const (
	CleanIntercepts = 1 << 0  // I: intercept vectors, TSC_OFFSET, pause filter count (KVM: VMCB_INTERCEPTS)
	CleanIOPM       = 1 << 1  // IOPM: IOPM_BASE_PA, MSRPM_BASE_PA (KVM: VMCB_PERM_MAP)
	CleanASID       = 1 << 2  // ASID (KVM: VMCB_ASID)
	CleanTPR        = 1 << 3  // TPR: int_ctl and int_vector (KVM: VMCB_INTR)
	CleanNP         = 1 << 4  // NP: NP_ENABLE, N_CR3, G_PAT (KVM: VMCB_NPT)
	CleanCRx        = 1 << 5  // CRx: CR0, CR3, CR4, EFER (KVM: VMCB_CR)
	CleanDRx        = 1 << 6  // DRx: DR6, DR7 (KVM: VMCB_DR)
	CleanDT         = 1 << 7  // DT: GDTR, IDTR (KVM: VMCB_DT)
	CleanSeg        = 1 << 8  // SEG: CS, DS, SS, ES, CPL (KVM: VMCB_SEG)
	CleanCR2        = 1 << 9  // CR2 (KVM: VMCB_CR2)
	CleanLBR        = 1 << 10 // LBR: DBGCTL, BR_FROM, BR_TO, LASTEXCPFROM, LASTEXCPTO (KVM: VMCB_LBR)
	CleanAVIC       = 1 << 11 // AVIC: APIC_BAR, backing page, logical and physical tables (KVM: VMCB_AVIC)
	CleanCET        = 1 << 12 // CET: S_CET, SSP, ISST_ADDR [APM?] (KVM: VMCB_CET)
	CleanSW         = 1 << 31 // reserved for software; Hyper-V enlightenments (KVM: VMCB_SW)
)

// Features is the EDX feature bitmask of CPUID Fn8000_000A (APM vol. 3,
// appendix E; Linux: word 15 of cpufeatures.h).
type Features uint32

// CPUID Fn8000_000A EDX bits.
const (
	FeatureNP                   Features = 1 << 0  // nested paging (Linux: NPT)
	FeatureLbrVirt              Features = 1 << 1  // LBR virtualization (Linux: LBRV)
	FeatureSVML                 Features = 1 << 2  // SVM lock (Linux: SVML)
	FeatureNRIPS                Features = 1 << 3  // NextRIP save on #VMEXIT (Linux: NRIPS)
	FeatureTscRateMsr           Features = 1 << 4  // MSR-based TSC rate control (Linux: TSCRATEMSR)
	FeatureVmcbClean            Features = 1 << 5  // VMCB clean bits (Linux: VMCBCLEAN)
	FeatureFlushByAsid          Features = 1 << 6  // TLB_CONTROL 3 and 7 (Linux: FLUSHBYASID)
	FeatureDecodeAssists        Features = 1 << 7  // decode assists (Linux: DECODEASSISTS)
	FeaturePauseFilter          Features = 1 << 10 // PAUSE intercept filter (Linux: PAUSEFILTER)
	FeaturePauseFilterThreshold Features = 1 << 12 // PAUSE filter threshold (Linux: PFTHRESHOLD)
	FeatureAVIC                 Features = 1 << 13 // AMD virtual interrupt controller (Linux: AVIC)
	FeatureVMSAVEvirt           Features = 1 << 15 // virtualized VMSAVE/VMLOAD (Linux: V_VMSAVE_VMLOAD)
	FeatureVGIF                 Features = 1 << 16 // virtualized GIF (Linux: VGIF)
	FeatureGMET                 Features = 1 << 17 // guest mode execute trap [APM?]
	FeatureX2AVIC               Features = 1 << 18 // x2APIC mode for AVIC (Linux: X2AVIC)
	FeatureSSSCheck             Features = 1 << 19 // supervisor shadow stack check [APM?]
	FeatureSpecCtrl             Features = 1 << 20 // virtualized SPEC_CTRL (Linux: V_SPEC_CTRL)
	FeatureVNMI                 Features = 1 << 25 // virtual NMI (Linux: VNMI)
	FeatureSvmeAddrChk          Features = 1 << 28 // VMRUN/VMLOAD/VMSAVE address check (Linux: SVME_ADDR_CHK)
	FeatureBusLockThreshold     Features = 1 << 29 // bus lock threshold [APM?] (Linux: BUS_LOCK_THRESHOLD)
	FeatureIdleHLT              Features = 1 << 30 // idle HLT intercept [APM?] (Linux: IDLE_HLT)
)

// featureNames lists the Features bits in bit order for String.
var featureNames = [...]struct {
	f    Features
	name string
}{
	{FeatureNP, "NP"},
	{FeatureLbrVirt, "LbrVirt"},
	{FeatureSVML, "SVML"},
	{FeatureNRIPS, "NRIPS"},
	{FeatureTscRateMsr, "TscRateMsr"},
	{FeatureVmcbClean, "VmcbClean"},
	{FeatureFlushByAsid, "FlushByAsid"},
	{FeatureDecodeAssists, "DecodeAssists"},
	{FeaturePauseFilter, "PauseFilter"},
	{FeaturePauseFilterThreshold, "PauseFilterThreshold"},
	{FeatureAVIC, "AVIC"},
	{FeatureVMSAVEvirt, "VMSAVEvirt"},
	{FeatureVGIF, "VGIF"},
	{FeatureGMET, "GMET"},
	{FeatureX2AVIC, "x2AVIC"},
	{FeatureSSSCheck, "SSSCheck"},
	{FeatureSpecCtrl, "SpecCtrl"},
	{FeatureVNMI, "VNMI"},
	{FeatureSvmeAddrChk, "SvmeAddrChk"},
	{FeatureBusLockThreshold, "BusLockThreshold"},
	{FeatureIdleHLT, "IdleHLT"},
}

// Has reports whether every bit of g is set in f.
func (f Features) Has(g Features) bool { return f&g == g }

// String returns the set bits' names joined by "|", with any unnamed bits as
// a trailing hexadecimal value; 0 prints as "0".
func (f Features) String() string {
	if f == 0 {
		return "0"
	}
	var s string
	rest := f
	for _, n := range featureNames {
		if f&n.f != 0 {
			if s != "" {
				s += "|"
			}
			s += n.name
			rest &^= n.f
		}
	}
	if rest != 0 {
		if s != "" {
			s += "|"
		}
		s += hex(uint64(rest))
	}
	return s
}

// CPUID leaves and bits that describe SVM.
const (
	// CPUIDFnSVM is CPUID Fn8000_000A: EAX[7:0] SVM revision, EBX number of
	// ASIDs, EDX [Features].
	CPUIDFnSVM = 0x8000000A
	// CPUIDExtFeatureECXSVM is CPUID Fn8000_0001 ECX bit 2, SVM supported.
	CPUIDExtFeatureECXSVM = 1 << 2
)

// SVM model-specific registers (APM vol. 2, "SVM Related MSRs").
const (
	MSRVMCR      = 0xC0010114 // VM_CR (KVM: MSR_VM_CR)
	MSRVMIGNNE   = 0xC0010115 // VM_IGNNE (KVM: MSR_VM_IGNNE)
	MSRVMHSavePA = 0xC0010117 // VM_HSAVE_PA, host save area physical address (KVM: MSR_VM_HSAVE_PA)
	MSRTSCRatio  = 0xC0000104 // TSC_RATIO, guest TSC frequency ratio, 8.32 fixed point (KVM: MSR_AMD64_TSC_RATIO)
)

// Bits of the VM_CR MSR.
const (
	VMCRDPD       = 1 << 0 // DPD, disable debug port
	VMCRRInit     = 1 << 1 // R_INIT, INIT is redirected to #SX
	VMCRDisA20M   = 1 << 2 // DIS_A20M, A20 masking disabled
	VMCRLock      = 1 << 3 // LOCK, SVMDIS is read-only (KVM: SVM_VM_CR_SVM_LOCK_MASK)
	VMCRSVMDis    = 1 << 4 // SVMDIS, EFER.SVME cannot be set (KVM: SVM_VM_CR_SVM_DIS_MASK)
	VMCRValidMask = 0x1F   // bits 4:0, every defined VM_CR bit (KVM: SVM_VM_CR_VALID_MASK)
)

// TSC_RATIO values.
const (
	TSCRatioDefault      = 1 << 32            // ratio 1.0, the reset value (KVM: SVM_TSC_RATIO_DEFAULT)
	TSCRatioReservedMask = 0xFFFFFF0000000000 // bits 63:40 reserved (KVM: SVM_TSC_RATIO_RSVD)
)

// EFERSVME is EFER bit 12, SVME: SVM instructions enabled (KVM: EFER_SVME).
const EFERSVME = 1 << 12

// FeatureByName returns the feature bit named name (as String spells it,
// case-insensitively).
func FeatureByName(name string) (Features, bool) {
	for _, n := range featureNames {
		if strings.EqualFold(n.name, name) {
			return n.f, true
		}
	}
	return 0, false
}
