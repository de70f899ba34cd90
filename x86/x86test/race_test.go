//go:build race

package x86test

// raceEnabled reports whether the test binary has the race detector.
const raceEnabled = true
