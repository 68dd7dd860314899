;; Threat: memory.fill whose range starts inside memory and runs past its
;; end (4 GiB - 1 bytes from address 16): a bulk operation that checked only
;; its start address, or computed address + length in 32 bits, would write
;; over host memory.
;; Expected: exit 134, stderr "airlock: trap: memory_out_of_bounds", stdout
;; "before\n" (written before the fill, so the trap does not lose output).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "before\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8)))
    (memory.fill (i32.const 16) (i32.const 0x41) (i32.const -1))))
