// SPDX-License-Identifier: GPL-2.0
/*
 * vdpa-devnew: create a vDPA device with an explicit device feature set.
 *
 *   vdpa-devnew MGMTDEV NAME [FEATURES]
 *
 * Equivalent to "vdpa dev add mgmtdev MGMTDEV name NAME device_features
 * FEATURES", for systems whose iproute2 predates the device_features
 * option (Debian 12 ships iproute2 6.1).  Talks generic netlink directly.
 * Exit status: 0 on success, 1 when the kernel refuses (its errno is
 * printed as "kernel answers: <text>", like vdpa), 2 on usage errors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vdpa.h>

struct msg {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	char buf[1024];
};

/* Append an attribute; returns -1 if it does not fit in the message. */
static int put_attr(struct msg *m, unsigned short type, const void *data,
		    size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)m + NLMSG_ALIGN(m->nlh.nlmsg_len));

	if (len > UINT16_MAX - NLA_HDRLEN ||
	    NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(*m))
		return -1;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return 0;
}

/*
 * Send m and read answers up to the kernel's acknowledgement, which
 * arrives as a datagram of its own.  Returns 0 or a negative errno; with
 * want set, the payload of the first attribute of that type is copied
 * to out (for lookups), and finding none is -EPROTO.
 */
static int transact(int fd, struct msg *m, unsigned short want, void *out,
		    size_t outlen)
{
	char rbuf[8192];
	struct nlmsghdr *h;
	int found = !want;
	ssize_t n;

	if (send(fd, m, m->nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			struct nlattr *a;
			int len;

			if (h->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;

				return err ? err : (found ? 0 : -EPROTO);
			}
			if (found)
				continue;
			len = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
			for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			     a->nla_len <= len;
			     len -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
				if ((a->nla_type & NLA_TYPE_MASK) == want &&
				    (size_t)(a->nla_len - NLA_HDRLEN) <= outlen) {
					memcpy(out, (char *)a + NLA_HDRLEN,
					       a->nla_len - NLA_HDRLEN);
					found = 1;
					break;
				}
			}
		}
	}
}

static void init_msg(struct msg *m, uint16_t type, uint8_t cmd)
{
	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m->genl.cmd = cmd;
	m->genl.version = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint16_t family = 0;
	uint64_t features;
	struct msg m;
	char *end;
	int fd, ret;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s MGMTDEV NAME [FEATURES]\n", argv[0]);
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("netlink socket");
		return 1;
	}

	init_msg(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, VDPA_GENL_NAME,
		 sizeof(VDPA_GENL_NAME));
	ret = transact(fd, &m, CTRL_ATTR_FAMILY_ID, &family, sizeof(family));
	if (ret) {
		fprintf(stderr, "vdpa netlink family: %s\n", strerror(-ret));
		return 1;
	}

	init_msg(&m, family, VDPA_CMD_DEV_NEW);
	if (put_attr(&m, VDPA_ATTR_MGMTDEV_DEV_NAME, argv[1], strlen(argv[1]) + 1) ||
	    put_attr(&m, VDPA_ATTR_DEV_NAME, argv[2], strlen(argv[2]) + 1)) {
		fprintf(stderr, "device names too long\n");
		return 2;
	}
	if (argc == 4) {
		errno = 0;
		features = strtoull(argv[3], &end, 0);
		if (errno || *end || end == argv[3]) {
			fprintf(stderr, "bad feature set '%s'\n", argv[3]);
			return 2;
		}
		put_attr(&m, VDPA_ATTR_DEV_FEATURES, &features, sizeof(features));
	}
	ret = transact(fd, &m, 0, NULL, 0);
	close(fd);
	if (ret) {
		fprintf(stderr, "kernel answers: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}
