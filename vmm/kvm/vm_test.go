package kvm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"github.com/govmm/govmm/images"
	"github.com/govmm/govmm/vmm"
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
	"golang.org/x/sys/unix"
)

// deviceVM is a VM with its user-space devices but no KVM objects: enough
// to exercise the exit handlers.
func deviceVM(t *testing.T, out *bytes.Buffer) *VM {
	t.Helper()
	vm := &VM{cfg: Config{MemSize: 16 << 20, Console: out}, kvmFd: -1, vmFd: -1, vcpuFd: -1}
	if err := vm.addDevices(); err != nil {
		t.Fatal(err)
	}
	return vm
}

// fakeRun is a kvm_run area (the data page at 4096, as KVM lays it out).
func fakeRun() ([]byte, *gokvm.RunData) {
	buf := make([]uint64, 3*4096/8)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), 3*4096)
	return raw, (*gokvm.RunData)(unsafe.Pointer(&buf[0]))
}

func TestHandleIO(t *testing.T) {
	var out bytes.Buffer
	vm := deviceVM(t, &out)
	raw, r := fakeRun()
	r.ExitReason = ExitIO
	io := IO(r)

	// rep outsb of "hi\n" to COM1's THR.
	*io = IOExit{Direction: ExitIOOut, Size: 1, Port: com1Base, Count: 3, DataOffset: 4096}
	copy(raw[4096:], "hi\n")
	if err := vm.handleIO(io, raw); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hi\n" {
		t.Errorf("COM1 output %q, want %q", out.String(), "hi\n")
	}

	// in al,0x80: nobody there, all-ones.
	*io = IOExit{Direction: ExitIOIn, Size: 1, Port: 0x80, Count: 1, DataOffset: 4096}
	raw[4096] = 0
	if err := vm.handleIO(io, raw); err != nil || raw[4096] != 0xff {
		t.Errorf("unclaimed in: %#x, %v; want 0xff", raw[4096], err)
	}
	// in ax from an unclaimed port: both bytes all-ones.
	*io = IOExit{Direction: ExitIOIn, Size: 2, Port: 0x1234, Count: 2, DataOffset: 4096}
	if err := vm.handleIO(io, raw); err != nil || !bytes.Equal(raw[4096:4100], []byte{0xff, 0xff, 0xff, 0xff}) {
		t.Errorf("unclaimed insw: % x, %v", raw[4096:4100], err)
	}
	// LSR of COM1: THR empty and transmitter empty.
	*io = IOExit{Direction: ExitIOIn, Size: 1, Port: com1Base + 5, Count: 1, DataOffset: 4096}
	if err := vm.handleIO(io, raw); err != nil || raw[4096]&0x60 != 0x60 {
		t.Errorf("COM1 LSR = %#x, %v; want THRE|TEMT", raw[4096], err)
	}
	// fw_cfg signature: select key 0, read "QEMU".
	*io = IOExit{Direction: ExitIOOut, Size: 2, Port: 0x510, Count: 1, DataOffset: 4096}
	raw[4096], raw[4097] = 0, 0
	if err := vm.handleIO(io, raw); err != nil {
		t.Fatal(err)
	}
	*io = IOExit{Direction: ExitIOIn, Size: 1, Port: 0x511, Count: 4, DataOffset: 4096}
	if err := vm.handleIO(io, raw); err != nil || string(raw[4096:4100]) != "QEMU" {
		t.Errorf("fw_cfg signature %q, %v", raw[4096:4100], err)
	}

	// Bad exits are host errors, not crashes.
	*io = IOExit{Direction: ExitIOIn, Size: 4, Port: 0x80, Count: 2, DataOffset: uint64(len(raw)) - 4}
	if err := vm.handleIO(io, raw); err == nil {
		t.Error("data beyond kvm_run accepted")
	}
	*io = IOExit{Direction: ExitIOIn, Size: 3, Port: 0x80, Count: 1, DataOffset: 4096}
	if err := vm.handleIO(io, raw); err == nil {
		t.Error("3-byte access accepted")
	}

	// out 0xf4 with 0x21 → status 0x43; the run loop stops on it.
	*io = IOExit{Direction: ExitIOOut, Size: 1, Port: debugExitPort, Count: 1, DataOffset: 4096}
	raw[4096] = 0x21
	vm.run, vm.runMem = r, raw
	res, stop := vm.handleExit()
	if !stop || res.Outcome != vmm.OutcomeDebugExit || res.Status != 0x43 {
		t.Errorf("debug exit: stop %v, %+v; want status 0x43", stop, res)
	}
	// A 32-bit write: the full width, as QEMU's device.
	vm.exited = false
	*io = IOExit{Direction: ExitIOOut, Size: 4, Port: debugExitPort, Count: 1, DataOffset: 4096}
	binary.LittleEndian.PutUint32(raw[4096:], 0x100)
	if res, _ := vm.handleExit(); res.Status != 0x201 {
		t.Errorf("32-bit debug exit status %#x, want 0x201", res.Status)
	}
}

func TestHandleMMIO(t *testing.T) {
	vm := deviceVM(t, nil)
	_, r := fakeRun()
	m := MMIO(r)
	*m = MMIOExit{PhysAddr: 0xe0000000, Len: 4, Data: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}
	vm.handleMMIO(m)
	if m.Data != [8]byte{0, 0, 0, 0, 5, 6, 7, 8} {
		t.Errorf("unassigned MMIO read: % x, want four zero bytes", m.Data)
	}
	*m = MMIOExit{PhysAddr: 0xe0000000, Len: 8, IsWrite: 1, Data: [8]byte{1}}
	vm.handleMMIO(m) // dropped
}

func TestExitMessages(t *testing.T) {
	vm := deviceVM(t, nil)
	raw, r := fakeRun()
	vm.run, vm.runMem = r, raw
	tests := []struct {
		name    string
		reason  uint32
		set     func()
		outcome vmm.Outcome
		status  int
		text    []string
	}{
		{"shutdown", ExitShutdown, func() {}, vmm.OutcomeTripleFault, 0, []string{"triple fault", "KVM_EXIT_SHUTDOWN"}},
		{"fail entry", ExitFailEntry, func() {
			*FailEntry(r) = FailEntryExit{HardwareEntryFailureReason: uint64(svm.ExitInvalid), CPU: 7}
		}, vmm.OutcomeUnsupported, vmm.ExitUnsupported, []string{"KVM_EXIT_FAIL_ENTRY", "0xffffffffffffffff", "VMEXIT_INVALID", "host CPU 7"}},
		{"emulation failure", ExitInternalError, func() {
			*InternalError(r) = InternalErrorExit{Suberror: InternalErrorEmulation, NData: 1, Data: [16]uint64{0x0f0b}}
		}, vmm.OutcomeUnsupported, vmm.ExitUnsupported, []string{"KVM_EXIT_INTERNAL_ERROR", "suberror 1", "emulate", "0xf0b"}},
		{"delivery", ExitInternalError, func() {
			*InternalError(r) = InternalErrorExit{Suberror: InternalErrorDeliveryEv}
		}, vmm.OutcomeUnsupported, vmm.ExitUnsupported, []string{"delivering an event"}},
		{"system event", ExitSystemEvent, func() { *SystemEvent(r) = SystemEventExit{Type: SystemEventReset} }, vmm.OutcomeUnsupported, vmm.ExitUnsupported, []string{"reset"}},
		{"hlt without in-kernel APIC", ExitHLT, func() {}, vmm.OutcomeHalted, vmm.ExitHalted, []string{"KVM_EXIT_HLT"}},
		{"unknown", 99, func() {}, vmm.OutcomeUnsupported, vmm.ExitUnsupported, []string{"exit reason 99"}},
	}
	for _, tt := range tests {
		clear(raw)
		r.ExitReason = tt.reason
		tt.set()
		res, stop := vm.handleExit()
		if !stop || res.Outcome != tt.outcome || res.Status != tt.status {
			t.Errorf("%s: stop %v outcome %v status %d (%s); want %v %d", tt.name, stop, res.Outcome, res.Status, res.Detail, tt.outcome, tt.status)
		}
		for _, s := range tt.text {
			if !strings.Contains(res.Detail, s) {
				t.Errorf("%s: %q does not mention %q", tt.name, res.Detail, s)
			}
		}
	}
	for _, reason := range []uint32{ExitIntr, ExitIRQWindowOpen} {
		r.ExitReason = reason
		if _, stop := vm.handleExit(); stop {
			t.Errorf("%s stops the run", exitName(reason))
		}
	}
}

func TestNewRejectsBadMemory(t *testing.T) {
	for _, mem := range []uint64{1 << 20, 4 << 30, 16<<20 + 1} {
		if _, err := New(Config{MemSize: mem}); err == nil {
			t.Errorf("New with %d bytes of RAM succeeded", mem)
		}
	}
}

func TestNewExplainsMissingKVM(t *testing.T) {
	h := Host{Device: t.TempDir() + "/kvm", NestedParam: "/nonexistent", CPUID: fakeCPUID("AuthenticAMD", true)}
	for _, f := range []svm.Features{0, x86.SVMFeaturesDefault} {
		_, err := New(Config{MemSize: 16 << 20, SVMFeatures: f, Host: h})
		if !errors.Is(err, ErrNoDevice) {
			t.Errorf("SVM features %v: New = %v, want ErrNoDevice", f, err)
		}
	}
}

// --- End-to-end tests: they need a usable /dev/kvm and skip otherwise. ---

// needKVM skips the test unless /dev/kvm can run guests; with svm it also
// needs nested SVM (Available).
func needKVM(t *testing.T, svmWanted bool) {
	t.Helper()
	if svmWanted {
		if err := Available(); err != nil {
			t.Skipf("kvm backend cannot run nested SVM guests on this host: %v", err)
		}
		return
	}
	fd, err := openDevice(DefaultHost.Device)
	if err != nil {
		t.Skipf("kvm backend unavailable on this host: %v", err)
	}
	unix.Close(fd)
}

// runKVM boots img on the kvm backend and runs it.
func runKVM(t *testing.T, img []byte, name string, cfg Config) (vmm.Result, string) {
	t.Helper()
	var out bytes.Buffer
	if cfg.MemSize == 0 {
		cfg.MemSize = 128 << 20
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	cfg.Console = &out
	vm, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if _, err := vm.Boot(img, name, "", nil); err != nil {
		t.Fatal(err)
	}
	st, err := vm.GetState()
	if err != nil {
		t.Fatal(err)
	}
	bi, _ := vmm.LoadMultiboot(make([]byte, cfg.MemSize), img, name, "", nil)
	want := vmm.EntryState(bi)
	if st != want {
		t.Errorf("vCPU state after Boot, read back from KVM:\n got %+v\nwant %+v", st, want)
	}
	return vm.Run(context.Background()), out.String()
}

// mbFlat wraps code in a flat Multiboot image loaded at 1 MiB (header with
// address fields), entry right after the 32-byte header.
func mbFlat(code ...byte) []byte {
	const load = 0x100000
	const flags = 1 << 16
	h := make([]byte, 32)
	le := binary.LittleEndian
	le.PutUint32(h[0:], 0x1badb002)
	le.PutUint32(h[4:], flags)
	le.PutUint32(h[8:], uint32(-(0x1badb002+flags)&0xffffffff))
	le.PutUint32(h[12:], load)    // header_addr
	le.PutUint32(h[16:], load)    // load_addr
	le.PutUint32(h[28:], load+32) // entry
	return append(h, code...)
}

func TestKVMOutcomes(t *testing.T) {
	needKVM(t, false)
	hello, _ := images.Lookup("hello")
	tests := []struct {
		name    string
		img     []byte
		timeout time.Duration
		outcome vmm.Outcome
		status  int
		out     string
	}{
		{"hello", hello, 0, vmm.OutcomeDebugExit, 1, "hello from govmm\n"},
		{"triple fault", mbFlat(0x0f, 0x0b), 0, vmm.OutcomeTripleFault, vmm.ExitTripleFault, ""},
		{"unknown port reads all-ones", mbFlat(0xe4, 0x80, 0xe6, 0xf4), 0, vmm.OutcomeDebugExit, 0x1ff, ""},
		{"exit value", mbFlat(0xb0, 'x', 0x66, 0xba, 0xf8, 0x03, 0xee, 0xb0, 0x21, 0xe6, 0xf4), 0, vmm.OutcomeDebugExit, 0x43, "x"},
		{"cli hlt", mbFlat(0xfa, 0xf4), 0, vmm.OutcomeHalted, vmm.ExitHalted, ""},
		{"timeout", mbFlat(0xeb, 0xfe), 300 * time.Millisecond, vmm.OutcomeLimit, vmm.ExitLimit, ""},
		// sti; hlt: the PIT (IRQ0 at 18.2 Hz through the PIC, vector 8)
		// wakes it; vector 8 in the IVT-as-IDT triple-faults.
		{"PIT wakes sti hlt", mbFlat(0xfb, 0xf4, 0xeb, 0xfe), 0, vmm.OutcomeTripleFault, vmm.ExitTripleFault, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out := runKVM(t, tt.img, tt.name, Config{Timeout: tt.timeout})
			if res.Outcome != tt.outcome || res.Status != tt.status {
				t.Fatalf("outcome %v status %#x (%s), want %v %#x", res.Outcome, res.Status, res.Detail, tt.outcome, tt.status)
			}
			if out != tt.out {
				t.Fatalf("console %q, want %q", out, tt.out)
			}
		})
	}
}

func TestKVMCancel(t *testing.T) {
	needKVM(t, false)
	vm, err := New(Config{MemSize: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if _, err := vm.Boot(mbFlat(0xeb, 0xfe), "loop", "", nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res := vm.Run(ctx)
	if res.Outcome != vmm.OutcomeLimit || !strings.Contains(res.Detail, "interrupted") {
		t.Fatalf("%v: %s", res.Outcome, res.Detail)
	}
}

// TestKVMSVMCPUID reads CPUID 8000_000Ah EDX in the guest: what PlanCPUID
// exposed, and SVM hidden with no features.
func TestKVMSVMCPUID(t *testing.T) {
	needKVM(t, true)
	// mov eax, 0x8000000a; cpuid; mov eax, edx; out 0xf4, al (low byte)
	img := mbFlat(0xb8, 0x0a, 0, 0, 0x80, 0x0f, 0xa2, 0x89, 0xd0, 0xe6, 0xf4)
	for _, want := range []svm.Features{x86.SVMFeaturesDefault, svm.FeatureNRIPS, 0} {
		var out bytes.Buffer
		vm, err := New(Config{MemSize: 16 << 20, Console: &out, SVMFeatures: want, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		exposed, missing := vm.SVMFeatures()
		if exposed|missing != want || exposed&missing != 0 {
			t.Errorf("want %v: exposed %v, missing %v", want, exposed, missing)
		}
		if _, err := vm.Boot(img, "cpuid", "", nil); err != nil {
			t.Fatal(err)
		}
		res := vm.Run(context.Background())
		vm.Close()
		if got := (res.Status >> 1) & 0xff; res.Outcome != vmm.OutcomeDebugExit || got != int(exposed&0xff) {
			t.Errorf("want %v: guest read 8000_000Ah EDX low byte %#x (%s), exposed %v", want, got, res.Detail, exposed)
		}
	}
}

// TestKVMImages runs the built-in catalog on the kvm backend against the
// golden outputs. Images that run on the CPU alone (ISA tests, C kernels,
// hello) must match: the goldens hold what the hardware does. Images that
// are L1 hypervisors (svm_*, seed) exercise the host KVM's nested SVM;
// where it differs from the APM goldens, that is a finding about the host
// KVM, logged with the diff and reported as a skip, not a govmm failure.
func TestKVMImages(t *testing.T) {
	needKVM(t, false)
	nestedErr := Available()
	for _, name := range images.Names() {
		t.Run(name, func(t *testing.T) {
			info, _ := images.Describe(name)
			want, err := parseGolden(info.Expected)
			if err != nil {
				t.Skipf("no usable golden output: %v", err)
			}
			l1 := strings.HasPrefix(name, "svm_") || name == "seed"
			if l1 && nestedErr != nil {
				t.Skipf("L1 hypervisor image needs nested SVM: %v", nestedErr)
			}
			img, _ := images.Lookup(name)
			var cfg Config // plain images run without SVM, so hosts without nested SVM run them too
			if l1 {
				cfg.SVMFeatures = x86.SVMFeaturesDefault
			}
			res, out := runKVM(t, img, name, cfg)
			if res.Status == want.status && out == want.output {
				return
			}
			msg := "status " + strconv.Itoa(res.Status) + " (" + res.Detail + "), want " + strconv.Itoa(want.status) +
				"\n--- got\n" + out + "\n--- want\n" + want.output
			if l1 {
				t.Skipf("host KVM's nested SVM differs from the APM golden (a finding about the host, not govmm):\n%s", msg)
			}
			t.Fatal(msg)
		})
	}
}

type golden struct {
	status int
	output string
}

// parseGolden parses an images/*/NAME.expected file: "status N", then the
// COM1 output.
func parseGolden(b []byte) (golden, error) {
	first, rest, ok := bytes.Cut(b, []byte("\n"))
	s, found := strings.CutPrefix(string(first), "status ")
	if !ok || !found {
		return golden{}, errors.New(`no "status N" line`)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return golden{}, err
	}
	return golden{status: n, output: string(rest)}, nil
}

// TestWatcher checks the protocol between the watcher goroutine and the
// vCPU thread without KVM: requests are posted, immediate_exit is set, and
// the thread (this one) gets signals it survives.
func TestWatcher(t *testing.T) {
	_, r := fakeRun()
	vm := &VM{cfg: Config{Timeout: 30 * time.Millisecond}, run: r, kvmFd: -1, vmFd: -1, vcpuFd: -1}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		vm.watch(ctx, tid, done)
	}()
	var seen uint32
	for deadline := time.Now().Add(5 * time.Second); seen&(reqPoll|reqTimeout) != reqPoll|reqTimeout; {
		if time.Now().After(deadline) {
			t.Fatalf("requests seen %#x, want poll and timeout", seen)
		}
		time.Sleep(time.Millisecond)
		if atomic.LoadUint32((*uint32)(unsafe.Pointer(r)))&0xff00 != 0 {
			setImmediateExit(r, false)
			seen |= vm.req.Swap(0)
		}
	}
	cancel()
	for deadline := time.Now().Add(5 * time.Second); seen&reqCancel == 0; {
		if time.Now().After(deadline) {
			t.Fatal("cancel request not seen")
		}
		time.Sleep(time.Millisecond)
		seen |= vm.req.Swap(0)
	}
	close(done)
	wg.Wait()

	res, stop := vm.handleRequests(reqTimeout|reqPoll, time.Now())
	if !stop || res.Outcome != vmm.OutcomeLimit || res.Status != vmm.ExitLimit || !strings.Contains(res.Detail, "timeout of 30ms") {
		t.Errorf("timeout request: stop %v %+v", stop, res)
	}
	res, stop = vm.handleRequests(reqCancel, time.Now())
	if !stop || res.Outcome != vmm.OutcomeLimit || !strings.Contains(res.Detail, "interrupted") {
		t.Errorf("cancel request: stop %v %+v", stop, res)
	}
	if _, stop := vm.handleRequests(reqPoll, time.Now()); stop {
		t.Error("a poll with no vCPU to ask stopped the run")
	}
}
