#!/bin/sh
# Builds the guest images from source with the Debian toolchain (binutils).
# Usage: images/build.sh [OUTDIR]   (default: each image's own directory)
# The built ELFs are committed and embedded, so running govmm needs no
# toolchain; images_test.go rebuilds them into a temporary directory and
# checks the committed ones are what the sources produce.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-}
for src in "$here"/*/*.S; do
	dir=$(dirname "$src")
	name=$(basename "$dir")
	dest=${out:-$dir}
	mkdir -p "$dest"
	tmp=$(mktemp -d)
	# Assemble from inside the source directory with fixed file names, so
	# that no temporary path ends up in the symbol table.
	(cd "$dir" && as --32 -o "$tmp/$name.o" "$name.S")
	(cd "$tmp" && ld -m elf_i386 --build-id=none -n -T "$here/link.ld" -o "$name.elf" "$name.o")
	mv "$tmp/$name.elf" "$dest/$name.elf"
	rm -rf "$tmp"
done
