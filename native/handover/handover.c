// What `cw daemon restart` needs of the system that Node does not offer: executing new code in the daemon's own
// process while keeping chosen descriptors open, and, in that new code, reaping the children it inherited and
// resizing their terminals by descriptor.
//
// Why in place (execve, same pid) rather than handing the descriptors to a new process: the sessions' programs are
// the daemon's children. A new process could read and write their terminals, but only the parent learns a child's
// exit status; after the old daemon exited they would be reparented to init and their exit codes lost. After an
// execve the programs are still our children, and their terminals are still ours, so nothing changes for them.
//
// node-pty reaps its children in a thread per child that blocks in waitpid(pid); those threads do not survive the
// exec, and libuv only reaps the children it spawned itself (by pid). Children inherited across the exec are ours
// to reap: the daemon calls reap(pid) when SIGCHLD arrives (and now and then, in case a signal was coalesced).
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
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

static napi_value Init(napi_env env, napi_value exports) {
  struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"exec", Exec}, {"reap", Reap}, {"resize", Resize}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
