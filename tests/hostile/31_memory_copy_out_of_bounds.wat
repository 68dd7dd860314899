;; Threat: memory.copy with a destination whose end wraps around 32 bits
;; (dest 0xffffff00, 512 bytes: dest + length = 0x100 when truncated), which
;; an engine computing bounds in 32-bit arithmetic would accept and turn
;; into a write 4 GiB past the memory's base.
;; Expected: exit 134, stderr "airlock: trap: memory_out_of_bounds".
(module
  (memory 1)
  (func (export "_start")
    (memory.copy (i32.const 0xffffff00) (i32.const 0) (i32.const 512))))
