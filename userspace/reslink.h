/* SPDX-License-Identifier: GPL-2.0 */
/* The reslink tool: shared types and the interfaces between its files. */
#ifndef RESLINK_TOOL_H
#define RESLINK_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/reslink.h>

#define RESLINK_TOOL_VERSION "0.1.0"

/* Exit status, as ip(8): usage or syntax error, kernel rejection. */
#define EXIT_USAGE	1
#define EXIT_KERNEL	2
#define EXIT_DIFFERS	3	/* reslink diff: the states differ */

enum rl_kind { KIND_GATEWAY, KIND_RESOURCE, KIND_ENDPOINT, KIND_NETWORK, KIND_MAX };

struct rl_addr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

struct rl_prefix {
	struct rl_addr addr;
	unsigned int len;
};

struct rl_range {
	uint16_t first, last;
};

struct rl_ports {
	unsigned int n;
	struct rl_range r[RESLINK_PORT_RANGES_MAX];
};

struct rl_rule {
	struct rl_prefix prefix;
	uint32_t protocols;		/* 0: all */
	struct rl_ports ports;		/* n == 0: all */
};

struct rl_rules {
	unsigned int n;
	struct rl_rule r[RESLINK_RULES_MAX];
};

struct rl_addrs {
	unsigned int n;
	struct rl_addr a[RESLINK_ADDRS_MAX];
};

struct rl_mapping {
	uint64_t resource_id;
	struct rl_addr addr;
};

/* A reference to another object: by kernel id or by name. */
struct rl_ref {
	uint64_t id;
	const char *name;		/* NULL when by id */
};

/* parse.c: pure parsers; on failure they return -1 and set *why. */
int parse_addr(const char *s, struct rl_addr *out);
int parse_prefix(const char *s, struct rl_prefix *out, const char **why);
int parse_ports(const char *s, struct rl_ports *out, const char **why);
int parse_port_range(const char *s, struct rl_range *out, const char **why);
int parse_account(const char *s, uint64_t *out, const char **why);
int parse_name(const char *s, const char **why);
int parse_object_id(const char *s, enum rl_kind kind, uint64_t *out,
		    const char **why);
int parse_ref(const char *s, enum rl_kind kind, struct rl_ref *out,
	      const char **why);
int parse_protocols(const char *s, uint32_t *out, const char **why);
int parse_domain(const char *s, const char **why);
int parse_dns_suffix(const char *s, const char **why);
int parse_ifname(const char *s, const char **why);
int parse_uint(const char *s, unsigned long max, unsigned long *out,
	       const char **why);

const char *kind_str(enum rl_kind kind);
const char *id_prefix(enum rl_kind kind);
char *format_id(char *buf, size_t len, enum rl_kind kind, uint64_t id);
char *format_account(char *buf, size_t len, uint64_t account);
char *format_addr(char *buf, size_t len, const struct rl_addr *addr);
char *format_prefix(char *buf, size_t len, const struct rl_prefix *p);
char *format_ports(char *buf, size_t len, const struct rl_ports *ports);
char *format_range(char *buf, size_t len, uint32_t range);
const char *format_protocols(uint32_t mask);
const char *type_str(unsigned int type);
const char *state_str(unsigned int state);
const char *stat_name(unsigned int attr);

#define ID_STRLEN	32
#define ADDR_STRLEN	64
#define PORTS_STRLEN	(RESLINK_PORT_RANGES_MAX * 12 + 1)

/* utils.c: the command line, errors, namespaces. */
struct rl_opts {
	bool json;
	bool pretty;
	uint64_t account;
	const char *netns;
	/* apply's trial: the kernel gets "dev", the device is left alone. */
	bool no_dev_addrs;
};
extern struct rl_opts opts;

int usage_error(const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int invalid_arg(const char *hint, const char *what, const char *value,
		const char *why);
int missing_arg(const char *hint, const char *keyword);
int unknown_keyword(const char *hint, const char *keyword);
int duplicate_arg(const char *hint, const char *keyword);
int unknown_command(const char *object, const char *cmd);
bool is_help(const char *arg);
int netns_enter(const char *name);
int netns_fd(const char *name);
int arg_rule(const char *hint, int *argcp, char ***argvp,
	     struct rl_rules *rules);
int arg_addr(const char *hint, const char *arg, struct rl_addrs *addrs,
	     const char *what);
int arg_dev(const char *hint, const char *arg, const char **dev);

/* Advance to a keyword's argument, or fail with a usage error. */
#define NEXT_ARG(hint)							\
	do {								\
		if (argc < 2)						\
			return missing_arg(hint, *argv);		\
		argc--;							\
		argv++;							\
	} while (0)

/* netlink.c: the one netlink layer (generic netlink and rtnetlink). */
struct nlmsghdr;
struct nlattr;
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

struct nlmsghdr *genl_msg(uint8_t cmd, uint16_t flags);
int genl_request(struct nlmsghdr *nlh, nl_msg_cb cb, void *data);
/* How often a listing is read again while objects change under it. */
#define DUMP_RETRIES	5
int genl_dump(struct nlmsghdr *nlh, nl_msg_cb cb, void *data);
int genl_dump_stream(struct nlmsghdr *nlh, nl_msg_cb cb, void *data);
int genl_open(void);
int genl_events_open(void);
int genl_events_fd(void);
int genl_events_read(nl_msg_cb cb, void *data);
struct mnl_socket;
struct mnl_socket *genl_access_open(int rcvbuf);
uint16_t genl_family(void);
void nl_close(void);
const void *genl_payload(const struct nlmsghdr *nlh, uint8_t *cmd);

void put_addr(struct nlmsghdr *nlh, const struct rl_addr *a);
void put_addrs(struct nlmsghdr *nlh, uint16_t type, const struct rl_addrs *a);
void put_prefix(struct nlmsghdr *nlh, uint16_t type, const struct rl_prefix *p);
void put_ports(struct nlmsghdr *nlh, uint16_t type, const struct rl_ports *p);
void put_rules(struct nlmsghdr *nlh, const struct rl_rules *rules);
void put_ref(struct nlmsghdr *nlh, uint16_t id_type, uint16_t name_type,
	     const struct rl_ref *ref);

/* Says more about a kernel error (errno, extack text) in buf, or false. */
typedef bool (*genl_explain_fn)(int err, const char *msg, char *buf,
				size_t len);
void genl_explain(genl_explain_fn fn);

int rtnl_addr(bool add, int ifindex, const struct rl_addr *addr);
int rtnl_local_route(bool add, int ifindex, const struct rl_prefix *p);
int rtnl_addr_flags(int ifindex, const struct rl_addr *addr, uint32_t *flags);

/* probe.c: hosts on the link that already use an address. */
int probe_queue(const char *ifname, const struct rl_addr *addr);
int probe_run(void);
int probe_addrs(const char *ifname, const struct rl_addrs *addrs);
int probe_prefix(const char *ifname, const struct rl_prefix *prefix);
int dad_wait(int ifindex, const struct rl_addrs *addrs, struct rl_addr *failed);
int pick_addrs(const struct rl_ref *resource, const char *dev,
	       const struct rl_ref *network, unsigned int n,
	       struct rl_addrs *exclude, struct rl_addrs *addrs);
/* object.c: the address whose duplicate address detection failed last. */
extern struct rl_addr dad_conflict;
extern bool dad_quiet;

/* A VRF device: its name and routing table. */
struct rl_vrf {
	char name[IF_NAMESIZE];
	uint32_t table;
};

int rtnl_vrfs(struct rl_vrf **vrfs, size_t *n);
int rtnl_vrf_add(const struct rl_vrf *vrf);

/* object.c: decoding kernel replies, requests shared by several commands. */
struct rl_obj {
	enum rl_kind kind;
	uint64_t id;
	uint64_t owner;
	unsigned int type;
	uint64_t gateway_id, group_id, resource_id, network_id;
	bool has_zone;
	unsigned int zone;
	bool has_snat_ports;
	uint32_t snat_ports;
	bool snat_random;
	uint32_t protocols, flags, idle_timeout;
	bool has_idle_timeout;
	unsigned int state;
	bool has_prefix;
	struct rl_prefix prefix;
	bool private_dns;
	bool has_stats[RESLINK_STATS_A_MAX + 1];
	uint64_t stats[RESLINK_STATS_A_MAX + 1];
	unsigned int n_mappings;
	unsigned int n_unmapped;
	unsigned int n_shares;
	/* Strings are copied: replies live in a buffer the next request reuses. */
	char name[RESLINK_NAME_MAXLEN + 1];
	char ifname[IFNAMSIZ];
	char gateway_name[RESLINK_NAME_MAXLEN + 1];
	char group_name[RESLINK_NAME_MAXLEN + 1];
	char resource_name[RESLINK_NAME_MAXLEN + 1];
	char network_name[RESLINK_NAME_MAXLEN + 1];
	char vrf[IFNAMSIZ];
	char dns_name[RESLINK_DNS_NAME_MAXLEN + 1];
	char domain[RESLINK_DNS_NAME_MAXLEN + 1];
	/* A decode clears everything above; below, it resets only counts. */
	uint64_t *shares;		/* grown as needed, kept across decodes */
	unsigned int shares_cap;
	struct rl_addrs addrs;
	struct rl_addrs targets;
	struct rl_ports ports;
	struct rl_rules rules;
	struct rl_mapping mappings[RESLINK_ADDRS_MAX];
	uint64_t unmapped[RESLINK_ADDRS_MAX];	/* children without an address */
};

int obj_decode(const struct nlmsghdr *nlh, struct rl_obj *obj);
int obj_get(enum rl_kind kind, const struct rl_ref *ref, struct rl_obj *obj);
int obj_del(enum rl_kind kind, const struct rl_ref *ref);
void obj_free(struct rl_obj *obj);
uint8_t kind_cmd(enum rl_kind kind, int which);
enum { CMD_NEW, CMD_DEL, CMD_GET, CMD_SET };
int kind_of_cmd(uint8_t cmd, int *which);
void print_obj(const struct rl_obj *obj);
void print_obj_fields(const struct rl_obj *obj);
void print_stats(const struct rl_obj *obj);
int dev_addrs(bool add, const struct rl_obj *obj, bool quiet);
int cmd_show(enum rl_kind kind, int argc, char **argv, const char *hint);
int cmd_del(enum rl_kind kind, int argc, char **argv, const char *hint);
int cmd_create(struct nlmsghdr *nlh, enum rl_kind kind, const char *name,
	       const char *ifname);
int check_dev(const char *hint, const char *ifname);

/* print.c: one printing path for text and JSON, after iproute2. */
enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 3,
};

void json_begin(bool array);
/* A flat record on one line, written without json-c (--pretty: with it). */
void json_begin_line(void);
void json_end(void);
void json_discard(void);
const char *json_line_members(size_t *len);
void json_members(const char *members, size_t len);
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(enum output_type t, const char *key);
void close_json_array(enum output_type t);
void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value);
void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value);
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_nl(void);
void print_flush_line(void);
/* On: records are not flushed one by one; the caller flushes stdout. */
void print_batch(bool on);

/* holder.c: name what holds an address the kernel refuses as in use. */
void explain_addrs(const struct rl_addrs *addrs,
		   const struct rl_prefix *prefix, const struct rl_ref *network);
void explain_targets(const struct rl_addrs *targets, enum rl_kind kind,
		     const struct rl_ref *ref);

/* One file per object family. */
int do_gateway(int argc, char **argv);
int do_resource(int argc, char **argv);
int do_endpoint(int argc, char **argv);
int do_network(int argc, char **argv);
int arg_network(const char *hint, const char *arg, struct rl_ref *network,
		bool *has_network);
void put_network(struct nlmsghdr *nlh, const struct rl_ref *network,
		 bool has_network);
int do_stats(int argc, char **argv);
int stats_prometheus(void);
int do_monitor(int argc, char **argv);
int monitor_access(int argc, char **argv);
int save_snapshot(char **text, size_t *len);
int do_save(int argc, char **argv);
int do_apply(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_dns(int argc, char **argv);
/* dns.c: endpoints' DNS names, printed by print_obj once loaded. */
int dns_load(void);
int dns_suffix_get(char *suffix);	/* RESLINK_DNS_SUFFIX_MAXLEN + 1 */
int dns_suffix_event(const struct nlmsghdr *nlh);
void print_dns_names(const struct rl_obj *ep, enum output_type t);
void print_dns_child_names(const struct rl_obj *ep, const struct rl_mapping *m);

/* main.c: batch mode, which apply runs too. */
int batch(const char *name);
int batch_line(char *line);

/* Resolving DNS targets (resource.c). */
int resolve_targets(const char *domain, const char *netns, int family,
		    struct rl_addrs *out);

#endif /* RESLINK_TOOL_H */
