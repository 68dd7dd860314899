;; Threat: the caller pipes 16 MiB into stdin and the guest never reads it.
;; If airlock waited for stdin to be drained (or for EOF) before exiting,
;; it would hang with the caller blocked on a full pipe. (In process stdin
;; is streamed to the guest; an isolated run reads it ahead, whole, up to
;; --max-input, 64 MiB by default, so 16 MiB is read and dropped.)
;; Expected: exit 0 promptly, stdout "done without reading stdin\n",
;; stderr empty. (The caller sees EPIPE once airlock has exited.)
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "done without reading stdin\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 27))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8)))))
