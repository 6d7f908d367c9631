#!/bin/sh
# /init of the nested Xen harness's dom0 (built into the initramfs by
# mkdom0.py). Brings up what `xl create` needs, in this order: filesystems
# and the /dev links the hotplug scripts use, the Xen kernel modules,
# xenstored, xen-init-dom0, xenconsoled (guest consoles logged to
# /var/log/xen/console/guest-NAME.log), the bridge xenbr0 with dom0 at
# 192.168.77.1/24 and ramdisks /dev/ram0-3 for guest disks.
#
# Then it runs /scenario.sh (written by xen_run.py) or, without one, a shell
# on the console. Every line meant for the harness starts with "@@" (see
# dom0_lib.sh). It powers the machine off at the end: init never returns.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# devtmpfs lacks these; the block hotplug script hangs without them.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /var/run/xen /var/run/xenstored /var/log/xen/console /var/lib/xen \
	/var/lock /run/xen /tmp
hostname dom0
echo 1 > /proc/sys/kernel/printk  # keep kernel chatter off the console

. /etc/torito/lib.sh

dom0_die() {
	echo "@@FATAL $*"
	echo "@@END"
	sync
	poweroff -f
	sleep 1000000
}

while read -r mod args; do
	[ -n "$mod" ] || continue
	insmod "$mod" $args || dom0_die "insmod $mod failed"
done < /etc/torito/modules

mount -t xenfs xenfs /proc/xen || dom0_die "cannot mount xenfs"
grep -q control_d /proc/xen/capabilities || dom0_die "not running as dom0"

xenstored --pid-file /var/run/xen/xenstored.pid || dom0_die "xenstored failed"
xen-init-dom0 > /tmp/xen-init-dom0.log 2>&1 || {
	cat /tmp/xen-init-dom0.log
	dom0_die "xen-init-dom0 failed"
}
xenconsoled --pid-file=/var/run/xen/xenconsoled.pid --log=guest \
	--log-dir=/var/log/xen/console || dom0_die "xenconsoled failed"

ip link set lo up
# STP is off by default; no forwarding delay, so a new vif passes at once.
brctl addbr xenbr0 || dom0_die "cannot create bridge xenbr0"
echo 0 > /sys/class/net/xenbr0/bridge/forward_delay
ip addr add 192.168.77.1/24 dev xenbr0
ip link set xenbr0 up

echo "@@DOM0-UP $(cut -d" " -f1 /proc/uptime)"
if [ -f /scenario.sh ]; then
	sh /scenario.sh
	echo "@@SCENARIO-EXIT $?"
else
	echo "dom0 is up: xl, xenstore-*, busybox. Images are under /guests."
	echo "Leave with 'exit' (powers the machine off)."
	setsid cttyhack sh -l
fi
echo "@@END"
sync
poweroff -f
sleep 1000000
