#!/bin/busybox sh
# /init of the Linux baseline micro-VM (see README.md): loads the virtio
# modules, configures eth0 from the kernel command line (ip= gw= netmask=,
# DHCP without ip=) and serves the same "Hello World" page as Torito's
# microservice with busybox httpd on port= (default 80). It prints the same
# two lines the Torito image prints, so one harness drives both:
#   net: eth0 ip A.B.C.D
#   linux-baseline: listening on port N
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

for m in $(cat /lib/modules/order); do
	insmod /lib/modules/"$m".ko || echo "baseline: insmod $m failed"
done

ip=
gw=
netmask=255.255.255.0
port=80
for w in $(cat /proc/cmdline); do
	case $w in
	ip=*) ip=${w#ip=} ;;
	gw=*) gw=${w#gw=} ;;
	netmask=*) netmask=${w#netmask=} ;;
	port=*) port=${w#port=} ;;
	esac
done

ip link set lo up
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
if [ ! -e /sys/class/net/eth0 ]; then
	echo "baseline: no eth0 (no virtio-net device?)"
	ls /sys/class/net
fi
ip link set eth0 up

if [ -n "$ip" ]; then
	eval "$(ipcalc -p "$ip" "$netmask")"
	ip addr add "$ip/$PREFIX" dev eth0
	[ -n "$gw" ] && ip route add default via "$gw"
else
	udhcpc -i eth0 -s /etc/udhcpc.script -q -n -t 10 -T 1 > /dev/null 2>&1 ||
		echo "baseline: DHCP failed"
	ip=$(cat /tmp/dhcp-ip 2> /dev/null)
	netmask=$(cat /tmp/dhcp-mask 2> /dev/null)
	gw=$(cat /tmp/dhcp-gw 2> /dev/null)
fi
echo "net: eth0 ip $ip netmask $netmask gw $gw"

httpd -p "$port" -h /www -c /etc/httpd.conf
echo "linux-baseline: listening on port $port"

# Stay idle (the idle-CPU measurement sees only the kernel and httpd).
while :; do
	sleep 3600
done
