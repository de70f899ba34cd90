// Command govmm runs Multiboot kernels on govmm's software AMD64 CPU.
package main

import (
	"os"
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
