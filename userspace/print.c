// SPDX-License-Identifier: GPL-2.0
/*
 * One printing path for text and JSON, after iproute2's json_print: every
 * value is printed by one call that knows both its text format and its JSON
 * key, so the two outputs cannot drift apart. JSON is built with json-c. A
 * document that is an array of objects (a listing) is streamed: each object
 * is written and freed as soon as it is closed, so that a listing of any
 * length takes the memory of one object; other documents are written
 * whole by json_end().
 */
#include <stdarg.h>
#include <stdio.h>
#include <json-c/json.h>

#include "reslink.h"

#define JSON_DEPTH 16

static struct json_object *stack[JSON_DEPTH];
static int depth;
static bool streaming;		/* stack[0] is an array, written as it fills */
static unsigned long streamed;	/* its elements written so far */
static bool batching;		/* print_batch(): the caller flushes */

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
	if (streaming && streamed) {
		stream_end();
		fflush(stdout);
	}
	json_object_put(stack[0]);
	depth = 0;
}

void open_json_object(const char *key)
{
	if (json_on(PRINT_JSON))
		push(key, json_object_new_object());
}

void close_json_object(void)
{
	if (json_on(PRINT_JSON) && depth > 1) {
		depth--;
		if (streaming && depth == 1)
			stream_element();
	}
}

void open_json_array(enum output_type t, const char *key)
{
	if (json_on(t))
		push(key, json_object_new_array());
}

void close_json_array(enum output_type t)
{
	if (json_on(t) && depth > 1)
		depth--;
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (json_on(t))
		add(key, json_object_new_string(value));
	else if (text_on(t) && fmt)
		printf(fmt, value);
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	if (json_on(t))
		add(key, json_object_new_uint64(value));
	else if (text_on(t) && fmt)
		printf(fmt, value);
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value)
{
	if (json_on(t))
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
