/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * reslink: private links from endpoints to resources, over conntrack NAT.
 *
 * Documentation
 * =============
 *
 * Generic netlink family RESLINK_GENL_NAME, version RESLINK_GENL_VERSION.
 * State is per network namespace (the family is netnsok). Every command that
 * changes state needs CAP_NET_ADMIN in the user namespace owning the network
 * namespace. So do GET and dumps, as listing nftables' ruleset does: the
 * configuration names every account's targets, shares and counters.
 * Policies are strict: unknown attributes, wrong lengths and unknown nlmsg
 * flags are rejected. Every rejection carries an extended ACK message naming
 * the attribute and the reason, and a rejected request changes nothing.
 *
 * Objects
 * -------
 *
 * gateway   a pool of source addresses owned by the fabric on provider-facing
 *           links, a SNAT port range and optional egress allow rules.
 * resource  what may be reached: type single, group or child; target
 *           addresses (or a DNS name plus the addresses the tool resolved),
 *           port ranges, protocols, the gateway, the accounts it is shared
 *           with.
 * endpoint  addresses owned by the fabric on consumer-facing links, bound to a
 *           resource (for a group: one address per child), optional ingress
 *           allow rules, a state.
 * network   an isolated address space: the links enslaved to one VRF device
 *           of the namespace, with a conntrack zone of its own. The links
 *           enslaved to no VRF are the implicit network "default"
 *           (RESLINK_NETWORK_DEFAULT, id 0, owner 0, zone 0), which always
 *           exists, cannot be deleted, and which every account may use.
 *           Gateways and endpoints are in one network each (default
 *           "default"); a connection to an endpoint address in network C
 *           is translated and routed in the network of the resource's
 *           gateway, its replies return to C, and nothing else passes from
 *           one network to another (such packets are dropped and counted as
 *           DROP_CROSSING on the network they arrived in).
 *
 * Every object has a kernel-assigned id (u64, never reused within a
 * namespace, printed by the tool as "rgw-", "rcfg-", "vpce-" or "vpc-"
 * followed by 17 lower-case hex digits), a name unique per kind within the
 * namespace (RESLINK_NAME_MAXLEN bytes at most, [A-Za-z0-9._-], not starting
 * with an id prefix) and an owner account (RESLINK_A_OWNER). Requests name an object
 * either by RESLINK_A_ID or by RESLINK_A_NAME, and refer to other objects by
 * RESLINK_A_<KIND>_ID or RESLINK_A_<KIND>_NAME.
 *
 * The acting account of a request is RESLINK_A_ACCOUNT (default 0). An
 * account is a number below 10^12. Only a resource's owner may share,
 * unshare, accept and reject, and delete it; only an object's owner may
 * delete it. A resource's account must own its gateway (a child's, its
 * group). Only a network's owner may put a gateway or an endpoint in it
 * (but anybody may use "default").
 *
 * Addresses (of gateways, endpoints and targets) are unicast: not 0.0.0.0/8,
 * loopback, multicast, limited broadcast, :: or IPv4-mapped. An address list
 * holds each address once.
 *
 * An endpoint or gateway address must not be in use in its network
 * (EADDRINUSE): not an address of another endpoint or gateway of the
 * network, nor a target of a resource whose gateway is in the network, nor
 * an address of an interface of the network (a link enslaved to its VRF, or
 * to none for "default") that is no endpoint or gateway address (the tool
 * puts those on the device), nor, when the request names a device
 * (RESLINK_A_IFNAME) that exists, the network or broadcast address of the
 * subnet of one of its addresses (IPv6: the subnet-router anycast address).
 * A prefix pool may not hold such an interface address, and the addresses
 * it hands out pass the same checks. Hosts on a link are not seen by the
 * kernel: a tool probes for them (ARP probes, duplicate address detection)
 * before or while it puts the addresses on the device.
 * The other way round, a resource's target (RESLINK_CMD_RESOURCE_NEW and
 * _SET) must not be an address of an endpoint or gateway of its gateway's
 * network (EADDRINUSE, the request changes nothing).
 *
 * Limits: a namespace holds at most net.reslink.max_gateways gateways,
 * max_resources resources, max_endpoints endpoints and max_endpoint_addrs
 * endpoint addresses (sysctls, per namespace, settable by its admin; in a
 * namespace of a non-initial user namespace at most the initial one's). With
 * net.reslink.init_userns_only = 1 (initial namespace only), changes need
 * CAP_NET_ADMIN in the initial user namespace.
 *
 * Errors: EPERM without CAP_NET_ADMIN (or the initial namespace's, when
 * init_userns_only is set); EACCES when the acting account may not do it;
 * ENOENT for an unknown object; EEXIST for a taken name or an existing
 * share; EADDRINUSE for an address in use in the network (above); ENODEV
 * for a VRF device that does not exist (or a network whose VRF is gone);
 * EAFNOSUPPORT for an address family that does not match; EBUSY for
 * deleting an object in use; ENOSPC for an exhausted address pool or a
 * namespace limit; E2BIG past a *_MAX limit; ENOMEM when memory runs out,
 * which is usually the caller's memory cgroup being full (objects are
 * charged to the memory cgroup of the process that creates them); EINVAL
 * (or ERANGE, from the policies) for the rest.
 *
 * Attribute types
 * ---------------
 *
 * Address list (RESLINK_A_ADDRS, RESLINK_A_TARGETS): NLA_NESTED holding
 * one or more of
 *    RESLINK_ADDR_A_IN:  4 bytes, IPv4 address, network byte order
 *    RESLINK_ADDR_A_IN6: 16 bytes, IPv6 address
 *
 * Prefix (RESLINK_A_PREFIX, RESLINK_RULE_A_PREFIX): NLA_NESTED
 *    RESLINK_ADDR_A_IN or RESLINK_ADDR_A_IN6: the address (host bits zero)
 *    RESLINK_ADDR_A_PREFIXLEN: NLA_U8, at most 32 or 128
 *
 * Port list (RESLINK_A_PORTS, RESLINK_RULE_A_PORTS): NLA_NESTED holding
 * at most RESLINK_PORT_RANGES_MAX of
 *    RESLINK_PORTS_A_RANGE: NLA_U32, (first << 16) | last, 1 <= first <= last
 *
 * Allow rules (RESLINK_A_RULES): NLA_NESTED holding at most RESLINK_RULES_MAX
 * of RESLINK_RULES_A_RULE (with at most RESLINK_RULE_RANGES_MAX port ranges
 * over all of them): NLA_NESTED
 *    RESLINK_RULE_A_PREFIX: prefix, required
 *    RESLINK_RULE_A_PROTOCOLS: NLA_U32, RESLINK_PROTO_* mask, optional (all)
 *    RESLINK_RULE_A_PORTS: port list, optional (all)
 * No rule allows everything; any rule denies what no rule allows. Ingress
 * rules of an endpoint match the client's source address and the destination
 * port; egress rules of a gateway match the target address and port.
 *
 * Commands
 * --------
 *
 * RESLINK_CMD_GATEWAY_NEW: create a gateway.
 *    RESLINK_A_NAME: required
 *    RESLINK_A_ADDRS: required, up to RESLINK_ADDRS_MAX addresses, either
 *                     family or both, unique across every endpoint and
 *                     gateway address of the gateway's network
 *    RESLINK_A_NETWORK_ID or _NAME: optional, default "default": the network
 *                     the addresses and the resources' targets are in; the
 *                     acting account must own it
 *    RESLINK_A_SNAT_PORTS: NLA_U32 range as in a port list, optional,
 *                          default RESLINK_SNAT_PORTS_DEFAULT
 *    RESLINK_A_SNAT_RANDOM: NLA_FLAG, optional: a random source port of the
 *                          range for every connection; without it a
 *                          connection keeps the client's source port when
 *                          that port is in the range and free (see
 *                          docs/datapath.md, "Source ports")
 *    RESLINK_A_RULES: egress allow rules, optional
 *    RESLINK_A_IFNAME: NLA_NUL_STRING, optional; recorded for the tool, which
 *                      adds and removes the addresses on that device; if
 *                      the device exists, it must be enslaved to the
 *                      network's VRF (to none for "default"); the
 *                      subnets of the device's own addresses refuse their
 *                      network and broadcast addresses
 *    RESLINK_A_ACCOUNT: the owner
 *  Replies with the new object as RESLINK_CMD_GATEWAY_GET does.
 *
 * RESLINK_CMD_GATEWAY_DEL: delete a gateway; RESLINK_A_ID or RESLINK_A_NAME.
 *    Refused while a resource uses it (no cascade).
 *
 * RESLINK_CMD_GATEWAY_GET: with RESLINK_A_ID or RESLINK_A_NAME, one gateway;
 *    with NLM_F_DUMP, all of them in id order. Replies hold RESLINK_A_ID,
 *    RESLINK_A_NAME, RESLINK_A_OWNER, RESLINK_A_ADDRS, RESLINK_A_SNAT_PORTS,
 *    RESLINK_A_SNAT_RANDOM (if set),
 *    RESLINK_A_RULES (if any), RESLINK_A_IFNAME (if any), RESLINK_A_STATS.
 *
 * RESLINK_CMD_RESOURCE_NEW: create a resource.
 *    RESLINK_A_NAME: required
 *    RESLINK_A_TYPE: NLA_U8, RESLINK_TYPE_*, required
 *    single, group: RESLINK_A_GATEWAY_ID or _NAME required (a child uses its
 *                   group's gateway and must not name one)
 *    single, child: RESLINK_A_TARGETS (one family, up to RESLINK_ADDRS_MAX)
 *                   and/or RESLINK_A_DNS_NAME (NLA_NUL_STRING, the name the
 *                   targets were resolved from); at least one is required; a
 *                   DNS resource may have no address yet (then no connection
 *                   is admitted and drops count as no_target)
 *    group:         must not have targets
 *    child:         RESLINK_A_GROUP_ID or _NAME required (a group)
 *    RESLINK_A_PORTS: required for single and group; optional for a child,
 *                     which otherwise inherits its group's ports
 *    RESLINK_A_PROTOCOLS: NLA_U32 mask, optional, default RESLINK_PROTO_TCP;
 *                         a child inherits its group's
 *    RESLINK_A_DOMAIN: NLA_NUL_STRING, custom domain name, optional
 *    RESLINK_A_FLAGS: NLA_U32, RESLINK_RES_F_*, optional
 *    RESLINK_A_IDLE_TIMEOUT: NLA_U32 seconds for established TCP, optional,
 *                            default RESLINK_IDLE_TIMEOUT_DEFAULT
 *    RESLINK_A_ACCOUNT: the owner (a child must have its group's owner)
 *  A child must not carry RESLINK_A_PROTOCOLS or RESLINK_A_FLAGS; a group
 *  has at most RESLINK_ADDRS_MAX children. The targets' family must be one
 *  the gateway has an address of. A child's domain must not be claimed by an
 *  endpoint with private DNS in the network of one of the group's endpoints
 *  with private DNS (EEXIST).
 *  A new child of a group that has endpoints gets an address on each of them
 *  (a free address of the endpoint's pool: of the child's family, unicast,
 *  and not held by any endpoint or gateway). An endpoint whose pool has none
 *  (exhausted, of the other family, or a prefix pool with the namespace at
 *  max_endpoint_addrs) leaves the child unmapped: the child
 *  is listed in the endpoint's RESLINK_A_UNMAPPED and the endpoint is
 *  announced (RESLINK_CMD_ENDPOINT_SET). Endpoints never make it fail: the
 *  group's owner keeps control of its group whatever other accounts' pools
 *  hold.
 *
 * RESLINK_CMD_RESOURCE_DEL: RESLINK_A_ID or RESLINK_A_NAME. Refused (EBUSY)
 *    while an endpoint of the resource's own owner uses it or, for a group,
 *    while it has children (no cascade: the owner deletes those first).
 *    Other accounts' endpoints never block it: they move to
 *    RESLINK_STATE_DELETED (terminal: they pass nothing, keep their
 *    addresses and the id and name of the resource they were bound to, and
 *    are announced as RESLINK_CMD_ENDPOINT_SET; their owner deletes them)
 *    and lose their connections at once. Deleting a child is never refused:
 *    every endpoint of the group that mapped it gets the address back in its
 *    pool, gives it to a child it had left unmapped (the lowest id of the
 *    address's family), if any, and is announced; the child's connections
 *    are cut.
 *
 * RESLINK_CMD_RESOURCE_SET: replace the targets of a single or child
 *    resource (used by "resource resolve"): RESLINK_A_ID or RESLINK_A_NAME,
 *    RESLINK_A_TARGETS (may be empty to clear, if the resource has a DNS
 *    name), optional RESLINK_A_DNS_NAME. New targets must have the family of
 *    the addresses that the owner's own endpoints have bound to the
 *    resource; other accounts' endpoints never stop the change (one whose
 *    addresses are of the other family passes nothing). Connections to
 *    removed targets are cut.
 *
 * RESLINK_CMD_RESOURCE_SHARE, RESLINK_CMD_RESOURCE_UNSHARE: RESLINK_A_ID or
 *    RESLINK_A_NAME of a single or group resource, RESLINK_A_SHARE_ACCOUNT
 *    (NLA_U64), not the owner's own. Only the owner may; a resource is
 *    shared with at most RESLINK_SHARES_MAX accounts. Unsharing moves every
 *    endpoint of that account on the resource to RESLINK_STATE_REJECTED and
 *    cuts its connections (the cloud keeps such associations; reslink is
 *    stricter).
 *
 * RESLINK_CMD_RESOURCE_GET: as RESLINK_CMD_GATEWAY_GET. Replies hold
 *    RESLINK_A_ID, _NAME, _OWNER, _TYPE, _GATEWAY_ID, _GATEWAY_NAME,
 *    _GROUP_ID and _GROUP_NAME (child), _TARGETS, _DNS_NAME, _PORTS,
 *    _PROTOCOLS, _DOMAIN, _FLAGS, _IDLE_TIMEOUT, _SHARES (NLA_NESTED of
 *    RESLINK_A_SHARE_ACCOUNT), _STATS.
 *
 * RESLINK_CMD_ENDPOINT_NEW: create an endpoint.
 *    RESLINK_A_NAME: required
 *    RESLINK_A_RESOURCE_ID or _NAME: required, a single or group resource
 *      that the acting account owns or that is shared with it
 *    RESLINK_A_ADDRS: single: the endpoint's addresses, of one family: the
 *      targets', or, for a DNS resource with no address yet, any family the
 *      gateway has (later targets must then be of that family). group: the
 *      pool; each child, in id order, takes the first unused address of its
 *      family; extra addresses are kept (and held) for children added later.
 *    RESLINK_A_PREFIX: group only, instead of RESLINK_A_ADDRS: the pool is
 *      every unicast host address of the prefix (IPv4 without the network
 *      and broadcast addresses up to /30, IPv6 without the all-zero host),
 *      taken lowest first when a child needs one, skipping addresses held by
 *      any endpoint or gateway; an address a deleted child gave back stays
 *      the endpoint's and goes to the next child.
 *    An empty RESLINK_A_ADDRS is refused (EINVAL). A child of the group
 *    that the pool has no address for (none left, or none of its family)
 *    is left unmapped (RESLINK_A_UNMAPPED), as when it is added later.
 *    RESLINK_A_RULES: ingress allow rules, optional
 *    RESLINK_A_NETWORK_ID or _NAME: as for gateways: the consumer's network;
 *      addresses are unique within it, and a prefix pool skips only the
 *      addresses held there
 *    RESLINK_A_IFNAME: as for gateways
 *    RESLINK_A_PRIVATE_DNS: NLA_FLAG, optional: the endpoint claims, in its
 *      network, the custom domain (RESLINK_A_DOMAIN) of its resource and,
 *      for a group, those of the group's children (see DNS below). The
 *      resource (or one of the group's children) must have a domain
 *      (EINVAL), and no other endpoint of the network with private DNS may
 *      claim one of the same domains, compared without case (EEXIST).
 *    RESLINK_A_ACCOUNT: the owner
 *  State: RESLINK_STATE_AVAILABLE when the owner owns the resource or the
 *  resource does not require acceptance, RESLINK_STATE_PENDING otherwise.
 *
 * RESLINK_CMD_ENDPOINT_DEL: RESLINK_A_ID or RESLINK_A_NAME; owner only, in
 *    any state.
 *
 * RESLINK_CMD_ENDPOINT_ACCEPT, RESLINK_CMD_ENDPOINT_REJECT: RESLINK_A_ID or
 *    RESLINK_A_NAME; the acting account must own the endpoint's resource.
 *    Rejecting cuts the endpoint's connections. A deleted endpoint's state
 *    cannot change (EINVAL).
 *
 * RESLINK_CMD_ADDR_PICK: the lowest free addresses of the subnet of a
 *    device's own address, for "addr auto"; changes nothing.
 *    RESLINK_A_IFNAME: required, the device
 *    RESLINK_A_NETWORK_ID or _NAME: the endpoint's network, default
 *      "default", as RESLINK_CMD_ENDPOINT_NEW takes it (its owner only; the
 *      device must be one of its links)
 *    RESLINK_A_RESOURCE_ID or _NAME: required; the family is that of its
 *      targets (a group: of its first child that has targets), or IPv4 when
 *      there is none and the device has an IPv4 subnet, else IPv6
 *    RESLINK_A_COUNT: NLA_U32, 1 to RESLINK_ADDRS_MAX, default 1
 *    RESLINK_A_ADDRS: optional, addresses not to pick (those a host on the
 *      link was found to use)
 *  The subnet is that of the device's first address of the family with
 *  host addresses (IPv4 up to /30, IPv6 up to /126, not link-local); free
 *  means that an endpoint could take it as RESLINK_CMD_ENDPOINT_NEW checks
 *  (see Addresses above). Replies with RESLINK_A_ADDRS, lowest first;
 *  ENOSPC when the subnet has fewer free addresses, EADDRNOTAVAIL when the
 *  device has no such subnet.
 *
 * RESLINK_CMD_ENDPOINT_GET: as RESLINK_CMD_GATEWAY_GET. Replies hold
 *    RESLINK_A_ID, _NAME, _OWNER, _RESOURCE_ID, _RESOURCE_NAME, _STATE,
 *    _ADDRS (single: the addresses; group: the pool; left out when the pool
 *    is a prefix), _PREFIX (if given),
 *    _MAPPINGS (group: NLA_NESTED of RESLINK_MAPPINGS_A_MAPPING, each
 *    NLA_NESTED of RESLINK_MAPPING_A_RESOURCE_ID and RESLINK_MAPPING_A_ADDR,
 *    an address attribute), _UNMAPPED (group, when a child has no address
 *    on the endpoint: the children's ids, in id order), _RULES, _IFNAME,
 *    _PRIVATE_DNS (if set), _STATS.
 *
 * RESLINK_CMD_NETWORK_NEW: create a network.
 *    RESLINK_A_NAME: required ("default" is taken)
 *    RESLINK_A_VRF: NLA_NUL_STRING, required: an existing VRF device (an L3
 *                   master) of the namespace that no other network uses
 *    RESLINK_A_ACCOUNT: the owner
 *  The network gets the lowest free conntrack zone from 1 (ENOSPC when
 *  none is left). Replies with the new object.
 *
 * RESLINK_CMD_NETWORK_DEL: RESLINK_A_ID or RESLINK_A_NAME; owner only.
 *    Refused while a gateway or an endpoint is in it (no cascade), and for
 *    "default". Connections left in its zone are cut.
 *
 * RESLINK_CMD_NETWORK_GET: as RESLINK_CMD_GATEWAY_GET; a dump starts with
 *    "default". Replies hold RESLINK_A_ID, _NAME, _OWNER, _VRF (absent for
 *    "default" and once the VRF device is gone), _ZONE (NLA_U16), _STATS.
 *    Gateway and endpoint replies hold RESLINK_A_NETWORK_ID and
 *    RESLINK_A_NETWORK_NAME.
 *
 * When a network's VRF device is unregistered, the network is detached: it
 *    keeps its objects but loses its VRF (RESLINK_A_VRF absent), nothing
 *    enters it any more, every connection that arrived in it or leaves
 *    through one of its gateways is cut, and a RESLINK_CMD_NETWORK_SET event
 *    announces it. It can only be deleted (once empty).
 *
 * DNS
 * ---
 *
 * The kernel serves no DNS; it keeps what the names need, and the tool
 * writes hosts files from it. Every endpoint is named
 * "<endpoint id>.<resource id>.<suffix>" and, for a group, each child's
 * address also "<child id>.<endpoint id>.<group id>.<suffix>" (ids as the
 * tool prints them); an endpoint with private DNS also gives its resource's
 * domain, and each child's domain, those addresses in its network.
 *
 * RESLINK_CMD_DNS_SET: RESLINK_A_DNS_SUFFIX (NLA_NUL_STRING, required): the
 *    namespace's suffix, default RESLINK_DNS_SUFFIX_DEFAULT: a DNS name of at
 *    most RESLINK_DNS_SUFFIX_MAXLEN bytes, labels of letters, digits and
 *    '-' (not first or last), without a final dot. A setting of the
 *    namespace, not of an account: CAP_NET_ADMIN suffices.
 *
 * RESLINK_CMD_DNS_GET: no attributes; replies with RESLINK_A_DNS_SUFFIX.
 *
 * Statistics (RESLINK_A_STATS): NLA_NESTED of NLA_U64 counters
 * RESLINK_STATS_A_*, summed over CPUs; a counter that does not apply to an
 * object kind is left out. Gateways: ADMITTED, DROP_EGRESS, DROP_SNAT,
 * DROP_INBOUND, ADDR_CONFLICTS. Resources: ADMITTED, DROP_PORT,
 * DROP_NO_TARGET. Endpoints: ADMITTED, DROP_STATE, DROP_PORT, DROP_INGRESS,
 * DROP_NO_TARGET, DROP_SNAT, ADDR_CONFLICTS, ACTIVE, DROP_MIDSTREAM.
 * Networks: DROP_CROSSING.
 * Gateways, resources and endpoints also: PACKETS_FROM_CONSUMER,
 * BYTES_FROM_CONSUMER, PACKETS_TO_CONSUMER, BYTES_TO_CONSUMER, the packets
 * of their translated connections, open ones included, counted as
 * conntrack's accounting counts them (whole IP packets, one per skb).
 *
 * Replies and dumps: a *_NEW request is answered with the new object (in a
 * message of the request's command) before its ACK. A dump lists objects in
 * id order and sets NLM_F_DUMP_INTR on messages after a change; one object
 * is one message, of up to about 24 KiB for an object at every *_MAX limit.
 * The kernel sizes a dump's batches for the largest object of the kind
 * (netlink_callback's min_dump_alloc), so a reader whose buffer holds 32 KiB
 * (MNL_SOCKET_DUMP_SIZE) reads every object, from its first recvmsg on.
 *
 * Events
 * ------
 *
 * Multicast group RESLINK_MCGRP_EVENTS (CAP_NET_ADMIN to join) receives a
 * *_NEW, *_DEL or *_SET message (ACCEPT, REJECT, SHARE and UNSHARE are
 * announced as the object's *_SET) with the object's attributes, as a GET
 * would reply, after every change. A change of the DNS suffix is announced
 * as RESLINK_CMD_DNS_SET with RESLINK_A_DNS_SUFFIX.
 *
 * RESLINK_CMD_ADDR_CONFLICT: a host on a link claims an endpoint or gateway
 * address (an ARP packet with the address as its sender, or an IPv6
 * neighbour advertisement for it, from a link-layer address other than the
 * receiving device's); at most one a second per address, while every such
 * packet counts in the object's ADDR_CONFLICTS. The kernel does not defend
 * the address. Holds RESLINK_A_ENDPOINT_ID and _NAME, or
 * RESLINK_A_GATEWAY_ID and _NAME; RESLINK_A_ADDRS (the address);
 * RESLINK_A_IFNAME (the receiving device); RESLINK_A_LLADDR (the
 * claimant's link-layer address).
 *
 * Access records
 * --------------
 *
 * Multicast group RESLINK_MCGRP_ACCESS (CAP_NET_ADMIN to join) receives a
 * record of every connection reslink translates, when conntrack confirms
 * its entry: RESLINK_CMD_ACCESS_OPEN messages, each holding
 * RESLINK_A_ACCESS_CPU (NLA_U32, the CPU that admitted them),
 * RESLINK_A_ACCESS_SEQ (NLA_U64, the first record's number in that CPU's
 * sequence) and one or more RESLINK_A_ACCESS_OPEN (struct
 * reslink_access_open, in the order of their numbers). Records are
 * gathered per CPU and sent when a message is full, a few milliseconds
 * after the first one otherwise, and before any event of the events group
 * (a record of a connection admitted before a change comes first when both
 * groups are read). A number skipped in a CPU's sequence is a record lost
 * (no memory, or the reader's buffer was full): a reader counts the gaps,
 * so nothing is lost unseen. Records are made only while the group has a
 * listener. The end of a connection is conntrack's: its DESTROY event
 * (ctnetlink) carries the entry's id (CTA_ID, ct_id below), counters and
 * times. A reader must accept a RESLINK_A_ACCESS_OPEN longer than the
 * struct it knows (fields are only ever added at the end).
 */

#ifndef _UAPI_LINUX_RESLINK_H
#define _UAPI_LINUX_RESLINK_H

#define RESLINK_GENL_NAME		"reslink"
#define RESLINK_GENL_VERSION		1
#define RESLINK_MCGRP_EVENTS		"events"
#define RESLINK_MCGRP_ACCESS		"access"

#define RESLINK_NAME_MAXLEN		63
#define RESLINK_DNS_NAME_MAXLEN		253
#define RESLINK_ADDRS_MAX		256
#define RESLINK_RULES_MAX		64
#define RESLINK_PORT_RANGES_MAX		32
#define RESLINK_RULE_RANGES_MAX		256
#define RESLINK_SHARES_MAX		1024
#define RESLINK_ACCOUNT_MAX		999999999999ULL
#define RESLINK_SNAT_PORTS_DEFAULT	((1024U << 16) | 65535U)
#define RESLINK_IDLE_TIMEOUT_DEFAULT	350
#define RESLINK_IDLE_TIMEOUT_MAX	(7 * 24 * 3600)
#define RESLINK_NETWORK_DEFAULT		"default"
#define RESLINK_DNS_SUFFIX_DEFAULT	"reslink.internal"
/* Room in a 253-byte name for "<rcfg id>.<vpce id>.<rcfg id>." before it. */
#define RESLINK_DNS_SUFFIX_MAXLEN	184

enum reslink_cmd {
	RESLINK_CMD_UNSPEC,
	RESLINK_CMD_GATEWAY_NEW,
	RESLINK_CMD_GATEWAY_DEL,
	RESLINK_CMD_GATEWAY_GET,
	RESLINK_CMD_GATEWAY_SET,	/* events only */
	RESLINK_CMD_RESOURCE_NEW,
	RESLINK_CMD_RESOURCE_DEL,
	RESLINK_CMD_RESOURCE_GET,
	RESLINK_CMD_RESOURCE_SET,
	RESLINK_CMD_RESOURCE_SHARE,
	RESLINK_CMD_RESOURCE_UNSHARE,
	RESLINK_CMD_ENDPOINT_NEW,
	RESLINK_CMD_ENDPOINT_DEL,
	RESLINK_CMD_ENDPOINT_GET,
	RESLINK_CMD_ENDPOINT_SET,	/* events only */
	RESLINK_CMD_ENDPOINT_ACCEPT,
	RESLINK_CMD_ENDPOINT_REJECT,
	RESLINK_CMD_NETWORK_NEW,
	RESLINK_CMD_NETWORK_DEL,
	RESLINK_CMD_NETWORK_GET,
	RESLINK_CMD_NETWORK_SET,	/* events only */
	RESLINK_CMD_DNS_GET,
	RESLINK_CMD_DNS_SET,
	RESLINK_CMD_ADDR_PICK,
	RESLINK_CMD_ADDR_CONFLICT,	/* events only */
	RESLINK_CMD_ACCESS_OPEN,	/* access records only */
	__RESLINK_CMD_MAX
};

#define RESLINK_CMD_MAX (__RESLINK_CMD_MAX - 1)

enum reslink_attr {
	RESLINK_A_UNSPEC,
	RESLINK_A_PAD,
	RESLINK_A_ID,			/* NLA_U64 */
	RESLINK_A_NAME,			/* NLA_NUL_STRING */
	RESLINK_A_ACCOUNT,		/* NLA_U64, acting account */
	RESLINK_A_OWNER,		/* NLA_U64, replies only */
	RESLINK_A_ADDRS,		/* NLA_NESTED, address list */
	RESLINK_A_PREFIX,		/* NLA_NESTED, prefix */
	RESLINK_A_SNAT_PORTS,		/* NLA_U32, port range */
	RESLINK_A_RULES,		/* NLA_NESTED, allow rules */
	RESLINK_A_IFNAME,		/* NLA_NUL_STRING */
	RESLINK_A_TYPE,			/* NLA_U8, enum reslink_type */
	RESLINK_A_GATEWAY_ID,		/* NLA_U64 */
	RESLINK_A_GATEWAY_NAME,		/* NLA_NUL_STRING */
	RESLINK_A_GROUP_ID,		/* NLA_U64 */
	RESLINK_A_GROUP_NAME,		/* NLA_NUL_STRING */
	RESLINK_A_RESOURCE_ID,		/* NLA_U64 */
	RESLINK_A_RESOURCE_NAME,	/* NLA_NUL_STRING */
	RESLINK_A_TARGETS,		/* NLA_NESTED, address list */
	RESLINK_A_DNS_NAME,		/* NLA_NUL_STRING */
	RESLINK_A_PORTS,		/* NLA_NESTED, port list */
	RESLINK_A_PROTOCOLS,		/* NLA_U32, RESLINK_PROTO_* mask */
	RESLINK_A_DOMAIN,		/* NLA_NUL_STRING */
	RESLINK_A_FLAGS,		/* NLA_U32, RESLINK_RES_F_* */
	RESLINK_A_IDLE_TIMEOUT,		/* NLA_U32, seconds */
	RESLINK_A_SHARE_ACCOUNT,	/* NLA_U64 */
	RESLINK_A_SHARES,		/* NLA_NESTED of RESLINK_A_SHARE_ACCOUNT */
	RESLINK_A_STATE,		/* NLA_U8, enum reslink_state */
	RESLINK_A_MAPPINGS,		/* NLA_NESTED, group endpoint mappings */
	RESLINK_A_STATS,		/* NLA_NESTED, RESLINK_STATS_A_* */
	RESLINK_A_NETWORK_ID,		/* NLA_U64 */
	RESLINK_A_NETWORK_NAME,		/* NLA_NUL_STRING */
	RESLINK_A_VRF,			/* NLA_NUL_STRING, a VRF device */
	RESLINK_A_ZONE,			/* NLA_U16, replies only */
	RESLINK_A_DNS_SUFFIX,		/* NLA_NUL_STRING, the namespace's */
	RESLINK_A_PRIVATE_DNS,		/* NLA_FLAG, endpoints */
	RESLINK_A_COUNT,		/* NLA_U32 */
	RESLINK_A_ENDPOINT_ID,		/* NLA_U64 */
	RESLINK_A_ENDPOINT_NAME,	/* NLA_NUL_STRING */
	RESLINK_A_LLADDR,		/* NLA_BINARY, link-layer address */
	RESLINK_A_UNMAPPED,		/* NLA_NESTED of RESLINK_A_RESOURCE_ID */
	RESLINK_A_SNAT_RANDOM,		/* NLA_FLAG, gateways */
	RESLINK_A_ACCESS_CPU,		/* NLA_U32, access records only */
	RESLINK_A_ACCESS_SEQ,		/* NLA_U64, access records only */
	RESLINK_A_ACCESS_OPEN,		/* struct reslink_access_open */
	__RESLINK_A_MAX
};

#define RESLINK_A_MAX (__RESLINK_A_MAX - 1)

enum reslink_addr_attr {
	RESLINK_ADDR_A_UNSPEC,
	RESLINK_ADDR_A_IN,		/* 4 bytes */
	RESLINK_ADDR_A_IN6,		/* 16 bytes */
	RESLINK_ADDR_A_PREFIXLEN,	/* NLA_U8, in prefixes only */
	__RESLINK_ADDR_A_MAX
};

#define RESLINK_ADDR_A_MAX (__RESLINK_ADDR_A_MAX - 1)

enum reslink_ports_attr {
	RESLINK_PORTS_A_UNSPEC,
	RESLINK_PORTS_A_RANGE,		/* NLA_U32, (first << 16) | last */
	__RESLINK_PORTS_A_MAX
};

#define RESLINK_PORTS_A_MAX (__RESLINK_PORTS_A_MAX - 1)

enum reslink_rules_attr {
	RESLINK_RULES_A_UNSPEC,
	RESLINK_RULES_A_RULE,		/* NLA_NESTED, RESLINK_RULE_A_* */
	__RESLINK_RULES_A_MAX
};

#define RESLINK_RULES_A_MAX (__RESLINK_RULES_A_MAX - 1)

enum reslink_rule_attr {
	RESLINK_RULE_A_UNSPEC,
	RESLINK_RULE_A_PREFIX,		/* NLA_NESTED, prefix */
	RESLINK_RULE_A_PROTOCOLS,	/* NLA_U32, RESLINK_PROTO_* mask */
	RESLINK_RULE_A_PORTS,		/* NLA_NESTED, port list */
	__RESLINK_RULE_A_MAX
};

#define RESLINK_RULE_A_MAX (__RESLINK_RULE_A_MAX - 1)

enum reslink_mappings_attr {
	RESLINK_MAPPINGS_A_UNSPEC,
	RESLINK_MAPPINGS_A_MAPPING,	/* NLA_NESTED, RESLINK_MAPPING_A_* */
	__RESLINK_MAPPINGS_A_MAX
};

#define RESLINK_MAPPINGS_A_MAX (__RESLINK_MAPPINGS_A_MAX - 1)

enum reslink_mapping_attr {
	RESLINK_MAPPING_A_UNSPEC,
	RESLINK_MAPPING_A_PAD,
	RESLINK_MAPPING_A_RESOURCE_ID,	/* NLA_U64, the child */
	RESLINK_MAPPING_A_ADDR,		/* NLA_NESTED, one address */
	__RESLINK_MAPPING_A_MAX
};

#define RESLINK_MAPPING_A_MAX (__RESLINK_MAPPING_A_MAX - 1)

enum reslink_stats_attr {
	RESLINK_STATS_A_UNSPEC,
	RESLINK_STATS_A_PAD,
	RESLINK_STATS_A_ADMITTED,	/* new connections translated */
	RESLINK_STATS_A_DROP_STATE,	/* endpoint not available */
	RESLINK_STATS_A_DROP_PORT,	/* port or protocol not offered */
	RESLINK_STATS_A_DROP_INGRESS,	/* no ingress rule matched */
	RESLINK_STATS_A_DROP_EGRESS,	/* no egress rule matched */
	RESLINK_STATS_A_DROP_NO_TARGET,	/* resource has no address */
	RESLINK_STATS_A_DROP_SNAT,	/* no free source port (SNAT failure) */
	RESLINK_STATS_A_DROP_INBOUND,	/* new connection to a gateway address */
	RESLINK_STATS_A_ACTIVE,		/* connections in conntrack now */
	RESLINK_STATS_A_DROP_CROSSING,	/* routed into another network */
	RESLINK_STATS_A_ADDR_CONFLICTS,	/* a host on a link claimed an address */
	RESLINK_STATS_A_DROP_MIDSTREAM,	/* TCP picked up without its SYN */
	RESLINK_STATS_A_PACKETS_FROM_CONSUMER,	/* translated connections' */
	RESLINK_STATS_A_BYTES_FROM_CONSUMER,	/* original direction */
	RESLINK_STATS_A_PACKETS_TO_CONSUMER,	/* and reply direction, */
	RESLINK_STATS_A_BYTES_TO_CONSUMER,	/* whole IP packets */
	__RESLINK_STATS_A_MAX
};

#define RESLINK_STATS_A_MAX (__RESLINK_STATS_A_MAX - 1)

enum reslink_type {
	RESLINK_TYPE_UNSPEC,
	RESLINK_TYPE_SINGLE,
	RESLINK_TYPE_GROUP,
	RESLINK_TYPE_CHILD,
	__RESLINK_TYPE_MAX
};

#define RESLINK_TYPE_MAX (__RESLINK_TYPE_MAX - 1)

enum reslink_state {
	RESLINK_STATE_UNSPEC,
	RESLINK_STATE_PENDING,
	RESLINK_STATE_AVAILABLE,
	RESLINK_STATE_REJECTED,
	RESLINK_STATE_DELETED,		/* the resource is gone; terminal */
	__RESLINK_STATE_MAX
};

#define RESLINK_STATE_MAX (__RESLINK_STATE_MAX - 1)

/*
 * A connection reslink translated, as conntrack is about to confirm it.
 * Addresses are in network byte order, an IPv4 one in the first 4 bytes
 * (the rest zero); ports in network byte order.
 */
struct reslink_access_open {
	__u64	time_ns;		/* CLOCK_REALTIME */
	__u64	endpoint_id;		/* the group endpoint for a child */
	__u64	resource_id;		/* the child reached, for a group */
	__u64	gateway_id;
	__u64	network_id;		/* the endpoint's */
	__u32	ct_id;			/* the entry's CTA_ID, in host order */
	__u8	family;			/* AF_INET or AF_INET6 */
	__u8	protocol;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u16	reserved;		/* zero */
	__u8	source[16];		/* the consumer's address, */
	__u8	endpoint[16];		/* the endpoint address, */
	__u8	gateway[16];		/* the translated source, */
	__u8	target[16];		/* the target */
	__be16	source_port;		/* and their ports */
	__be16	endpoint_port;
	__be16	gateway_port;
	__be16	target_port;
};

#define RESLINK_PROTO_TCP		(1U << 0)
#define RESLINK_PROTO_UDP		(1U << 1)
#define RESLINK_PROTO_ALL		(RESLINK_PROTO_TCP | RESLINK_PROTO_UDP)

#define RESLINK_RES_F_ACCEPTANCE_REQUIRED	(1U << 0)
#define RESLINK_RES_F_ALL			RESLINK_RES_F_ACCEPTANCE_REQUIRED

#endif /* _UAPI_LINUX_RESLINK_H */
