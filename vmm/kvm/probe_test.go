package kvm

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fakeCPUID returns a host CPUID with the given vendor and SVM bit.
func fakeCPUID(vendor string, svmBit bool) func(uint32) (uint32, uint32, uint32, uint32) {
	v := []byte(vendor + strings.Repeat("\x00", 12))
	w := func(i int) uint32 {
		return uint32(v[i]) | uint32(v[i+1])<<8 | uint32(v[i+2])<<16 | uint32(v[i+3])<<24
	}
	return func(leaf uint32) (uint32, uint32, uint32, uint32) {
		switch leaf {
		case 0:
			return 0x10, w(0), w(8), w(4) // EBX, ECX, EDX = chars 0-3, 8-11, 4-7
		case 0x80000000:
			return 0x80000021, 0, 0, 0
		case 0x80000001:
			if svmBit {
				return 0, 0, 1 << 2, 0
			}
		}
		return 0, 0, 0, 0
	}
}

func writeParam(t *testing.T, v string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "nested")
	if err := os.WriteFile(p, []byte(v+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProbeNoDevice(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		host    Host
		err     error
		mention []string
		nested  bool
		param   string
	}{
		{
			name: "no device, AMD host with SVM",
			host: Host{Device: filepath.Join(dir, "kvm"), NestedParam: writeParam(t, "1"), CPUID: fakeCPUID("AuthenticAMD", true)},
			err:  ErrNoDevice, mention: []string{"does not exist", filepath.Join(dir, "kvm"), "modprobe kvm_amd"}, nested: true, param: "1",
		},
		{
			name: "no device, AMD VM without nested virtualization",
			host: Host{Device: filepath.Join(dir, "kvm"), NestedParam: filepath.Join(dir, "none"), CPUID: fakeCPUID("AuthenticAMD", false)},
			err:  ErrNoDevice, mention: []string{"does not advertise SVM", "VM without nested virtualization"},
		},
		{
			name: "Intel host comes first",
			host: Host{Device: filepath.Join(dir, "kvm"), NestedParam: writeParam(t, "Y"), CPUID: fakeCPUID("GenuineIntel", false)},
			err:  ErrNotAMD, mention: []string{`"GenuineIntel"`, "VMX"}, nested: true, param: "Y",
		},
		{
			name: "nested parameter off is still reported",
			host: Host{Device: filepath.Join(dir, "kvm"), NestedParam: writeParam(t, "0"), CPUID: fakeCPUID("AuthenticAMD", true)},
			err:  ErrNoDevice, param: "0",
		},
		{
			name: "a device that is not KVM",
			host: Host{Device: os.DevNull, NestedParam: writeParam(t, "1"), CPUID: fakeCPUID("AuthenticAMD", true)},
			err:  ErrNotKVM, mention: []string{"KVM_GET_API_VERSION", os.DevNull}, nested: true, param: "1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.host.Probe()
			if !errors.Is(r.Err, tc.err) {
				t.Fatalf("Err = %v, want %v", r.Err, tc.err)
			}
			for _, m := range tc.mention {
				if !strings.Contains(r.Err.Error(), m) {
					t.Errorf("error %q does not mention %q", r.Err, m)
				}
			}
			if r.Nested != tc.nested || r.NestedParam != tc.param {
				t.Errorf("nested %v %q, want %v %q", r.Nested, r.NestedParam, tc.nested, tc.param)
			}
			var b strings.Builder
			if _, err := r.WriteTo(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, want := range []string{"host CPU:", "KVM device:", "kvm_amd nested:", "kvm backend:", "unavailable: " + r.Err.Error()} {
				if !strings.Contains(out, want) {
					t.Errorf("report lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestProbeThisHost runs the real probe. Without /dev/kvm (the CI machines)
// it must say so precisely; with it, the report is logged.
func TestProbeThisHost(t *testing.T) {
	r := Probe()
	var b strings.Builder
	r.WriteTo(&b)
	t.Logf("govmm probe on this host:\n%s", b.String())
	if err := Available(); (err == nil) != (r.Err == nil) {
		t.Errorf("Available() = %v, Probe().Err = %v", err, r.Err)
	}
	if _, err := os.Stat("/dev/kvm"); errors.Is(err, fs.ErrNotExist) {
		if !errors.Is(r.Err, ErrNoDevice) && !errors.Is(r.Err, ErrNotAMD) {
			t.Errorf("no /dev/kvm here, but Probe says %v", r.Err)
		}
		if r.Opened || r.APIVersion != 0 {
			t.Errorf("no /dev/kvm, but the report says it was opened (API %d)", r.APIVersion)
		}
	}
	if r.Vendor == "" {
		t.Error("no vendor from host CPUID")
	}
}

func TestDeviceError(t *testing.T) {
	for _, tc := range []struct {
		errno syscall.Errno
		want  error
		text  string
	}{
		{syscall.ENOENT, ErrNoDevice, "does not exist"},
		{syscall.EACCES, ErrPermission, "group"},
		{syscall.EPERM, ErrPermission, "read-write"},
		{syscall.EIO, nil, "opening /dev/kvm"},
	} {
		err := deviceError("/dev/kvm", &fs.PathError{Op: "open", Path: "/dev/kvm", Err: tc.errno})
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.errno, err, tc.want)
		}
		if !errors.Is(err, tc.errno) && tc.want == nil {
			t.Errorf("%v: %v does not wrap the errno", tc.errno, err)
		}
		if !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%v: %q does not mention %q", tc.errno, err, tc.text)
		}
	}
}

func TestParseNested(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "Y": true, "y": true, " 1\n": true, "0": false, "N": false, "": false, "2": false} {
		if got := parseNested(v); got != want {
			t.Errorf("parseNested(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestVendorString(t *testing.T) {
	b, c, d := uint32(0x68747541), uint32(0x444d4163), uint32(0x69746e65)
	if v := vendorString(b, d, c); v != "AuthenticAMD" {
		t.Errorf("vendorString = %q", v)
	}
}
