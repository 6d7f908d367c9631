#!/bin/sh
# Boots the sockclient image with QEMU user networking and an HTTP server
# of ours on the host's loopback (the guest reaches it as 10.0.2.2), and
# checks what the guest's blocking sockets got.
set -eu
image=$1
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
head -c 20000 /dev/zero | tr '\0' 'x' >"$dir/page.txt"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$port" \
  >"$dir/server.log" 2>&1 &
server=$!
sleep 0.5
exec /usr/bin/python3 testing/qemu_run.py test --kernel "$image" \
  --append "peer=10.0.2.2 port=$port" \
  --qemu-arg=-netdev --qemu-arg=user,id=n0 \
  --qemu-arg=-device --qemu-arg=virtio-net-pci,netdev=n0 \
  --expect "net: virtio0 ip 10.0.2.15" \
  --expect "sockclient: 20[0-9]{3} bytes, status: HTTP/1.0 200 OK" \
  --expect "sockclient: poll on an idle listener returned 0" \
  --expect "sockclient: accept on an idle listener: ETIMEDOUT" \
  --expect "sockclient: connect to a closed port: ECONNREFUSED" \
  --timeout 60
