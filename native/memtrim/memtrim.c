// malloc_trim(3) for the daemon: gives the C heap's free pages back to the system.
//
// Every headless terminal keeps one typed array per row, and Node allocates those with malloc, in the screen
// worker thread's arena. When terminals hibernate or close, the arrays are freed, but glibc only returns memory
// from the top of an arena: the free chunks between the few live ones stay resident, so the daemon kept ~4 MiB
// per session that had a full scrollback after its terminal had gone (measured: 20 sessions, 69 MiB arena, 0.9
// MiB in use). malloc_trim walks every arena and releases the free pages wherever they are. Node has no binding
// for it, hence this addon. On a C library without it (musl, macOS) trim() does nothing and returns false.
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value Trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value result;
  napi_get_boolean(env, released != 0, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, NULL, &fn);
  napi_set_named_property(env, exports, "trim", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
