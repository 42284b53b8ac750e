// SPDX-License-Identifier: GPL-2.0
/* lkvm save --name N DIR: snapshot a paused VM into DIR. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "kvm/builtin.h"
#include "kvm/ctl.h"
#include "kvm/parse-options.h"
#include "kvm/util.h"

int cmd_save(int argc, const char **argv)
{
	static const char usage[] = "lkvm save --name NAME DIR";
	const char *name = NULL;
	const struct option opts[] = {
		OPT_GROUP("General options:"),
		{ OPT_STRING, 'n', "name", &name, "name", "Instance name" },
		OPT_END(),
	};
	char dir[256], path[PATH_MAX];
	char *reply = NULL;
	int n, fd, ret;

	n = parse_options(argc, argv, opts, usage, NULL);
	if (n == -2)
		return 0;
	if (n < 0)
		return 1;
	if (!name || n != 1) {
		pr_err("save: give --name NAME and one snapshot directory");
		return 1;
	}
	if (argv[0][0] == '/') {
		snprintf(path, sizeof(path), "%s", argv[0]);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(path, sizeof(path), "%s/%s", cwd, argv[0]) >=
		    (int)sizeof(path)) {
			pr_err("save %s: path too long", argv[0]);
			return 1;
		}
	}
	if (ctl_sock_dir(dir, sizeof(dir)))
		return 1;
	fd = ctl_connect(dir, name);
	if (fd < 0) {
		pr_err("save --name %s: no such running VM (see lkvm list)", name);
		return 1;
	}
	/* Saving writes all of guest RAM: allow it time. */
	{
		struct timeval tv = { .tv_sec = 600 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	ret = ctl_request(fd, CTL_SAVE, path, strlen(path) + 1, (void **)&reply,
			  NULL);
	close(fd);
	if (ret) {
		pr_err("save %s: %s", name, reply && *reply ? reply :
		       ctl_strerror(ret));
		free(reply);
		return 1;
	}
	free(reply);
	printf("Guest %s saved to %s\n", name, path);
	return 0;
}
