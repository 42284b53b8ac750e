// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/parse-options.h"
#include "kvm/util.h"

static bool takes_arg(const struct option *o)
{
	return o->type == OPT_STRING || o->type == OPT_INT ||
	       o->type == OPT_U64 || o->type == OPT_CALLBACK ||
	       o->type == OPT_UNSUPPORTED;
}

static void opt_name(const struct option *o, char *buf, size_t len)
{
	if (o->long_name)
		snprintf(buf, len, "--%s", o->long_name);
	else
		snprintf(buf, len, "-%c", o->short_name);
}

static int apply(const struct option *o, const char *arg, void *ctx)
{
	char name[64];
	u64 v;

	opt_name(o, name, sizeof(name));
	switch (o->type) {
	case OPT_BOOL:
		*(bool *)o->value = true;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_INT:
		if (parse_u64(arg, &v) || v > 0x7fffffff) {
			pr_err("%s %s: not a valid number", name, arg);
			return -1;
		}
		*(int *)o->value = (int)v;
		return 0;
	case OPT_U64:
		if (parse_u64(arg, &v)) {
			pr_err("%s %s: not a valid number", name, arg);
			return -1;
		}
		*(u64 *)o->value = v;
		return 0;
	case OPT_CALLBACK:
	case OPT_CALLBACK_NOARG:
		return o->cb(o, arg, ctx) ? -1 : 0;
	case OPT_UNSUPPORTED:
	case OPT_UNSUPPORTED_NOARG:
		pr_err("%s is not supported yet", name);
		return -1;
	default:
		return -1;
	}
}

static const struct option *find_long(const struct option *opts,
				      const char *name, size_t len)
{
	for (; opts->type != OPT_END; opts++)
		if (opts->long_name && strlen(opts->long_name) == len &&
		    !strncmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct option *find_short(const struct option *opts, char c)
{
	for (; opts->type != OPT_END; opts++)
		if (opts->type != OPT_GROUP && opts->short_name == c)
			return opts;
	return NULL;
}

int parse_options(int argc, const char **argv, const struct option *opts,
		  const char *usage, void *ctx)
{
	int i, nargs = 0;
	bool only_args = false;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option *o;
		const char *val = NULL;

		if (only_args || a[0] != '-' || !a[1]) {
			argv[nargs++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage_with_options(usage, opts);
			return -2;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = find_long(opts, a + 2, len);
			if (!o) {
				pr_err("unknown option '%.*s' (see --help)",
				       (int)len + 2, a);
				return -1;
			}
			if (eq) {
				if (!takes_arg(o)) {
					pr_err("option '--%s' takes no value",
					       o->long_name);
					return -1;
				}
				val = eq + 1;
			}
		} else {
			o = find_short(opts, a[1]);
			if (!o) {
				pr_err("unknown option '-%c' (see --help)", a[1]);
				return -1;
			}
			if (a[2]) {
				if (!takes_arg(o)) {
					pr_err("option '-%c' takes no value", a[1]);
					return -1;
				}
				val = a + 2;
			}
		}
		if (takes_arg(o) && !val) {
			if (i + 1 >= argc) {
				char name[64];

				opt_name(o, name, sizeof(name));
				pr_err("option '%s' needs a value%s%s", name,
				       o->argh ? ": " : "", o->argh ? o->argh : "");
				return -1;
			}
			val = argv[++i];
		}
		if (apply(o, val, ctx))
			return -1;
	}
	return nargs;
}

void usage_with_options(const char *usage, const struct option *opts)
{
	printf("\n usage: %s\n\n", usage);
	for (; opts->type != OPT_END; opts++) {
		char left[64];
		int n = 0;

		if (opts->type == OPT_GROUP) {
			printf("\n%s\n", opts->help);
			continue;
		}
		if (opts->short_name)
			n += snprintf(left + n, sizeof(left) - n, "-%c",
				      opts->short_name);
		if (opts->long_name)
			n += snprintf(left + n, sizeof(left) - n, "%s--%s",
				      opts->short_name ? ", " : "    ",
				      opts->long_name);
		if (takes_arg(opts) && opts->argh)
			snprintf(left + n, sizeof(left) - n, " <%s>", opts->argh);
		printf("    %-28s %s%s\n", left, opts->help ? opts->help : "",
		       opts->type == OPT_UNSUPPORTED ||
		       opts->type == OPT_UNSUPPORTED_NOARG ?
		       " (not supported yet)" : "");
	}
	printf("\n");
}
