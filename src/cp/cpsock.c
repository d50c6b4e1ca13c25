/* cpsock.c: the control socket's run directory, framing and client side (cpsock.h). */
#include "cp/cpsock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"

u64 cpsock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

/* Makes dir (mode 0700) if missing, and checks it is a directory of this user that
 * nobody else may enter. */
static int safe_dir(const char *dir, bool create, char *why, size_t whylen)
{
	struct stat st;
	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT || !create) {
			snprintf(why, whylen, "%s: %s", dir, strerror(errno));
			return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			snprintf(why, whylen, "cannot make %s: %s", dir, strerror(errno));
			return VMCP_EIO;
		}
		if (lstat(dir, &st) != 0) {
			snprintf(why, whylen, "%s: %s", dir, strerror(errno));
			return VMCP_EIO;
		}
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) {
		snprintf(why, whylen, "%s is not a directory of uid %u closed to others (mode 0700)",
			 dir, (unsigned)getuid());
		return VMCP_EINVAL;
	}
	return 0;
}

int cpsock_rundir(const char *dasd, char *dir, size_t n, bool create, char *why, size_t whylen)
{
	struct stat st;
	if (stat(dasd, &st) != 0) {
		snprintf(why, whylen, "real disk %s: %s", dasd, strerror(errno));
		return errno == ENOENT ? VMCP_ENOENT : VMCP_EIO;
	}
	char base[PATH_MAX];
	const char *e = getenv("VMCP_RUNDIR");
	const char *x = getenv("XDG_RUNTIME_DIR");
	if (e && *e)
		snprintf(base, sizeof(base), "%s", e);
	else if (x && *x && access(x, W_OK | X_OK) == 0)
		snprintf(base, sizeof(base), "%s/vmcp", x);
	else
		snprintf(base, sizeof(base), "/tmp/vmcp-%u", (unsigned)getuid());
	int r = safe_dir(base, create, why, whylen);
	if (r)
		return r;
	int k;
	if (S_ISBLK(st.st_mode))
		k = snprintf(dir, n, "%s/cp-b%llx", base, (unsigned long long)st.st_rdev);
	else
		k = snprintf(dir, n, "%s/cp-%llx-%llx", base, (unsigned long long)st.st_dev,
			     (unsigned long long)st.st_ino);
	/* Room for "/NAME.spool.1" and the socket path limit. */
	if (k < 0 || (size_t)k + 32 >= n || (size_t)k + 9 >= CPSOCK_PATH_MAX) {
		snprintf(why, whylen, "run directory path too long under %s (set VMCP_RUNDIR)", base);
		return VMCP_EINVAL;
	}
	return safe_dir(dir, create, why, whylen);
}

/* ---- Framing ---- */

ssize_t linebuf_fill(LineBuf *lb, int fd)
{
	if (lb->cap - lb->len < 65536) {
		size_t cap = lb->cap ? lb->cap * 2 : 65536;
		while (cap - lb->len < 65536)
			cap *= 2;
		char *nb = realloc(lb->buf, cap);
		if (!nb)
			return VMCP_ENOMEM;
		lb->buf = nb;
		lb->cap = cap;
	}
	ssize_t r = read(fd, lb->buf + lb->len, lb->cap - lb->len - 1);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : VMCP_EIO;
	if (r == 0)
		lb->eof = true;
	lb->len += (size_t)r;
	return r;
}

char *linebuf_next(LineBuf *lb, size_t *len, bool *oversize)
{
	if (oversize)
		*oversize = false;
	for (;;) {
		char *nl = lb->len ? memchr(lb->buf, '\n', lb->len) : NULL;
		if (!nl) {
			if (lb->len > CPSOCK_LINE_MAX) {
				/* Too long: drop it up to its newline, whenever that comes. */
				lb->too_long = true;
				lb->len = 0;
				if (oversize)
					*oversize = true;
			}
			return NULL;
		}
		size_t n = (size_t)(nl - lb->buf);
		if (lb->too_long || n > CPSOCK_LINE_MAX) {
			lb->too_long = false;
			memmove(lb->buf, nl + 1, lb->len - n - 1);
			lb->len -= n + 1;
			if (oversize)
				*oversize = true;
			return NULL;
		}
		char *line = malloc(n + 1);
		if (!line)
			return NULL;
		memcpy(line, lb->buf, n);
		line[n] = 0;
		memmove(lb->buf, nl + 1, lb->len - n - 1);
		lb->len -= n + 1;
		if (n && line[n - 1] == '\r')
			line[--n] = 0;
		*len = n;
		return line;
	}
}

void linebuf_free(LineBuf *lb)
{
	free(lb->buf);
	*lb = (LineBuf){0};
}

bool outbuf_add(OutBuf *o, const char *p, size_t n)
{
	if (o->off && o->off == o->len)
		o->off = o->len = 0;
	if (o->len + n > o->cap) {
		if (o->off) {
			memmove(o->buf, o->buf + o->off, o->len - o->off);
			o->len -= o->off;
			o->off = 0;
		}
		if (o->len + n > o->cap) {
			size_t cap = o->cap ? o->cap : 4096;
			while (cap < o->len + n)
				cap *= 2;
			char *nb = realloc(o->buf, cap);
			if (!nb)
				return false;
			o->buf = nb;
			o->cap = cap;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return true;
}

bool outbuf_line(OutBuf *o, const char *p, size_t n)
{
	return outbuf_add(o, p, n) && outbuf_add(o, "\n", 1);
}

int outbuf_flush(OutBuf *o, int fd)
{
	while (o->off < o->len) {
		ssize_t w = send(fd, o->buf + o->off, o->len - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return VMCP_EIO;
		}
		o->off += (size_t)w;
	}
	o->off = o->len = 0;
	return 0;
}

void outbuf_free(OutBuf *o)
{
	free(o->buf);
	*o = (OutBuf){0};
}

int cpsock_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {fd, POLLOUT, 0};
			poll(&pfd, 1, 1000);
			continue;
		}
		if (w <= 0)
			return VMCP_EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int cpsock_peer(int fd, uid_t *uid, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return VMCP_EIO;
	*uid = cr.uid;
	*pid = cr.pid;
	return 0;
}

/* ---- The client's connection ---- */

static int try_connect(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Starts `vmcp cp --daemon` for the real disk, detached from this process (its own
 * session, stdio to cp.log), and returns at once. */
static int spawn_cp(const char *dasd, const char *dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return VMCP_EIO;
	self[n] = 0;
	char abs[PATH_MAX];
	if (!realpath(dasd, abs))
		return VMCP_EIO;
	char log[PATH_MAX];
	snprintf(log, sizeof(log), "%s/cp.log", dir);
	pid_t pid = fork();
	if (pid < 0)
		return VMCP_EIO;
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (in >= 0)
			dup2(in, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		execl(self, "vmcp", "--dasd", abs, "cp", "--daemon", (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int cpconn_open(CpConn *c, const char *dasd, bool autostart, bool quiet)
{
	*c = (CpConn){.fd = -1, .next_id = 1};
	char why[300];
	int r = cpsock_rundir(dasd, c->dir, sizeof(c->dir), autostart, why, sizeof(why));
	if (r) {
		if (r == VMCP_ENOENT && !autostart)
			return VMCP_ENOENT;
		if (!quiet)
			msg(CPS_RUNDIR, 'E', "Cannot use the CP's run directory: %s", why);
		return r;
	}
	int fd = try_connect(c->dir);
	if (fd < 0 && !autostart)
		return VMCP_ENOENT;
	if (fd < 0) {
		if ((r = spawn_cp(dasd, c->dir))) {
			if (!quiet)
				msg(CPS_CONNECT, 'E', "Cannot start the CP of %s", dasd);
			return r;
		}
		u64 until = cpsock_now_ms() + 10000;
		while ((fd = try_connect(c->dir)) < 0 && cpsock_now_ms() < until)
			usleep(5000);
		if (fd < 0) {
			if (!quiet)
				msg(CPS_CONNECT, 'E', "The CP of %s did not come up (see %s/cp.log)", dasd,
				    c->dir);
			return VMCP_EIO;
		}
	}
	c->fd = fd;
	bool to;
	Json *g = cpconn_read(c, 10000, &to);
	if (!g || !json_get(g, "vmcp")) {
		const Json *err = g ? json_get(g, "error") : NULL;
		if (!quiet)
			msg(CPS_CONNECT, 'E', "The CP of %s refused the connection%s%s", dasd,
			    err ? ": " : "", err ? json_get_str(err, "desc") : "");
		json_free(g);
		cpconn_close(c);
		return VMCP_EIO;
	}
	json_free(g);
	return 0;
}

void cpconn_close(CpConn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	linebuf_free(&c->in);
}

Json *cpconn_read(CpConn *c, int timeout_ms, bool *timed_out)
{
	*timed_out = false;
	u64 until = timeout_ms >= 0 ? cpsock_now_ms() + (u64)timeout_ms : 0;
	for (;;) {
		size_t n;
		bool over;
		char *line = linebuf_next(&c->in, &n, &over);
		if (line) {
			char why[128];
			Json *j = json_parse(line, n, why, sizeof(why));
			free(line);
			if (j)
				return j;
			continue; /* not JSON: skip the line */
		}
		if (c->in.eof)
			return NULL;
		int wait = -1;
		if (timeout_ms >= 0) {
			u64 now = cpsock_now_ms();
			if (now >= until) {
				*timed_out = true;
				return NULL;
			}
			wait = (int)(until - now);
		}
		struct pollfd pfd = {c->fd, POLLIN, 0};
		int p = poll(&pfd, 1, wait);
		if (p < 0 && errno != EINTR)
			return NULL;
		if (p > 0 && linebuf_fill(&c->in, c->fd) < -1)
			return NULL;
	}
}

void cpsock_error(JsonWriter *w, const char *id_json, const char *cls, int num, int code,
		  const char *text)
{
	char desc[800];
	snprintf(desc, sizeof(desc), "VMCP%03dE %s", num, text);
	jw_init(w);
	jw_obj(w);
	jw_key(w, "error");
	jw_obj(w);
	jw_key(w, "class");
	jw_str(w, cls);
	jw_key(w, "desc");
	jw_str(w, desc);
	jw_key(w, "code");
	jw_int(w, code);
	jw_key(w, "exit");
	jw_int(w, vmcp_exit_code(code));
	jw_end_obj(w);
	if (id_json) {
		jw_key(w, "id");
		jw_raw(w, id_json, strlen(id_json));
	}
	jw_end_obj(w);
}

void cpsock_request(JsonWriter *w, const char *cmd, const char *args_json, long id)
{
	jw_init(w);
	jw_obj(w);
	jw_key(w, "execute");
	jw_str(w, cmd);
	if (args_json) {
		jw_key(w, "arguments");
		jw_raw(w, args_json, strlen(args_json));
	}
	jw_key(w, "id");
	jw_int(w, id);
	jw_end_obj(w);
}

long cpconn_send(CpConn *c, const char *cmd, const char *args)
{
	long id = c->next_id++;
	JsonWriter w;
	cpsock_request(&w, cmd, args, id);
	jw_raw(&w, "\n", 1);
	size_t n;
	char *text = jw_take(&w, &n);
	if (!text)
		return VMCP_ENOMEM;
	int r = cpsock_write_all(c->fd, text, n);
	free(text);
	return r ? r : id;
}

Json *cpconn_call(CpConn *c, const char *cmd, const char *args, int timeout_ms)
{
	long id = cpconn_send(c, cmd, args);
	if (id < 0) {
		msg(CPS_CONNECT, 'E', "Lost the connection to the CP");
		return NULL;
	}
	u64 until = timeout_ms >= 0 ? cpsock_now_ms() + (u64)timeout_ms : 0;
	for (;;) {
		int left = -1;
		if (timeout_ms >= 0) {
			u64 now = cpsock_now_ms();
			left = now >= until ? 0 : (int)(until - now);
		}
		bool to;
		Json *j = cpconn_read(c, left, &to);
		if (!j) {
			if (to)
				msg(CPS_TIMEOUT, 'E', "The CP did not answer %s within %d s", cmd,
				    timeout_ms / 1000);
			else
				msg(CPS_CONNECT, 'E', "Lost the connection to the CP");
			return NULL;
		}
		const Json *jid = json_get(j, "id");
		if (jid && jid->type == JSON_NUM && (long)jid->num == id)
			return j;
		if (json_get(j, "event") && c->on_event)
			c->on_event(c->ctx, j);
		json_free(j);
	}
}

Json *cpconn_ask(CpConn *c, const char *cmd, JsonWriter *args, int timeout_ms, int *rc)
{
	char *text = args ? jw_take(args, NULL) : NULL;
	Json *r = !args || text ? cpconn_call(c, cmd, text, timeout_ms) : NULL;
	free(text);
	*rc = r ? cpconn_reply_status(r) : VMCP_EIO;
	if (*rc) {
		json_free(r);
		return NULL;
	}
	return r;
}

int cpconn_reply_status(const Json *reply)
{
	const Json *err = json_get(reply, "error");
	if (!err)
		return 0;
	const char *desc = json_get_str(err, "desc");
	fprintf(stderr, "%s\n", desc ? desc : "VMCP603E The CP sent a malformed error");
	double code = json_get_num(err, "code", (double)VMCP_EINVAL);
	int c = (int)code;
	return c < 0 ? c : VMCP_EINVAL;
}
