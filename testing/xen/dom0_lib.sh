# Scenario helpers for the nested Xen harness's dom0 (busybox sh; sourced by
# /init, used by the /scenario.sh that xen_run.py writes).
#
# Everything for the harness goes to the console as lines starting "@@", so
# the host can pick them out of Xen's and Linux's own messages:
#   @@BEGIN kind name          a framed output follows, one "@@| " line each
#   @@| text
#   @@DONE kind name rc        end of the frame and the command's exit status
#   @@STATE name state         a guest's xl state letters (r b p s c d), gone
#   @@WAIT name result secs    how a wait ended: stopped:STATE, ready,
#                              timeout:STATE (STATE as above)
#   @@TIME what name t0 t1     dom0 uptime seconds around an event
# Every helper has a timeout; none waits forever. The host side does all
# checking (xen_run.py); these only run commands and report.

CONSOLE_DIR=/var/log/xen/console

now() {
	cut -d' ' -f1 /proc/uptime
}

# emit KIND NAME RC FILE: prints FILE as a frame.
emit() {
	echo "@@BEGIN $1 $2"
	[ -f "$4" ] && sed -e 's/\r$//' -e 's/^/@@| /' "$4"
	echo "@@DONE $1 $2 $3"
}

# run KIND NAME TIMEOUT COMMAND: runs COMMAND with sh under a timeout,
# prints its output and exit status as a frame, returns the status.
run() {
	_kind=$1 _name=$2 _t=$3
	shift 3
	timeout "$_t" sh -c "$*" > /tmp/run.out 2>&1 < /dev/null
	_rc=$?
	emit "$_kind" "$_name" "$_rc" /tmp/run.out
	return $_rc
}

# state NAME: a guest's xl state letters (like "-b----"), or "gone".
state() {
	_s=$(timeout 20 xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }')
	echo "${_s:-gone}"
}

# guest_create NAME CONFIG TIMEOUT
guest_create() {
	_t0=$(now)
	run create "$1" "$3" "xl create $2"
	_rc=$?
	echo "@@TIME create $1 $_t0 $(now)"
	return $_rc
}

# guest_wait_shutdown NAME TIMEOUT: waits until the guest has shut down
# (state s), crashed (c), is dying (d) or is gone.
guest_wait_shutdown() {
	_t0=$(now)
	_end=$(( $(cut -d. -f1 /proc/uptime) + $2 ))
	while :; do
		_s=$(state "$1")
		case "$_s" in
		gone | *s* | *c* | *d*) _s="stopped:$_s"; break ;;
		esac
		if [ "$(cut -d. -f1 /proc/uptime)" -ge "$_end" ]; then
			_s="timeout:$_s"
			break
		fi
		sleep 0.3
	done
	echo "@@WAIT $1 $_s $(elapsed "$_t0")"
}

# elapsed T0: seconds since dom0 uptime T0.
elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'
}

# guest_wait_ready NAME ERE TIMEOUT: waits until the guest's console log
# matches the extended regex ERE (grep -E), or the guest stops.
guest_wait_ready() {
	_t0=$(now)
	_end=$(( $(cut -d. -f1 /proc/uptime) + $3 ))
	_log="$CONSOLE_DIR/guest-$1.log"
	while :; do
		if [ -f "$_log" ] && grep -Eq -- "$2" "$_log"; then
			_s=ready
			break
		fi
		_s=$(state "$1")
		case "$_s" in
		gone | *s* | *c* | *d*) _s="stopped:$_s"; break ;;
		esac
		if [ "$(cut -d. -f1 /proc/uptime)" -ge "$_end" ]; then
			_s="timeout:$_s"
			break
		fi
		sleep 0.2
	done
	echo "@@WAIT $1 $_s $(elapsed "$_t0")"
}

# guest_first_output NAME TIMEOUT: prints @@TIME first-output NAME t0 t1
# once the guest's console log is not empty (t0 is when the wait began).
guest_first_output() {
	_t0=$(now)
	_log="$CONSOLE_DIR/guest-$1.log"
	_n=0
	_max=$(( $2 * 50 ))
	while [ ! -s "$_log" ] && [ $_n -lt $_max ]; do
		sleep 0.02
		_n=$((_n + 1))
	done
	if [ -s "$_log" ]; then
		echo "@@TIME first-output $1 $_t0 $(now)"
	else
		echo "@@TIME first-output $1 $_t0 timeout"
	fi
}

# guest_console NAME: prints the guest's console log as a frame.
guest_console() {
	sleep 0.2  # let xenconsoled copy what the guest wrote last
	emit console "$1" 0 "$CONSOLE_DIR/guest-$1.log"
}

guest_state() {
	echo "@@STATE $1 $(state "$1")"
}

# guest_cpu NAME: @@CPU name seconds (xl list's Time(s) column).
guest_cpu() {
	echo "@@CPU $1 $(timeout 20 xl list "$1" 2>/dev/null |
		awk 'NR == 2 { print $6 }') $(now)"
}

guest_destroy() {
	run destroy "$1" 30 "xl destroy $1"
}

xen_dmesg() {
	run dmesg xen 30 "xl dmesg"
}
