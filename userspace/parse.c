// SPDX-License-Identifier: GPL-2.0
/*
 * Value parsers and formatters. Pure functions without netlink or output, so
 * the unit tests in tests/ can run them on any host.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reslink.h"

static const char *const kind_names[KIND_MAX] = {
	[KIND_GATEWAY] = "gateway",
	[KIND_RESOURCE] = "resource",
	[KIND_ENDPOINT] = "endpoint",
	[KIND_NETWORK] = "network",
};

static const char *const id_prefixes[KIND_MAX] = {
	[KIND_GATEWAY] = "rgw-",
	[KIND_RESOURCE] = "rcfg-",
	[KIND_ENDPOINT] = "vpce-",
	[KIND_NETWORK] = "vpc-",
};

/* An id is the prefix and exactly this many lower-case hex digits. */
#define ID_DIGITS 17

const char *kind_str(enum rl_kind kind)
{
	return kind_names[kind];
}

const char *id_prefix(enum rl_kind kind)
{
	return id_prefixes[kind];
}

/* Digits only: strtoul alone would accept spaces, signs and "0x". */
static bool all_digits(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!isdigit((unsigned char)*s) || n >= max)
			return false;
	return n > 0;
}

int parse_uint(const char *s, unsigned long max, unsigned long *out,
	       const char **why)
{
	unsigned long v;

	if (!all_digits(s, 10)) {
		*why = "expected a decimal number";
		return -1;
	}
	errno = 0;
	v = strtoul(s, NULL, 10);
	if (errno || v > max) {
		*why = "number out of range";
		return -1;
	}
	*out = v;
	return 0;
}

int parse_addr(const char *s, struct rl_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

static unsigned int addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

int parse_prefix(const char *s, struct rl_prefix *out, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned long len;
	unsigned int i;

	if (!slash) {
		*why = "a prefix needs a length (ADDR/LEN)";
		return -1;
	}
	if ((size_t)(slash - s) >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (parse_addr(buf, &out->addr)) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	if (!all_digits(slash + 1, 3)) {
		*why = "the prefix length must be a decimal number";
		return -1;
	}
	len = strtoul(slash + 1, NULL, 10);
	if (len > addr_bits(out->addr.family)) {
		*why = out->addr.family == AF_INET ?
		       "an IPv4 prefix length is at most 32" :
		       "an IPv6 prefix length is at most 128";
		return -1;
	}
	out->len = len;
	for (i = 0; i < addr_bits(out->addr.family) / 8; i++) {
		unsigned int bit = i * 8;
		uint8_t mask;

		if (bit + 8 <= len)
			continue;
		mask = bit >= len ? 0xff : (uint8_t)(0xff >> (len - bit));
		if (out->addr.bytes[i] & mask) {
			*why = "host bits are set (the address must be the first of the prefix)";
			return -1;
		}
	}
	return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *out,
		      const char **why)
{
	char buf[8];
	unsigned long v;

	if (len == 0) {
		*why = "empty port";
		return -1;
	}
	if (len >= sizeof(buf)) {
		*why = "ports are 1 to 65535";
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!all_digits(buf, 5)) {
		*why = "a port is a decimal number";
		return -1;
	}
	v = strtoul(buf, NULL, 10);
	if (v < 1 || v > 65535) {
		*why = "ports are 1 to 65535";
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_item(const char *s, size_t len, struct rl_range *out,
		      const char **why)
{
	const char *dash = memchr(s, '-', len);

	if (!dash) {
		if (parse_port(s, len, &out->first, why))
			return -1;
		out->last = out->first;
		return 0;
	}
	if (parse_port(s, dash - s, &out->first, why) ||
	    parse_port(dash + 1, len - (dash - s) - 1, &out->last, why))
		return -1;
	if (out->first > out->last) {
		*why = "a range must not end below its start";
		return -1;
	}
	return 0;
}

int parse_port_range(const char *s, struct rl_range *out, const char **why)
{
	return parse_item(s, strlen(s), out, why);
}

int parse_ports(const char *s, struct rl_ports *out, const char **why)
{
	out->n = 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (out->n == RESLINK_PORT_RANGES_MAX) {
			*why = "too many port ranges (at most 32)";
			return -1;
		}
		if (parse_item(s, len, &out->r[out->n], why))
			return -1;
		out->n++;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int parse_account(const char *s, uint64_t *out, const char **why)
{
	if (!all_digits(s, 12)) {
		*why = "an account is 1 to 12 decimal digits";
		return -1;
	}
	*out = strtoull(s, NULL, 10);
	return 0;
}

int parse_name(const char *s, const char **why)
{
	size_t len = strlen(s);
	int k;

	if (len == 0 || len > RESLINK_NAME_MAXLEN) {
		*why = "a name is 1 to 63 characters";
		return -1;
	}
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") != len) {
		*why = "a name may contain only letters, digits, '.', '_' and '-'";
		return -1;
	}
	for (k = 0; k < KIND_MAX; k++) {
		if (!strncmp(s, id_prefixes[k], strlen(id_prefixes[k]))) {
			*why = "a name must not start with an id prefix (rgw-, rcfg-, vpce-, vpc-)";
			return -1;
		}
	}
	return 0;
}

int parse_object_id(const char *s, enum rl_kind kind, uint64_t *out,
		    const char **why)
{
	size_t plen = strlen(id_prefixes[kind]);

	if (strncmp(s, id_prefixes[kind], plen)) {
		*why = "wrong id prefix";
		return -1;
	}
	s += plen;
	if (strlen(s) != ID_DIGITS ||
	    strspn(s, "0123456789abcdef") != ID_DIGITS) {
		*why = "an id is its prefix and 17 lower-case hex digits";
		return -1;
	}
	/* 17 digits hold 68 bits; a u64 needs the first to be 0. */
	if (s[0] != '0') {
		*why = "id out of range";
		return -1;
	}
	*out = strtoull(s, NULL, 16);
	return 0;
}

int parse_ref(const char *s, enum rl_kind kind, struct rl_ref *out,
	      const char **why)
{
	int k;

	for (k = 0; k < KIND_MAX; k++) {
		if (strncmp(s, id_prefixes[k], strlen(id_prefixes[k])))
			continue;
		if (k != (int)kind) {
			*why = "that is the id of another kind of object";
			return -1;
		}
		out->name = NULL;
		return parse_object_id(s, kind, &out->id, why);
	}
	if (parse_name(s, why))
		return -1;
	out->name = s;
	out->id = 0;
	return 0;
}

int parse_protocols(const char *s, uint32_t *out, const char **why)
{
	uint32_t mask = 0;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		uint32_t bit;

		if (len == 3 && !strncmp(s, "tcp", 3)) {
			bit = RESLINK_PROTO_TCP;
		} else if (len == 3 && !strncmp(s, "udp", 3)) {
			bit = RESLINK_PROTO_UDP;
		} else {
			*why = "protocols are tcp, udp or tcp,udp";
			return -1;
		}
		if (mask & bit) {
			*why = "a protocol is listed twice";
			return -1;
		}
		mask |= bit;
		if (!comma)
			break;
		s = comma + 1;
	}
	*out = mask;
	return 0;
}

/* A host name as RFC 1123 allows: dot-separated labels of letters, digits and
 * hyphens, 63 bytes a label, 253 in all, an optional final dot.
 */
int parse_domain(const char *s, const char **why)
{
	size_t len = strlen(s), label = 0;
	const char *p;

	if (len == 0 || len > RESLINK_DNS_NAME_MAXLEN) {
		*why = "a domain name is 1 to 253 characters";
		return -1;
	}
	for (p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-') {
				*why = "empty label or label ending with '-'";
				return -1;
			}
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			*why = "a domain name has letters, digits, '-' and dots";
			return -1;
		}
		if ((label == 0 && *p == '-') || ++label > 63) {
			*why = "a label is 1 to 63 characters, not starting with '-'";
			return -1;
		}
	}
	if (label && p[-1] == '-') {
		*why = "a label must not end with '-'";
		return -1;
	}
	return 0;
}

int parse_ifname(const char *s, const char **why)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IFNAMSIZ || strpbrk(s, "/ \t\n:") ||
	    !strcmp(s, ".") || !strcmp(s, "..")) {
		*why = "not a valid interface name";
		return -1;
	}
	return 0;
}

/* The suffix of generated DNS names: a domain name without '_', without a
 * final dot, short enough that "<child id>.<endpoint id>.<group id>." fits
 * before it in 253 characters.
 */
int parse_dns_suffix(const char *s, const char **why)
{
	size_t len = strlen(s);

	if (len > RESLINK_DNS_SUFFIX_MAXLEN) {
		*why = "a suffix is at most 184 characters";
		return -1;
	}
	if (strchr(s, '_')) {
		*why = "a suffix has letters, digits, '-' and dots";
		return -1;
	}
	if (len && s[len - 1] == '.') {
		*why = "a suffix has no final dot";
		return -1;
	}
	return parse_domain(s, why);
}

char *format_id(char *buf, size_t len, enum rl_kind kind, uint64_t id)
{
	snprintf(buf, len, "%s%017" PRIx64, id_prefixes[kind], id);
	return buf;
}

char *format_account(char *buf, size_t len, uint64_t account)
{
	snprintf(buf, len, "%012" PRIu64, account);
	return buf;
}

char *format_addr(char *buf, size_t len, const struct rl_addr *addr)
{
	if (!inet_ntop(addr->family, addr->bytes, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

char *format_prefix(char *buf, size_t len, const struct rl_prefix *p)
{
	char a[ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", format_addr(a, sizeof(a), &p->addr),
		 p->len);
	return buf;
}

static int format_one(char *buf, size_t len, const struct rl_range *r)
{
	if (r->first == r->last)
		return snprintf(buf, len, "%u", r->first);
	return snprintf(buf, len, "%u-%u", r->first, r->last);
}

char *format_ports(char *buf, size_t len, const struct rl_ports *ports)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < ports->n && off < len; i++) {
		if (i)
			off += snprintf(buf + off, len - off, ",");
		if (off < len)
			off += format_one(buf + off, len - off, &ports->r[i]);
	}
	return buf;
}

char *format_range(char *buf, size_t len, uint32_t range)
{
	struct rl_range r = { .first = range >> 16, .last = range & 0xffff };

	format_one(buf, len, &r);
	return buf;
}

const char *format_protocols(uint32_t mask)
{
	switch (mask & RESLINK_PROTO_ALL) {
	case RESLINK_PROTO_TCP:
		return "tcp";
	case RESLINK_PROTO_UDP:
		return "udp";
	case RESLINK_PROTO_ALL:
		return "tcp,udp";
	default:
		return "none";
	}
}

const char *type_str(unsigned int type)
{
	switch (type) {
	case RESLINK_TYPE_SINGLE:
		return "single";
	case RESLINK_TYPE_GROUP:
		return "group";
	case RESLINK_TYPE_CHILD:
		return "child";
	default:
		return "unknown";
	}
}

const char *state_str(unsigned int state)
{
	switch (state) {
	case RESLINK_STATE_PENDING:
		return "pending";
	case RESLINK_STATE_AVAILABLE:
		return "available";
	case RESLINK_STATE_REJECTED:
		return "rejected";
	case RESLINK_STATE_DELETED:
		return "deleted";
	default:
		return "unknown";
	}
}

/* JSON keys of the counters; the text output uses them with '-' for '_'. */
const char *stat_name(unsigned int attr)
{
	static const char *const names[RESLINK_STATS_A_MAX + 1] = {
		[RESLINK_STATS_A_ADMITTED] = "admitted",
		[RESLINK_STATS_A_DROP_STATE] = "drop_state",
		[RESLINK_STATS_A_DROP_PORT] = "drop_port",
		[RESLINK_STATS_A_DROP_INGRESS] = "drop_ingress",
		[RESLINK_STATS_A_DROP_EGRESS] = "drop_egress",
		[RESLINK_STATS_A_DROP_NO_TARGET] = "drop_no_target",
		[RESLINK_STATS_A_DROP_SNAT] = "drop_snat",
		[RESLINK_STATS_A_DROP_INBOUND] = "drop_inbound",
		[RESLINK_STATS_A_ACTIVE] = "active",
		[RESLINK_STATS_A_DROP_CROSSING] = "drop_crossing",
		[RESLINK_STATS_A_ADDR_CONFLICTS] = "addr_conflicts",
		[RESLINK_STATS_A_DROP_MIDSTREAM] = "drop_midstream",
		[RESLINK_STATS_A_PACKETS_FROM_CONSUMER] = "packets_from_consumer",
		[RESLINK_STATS_A_BYTES_FROM_CONSUMER] = "bytes_from_consumer",
		[RESLINK_STATS_A_PACKETS_TO_CONSUMER] = "packets_to_consumer",
		[RESLINK_STATS_A_BYTES_TO_CONSUMER] = "bytes_to_consumer",
	};

	return attr <= RESLINK_STATS_A_MAX ? names[attr] : NULL;
}
