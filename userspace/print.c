// SPDX-License-Identifier: GPL-2.0
/*
 * One printing path for text and JSON, after iproute2's json_print: every
 * value is printed by one call that knows both its text format and its JSON
 * key, so the two outputs cannot drift apart. JSON is built with json-c. A
 * document that is an array of objects (a listing) is streamed: each object
 * is written and freed as soon as it is closed, so that a listing of any
 * length takes the memory of one object; other documents are written
 * whole by json_end(). A line record (json_begin_line(), the access log's)
 * is formatted straight into a buffer instead, without json-c's objects:
 * one per connection at thousands a second.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "reslink.h"

#define JSON_DEPTH 16

static struct json_object *stack[JSON_DEPTH];
static int depth;
static bool streaming;		/* stack[0] is an array, written as it fills */
static unsigned long streamed;	/* its elements written so far */
static bool batching;		/* print_batch(): the caller flushes */

/*
 * A line record, formatted directly: its text, and per level whether the
 * next member is due a comma and whether the level is an array.
 */
static bool direct;
static char *line;
static size_t line_len, line_cap;
static bool line_oom;
static bool line_sep[JSON_DEPTH], line_array[JSON_DEPTH];

static bool json_on(enum output_type t)
{
	return opts.json && (t & PRINT_JSON) && depth > 0;
}

static bool text_on(enum output_type t)
{
	return !opts.json && (t & PRINT_FP);
}

static void add(const char *key, struct json_object *value)
{
	struct json_object *top = stack[depth - 1];

	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, value);
	else
		json_object_object_add(top, key, value);
}

static void push(const char *key, struct json_object *value)
{
	add(key, value);
	if (depth < JSON_DEPTH)
		stack[depth++] = value;
}

static int json_flags(void)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       (opts.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			    : JSON_C_TO_STRING_PLAIN);
}

static void line_grow(size_t n)
{
	char *grown;
	size_t cap;

	for (cap = line_cap ? line_cap : 1024; cap < line_len + n; cap *= 2)
		;
	grown = realloc(line, cap);
	if (!grown) {
		line_oom = true;
		return;
	}
	line = grown;
	line_cap = cap;
}

static inline void line_put(const char *s, size_t n)
{
	if (line_len + n > line_cap) {
		line_grow(n);
		if (line_oom)
			return;
	}
	memcpy(line + line_len, s, n);
	line_len += n;
}

/* The bytes that JSON strings escape: controls, '"' and '\\'. */
static const unsigned char escaped[256] = {
	[0 ... 31] = 1, ['"'] = 1, ['\\'] = 1,
};

/* A JSON string, escaped as json-c escapes it (NOSLASHESCAPE). */
static void line_str(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run;
	char esc[6] = "\\u00";
	unsigned char c;

	for (;;) {
		for (run = s; !escaped[(unsigned char)*s]; s++)
			;
		line_put(run, s - run);
		c = *s++;
		switch (c) {
		case '\0': return;
		case '"': line_put("\\\"", 2); break;
		case '\\': line_put("\\\\", 2); break;
		case '\b': line_put("\\b", 2); break;
		case '\f': line_put("\\f", 2); break;
		case '\n': line_put("\\n", 2); break;
		case '\r': line_put("\\r", 2); break;
		case '\t': line_put("\\t", 2); break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			line_put(esc, 6);
		}
	}
}

/* The member's key (none in an array), after a comma when one is due. */
static void line_key(const char *key)
{
	if (line_sep[depth - 1])
		line_put(",", 1);
	line_sep[depth - 1] = true;
	if (line_array[depth - 1])
		return;
	/* Keys are the program's own identifiers: nothing to escape. */
	line_put("\"", 1);
	line_put(key, strlen(key));
	line_put("\":", 2);
}

static void line_value(const char *key, const char *text)
{
	line_key(key);
	line_put(text, strlen(text));
}

static void line_open(const char *key, const char *bracket)
{
	line_key(key);
	line_put(bracket, 1);
	if (depth < JSON_DEPTH) {
		line_sep[depth] = false;
		line_array[depth++] = *bracket == '[';
	}
}

/*
 * One object on one line, as json_begin(false) and json_end() would write
 * it without --pretty, but formatted directly; with --pretty, json-c's.
 */
void json_begin_line(void)
{
	if (!opts.json)
		return;
	if (opts.pretty) {
		json_begin(false);
		return;
	}
	direct = true;
	line_len = 0;
	line_oom = false;
	depth = 1;
	line_sep[0] = false;
	line_array[0] = false;
	streaming = false;
	line_put("{", 1);
}

static void line_end(void)
{
	line_put("}\n", 2);
	if (line_oom)
		fprintf(stderr, "Error: out of memory: a record was not printed.\n");
	else
		fwrite(line, 1, line_len, stdout);
	if (!batching)
		fflush(stdout);
	direct = false;
	depth = 0;
}

void json_begin(bool array)
{
	if (!opts.json)
		return;
	stack[0] = array ? json_object_new_array() : json_object_new_object();
	depth = 1;
	streaming = array;
	streamed = 0;
}

/*
 * Writes the streamed array's element and frees it, laid out as json-c
 * lays out a whole array: "[{..},{..}]", or pretty, one level deeper.
 */
static void stream_element(void)
{
	struct json_object *elem = json_object_array_get_idx(stack[0], 0);
	const char *s = json_object_to_json_string_ext(elem, json_flags());

	if (opts.pretty) {
		fputs(streamed ? ",\n  " : "[\n  ", stdout);
		for (; *s; s++) {
			/* Newlines inside strings are escaped: these are layout. */
			putchar(*s);
			if (*s == '\n')
				fputs("  ", stdout);
		}
	} else {
		fputs(streamed ? "," : "[", stdout);
		fputs(s, stdout);
	}
	streamed++;
	json_object_array_del_idx(stack[0], 0, 1);
}

/* The end of a streamed array, also after an error: the output stays JSON. */
static void stream_end(void)
{
	if (!streamed)
		fputs(opts.pretty ? "[\n]\n" : "[]\n", stdout);
	else
		fputs(opts.pretty ? "\n]\n" : "]\n", stdout);
}

void json_end(void)
{
	if (!opts.json || !depth)
		return;
	if (direct) {
		line_end();
		return;
	}
	if (streaming)
		stream_end();
	else
		puts(json_object_to_json_string_ext(stack[0], json_flags()));
	if (!batching)
		fflush(stdout);
	json_object_put(stack[0]);
	depth = 0;
}

/* After an error: what was not written yet is dropped. */
void json_discard(void)
{
	if (!depth)
		return;
	if (direct) {
		direct = false;
		depth = 0;
		return;
	}
	if (streaming && streamed) {
		stream_end();
		fflush(stdout);
	}
	json_object_put(stack[0]);
	depth = 0;
}

void open_json_object(const char *key)
{
	if (json_on(PRINT_JSON) && direct)
		line_open(key, "{");
	else if (json_on(PRINT_JSON))
		push(key, json_object_new_object());
}

void close_json_object(void)
{
	if (json_on(PRINT_JSON) && direct && depth > 1) {
		depth--;
		line_put("}", 1);
	} else if (json_on(PRINT_JSON) && depth > 1) {
		depth--;
		if (streaming && depth == 1)
			stream_element();
	}
}

void open_json_array(enum output_type t, const char *key)
{
	if (json_on(t) && direct)
		line_open(key, "[");
	else if (json_on(t))
		push(key, json_object_new_array());
}

void close_json_array(enum output_type t)
{
	if (json_on(t) && depth > 1) {
		depth--;
		if (direct)
			line_put("]", 1);
	}
}

/*
 * The members of the JSON line begun so far, without its opening brace,
 * for json_members() to put into later lines: members formatted once.
 */
const char *json_line_members(size_t *len)
{
	if (!line || line_len == 0 || line_oom) {
		*len = 0;
		return "";
	}
	*len = line_len - 1;
	return line + 1;
}

void json_members(const char *members, size_t len)
{
	if (!json_on(PRINT_JSON) || !direct)
		return;
	if (line_sep[depth - 1])
		line_put(",", 1);
	line_sep[depth - 1] = true;
	line_put(members, len);
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (json_on(t) && direct) {
		line_key(key);
		line_put("\"", 1);
		line_str(value);
		line_put("\"", 1);
	} else if (json_on(t)) {
		add(key, json_object_new_string(value));
	} else if (text_on(t) && fmt) {
		printf(fmt, value);
	}
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	char digits[24];

	if (json_on(t) && direct) {
		snprintf(digits, sizeof(digits), "%" PRIu64, value);
		line_value(key, digits);
	} else if (json_on(t)) {
		add(key, json_object_new_uint64(value));
	} else if (text_on(t) && fmt) {
		printf(fmt, value);
	}
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value)
{
	if (json_on(t) && direct)
		line_value(key, value ? "true" : "false");
	else if (json_on(t))
		add(key, json_object_new_boolean(value));
	else if (text_on(t) && fmt && value)
		fputs(fmt, stdout);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (opts.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!opts.json)
		putchar('\n');
}

void print_batch(bool on)
{
	batching = on;
}

void print_flush_line(void)
{
	if (!opts.json && !batching)
		fflush(stdout);
}
