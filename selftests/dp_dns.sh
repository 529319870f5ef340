#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DNS names for endpoints, served to the consumer by dnsmasq: "reslink dns
# watch" keeps one hosts file per network in a directory, dnsmasq reads it
# with --hostsdir in the consumer's namespace, and the consumer curls the
# endpoint by name (its resolv.conf, from /etc/netns, points at dnsmasq).
# The provider's web server answers with its own address and logs the Host
# header it received.
#
#   consumer                          fabric                           provider
#   10.0.0.10 fd00::10                c0 | p0                          10.1.0.20 10.1.0.21 fd01::20
#   dnsmasq --hostsdir=$DIR  <-- reslink dns watch $DIR                http server :8080
#   curl http://<name>:8080/ ---> endpoint ---> gw1 10.1.0.50 fd01::50 --->
#
# Names: <endpoint id>.<resource id>.<suffix>, per child of a group
# <child id>.<endpoint id>.<group id>.<suffix>, and with private-dns the
# resource's domain.
#
# selftest: timeout=900
set -euo pipefail
. "$(dirname "$0")/dp_lib.bash"

require_cmd dnsmasq python3 getent
DIR=
WATCH_PID=

# web_server: HTTP on 8080 (both families) answering "hello from ADDR",
# ADDR the address the connection came to, and logging "Host: ..." lines.
web_server() {
	p python3 -c '
import http.server, socket, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[1], "a") as log:
            log.write("Host: %s\n" % self.headers.get("Host"))
        addr = self.connection.getsockname()[0]
        addr = addr[7:] if addr.startswith("::ffff:") else addr
        body = ("hello from %s\n" % addr).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
S(("::", 8080), H).serve_forever()
' "$TMPD/host.log" &
	wait_for_tcp_listen "$NS_P" 8080
}

# The consumer's resolver: dnsmasq on its own address, nothing upstream.
resolver() {
	mkdir -p "/etc/netns/$NS_C"
	echo "nameserver 10.0.0.10" >"/etc/netns/$NS_C/resolv.conf"
	c dnsmasq --keep-in-foreground --no-resolv --no-hosts --user=root \
		--hostsdir="$DIR" --listen-address=10.0.0.10 --bind-interfaces \
		--log-facility=- --log-queries 2>"$TMPD/dnsmasq.log" &
	wait_for_udp_listen "$NS_C" 53
}

# watch_start: reslink itself is the background job (ip netns exec execs it).
watch_start() {
	say F "reslink dns watch $DIR"
	ip netns exec "$NS_F" "$RESLINK" dns watch "$DIR" &
	WATCH_PID=$!
}

watch_stop() {
	kill "$WATCH_PID"
	wait "$WATCH_PID" || true
}

# resolves NAME [ADDR]: within one second NAME resolves in the consumer (to
# ADDR among its addresses, if given).
resolves() {
	local i got
	for ((i = 0; i < 10; i++)); do
		got=$(ip netns exec "$NS_C" getent ahosts "$1" | awk '{ print $1 }' | sort -u) || true
		if [[ -n $got && ( -z ${2:-} || $'\n'$got$'\n' == *$'\n'$2$'\n'* ) ]]; then
			say C "getent ahosts $1: $(echo $got)"
			return 0
		fi
		sleep 0.1
	done
	cat "$DIR"/*.hosts >&2 || true
	fail "$1 does not resolve${2:+ to $2} in the consumer within one second"
}

# gone NAME: within one second NAME no longer resolves.
gone() {
	local i
	for ((i = 0; i < 10; i++)); do
		if ! ip netns exec "$NS_C" getent ahosts "$1" >/dev/null; then
			say C "getent ahosts $1: no answer"
			return 0
		fi
		sleep 0.1
	done
	fail "$1 still resolves one second after its endpoint went"
}

# get URL WANT: curl in the consumer gets WANT, and the server saw the
# URL's host (and port) as Host.
get() {
	local url=$1 want=$2 host
	host=${url#http://}
	host=${host%%/*}
	: >"$TMPD/host.log"
	expect_eq "$(c curl -sS --max-time "$(scaled 10)" "$url")" "$want" "curl $url"
	expect_eq "$(cat "$TMPD/host.log")" "Host: $host" "Host header the provider saw"
}

# names EP: the endpoint's DNS names, as endpoint show -j lists them.
names() {
	ip netns exec "$NS_F" "$RESLINK" -j endpoint show "$1" | jq -r '.[0].dns_names[]'
}

id_of() {
	ip netns exec "$NS_F" "$RESLINK" -j "$1" show "$2" | jq -r '.[0].id'
}

by_generated_name() {
	local ep res name
	rl gateway add gw1 addr "$GW4" addr "$GW6" dev "$DEV_P"
	rl resource add web type single gateway gw1 ip "$TARGET4" port 8080 domain web.example.com
	rl endpoint add ep1 resource web addr "$EP4" dev "$DEV_C"
	rl endpoint show ep1 >&2
	ep=$(id_of endpoint ep1)
	res=$(id_of resource web)
	name="$ep.$res.reslink.internal"
	expect_eq "$(names ep1)" "$name" "ep1's names"
	resolves "$name" "$EP4"
	get "http://$name:8080/" "hello from $TARGET4"
	# Without private-dns the domain is not ep1's.
	if ip netns exec "$NS_C" getent ahosts web.example.com; then
		fail "web.example.com resolves without private-dns"
	fi
	GEN1=$name
}

by_private_domain() {
	local rc=0
	rl endpoint add ep2 resource web addr 10.0.0.101 private-dns dev "$DEV_C"
	rl endpoint show ep2 >&2
	names ep2 | grep -qx web.example.com || fail "ep2 does not list web.example.com"
	resolves web.example.com 10.0.0.101
	get "http://web.example.com:8080/" "hello from $TARGET4"

	# A second claim of the domain in the same network: refused.
	rl endpoint add ep3 resource web addr 10.0.0.102 private-dns 2>"$TMPD/err" || rc=$?
	cat "$TMPD/err" >&2
	expect_eq "$rc" 2 "exit status of a second private-dns endpoint for web.example.com"
	grep -q "claimed by another endpoint" "$TMPD/err" || fail "no message for the duplicate domain"
	[[ -z $(ip netns exec "$NS_F" "$RESLINK" -j endpoint show | jq '.[] | select(.name == "ep3")') ]] ||
		fail "the refused endpoint exists"
}

deleted_within_a_second() {
	rl endpoint del ep1
	gone "$GEN1"
	rl endpoint del ep2
	gone web.example.com
}

aaaa() {
	local name
	rl resource add web6 type single gateway gw1 ip "$TARGET6" port 8080 domain web6.example.com
	rl endpoint add ep6 resource web6 addr "$EP6" private-dns dev "$DEV_C"
	name=$(names ep6 | head -n 1)
	ip netns exec "$NS_C" getent ahostsv6 "$name" >&2 || true
	resolves "$name" "$EP6"
	resolves web6.example.com "$EP6"
	grep -q "$EP6 $name web6.example.com" "$DIR/default.hosts" ||
		fail "default.hosts lacks ep6's line"
	get "http://$name:8080/" "hello from $TARGET6"
	get "http://web6.example.com:8080/" "hello from $TARGET6"
}

group_children() {
	local ep grp a b
	p ip addr add 10.1.0.21/24 dev eth0
	rl resource add grp type group gateway gw1 port 8080 domain apps.example.com
	rl resource add a type child group grp ip 10.1.0.20 domain a.example.com
	rl resource add b type child group grp ip 10.1.0.21
	rl endpoint add epg resource grp addr 10.0.0.110 addr 10.0.0.111 private-dns dev "$DEV_C"
	rl endpoint show epg >&2
	ep=$(id_of endpoint epg)
	grp=$(id_of resource grp)
	a=$(id_of resource a)
	b=$(id_of resource b)
	resolves "$a.$ep.$grp.reslink.internal" 10.0.0.110
	resolves "$b.$ep.$grp.reslink.internal" 10.0.0.111
	resolves a.example.com 10.0.0.110
	resolves apps.example.com 10.0.0.111
	get "http://$a.$ep.$grp.reslink.internal:8080/" "hello from 10.1.0.20"
	get "http://$b.$ep.$grp.reslink.internal:8080/" "hello from 10.1.0.21"
	get "http://a.example.com:8080/" "hello from 10.1.0.20"
}

suffix_change() {
	local name
	rl dns suffix set corp.test
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" dns suffix)" corp.test "dns suffix"
	name=$(names ep6 | head -n 1)
	[[ $name == *.corp.test ]] || fail "ep6's name $name is not under corp.test"
	resolves "$name" "$EP6"
	gone "${name%.corp.test}.reslink.internal"
	ip netns exec "$NS_F" "$RESLINK" save | grep -qx "dns suffix set corp.test" ||
		fail "save does not keep the suffix"
}

# Names are per network: another network's file has the same domain at its
# own endpoint; after a restart of watch, a gone network leaves no file.
networks_and_restart() {
	f ip link add vrf-n type vrf table 10
	f ip link set vrf-n up
	f ip link add n0 type dummy
	f ip link set n0 master vrf-n
	f ip link set n0 up
	rl network add n1 vrf vrf-n
	rl endpoint add epn resource web6 addr "$EP6" network n1 private-dns
	for ((i = 0; i < 10; i++)); do
		grep -qs "web6.example.com" "$DIR/n1.hosts" && break
		sleep 0.1
	done
	cat "$DIR/n1.hosts" >&2
	grep -q "^$EP6 .* web6.example.com$" "$DIR/n1.hosts" || fail "n1.hosts lacks epn"
	rl dns hosts network n1 >&2
	expect_eq "$(ip netns exec "$NS_F" "$RESLINK" dns hosts network n1)" "$(cat "$DIR/n1.hosts")" \
		"dns hosts network n1 and n1.hosts"

	# One network's watch: its file only, others' (a stale one) removed.
	mkdir "$TMPD/n1.d"
	echo "10.9.9.9 stale.example.com" >"$TMPD/n1.d/old.hosts"
	ip netns exec "$NS_F" "$RESLINK" dns watch "$TMPD/n1.d" network n1 &
	local one=$!
	for ((i = 0; i < 20; i++)); do
		[[ $(ls "$TMPD/n1.d") == n1.hosts ]] && break
		sleep 0.1
	done
	kill "$one"
	wait "$one" || true
	expect_eq "$(ls "$TMPD/n1.d")" n1.hosts "files of a watch of network n1"
	expect_eq "$(cat "$TMPD/n1.d/n1.hosts")" "$(cat "$DIR/n1.hosts")" "n1.hosts of both watches"

	watch_stop
	rl endpoint del epn
	rl network del n1
	watch_start
	for ((i = 0; i < 10; i++)); do
		[[ -e $DIR/n1.hosts ]] || break
		sleep 0.1
	done
	ls "$DIR" >&2
	[[ ! -e $DIR/n1.hosts ]] || fail "a restart of watch left n1.hosts behind"
	[[ -e $DIR/default.hosts ]] || fail "a restart of watch lost default.hosts"
}

dp_init
mark=$(klog_mark dp_dns)
DIR=$TMPD/hosts.d
mkdir "$DIR"
web_server
watch_start
for ((i = 0; i < 20; i++)); do
	[[ -e $DIR/default.hosts ]] && break
	sleep 0.1
done
[[ -e $DIR/default.hosts ]] || fail "dns watch wrote no default.hosts"
resolver
by_generated_name
by_private_domain
deleted_within_a_second
aaaa
group_children
suffix_change
networks_and_restart
watch_stop
grep -q "query\[AAAA\]" "$TMPD/dnsmasq.log" || fail "dnsmasq saw no AAAA query"
rm -rf "/etc/netns/$NS_C"
no_klog_errors "$mark"
echo "PASS: dp_dns"
