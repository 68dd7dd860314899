;; Threat: 100 MiB of output (1600 writes of 64 KiB to stdout), to fill the
;; caller's memory or disk. The guest ignores write errors and exits 0.
;; Expected: with --max-output 1MiB: stdout receives exactly the first
;; 1048576 bytes, stderr is the one line
;;   airlock: output cut at 1MiB (--max-output)
;; and the exit status is the guest's own, 0. Without the flag all
;; 104857600 bytes pass through, exit 0, stderr empty.
;; The output is the 64-byte line of the data segment below, repeated.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0)
    "hostile output flood: 100 MiB through a 1 MiB --max-output cap.\n")
  (func (export "_start") (local $i i32)
    ;; Fill 64 KiB at 65536 with copies of the 64-byte line.
    (loop $copy
      (memory.copy
        (i32.add (i32.const 65536) (i32.shl (local.get $i) (i32.const 6)))
        (i32.const 0) (i32.const 64))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $copy (i32.lt_u (local.get $i) (i32.const 1024))))
    (i32.store (i32.const 64) (i32.const 65536))
    (i32.store (i32.const 68) (i32.const 65536))
    (local.set $i (i32.const 0))
    (loop $write
      ;; The errno is ignored on purpose: the guest keeps writing.
      (drop (call $fd_write (i32.const 1) (i32.const 64) (i32.const 1)
                            (i32.const 72)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $write (i32.lt_u (local.get $i) (i32.const 1600))))))
