package kvm

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/bobuhiro11/gokvm/cpuid"
	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"github.com/govmm/govmm/x86/svm"
	"golang.org/x/sys/unix"
)

// Reasons why the kvm backend cannot run nested SVM guests on a host.
// Probe's and New's errors wrap one of these (or ErrNoSVM), so callers can
// tell them apart with errors.Is.
var (
	// ErrNotAMD: the host CPU is not an AMD (or Hygon) processor. KVM on
	// Intel nests VMX, not SVM.
	ErrNotAMD = errors.New("the host CPU is not AMD")
	// ErrNoDevice: the KVM device node does not exist.
	ErrNoDevice = errors.New("no KVM device")
	// ErrPermission: the KVM device exists but cannot be opened read-write.
	ErrPermission = errors.New("permission denied on the KVM device")
	// ErrNotKVM: the device node does not answer KVM's ioctls, or speaks
	// another API version.
	ErrNotKVM = errors.New("not a KVM device")
	// ErrNestedDisabled: kvm_amd's nested parameter is off (or kvm_amd is
	// not loaded).
	ErrNestedDisabled = errors.New("nested SVM is disabled in kvm_amd")
	// ErrMissingCap: host KVM lacks a capability the backend needs.
	ErrMissingCap = errors.New("host KVM lacks a required capability")
)

// Host names the host interfaces Probe reads. Tests point them elsewhere.
type Host struct {
	// Device is the KVM device node, normally /dev/kvm.
	Device string
	// NestedParam is kvm_amd's nested module parameter, normally
	// /sys/module/kvm_amd/parameters/nested.
	NestedParam string
	// CPUID executes the host's CPUID instruction for leaf (subleaf 0);
	// nil means the real instruction.
	CPUID func(leaf uint32) (eax, ebx, ecx, edx uint32)
}

// DefaultHost is the real host.
var DefaultHost = Host{
	Device:      "/dev/kvm",
	NestedParam: "/sys/module/kvm_amd/parameters/nested",
}

func (h Host) cpuid(leaf uint32) (eax, ebx, ecx, edx uint32) {
	if h.CPUID != nil {
		return h.CPUID(leaf)
	}
	return cpuid.CPUID(leaf)
}

// Report is what Probe found out about the host's KVM, for nested SVM.
type Report struct {
	Vendor  string // host CPUID vendor string, e.g. "AuthenticAMD"
	HostSVM bool   // host CPUID 8000_0001h ECX.SVM (clear in a VM without nested virtualization)

	Device     string // the device node probed
	Opened     bool   // the device was opened read-write
	DeviceErr  error  // why it could not be opened (wraps ErrNoDevice, ErrPermission, ...)
	APIVersion int    // KVM_GET_API_VERSION (12), 0 if unknown

	NestedParam string // kvm_amd's nested parameter as read ("" if unreadable)
	Nested      bool   // the parameter is on

	// From KVM_GET_SUPPORTED_CPUID: what KVM can offer a guest.
	GuestSVM    bool         // 8000_0001h ECX.SVM
	SVMRevision uint32       // 8000_000Ah EAX[7:0]
	ASIDs       uint32       // 8000_000Ah EBX
	SVMFeatures svm.Features // 8000_000Ah EDX

	// NestedStateSize is KVM_CHECK_EXTENSION(KVM_CAP_NESTED_STATE): the
	// largest KVM_GET_NESTED_STATE blob (4224 for SVM: a 128-byte header
	// and a 4 KiB vmcb12), 0 when nested state cannot be saved.
	NestedStateSize int

	// Capabilities (KVM_CHECK_EXTENSION) by name.
	Caps map[string]bool

	// Err is nil when the kvm backend can run nested SVM guests here, and
	// otherwise the first reason it cannot (wrapping one of the Err*
	// values above or ErrNoSVM).
	Err error
}

// NRIPS reports whether KVM can offer NRIP save to an L1 hypervisor.
func (r *Report) NRIPS() bool { return r.SVMFeatures.Has(svm.FeatureNRIPS) }

// NPT reports whether KVM can offer nested paging to an L1 hypervisor.
func (r *Report) NPT() bool { return r.SVMFeatures.Has(svm.FeatureNP) }

// probedCaps are the capabilities Probe lists; required ones make the
// backend unavailable when absent.
var probedCaps = []struct {
	name     string
	cap      int
	required bool
}{
	{"irqchip", CapIRQChip, true},
	{"pit2", CapPIT2, true},
	{"vcpu-events", CapVCPUEvents, false},
	{"set-guest-debug", CapSetGuestDebug, false},
	{"enable-cap", CapEnableCap, false},
	{"enable-cap-vm", CapEnableCapVM, false},
	{"exception-payload", CapExceptionPayload, false},
	{"triple-fault-event", CapX86TripleFaultEvent, false},
}

// Probe examines the real host. See Host.Probe.
func Probe() Report { return DefaultHost.Probe() }

// Available reports why the kvm backend cannot run nested SVM guests on
// this host, or nil when it can: what `--backend auto` asks.
func Available() error {
	r := Probe()
	return r.Err
}

// Probe examines the host: the CPU vendor and SVM bit (host CPUID), the
// KVM device and API version, kvm_amd's nested parameter, the SVM that
// KVM_GET_SUPPORTED_CPUID offers guests, the nested-state size and a few
// capabilities. It gathers as much as it can and sets Err to the first
// reason, in this order, that rules nested SVM out: not an AMD CPU, no
// device, no permission, not KVM, a missing required capability, nested
// disabled, no SVM offered to guests.
func (h Host) Probe() Report {
	r := Report{Device: h.Device, Caps: map[string]bool{}}
	fail := func(err error) {
		if r.Err == nil {
			r.Err = err
		}
	}

	_, b, c, d := h.cpuid(0)
	r.Vendor = vendorString(b, d, c)
	if maxExt, _, _, _ := h.cpuid(0x80000000); maxExt >= leafExtFeatures {
		_, _, ecx, _ := h.cpuid(leafExtFeatures)
		r.HostSVM = ecx&svm.CPUIDExtFeatureECXSVM != 0
	}
	if r.Vendor != "AuthenticAMD" && r.Vendor != "HygonGenuine" {
		fail(fmt.Errorf("%w: host CPU vendor is %q; govmm's kvm backend needs AMD SVM (KVM on Intel offers nested VMX, not SVM)", ErrNotAMD, r.Vendor))
	}

	h.probeNested(&r)

	fd, err := openDevice(h.Device)
	r.DeviceErr = err
	if err != nil {
		if errors.Is(err, ErrNoDevice) {
			if r.HostSVM {
				err = fmt.Errorf("%w; load kvm_amd (modprobe kvm_amd nested=1)", err)
			} else {
				err = fmt.Errorf("%w; the host CPU does not advertise SVM (CPUID 8000_0001h ECX bit 2 is clear): this machine is itself a VM without nested virtualization, or SVM is disabled in the firmware", err)
			}
		}
		fail(err)
		return r
	}
	defer unix.Close(fd)
	r.Opened = true
	kfd := uintptr(fd)
	v, err := gokvm.GetAPIVersion(kfd)
	if err != nil {
		fail(fmt.Errorf("%w: KVM_GET_API_VERSION on %s: %v", ErrNotKVM, h.Device, err))
		return r
	}
	r.APIVersion = int(v)
	if r.APIVersion != APIVersion {
		fail(fmt.Errorf("%w: %s speaks KVM API version %d, want %d", ErrNotKVM, h.Device, r.APIVersion, APIVersion))
		return r
	}
	for _, pc := range probedCaps {
		n, err := CheckExtension(kfd, pc.cap)
		r.Caps[pc.name] = err == nil && n > 0
		if pc.required && !r.Caps[pc.name] {
			fail(fmt.Errorf("%w: %s (capability %d)", ErrMissingCap, pc.name, pc.cap))
		}
	}
	if n, err := CheckExtension(kfd, CapNestedState); err == nil {
		r.NestedStateSize = n
	}
	entries, err := supportedCPUID(kfd)
	if err != nil {
		fail(err)
		return r
	}
	if i := findLeaf(entries, leafExtFeatures); i >= 0 {
		r.GuestSVM = entries[i].Ecx&svm.CPUIDExtFeatureECXSVM != 0
	}
	if i := findLeaf(entries, leafSVM); i >= 0 {
		r.SVMRevision = entries[i].Eax & 0xff
		r.ASIDs = entries[i].Ebx
		r.SVMFeatures = svm.Features(entries[i].Edx)
	}
	if !r.Nested {
		if r.NestedParam == "" {
			fail(fmt.Errorf("%w: cannot read %s (is kvm_amd loaded?)", ErrNestedDisabled, h.NestedParam))
		} else {
			fail(fmt.Errorf("%w: %s is %q; reload it with nested=1 (modprobe -r kvm_amd && modprobe kvm_amd nested=1)", ErrNestedDisabled, h.NestedParam, r.NestedParam))
		}
	}
	if !r.GuestSVM {
		fail(ErrNoSVM)
	}
	return r
}

// probeNested reads kvm_amd's nested parameter.
func (h Host) probeNested(r *Report) {
	b, err := os.ReadFile(h.NestedParam)
	if err != nil {
		return
	}
	r.NestedParam = strings.TrimSpace(string(b))
	r.Nested = parseNested(r.NestedParam)
}

// parseNested interprets a nested module parameter: kvm_amd prints an int
// ("1"), kvm_intel a bool ("Y").
func parseNested(v string) bool {
	switch strings.TrimSpace(v) {
	case "1", "Y", "y":
		return true
	}
	return false
}

// openDevice opens the KVM device read-write, with errors that say why not.
func openDevice(path string) (int, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, deviceError(path, err)
	}
	return fd, nil
}

// deviceError explains a failure to open the KVM device.
func deviceError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s does not exist", ErrNoDevice, path)
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EPERM):
		return fmt.Errorf("%w: cannot open %s read-write (%v): run as root or join the group that owns it (usually kvm)", ErrPermission, path, err)
	default:
		return fmt.Errorf("opening %s: %w", path, err)
	}
}

// vendorString assembles the CPUID leaf 0 vendor string from EBX, EDX, ECX.
func vendorString(regs ...uint32) string {
	var b []byte
	for _, r := range regs {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return strings.TrimRight(string(b), "\x00")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// WriteTo prints the report for humans, one "key: value" line per fact,
// ending with the verdict.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	line := func(k, f string, a ...any) { fmt.Fprintf(&b, "%-18s %s\n", k+":", fmt.Sprintf(f, a...)) }
	line("host CPU", "%s (SVM in host CPUID: %s)", r.Vendor, yesNo(r.HostSVM))
	switch {
	case !r.Opened:
		line("KVM device", "%v", r.DeviceErr)
	case r.APIVersion != 0:
		line("KVM device", "%s, API version %d", r.Device, r.APIVersion)
	default:
		line("KVM device", "%s: no KVM API", r.Device)
	}
	if r.NestedParam == "" {
		line("kvm_amd nested", "unknown (parameter not readable)")
	} else {
		line("kvm_amd nested", "%s (%s)", r.NestedParam, map[bool]string{true: "enabled", false: "disabled"}[r.Nested])
	}
	if r.APIVersion == APIVersion {
		if r.GuestSVM {
			line("SVM for guests", "yes, revision %d, %d ASIDs", r.SVMRevision, r.ASIDs)
		} else {
			line("SVM for guests", "no")
		}
		line("SVM features", "%v", r.SVMFeatures)
		line("NRIPS", "%s", yesNo(r.NRIPS()))
		line("NPT", "%s", yesNo(r.NPT()))
		if r.NestedStateSize > 0 {
			line("nested state", "%d bytes (KVM_CAP_NESTED_STATE)", r.NestedStateSize)
		} else {
			line("nested state", "not supported")
		}
		var caps []string
		for _, pc := range probedCaps {
			if r.Caps[pc.name] {
				caps = append(caps, pc.name)
			} else {
				caps = append(caps, "-"+pc.name)
			}
		}
		line("capabilities", "%s", strings.Join(caps, " "))
	}
	if r.Err == nil {
		line("kvm backend", "available: nested SVM guests can run on /dev/kvm")
	} else {
		line("kvm backend", "unavailable: %v", r.Err)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
