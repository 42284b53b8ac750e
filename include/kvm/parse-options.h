/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line option parsing with kvmtool's option names: short and long
 * forms, "--opt=value", "--opt value", "-k value", "-kvalue", booleans and
 * callbacks.  Errors are one line naming the option.
 */
#ifndef KVM__PARSE_OPTIONS_H
#define KVM__PARSE_OPTIONS_H

#include "kvm/compiler.h"

enum opt_type {
	OPT_END = 0,
	OPT_GROUP,		/* heading in help */
	OPT_BOOL,		/* bool *, no argument */
	OPT_STRING,		/* const char **, argument */
	OPT_INT,		/* int *, argument */
	OPT_U64,		/* u64 *, argument */
	OPT_CALLBACK,		/* fn(opt, arg, ctx), argument */
	OPT_CALLBACK_NOARG,	/* fn(opt, NULL, ctx) */
	OPT_UNSUPPORTED,	/* known option, not implemented yet: error */
	OPT_UNSUPPORTED_NOARG,
};

struct option;
typedef int (*opt_cb)(const struct option *opt, const char *arg, void *ctx);

struct option {
	enum opt_type	type;
	char		short_name;
	const char	*long_name;
	void		*value;
	const char	*argh;
	const char	*help;
	opt_cb		cb;
};

#define OPT_END()	{ .type = OPT_END }
#define OPT_GROUP(h)	{ .type = OPT_GROUP, .help = (h) }

/*
 * Parse argv (argv[0] is the command name).  Non-option arguments are
 * compacted to the front of argv; their count is returned, or -1 after an
 * error has been printed.  "--help"/"-h" print usage and return -2.
 */
int parse_options(int argc, const char **argv, const struct option *opts,
		  const char *usage, void *ctx);
void usage_with_options(const char *usage, const struct option *opts);

#endif
