// What the daemon needs of the system that Node does not offer: starting a program on a new pty whose master the
// daemon then reads and writes itself (spawn), and, for `cw daemon restart`: executing new code in the daemon's own
// process while keeping chosen descriptors open, and, in that new code, reaping the children it inherited and
// resizing their terminals by descriptor. And for `cw attach`: handing a session's pty master to the attach client
// over a Unix socket (sendFd / exchangeFd), so keystrokes go straight into the pty (src/daemon/direct-input.ts).
//
// Why in place (execve, same pid) rather than handing the descriptors to a new process: the sessions' programs are
// the daemon's children. A new process could read and write their terminals, but only the parent learns a child's
// exit status; after the old daemon exited they would be reparented to init and their exit codes lost. After an
// execve the programs are still our children, and their terminals are still ours, so nothing changes for them.
//
// node-pty reaps its children in a thread per child that blocks in waitpid(pid); those threads do not survive the
// exec, and libuv only reaps the children it spawned itself (by pid). Children inherited across the exec are ours
// to reap: the daemon calls reap(pid) when SIGCHLD arrives (and now and then, in case a signal was coalesced).
// The programs spawn() starts are reaped the same way, so a started and a handed-over session are one code path.
#define _GNU_SOURCE 1 /* ptsname */
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#if defined(__APPLE__)
#include <util.h>
#else
#include <pty.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define THROW_ERRNO(env, what, err)                                   \
  do {                                                               \
    char msg_[256];                                                  \
    snprintf(msg_, sizeof msg_, "%s: %s", what, strerror(err));       \
    napi_throw_error(env, NULL, msg_);                               \
    return NULL;                                                     \
  } while (0)

#include <stdio.h>

/** A JS string as a malloc'd C string (the caller frees it), or NULL when it is not a string. */
static char *cstring(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/** A JS array of strings as a NULL-terminated C array (the caller frees it with freeStrings). */
static char **cstrings(napi_env env, napi_value arr) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof(char *));
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    napi_get_element(env, arr, i, &el);
    out[i] = cstring(env, el);
    if (!out[i]) out[i] = strdup("");
  }
  return out;
}

static void freeStrings(char **a) {
  if (!a) return;
  for (char **p = a; *p; p++) free(*p);
  free(a);
}

// exec(file, argv[], env[], keepFds[]): replaces this process's image. Returns only on failure, by throwing, with
// every descriptor's close-on-exec flag as it was.
static napi_value Exec(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "exec(file, argv, env, keepFds)");
    return NULL;
  }
  char *file = cstring(env, args[0]);
  char **argv = cstrings(env, args[1]);
  char **envp = cstrings(env, args[2]);
  uint32_t nfds = 0;
  napi_get_array_length(env, args[3], &nfds);
  int *fds = calloc(nfds ? nfds : 1, sizeof(int));
  int *was = calloc(nfds ? nfds : 1, sizeof(int));
  if (!file || !argv || !envp || !fds || !was) {
    free(file), freeStrings(argv), freeStrings(envp), free(fds), free(was);
    napi_throw_error(env, NULL, "exec: out of memory");
    return NULL;
  }
  int err = 0;
  uint32_t done = 0;
  for (; done < nfds; done++) {
    napi_value el;
    int32_t fd = -1;
    napi_get_element(env, args[3], done, &el);
    napi_get_value_int32(env, el, &fd);
    fds[done] = fd;
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
      err = errno;
      break;
    }
    was[done] = flags;
  }
  if (!err) {
    // The new image starts with no signal blocked, whatever this thread had blocked (dispositions of caught
    // signals are reset by execve itself; ignored ones stay ignored, which Node sets up again anyway).
    sigset_t none, old;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, &old);
    execve(file, argv, envp);
    err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
  for (uint32_t i = 0; i < done; i++) fcntl(fds[i], F_SETFD, was[i]);
  free(file), freeStrings(argv), freeStrings(envp), free(fds), free(was);
  THROW_ERRNO(env, "execve", err);
}

// reap(pid): null while the child runs; {code, signal} once it has ended (and is reaped); {gone: true} when pid is
// not our child (already reaped by someone else, or never ours).
static napi_value Reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t pid = 0;
  if (argc < 1 || napi_get_value_int32(env, args[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, NULL, "reap(pid): a positive pid");
    return NULL;
  }
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  napi_value result, v;
  if (r == 0) {
    napi_get_null(env, &result);
    return result;
  }
  napi_create_object(env, &result);
  if (r < 0) {
    napi_get_boolean(env, 1, &v);
    napi_set_named_property(env, result, "gone", v);
    return result;
  }
  napi_create_int32(env, WIFEXITED(status) ? WEXITSTATUS(status) : 0, &v);
  napi_set_named_property(env, result, "code", v);
  napi_create_int32(env, WIFSIGNALED(status) ? WTERMSIG(status) : 0, &v);
  napi_set_named_property(env, result, "signal", v);
  return result;
}

// resize(fd, cols, rows): TIOCSWINSZ on a pty master; the kernel sends SIGWINCH to the terminal's foreground group.
static napi_value Resize(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t fd = -1, cols = 0, rows = 0;
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "resize(fd, cols, rows)");
    return NULL;
  }
  napi_get_value_int32(env, args[0], &fd);
  napi_get_value_int32(env, args[1], &cols);
  napi_get_value_int32(env, args[2], &rows);
  struct winsize ws;
  memset(&ws, 0, sizeof ws);
  ws.ws_col = (unsigned short)cols;
  ws.ws_row = (unsigned short)rows;
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) THROW_ERRNO(env, "ioctl(TIOCSWINSZ)", errno);
  napi_value undef;
  napi_get_undefined(env, &undef);
  return undef;
}

/** The terminal settings of a new session's pty: a cooked UTF-8 terminal, as node-pty and terminal emulators set it. */
static void sessionTermios(struct termios *t) {
  memset(t, 0, sizeof *t);
  t->c_iflag = ICRNL | IXON | IXANY | IMAXBEL | BRKINT;
#if defined(IUTF8)
  t->c_iflag |= IUTF8;
#endif
  t->c_oflag = OPOST | ONLCR;
  t->c_cflag = CREAD | CS8 | HUPCL;
  t->c_lflag = ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL;
  t->c_cc[VEOF] = 4;
  t->c_cc[VEOL] = 0xff;
  t->c_cc[VEOL2] = 0xff;
  t->c_cc[VERASE] = 0x7f;
  t->c_cc[VWERASE] = 23;
  t->c_cc[VKILL] = 21;
  t->c_cc[VREPRINT] = 18;
  t->c_cc[VINTR] = 3;
  t->c_cc[VQUIT] = 0x1c;
  t->c_cc[VSUSP] = 26;
  t->c_cc[VSTART] = 17;
  t->c_cc[VSTOP] = 19;
  t->c_cc[VLNEXT] = 22;
  t->c_cc[VDISCARD] = 15;
  t->c_cc[VMIN] = 1;
  t->c_cc[VTIME] = 0;
#if defined(__APPLE__)
  t->c_cc[VDSUSP] = 25;
  t->c_cc[VSTATUS] = 20;
#endif
  cfsetispeed(t, B38400);
  cfsetospeed(t, B38400);
}

// spawn(file, argv[], env[], cwd, cols, rows) -> {pid, masterFd, slaveFd, pty}: starts `file` (a resolved path;
// argv[0] is what the program sees as its name) as the leader of a new session on a new pty, in `cwd`.
// A failure to start (chdir, execve) is thrown here with its errno, not seen later as a program that printed an
// error and exited 1: the child reports it through a close-on-exec pipe, which an exec that works closes.
// masterFd: non-blocking, close-on-exec. slaveFd: the daemon's own handle on the slave side (see pty.ts, why).
static napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, env, cwd, cols, rows)");
    return NULL;
  }
  char *file = cstring(env, args[0]);
  char **argv = cstrings(env, args[1]);
  char **envp = cstrings(env, args[2]);
  char *cwd = cstring(env, args[3]);
  int32_t cols = 80, rows = 24;
  napi_get_value_int32(env, args[4], &cols);
  napi_get_value_int32(env, args[5], &rows);
  if (!file || !argv || !envp || !cwd) {
    free(file), freeStrings(argv), freeStrings(envp), free(cwd);
    napi_throw_error(env, NULL, "spawn: out of memory");
    return NULL;
  }
  struct winsize ws;
  memset(&ws, 0, sizeof ws);
  ws.ws_col = (unsigned short)cols;
  ws.ws_row = (unsigned short)rows;
  struct termios t;
  sessionTermios(&t);
  int errPipe[2];
  if (pipe(errPipe) < 0) {
    int e = errno;
    free(file), freeStrings(argv), freeStrings(envp), free(cwd);
    THROW_ERRNO(env, "pipe", e);
  }
  fcntl(errPipe[0], F_SETFD, FD_CLOEXEC);
  fcntl(errPipe[1], F_SETFD, FD_CLOEXEC);
  // No signal handler of ours may run in the child before its exec: block everything around the fork, and the
  // child resets every disposition before unblocking.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int master = -1;
  pid_t pid = forkpty(&master, NULL, &t, &ws);
  if (pid == 0) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int i = 1; i < NSIG; i++) sigaction(i, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    // Only async-signal-safe calls here: the errno (negated for chdir) goes to the parent, then leave.
    int code;
    if (chdir(cwd) < 0) code = -errno;
    else {
      execve(file, argv, envp);
      code = errno;
    }
    ssize_t w = write(errPipe[1], &code, sizeof code);
    (void)w;
    _exit(127);
  }
  int forkErr = pid < 0 ? errno : 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(errPipe[1]);
  free(file), freeStrings(argv), freeStrings(envp);
  if (pid < 0) {
    close(errPipe[0]);
    free(cwd);
    THROW_ERRNO(env, "forkpty", forkErr);
  }
  int code = 0;
  ssize_t n;
  do n = read(errPipe[0], &code, sizeof code);
  while (n < 0 && errno == EINTR);
  close(errPipe[0]);
  if (n == (ssize_t)sizeof code) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(master);
    char msg[512];
    if (code < 0) snprintf(msg, sizeof msg, "cannot change to directory %s: %s", cwd, strerror(-code));
    else snprintf(msg, sizeof msg, "%s", strerror(code));
    free(cwd);
    napi_value errv, msgv, codev;
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &msgv);
    napi_create_error(env, NULL, msgv, &errv);
    const char *name = (code < 0 ? -code : code) == ENOENT ? "ENOENT" : (code < 0 ? -code : code) == EACCES ? "EACCES" : (code < 0 ? -code : code) == ENOEXEC ? "ENOEXEC" : "EEXEC";
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &codev);
    napi_set_named_property(env, errv, "code", codev);
    napi_throw(env, errv);
    return NULL;
  }
  free(cwd);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  fcntl(master, F_SETFD, FD_CLOEXEC);
  const char *pts = ptsname(master);
  int slave = pts ? open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
  napi_value result, v;
  napi_create_object(env, &result);
  napi_create_int32(env, pid, &v);
  napi_set_named_property(env, result, "pid", v);
  napi_create_int32(env, master, &v);
  napi_set_named_property(env, result, "masterFd", v);
  napi_create_int32(env, slave, &v);
  napi_set_named_property(env, result, "slaveFd", v);
  napi_create_string_utf8(env, pts ? pts : "", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, result, "pty", v);
  return result;
}

// --- Passing a pty master to `cw attach` (direct input; src/daemon/direct-input.ts says why) ---

// sendFd(socketFd, fd, bytes): sends `bytes` on a connected Unix socket with `fd` attached (SCM_RIGHTS), in one
// non-blocking sendmsg. The caller has nothing else queued on that socket, so these bytes go out in order.
static napi_value SendFd(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  int32_t sock = -1, fd = -1;
  void *data = NULL;
  size_t len = 0;
  if (argc < 3 || napi_get_value_int32(env, args[0], &sock) != napi_ok || napi_get_value_int32(env, args[1], &fd) != napi_ok ||
      napi_get_buffer_info(env, args[2], &data, &len) != napi_ok || len == 0) {
    napi_throw_type_error(env, NULL, "sendFd(socketFd, fd, bytes): two descriptors and a non-empty buffer");
    return NULL;
  }
  struct iovec iov = {.iov_base = data, .iov_len = len};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl.buf;
  msg.msg_controllen = sizeof ctl.buf;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
#ifdef MSG_NOSIGNAL
  int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
#else
  int flags = MSG_DONTWAIT;
#endif
  ssize_t n;
  do n = sendmsg(sock, &msg, flags);
  while (n < 0 && errno == EINTR);
  if (n < 0) THROW_ERRNO(env, "sendmsg", errno);
  if ((size_t)n != len) {
    napi_throw_error(env, NULL, "sendmsg: the socket took only part of the reply");
    return NULL;
  }
  napi_value undef;
  napi_get_undefined(env, &undef);
  return undef;
}

// exchangeFd(path, request, timeoutMs): connects to the Unix socket at `path`, writes `request`, and reads until
// the peer closes, keeping the first descriptor that arrives (close-on-exec). Returns {fd, data}: fd is -1 when
// none came. Blocking, bounded by timeoutMs as a whole: `cw attach` calls it once, before it reads its terminal.
static napi_value ExchangeFd(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  void *req = NULL;
  size_t reqLen = 0;
  int32_t timeoutMs = 0;
  char *path = argc >= 1 ? cstring(env, args[0]) : NULL;
  if (!path || argc < 3 || napi_get_buffer_info(env, args[1], &req, &reqLen) != napi_ok || napi_get_value_int32(env, args[2], &timeoutMs) != napi_ok) {
    free(path);
    napi_throw_type_error(env, NULL, "exchangeFd(path, request, timeoutMs)");
    return NULL;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) {
    free(path);
    napi_throw_error(env, NULL, "exchangeFd: the socket path is too long");
    return NULL;
  }
  strcpy(addr.sun_path, path);
  free(path);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) THROW_ERRNO(env, "socket", errno);
  fcntl(s, F_SETFD, FD_CLOEXEC);
  struct timeval tv = {.tv_sec = timeoutMs / 1000, .tv_usec = (timeoutMs % 1000) * 1000};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int err = 0;
  if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) err = errno;
  for (size_t off = 0; !err && off < reqLen;) {
    ssize_t n = write(s, (char *)req + off, reqLen - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) err = n < 0 ? errno : EPIPE;
    else off += (size_t)n;
  }
  if (err) {
    close(s);
    THROW_ERRNO(env, "exchangeFd", err);
  }
  char *data = NULL;
  size_t len = 0, cap = 0;
  int got = -1;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long left = timeoutMs - ((t.tv_sec - start.tv_sec) * 1000 + (t.tv_nsec - start.tv_nsec) / 1000000);
    if (left <= 0) {
      err = ETIMEDOUT;
      break;
    }
    struct pollfd p = {.fd = s, .events = POLLIN};
    int r = poll(&p, 1, (int)left);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      err = errno;
      break;
    }
    if (r == 0) continue;
    if (cap - len < 4096) {
      char *bigger = realloc(data, cap + 8192);
      if (!bigger) {
        err = ENOMEM;
        break;
      }
      data = bigger;
      cap += 8192;
    }
    struct iovec iov = {.iov_base = data + len, .iov_len = cap - len};
    union {
      struct cmsghdr h;
      char buf[CMSG_SPACE(sizeof(int) * 4)];
    } ctl;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl.buf;
    msg.msg_controllen = sizeof ctl.buf;
#ifdef MSG_CMSG_CLOEXEC
    ssize_t n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
#else
    ssize_t n = recvmsg(s, &msg, 0);
#endif
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; i++) {
        int fd;
        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        // Only one is expected; any other is closed, never leaked.
        if (got < 0) {
          got = fd;
          fcntl(fd, F_SETFD, FD_CLOEXEC);
        } else close(fd);
      }
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(s);
  if (err) {
    free(data);
    if (got >= 0) close(got);
    THROW_ERRNO(env, "exchangeFd", err);
  }
  napi_value result, v;
  napi_create_object(env, &result);
  napi_create_int32(env, got, &v);
  napi_set_named_property(env, result, "fd", v);
  napi_create_buffer_copy(env, len, len ? data : "", NULL, &v);
  napi_set_named_property(env, result, "data", v);
  free(data);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"exec", Exec}, {"reap", Reap}, {"resize", Resize}, {"spawn", Spawn}, {"sendFd", SendFd}, {"exchangeFd", ExchangeFd}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
