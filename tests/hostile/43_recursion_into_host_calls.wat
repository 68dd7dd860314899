;; Threat: recurse until the native stack is nearly exhausted, calling into
;; the host on the way down (fd_write and poll_oneoff at every level,
;; path_open every 64 levels), so that host functions, which use libc and
;; the kernel, run with the least stack the guest can leave them. The host
;; must keep enough stack for itself below the guest's limit; otherwise
;; airlock dies with SIGSEGV on a stack overflow the guest provoked.
;; Run with --dir-ro RO::/ro (fd 3).
;; Expected: exit 134, stderr "airlock: trap: call_stack_exhausted".
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec of length 0; 64: one clock subscription (monotonic, 0 ns);
  ;; 256: events; 512: "readme.txt".
  (data (i32.const 64) "\00\00\00\00\00\00\00\00\00")
  (data (i32.const 80) "\01\00\00\00")
  (data (i32.const 512) "readme.txt")
  (func $down (param $n i64) (result i64)
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 16)))
    (drop (call $poll (i32.const 64) (i32.const 256) (i32.const 1)
                      (i32.const 20)))
    ;; path_open every 64 levels only: isolated, it is a round trip to the
    ;; supervisor, and the deepest one still runs within 64 small frames of
    ;; the limit.
    (if (i64.eqz (i64.and (local.get $n) (i64.const 63)))
      (then
        (if (i32.eqz (call $path_open (i32.const 3) (i32.const 0)
                                      (i32.const 512) (i32.const 10)
                                      (i32.const 0) (i64.const 2) (i64.const 0)
                                      (i32.const 0) (i32.const 24)))
          (then (drop (call $close (i32.load (i32.const 24))))))))
    (i64.add (call $down (i64.add (local.get $n) (i64.const 1)))
             (i64.const 1)))
  (func (export "_start")
    (drop (call $down (i64.const 0)))))
