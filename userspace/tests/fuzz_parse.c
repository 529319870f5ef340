// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the value parsers ("make fuzz"): every parser gets
 * the input as a string and must not crash; whatever one accepts must print
 * back as text that parses to the same value.
 */
#include <stdlib.h>
#include <string.h>

#include "reslink.h"

struct rl_opts opts;

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[PORTS_STRLEN];
	struct rl_ports ports, ports2;
	struct rl_prefix prefix, prefix2;
	struct rl_addr addr, addr2;
	struct rl_ref ref;
	const char *why;
	uint64_t v, v2;
	uint32_t mask;
	int k;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (!parse_addr(s, &addr)) {
		check(!parse_addr(format_addr(buf, sizeof(buf), &addr), &addr2));
		check(addr.family == addr2.family &&
		      !memcmp(addr.bytes, addr2.bytes, sizeof(addr.bytes)));
	}
	if (!parse_prefix(s, &prefix, &why)) {
		check(!parse_prefix(format_prefix(buf, sizeof(buf), &prefix),
				    &prefix2, &why));
		check(prefix.len == prefix2.len &&
		      !memcmp(prefix.addr.bytes, prefix2.addr.bytes, 16));
	}
	if (!parse_ports(s, &ports, &why)) {
		check(ports.n >= 1 && ports.n <= RESLINK_PORT_RANGES_MAX);
		check(!parse_ports(format_ports(buf, sizeof(buf), &ports),
				   &ports2, &why));
		check(ports.n == ports2.n &&
		      !memcmp(ports.r, ports2.r, ports.n * sizeof(ports.r[0])));
		for (k = 0; k < (int)ports.n; k++)
			check(ports.r[k].first >= 1 &&
			      ports.r[k].first <= ports.r[k].last);
	}
	if (!parse_account(s, &v, &why)) {
		check(v <= RESLINK_ACCOUNT_MAX);
		check(!parse_account(format_account(buf, sizeof(buf), v), &v2,
				     &why) && v == v2);
	}
	for (k = 0; k < KIND_MAX; k++) {
		if (!parse_object_id(s, k, &v, &why))
			check(!strcmp(format_id(buf, sizeof(buf), k, v), s));
		if (!parse_ref(s, k, &ref, &why) && ref.name)
			check(!parse_name(ref.name, &why));
	}
	if (!parse_protocols(s, &mask, &why))
		check(mask && !(mask & ~RESLINK_PROTO_ALL));
	parse_domain(s, &why);
	parse_ifname(s, &why);
	free(s);
	return 0;
}
