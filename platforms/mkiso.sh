#!/bin/sh
# mkiso.sh ELF ISO CMDLINE: a GRUB2 (BIOS) ISO that boots ELF via multiboot2.
# Dates are pinned (SOURCE_DATE_EPOCH for the volume, and every file's date,
# including the GRUB modules grub-mkrescue adds from its own temporary copy),
# so the ISO is reproducible.
set -eu
elf=$1
iso=$2
cmdline=$3
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$elf" "$stage/boot/torito.elf"
cat >"$stage/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Torito" {
  multiboot2 /boot/torito.elf $cmdline
  boot
}
CFG
find "$stage" -exec touch -h -d @0 {} +
export SOURCE_DATE_EPOCH=0
grub-mkrescue --compress=no -o "$iso" "$stage" -- \
  -volume_date c 1970010100000000 -volume_date m 1970010100000000 \
  -volume_date uuid 1970010100000000 -alter_date_r b 1970010100000000 / -- \
  >"$stage.log" 2>&1 || {
  cat "$stage.log" >&2
  rm -f "$stage.log"
  exit 1
}
rm -f "$stage.log"
