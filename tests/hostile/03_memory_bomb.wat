;; Threat: grow linear memory one page at a time until the host runs out of
;; memory. memory.grow past --max-memory must fail softly (return -1, as the
;; spec allows) rather than trap or take the host down, and the guest must
;; keep running with the memory it already has.
;; Expected: exit 0, stdout (under --max-memory 4MiB)
;;   memory.grow(1) returned -1 at 64 pages (4194304 bytes)
;;   memory.grow(65536) returned -1
;;   memory.grow(0) returned 64
;; and, under the default 256MiB cap, the same with 4096 pages (268435456
;; bytes). Every page that was granted is written to, so it is real memory.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0..15: iovec and nwritten; 16..47: digits; 64..: text.
  (data (i32.const 64) "memory.grow(1) returned -1 at ")
  (data (i32.const 96) " pages (")
  (data (i32.const 112) " bytes)\n")
  (data (i32.const 128) "memory.grow(65536) returned ")
  (data (i32.const 160) "memory.grow(0) returned ")
  (data (i32.const 192) "\n")
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8))))
  ;; Decimal, with a minus sign for negative values.
  (func $print_i64 (param $n i64) (local $p i32) (local $neg i32)
    (local.set $neg (i64.lt_s (local.get $n) (i64.const 0)))
    (if (local.get $neg)
      (then (local.set $n (i64.sub (i64.const 0) (local.get $n)))))
    (local.set $p (i32.const 48))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48)
                 (i32.wrap_i64 (i64.rem_u (local.get $n) (i64.const 10)))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $n) (i64.const 0))))
    (if (local.get $neg)
      (then (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (i32.store8 (local.get $p) (i32.const 45))))
    (call $write (local.get $p) (i32.sub (i32.const 48) (local.get $p))))
  (func (export "_start") (local $old i32)
    (block $full
      (loop $grow
        (local.set $old (memory.grow (i32.const 1)))
        (br_if $full (i32.eq (local.get $old) (i32.const -1)))
        ;; Touch the last byte of the new page.
        (i32.store8
          (i32.sub (i32.shl (i32.add (local.get $old) (i32.const 1))
                            (i32.const 16))
                   (i32.const 1))
          (i32.const 1))
        (br $grow)))
    (call $write (i32.const 64) (i32.const 30))
    (call $print_i64 (i64.extend_i32_u (memory.size)))
    (call $write (i32.const 96) (i32.const 8))
    (call $print_i64 (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (call $write (i32.const 112) (i32.const 8))
    (call $write (i32.const 128) (i32.const 28))
    (call $print_i64 (i64.extend_i32_s (memory.grow (i32.const 65536))))
    (call $write (i32.const 192) (i32.const 1))
    (call $write (i32.const 160) (i32.const 24))
    (call $print_i64 (i64.extend_i32_s (memory.grow (i32.const 0))))
    (call $write (i32.const 192) (i32.const 1))))
