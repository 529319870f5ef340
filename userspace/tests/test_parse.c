// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the tool's value parsers: one table per parser, each row an
 * input, whether it must parse, and what it must parse to. Prints "ok" or
 * "FAIL" per case and "N passed, N failed" last. Also: a line record
 * (json_begin_line, formatted without json-c) reads as json-c writes it.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "reslink.h"

struct rl_opts opts;

static int passed, failed;

static void result(bool ok, const char *parser, const char *input,
		   const char *detail)
{
	if (ok) {
		passed++;
		printf("ok %s \"%s\"\n", parser, input);
	} else {
		failed++;
		printf("FAIL %s \"%s\": %s\n", parser, input, detail);
	}
}

/* Formatting what was parsed and comparing text checks the value itself. */
static const struct {
	const char *in;
	const char *out;	/* NULL: must be rejected */
} addr_cases[] = {
	{ "10.0.0.1", "10.0.0.1" },
	{ "0.0.0.0", "0.0.0.0" },
	{ "255.255.255.255", "255.255.255.255" },
	{ "fd00::1", "fd00::1" },
	{ "FD00:0:0::A", "fd00::a" },
	{ "::ffff:10.0.0.1", "::ffff:10.0.0.1" },
	{ "", NULL },
	{ "10.0.0", NULL },
	{ "10.0.0.256", NULL },
	{ "10.0.0.1 ", NULL },
	{ " 10.0.0.1", NULL },
	{ "10.0.0.1x", NULL },
	{ "10.0.0.1/32", NULL },
	{ "fd00::1%eth0", NULL },
	{ "fd00:::1", NULL },
	{ "hostname", NULL },
	{ "0x0a000001", NULL },
};

static void test_addr(void)
{
	char buf[ADDR_STRLEN];
	struct rl_addr a;
	size_t i;

	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		int ret = parse_addr(addr_cases[i].in, &a);

		if (!addr_cases[i].out) {
			result(ret != 0, "addr", addr_cases[i].in, "accepted");
			continue;
		}
		result(ret == 0 && !strcmp(format_addr(buf, sizeof(buf), &a),
					   addr_cases[i].out),
		       "addr", addr_cases[i].in, ret ? "rejected" : buf);
	}
}

static const struct {
	const char *in;
	const char *out;
} prefix_cases[] = {
	{ "10.0.0.0/24", "10.0.0.0/24" },
	{ "10.0.0.5/32", "10.0.0.5/32" },
	{ "0.0.0.0/0", "0.0.0.0/0" },
	{ "10.0.0.128/25", "10.0.0.128/25" },
	{ "fd00::/64", "fd00::/64" },
	{ "fd00::1/128", "fd00::1/128" },
	{ "::/0", "::/0" },
	{ "10.0.0.1/24", NULL },	/* host bits set */
	{ "10.0.0.128/24", NULL },
	{ "10.0.0.64/25", NULL },
	{ "fd00::1/64", NULL },
	{ "10.0.0.0/33", NULL },
	{ "fd00::/129", NULL },
	{ "10.0.0.0", NULL },		/* missing length */
	{ "10.0.0.0/", NULL },
	{ "10.0.0.0/-1", NULL },
	{ "10.0.0.0/+8", NULL },
	{ "10.0.0.0/ 8", NULL },
	{ "10.0.0.0/8x", NULL },
	{ "10.0.0.0/0008", NULL },
	{ "/8", NULL },
	{ "garbage/8", NULL },
};

static void test_prefix(void)
{
	char buf[ADDR_STRLEN + 8];
	struct rl_prefix p;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		int ret = parse_prefix(prefix_cases[i].in, &p, &why);

		if (!prefix_cases[i].out) {
			result(ret != 0 && why, "prefix", prefix_cases[i].in,
			       "accepted");
			continue;
		}
		result(ret == 0 && !strcmp(format_prefix(buf, sizeof(buf), &p),
					   prefix_cases[i].out),
		       "prefix", prefix_cases[i].in, ret ? why : buf);
	}
}

static const struct {
	const char *in;
	const char *out;	/* formatted back; NULL: rejected */
	unsigned int n;
} port_cases[] = {
	{ "80", "80", 1 },
	{ "1", "1", 1 },
	{ "65535", "65535", 1 },
	{ "8000-8100", "8000-8100", 1 },
	{ "22,80,8000-8100", "22,80,8000-8100", 3 },
	{ "443-443", "443", 1 },
	{ "1-65535", "1-65535", 1 },
	{ "080", "80", 1 },
	{ "0", NULL, 0 },
	{ "65536", NULL, 0 },
	{ "99999999", NULL, 0 },
	{ "0-10", NULL, 0 },
	{ "10-65536", NULL, 0 },
	{ "100-10", NULL, 0 },		/* reversed */
	{ "", NULL, 0 },
	{ ",80", NULL, 0 },
	{ "80,", NULL, 0 },
	{ "80,,81", NULL, 0 },
	{ "-80", NULL, 0 },
	{ "80-", NULL, 0 },
	{ "80-90-100", NULL, 0 },
	{ "80 ", NULL, 0 },
	{ " 80", NULL, 0 },
	{ "80, 81", NULL, 0 },
	{ "+80", NULL, 0 },
	{ "http", NULL, 0 },
	{ "0x50", NULL, 0 },
};

static void test_ports(void)
{
	char buf[PORTS_STRLEN], many[512];
	struct rl_ports p;
	const char *why = NULL;
	size_t i, off;
	int ret;

	for (i = 0; i < sizeof(port_cases) / sizeof(port_cases[0]); i++) {
		ret = parse_ports(port_cases[i].in, &p, &why);
		if (!port_cases[i].out) {
			result(ret != 0 && why, "ports", port_cases[i].in,
			       "accepted");
			continue;
		}
		result(ret == 0 && p.n == port_cases[i].n &&
		       !strcmp(format_ports(buf, sizeof(buf), &p),
			       port_cases[i].out),
		       "ports", port_cases[i].in, ret ? why : buf);
	}

	/* 32 ranges are the most a list holds; 33 are too many. */
	for (i = 0, off = 0; i < 32; i++)
		off += snprintf(many + off, sizeof(many) - off, "%s%zu",
				i ? "," : "", 1000 + i);
	ret = parse_ports(many, &p, &why);
	result(ret == 0 && p.n == 32 && p.r[31].first == 1031, "ports",
	       "32 ranges", ret ? why : "wrong value");
	snprintf(many + off, sizeof(many) - off, ",2000");
	ret = parse_ports(many, &p, &why);
	result(ret != 0, "ports", "33 ranges", "accepted");

	/* The values, not only their text: ranges are (first, last). */
	ret = parse_ports("22,8000-8100", &p, &why);
	result(ret == 0 && p.r[0].first == 22 && p.r[0].last == 22 &&
	       p.r[1].first == 8000 && p.r[1].last == 8100,
	       "ports", "22,8000-8100 values", "wrong values");
}

static const struct {
	const char *in;
	bool ok;
	uint64_t value;
} account_cases[] = {
	{ "0", true, 0 },
	{ "000000000000", true, 0 },
	{ "123456789012", true, 123456789012ULL },
	{ "999999999999", true, 999999999999ULL },
	{ "000000000042", true, 42 },
	{ "1", true, 1 },
	{ "1000000000000", false, 0 },	/* 13 digits */
	{ "0000000000001", false, 0 },	/* 13 digits, small value */
	{ "", false, 0 },
	{ "-1", false, 0 },
	{ "+1", false, 0 },
	{ "12a", false, 0 },
	{ " 12", false, 0 },
	{ "12 ", false, 0 },
	{ "0x10", false, 0 },
	{ "1e3", false, 0 },
};

static void test_account(void)
{
	const char *why = NULL;
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(account_cases) / sizeof(account_cases[0]); i++) {
		int ret = parse_account(account_cases[i].in, &v, &why);

		if (!account_cases[i].ok)
			result(ret != 0, "account", account_cases[i].in,
			       "accepted");
		else
			result(ret == 0 && v == account_cases[i].value,
			       "account", account_cases[i].in,
			       ret ? why : "wrong value");
	}
}

static const struct {
	const char *in;
	bool ok;
} name_cases[] = {
	{ "gw1", true },
	{ "my-db.prod_1", true },
	{ "A", true },
	{ "123", true },
	{ "rgw", true },
	{ "vpce", true },
	{ "RGW-1", true },	/* prefixes are lower case */
	{ "012345678901234567890123456789012345678901234567890123456789012", true },
	{ "0123456789012345678901234567890123456789012345678901234567890123", false },
	{ "", false },
	{ "a b", false },
	{ "a/b", false },
	{ "a:b", false },
	{ "é", false },
	{ "name\t", false },
	{ "rgw-x", false },
	{ "rcfg-00000000000000001", false },
	{ "vpce-db", false },
};

static void test_name(void)
{
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		int ret = parse_name(name_cases[i].in, &why);

		result((ret == 0) == name_cases[i].ok, "name", name_cases[i].in,
		       ret ? "rejected" : "accepted");
	}
}

static const struct {
	const char *in;
	enum rl_kind kind;
	bool ok;
	uint64_t id;
} id_cases[] = {
	{ "rgw-00000000000000001", KIND_GATEWAY, true, 1 },
	{ "rcfg-0000000000000abcd", KIND_RESOURCE, true, 0xabcd },
	{ "vpce-0ffffffffffffffff", KIND_ENDPOINT, true, UINT64_MAX },
	{ "vpce-10000000000000000", KIND_ENDPOINT, false, 0 },	/* > u64 */
	{ "vpce-00000000000000010", KIND_ENDPOINT, true, 16 },
	{ "rgw-0000000000000001", KIND_GATEWAY, false, 0 },	/* 16 digits */
	{ "rgw-000000000000000001", KIND_GATEWAY, false, 0 },	/* 18 digits */
	{ "rgw-0000000000000000A", KIND_GATEWAY, false, 0 },	/* upper case */
	{ "rgw-0000000000000000g", KIND_GATEWAY, false, 0 },
	{ "rgw-", KIND_GATEWAY, false, 0 },
	{ "rcfg-00000000000000001", KIND_GATEWAY, false, 0 },	/* other kind */
	{ "rgw-00000000000000001", KIND_ENDPOINT, false, 0 },
	{ "00000000000000001", KIND_GATEWAY, false, 0 },
};

static void test_object_id(void)
{
	const char *why = NULL;
	char buf[ID_STRLEN];
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(id_cases) / sizeof(id_cases[0]); i++) {
		int ret = parse_object_id(id_cases[i].in, id_cases[i].kind, &v,
					  &why);

		if (!id_cases[i].ok)
			result(ret != 0, "id", id_cases[i].in, "accepted");
		else
			result(ret == 0 && v == id_cases[i].id &&
			       !strcmp(format_id(buf, sizeof(buf),
						 id_cases[i].kind, v),
				       id_cases[i].in),
			       "id", id_cases[i].in, ret ? why : "wrong value");
	}
}

static void test_ref(void)
{
	const char *why = NULL;
	struct rl_ref ref;
	int ret;

	ret = parse_ref("db", KIND_RESOURCE, &ref, &why);
	result(ret == 0 && ref.name && !strcmp(ref.name, "db"), "ref", "db",
	       "not a name");
	ret = parse_ref("rcfg-00000000000000007", KIND_RESOURCE, &ref, &why);
	result(ret == 0 && !ref.name && ref.id == 7, "ref",
	       "rcfg-00000000000000007", "not an id");
	ret = parse_ref("vpce-00000000000000007", KIND_RESOURCE, &ref, &why);
	result(ret != 0, "ref", "vpce- id for a resource", "accepted");
	ret = parse_ref("rcfg-7", KIND_RESOURCE, &ref, &why);
	result(ret != 0, "ref", "rcfg-7", "accepted");
}

static const struct {
	const char *in;
	bool ok;
	uint32_t mask;
} proto_cases[] = {
	{ "tcp", true, RESLINK_PROTO_TCP },
	{ "udp", true, RESLINK_PROTO_UDP },
	{ "tcp,udp", true, RESLINK_PROTO_ALL },
	{ "udp,tcp", true, RESLINK_PROTO_ALL },
	{ "TCP", false, 0 },
	{ "tcp,tcp", false, 0 },
	{ "tcp,", false, 0 },
	{ ",udp", false, 0 },
	{ "", false, 0 },
	{ "icmp", false, 0 },
	{ "tcp udp", false, 0 },
	{ "tc", false, 0 },
	{ "tcpx", false, 0 },
};

static void test_protocols(void)
{
	const char *why = NULL;
	uint32_t mask;
	size_t i;

	for (i = 0; i < sizeof(proto_cases) / sizeof(proto_cases[0]); i++) {
		int ret = parse_protocols(proto_cases[i].in, &mask, &why);

		if (!proto_cases[i].ok)
			result(ret != 0, "proto", proto_cases[i].in, "accepted");
		else
			result(ret == 0 && mask == proto_cases[i].mask, "proto",
			       proto_cases[i].in, ret ? why : "wrong value");
	}
}

static const struct {
	const char *in;
	bool ok;
} domain_cases[] = {
	{ "db.example.com", true },
	{ "localhost", true },
	{ "db.example.com.", true },
	{ "a-b.c", true },
	{ "", false },
	{ "db..example", false },
	{ ".example", false },
	{ "-db.example", false },
	{ "db-.example", false },
	{ "db example", false },
	{ "db/example", false },
	{ "0123456789012345678901234567890123456789012345678901234567890123.com", false },
};

static void test_domain(void)
{
	const char *why = NULL;
	char long_name[300];
	size_t i;

	for (i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]); i++) {
		int ret = parse_domain(domain_cases[i].in, &why);

		result((ret == 0) == domain_cases[i].ok, "domain",
		       domain_cases[i].in, ret ? "rejected" : "accepted");
	}
	/* 254 characters in labels of 9: one more than a name may have. */
	for (i = 0; i < 254; i++)
		long_name[i] = i % 10 == 9 ? '.' : 'a';
	long_name[254] = '\0';
	result(parse_domain(long_name, &why) != 0, "domain", "254 characters",
	       "accepted");
	long_name[253] = '\0';
	result(parse_domain(long_name, &why) == 0, "domain", "253 characters",
	       "rejected");
}

static const struct {
	const char *in;
	bool ok;
} suffix_cases[] = {
	{ "reslink.internal", true },
	{ "corp", true },
	{ "a-1.example.org", true },
	{ "", false },
	{ "reslink.internal.", false },
	{ ".internal", false },
	{ "my_corp.internal", false },
	{ "-corp.internal", false },
	{ "corp-.internal", false },
	{ "corp..internal", false },
	{ "corp internal", false },
};

static void test_dns_suffix(void)
{
	const char *why = NULL;
	char long_name[200];
	size_t i;

	for (i = 0; i < sizeof(suffix_cases) / sizeof(suffix_cases[0]); i++) {
		int ret = parse_dns_suffix(suffix_cases[i].in, &why);

		result((ret == 0) == suffix_cases[i].ok, "dns suffix",
		       suffix_cases[i].in, ret ? "rejected" : "accepted");
	}
	for (i = 0; i < 185; i++)
		long_name[i] = i % 10 == 9 ? '.' : 'a';
	long_name[185] = '\0';
	result(parse_dns_suffix(long_name, &why) != 0, "dns suffix",
	       "185 characters", "accepted");
	long_name[184] = '\0';
	result(parse_dns_suffix(long_name, &why) == 0, "dns suffix",
	       "184 characters", "rejected");
}

static void test_uint(void)
{
	const char *why = NULL;
	unsigned long v;

	result(parse_uint("350", 604800, &v, &why) == 0 && v == 350, "uint",
	       "350", "rejected");
	result(parse_uint("604801", 604800, &v, &why) != 0, "uint", "604801",
	       "accepted");
	result(parse_uint("-5", 604800, &v, &why) != 0, "uint", "-5",
	       "accepted");
	result(parse_uint("99999999999", 604800, &v, &why) != 0, "uint",
	       "99999999999", "accepted");
}

static void test_ifname(void)
{
	const char *why = NULL;

	result(parse_ifname("veth-c", &why) == 0, "ifname", "veth-c", "rejected");
	result(parse_ifname("0123456789abcdef", &why) != 0, "ifname",
	       "16 characters", "accepted");
	result(parse_ifname("a/b", &why) != 0, "ifname", "a/b", "accepted");
	result(parse_ifname("", &why) != 0, "ifname", "empty", "accepted");
}

/* One document, with every kind of value and strings that need escaping. */
static void print_document(void)
{
	print_string(PRINT_ANY, "time", "%s ", "2026-12-02T16:45:01.123456Z");
	print_string(PRINT_JSON, "quotes", NULL, "a \"b\" \\ c/d");
	print_string(PRINT_JSON, "controls", NULL, "\t\n\r\b\f\x01\x1f end");
	print_string(PRINT_JSON, "utf8", NULL, "caf\xc3\xa9");
	print_string(PRINT_JSON, "empty", NULL, "");
	print_u64(PRINT_JSON, "zero", NULL, 0);
	print_u64(PRINT_JSON, "max", NULL, UINT64_MAX);
	print_bool(PRINT_JSON, "yes", NULL, true);
	print_bool(PRINT_JSON, "no", NULL, false);
	open_json_object("nested");
	print_u64(PRINT_JSON, "n", NULL, 42);
	open_json_array(PRINT_JSON, "list");
	print_string(PRINT_JSON, NULL, NULL, "x");
	print_u64(PRINT_JSON, NULL, NULL, 7);
	close_json_array(PRINT_JSON);
	open_json_array(PRINT_JSON, "none");
	close_json_array(PRINT_JSON);
	close_json_object();
	open_json_object("empty_object");
	close_json_object();
	print_string(PRINT_JSON, "last", NULL, "z");
}

/* What one document prints on stdout, through a temporary file. */
static size_t capture(bool line, char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n = 0;

	if (!tmp || saved < 0)
		return 0;
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	if (line)
		json_begin_line();
	else
		json_begin(false);
	print_document();
	json_end();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return n;
}

static void test_json_line(void)
{
	static char direct[4096], jsonc[4096];

	opts.json = true;
	capture(true, direct, sizeof(direct));
	capture(false, jsonc, sizeof(jsonc));
	opts.json = false;
	if (!jsonc[0] || strcmp(direct, jsonc))
		printf("json-c wrote:  %s" "json_begin_line wrote: %s", jsonc,
		       direct);
	result(jsonc[0] && !strcmp(direct, jsonc), "json_begin_line",
	       "every kind of value, escapes", "differs from json-c");
}

int main(void)
{
	test_addr();
	test_prefix();
	test_ports();
	test_account();
	test_name();
	test_object_id();
	test_ref();
	test_protocols();
	test_domain();
	test_dns_suffix();
	test_uint();
	test_ifname();
	test_json_line();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
